// Bad input round two, on LoadBalancerProviders and through the real control plane: a Service
// address no cloud could take, local pools that are not on this machine or overlap another
// provider's, and a provider deleted while Services use it.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import { GROUP, PLURAL, VERSION } from '../../src/api/loadbalancerprovider.ts';
import { FINALIZER, PROVIDER_ANNOTATION, PROVIDER_FINALIZER } from '../../src/controller/constants.ts';
import type { RunningOperator } from '../../src/operator/index.ts';
import { ProviderRegistry } from '../../src/provider/registry.ts';
import { localProvider } from '../../providers/local/index.ts';
import type { TestCluster } from '../harness/cluster.ts';
import { eventually } from '../harness/wait.ts';
import { FULL_CAPABILITIES, TestCloud, testProviderDefinition } from '../support/test-provider.ts';
import {
  createProvider,
  createService,
  deleteProvider,
  eventLine,
  getProvider,
  getService,
  providerEvents,
  runOperator,
  serviceEvents,
  setUpTestFile,
  suffix,
  waitForIngress,
  type TestFile,
} from '../support/fixture.ts';

const id = suffix();
const name = (s: string) => `ctl-badp-${id}-${s}`;
/** A /16 inside 127.0.0.0/8 of this file's own, so no other file's pools overlap it. */
const octet = 100 + (parseInt(id, 16) % 100);
const cloud = new TestCloud({ capabilities: { ...FULL_CAPABILITIES, addressFamilies: ['IPv4'], maxListeners: 3 } });
const main = name('main');

let file: TestFile;
let cluster: TestCluster;
let ns: string;
let operator: RunningOperator;
let stateDir: string;
const made: string[] = [];

async function makeProvider(provider: string, spec: Parameters<typeof createProvider>[2] = {}): Promise<void> {
  made.push(provider);
  await createProvider(cluster, provider, spec);
}

async function readyOf(provider: string) {
  return (await getProvider(cluster, provider)).status?.conditions?.find((c) => c.type === 'Ready');
}

async function conditionOf(service: string) {
  return (await getService(cluster, ns, service)).status?.conditions?.find((c) => c.type === 'LoadBalancerReady');
}

async function providerGone(provider: string): Promise<boolean> {
  return await getProvider(cluster, provider).then(
    () => false,
    () => true,
  );
}

before(async () => {
  stateDir = await mkdtemp(join(tmpdir(), 'cloudlb-badp-'));
  process.env['CLOUDLB_LOCAL_STATE_DIR'] = stateDir;
  file = await setUpTestFile('ctl-badp', { nodes: [name('node')], providers: { [main]: {} } });
  ({ cluster, ns } = file);
  operator = await runOperator(cluster, cloud, {
    clusterName: `badp-${id}`,
    namespace: ns,
    registry: new ProviderRegistry([testProviderDefinition(cloud), localProvider]),
  });
});

after(async () => {
  await operator.stop();
  for (const provider of made) await deleteProvider(cluster, provider);
  await file.cleanUp();
  await rm(stateDir, { recursive: true, force: true });
});

test('spec.loadBalancerIP that is not an IP, or of a family the provider cannot serve → InvalidSpec naming it, no cloud call', async () => {
  await createService(cluster, ns, 'marker', `cloudlb.dev/${main}`);
  await waitForIngress(cluster, ns, 'marker');
  const calls = cloud.totalCalls();
  for (const [service, ip, says] of [
    ['not-ip', 'my-lb.example.com', /spec\.loadBalancerIP: "my-lb\.example\.com" is not an IP address/],
    ['v6', '2001:db8::10', /spec\.loadBalancerIP: 2001:db8::10 is an IPv6 address; provider .* serves IPv4 addresses/],
  ] as const) {
    await createService(cluster, ns, service, `cloudlb.dev/${main}`, undefined, { spec: { loadBalancerIP: ip } });
    await eventually(async () => {
      const condition = await conditionOf(service);
      assert.equal(condition?.reason, 'InvalidSpec');
      assert.match(condition?.message ?? '', says);
      const lines = (await serviceEvents(cluster, ns, service)).map(eventLine);
      assert.ok(
        lines.some((l) =>
          l.startsWith('Warning SyncLoadBalancerFailed: Cannot ensure load balancer: spec.loadBalancerIP'),
        ),
        lines.join('\n'),
      );
    });
  }
  assert.equal(cloud.totalCalls(), calls, 'no cloud call for either');
  assert.equal((await getService(cluster, ns, 'not-ip')).metadata?.finalizers, undefined, 'nothing claimed');
});

