// The AWS provider from inside the operator's pods: moto_server listens on the node IP (an address
// on a bridge of this machine, which pods reach and nothing outside does), deploy/overlays/aws is
// installed with its Secret and LoadBalancerProvider patched to point there, and one EC2 instance
// stands behind a Node object (no kubelet: unschedulable, tainted, no addresses to dial).
import { randomBytes } from 'node:crypto';
import type { TestRealCluster } from '../../harness/node.ts';
import { startMoto, type Moto } from '../../harness/moto.ts';
import { census, seedNetwork } from '../../aws/fixtures.ts';
import { runInstances } from '../../aws/e2e-fixtures.ts';
import { OPERATOR_NAMESPACE } from './install.ts';
import { installOperator, type OperatorInCluster } from './operator.ts';

export type Census = Awaited<ReturnType<typeof census>>;

export interface AwsInCluster extends OperatorInCluster {
  readonly moto: Moto;
  readonly nodeName: string;
  readonly instanceID: string;
  /** What moto held before any Service: compared whole with what it holds at the end. */
  readonly before: Census;
  tearDown(): Promise<void>;
}

const secretPatch = (accessKeyId: string): string =>
  JSON.stringify({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'aws-credentials', namespace: OPERATOR_NAMESPACE },
    stringData: { aws_access_key_id: accessKeyId, aws_secret_access_key: `secret-of-${accessKeyId}` },
  });

const providerPatch = (endpoint: string, subnetIDs: readonly string[]): string =>
  JSON.stringify({
    apiVersion: 'cloudlb.dev/v1alpha1',
    kind: 'LoadBalancerProvider',
    metadata: { name: 'aws' },
    spec: { aws: { region: 'us-east-1', endpoint, subnetIDs } },
  });

export async function installAwsOperator(cluster: TestRealCluster, prefix: string): Promise<AwsInCluster> {
  const nodeIP = cluster.nodes[0]?.ip;
  if (nodeIP === undefined) throw new Error('the real cluster has no node');
  const moto = await startMoto({ host: nodeIP });
  const id = randomBytes(3).toString('hex');
  const nodeName = `${prefix}-aws-instance-${id}`;
  let operator: OperatorInCluster | undefined;
  const tearDown = async (): Promise<void> => {
    await operator?.installed.uninstall();
    await cluster.core.deleteNode({ name: nodeName }).catch(() => undefined);
    await moto.stop();
  };
  try {
    const { subnets } = await seedNetwork(moto.endpoint);
    const [instanceID = ''] = await runInstances(moto.endpoint, subnets[0] ?? '', 1);
    await cluster.core.createNode({
      body: {
        metadata: { name: nodeName },
        spec: {
          providerID: `aws:///us-east-1a/${instanceID}`,
          unschedulable: true,
          taints: [{ key: 'cloudlb.dev/no-kubelet', effect: 'NoSchedule' }],
        },
      },
    });
    const before = await census(moto.endpoint);
    operator = await installOperator(
      {
        from: 'overlays/aws',
        clusterName: `${prefix}-${id}`,
        patches: [secretPatch(`AKID${id}`), providerPatch(moto.endpoint, subnets)],
      },
      2,
      cluster,
    );
    return { ...operator, moto, nodeName, instanceID, before, tearDown };
  } catch (error) {
    await tearDown();
    throw error;
  }
}
