// The same Service on an `aws` provider, against moto_server: an AWS emulator on 127.0.0.1.
// Optional: skipped when moto_server is not installed; a failure here is reported, not fatal.
import { CreateSubnetCommand, CreateVpcCommand, EC2Client, RunInstancesCommand } from '@aws-sdk/client-ec2';
import type { ControlPlane } from '../../test/harness/controlplane.ts';
import { exec } from '../../test/harness/exec.ts';
import { startMoto } from '../../test/harness/moto.ts';
import { apply, getJson, type Kubectl, serviceYaml, waitFor, type ServiceView } from './cluster.ts';
import { info, ok, step, warn } from './print.ts';

export interface AwsDemoContext {
  readonly cp: ControlPlane;
  readonly namespace: string;
  readonly operatorNamespace: string;
  readonly nodes: readonly { readonly name: string; readonly ip: string }[];
  readonly ports: { readonly tcp: number; readonly udp: number };
  readonly cleanups: (() => Promise<void>)[];
  readonly show: (args: string[]) => Promise<string>;
}

const REGION = 'us-east-1';
const ZONE = 'us-east-1a';
/** moto accepts any key; these are not credentials of any account. */
const EMULATOR_KEY = 'testing';

export async function showAwsEmulator(context: AwsDemoContext): Promise<void> {
  const found = await exec('bash', ['-c', 'command -v moto_server']);
  if (found.code !== 0 || found.stdout.trim() === '') {
    step('AWS provider: skipped (moto_server, the AWS emulator, is not installed)');
    return;
  }
  step('The same Service on an AWS provider, against moto: an AWS EMULATOR on 127.0.0.1, not a real AWS account');
  try {
    await runAwsPart(context);
  } catch (error) {
    warn(`the AWS part failed: ${error instanceof Error ? error.message : String(error)}`);
  }
}

async function runAwsPart({
  cp,
  namespace,
  operatorNamespace,
  nodes,
  ports,
  cleanups,
  show,
}: AwsDemoContext): Promise<void> {
  const kubectl: Kubectl = (args, options) => cp.kubectl(args, options);
  const moto = await startMoto();
  cleanups.push(async () => {
    info('stopping moto');
    await moto.stop();
  });
  ok(`moto_server at ${moto.endpoint}`);

  // What a real account would already have: a VPC, a subnet, and one EC2 instance per node.
  const ec2 = new EC2Client({
    region: REGION,
    endpoint: moto.endpoint,
    credentials: { accessKeyId: EMULATOR_KEY, secretAccessKey: EMULATOR_KEY },
  });
  const vpcID = (await ec2.send(new CreateVpcCommand({ CidrBlock: '10.0.0.0/16' }))).Vpc?.VpcId ?? '';
  const subnetID =
    (await ec2.send(new CreateSubnetCommand({ VpcId: vpcID, CidrBlock: '10.0.1.0/24', AvailabilityZone: ZONE }))).Subnet
      ?.SubnetId ?? '';
  const instances =
    (
      await ec2.send(
        new RunInstancesCommand({
          ImageId: 'ami-12345678',
          MinCount: nodes.length,
          MaxCount: nodes.length,
          SubnetId: subnetID,
        }),
      )
    ).Instances ?? [];
  ec2.destroy();
  for (const [i, node] of nodes.entries()) {
    const id = instances[i]?.InstanceId;
    if (id === undefined) throw new Error('moto returned fewer instances than asked for');
    const providerID = `aws:///${ZONE}/${id}`;
    const patched = await cp.kubectl([
      'patch',
      'node',
      node.name,
      '--type=merge',
      '-p',
      JSON.stringify({ spec: { providerID } }),
    ]);
    if (patched.code !== 0) throw new Error(`setting spec.providerID on ${node.name}: ${patched.stderr.trim()}`);
  }
  ok(
    `emulated ${vpcID}, ${subnetID}, instances ${instances.map((i) => i.InstanceId).join(', ')} (set as the Nodes' spec.providerID)`,
  );

  await apply(
    kubectl,
    `apiVersion: v1
kind: Secret
metadata: { name: aws-emulator-credentials, namespace: ${operatorNamespace} }
stringData: { aws_access_key_id: ${EMULATOR_KEY}, aws_secret_access_key: ${EMULATOR_KEY} }
---
apiVersion: cloudlb.dev/v1alpha1
kind: LoadBalancerProvider
metadata: { name: aws-emulator }
spec:
  credentialsSecretRef: { name: aws-emulator-credentials }
  aws:
    region: ${REGION}
    endpoint: ${moto.endpoint}
    vpcID: ${vpcID}
    subnetIDs: [${subnetID}]
`,
  );
  await apply(
    kubectl,
    serviceYaml({
      name: 'echo-aws',
      namespace,
      loadBalancerClass: 'cloudlb.dev/aws-emulator',
      tcpPort: ports.tcp,
      udpPort: ports.udp,
    }),
  );
  cleanups.push(async () => {
    const deleted = await cp.kubectl([
      'delete',
      'service',
      '-n',
      namespace,
      'echo-aws',
      '--wait=true',
      '--timeout=30s',
      '--ignore-not-found',
    ]);
    if (deleted.code === 0) info('Service echo-aws deleted (its NLB deleted in the emulator first)');
  });
  ok(`Service ${namespace}/echo-aws created with class cloudlb.dev/aws-emulator`);

  const hostname = await waitFor(
    async () =>
      (await getJson<ServiceView>(kubectl, ['get', 'service', '-n', namespace, 'echo-aws']))?.status?.loadBalancer
        ?.ingress?.[0]?.hostname,
    60_000,
    500,
  );
  await show(['get', 'lbp']);
  await show(['describe', 'service', '-n', namespace, 'echo-aws']);
  if (hostname === undefined) {
    warn('the emulated NLB got no hostname within 60 s (see the events above)');
    return;
  }
  ok(`hostname in status: ${hostname} (an emulated NLB: the name does not resolve, nothing answers on it)`);
  info('9999/SCTP is refused on AWS too: NLBs carry no SCTP through this API (and moto rejects it).');
}
