// The reconcile loop against the real control plane, with the in-memory test provider.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { TestCluster } from '../harness/cluster.ts';
import { eventually } from '../harness/wait.ts';
import { FULL_CAPABILITIES, TestCloud } from '../support/test-provider.ts';
import {
  createService,
  eventLine,
  getService,
  runOperator,
  serviceEvents,
  setNodeLabel,
  setUpTestFile,
  suffix,
  waitForIngress,
  type TestFile,
} from '../support/fixture.ts';
import type { RunningOperator } from '../../src/operator/index.ts';
import { reconcilesFor } from '../support/reconciles.ts';

const FINALIZER = 'service.kubernetes.io/load-balancer-cleanup';
/** What earlier versions wrote: still honoured, swapped for FINALIZER on the next reconcile. */
const LEGACY_FINALIZER = 'cloudlb.dev/load-balancer-cleanup';
const EXCLUDE = 'node.kubernetes.io/exclude-from-external-load-balancers';
const id = suffix();
const providerName = `ctl-life-${id}`;
const lbClass = `cloudlb.dev/${providerName}`;
/** A second provider whose Services serve as positive markers, its reconciles counted apart from web's. */
const markerProvider = `ctl-life-${id}-mark`;
const nodeNames = [`ctl-life-${id}-a`, `ctl-life-${id}-b`];
const clusterName = `life-${id}`;
const cloud = new TestCloud({
  capabilities: {
    ...FULL_CAPABILITIES,
    schemes: { External: { protocols: ['TCP', 'UDP'] }, Internal: { protocols: ['TCP', 'UDP', 'SCTP'] } },
  },
});

let file: TestFile;
let cluster: TestCluster;
let ns: string;
let operator: RunningOperator | undefined;

async function start(): Promise<RunningOperator> {
  operator = await runOperator(cluster, cloud, { clusterName, namespace: ns });
  return operator;
}

/** Creates a Service of the marker provider and waits until it is served. */
async function markerServed(name: string): Promise<void> {
  await createService(cluster, ns, name, `cloudlb.dev/${markerProvider}`);
  await waitForIngress(cluster, ns, name);
}

before(async () => {
  file = await setUpTestFile('ctl-life', { nodes: nodeNames, providers: { [providerName]: {}, [markerProvider]: {} } });
  ({ cluster, ns } = file);
  await start();
});

after(async () => {
  await operator?.stop();
  await file.cleanUp();
});

test('create → finalizer, ingress with ports, condition, events', async () => {
  const created = await createService(cluster, ns, 'web', lbClass, [
    { name: 'http', port: 80, protocol: 'TCP' },
    { name: 'dns', port: 53, protocol: 'UDP' },
  ]);
  const svc = await waitForIngress(cluster, ns, 'web');
  assert.deepEqual(svc.metadata?.finalizers, [FINALIZER]);
  assert.equal(svc.metadata?.annotations?.['cloudlb.dev/provider'], providerName);
  const ingress = svc.status?.loadBalancer?.ingress?.[0];
  const lb = cloud.byService(created.metadata?.uid ?? '');
  assert.ok(lb, 'the cloud has the load balancer');
  assert.equal(ingress?.ip, lb.address);
  assert.equal(ingress?.ipMode, 'VIP');
  assert.deepEqual(
    ingress?.ports?.map((p) => [p.port, p.protocol, p.error]),
    [
      [80, 'TCP', undefined],
      [53, 'UDP', undefined],
    ],
  );
  const condition = svc.status?.conditions?.find((c) => c.type === 'LoadBalancerReady');
  assert.equal(condition?.status, 'True');
  assert.equal(condition?.reason, 'Ensured');
  for (const n of nodeNames) assert.ok(lb.targets.includes(n), `${n} is a target`);
  assert.ok(lb.ref.name.length <= 32);
  await eventually(async () => {
    const lines = (await serviceEvents(cluster, ns, 'web')).map(eventLine);
    assert.ok(
      lines.some((l) => l.startsWith('Normal EnsuringLoadBalancer')),
      lines.join('\n'),
    );
    assert.ok(
      lines.some((l) =>
        /^Normal EnsuredLoadBalancer: Ensured load balancer 10\.[\d.]+ with listeners 80\/TCP, 53\/UDP on \d+ nodes\.$/.test(
          l,
        ),
      ),
      lines.join('\n'),
    );
  });
});

