// End to end: nodes that cannot be NLB targets harm nobody and are named. Real AWS refuses the
// whole RegisterTargets call with InvalidTarget when one instance does not exist; moto registers
// it, so the fault proxy answers like AWS. The good nodes must still be registered, the others
// named (with why) in the Service's event and condition, and counted in the metric.
// Run with: node test/run.ts test/aws/e2e-nodes.test.ts
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { testCluster, testNamespace, type TestCluster } from '../harness/cluster.ts';
import { startMoto, type Moto } from '../harness/moto.ts';
import { eventually } from '../harness/wait.ts';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.ts';
import { createNode, createService, eventLine, getService, serviceEvents, suffix } from '../support/fixture.ts';
import type { RunningOperator } from '../../src/operator/index.ts';
import { CONDITION_TYPE } from '../../src/controller/constants.ts';
import { seedNetwork } from './fixtures.ts';
import {
  tearDownAwsE2e,
  createAwsNode,
  createAwsProviderObject,
  createCredentialsSecret,
  nlbs,
  runInstances,
  startAwsOperator,
} from './e2e-fixtures.ts';

const id = suffix();
const providerName = `aws-nodes-${id}`;
const lbClass = `cloudlb.dev/${providerName}`;
const node = (n: string): string => `aws-nodes-${id}-${n}`;
const nodeNames = ['a', 'b', 'gone', 'noid', 'gce'].map(node);
const MISSING = 'i-00000000000badff';
let cluster: TestCluster;
let moto: Moto;
let proxy: FaultProxy;
let ns: string;
let operator: RunningOperator | undefined;
let instances: string[] = [];
let refusedRegistrations = 0;

before(async () => {
  cluster = await testCluster();
  moto = await startMoto();
  const { subnets } = await seedNetwork(moto.endpoint);
  instances = await runInstances(moto.endpoint, subnets[0] ?? '', 2);
  proxy = await startFaultProxy({
    target: moto.endpoint,
    faults: [],
    every: 1,
    maxFaults: 0,
    lifetimeMs: 600_000,
    // What AWS answers and moto does not: one unknown instance fails the whole call.
    refuse: (_service, action, params) => {
      if (action !== 'RegisterTargets' || ![...params.values()].includes(MISSING)) return undefined;
      refusedRegistrations++;
      return { status: 400, code: 'InvalidTarget', message: `The following targets are not valid: '${MISSING}'` };
    },
  });
  ns = await testNamespace(cluster, 'aws-nodes');
  await createCredentialsSecret(cluster, ns, 'aws-credentials', 'AKIANODES0000000001');
  await createAwsNode(cluster, node('a'), instances[0] ?? '');
  await createAwsNode(cluster, node('b'), instances[1] ?? '');
  await createAwsNode(cluster, node('gone'), MISSING);
  await createNode(cluster, node('noid'), { providerID: '' });
  await createNode(cluster, node('gce'), { providerID: 'gce://p/us-central1-a/vm' });
  await createAwsProviderObject(
    cluster,
    providerName,
    { region: 'us-east-1', endpoint: proxy.endpoint, rateLimit: { qps: 100, burst: 100 } },
    'aws-credentials',
  );
  operator = await startAwsOperator(cluster, { clusterName: 'test-cluster', namespace: ns });
});

after(async () => {
  await tearDownAwsE2e(cluster, { operator, providerName, nodeNames, moto, proxy });
});

test('an instance that does not exist, no providerID, another cloud: the good nodes are served, the others named', async () => {
  await createService(cluster, ns, 'web', lbClass, [{ name: 'http', port: 80, protocol: 'TCP' }]);
  const expectedNames = `3 nodes are not targets: ${node('gce')} (spec.providerID gce://p/us-central1-a/vm is not an AWS instance), ${node('gone')} (instance ${MISSING} does not exist), ${node('noid')} (no spec.providerID)`;
  await eventually(
    async () => {
      const all = await nlbs(moto.endpoint);
      assert.equal(all.length, 1);
      const groups = Object.values(all[0]?.targets ?? {});
      assert.equal(groups.length, 1);
      assert.deepEqual(groups[0], [...instances].sort());
      const condition = (await getService(cluster, ns, 'web')).status?.conditions?.find(
        (c) => c.type === CONDITION_TYPE,
      );
      assert.equal(condition?.status, 'True', condition?.message);
      assert.match(condition?.message ?? '', new RegExp(`; ${escape(expectedNames)}\\.$`));
    },
    { timeoutMs: 60_000, intervalMs: 500, message: 'the good nodes were not registered, or the others not named' },
  );
  assert.ok(refusedRegistrations >= 1, 'the proxy answered InvalidTarget at least once');
  assert.ok((proxy.actions.get('ec2:DescribeInstances') ?? 0) >= 1, 'the bad instance was looked up');

  const events = (await serviceEvents(cluster, ns, 'web')).map(eventLine);
  const ensured = events.filter((e) => e.startsWith('Normal EnsuredLoadBalancer'));
  assert.equal(ensured.length, 1, events.join('\n'));
  assert.match(ensured[0] ?? '', new RegExp(`with listeners 80/TCP on 2 nodes; ${escape(expectedNames)}\\.$`));

  const gauge = await operator?.metrics.ineligibleNodes.get();
  const byReason: Record<string, number> = {};
  for (const v of gauge?.values ?? [])
    if (v.labels.provider === providerName) byReason[String(v.labels.reason)] = v.value;
  assert.deepEqual(byReason, {
    noProviderID: 1,
    malformedProviderID: 0,
    elsewhere: 1,
    instanceNotFound: 1,
    noAddress: 0,
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
