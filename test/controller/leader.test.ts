// Two replicas with leader election: only the leader acts; the other takes over when it stops.
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
const providerName = `ctl-lead-${id}`;
const lbClass = `cloudlb.dev/${providerName}`;
const nodeName = `ctl-lead-${id}-n`;
const cloudA = new TestCloud();
const cloudB = new TestCloud();
let file: TestFile;
let cluster: TestCluster;
let ns: string;
let a: RunningOperator | undefined;
let b: RunningOperator | undefined;

const lease = { durationMs: 4_000, renewDeadlineMs: 3_000, retryPeriodMs: 500 };

before(async () => {
  file = await setUpTestFile('ctl-lead', { nodes: [nodeName], providers: { [providerName]: {} } });
  ({ cluster, ns } = file);
});

after(async () => {
  await a?.stop();
  await b?.stop();
  await file.cleanUp();
});

test('only the leader reconciles; the other replica takes over when it stops', async () => {
  // Each replica gets its own fake cloud so the test can tell who acted.
  const common = { clusterName: `lead-${id}`, namespace: ns, leaderElect: true, leaseName: `lease-${id}`, lease };
  a = await runOperator(cluster, cloudA, { ...common, identity: 'replica-a' });
  await eventually(() => assert.ok(a?.isLeader(), 'a leads'));
  b = await runOperator(cluster, cloudB, { ...common, identity: 'replica-b' });

  await createService(cluster, ns, 'one', lbClass);
  await waitForIngress(cluster, ns, 'one');
  assert.equal(cloudA.lbs.size, 1);
  assert.equal(b.isLeader(), false);
  assert.equal(cloudB.totalCalls(), 0, 'the standby made no cloud call');
  assert.equal(b.reconciles(), 0, 'the standby reconciled nothing');

  const leaseObj = await cluster.kc
    .makeApiClient((await import('@kubernetes/client-node')).CoordinationV1Api)
    .readNamespacedLease({ namespace: ns, name: `lease-${id}` });
  assert.equal(leaseObj.spec?.holderIdentity, 'replica-a');

  await a.stop();
  a = undefined;
  await eventually(() => assert.ok(b?.isLeader(), 'b took over'), { timeoutMs: 20_000 });
  await createService(cluster, ns, 'two', lbClass);
  await waitForIngress(cluster, ns, 'two');
  assert.ok(cloudB.lbs.size >= 1, 'the new leader built load balancers');
  assert.ok(b.reconciles() > 0);
});
