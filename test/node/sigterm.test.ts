// SIGTERM in a real pod: the leader is deleted while Services are being created in AWS (moto on
// the node IP). It logs the signal and a clean stop (in-flight reconciles drained, Lease released),
// the standby finishes the work, every Service converges, and moto holds exactly one whole NLB per
// Service: nothing half-made, nothing orphaned; deleting them leaves moto as it was.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { deleteTestNamespaces, testNamespace } from '../harness/cluster.ts';
import { realNodeSkip, testRealCluster } from '../harness/node.ts';
import { eventually } from '../harness/wait.ts';
import { census } from '../aws/fixtures.ts';
import { nlbs } from '../aws/e2e-fixtures.ts';
import { createService, getService } from '../support/fixture.ts';
import { installAwsOperator, type AwsInCluster } from './support/aws.ts';
import { OPERATOR_NAMESPACE } from './support/install.ts';
import { followLog, logLines } from './support/logs.ts';
import { POD_START_MS, waitForOperator } from './support/operator.ts';
import { podName } from './support/pods.ts';
import { deleteServiceAndWait } from './support/services.ts';

const skip = realNodeSkip();
const SERVICES = Array.from({ length: 8 }, (_, i) => `burst-${i}`);

describe('SIGTERM to the leader while it creates load balancers', { skip }, () => {
  let aws: AwsInCluster;
  let namespace: string;

  before(async () => {
    aws = await installAwsOperator(await testRealCluster(), 'sigterm');
    namespace = await testNamespace(aws.cluster, 'sigterm');
  });
  after(async () => {
    for (const name of SERVICES) await deleteServiceAndWait(aws.cluster, namespace, name).catch(() => undefined);
    await deleteTestNamespaces();
    await aws?.tearDown();
  });

  test('drains, hands over, and leaves exactly one whole NLB per Service', async () => {
    const { cluster, moto } = aws;
    const { leader } = await waitForOperator(cluster, 2);
    const log = await followLog(cluster, OPERATOR_NAMESPACE, podName(leader));
    await Promise.all(
      SERVICES.map(async (name, i) => {
        await createService(cluster, namespace, name, 'cloudlb.dev/aws', [
          { name: 'tcp', port: 8000 + i, protocol: 'TCP' },
        ]);
      }),
    );
    // The leader has started: one of them carries its finalizer (set before any cloud write).
    await eventually(
      async () => {
        const services = (await cluster.core.listNamespacedService({ namespace })).items;
        assert.ok(services.some((s) => (s.metadata?.finalizers ?? []).length > 0));
      },
      { timeoutMs: 60_000, intervalMs: 100, message: 'the leader never started on the Services' },
    );
    // A census, not nlbs(): it lists each kind once, so half-made groups cannot fail it.
    const readyAtSignal = (await census(moto.endpoint)).loadBalancers.length;
    await cluster.core.deleteNamespacedPod({ name: podName(leader), namespace: OPERATOR_NAMESPACE });
    process.stderr.write(
      `[sigterm] leader ${podName(leader)} deleted with ${readyAtSignal}/${SERVICES.length} NLBs in moto\n`,
    );

    const text = await log.ended;
    assert.deepEqual(
      logLines(text, 'stopping').map((l) => l['signal']),
      ['SIGTERM'],
    );
    assert.equal(logLines(text, 'released the lease').length, 1, `the Lease handed back:\n${text.slice(-3000)}`);
    assert.equal(logLines(text, 'operator stopped').length, 1, `a clean stop:\n${text.slice(-3000)}`);

    const hostnames = await eventually(
      async () =>
        await Promise.all(
          SERVICES.map(async (name) => {
            const hostname = (await getService(cluster, namespace, name)).status?.loadBalancer?.ingress?.[0]?.hostname;
            assert.match(hostname ?? '', /elb\.amazonaws\.com$/, `${name} has no NLB yet`);
            return hostname ?? '';
          }),
        ),
      { timeoutMs: POD_START_MS, intervalMs: 1_000, message: 'not every Service converged after the handover' },
    );
    const inMoto = await nlbs(moto.endpoint);
    assert.equal(inMoto.length, SERVICES.length, `one NLB per Service: ${inMoto.map((n) => n.name).join(', ')}`);
    assert.deepEqual(inMoto.map((n) => n.dnsName).sort(), [...hostnames].sort());
    for (const nlb of inMoto) {
      assert.equal(nlb.listeners.length, 1, `${nlb.name}: ${nlb.listeners.join(', ')}`);
      assert.deepEqual(Object.values(nlb.targets), [[aws.instanceID]], nlb.name);
    }
    const groups = (await census(moto.endpoint)).targetGroups;
    assert.equal(groups.length, SERVICES.length, `no target group without its NLB: ${groups.join(', ')}`);

    for (const name of SERVICES) await deleteServiceAndWait(cluster, namespace, name);
    assert.deepEqual(await census(moto.endpoint), aws.before);
  });
});
