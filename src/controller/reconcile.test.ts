// Decision logic of reconcile() with an in-memory Service store; the real control plane tests
// live in test/controller/.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { V1EndpointSlice, V1Node, V1Service } from '@kubernetes/client-node';
import { pino } from 'pino';
import { silentLogger, type Logger } from '../log.ts';
import type { LoadBalancerProvider as ProviderObject } from '../api/loadbalancerprovider.ts';
import { FULL_CAPABILITIES, TestCloud, testProviderFactory } from '../../test/support/test-provider.ts';
import { indexProviders } from './classes.ts';
import { FINALIZER, LEGACY_FINALIZER, PROVIDER_ANNOTATION } from './constants.ts';
import { Reconciler, type ProviderLookup } from './reconcile.ts';
import type { ServiceWriter } from './service-writer.ts';

function harness(
  options: {
    capabilities?: typeof FULL_CAPABILITIES;
    nodes?: V1Node[];
    providerState?: 'ready' | 'notReady';
    log?: Logger;
    endpointSlices?: () => V1EndpointSlice[] | undefined;
  } = {},
) {
  const cloud = new TestCloud(options.capabilities ? { capabilities: options.capabilities } : {});
  const provider = testProviderFactory(cloud)(
    {},
    { providerName: 'p', clusterName: 'c', credentials: undefined, log: silentLogger(), countCall: () => undefined },
  );
  const store = new Map<string, V1Service>();
  const events: string[] = [];
  const order: string[] = [];
  const objects: ProviderObject[] = [{ metadata: { name: 'p' }, spec: { local: {} } }];
  const origEnsure = provider.ensure.bind(provider);
  provider.ensure = async (lb, signal) => {
    order.push('ensure');
    return await origEnsure(lb, signal);
  };
  const writer: ServiceWriter = {
    claim: (s, name) => {
      order.push('claim');
      const next = structuredClone(s);
      next.metadata!.finalizers = [...(next.metadata!.finalizers ?? []), FINALIZER];
      next.metadata!.annotations = { ...next.metadata!.annotations, [PROVIDER_ANNOTATION]: name };
      store.set(`${s.metadata!.namespace}/${s.metadata!.name}`, next);
      return Promise.resolve(next);
    },
    release: (s) => {
      order.push('release');
      const next = structuredClone(s);
      next.metadata!.finalizers = (next.metadata!.finalizers ?? []).filter(
        (f) => f !== FINALIZER && f !== LEGACY_FINALIZER,
      );
      delete next.metadata!.annotations?.[PROVIDER_ANNOTATION];
      store.set(`${s.metadata!.namespace}/${s.metadata!.name}`, next);
      return Promise.resolve(next);
    },
    replaceFinalizers: (s, finalizers) => {
      order.push('finalizers');
      const next = structuredClone(s);
      next.metadata!.finalizers = [...finalizers];
      store.set(`${s.metadata!.namespace}/${s.metadata!.name}`, next);
      return Promise.resolve(next);
    },
    patchStatus: (s, patch) => {
      order.push('status');
      const key = `${s.metadata!.namespace}/${s.metadata!.name}`;
      const next = structuredClone(store.get(key)!);
      next.status = { ...next.status, ...(patch.loadBalancer ? { loadBalancer: patch.loadBalancer } : {}) };
      if (patch.conditions)
        next.status.conditions = [
          ...(next.status.conditions ?? []).filter((c) => !patch.conditions!.some((p) => p.type === c.type)),
          ...patch.conditions,
        ];
      store.set(key, next);
      return Promise.resolve(next);
    },
    clearStatus: (s) => {
      order.push('clear');
      const key = `${s.metadata!.namespace}/${s.metadata!.name}`;
      const next = structuredClone(store.get(key)!);
      next.status = {};
      store.set(key, next);
      return Promise.resolve(next);
    },
  };
  const nodes = options.nodes ?? [
    { metadata: { name: 'n1' }, status: { addresses: [{ type: 'InternalIP', address: '10.0.0.1' }] } },
  ];
  let providerState = options.providerState ?? 'ready';
  const lookup = (name: string): ProviderLookup =>
    name !== 'p'
      ? { state: 'missing' }
      : providerState === 'notReady'
        ? { state: 'notReady', message: 'Secret x lacks key y' }
        : {
            state: 'ready',
            handle: { name: 'p', type: 'local', instanceId: 1, provider, capabilities: provider.capabilities() },
          };
  const reconciler = new Reconciler({
    clusterName: 'c',
    getService: (ns, name) => store.get(`${ns}/${name}`),
    nodes: () => nodes,
    classes: () => indexProviders(objects),
    providers: { lookup, names: () => ['p'] },
    writer,
    events: { record: (_o, type, reason, message) => events.push(`${type} ${reason}: ${message}`) },
    log: options.log ?? silentLogger(),
    ...(options.endpointSlices ? { endpointSlices: options.endpointSlices } : {}),
  });
  const put = (spec: NonNullable<V1Service['spec']>, meta: Partial<NonNullable<V1Service['metadata']>> = {}): void => {
    store.set('n/s', { metadata: { namespace: 'n', name: 's', uid: 'uid-1', generation: 1, ...meta }, spec });
  };
  const get = (): V1Service => store.get('n/s')!;
  const run = async () => await reconciler.reconcile('n/s', new AbortController().signal);
  const setProviderState = (state: 'ready' | 'notReady'): void => {
    providerState = state;
  };
  return { cloud, store, events, order, put, get, run, reconciler, setProviderState };
}

