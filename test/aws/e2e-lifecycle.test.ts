// End to end through the controller: the real control plane, the operator in-process with the AWS
// provider, the real SDK against moto through a pass-through fault proxy that sees every request
// (its Action and access key ID). Nodes point at EC2 instances made in moto. The tests run in order
// and share one Service ("web") through its life.
// Run with: node test/run.ts test/aws/e2e-lifecycle.test.ts
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { DeleteListenerCommand } from '@aws-sdk/client-elastic-load-balancing-v2';
import { testCluster, testNamespace, type TestCluster } from '../harness/cluster.ts';
import { startMoto, type Moto } from '../harness/moto.ts';
import { eventually } from '../harness/wait.ts';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.ts';
import { createService, eventLine, getProvider, getService, serviceEvents, suffix } from '../support/fixture.ts';
import type { RunningOperator } from '../../src/operator/index.ts';
import { reconcilesFor } from '../support/reconciles.ts';
import { census, rawClients, seedNetwork } from './fixtures.ts';
import {
  tearDownAwsE2e,
  createAwsNode,
  createAwsProviderObject,
  createCredentialsSecret,
  mutatingActions,
  nlbs,
  type NlbView,
  rotateCredentialsSecret,
  runInstances,
  startAwsOperator,
} from './e2e-fixtures.ts';

const id = suffix();
const providerName = `aws-life-${id}`;
const lbClass = `cloudlb.dev/${providerName}`;
const secretName = 'aws-credentials';
const nodeNames = ['a', 'b', 'c'].map((n) => `aws-life-${id}-${n}`);
const RESYNC_MS = 3_000;
const WAIT = { timeoutMs: 60_000 };
let cluster: TestCluster;
let moto: Moto;
let proxy: FaultProxy;
let ns: string;
let operator: RunningOperator | undefined;
let instances: string[] = [];

const start = async (): Promise<RunningOperator> =>
  await startAwsOperator(cluster, { clusterName: `e2e-${id}`, namespace: ns, resyncIntervalMs: RESYNC_MS });

/** The one NLB in moto that serves `web` (by the hostname in its status). */
async function webNlb(): Promise<NlbView> {
  const svc = await getService(cluster, ns, 'web');
  const hostname = svc.status?.loadBalancer?.ingress?.[0]?.hostname ?? '';
  const found = (await nlbs(moto.endpoint)).filter((lb) => lb.dnsName === hostname);
  assert.equal(found.length, 1, `one NLB with DNS name ${hostname}`);
  return found[0] as NlbView;
}

function memberSets(lb: NlbView): string[][] {
  return Object.values(lb.targets);
}

before(async () => {
  cluster = await testCluster();
  moto = await startMoto();
  proxy = await startFaultProxy({ target: moto.endpoint, faults: [], every: 1, maxFaults: 0, lifetimeMs: 900_000 });
  const { subnets } = await seedNetwork(moto.endpoint);
  instances = await runInstances(moto.endpoint, subnets[0] ?? '', 3);
  ns = await testNamespace(cluster, 'aws-life');
  await createCredentialsSecret(cluster, ns, secretName, 'AKIAFIRSTKEY0000001');
  for (const [i, name] of nodeNames.slice(0, 2).entries()) await createAwsNode(cluster, name, instances[i] ?? '');
  await createAwsProviderObject(
    cluster,
    providerName,
    { region: 'us-east-1', endpoint: proxy.endpoint, subnetIDs: subnets, rateLimit: { qps: 200, burst: 200 } },
    secretName,
  );
  operator = await start();
});

after(async () => {
  await tearDownAwsE2e(cluster, { operator, providerName, nodeNames, moto, proxy });
});

test('create a 2-port Service → NLB, listeners, target groups with both nodes, hostname in status', async () => {
  await createService(cluster, ns, 'web', lbClass, [
    { name: 'http', port: 80, protocol: 'TCP' },
    { name: 'https', port: 443, protocol: 'TCP' },
  ]);
  const lb = await eventually(async () => {
    const svc = await getService(cluster, ns, 'web');
    assert.match(svc.status?.loadBalancer?.ingress?.[0]?.hostname ?? '', /elb\.amazonaws\.com$/);
    const found = await webNlb();
    assert.deepEqual(found.listeners, ['443/TCP', '80/TCP']);
    return found;
  }, WAIT);
  assert.equal(lb.scheme, 'internet-facing');
  assert.equal(Object.keys(lb.targets).length, 2);
  for (const members of memberSets(lb)) assert.deepEqual(members, [instances[0], instances[1]].sort());
  const provider = await getProvider(cluster, providerName);
  assert.equal(provider.status?.conditions?.find((c) => c.type === 'Ready')?.status, 'True');
});

