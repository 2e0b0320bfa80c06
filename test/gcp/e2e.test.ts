// End to end: the real controller and control plane, the GCP provider, the real
// @google-cloud/compute client and the GCE fake. Run: node test/run.ts test/gcp/e2e.test.ts
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { V1Service } from '@kubernetes/client-node';
import { CONDITION_TYPE } from '../../src/controller/constants.ts';
import { startOperator, type RunningOperator } from '../../src/operator/index.ts';
import { ProviderRegistry } from '../../src/provider/registry.ts';
import { gcpProvider } from '../../providers/gcp/index.ts';
import { instanceGroupName } from '../../providers/gcp/names.ts';
import { deleteTestNamespaces, testCluster, testNamespace, type TestCluster } from '../harness/cluster.ts';
import { eventually } from '../harness/wait.ts';
import {
  createNode,
  createProvider,
  createService,
  deleteNode,
  deleteProvider,
  serviceEvents,
  suffix,
  testLogger,
  waitForIngress,
} from '../support/fixture.ts';
import { startGceFake, type GceFake } from '../gce-fake/server.ts';
import { serviceAccountKeyJson } from './support.ts';
import { reconcilesFor } from '../support/reconciles.ts';

const id = suffix();
const PROJECT = 'e2e-project';
const REGION = 'europe-west1';
const ZONES = [`${REGION}-b`, `${REGION}-c`];
const providerName = `gcp-e2e-${id}`;
const lbClass = `cloudlb.dev/${providerName}`;
const clusterName = `gcp-e2e-${id}`;
const nodeNames = [`gcp-e2e-${id}-a`, `gcp-e2e-${id}-b`, `gcp-e2e-${id}-c`];
const MUTATING = /\.(insert|delete|update|patch|addInstances|removeInstances)$/;

let cluster: TestCluster;
let ns: string;
let fake: GceFake;
let operator: RunningOperator | undefined;
/** The fake's whole store before the operator made anything: the nodes' instances only. */
let initial: Map<string, unknown>;

async function addNode(index: number): Promise<void> {
  const name = nodeNames[index]!;
  const zone = ZONES[index % 2]!;
  const res = await fetch(`${fake.endpoint}/compute/v1/projects/${PROJECT}/zones/${zone}/instances`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name }),
  });
  assert.equal(res.status, 200);
  await createNode(cluster, name, {
    providerID: `gce://${PROJECT}/${zone}/${name}`,
    addresses: [{ type: 'InternalIP', address: `10.0.0.${index + 10}` }],
  });
}

async function start(): Promise<RunningOperator> {
  operator = await startOperator({
    kc: cluster.kc,
    clusterName,
    namespace: ns,
    registry: new ProviderRegistry([gcpProvider]),
    workers: 4,
    sweep: { enabled: false, intervalMs: 600_000, graceMs: 0 },
    backoff: { baseMs: 200, maxMs: 2_000 },
    drainMs: 2_000,
    resyncIntervalMs: 2_000,
    log: testLogger('gcp-e2e'),
  });
  return operator;
}

const store = (collection: string, scope = REGION) =>
  fake.store.collection(
    {
      project: PROJECT,
      kind: collection === 'instanceGroups' ? 'zones' : collection === 'firewalls' ? 'global' : 'regions',
      scope: collection === 'firewalls' ? '' : scope,
    },
    collection,
  );
const ours = (collection: string) =>
  [...store(collection).values()].filter((r) => JSON.stringify(r['description'] ?? '').includes(clusterName));
const members = (zone: string) =>
  [
    ...(fake.store.members.get(
      `https://www.googleapis.com/compute/v1/projects/${PROJECT}/zones/${zone}/instanceGroups/${instanceGroupName(clusterName)}`,
    ) ?? []),
  ]
    .map((l) => l.slice(l.lastIndexOf('/') + 1))
    .sort();

async function ingressOf(name: string): Promise<V1Service> {
  return await waitForIngress(cluster, ns, name, { timeoutMs: 60_000 });
}

before(async () => {
  cluster = await testCluster();
  ns = await testNamespace(cluster, 'gcp-e2e');
  fake = await startGceFake({ operationLatencyMs: 10 });
  await addNode(0);
  await addNode(1);
  await cluster.core.createNamespacedSecret({
    namespace: ns,
    body: {
      metadata: { name: 'gcp-key' },
      stringData: { 'key.json': serviceAccountKeyJson(`lb@${PROJECT}.iam.gserviceaccount.com`) },
    },
  });
  await createProvider(cluster, providerName, {
    credentialsSecretRef: { name: 'gcp-key' },
    gcp: { project: PROJECT, region: REGION, endpoint: fake.endpoint, rateLimit: { qps: 200, burst: 200 } },
  });
  await start();
  initial = fake.store.snapshot();
});