test('port change → update in the cloud and an UpdatedLoadBalancer event', async () => {
  const svc = await getService(cluster, ns, 'web');
  const uid = svc.metadata?.uid ?? '';
  const updatesBefore = cloud.writes.filter((w) => w.op === 'update' && w.serviceUID === uid).length;
  await cluster.core.patchNamespacedService({
    namespace: ns,
    name: 'web',
    body: [{ op: 'replace', path: '/spec/ports', value: [{ name: 'http', port: 8080, protocol: 'TCP' }] }],
  });
  await eventually(() =>
    assert.deepEqual(
      cloud.byService(uid)?.listeners.map((l) => l.split('->')[0]),
      ['8080/TCP'],
    ),
  );
  assert.equal(cloud.writes.filter((w) => w.op === 'update' && w.serviceUID === uid).length, updatesBefore + 1);
  await eventually(async () => {
    const s = await getService(cluster, ns, 'web');
    assert.deepEqual(
      s.status?.loadBalancer?.ingress?.[0]?.ports?.map((p) => p.port),
      [8080],
    );
    const lines = (await serviceEvents(cluster, ns, 'web')).map(eventLine);
    assert.ok(
      lines.some((l) => l.startsWith('Normal UpdatedLoadBalancer: Updated load balancer') && l.includes('8080/TCP')),
      lines.join('\n'),
    );
  });
});

test('SCTP on a scheme without SCTP → that port gets an error and a Warning; the others are served', async () => {
  const created = await createService(cluster, ns, 'mixed', lbClass, [
    { name: 'http', port: 80, protocol: 'TCP' },
    { name: 'sig', port: 9999, protocol: 'SCTP' },
  ]);
  const svc = await waitForIngress(cluster, ns, 'mixed');
  assert.deepEqual(
    svc.status?.loadBalancer?.ingress?.[0]?.ports?.map((p) => [p.port, p.protocol, p.error]),
    [
      [80, 'TCP', undefined],
      [9999, 'SCTP', 'cloudlb.dev/ProtocolNotSupported'],
    ],
  );
  const condition = svc.status?.conditions?.find((c) => c.type === 'LoadBalancerReady');
  assert.equal(condition?.reason, 'PortsRefused');
  assert.deepEqual(
    cloud.byService(created.metadata?.uid ?? '')?.listeners.map((l) => l.split('->')[0]),
    ['80/TCP'],
    'SCTP never reached the provider',
  );
  await eventually(async () => {
    const lines = (await serviceEvents(cluster, ns, 'mixed')).map(eventLine);
    assert.ok(
      lines.includes(
        `Warning SyncLoadBalancerFailed: Port 9999/SCTP refused: provider ${providerName} (memory) carries TCP, UDP on External. Still serving 80/TCP.`,
      ),
      lines.join('\n'),
    );
  });
});

test('type → ClusterIP: cloud delete, then finalizer and status removed', async () => {
  const uid = (await getService(cluster, ns, 'mixed')).metadata?.uid ?? '';
  await cluster.core.patchNamespacedService({
    namespace: ns,
    name: 'mixed',
    body: [
      { op: 'replace', path: '/spec/type', value: 'ClusterIP' },
      { op: 'remove', path: '/spec/loadBalancerClass' },
      { op: 'remove', path: '/spec/ports/0/nodePort' },
      { op: 'remove', path: '/spec/ports/1/nodePort' },
    ],
  });
  await eventually(async () => {
    const svc = await getService(cluster, ns, 'mixed');
    assert.equal(cloud.byService(uid), undefined, 'deleted in the cloud');
    assert.deepEqual(svc.metadata?.finalizers ?? [], []);
    assert.equal(svc.metadata?.annotations?.['cloudlb.dev/provider'], undefined);
    assert.deepEqual(svc.status?.loadBalancer?.ingress ?? [], []);
    assert.equal(
      svc.status?.conditions?.find((c) => c.type === 'LoadBalancerReady'),
      undefined,
    );
  });
  const lines = (await serviceEvents(cluster, ns, 'mixed')).map(eventLine);
  assert.ok(
    lines.some((l) => l.startsWith('Normal DeletingLoadBalancer')),
    lines.join('\n'),
  );
  assert.ok(
    lines.some((l) => l.startsWith('Normal DeletedLoadBalancer')),
    lines.join('\n'),
  );
});

