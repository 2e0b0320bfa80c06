// `make demo`: the operator on a local control plane, serving a LoadBalancer Service with the
// local provider, end to end on this machine. Run: node scripts/demo.ts [--keep] [--bare]
// Where this machine can run a real node, the demo runs there instead (scripts/demo/real-node.ts);
// --bare, or a machine that cannot, runs the demo below. The first line says which.
import { readFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { pino } from 'pino';
import { startOperator, type RunningOperator } from '../src/operator/index.ts';
import { builtinRegistry } from '../src/provider/builtin.ts';
import { startControlPlane, type ControlPlane } from '../test/harness/controlplane.ts';
import { showAwsEmulator } from './demo/aws.ts';
import { tcpRequest, udpRequest } from './demo/clients.ts';
import {
  apply,
  getJson,
  type Kubectl,
  nodeStatusPatch,
  nodeYaml,
  serviceYaml,
  waitFor,
  type ServiceView,
} from './demo/cluster.ts';
import { EchoNode } from '../test/support/echo-node.ts';
import { demoReply, pickNodePorts } from './demo/echo.ts';
import { command, info, ok, step, warn } from './demo/print.ts';
import { chooseDemo } from './demo/choose.ts';
import { realNodeDemo } from './demo/real-node.ts';

const keep = process.argv.includes('--keep');
const NAMESPACE = 'demo';
const OPERATOR_NAMESPACE = 'cloud-lb-system';
const NODES = [
  { name: 'demo-node-1', ip: '127.0.0.101' },
  { name: 'demo-node-2', ip: '127.0.0.102' },
];

const cleanups: (() => Promise<void>)[] = [];
let tearingDown: Promise<void> | undefined;

function teardown(): Promise<void> {
  tearingDown ??= (async () => {
    for (const cleanup of cleanups.reverse())
      await cleanup().catch((error: unknown) => warn(`cleanup: ${String(error)}`));
  })();
  return tearingDown;
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    process.stdout.write('\n');
    step('Interrupted: tearing down');
    void teardown().then(() => process.exit(130));
  });
}

/** A step that could hang (a wedged API server) fails the demo with a sentence instead. */
async function withTimeout<T>(ms: number, message: string, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  try {
    return await Promise.race([work, expired]);
  } finally {
    clearTimeout(timer);
  }
}

/** Ports 80 and 53 need privilege; an unprivileged user gets 8080 and 5353 instead. */
async function servicePorts(): Promise<{ tcp: number; udp: number; note?: string }> {
  if (process.getuid?.() === 0) return { tcp: 80, udp: 53 };
  const start = Number(
    (await readFile('/proc/sys/net/ipv4/ip_unprivileged_port_start', 'utf8').catch(() => '1024')).trim(),
  );
  if (start <= 53) return { tcp: 80, udp: 53 };
  return {
    tcp: 8080,
    udp: 5353,
    note: `not root and net.ipv4.ip_unprivileged_port_start=${start}: using 8080/TCP and 5353/UDP instead of 80 and 53`,
  };
}

async function kubectlShow(cp: ControlPlane, args: string[]): Promise<string> {
  const result = await cp.kubectl(args);
  command(['kubectl', ...args], result.code === 0 ? result.stdout : result.stderr);
  return result.stdout;
}

