// Shared pieces of the AWS end-to-end tests (operator + real control plane + moto): EC2 instances
// behind Nodes, the provider object with its credentials Secret, the operator, and a deep census
// of what moto holds (schemes, listeners, target group members).
import {
  DescribeListenersCommand,
  DescribeLoadBalancersCommand,
  DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { RunInstancesCommand } from '@aws-sdk/client-ec2';
import type { ProviderSpec } from '../../src/api/loadbalancerprovider.ts';
import { startOperator, type OperatorOptions, type RunningOperator } from '../../src/operator/index.ts';
import { ProviderRegistry } from '../../src/provider/registry.ts';
import { awsProvider } from '../../providers/aws/index.ts';
import { deleteTestNamespaces, type TestCluster } from '../harness/cluster.ts';
import type { Moto } from '../harness/moto.ts';
import type { FaultProxy } from '../support/fault-proxy.ts';
import { createNode, createProvider, deleteNode, deleteProvider, testLogger } from '../support/fixture.ts';
import { rawClients } from './fixtures.ts';

/** Starts `count` EC2 instances in moto (zone us-east-1a) and returns their IDs. */
export async function runInstances(endpoint: string, subnetID: string, count: number): Promise<string[]> {
  const { ec2, elbv2 } = rawClients(endpoint);
  const out = await ec2.send(
    new RunInstancesCommand({
      ImageId: 'ami-12c6146b',
      InstanceType: 't3.micro',
      MinCount: count,
      MaxCount: count,
      SubnetId: subnetID,
    }),
  );
  ec2.destroy();
  elbv2.destroy();
  return (out.Instances ?? []).map((i) => i.InstanceId ?? '');
}

/** A Node whose spec.providerID points at an instance in moto, with an InternalIP. */
export async function createAwsNode(
  cluster: TestCluster,
  name: string,
  instanceID: string,
  address = '10.10.0.10',
): Promise<void> {
  await createNode(cluster, name, {
    providerID: `aws:///us-east-1a/${instanceID}`,
    addresses: [{ type: 'InternalIP', address }],
  });
}

export async function createCredentialsSecret(
  cluster: TestCluster,
  namespace: string,
  name: string,
  accessKeyId: string,
): Promise<void> {
  await cluster.core.createNamespacedSecret({
    namespace,
    body: {
      metadata: { name },
      stringData: { aws_access_key_id: accessKeyId, aws_secret_access_key: `secret-of-${accessKeyId}` },
    },
  });
}

/** Replaces the Secret's keys, as a credential rotation does. */
export async function rotateCredentialsSecret(
  cluster: TestCluster,
  namespace: string,
  name: string,
  accessKeyId: string,
): Promise<void> {
  await cluster.core.replaceNamespacedSecret({
    namespace,
    name,
    body: {
      metadata: { name },
      stringData: { aws_access_key_id: accessKeyId, aws_secret_access_key: `secret-of-${accessKeyId}` },
    },
  });
}

export async function createAwsProviderObject(
  cluster: TestCluster,
  name: string,
  aws: Record<string, unknown>,
  secretName: string | undefined,
): Promise<void> {
  await createProvider(cluster, name, {
    ...(secretName === undefined ? {} : { credentialsSecretRef: { name: secretName } }),
    aws: aws as unknown as ProviderSpec<'aws'>,
  });
}

export async function startAwsOperator(
  cluster: TestCluster,
  options: Partial<OperatorOptions> & { clusterName: string; namespace: string },
): Promise<RunningOperator> {
  return await startOperator({
    kc: cluster.kc,
    registry: new ProviderRegistry([awsProvider]),
    workers: 4,
    sweep: { enabled: false, intervalMs: 600_000, graceMs: 0 },
    backoff: { baseMs: 200, maxMs: 2_000 },
    drainMs: 2_000,
    log: testLogger('aws-e2e'),
    ...options,
  });
}

export interface NlbView {
  readonly name: string;
  readonly arn: string;
  readonly scheme: string;
  readonly dnsName: string;
  /** "80/TCP" … sorted. */
  readonly listeners: string[];
  /** Target group name → registered instance IDs (sorted). */
  readonly targets: Record<string, string[]>;
}

/** Every NLB in moto with its listeners and the members of its target groups. */
export async function nlbs(endpoint: string): Promise<NlbView[]> {
  const { elbv2, ec2 } = rawClients(endpoint);
  try {
    const lbs = (await elbv2.send(new DescribeLoadBalancersCommand({ PageSize: 400 }))).LoadBalancers ?? [];
    const views: NlbView[] = [];
    for (const lb of lbs) {
      const arn = lb.LoadBalancerArn ?? '';
      const listeners = (await elbv2.send(new DescribeListenersCommand({ LoadBalancerArn: arn }))).Listeners ?? [];
      const groups = (await elbv2.send(new DescribeTargetGroupsCommand({ LoadBalancerArn: arn }))).TargetGroups ?? [];
      const targets: Record<string, string[]> = {};
      for (const g of groups) {
        const health = await elbv2.send(new DescribeTargetHealthCommand({ TargetGroupArn: g.TargetGroupArn ?? '' }));
        targets[g.TargetGroupName ?? ''] = (health.TargetHealthDescriptions ?? [])
          .map((d) => d.Target?.Id ?? '')
          .sort();
      }
      views.push({
        name: lb.LoadBalancerName ?? '',
        arn,
        scheme: lb.Scheme ?? '',
        dnsName: lb.DNSName ?? '',
        listeners: listeners.map((l) => `${l.Port ?? 0}/${l.Protocol ?? ''}`).sort(),
        targets,
      });
    }
    return views;
  } finally {
    elbv2.destroy();
    ec2.destroy();
  }
}

/** Mutating requests among the proxy's `service:Action` counts. */
export function mutatingActions(actions: ReadonlyMap<string, number>): Record<string, number> {
  return Object.fromEntries([...actions].filter(([op]) => !/:(Describe|List|Get)/.test(op)));
}

/** The end of every AWS e2e file: operator, provider, nodes, namespaces, then the emulator. */
export async function tearDownAwsE2e(
  cluster: TestCluster,
  parts: {
    operator: RunningOperator | undefined;
    providerName: string;
    nodeNames: readonly string[];
    moto: Moto;
    proxy?: FaultProxy;
  },
): Promise<void> {
  await parts.operator?.stop();
  await deleteProvider(cluster, parts.providerName);
  for (const name of parts.nodeNames) await deleteNode(cluster, name);
  await deleteTestNamespaces();
  await parts.proxy?.stop();
  await parts.moto.stop();
}
