// End to end: the real control plane, the operator (startOperator) with the AWS provider, the real
// SDK against moto. Run with: node test/run.ts test/aws/e2e.test.ts
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { testCluster, testNamespace, type TestCluster } from '../harness/cluster.ts';
import { startMoto, type Moto } from '../harness/moto.ts';
import { eventually } from '../harness/wait.ts';
import { createService, getService, suffix } from '../support/fixture.ts';
import type { RunningOperator } from '../../src/operator/index.ts';
import { tearDownAwsE2e, createAwsNode, createAwsProviderObject, startAwsOperator } from './e2e-fixtures.ts';
import { census, seedNetwork } from './fixtures.ts';

const id = suffix();
const providerName = `aws-e2e-${id}`;
const lbClass = `cloudlb.dev/${providerName}`;
const nodeNames = [`aws-e2e-${id}-a`, `aws-e2e-${id}-b`];
let cluster: TestCluster;
let moto: Moto;
let ns: string;
let operator: RunningOperator | undefined;

before(async () => {
  // No Secret named: the SDK's default chain reads these.
  process.env['AWS_ACCESS_KEY_ID'] = 'testing';
  process.env['AWS_SECRET_ACCESS_KEY'] = 'testing';
  cluster = await testCluster();
  moto = await startMoto();
  const { subnets } = await seedNetwork(moto.endpoint);
  ns = await testNamespace(cluster, 'aws-e2e');
  for (const [i, name] of nodeNames.entries()) {
    await createAwsNode(cluster, name, `i-00000000000000a${i}`, `10.10.0.${10 + i}`);
  }
  await createAwsProviderObject(
    cluster,
    providerName,
    { region: 'us-east-1', endpoint: moto.endpoint, subnetIDs: subnets },
    undefined,
  );
  operator = await startAwsOperator(cluster, { clusterName: `e2e-${id}`, namespace: ns });
});

after(async () => {
  await tearDownAwsE2e(cluster, { operator, providerName, nodeNames, moto });
});

test('create with an SCTP port refused, then delete: NLB in moto, hostname in status, nothing left', async () => {
  await createService(cluster, ns, 'web', lbClass, [
    { name: 'http', port: 80, protocol: 'TCP' },
    { name: 'dns', port: 53, protocol: 'UDP' },
    { name: 'sctp', port: 9999, protocol: 'SCTP' },
  ]);
  const svc = await eventually(
    async () => {
      const s = await getService(cluster, ns, 'web');
      assert.match(s.status?.loadBalancer?.ingress?.[0]?.hostname ?? '', /elb\.amazonaws\.com$/);
      return s;
    },
    { timeoutMs: 60_000, message: 'web never got a hostname' },
  );
  const ports = svc.status?.loadBalancer?.ingress?.[0]?.ports ?? [];
  assert.ok(
    ports.some((p) => p.port === 9999 && p.error !== undefined),
    JSON.stringify(ports),
  );
  const inMoto = await census(moto.endpoint);
  assert.equal(inMoto.loadBalancers.length, 1);
  assert.equal(inMoto.targetGroups.length, 2);

  await cluster.core.deleteNamespacedService({ namespace: ns, name: 'web' });
  await eventually(
    async () => {
      assert.deepEqual(await census(moto.endpoint), { loadBalancers: [], targetGroups: [], securityGroups: [] });
    },
    { timeoutMs: 60_000, message: 'the NLB was not deleted' },
  );
});
