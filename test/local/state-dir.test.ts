// Through the real control plane: a local provider whose state directory cannot be written is
// not built, and says so on the LoadBalancerProvider (Ready=False and a Warning naming the
// directory and the setting) instead of failing later or crash-looping the operator.
// Run with: node test/run.ts test/local/state-dir.test.ts
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { RunningOperator } from '../../src/operator/index.ts';
import { ProviderRegistry } from '../../src/provider/registry.ts';
import { defineLocalProvider } from '../../providers/local/index.ts';
import { deleteTestNamespaces, testCluster, testNamespace, type TestCluster } from '../harness/cluster.ts';
import { eventually } from '../harness/wait.ts';
import { createProvider, deleteProvider, eventLine, getProvider, providerEvents, suffix } from '../support/fixture.ts';
import { startLocalOperator, tempDir, testPool, type TempDir } from './fixtures.ts';

const id = suffix();
const providerName = `local-statedir-${id}`;
let cluster: TestCluster;
let dir: TempDir;
let blocked: string;
let operator: RunningOperator | undefined;

before(async () => {
  cluster = await testCluster();
  const ns = await testNamespace(cluster, 'local-statedir');
  dir = await tempDir();
  // Unwritable even for root (the test runs as root): the directory would sit below a file.
  await writeFile(join(dir.path, 'file'), '');
  blocked = join(dir.path, 'file', 'state');
  await createProvider(cluster, providerName, { local: { addressPool: testPool(22) } });
  operator = await startLocalOperator(cluster, {
    namespace: ns,
    clusterName: 'local-statedir',
    registry: new ProviderRegistry([defineLocalProvider({ stateDir: blocked })]),
  });
});

after(async () => {
  await operator?.stop();
  await deleteProvider(cluster, providerName);
  await deleteTestNamespaces();
  await dir.remove();
});

test('an unwritable --local-state-dir → Ready=False BuildFailed and a Warning naming the directory and the setting', async () => {
  const says = `the local provider cannot write its address record in ${blocked} (ENOTDIR); set --local-state-dir or CLOUDLB_LOCAL_STATE_DIR to a writable directory (in a pod, a mounted volume)`;
  await eventually(
    async () => {
      const ready = (await getProvider(cluster, providerName)).status?.conditions?.find((c) => c.type === 'Ready');
      assert.equal(ready?.status, 'False', JSON.stringify(ready));
      assert.equal(ready?.reason, 'BuildFailed');
      assert.equal(ready?.message, says);
    },
    { timeoutMs: 30_000, intervalMs: 300, message: 'the provider did not report its state directory' },
  );
  const lines = (await providerEvents(cluster, providerName)).map(eventLine);
  assert.deepEqual(lines, [`Warning BuildFailed: ${says}`]);
  assert.equal(operator?.ready(), true, 'the operator itself runs on');
});