const lbSpec = {
  type: 'LoadBalancer',
  loadBalancerClass: 'cloudlb.dev/p',
  ports: [{ port: 80, protocol: 'TCP', nodePort: 30080 }],
};

test('finalizer before the first cloud write; status and events; a second pass writes nothing', async () => {
  const h = harness();
  h.put(lbSpec);
  assert.deepEqual(await h.run(), { kind: 'done' });
  assert.deepEqual(h.order, ['claim', 'ensure', 'status']);
  assert.deepEqual(h.get().metadata?.finalizers, [FINALIZER]);
  assert.equal(h.get().status?.loadBalancer?.ingress?.length, 1);
  assert.deepEqual(
    h.events.map((e) => e.split(':')[0]),
    ['Normal EnsuringLoadBalancer', 'Normal EnsuredLoadBalancer'],
  );
  const ensures = h.cloud.count('ensure');
  await h.run();
  assert.equal(h.cloud.count('ensure'), ensures, 'memoised: no cloud call when nothing changed');
  h.reconciler.forgetAll();
  await h.run();
  assert.equal(h.cloud.count('ensure'), ensures + 1, 'resync asks the cloud again');
  assert.deepEqual(h.order, ['claim', 'ensure', 'status', 'ensure']);
  assert.equal(h.events.length, 2, 'no events for an unchanged resync');
  assert.equal(h.cloud.writes.length, 1);
});

test("the legacy finalizer is swapped for upstream's in place, with no cloud call and no event", async () => {
  const h = harness();
  h.put(lbSpec);
  await h.run();
  const settled = structuredClone(h.get());
  settled.metadata!.finalizers = ['other.io/keep', LEGACY_FINALIZER, 'other.io/last'];
  h.store.set('n/s', settled);
  const [calls, events] = [h.cloud.totalCalls(), h.events.length];
  assert.deepEqual(await h.run(), { kind: 'done' });
  assert.deepEqual(h.get().metadata?.finalizers, ['other.io/keep', FINALIZER, 'other.io/last']);
  assert.equal(h.order.filter((o) => o === 'finalizers').length, 1, 'one write swaps them');
  assert.equal(h.cloud.totalCalls(), calls, 'no cloud call');
  assert.equal(h.events.length, events);
});

test('deleting with only the legacy finalizer: deleted in the cloud, then both names released', async () => {
  const h = harness();
  h.put(lbSpec);
  await h.run();
  const deleting = structuredClone(h.get());
  deleting.metadata!.finalizers = [LEGACY_FINALIZER];
  deleting.metadata!.deletionTimestamp = new Date();
  h.store.set('n/s', deleting);
  assert.deepEqual(await h.run(), { kind: 'done' });
  assert.equal(h.cloud.count('delete'), 1);
  assert.equal(h.cloud.lbs.size, 0);
  assert.deepEqual(h.get().metadata?.finalizers, []);
  assert.ok(!h.order.includes('finalizers'), 'a Service being deleted is not migrated');
});