test('add a port, then remove one → listeners and target groups follow', async () => {
  const svc = await getService(cluster, ns, 'web');
  await cluster.core.patchNamespacedService({
    namespace: ns,
    name: 'web',
    body: [
      {
        op: 'replace',
        path: '/spec/ports',
        value: [...(svc.spec?.ports ?? []), { name: 'dns', port: 53, protocol: 'UDP' }],
      },
    ],
  });
  await eventually(async () => {
    const lb = await webNlb();
    assert.deepEqual(lb.listeners, ['443/TCP', '53/UDP', '80/TCP']);
    assert.equal(Object.keys(lb.targets).length, 3);
  }, WAIT);
  const now = await getService(cluster, ns, 'web');
  await cluster.core.patchNamespacedService({
    namespace: ns,
    name: 'web',
    body: [{ op: 'replace', path: '/spec/ports', value: (now.spec?.ports ?? []).filter((p) => p.port !== 443) }],
  });
  await eventually(async () => {
    const lb = await webNlb();
    assert.deepEqual(lb.listeners, ['53/UDP', '80/TCP']);
    assert.equal(Object.keys(lb.targets).length, 2);
    assert.equal((await census(moto.endpoint)).targetGroups.length, 2, 'the 443 target group is deleted');
  }, WAIT);
});

test('add a node, then remove one → targets registered and deregistered', async () => {
  await createAwsNode(cluster, nodeNames[2] ?? '', instances[2] ?? '');
  await eventually(async () => {
    for (const members of memberSets(await webNlb())) assert.deepEqual(members, [...instances].sort());
  }, WAIT);
  await cluster.core.deleteNode({ name: nodeNames[0] ?? '' });
  await eventually(async () => {
    for (const members of memberSets(await webNlb())) assert.deepEqual(members, [instances[1], instances[2]].sort());
  }, WAIT);
});

