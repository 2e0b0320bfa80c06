// Through the real control plane with the local provider: a node without an address the proxy can
// dial is named on the Service (event and condition) and in the metric; the other node is served.
// Run with: node test/run.ts test/local/eligibility.test.ts
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { CONDITION_TYPE } from '../../src/controller/constants.ts';
import type { RunningOperator } from '../../src/operator/index.ts';
import { deleteTestNamespaces, testCluster, testNamespace, type TestCluster } from '../harness/cluster.ts';
import { eventually } from '../harness/wait.ts';
import {
  createNode,
  createProvider,
  createService,
  deleteNode,
  deleteProvider,
  eventLine,
  getService,
  serviceEvents,
  suffix,
} from '../support/fixture.ts';
import { startLocalOperator, tempDir, testPool, type TempDir } from './fixtures.ts';

const id = suffix();
const providerName = `local-nodes-${id}`;
const withAddress = `local-nodes-${id}-ok`;
const bare = `local-nodes-${id}-bare`;
let cluster: TestCluster;
let ns: string;
let state: TempDir;
let operator: RunningOperator | undefined;

before(async () => {
  cluster = await testCluster();
  ns = await testNamespace(cluster, 'local-nodes');
  state = await tempDir();
  process.env['CLOUDLB_LOCAL_STATE_DIR'] = state.path;
  await createNode(cluster, withAddress, { addresses: [{ type: 'InternalIP', address: '127.0.0.41' }] });
  await createNode(cluster, bare, { addresses: [{ type: 'Hostname', address: 'bare.example' }] });
  await createProvider(cluster, providerName, { local: { addressPool: testPool(20) } });
  operator = await startLocalOperator(cluster, { namespace: ns, clusterName: 'local-nodes' });
});

after(async () => {
  await operator?.stop();
  await deleteProvider(cluster, providerName);
  for (const name of [withAddress, bare]) await deleteNode(cluster, name);
  await deleteTestNamespaces();
  delete process.env['CLOUDLB_LOCAL_STATE_DIR'];
  await state.remove();
});

test('a node without an InternalIP or ExternalIP is named; the node with one is served', async () => {
  await createService(cluster, ns, 'web', `cloudlb.dev/${providerName}`, [
    { name: 'http', port: 8080, protocol: 'TCP' },
  ]);
  const named = `1 node is not a target: ${bare} (no InternalIP or ExternalIP address)`;
  await eventually(
    async () => {
      const service = await getService(cluster, ns, 'web');
      const condition = service.status?.conditions?.find((c) => c.type === CONDITION_TYPE);
      assert.equal(condition?.status, 'True', condition?.message);
      assert.ok(condition?.message?.endsWith(`; ${named}.`), condition?.message);
    },
    { timeoutMs: 30_000, intervalMs: 300, message: 'the Service did not name the node without an address' },
  );
  const events = (await serviceEvents(cluster, ns, 'web')).map(eventLine);
  const ensured = events.filter((e) => e.startsWith('Normal EnsuredLoadBalancer'));
  assert.equal(ensured.length, 1, events.join('\n'));
  assert.ok(ensured[0]?.endsWith(`with listeners 8080/TCP on 1 node; ${named}.`), ensured[0]);

  const gauge = await operator?.metrics.ineligibleNodes.get();
  const noAddress = (gauge?.values ?? []).filter(
    (v) => v.labels.provider === providerName && v.labels.reason === 'noAddress',
  );
  assert.equal(noAddress.length, 1);
  assert.equal(noAddress[0]?.value, 1);
});