test('endpoint targets: nothing is claimed or asked until the EndpointSlice cache has synced', async () => {
  let slices: V1EndpointSlice[] | undefined = undefined;
  const h = harness({
    capabilities: { ...FULL_CAPABILITIES, needsNodePorts: false, endpointTargets: true },
    endpointSlices: () => slices,
  });
  h.put({ ...lbSpec, allocateLoadBalancerNodePorts: false, ports: [{ name: 'http', port: 80, protocol: 'TCP' }] });
  assert.deepEqual(await h.run(), { kind: 'requeueAfter', delayMs: 500 });
  assert.deepEqual(h.order, [], 'no claim, no status');
  assert.equal(h.cloud.totalCalls(), 0);
  slices = [
    {
      addressType: 'IPv4',
      metadata: { name: 's-1', labels: { 'kubernetes.io/service-name': 's' } },
      ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
      endpoints: [{ addresses: ['10.1.0.5'], conditions: { ready: true } }],
    },
  ];
  assert.deepEqual(await h.run(), { kind: 'done' });
  assert.deepEqual(h.order, ['claim', 'ensure', 'status']);
});

test('not ours: unknown class is ignored silently', async () => {
  const h = harness();
  h.put({ ...lbSpec, loadBalancerClass: 'other.io/x' });
  await h.run();
  assert.deepEqual(h.order, []);
  assert.deepEqual(h.events, []);
});

test('provider not ready → condition, no cloud call, no finalizer', async () => {
  const h = harness({ providerState: 'notReady' });
  h.put(lbSpec);
  await h.run();
  assert.deepEqual(h.order, ['status']);
  assert.equal(h.cloud.totalCalls(), 0);
  assert.equal(h.get().status?.conditions?.[0]?.reason, 'ProviderNotReady');
  assert.match(h.get().status?.conditions?.[0]?.message ?? '', /Secret x lacks key y/);
});

test('permanent provider error → Warning + condition, then no retry until something changes', async () => {
  const h = harness();
  h.cloud.fail('ensure', 'permanent');
  h.put(lbSpec);
  assert.deepEqual(await h.run(), { kind: 'permanent' });
  assert.equal(
    h.get().status?.conditions?.[0]?.reason,
    'InvalidSpec',
    'the test cloud names a field: the user can fix it',
  );
  const calls = h.cloud.count('ensure');
  assert.deepEqual(await h.run(), { kind: 'permanent' });
  assert.equal(h.cloud.count('ensure'), calls);
  assert.equal(h.events.filter((e) => e.startsWith('Warning SyncLoadBalancerFailed')).length, 1);
});

test('transient error → retry; RetryAfter → requeue after its delay', async () => {
  const h = harness();
  h.cloud.fail('ensure', 'transient', { times: 1 });
  h.put(lbSpec);
  assert.equal((await h.run()).kind, 'retry');
  h.cloud.fail('ensure', 'retryAfter', { times: 1, delayMs: 1234 });
  assert.deepEqual(await h.run(), { kind: 'requeueAfter', delayMs: 1234 });
  assert.equal((await h.run()).kind, 'done');
});

test('invalid annotation → no cloud call at all, a Warning naming the field', async () => {
  const h = harness();
  h.put(lbSpec, { annotations: { 'test.cloudlb.dev/scheme': 'Sideways' } });
  assert.deepEqual(await h.run(), { kind: 'permanent' });
  assert.equal(h.cloud.totalCalls(), 0);
  assert.deepEqual(h.get().metadata?.finalizers, undefined);
  assert.match(
    h.events[0] ?? '',
    /^Warning SyncLoadBalancerFailed: Cannot ensure load balancer: metadata.annotations\[test.cloudlb.dev\/scheme\]/,
  );
});

test('type change away from LoadBalancer → delete, clear status, then remove the finalizer', async () => {
  const h = harness();
  h.put(lbSpec);
  await h.run();
  const svc = h.get();
  h.store.set('n/s', { ...svc, spec: { type: 'ClusterIP', ports: [{ port: 80 }] } });
  h.order.length = 0;
  await h.run();
  assert.deepEqual(h.order, ['clear', 'release']);
  assert.equal(h.cloud.lbs.size, 0);
  assert.deepEqual(h.get().metadata?.finalizers, []);
});

