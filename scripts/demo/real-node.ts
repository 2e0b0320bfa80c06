// `make demo` on a real node: a one-node Kubernetes on this machine (test/harness/node.ts), the
// operator installed from deploy/overlays/local as a pod of this tree's image, three echo pods
// behind a LoadBalancer Service, traffic from this machine through the load-balancer address, and
// one backend pod killed while requests keep being answered by the others.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoreV1Api, CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import { startRealCluster, type RealCluster, type TestRealCluster } from '../../test/harness/node.ts';
import { eventually } from '../../test/harness/wait.ts';
import { askTcp, askUdp } from '../../test/node/support/ask.ts';
import { createEcho, ECHO_PORT, readyEchoPods } from '../../test/node/support/echo.ts';
import { install, OPERATOR_NAMESPACE } from '../../test/node/support/install.ts';
import { importOperatorImage } from '../../test/node/support/operator-image.ts';
import { POD_START_MS, waitForOperator } from '../../test/node/support/operator.ts';
import { podName } from '../../test/node/support/pods.ts';
import { deleteServiceAndWait } from '../../test/node/support/services.ts';
import { command, info, ok, step } from './print.ts';

const NAMESPACE = 'demo';
const BACKENDS = 3;
/** The operator runs as a user: ports below 1024 would be refused (docs/local.md). */
const PORTS = { tcp: 8080, udp: 5353 };

function asTestCluster(real: RealCluster): TestRealCluster {
  const kc = new KubeConfig();
  kc.loadFromFile(real.kubeconfigPath);
  return {
    kubeconfigPath: real.kubeconfigPath,
    kc,
    core: kc.makeApiClient(CoreV1Api),
    custom: kc.makeApiClient(CustomObjectsApi),
    kubectl: async (args, options) => await real.kubectl(args, options),
    nodes: real.nodes,
    ctr: real.ctr,
    importImage: async (archive) => await real.importImage(archive),
  };
}

async function show(cluster: TestRealCluster, args: string[]): Promise<void> {
  const result = await cluster.kubectl(args);
  command(['kubectl', ...args], result.code === 0 ? result.stdout : result.stderr);
}

