// The AWS provider from inside the operator's pods (deploy/overlays/aws, credentials from its
// Secret) against moto on the node IP: a Service gets an NLB, its SCTP port is refused on its own
// while the others are served, and deleting the Service leaves moto as it was.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { deleteTestNamespaces, testNamespace } from '../harness/cluster.ts';
import { realNodeSkip, testRealCluster } from '../harness/node.ts';
import { eventually } from '../harness/wait.ts';
import { census } from '../aws/fixtures.ts';
import { nlbs } from '../aws/e2e-fixtures.ts';
import { createService, getService } from '../support/fixture.ts';
import { installAwsOperator, type AwsInCluster } from './support/aws.ts';
import { POD_START_MS } from './support/operator.ts';
import { deleteServiceAndWait } from './support/services.ts';

const skip = realNodeSkip();

describe('AWS from inside the operator pod, against moto on the node IP', { skip }, () => {
  let aws: AwsInCluster;
  let namespace: string;

  before(async () => {
    aws = await installAwsOperator(await testRealCluster(), 'aws');
    namespace = await testNamespace(aws.cluster, 'aws-in-pod');
  });
  after(async () => {
    await deleteTestNamespaces();
    await aws?.tearDown();
  });

  test('an NLB for the TCP and UDP ports, the SCTP port refused on its own, and nothing left after delete', async () => {
    const { cluster, moto } = aws;
    assert.match(moto.endpoint, /^http:\/\/10\.250\.0\.1:\d+$/, 'moto listens on the node IP, on this machine');
    await createService(cluster, namespace, 'web', 'cloudlb.dev/aws', [
      { name: 'http', port: 80, protocol: 'TCP' },
      { name: 'dns', port: 53, protocol: 'UDP' },
      { name: 'sctp', port: 9999, protocol: 'SCTP' },
    ]);
    const service = await eventually(
      async () => {
        const s = await getService(cluster, namespace, 'web');
        assert.match(s.status?.loadBalancer?.ingress?.[0]?.hostname ?? '', /elb\.amazonaws\.com$/);
        return s;
      },
      { timeoutMs: POD_START_MS, intervalMs: 1_000, message: 'web never got an NLB hostname' },
    );
    const ports = service.status?.loadBalancer?.ingress?.[0]?.ports ?? [];
    assert.deepEqual(
      ports.map((p) => `${p.port}/${p.protocol} ${p.error === undefined ? 'served' : 'refused'}`).sort(),
      ['53/UDP served', '80/TCP served', '9999/SCTP refused'],
      JSON.stringify(ports),
    );

    const [nlb, ...more] = await nlbs(moto.endpoint);
    assert.equal(more.length, 0, 'one NLB');
    assert.ok(nlb);
    assert.equal(nlb.dnsName, service.status?.loadBalancer?.ingress?.[0]?.hostname);
    assert.deepEqual(nlb.listeners, ['53/UDP', '80/TCP']);
    assert.deepEqual(Object.values(nlb.targets), [[aws.instanceID], [aws.instanceID]]);

    await deleteServiceAndWait(cluster, namespace, 'web');
    // The finalizer came off only after the delete in the cloud: moto is as it was, whole.
    assert.deepEqual(await census(moto.endpoint), aws.before);
  });
});