test('an SCTP port is refused: its error in status, a Warning event, never sent to AWS', async () => {
  await createService(cluster, ns, 'mixed', lbClass, [
    { name: 'http', port: 8080, protocol: 'TCP' },
    { name: 'sctp', port: 9999, protocol: 'SCTP' },
  ]);
  const svc = await eventually(async () => {
    const s = await getService(cluster, ns, 'mixed');
    assert.ok(s.status?.loadBalancer?.ingress?.[0]?.hostname);
    return s;
  }, WAIT);
  const ports = svc.status?.loadBalancer?.ingress?.[0]?.ports ?? [];
  assert.ok(
    ports.some((p) => p.port === 9999 && p.protocol === 'SCTP' && /^cloudlb\.dev\//.test(p.error ?? '')),
    JSON.stringify(ports),
  );
  assert.ok(
    ports.some((p) => p.port === 8080 && p.error === undefined),
    JSON.stringify(ports),
  );
  await eventually(async () => {
    const warnings = (await serviceEvents(cluster, ns, 'mixed')).filter((e) => e.type === 'Warning');
    assert.ok(
      warnings.some((e) => /9999/.test(e.message ?? '')),
      warnings.map(eventLine).join('\n'),
    );
  }, WAIT);
  const hostname = svc.status?.loadBalancer?.ingress?.[0]?.hostname;
  const lb = (await nlbs(moto.endpoint)).find((l) => l.dnsName === hostname);
  assert.deepEqual(lb?.listeners, ['8080/TCP']);
  assert.ok(!(await census(moto.endpoint)).targetGroups.some((n) => /-9999-/.test(n)));
  await cluster.core.deleteNamespacedService({ namespace: ns, name: 'mixed' });
  await eventually(async () => assert.equal((await nlbs(moto.endpoint)).length, 1), WAIT);
});

test('drift: a listener deleted by hand comes back at the next resync', async () => {
  const lb = await webNlb();
  const { elbv2 } = rawClients(moto.endpoint);
  const { DescribeListenersCommand } = await import('@aws-sdk/client-elastic-load-balancing-v2');
  const listeners = (await elbv2.send(new DescribeListenersCommand({ LoadBalancerArn: lb.arn }))).Listeners ?? [];
  const port80 = listeners.find((l) => l.Port === 80);
  await elbv2.send(new DeleteListenerCommand({ ListenerArn: port80?.ListenerArn ?? '' }));
  elbv2.destroy();
  assert.deepEqual((await webNlb()).listeners, ['53/UDP']);
  const created = proxy.actions.get('elbv2:CreateListener') ?? 0;
  // Nothing in Kubernetes changed: only the resync (every RESYNC_MS) can notice.
  await eventually(async () => assert.deepEqual((await webNlb()).listeners, ['53/UDP', '80/TCP']), WAIT);
  assert.equal(proxy.actions.get('elbv2:CreateListener'), created + 1);
});

/** Waits until `op` has finished `count` reconciles of Services of this file's provider (only `web` by then). */
async function reconciledWeb(op: RunningOperator, count: number): Promise<void> {
  await eventually(
    async () => assert.ok((await reconcilesFor(op, providerName)) >= count, `reconciles of web: ${count} expected`),
    WAIT,
  );
}

/** Waits until the (new) operator has reconciled `web` at least twice (start-up + one resync). */
async function settled(op: RunningOperator): Promise<void> {
  await reconciledWeb(op, 2);
}

test('restart with everything in sync → zero mutating AWS calls (and the count does see writes)', async () => {
  // The counter can fail: with a listener deleted while the operator is down, the restart writes.
  await operator?.stop();
  const lb = await webNlb();
  const { elbv2 } = rawClients(moto.endpoint);
  const { DescribeListenersCommand } = await import('@aws-sdk/client-elastic-load-balancing-v2');
  const listeners = (await elbv2.send(new DescribeListenersCommand({ LoadBalancerArn: lb.arn }))).Listeners ?? [];
  await elbv2.send(new DeleteListenerCommand({ ListenerArn: listeners.find((l) => l.Port === 80)?.ListenerArn ?? '' }));
  elbv2.destroy();
  let before = mutatingActions(proxy.actions);
  operator = await start();
  await settled(operator);
  await eventually(async () => assert.deepEqual((await webNlb()).listeners, ['53/UDP', '80/TCP']), WAIT);
  assert.notDeepEqual(mutatingActions(proxy.actions), before, 'the repair was counted');

  // Now everything is in sync: a restart, its start-up reconcile and a resync write nothing.
  await operator.stop();
  before = mutatingActions(proxy.actions);
  const requests = proxy.requests();
  operator = await start();
  await settled(operator);
  assert.ok(proxy.requests() > requests, 'the restarted operator did read from AWS');
  assert.deepEqual(mutatingActions(proxy.actions), before);
});

test('change the scheme by annotation → a new internal NLB replaces the old one', async () => {
  const old = await webNlb();
  await cluster.core.patchNamespacedService({
    namespace: ns,
    name: 'web',
    body: [
      {
        op: 'add',
        path: '/metadata/annotations',
        value: { 'service.beta.kubernetes.io/aws-load-balancer-scheme': 'internal' },
      },
    ],
  });
  // moto names the replacement like the old NLB (same DNS name), so the status hostname alone does
  // not say the ensure has finished: wait for the whole NLB, listeners and targets included.
  const replaced = await eventually(async () => {
    const lb = await webNlb();
    assert.equal(lb.scheme, 'internal');
    assert.deepEqual(lb.listeners, ['53/UDP', '80/TCP']);
    const members = memberSets(lb);
    assert.equal(members.length, 2);
    for (const set of members) assert.deepEqual(set, [instances[1], instances[2]].sort());
    return lb;
  }, WAIT);
  assert.notEqual(replaced.arn, old.arn);
  const all = await nlbs(moto.endpoint);
  assert.deepEqual(
    all.map((l) => l.arn),
    [replaced.arn],
    'the internet-facing NLB is gone',
  );
});

test('rotating the credentials Secret rebuilds the provider without a restart: the new key is used', async () => {
  const oldKey = 'AKIAFIRSTKEY0000001';
  const newKey = 'AKIAROTATEDKEY00002';
  assert.ok((proxy.accessKeys.get(oldKey) ?? 0) > 0);
  assert.equal(proxy.accessKeys.get(newKey), undefined);
  await rotateCredentialsSecret(cluster, ns, secretName, newKey);
  await eventually(() => assert.ok((proxy.accessKeys.get(newKey) ?? 0) > 0, 'the new key signs requests'), WAIT);
  // A reconcile of web under way at the rebuild may finish with the old key; the next one (one key
  // is reconciled by one worker at a time) began after it. Count from there.
  const running = operator;
  assert.ok(running);
  const reconciles = await reconcilesFor(running, providerName);
  await reconciledWeb(running, reconciles + 1);
  const oldCount = proxy.accessKeys.get(oldKey) ?? 0;
  const newCount = proxy.accessKeys.get(newKey) ?? 0;
  // Two more reconciles (resyncs) of web, each reading from AWS: the old key signs none of it.
  await reconciledWeb(running, reconciles + 3);
  assert.equal(proxy.accessKeys.get(oldKey), oldCount);
  assert.ok((proxy.accessKeys.get(newKey) ?? 0) > newCount);
  const provider = await getProvider(cluster, providerName);
  assert.equal(provider.status?.conditions?.find((c) => c.type === 'Ready')?.status, 'True');
});

test('delete → nothing left in moto', async () => {
  await cluster.core.deleteNamespacedService({ namespace: ns, name: 'web' });
  await eventually(
    async () => {
      assert.deepEqual(await census(moto.endpoint), { loadBalancers: [], targetGroups: [], securityGroups: [] });
      await assert.rejects(getService(cluster, ns, 'web'));
    },
    { timeoutMs: 90_000, message: 'the NLB and its parts were not all deleted' },
  );
});
