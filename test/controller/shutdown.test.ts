// stop() while a reconcile is in flight: the reconcile is abandoned safely and the next operator finishes it.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { TestCluster } from '../harness/cluster.ts';
import { eventually } from '../harness/wait.ts';
import { TestCloud } from '../support/test-provider.ts';
import {
  createService,
  getService,
  runOperator,
  setUpTestFile,
  suffix,
  waitForIngress,
  type TestFile,
} from '../support/fixture.ts';

const id = suffix();
const providerName = `ctl-stop-${id}`;
const nodeName = `ctl-stop-${id}-n`;
let file: TestFile;
let cluster: TestCluster;
let ns: string;

before(async () => {
  file = await setUpTestFile('ctl-stop', { nodes: [nodeName], providers: { [providerName]: {} } });
  ({ cluster, ns } = file);
});
after(async () => await file.cleanUp());

test('stop() abandons a slow in-flight ensure; a restarted operator completes it', async () => {
  const cloud = new TestCloud({ latencyMs: 60_000 });
  const first = await runOperator(cluster, cloud, { clusterName: `stop-${id}`, namespace: ns, drainMs: 300 });
  await createService(cluster, ns, 'slow', `cloudlb.dev/${providerName}`);
  await eventually(() => assert.equal(cloud.count('ensure'), 1, 'ensure in flight'));
  await first.stop();
  const svc = await getService(cluster, ns, 'slow');
  assert.deepEqual(
    svc.metadata?.finalizers,
    ['service.kubernetes.io/load-balancer-cleanup'],
    'claimed before the cloud call',
  );
  assert.deepEqual(svc.status?.loadBalancer?.ingress ?? [], [], 'no status from an abandoned reconcile');

  cloud.latencyMs = 0;
  const second = await runOperator(cluster, cloud, { clusterName: `stop-${id}`, namespace: ns });
  try {
    await waitForIngress(cluster, ns, 'slow');
  } finally {
    await second.stop();
  }
});
