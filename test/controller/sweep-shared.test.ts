// The orphan sweep when two LoadBalancerProviders reach the same cloud account (one AWS account and
// region with a public and an internal class, say): each lists the other's load balancers, which
// carry the same cluster ownership, and must never take them for orphans.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { TestCluster } from '../harness/cluster.ts';
import { eventually } from '../harness/wait.ts';
import { TestCloud } from '../support/test-provider.ts';
import {
  createService,
  runOperator,
  setUpTestFile,
  suffix,
  waitForIngress,
  type TestFile,
} from '../support/fixture.ts';
import type { RunningOperator } from '../../src/operator/index.ts';

const id = suffix();
const served = `ctl-shared-a-${id}`;
const other = `ctl-shared-b-${id}`;
const clusterName = `shared-${id}`;
const cloud = new TestCloud();

let file: TestFile;
let cluster: TestCluster;
let ns: string;
let operator: RunningOperator | undefined;

before(async () => {
  file = await setUpTestFile('ctl-shared', { nodes: [`ctl-shared-${id}`], providers: { [served]: {}, [other]: {} } });
  ({ cluster, ns } = file);
  operator = await runOperator(cluster, cloud, {
    clusterName,
    namespace: ns,
    sweep: { enabled: true, intervalMs: 600_000, graceMs: 0 },
  });
});

after(async () => {
  await operator?.stop();
  await file.cleanUp();
});

test("a provider sharing the account never sweeps another provider's live load balancer", async () => {
  const created = await createService(cluster, ns, 'web', `cloudlb.dev/${served}`);
  const uid = created.metadata?.uid ?? '';
  await waitForIngress(cluster, ns, 'web');
  await eventually(() => assert.ok(cloud.byService(uid)));
  assert.ok(operator);
  const listed = cloud.count('listOwned');
  assert.equal(await operator.sweepNow(), 0);
  assert.equal(await operator.sweepNow(), 0);
  // Each sweep listed what both providers own, so each saw the live load balancer twice.
  assert.ok(cloud.count('listOwned') >= listed + 4, 'two sweeps ran, each over both providers');
  assert.ok(cloud.byService(uid), 'the load balancer of a live Service is still there');
  assert.deepEqual(
    cloud.writes.filter((w) => w.op === 'delete').map((w) => w.serviceUID),
    [],
    'nothing was deleted',
  );
});