/** Runs the demo; every teardown step goes onto `cleanups` (run in reverse by the caller). */
export async function realNodeDemo(cleanups: (() => Promise<void>)[]): Promise<void> {
  process.stdout.write('cloud-lb-operator demo: real pods behind a LoadBalancer Service on this machine.\n');
  const dir = await mkdtemp(join(tmpdir(), 'cloudlb-demo-node-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));

  step('Starting a one-node Kubernetes here (control plane, kubelet + containerd, kube-proxy, bridge CNI)');
  info('(the first run builds the binaries, which takes minutes; pods get no route off this machine)');
  const real = await startRealCluster({ nodes: 1, dir, verbose: false });
  cleanups.push(async () => {
    info('stopping the cluster and restoring the host');
    await real.stop();
  });
  const cluster = asTestCluster(real);
  ok(`node ${real.nodes.map((n) => `${n.name} (${n.ip})`).join(', ')} is Ready`);

  step("Building the operator's image (cached layers) and importing it into the node's containerd");
  const image = await importOperatorImage(cluster);
  ok(image);

  step('Installing the operator: kubectl apply --server-side -k deploy/overlays/local');
  const installed = await install(cluster, { from: 'overlays/local', image, clusterName: 'demo' });
  cleanups.push(async () => {
    info('uninstalling the operator');
    await installed.uninstall();
  });
  const { leader } = await waitForOperator(cluster, 1);
  ok(`pod ${podName(leader)} is Ready and holds the Lease`);
  await show(cluster, ['get', 'pods', '-n', OPERATOR_NAMESPACE, '-o', 'wide']);

  step(`Creating ${BACKENDS} echo pods (the same image, answering with their pod name) and Service ${NAMESPACE}/echo`);
  await cluster.core.createNamespace({ body: { metadata: { name: NAMESPACE } } });
  cleanups.push(async () => {
    await deleteServiceAndWait(cluster, NAMESPACE, 'echo');
    await cluster.kubectl(['delete', 'namespace', NAMESPACE, '--wait=true', '--timeout=120s']);
  });
  await createEcho(cluster, NAMESPACE, 'echo', image, BACKENDS);
  await cluster.core.createNamespacedService({
    namespace: NAMESPACE,
    body: {
      metadata: { name: 'echo' },
      spec: {
        type: 'LoadBalancer',
        selector: { app: 'echo' },
        ports: [
          { name: 'tcp', port: PORTS.tcp, targetPort: ECHO_PORT, protocol: 'TCP' },
          { name: 'udp', port: PORTS.udp, targetPort: ECHO_PORT, protocol: 'UDP' },
        ],
      },
    },
  });
  const ip = await eventually(
    async () => {
      const s = await cluster.core.readNamespacedService({ namespace: NAMESPACE, name: 'echo' });
      const address = s.status?.loadBalancer?.ingress?.[0]?.ip;
      if (address === undefined) throw new Error('no load-balancer address yet');
      return address;
    },
    { timeoutMs: POD_START_MS, intervalMs: 500, message: 'the Service got no load-balancer address' },
  );
  ok(`load-balancer address ${ip}`);
  const pods = await eventually(
    async () => {
      const ready = await readyEchoPods(cluster, NAMESPACE, 'echo');
      if (ready.length !== BACKENDS) throw new Error(`${ready.length} of ${BACKENDS} echo pods Ready`);
      return ready;
    },
    { timeoutMs: POD_START_MS, intervalMs: 1_000, message: 'the echo pods never became Ready' },
  );
  await show(cluster, ['get', 'pods', '-n', NAMESPACE, '-o', 'wide']);
  await show(cluster, ['get', 'service', '-n', NAMESPACE, 'echo']);

  step(`Sending TCP requests and UDP datagrams from this machine to ${ip}`);
  await eventually(() => askTcp(ip, PORTS.tcp), { timeoutMs: 60_000, intervalMs: 500 });
  for (let i = 1; i <= 3; i++) ok(`TCP ${ip}:${PORTS.tcp} answered by pod ${await askTcp(ip, PORTS.tcp)}`);
  for (let i = 1; i <= 2; i++) ok(`UDP ${ip}:${PORTS.udp} answered by pod ${await askUdp(ip, PORTS.udp)}`);

  const victim = pods[0] ?? '';
  step(`Deleting pod ${victim} while requests keep coming`);
  const answered = new Map<string, number>();
  const failures: string[] = [];
  let running = true;
  const traffic = (async () => {
    while (running) {
      await askTcp(ip, PORTS.tcp).then(
        (name) => void answered.set(name, (answered.get(name) ?? 0) + 1),
        (error: unknown) => void failures.push(String(error)),
      );
    }
  })();
  await cluster.core.deleteNamespacedPod({ namespace: NAMESPACE, name: victim });
  await eventually(
    async () => {
      const names = (await cluster.core.listNamespacedPod({ namespace: NAMESPACE })).items.map(podName);
      if (names.includes(victim)) throw new Error(`${victim} still exists`);
    },
    { timeoutMs: 120_000, intervalMs: 500, message: `${victim} was never gone` },
  );
  answered.clear();
  const target = 20;
  await eventually(
    () => {
      if ([...answered.values()].reduce((a, b) => a + b, 0) < target) throw new Error('waiting for answers');
    },
    { timeoutMs: 60_000, intervalMs: 100 },
  );
  running = false;
  await traffic;
  if (failures.length > 0) throw new Error(`${failures.length} requests failed while ${victim} went: ${failures[0]}`);
  if (answered.has(victim)) throw new Error(`${victim} answered after it was gone`);
  ok(`${victim} is gone and not one request failed while it went`);
  const total = [...answered.values()].reduce((a, b) => a + b, 0);
  ok(`${total} requests since it went, answered by ${[...answered].map(([name, n]) => `${name} ×${n}`).join(', ')}`);
  await show(cluster, ['get', 'pods', '-n', NAMESPACE, '-o', 'wide']);
}
