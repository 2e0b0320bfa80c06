// `kubectl rollout restart` of the operator (maxSurge 1, maxUnavailable 0, and the PDB) never
// leaves it without a Ready replica: every pod change is watched from before the restart until
// the last old pod is gone.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { realNodeSkip } from '../harness/node.ts';
import { eventually } from '../harness/wait.ts';
import { OPERATOR_NAME, OPERATOR_NAMESPACE } from './support/install.ts';
import { installOperator, POD_START_MS, waitForOperator, type OperatorInCluster } from './support/operator.ts';
import { podName } from './support/pods.ts';
import { watchReadyPods } from './support/ready-watch.ts';

const skip = realNodeSkip();

describe('a rolling restart of the operator', { skip }, () => {
  let operator: OperatorInCluster;

  before(async () => {
    operator = await installOperator({ from: 'base', clusterName: `rollout-${randomBytes(3).toString('hex')}` }, 2);
  });
  after(async () => await operator?.installed.uninstall());

  test('never leaves zero Ready replicas', async () => {
    const { cluster } = operator;
    const pdb = await cluster.kubectl([
      '-n',
      OPERATOR_NAMESPACE,
      'get',
      'pdb',
      OPERATOR_NAME,
      '-o',
      'jsonpath={.spec.maxUnavailable}',
    ]);
    assert.equal(pdb.stdout, '1', `the shipped PDB is installed: ${pdb.stderr}`);
    const { pods: old } = await waitForOperator(cluster, 2);
    const oldNames = old.map(podName);
    const watch = await watchReadyPods(cluster);
    try {
      assert.equal(watch.readyNow(), 2);
      const restarted = await cluster.kubectl([
        '-n',
        OPERATOR_NAMESPACE,
        'rollout',
        'restart',
        `deployment/${OPERATOR_NAME}`,
      ]);
      assert.equal(restarted.code, 0, restarted.stderr);
      // Done: every old pod gone, two new ones Ready.
      await eventually(
        () => {
          const now = watch.pods();
          assert.deepEqual(
            now.filter((name) => oldNames.includes(name)),
            [],
            'old pods remain',
          );
          assert.equal(now.length, 2);
          assert.equal(watch.readyNow(), 2);
        },
        { timeoutMs: 2 * POD_START_MS, intervalMs: 500, message: 'the rollout never finished' },
      );
    } finally {
      watch.stop();
    }
    process.stderr.write(
      `[rollout] Ready replicas over the restart: ${watch.history.join(' → ')} (${watch.events} pod events)\n`,
    );
    assert.ok(watch.events > 0);
    assert.ok(watch.fewestReady >= 1, `Ready replicas fell to ${watch.fewestReady}: ${watch.history.join(' → ')}`);
    await waitForOperator(cluster, 2);
  });
});