test('provider failing on delete → finalizer stays until the delete succeeds', async () => {
  const created = await createService(cluster, ns, 'sticky', lbClass);
  await waitForIngress(cluster, ns, 'sticky');
  const uid = created.metadata?.uid ?? '';
  cloud.fail('delete', 'transient');
  const deletesBefore = cloud.count('delete');
  await cluster.core.deleteNamespacedService({ namespace: ns, name: 'sticky' });
  await eventually(() => assert.ok(cloud.count('delete') >= deletesBefore + 3, 'retried a few times'), {
    timeoutMs: 30_000,
  });
  const svc = await getService(cluster, ns, 'sticky');
  assert.ok(svc.metadata?.deletionTimestamp, 'deletion is pending');
  assert.deepEqual(svc.metadata?.finalizers, [FINALIZER]);
  assert.ok(cloud.byService(uid), 'still in the cloud');
  const lines = (await serviceEvents(cluster, ns, 'sticky')).map(eventLine);
  assert.ok(
    lines.some((l) => l.startsWith('Warning DeleteLoadBalancerFailed: Error deleting load balancer')),
    lines.join('\n'),
  );
  cloud.clearFailures();
  await eventually(async () => {
    const gone = await getService(cluster, ns, 'sticky').then(
      () => false,
      () => true,
    );
    assert.ok(gone, 'Service deleted once the finalizer came off');
  });
  assert.equal(cloud.byService(uid), undefined);
});

test("a Service carrying the legacy finalizer moves to upstream's on its next reconcile, with no cloud call", async () => {
  await createService(cluster, ns, 'legacy', lbClass);
  await waitForIngress(cluster, ns, 'legacy');
  const calls = cloud.totalCalls();
  // As an earlier version left it: one write, so it is never without a finalizer.
  await cluster.core.patchNamespacedService({
    namespace: ns,
    name: 'legacy',
    body: [{ op: 'replace', path: '/metadata/finalizers', value: ['other.example/keep', LEGACY_FINALIZER] }],
  });
  await eventually(async () =>
    assert.deepEqual((await getService(cluster, ns, 'legacy')).metadata?.finalizers, ['other.example/keep', FINALIZER]),
  );
  assert.equal(cloud.totalCalls(), calls, `provider calls: ${JSON.stringify([...cloud.calls])}`);
  await cluster.core.patchNamespacedService({
    namespace: ns,
    name: 'legacy',
    body: [{ op: 'replace', path: '/metadata/finalizers', value: [FINALIZER] }],
  });
});

test('a Service deleted while carrying only the legacy finalizer is cleaned up in the cloud, then released', async () => {
  const uid = (await getService(cluster, ns, 'legacy')).metadata?.uid ?? '';
  assert.ok(cloud.byService(uid), 'in the cloud');
  await operator?.stop();
  operator = undefined;
  await cluster.core.patchNamespacedService({
    namespace: ns,
    name: 'legacy',
    body: [{ op: 'replace', path: '/metadata/finalizers', value: [LEGACY_FINALIZER] }],
  });
  await cluster.core.deleteNamespacedService({ namespace: ns, name: 'legacy' });
  assert.ok((await getService(cluster, ns, 'legacy')).metadata?.deletionTimestamp, 'held by the legacy finalizer');
  const deletes = cloud.count('delete');
  await start();
  await eventually(async () => {
    const gone = await getService(cluster, ns, 'legacy').then(
      () => false,
      () => true,
    );
    assert.ok(gone, 'Service deleted once the finalizer came off');
  });
  assert.equal(cloud.count('delete'), deletes + 1);
  assert.equal(cloud.byService(uid), undefined, 'deleted in the cloud');
});

test('node excluded by label → its target removed, and put back when the label goes', async () => {
  const uid = (await getService(cluster, ns, 'web')).metadata?.uid ?? '';
  const [first] = nodeNames;
  assert.ok(first);
  await setNodeLabel(cluster, first, EXCLUDE, 'true');
  await eventually(() => assert.ok(!cloud.byService(uid)?.targets.includes(first), 'excluded node removed'));
  await setNodeLabel(cluster, first, EXCLUDE, undefined);
  await eventually(() => assert.ok(cloud.byService(uid)?.targets.includes(first), 'node back'));
});

test('a node heartbeat that changes no target re-syncs nothing', async () => {
  const running = operator;
  assert.ok(running);
  await markerServed('mark-before-heartbeat');
  const reconciles = await reconcilesFor(running, providerName);
  assert.ok(reconciles >= 1, 'web was reconciled before');
  const [, second] = nodeNames;
  assert.ok(second);
  await cluster.core.patchNode({
    name: second,
    body: [{ op: 'add', path: '/metadata/annotations', value: { 'heartbeat.example/at': String(Date.now()) } }],
  });
  // A Service created after the heartbeat is served: the operator has handled the heartbeat too.
  await markerServed('mark-after-heartbeat');
  assert.equal(await reconcilesFor(running, providerName), reconciles, 'web was not reconciled again');
});