after(async () => {
  await operator?.stop();
  await deleteProvider(cluster, providerName);
  for (const name of nodeNames) await deleteNode(cluster, name);
  await deleteTestNamespaces();
  await fake.stop();
});

test('create: TCP+UDP external load balancer, status with IP and ports', async () => {
  await createService(cluster, ns, 'web', lbClass, [
    { name: 'http', port: 80, protocol: 'TCP' },
    { name: 'dns', port: 53, protocol: 'UDP' },
  ]);
  const svc = await ingressOf('web');
  const ip = svc.status?.loadBalancer?.ingress?.[0]?.ip ?? '';
  assert.match(ip, /^34\./);
  const rules = ours('forwardingRules');
  assert.deepEqual(rules.map((r) => [r['IPProtocol'], r['ports'], r['IPAddress']]).sort(), [
    ['TCP', ['80'], ip],
    ['UDP', ['53'], ip],
  ]);
  assert.deepEqual(members(ZONES[0]!), [nodeNames[0]]);
  assert.deepEqual(members(ZONES[1]!), [nodeNames[1]]);
});

test('ports change: the forwarding rule follows', async () => {
  await cluster.core.patchNamespacedService({
    name: 'web',
    namespace: ns,
    body: [{ op: 'replace', path: '/spec/ports', value: [{ name: 'http', port: 8080, protocol: 'TCP' }] }],
  });
  await eventually(
    () => {
      const rules = ours('forwardingRules');
      assert.deepEqual(
        rules.map((r) => [r['IPProtocol'], r['ports']]),
        [['TCP', ['8080']]],
      );
    },
    { timeoutMs: 60_000 },
  );
});

test('internal with SCTP: L3_DEFAULT rule; external SCTP port refused with an error, TCP served', async () => {
  await createService(
    cluster,
    ns,
    'diameter',
    lbClass,
    [
      { name: 'tcp', port: 3868, protocol: 'TCP' },
      { name: 'sctp', port: 3868, protocol: 'SCTP' },
    ],
    { annotations: { 'networking.gke.io/load-balancer-type': 'Internal' } },
  );
  const internal = await ingressOf('diameter');
  assert.match(internal.status?.loadBalancer?.ingress?.[0]?.ip ?? '', /^10\./);
  assert.ok(
    ours('forwardingRules').some((r) => r['IPProtocol'] === 'L3_DEFAULT' && r['loadBalancingScheme'] === 'INTERNAL'),
  );

  await createService(cluster, ns, 'mixed', lbClass, [
    { name: 'tcp', port: 9000, protocol: 'TCP' },
    { name: 'sctp', port: 9999, protocol: 'SCTP' },
  ]);
  const mixed = await ingressOf('mixed');
  const ports = mixed.status?.loadBalancer?.ingress?.[0]?.ports ?? [];
  assert.ok(ports.find((p) => p.protocol === 'SCTP')?.error, JSON.stringify(ports));
  assert.ok(!ports.find((p) => p.protocol === 'TCP')?.error);
  const uid = mixed.metadata?.uid ?? '';
  const rules = ours('forwardingRules').filter((r) => String(r['description']).includes(uid));
  assert.deepEqual(
    rules.map((r) => [r['IPProtocol'], r['ports']]),
    [['TCP', ['9000']]],
  );
  const events = await serviceEvents(cluster, ns, 'mixed');
  assert.ok(
    events.some((e) => e.type === 'Warning' && /SCTP/.test(e.message ?? '')),
    events.map((e) => e.message).join('\n'),
  );
});

test("a node joins: it lands in its zone's instance group", async () => {
  await addNode(2);
  await eventually(() => assert.deepEqual(members(ZONES[0]!), [nodeNames[0], nodeNames[2]].sort()), {
    timeoutMs: 60_000,
  });
});

