// Address allocation against real sockets and a real record file.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { PermanentError, RetryAfterError } from '../../src/provider/errors/index.ts';
import { portIsFree, type EchoNode } from '../support/echo-node.ts';
import { desired, makeProvider, startNodes, tcpRequest, tempDir, signal } from './fixtures.ts';

let nodes: EchoNode[];

before(async () => {
  nodes = await startNodes(['node-a'], ['127.0.0.31']);
});

after(async () => {
  for (const node of nodes) await node.stop();
});

function tcp(): { port: number; protocol: 'TCP'; nodePort: number }[] {
  return [{ port: 8080, protocol: 'TCP', nodePort: nodes[0]?.ports.tcp ?? 0 }];
}

async function addressOf(provider: ReturnType<typeof makeProvider>['provider'], name: string): Promise<string> {
  return (await provider.ensure(desired(name, nodes, tcp()), signal())).ingress[0]?.ip ?? assert.fail('no address');
}

test('a new provider instance gives each Service the address it had, whatever the order', async () => {
  const dir = await tempDir();
  // A /30 has two usable addresses: with two Services at least one of them may have probed past
  // its hashed slot, which only the record keeps stable.
  const spec = { addressPool: '127.78.10.0/30' };
  try {
    const first = makeProvider(spec, dir.path);
    const before = [await addressOf(first.provider, 'svc-1'), await addressOf(first.provider, 'svc-2')];
    await first.provider.close();
    assert.notEqual(before[0], before[1]);

    const second = makeProvider(spec, dir.path);
    try {
      const after = [await addressOf(second.provider, 'svc-2'), await addressOf(second.provider, 'svc-1')].reverse();
      assert.deepEqual(after, before);
      assert.match(await tcpRequest(after[0] ?? '', 8080, 'again'), /^node-a:again$/);
      const owned = [];
      for await (const ref of second.provider.listOwned(signal())) owned.push(ref.name);
      assert.deepEqual(owned.sort(), ['svc-1', 'svc-2']);
    } finally {
      await second.provider.close();
    }
  } finally {
    await dir.remove();
  }
});

test('after a restart, recorded addresses are reserved before their Services are ensured', async () => {
  const dir = await tempDir();
  const spec = { addressPool: '127.78.11.0/30' };
  try {
    const first = makeProvider(spec, dir.path);
    const held = [await addressOf(first.provider, 'svc-1'), await addressOf(first.provider, 'svc-2')];
    await first.provider.close();

    const second = makeProvider(spec, dir.path);
    try {
      // svc-3 is new: both addresses are still reserved for svc-1 and svc-2, so it must wait.
      await assert.rejects(addressOf(second.provider, 'svc-3'), RetryAfterError);
      const owned = [];
      for await (const ref of second.provider.listOwned(signal())) owned.push(ref.name);
      assert.deepEqual(owned.sort(), ['svc-1', 'svc-2'], 'recorded reservations are listed for the orphan sweep');
      await second.provider.delete({ name: 'svc-2', ownership: desired('svc-2', [], []).ownership }, signal());
      assert.equal(await addressOf(second.provider, 'svc-3'), held[1]);
    } finally {
      await second.provider.close();
    }
  } finally {
    await dir.remove();
  }
});

test('a full pool is a RetryAfterError with a clear message; delete frees the address and closes listeners', async () => {
  const dir = await tempDir();
  const { provider } = makeProvider({ addressPool: '127.78.12.0/30' }, dir.path);
  try {
    const a = await addressOf(provider, 'svc-a');
    await addressOf(provider, 'svc-b');
    await assert.rejects(addressOf(provider, 'svc-c'), (error: unknown) => {
      assert.ok(error instanceof RetryAfterError);
      assert.equal(
        error.message,
        'address pool 127.78.12.0/30 is full: 2 of 2 addresses in use; waiting for one to be freed',
      );
      assert.ok(error.delayMs > 0);
      return true;
    });

    const ref = { name: 'svc-a', ownership: desired('svc-a', [], []).ownership };
    await provider.delete(ref, signal());
    assert.equal(await portIsFree(a, 8080, 'TCP'), true, 'listener closed');
    await provider.delete(ref, signal());
    assert.equal(await addressOf(provider, 'svc-c'), a, 'the freed address goes to the waiting Service');
  } finally {
    await provider.close();
    await dir.remove();
  }
});

test('spec.loadBalancerIP: honoured inside the pool, refused outside it, waits when taken', async () => {
  const dir = await tempDir();
  const { provider } = makeProvider({ addressPool: '127.78.13.0/28' }, dir.path);
  try {
    const lb = desired('static', nodes, tcp(), { requestedAddress: '127.78.13.7' });
    assert.equal((await provider.ensure(lb, signal())).ingress[0]?.ip, '127.78.13.7');
    assert.match(await tcpRequest('127.78.13.7', 8080, 'static'), /:static$/);

    await assert.rejects(
      provider.ensure({ ...lb, name: 'other', requestedAddress: '127.78.13.7' }, signal()),
      (e: unknown) => e instanceof RetryAfterError && /in use by Service default\/static/.test(e.message),
    );
    await assert.rejects(
      provider.ensure({ ...lb, name: 'outside', requestedAddress: '10.9.9.9' }, signal()),
      (e: unknown) =>
        e instanceof PermanentError &&
        e.field === 'spec.loadBalancerIP' &&
        e.message ===
          'spec.loadBalancerIP 10.9.9.9 is outside the address pool 127.78.13.0/28 (usable 127.78.13.1 to 127.78.13.14)',
    );

    const moved = await provider.ensure({ ...lb, requestedAddress: '127.78.13.9' }, signal());
    assert.equal(moved.changed, true);
    assert.equal(moved.ingress[0]?.ip, '127.78.13.9');
    assert.equal(await portIsFree('127.78.13.7', 8080, 'TCP'), true, 'the old address is no longer served');
  } finally {
    await provider.close();
    await dir.remove();
  }
});

test('a port held by another process is a clear transient error', async () => {
  const dir = await tempDir();
  const { provider } = makeProvider({ addressPool: '127.78.14.0/28' }, dir.path);
  const { createServer } = await import('node:net');
  const squatter = createServer();
  await new Promise<void>((resolve) => squatter.listen(8080, '127.78.14.5', () => resolve()));
  try {
    await assert.rejects(
      provider.ensure(desired('squatted', nodes, tcp(), { requestedAddress: '127.78.14.5' }), signal()),
      (e: unknown) =>
        e instanceof Error && e.name === 'ProviderError' && /127\.78\.14\.5:8080\/TCP: another process/.test(e.message),
    );
  } finally {
    squatter.close();
    await provider.close();
    await dir.remove();
  }
});