test('kubectl describe service shows the ingress and the events', async () => {
  const svc = await getService(cluster, ns, 'web');
  const ip = svc.status?.loadBalancer?.ingress?.[0]?.ip ?? '';
  const out = await cluster.kubectl(['describe', 'service', '-n', ns, 'web']);
  assert.equal(out.code, 0, out.stderr);
  assert.match(out.stdout, new RegExp(`LoadBalancer Ingress:\\s+${ip.replaceAll('.', '\\.')}`));
  assert.match(out.stdout, /EnsuredLoadBalancer\s+.*Ensured load balancer/);
  assert.match(out.stdout, /UpdatedLoadBalancer/);
});

test('restart with everything in sync → zero provider writes, no events, no status writes', async () => {
  await operator?.stop();
  operator = undefined;
  const writes = cloud.writes.length;
  const before = await getService(cluster, ns, 'web');
  const events = (await serviceEvents(cluster, ns, 'web')).map((e) => `${e.reason}:${e.count}`).sort();
  const restarted = await start();
  await eventually(async () =>
    assert.ok((await reconcilesFor(restarted, providerName)) >= 1, 'the new operator reconciled web'),
  );
  // stop() drains the reconciles and flushes the events they recorded: anything web's start-up
  // reconcile wrote is written by now.
  await restarted.stop();
  operator = undefined;
  assert.equal(cloud.writes.length, writes, `writes after restart: ${JSON.stringify(cloud.writes.slice(writes))}`);
  const after = await getService(cluster, ns, 'web');
  assert.equal(after.metadata?.resourceVersion, before.metadata?.resourceVersion, 'no status or metadata write');
  assert.deepEqual((await serviceEvents(cluster, ns, 'web')).map((e) => `${e.reason}:${e.count}`).sort(), events);
  await start();
});

test('a Service whose finalizer was removed by hand and deleted while the operator was stopped is swept after restart, nothing else', async () => {
  const doomed = await createService(cluster, ns, 'doomed', lbClass);
  await waitForIngress(cluster, ns, 'doomed');
  const keep = await getService(cluster, ns, 'web');
  const doomedUID = doomed.metadata?.uid ?? '';
  // Something this operator does not own: another cluster's load balancer in the same account.
  cloud.lbs.set('other-cluster-lb', {
    ref: {
      name: 'other-cluster-lb',
      ownership: { clusterName: 'someone-else', serviceNamespace: ns, serviceName: 'x', serviceUID: 'u-x' },
    },
    scheme: 'External',
    listeners: [],
    targets: [],
    healthCheck: 'TrafficPort',
    sourceRanges: [],
    address: '10.0.0.1',
  });
  await operator?.stop();
  operator = undefined;
  await cluster.core.patchNamespacedService({
    namespace: ns,
    name: 'doomed',
    body: [{ op: 'remove', path: '/metadata/finalizers' }],
  });
  await cluster.core.deleteNamespacedService({ namespace: ns, name: 'doomed' });
  await eventually(async () =>
    assert.ok(
      await getService(cluster, ns, 'doomed').then(
        () => false,
        () => true,
      ),
    ),
  );
  assert.ok(cloud.byService(doomedUID), 'left behind in the cloud');

  const writesBefore = cloud.writes.length;
  const lbsBefore = cloud.lbs.size;
  operator = await runOperator(cluster, cloud, {
    clusterName,
    namespace: ns,
    sweep: { enabled: true, intervalMs: 600_000, graceMs: 0 },
  });
  await eventually(() => assert.equal(cloud.byService(doomedUID), undefined, 'swept'));
  await operator.sweepNow();
  assert.ok(cloud.byService(keep.metadata?.uid ?? ''), 'a wanted load balancer stays');
  assert.ok(cloud.lbs.has('other-cluster-lb'), "another cluster's load balancer stays");
  assert.equal(cloud.lbs.size, lbsBefore - 1);
  assert.deepEqual(
    cloud.writes.slice(writesBefore).map((w) => [w.op, w.serviceUID]),
    [['delete', doomedUID]],
    'the sweep deleted exactly the orphan',
  );
  cloud.lbs.delete('other-cluster-lb');
});
