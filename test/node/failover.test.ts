// Failover on a real node: deleting the leader pod hands the Lease to another replica within the
// lease duration, and a Service created while that happens becomes ready.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { deleteTestNamespaces, testNamespace } from '../harness/cluster.ts';
import { realNodeSkip } from '../harness/node.ts';
import { eventually } from '../harness/wait.ts';
import { createService, waitForIngress } from '../support/fixture.ts';
import { localProviderYaml, OPERATOR_NAMESPACE } from './support/install.ts';
import { installOperator, POD_START_MS, waitForOperator, type OperatorInCluster } from './support/operator.ts';
import { holderPod, operatorPods, podName, readLease } from './support/pods.ts';
import { deleteServiceAndWait } from './support/services.ts';

const skip = realNodeSkip();
const id = randomBytes(3).toString('hex');
const provider = `failover-${id}`;
const lbClass = `cloudlb.dev/${provider}`;

describe('failover between the two operator pods', { skip }, () => {
  let operator: OperatorInCluster;
  let namespace: string;

  before(async () => {
    operator = await installOperator(
      { from: 'base', clusterName: provider, resources: [localProviderYaml(provider, '127.77.1.0/24')] },
      2,
    );
    namespace = await testNamespace(operator.cluster, 'failover');
  });
  after(async () => {
    for (const name of ['before', 'during'])
      await deleteServiceAndWait(operator.cluster, namespace, name).catch(() => undefined);
    await deleteTestNamespaces();
    await operator?.installed.uninstall();
  });

  test('another replica takes the Lease within its duration and serves a Service created meanwhile', async () => {
    const { cluster } = operator;
    const { pods, leader } = await waitForOperator(cluster, 2);
    const standby = pods.find((p) => p !== leader);
    assert.ok(standby);
    await createService(cluster, namespace, 'before', lbClass, [{ name: 'tcp', port: 18100, protocol: 'TCP' }]);
    await waitForIngress(cluster, namespace, 'before', { timeoutMs: POD_START_MS });
    const lease = await readLease(cluster);

    const deletedAt = Date.now();
    await cluster.core.deleteNamespacedPod({ name: podName(leader), namespace: OPERATOR_NAMESPACE });
    await createService(cluster, namespace, 'during', lbClass, [{ name: 'tcp', port: 18101, protocol: 'TCP' }]);

    const handedOver = await eventually(
      async () => {
        const now = await readLease(cluster);
        assert.notEqual(now.holder, lease.holder, 'the Lease has not moved yet');
        assert.ok(now.holder !== undefined && now.holder !== '', 'the Lease is free');
        return now;
      },
      { timeoutMs: POD_START_MS, intervalMs: 200, message: 'no other replica took the Lease' },
    );
    // The standby, or the pod replacing the leader if it starts and campaigns first: the Lease is
    // released on SIGTERM, so whichever replica asks next takes it.
    const successor = holderPod(await operatorPods(cluster), handedOver.holder);
    assert.ok(successor, `the Lease holder ${handedOver.holder ?? ''} is a running operator pod`);
    assert.notEqual(podName(successor), podName(leader));
    assert.equal(handedOver.transitions, lease.transitions + 1);
    // Both clocks are this machine's: the Lease's acquireTime is written by its new holder.
    const tookMs = (handedOver.acquiredAt ?? 0) - deletedAt;
    process.stderr.write(
      `[measure] failover: ${podName(successor) === podName(standby) ? 'the standby' : "the leader's replacement"} took the Lease ${tookMs} ms after the leader pod's deletion\n`,
    );
    assert.ok(tookMs <= lease.durationSeconds * 1000, `took ${tookMs} ms, lease duration ${lease.durationSeconds} s`);

    await waitForIngress(cluster, namespace, 'during', { timeoutMs: POD_START_MS });
    // The Deployment replaces the deleted pod: two Ready again, the successor still leading.
    const settled = await waitForOperator(cluster, 2);
    assert.equal(podName(settled.leader), podName(successor));
  });
});