test('more ports than the provider allows on one load balancer → InvalidSpec on spec.ports, no cloud call', async () => {
  const calls = cloud.totalCalls();
  const ports = [1, 2, 3, 4].map((n) => ({ name: `p${n}`, port: 8000 + n, protocol: 'TCP' }));
  await createService(cluster, ns, 'many-ports', `cloudlb.dev/${main}`, ports);
  await eventually(async () => {
    const condition = await conditionOf('many-ports');
    assert.equal(condition?.reason, 'InvalidSpec');
    assert.match(
      condition?.message ?? '',
      /spec\.ports: provider .* allows at most 3 ports on one load balancer; this Service has 4/,
    );
  });
  assert.equal(cloud.totalCalls(), calls);
  // Within the limit it is served.
  await cluster.core.patchNamespacedService({
    namespace: ns,
    name: 'many-ports',
    body: [{ op: 'remove', path: '/spec/ports/3' }],
  });
  await waitForIngress(cluster, ns, 'many-ports');
});

test('a local pool that is not on this machine → Ready=False InvalidSpec naming spec.local.addressPool; its Services wait', async () => {
  const provider = name('anywhere');
  await makeProvider(provider, { local: { addressPool: '0.0.0.0/0' } });
  await eventually(async () => {
    const ready = await readyOf(provider);
    assert.equal(ready?.status, 'False');
    assert.equal(ready?.reason, 'InvalidSpec');
    assert.match(
      ready?.message ?? '',
      /^spec\.local\.addressPool: spec\.local\.addressPool 0\.0\.0\.0\/0 is not on this machine/,
    );
  });
  await createService(cluster, ns, 'on-anywhere', `cloudlb.dev/${provider}`, [{ port: 18080, protocol: 'TCP' }]);
  await eventually(async () => {
    const condition = await conditionOf('on-anywhere');
    assert.equal(condition?.reason, 'ProviderNotReady');
    assert.match(condition?.message ?? '', /spec\.local\.addressPool/);
  });
  assert.equal((await getService(cluster, ns, 'on-anywhere')).status?.loadBalancer?.ingress, undefined);
  // A pool that cannot be served claims nothing: the tests below may use 127.x pools.
  await deleteProvider(cluster, provider);
});

test('two local providers with overlapping pools: the later-created one is refused, naming both', async () => {
  const first = name('pool-a');
  const second = name('pool-b');
  await makeProvider(first, { local: { addressPool: `127.${octet}.0.0/24` } });
  await eventually(async () => assert.equal((await readyOf(first))?.status, 'True'));
  await makeProvider(second, { local: { addressPool: `127.${octet}.0.0/16` } });
  await eventually(async () => {
    const ready = await readyOf(second);
    assert.equal(ready?.status, 'False');
    assert.equal(ready?.reason, 'InvalidSpec');
    assert.equal(
      ready?.message,
      `spec.local.addressPool 127.${octet}.0.0/16 overlaps spec.local.addressPool 127.${octet}.0.0/24 of LoadBalancerProvider ${first}, which was created first; two providers would hand out the same addresses. Choose a range that does not overlap.`,
    );
    const lines = (await providerEvents(cluster, second)).map(eventLine);
    assert.ok(
      lines.some((l) => l.startsWith('Warning InvalidSpec: spec.local.addressPool')),
      lines.join('\n'),
    );
  });
  assert.equal((await readyOf(first))?.status, 'True', 'the first keeps serving');
  // Moving the second pool away makes it Ready.
  await cluster.custom.patchClusterCustomObject(
    {
      group: GROUP,
      version: VERSION,
      plural: PLURAL,
      name: second,
      body: { spec: { local: { addressPool: `127.${octet}.1.0/24` } } },
    },
    setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
  );
  await eventually(async () => assert.equal((await readyOf(second))?.status, 'True'));
});

