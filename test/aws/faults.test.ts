// Throttling, 5xx, latency and dropped connections between the SDK and moto: the provider still
// converges (as the controller would, by calling again), and delete leaves nothing behind.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startMoto, type Moto } from '../harness/moto.ts';
import { startFaultProxy } from '../support/fault-proxy.ts';
import { RetryAfterError } from '../../src/provider/errors/index.ts';
import { census, countedProvider, node, seedNetwork, service, signal } from './fixtures.ts';

let moto: Moto;
before(async () => {
  moto = await startMoto();
  await seedNetwork(moto.endpoint);
});
after(async () => {
  await moto.stop();
});

/** What the controller does: call again after a transient error, a bounded number of times. */
async function untilDone<T>(fn: () => Promise<T>, attempts = 25): Promise<{ value: T; failures: number }> {
  for (let failures = 0; ; failures++) {
    try {
      return { value: await fn(), failures };
    } catch (error) {
      if (failures + 1 >= attempts) throw error;
      if (error instanceof RetryAfterError) await new Promise((r) => setTimeout(r, 50));
    }
  }
}

test('converges through throttling, 5xx, latency and dropped connections, and leaks nothing', async () => {
  const proxy = await startFaultProxy({
    target: moto.endpoint,
    faults: ['throttle', 'server-error', 'drop-before', 'drop-after', 'latency', 'throttle'],
    every: 2,
    maxFaults: 400,
    latencyMs: 100,
    lifetimeMs: 120_000,
  });
  try {
    const c = countedProvider(proxy.endpoint, {}, { retries: 3, minTimeoutMs: 5, maxTimeoutMs: 50 });
    const services = [
      service(),
      service({
        listeners: [
          { port: 53, protocol: 'UDP', nodePort: 30053 },
          { port: 53, protocol: 'TCP', nodePort: 30053 },
        ],
      }),
      service(),
    ];
    for (const svc of services) {
      await untilDone(() => c.provider.ensure(svc, signal()));
      const grown = { ...svc, targets: [...svc.targets, node('n3', 'i-0000000000000003')] };
      await untilDone(() => c.provider.ensure(grown, signal()));
    }
    const during = await census(moto.endpoint);
    assert.equal(during.loadBalancers.length, 3, `one NLB per Service, no duplicates: ${during.loadBalancers.join()}`);
    assert.equal(during.targetGroups.length, 5);
    assert.equal(during.securityGroups.length, 3);

    proxy.quiet();
    c.reset();
    for (const svc of services) {
      const status = await c.provider.ensure(
        { ...svc, targets: [...svc.targets, node('n3', 'i-0000000000000003')] },
        signal(),
      );
      assert.equal(status.changed, false);
    }
    assert.equal(c.mutating(), 0, JSON.stringify([...c.calls]));

    const noisy = await startFaultProxy({
      target: moto.endpoint,
      faults: ['drop-after', 'throttle', 'server-error', 'drop-before'],
      every: 2,
      maxFaults: 200,
      lifetimeMs: 120_000,
    });
    try {
      const d = countedProvider(noisy.endpoint, {}, { retries: 3, minTimeoutMs: 5, maxTimeoutMs: 50 });
      for (const svc of services) await untilDone(() => d.provider.delete(svc, signal()));
      await d.provider.close();
    } finally {
      await noisy.stop();
    }
    assert.deepEqual(await census(moto.endpoint), { loadBalancers: [], targetGroups: [], securityGroups: [] });
    const injected = Object.values(proxy.injected).reduce((a, b) => a + b, 0);
    assert.ok(injected > 20, `faults were injected: ${JSON.stringify(proxy.injected)}`);
    await c.provider.close();
  } finally {
    await proxy.stop();
  }
});