test('delete failure keeps the finalizer', async () => {
  const h = harness();
  h.put(lbSpec);
  await h.run();
  h.cloud.fail('delete', 'transient');
  h.store.set('n/s', { ...h.get(), metadata: { ...h.get().metadata, deletionTimestamp: new Date() } });
  assert.equal((await h.run()).kind, 'retry');
  assert.equal((await h.run()).kind, 'retry');
  assert.deepEqual(h.get().metadata?.finalizers, [FINALIZER]);
  assert.equal(
    h.events.filter((e) => e.startsWith('Warning DeleteLoadBalancerFailed')).length,
    1,
    'aggregated, not repeated',
  );
  h.cloud.clearFailures();
  assert.equal((await h.run()).kind, 'done');
  assert.deepEqual(h.get().metadata?.finalizers, []);
});

test('no eligible nodes → UnAvailableLoadBalancer Warning, condition False, LB still ensured', async () => {
  const h = harness({
    nodes: [{ metadata: { name: 'x', labels: { 'node.kubernetes.io/exclude-from-external-load-balancers': '' } } }],
  });
  h.put(lbSpec);
  await h.run();
  assert.equal(h.cloud.lbs.size, 1);
  assert.equal(h.get().status?.conditions?.[0]?.reason, 'NoEligibleNodes');
  assert.ok(
    h.events.some((e) =>
      e.startsWith('Warning UnAvailableLoadBalancer: There are no available nodes for LoadBalancer'),
    ),
    h.events.join('\n'),
  );
});

test('a waiting Service that stops being ours loses our condition, not its ingress', async () => {
  const h = harness({ providerState: 'notReady' });
  h.put(lbSpec);
  await h.run();
  assert.equal(h.get().status?.conditions?.[0]?.reason, 'ProviderNotReady');
  h.store.set('n/s', { ...h.get(), spec: { ...lbSpec, loadBalancerClass: 'other.io/x' } });
  h.order.length = 0;
  await h.run();
  assert.deepEqual(h.order, ['clear']);
});

test('finalizer without the provider annotation: waits for a provider that is not ready, never drops it', async () => {
  const h = harness();
  h.put(lbSpec);
  await h.run();
  assert.equal(h.cloud.lbs.size, 1);
  const svc = structuredClone(h.get());
  delete svc.metadata!.annotations![PROVIDER_ANNOTATION];
  svc.spec = { type: 'ClusterIP', ports: [{ port: 80, protocol: 'TCP' }] };
  h.store.set('n/s', svc);
  h.setProviderState('notReady');
  assert.deepEqual(await h.run(), { kind: 'done' });
  assert.deepEqual(h.get().metadata?.finalizers, [FINALIZER], 'the finalizer stays while a provider cannot be asked');
  assert.equal(h.cloud.lbs.size, 1);
  assert.ok(h.events.some((e) => e.startsWith('Warning DeleteLoadBalancerFailed')));
  h.setProviderState('ready');
  assert.deepEqual(await h.run(), { kind: 'done' });
  assert.equal(h.cloud.lbs.size, 0, 'deleted once the provider is ready');
  assert.deepEqual(h.get().metadata?.finalizers, []);
});

test('debug log says why the cloud is asked, or that nothing changed', async () => {
  const lines: { msg: string; reason?: string }[] = [];
  const log = pino({ level: 'debug' }, { write: (line: string) => lines.push(JSON.parse(line) as (typeof lines)[0]) });
  const h = harness({ log });
  const said = (): string[] =>
    lines
      .splice(0)
      .filter((l) => l.msg === 'ensuring load balancer' || l.msg.startsWith('load balancer unchanged'))
      .map((l) => l.reason ?? 'unchanged');
  h.put(lbSpec);
  await h.run();
  assert.deepEqual(said(), ['neverEnsured']);
  await h.run();
  assert.deepEqual(said(), ['unchanged']);
  h.store.set('n/s', { ...h.get(), spec: { ...lbSpec, ports: [{ port: 81, protocol: 'TCP', nodePort: 30081 }] } });
  await h.run();
  assert.deepEqual(said(), ['desiredChanged: listeners']);
  h.reconciler.forgetAll();
  await h.run();
  assert.deepEqual(said(), ['resync']);
  assert.equal(h.cloud.count('ensure'), 3);
});
