// stop() while a reconcile is in flight: the reconcile is abandoned safely and the next operator finishes it.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { deleteTestNamespaces, testCluster, testNamespace, type TestCluster } from '../harness/cluster.ts';
import { eventually } from '../harness/wait.ts';
import { TestCloud } from '../support/test-provider.ts';
import {
  createNode,
  createProvider,
  createService,
  deleteNode,
  deleteProvider,
  getService,
  runOperator,
  suffix,
} from '../support/fixture.ts';

const id = suffix();
const providerName = `ctl-stop-${id}`;
const nodeName = `ctl-stop-${id}-n`;
let cluster: TestCluster;
let ns: string;

before(async () => {
  cluster = await testCluster();
  ns = await testNamespace(cluster, 'ctl-stop');
  await createNode(cluster, nodeName);
  await createProvider(cluster, providerName);
});
after(async () => {
  await deleteProvider(cluster, providerName);
  await deleteNode(cluster, nodeName);
  await deleteTestNamespaces();
});

test('stop() abandons a slow in-flight ensure; a restarted operator completes it', async () => {
  const cloud = new TestCloud({ latencyMs: 60_000 });
  const first = await runOperator(cluster, cloud, { clusterName: `stop-${id}`, namespace: ns, drainMs: 300 });
  await createService(cluster, ns, 'slow', `cloudlb.dev/${providerName}`);
  await eventually(() => assert.equal(cloud.count('ensure'), 1, 'ensure in flight'));
  await first.stop();
  const svc = await getService(cluster, ns, 'slow');
  assert.deepEqual(svc.metadata?.finalizers, ['cloudlb.dev/load-balancer-cleanup'], 'claimed before the cloud call');
  assert.deepEqual(svc.status?.loadBalancer?.ingress ?? [], [], 'no status from an abandoned reconcile');

  cloud.latencyMs = 0;
  const second = await runOperator(cluster, cloud, { clusterName: `stop-${id}`, namespace: ns });
  try {
    await eventually(async () =>
      assert.ok(((await getService(cluster, ns, 'slow')).status?.loadBalancer?.ingress ?? []).length > 0),
    );
  } finally {
    await second.stop();
  }
});