async function main(): Promise<void> {
  process.stdout.write('cloud-lb-operator demo: a LoadBalancer Service served on this machine (loopback only).\n');
  const workDir = await mkdtemp(join(tmpdir(), 'cloudlb-demo-'));
  cleanups.push(() => rm(workDir, { recursive: true, force: true }));

  step('Starting a local control plane (etcd + kube-apiserver; the first run builds them, which takes minutes)');
  const cp = await startControlPlane({ crds: true, verbose: true });
  cleanups.push(async () => {
    info('stopping the control plane');
    await cp.stop();
  });
  ok(`kube-apiserver ${cp.server} with the CRDs installed`);
  const kubectl: Kubectl = (args, options) => cp.kubectl(args, options);

  step('Starting the operator (in this process, with the built-in providers)');
  const logPath = join(workDir, 'operator.log');
  // The local provider records its address allocations here rather than in ~/.local/state.
  process.env['CLOUDLB_LOCAL_STATE_DIR'] = join(workDir, 'local-state');
  const kc = new KubeConfig();
  kc.loadFromFile(cp.kubeconfigPath);
  await apply(
    kubectl,
    `apiVersion: v1\nkind: Namespace\nmetadata: { name: ${OPERATOR_NAMESPACE} }\n---\napiVersion: v1\nkind: Namespace\nmetadata: { name: ${NAMESPACE} }\n`,
  );
  const operator: RunningOperator = await withTimeout(
    60_000,
    'the operator did not sync its caches within 60 s',
    startOperator({
      kc,
      clusterName: 'demo',
      namespace: OPERATOR_NAMESPACE,
      registry: builtinRegistry(),
      workers: 2,
      sweep: { enabled: true, intervalMs: 60_000, graceMs: 60_000 },
      log: pino(
        { level: 'info', base: { name: 'cloud-lb-operator' } },
        pino.destination({ dest: logPath, sync: true }),
      ),
    }),
  );
  cleanups.push(async () => {
    info('stopping the operator');
    await operator.stop();
  });
  ok(`running; its JSON log: ${logPath}`);

  step('Creating the LoadBalancerProvider "local" (addresses from 127.77.0.0/24, health checks every second)');
  await apply(
    kubectl,
    `apiVersion: cloudlb.dev/v1alpha1
kind: LoadBalancerProvider
metadata: { name: local }
spec:
  local: { addressPool: 127.77.0.0/24, healthCheckIntervalSeconds: 1 }
`,
  );
  const ready = await waitFor(async () => {
    const r = await cp.kubectl([
      'get',
      'lbp',
      'local',
      '-o',
      'jsonpath={.status.conditions[?(@.type=="Ready")].status}',
    ]);
    return r.stdout === 'True' ? true : undefined;
  }, 30_000);
  if (ready) ok('Ready');
  else warn('the provider did not report Ready within 30 s');
  await kubectlShow(cp, ['get', 'lbp']);

  step(
    'Creating stand-ins for what a real cluster has: Nodes with loopback InternalIPs, an echo server on each node port',
  );
  info(
    '(this control plane has no kubelet or kube-proxy; the echo servers answer where kube-proxy would forward to a pod)',
  );
  const ports = await servicePorts();
  if (ports.note !== undefined) warn(ports.note);
  const nodePorts = await pickNodePorts(NODES.map((n) => n.ip));
  const echoes = NODES.map((n) => new EchoNode(n.name, n.ip, nodePorts, demoReply));
  for (const echo of echoes) await echo.start();
  cleanups.push(async () => {
    for (const echo of echoes) await echo.stop();
  });
  for (const node of NODES) {
    await apply(kubectl, nodeYaml(node.name));
    const patched = await cp.kubectl([
      'patch',
      'node',
      node.name,
      '--subresource=status',
      '--type=merge',
      '-p',
      nodeStatusPatch(node.ip, node.name),
    ]);
    if (patched.code !== 0) throw new Error(`could not set the status of node ${node.name}: ${patched.stderr}`);
    ok(
      `Node ${node.name}: InternalIP ${node.ip}, echo on ${node.ip}:${nodePorts.tcp}/TCP and ${node.ip}:${nodePorts.udp}/UDP`,
    );
  }

  step(
    `Creating Service ${NAMESPACE}/echo: type LoadBalancer, class cloudlb.dev/local, ports ${ports.tcp}/TCP, ${ports.udp}/UDP, 9999/SCTP`,
  );
  await apply(
    kubectl,
    serviceYaml({
      name: 'echo',
      namespace: NAMESPACE,
      loadBalancerClass: 'cloudlb.dev/local',
      tcpPort: ports.tcp,
      udpPort: ports.udp,
      nodePorts,
    }),
  );
  const ip = await waitFor(
    async () =>
      (await getJson<ServiceView>(kubectl, ['get', 'service', '-n', NAMESPACE, 'echo']))?.status?.loadBalancer
        ?.ingress?.[0]?.ip,
    60_000,
  );
  if (ip === undefined) {
    await kubectlShow(cp, ['describe', 'service', '-n', NAMESPACE, 'echo']);
    throw new Error('the Service got no load-balancer address within 60 s');
  }
  ok(`load-balancer address ${ip}`);
  await waitFor(
    async () =>
      (await cp.kubectl(['get', 'events', '-n', NAMESPACE])).stdout.includes('LoadBalancer') ? true : undefined,
    10_000,
  );
  await kubectlShow(cp, ['get', 'lbp']);
  await kubectlShow(cp, ['get', 'service', '-n', NAMESPACE, 'echo']);
  await kubectlShow(cp, ['describe', 'service', '-n', NAMESPACE, 'echo']);
  await kubectlShow(cp, [
    'get',
    'service',
    '-n',
    NAMESPACE,
    'echo',
    '-o',
    'jsonpath={.status.loadBalancer.ingress[0].ports}',
  ]);
  info(
    '9999/SCTP is refused (Node.js has no SCTP sockets) while 80/TCP and 53/UDP are served: see the events and ports above.',
  );

  step(`Sending a TCP request and a UDP datagram through the load balancer at ${ip}`);
  ok(`TCP ${ip}:${ports.tcp} answered: ${await tcpRequest(ip, ports.tcp, 'GET / over TCP')}`);
  ok(`UDP ${ip}:${ports.udp} answered: ${await udpRequest(ip, ports.udp, 'a datagram')}`);
  ok(`TCP ${ip}:${ports.tcp} answered: ${await tcpRequest(ip, ports.tcp, 'and again')}   (round-robin)`);

  const [first] = echoes;
  if (first !== undefined) {
    step(`Stopping the echo server on ${first.name} (as if the node failed); traffic carries on`);
    await first.stop();
    for (let i = 1; i <= 3; i++) ok(`TCP request ${i} answered: ${await tcpRequest(ip, ports.tcp, `request ${i}`)}`);
    for (let i = 1; i <= 2; i++) ok(`UDP datagram ${i} answered: ${await udpRequest(ip, ports.udp, `datagram ${i}`)}`);

    step(`Starting ${first.name} again: its health check passes and it gets traffic again`);
    await first.start();
    const back = await waitFor(async () => {
      const reply = await tcpRequest(ip, ports.tcp, 'are you back?').catch(() => '');
      return reply.includes(first.name) ? reply : undefined;
    }, 30_000);
    if (back !== undefined) ok(`TCP answered: ${back}`);
    else warn(`${first.name} did not get traffic again within 30 s`);
  }

  await showAwsEmulator({
    cp,
    namespace: NAMESPACE,
    operatorNamespace: OPERATOR_NAMESPACE,
    nodes: NODES,
    ports,
    cleanups,
    show: (args) => kubectlShow(cp, args),
  });

  if (keep) {
    step('Keeping everything running (--keep)');
    info(`The load balancer answers at ${ip}:`);
    info(`  echo hello | nc -q1 ${ip} ${ports.tcp}          # TCP`);
    info(`  echo hello | nc -u -w1 ${ip} ${ports.udp}       # UDP`);
    info(`  kubectl --kubeconfig ${cp.kubeconfigPath} describe service -n ${NAMESPACE} echo`);
    info(`The operator's log: ${logPath}`);
    info('Press Ctrl-C to tear everything down.');
    await new Promise<never>(() => undefined);
  }

  step('Tearing down');
  const deleted = await cp.kubectl(['delete', 'service', '-n', NAMESPACE, 'echo', '--wait=true', '--timeout=30s']);
  if (deleted.code === 0)
    ok(`Service deleted: the operator closed ${ip} and freed the address before removing its finalizer`);
  else warn(`deleting the Service: ${deleted.stderr.trim()}`);
  await teardown();
  ok('done');
}

const choice = await chooseDemo(process.argv.slice(2));
process.stdout.write(`${choice.line}\n`);
const started = Date.now();
const demo = choice.realNode
  ? realNodeDemo(cleanups).then(async () => {
      step('Tearing down');
      await teardown();
      ok(`done in ${((Date.now() - started) / 1000).toFixed(0)} s`);
    })
  : main();
demo.then(
  () => process.exit(0),
  async (error: unknown) => {
    process.stdout.write(`\ndemo failed: ${error instanceof Error ? error.message : String(error)}\n`);
    await teardown();
    process.exit(1);
  },
);
