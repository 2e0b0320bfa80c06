// Shared pieces of the AWS tests: a seeded VPC in moto, a provider pointed at an endpoint with its
// calls counted, Services as DesiredLoadBalancers, and a census of what exists in moto.
import {
  ElasticLoadBalancingV2Client,
  DescribeLoadBalancersCommand,
  DescribeTargetGroupsCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import {
  CreateSubnetCommand,
  CreateTagsCommand,
  CreateVpcCommand,
  DescribeSecurityGroupsCommand,
  EC2Client,
} from '@aws-sdk/client-ec2';
import { pino } from 'pino';
import type { DesiredLoadBalancer, Target } from '../../src/provider/contract.ts';
import { interpretAnnotations, type AwsOptions } from '../../providers/aws/annotations.ts';
import { AwsProvider } from '../../providers/aws/provider.ts';
import type { RetryPolicy } from '../../src/provider/cloud-call.ts';
import { desiredLoadBalancer } from '../support/desired.ts';

export const REGION = 'us-east-1';
export const CLUSTER = 'test-cluster';
const credentials = { accessKeyId: 'testing', secretAccessKey: 'testing' };

export function rawClients(endpoint: string) {
  const config = { region: REGION, endpoint, credentials, maxAttempts: 1 };
  return { elbv2: new ElasticLoadBalancingV2Client(config), ec2: new EC2Client(config) };
}

/** A VPC with two subnets in two zones, tagged for internet-facing and internal NLBs of CLUSTER. */
export async function seedNetwork(endpoint: string): Promise<{ vpcID: string; subnets: string[] }> {
  const { ec2 } = rawClients(endpoint);
  const vpc = await ec2.send(new CreateVpcCommand({ CidrBlock: '10.10.0.0/16' }));
  const vpcID = vpc.Vpc?.VpcId ?? '';
  const subnets: string[] = [];
  for (const [i, zone] of ['us-east-1a', 'us-east-1b'].entries()) {
    const s = await ec2.send(
      new CreateSubnetCommand({ VpcId: vpcID, CidrBlock: `10.10.${i}.0/24`, AvailabilityZone: zone }),
    );
    const id = s.Subnet?.SubnetId ?? '';
    subnets.push(id);
    await ec2.send(
      new CreateTagsCommand({
        Resources: [id],
        Tags: [
          { Key: 'kubernetes.io/role/elb', Value: '1' },
          { Key: 'kubernetes.io/role/internal-elb', Value: '1' },
          { Key: `kubernetes.io/cluster/${CLUSTER}`, Value: 'shared' },
        ],
      }),
    );
  }
  ec2.destroy();
  return { vpcID, subnets };
}

export interface CountedProvider {
  readonly provider: AwsProvider;
  readonly calls: Map<string, number>;
  reset(): void;
  mutating(): number;
}

export const FAST_RETRY: RetryPolicy = { retries: 8, minTimeoutMs: 10, maxTimeoutMs: 100 };

export function isMutating(op: string): boolean {
  return !/:(Describe|List|Get)/.test(op);
}

export function countedProvider(
  endpoint: string,
  spec: Record<string, unknown> = {},
  retry: RetryPolicy = FAST_RETRY,
): CountedProvider {
  const calls = new Map<string, number>();
  const provider = new AwsProvider(
    { region: REGION, endpoint, rateLimit: { qps: 1000, burst: 1000 }, ...spec },
    {
      providerName: 'aws-test',
      clusterName: CLUSTER,
      credentials: { aws_access_key_id: 'testing', aws_secret_access_key: 'testing' },
      log: pino({ level: 'silent' }),
      countCall: (op) => calls.set(op, (calls.get(op) ?? 0) + 1),
    },
    { retry },
  );
  return {
    provider,
    calls,
    reset: () => calls.clear(),
    mutating: () => [...calls].filter(([op]) => isMutating(op)).reduce((n, [, c]) => n + c, 0),
  };
}

export function node(name: string, instance: string, labels: Record<string, string> = {}): Target {
  return {
    nodeName: name,
    providerID: `aws:///us-east-1a/${instance}`,
    addresses: [{ type: 'InternalIP', address: '10.10.0.10' }],
    labels,
  };
}

/** The options the provider's interpret() reads from these annotations; a test's annotations must be valid. */
export function awsOptions(annotations: Readonly<Record<string, string>> = {}): AwsOptions {
  const { options, problems } = interpretAnnotations(annotations);
  if (problems.length > 0) throw new Error(`test annotations with problems: ${JSON.stringify(problems)}`);
  return options;
}

export type AwsService = DesiredLoadBalancer<AwsOptions>;

let serial = 0;
/** A Service as the controller hands it to the provider; `annotations` become its options. */
export function service(
  overrides: Partial<Omit<AwsService, 'options'>> & { annotations?: Readonly<Record<string, string>> } = {},
): AwsService {
  const { annotations, ...rest } = overrides;
  serial++;
  const uid = `00000000-0000-0000-0000-${String(serial).padStart(12, '0')}`;
  return desiredLoadBalancer({
    name: `${CLUSTER}-${uid.slice(-12)}`,
    ownership: { clusterName: CLUSTER, serviceNamespace: 'default', serviceName: `svc-${serial}`, serviceUID: uid },
    listeners: [
      { port: 80, protocol: 'TCP', nodePort: 30080 },
      { port: 443, protocol: 'TCP', nodePort: 30443 },
    ],
    targets: [node('n1', 'i-0000000000000001'), node('n2', 'i-0000000000000002')],
    ...rest,
    options: awsOptions(annotations),
  });
}

/** What exists in moto: load balancers, target groups, and non-default security groups. */
export async function census(
  endpoint: string,
): Promise<{ loadBalancers: string[]; targetGroups: string[]; securityGroups: string[] }> {
  const { elbv2, ec2 } = rawClients(endpoint);
  const lbs = await elbv2.send(new DescribeLoadBalancersCommand({ PageSize: 400 }));
  const tgs = await elbv2.send(new DescribeTargetGroupsCommand({ PageSize: 400 }));
  const sgs = await ec2.send(new DescribeSecurityGroupsCommand({}));
  elbv2.destroy();
  ec2.destroy();
  return {
    loadBalancers: (lbs.LoadBalancers ?? []).map((l) => l.LoadBalancerName ?? ''),
    targetGroups: (tgs.TargetGroups ?? []).map((t) => t.TargetGroupName ?? ''),
    securityGroups: (sgs.SecurityGroups ?? []).filter((g) => g.GroupName !== 'default').map((g) => g.GroupName ?? ''),
  };
}

export const signal = (): AbortSignal => AbortSignal.timeout(60_000);
