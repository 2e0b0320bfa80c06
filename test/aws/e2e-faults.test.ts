// End to end with faults in the loop: the operator (real control plane) talks to moto through the
// fault proxy, which throttles, answers 5xx and drops connections (before and after moto saw the
// request) while 5 Services are created. All converge; after delete nothing is left.
// Run with: node test/run.ts test/aws/e2e-faults.test.ts
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { testCluster, testNamespace, type TestCluster } from '../harness/cluster.ts';
import { startMoto, type Moto } from '../harness/moto.ts';
import { eventually } from '../harness/wait.ts';
import { startFaultProxy, type FaultProxy } from '../support/fault-proxy.ts';
import { createService, getService, suffix } from '../support/fixture.ts';
import type { RunningOperator } from '../../src/operator/index.ts';
import { census, seedNetwork } from './fixtures.ts';
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
const providerName = `aws-faults-${id}`;
const lbClass = `cloudlb.dev/${providerName}`;
const nodeNames = ['a', 'b'].map((n) => `aws-faults-${id}-${n}`);
const SERVICES = ['s1', 's2', 's3', 's4', 's5'];
let cluster: TestCluster;
let moto: Moto;
let proxy: FaultProxy;
let ns: string;
let operator: RunningOperator | undefined;
let instances: string[] = [];

before(async () => {
  cluster = await testCluster();
  moto = await startMoto();
  const { subnets } = await seedNetwork(moto.endpoint);
  instances = await runInstances(moto.endpoint, subnets[0] ?? '', 2);
  // Every 3rd request gets a fault, in turn: throttled, 500, dropped before, dropped after.
  proxy = await startFaultProxy({
    target: moto.endpoint,
    faults: ['throttle', 'server-error', 'drop-before', 'drop-after'],
    every: 3,
    maxFaults: 120,
    lifetimeMs: 600_000,
  });
  ns = await testNamespace(cluster, 'aws-faults');
  await createCredentialsSecret(cluster, ns, 'aws-credentials', 'AKIAFAULTS000000001');
  for (const [i, name] of nodeNames.entries()) await createAwsNode(cluster, name, instances[i] ?? '');
  await createAwsProviderObject(
    cluster,
    providerName,
    // Tags find the subnets here (no subnetIDs): discovery goes through the faults too.
    { region: 'us-east-1', endpoint: proxy.endpoint, rateLimit: { qps: 100, burst: 100 } },
    'aws-credentials',
  );
  operator = await startAwsOperator(cluster, {
    clusterName: 'test-cluster', // the cluster tag seedNetwork puts on the subnets
    namespace: ns,
    resyncIntervalMs: 5_000,
  });
});

after(async () => {
  await tearDownAwsE2e(cluster, { operator, providerName, nodeNames, moto, proxy });
});

test('5 Services through throttling, 5xx and dropped connections: all converge, exactly one NLB each', async () => {
  await Promise.all(
    SERVICES.map((name) =>
      createService(cluster, ns, name, lbClass, [
        { name: 'http', port: 80, protocol: 'TCP' },
        { name: 'dns', port: 53, protocol: 'UDP' },
      ]),
    ),
  );
  await eventually(
    async () => {
      const hostnames = await Promise.all(
        SERVICES.map(
          async (name) => (await getService(cluster, ns, name)).status?.loadBalancer?.ingress?.[0]?.hostname,
        ),
      );
      assert.ok(
        hostnames.every((h) => h !== undefined),
        JSON.stringify(hostnames),
      );
      const all = await nlbs(moto.endpoint);
      // A create whose answer was dropped must not have left a second NLB, listener or group behind.
      assert.equal(all.length, SERVICES.length, all.map((l) => l.name).join(', '));
      for (const lb of all) {
        assert.ok(hostnames.includes(lb.dnsName), `${lb.name} serves no Service`);
        assert.deepEqual(lb.listeners, ['53/UDP', '80/TCP']);
        for (const members of Object.values(lb.targets)) assert.deepEqual(members, [...instances].sort());
      }
      const inMoto = await census(moto.endpoint);
      assert.equal(inMoto.targetGroups.length, 2 * SERVICES.length, inMoto.targetGroups.join(', '));
      assert.equal(inMoto.securityGroups.length, SERVICES.length, inMoto.securityGroups.join(', '));
    },
    { timeoutMs: 180_000, intervalMs: 1_000, message: 'the 5 Services did not converge through the faults' },
  );
  const injected = proxy.injected;
  for (const fault of ['throttle', 'server-error', 'drop-before', 'drop-after'] as const)
    assert.ok(injected[fault] > 0, `${fault} injected: ${JSON.stringify(injected)}`);
});

test('delete all 5 through the faults: nothing left in moto', async () => {
  await Promise.all(SERVICES.map((name) => cluster.core.deleteNamespacedService({ namespace: ns, name })));
  await eventually(
    async () => {
      assert.deepEqual(await census(moto.endpoint), { loadBalancers: [], targetGroups: [], securityGroups: [] });
      const left = await cluster.core.listNamespacedService({ namespace: ns });
      assert.deepEqual(
        left.items.map((s) => s.metadata?.name),
        [],
      );
    },
    { timeoutMs: 180_000, intervalMs: 1_000, message: 'something was left after delete' },
  );
});