test('a node whose instance does not exist: the instance group keeps the others, the Service names it', async () => {
  const ghost = `gcp-e2e-${id}-ghost`;
  await createNode(cluster, ghost, {
    providerID: `gce://${PROJECT}/${ZONES[1]}/ghost-vm`,
    addresses: [{ type: 'InternalIP', address: '10.0.0.99' }],
  });
  try {
    const named = `1 node is not a target: ${ghost} (instance ghost-vm does not exist in ${ZONES[1]})`;
    await eventually(
      async () => {
        const svc = await cluster.core.readNamespacedService({ namespace: ns, name: 'web' });
        const condition = svc.status?.conditions?.find((c) => c.type === CONDITION_TYPE);
        assert.equal(condition?.status, 'True', condition?.message);
        assert.ok(condition?.message?.endsWith(`; ${named}.`), condition?.message);
      },
      { timeoutMs: 60_000 },
    );
    assert.deepEqual(members(ZONES[1]!), [nodeNames[1]]);
    assert.deepEqual(members(ZONES[0]!), [nodeNames[0], nodeNames[2]].sort());
    assert.ok((fake.calls()['instances.list'] ?? 0) >= 1, 'the zone was read to find the missing instance');
  } finally {
    await deleteNode(cluster, ghost);
  }
  await eventually(
    async () => {
      const svc = await cluster.core.readNamespacedService({ namespace: ns, name: 'web' });
      const condition = svc.status?.conditions?.find((c) => c.type === CONDITION_TYPE);
      assert.ok(!(condition?.message ?? '').includes('not a target'), condition?.message);
    },
    { timeoutMs: 60_000 },
  );
});

test('restart with everything in sync makes zero mutating calls', async () => {
  await operator?.stop();
  await eventually(() => assert.equal(ours('forwardingRules').length, 3));
  fake.resetCalls();
  const restarted = await start();
  // Three Services: their start-up reconciles and one resync (every 2 s) of each have finished, and
  // writes, if any were due, are made inside a reconcile.
  await eventually(async () => assert.ok((await reconcilesFor(restarted, providerName)) >= 6), {
    timeoutMs: 60_000,
  });
  // They did read every kind of resource (lookups of Services reconciling together share a list).
  const reads = [
    'addresses.list',
    'regionHealthChecks.list',
    'regionBackendServices.list',
    'firewalls.list',
    'forwardingRules.list',
  ];
  for (const m of reads) assert.ok((fake.calls()[m] ?? 0) >= 1, m);
  const writes = Object.entries(fake.calls()).filter(([k]) => MUTATING.test(k));
  assert.deepEqual(writes, []);
});

test('drift is repaired by the resync: a forwarding rule deleted behind the operator comes back', async () => {
  const rule = ours('forwardingRules').find(
    (r) => r['IPProtocol'] === 'TCP' && JSON.stringify(r['ports']) === '["8080"]',
  );
  assert.ok(rule);
  store('forwardingRules').delete(rule.name);
  await eventually(() => assert.ok(store('forwardingRules').has(rule.name)), { timeoutMs: 60_000 });
});

test('a user-supplied address is used, and a quota fault on the way converges', async () => {
  const res = await fetch(`${fake.endpoint}/compute/v1/projects/${PROJECT}/regions/${REGION}/addresses`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'reserved-by-user', address: '34.250.0.9' }),
  });
  assert.equal(res.status, 200);
  fake.addFault({ method: 'forwardingRules.insert', preset: 'quota', times: 1 });
  await createService(cluster, ns, 'static', lbClass, [{ name: 'http', port: 80, protocol: 'TCP' }], {
    spec: { loadBalancerIP: '34.250.0.9' },
  });
  const svc = await ingressOf('static');
  assert.equal(svc.status?.loadBalancer?.ingress?.[0]?.ip, '34.250.0.9');
  const events = await serviceEvents(cluster, ns, 'static');
  assert.ok(
    events.some((e) => e.reason === 'SyncLoadBalancerFailed'),
    events.map((e) => `${e.reason}: ${e.message}`).join('\n'),
  );
});

test('delete: every resource of the cluster goes, the finalizers come off', async () => {
  for (const name of ['web', 'diameter', 'mixed', 'static'])
    await cluster.core.deleteNamespacedService({ name, namespace: ns });
  await eventually(
    async () => {
      const left = (await cluster.core.listNamespacedService({ namespace: ns })).items.map((s) => s.metadata?.name);
      assert.deepEqual(left, []);
      // The whole store, not what carries our mark: what is left is what was there before, plus the
      // instance and the address the tests made as the user would.
      const now = fake.store.snapshot();
      const madeByUser = [
        `projects/${PROJECT}/zones/${ZONES[0]}/instances/${nodeNames[2]}`,
        `projects/${PROJECT}/regions/${REGION}/addresses/reserved-by-user`,
      ];
      assert.deepEqual([...now.keys()].filter((k) => !initial.has(k)).sort(), madeByUser.sort(), 'added since');
      for (const [key, resource] of initial) assert.deepEqual(now.get(key), resource, key);
    },
    { timeoutMs: 60_000 },
  );
});