test('a provider in use is protected: deletion waits for its Services, a Warning names them, then it goes', async () => {
  const provider = name('held');
  await makeProvider(provider);
  await eventually(async () =>
    assert.deepEqual((await getProvider(cluster, provider)).metadata.finalizers, [PROVIDER_FINALIZER]),
  );
  for (const service of ['held-1', 'held-2']) {
    await createService(cluster, ns, service, `cloudlb.dev/${provider}`);
    await waitForIngress(cluster, ns, service);
  }
  await deleteProvider(cluster, provider, { keepFinalizer: true });
  await eventually(async () => {
    const object = await getProvider(cluster, provider);
    assert.ok(object.metadata.deletionTimestamp, 'being deleted');
    const blocked = object.status?.conditions?.find((c) => c.type === 'DeletionBlocked');
    assert.equal(blocked?.status, 'True');
    assert.equal(object.status?.services, 2);
    const expected = `LoadBalancerProvider ${provider} is being deleted, but 2 Services (${ns}/held-1, ${ns}/held-2) still have load balancers through it; the finalizer ${PROVIDER_FINALIZER} keeps it until they are deleted or moved to another provider.`;
    assert.equal(blocked?.message, expected);
    const lines = (await providerEvents(cluster, provider)).map(eventLine);
    assert.ok(lines.includes(`Warning DeletionBlocked: ${expected}`), lines.join('\n'));
  });
  // It takes no new Service meanwhile: one created now waits, unclaimed, and does not hold it.
  await createService(cluster, ns, 'held-new', `cloudlb.dev/${provider}`);
  await eventually(async () => {
    const condition = await conditionOf('held-new');
    assert.equal(condition?.reason, 'ProviderNotReady');
    assert.match(condition?.message ?? '', /is being deleted: it serves the Services it has, and takes no new one/);
  });
  assert.equal((await getService(cluster, ns, 'held-new')).metadata?.finalizers, undefined);
  // The held provider still cleans up: a deleted Service is released through it.
  await cluster.core.deleteNamespacedService({ namespace: ns, name: 'held-1' });
  await eventually(async () => {
    const blocked = (await getProvider(cluster, provider)).status?.conditions?.find(
      (c) => c.type === 'DeletionBlocked',
    );
    assert.match(blocked?.message ?? '', new RegExp(`1 Service \\(${ns}/held-2\\) still has a load balancer`));
  });
  assert.equal(await providerGone(provider), false, 'held while one Service is left');
  // The last one gone, the provider goes too.
  await cluster.core.deleteNamespacedService({ namespace: ns, name: 'held-2' });
  await eventually(async () => assert.equal(await providerGone(provider), true));
});

test('a Service whose local provider is gone is released; one whose cloud provider is gone keeps waiting', async () => {
  const local = name('gone-local');
  const memory = name('gone-mem');
  await makeProvider(local, { local: { addressPool: `127.${octet}.9.0/24` } });
  await makeProvider(memory);
  await eventually(async () => {
    assert.equal((await readyOf(local))?.status, 'True');
    assert.equal((await readyOf(memory))?.status, 'True');
  });
  // Both go with nobody using them (the protection finalizer comes off at once).
  await deleteProvider(cluster, local, { keepFinalizer: true });
  await deleteProvider(cluster, memory, { keepFinalizer: true });
  await eventually(async () => {
    assert.equal(await providerGone(local), true);
    assert.equal(await providerGone(memory), true);
  });
  // Services that had load balancers through them (our finalizer, the provider annotation), deleted.
  for (const [service, provider] of [
    ['was-local', local],
    ['was-mem', memory],
  ] as const) {
    await cluster.core.createNamespacedService({
      namespace: ns,
      body: {
        metadata: { name: service, finalizers: [FINALIZER], annotations: { [PROVIDER_ANNOTATION]: provider } },
        spec: {
          type: 'LoadBalancer',
          loadBalancerClass: `cloudlb.dev/${provider}`,
          ports: [{ port: 18081, protocol: 'TCP' }],
        },
      },
    });
    await cluster.core.deleteNamespacedService({ namespace: ns, name: service });
  }
  await eventually(async () => {
    const gone = await getService(cluster, ns, 'was-local').then(
      () => false,
      () => true,
    );
    assert.equal(gone, true, 'the local one is released');
  });
  await eventually(async () => {
    const lines = (await serviceEvents(cluster, ns, 'was-mem')).map(eventLine);
    assert.ok(
      lines.some((l) => l.includes(`LoadBalancerProvider ${memory} does not exist; the finalizer ${FINALIZER} stays`)),
      lines.join('\n'),
    );
  });
  assert.deepEqual((await getService(cluster, ns, 'was-mem')).metadata?.finalizers, [FINALIZER], 'the cloud one waits');
  await cluster.core.patchNamespacedService({
    namespace: ns,
    name: 'was-mem',
    body: [{ op: 'remove', path: '/metadata/finalizers' }],
  });
});
