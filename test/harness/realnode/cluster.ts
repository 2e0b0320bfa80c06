// startRealCluster: the control plane plus kube-controller-manager, kube-scheduler and, per node,
// containerd + kubelet on bridge CNI, with one kube-proxy (iptables). Every change to this machine
// goes through the journal first (journal.ts), so stop(), `make cluster-down`, the janitor of a
// killed test run, or the next start takes the machine back to how it was.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, realpath, writeFile } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findNodeBinaries, type NodeBinaries } from '../binaries.ts';
import { clientCert } from '../certs.ts';
import {
  alive,
  SERVICE_CIDR,
  startControlPlane,
  startServer,
  writeKubeconfig,
  type ControlPlane,
  type ControlPlaneOptions,
} from '../controlplane.ts';
import type { ExecResult } from '../exec.ts';
import { eventually } from '../wait.ts';
import { controllerManagerArgv, containerdArgv, kubeletArgv, kubeProxyArgv, schedulerArgv } from './components.ts';
import {
  API_PORT,
  FIXED_PATHS,
  NODE_BRIDGE,
  POD_BRIDGE,
  POD_CIDR,
  RULE_TAG,
  TOUCHED_SYSCTLS,
  cniConfig,
  containerdConfig,
  containerdSocket,
  kubeletConfig,
  kubeProxyConfig,
  nodeSpec,
  type NodeSpec,
} from './config.ts';
import { addBridge, claimPath, insertRule, makeCgroupRoot, rememberSysctl, setSysctl } from './host.ts';
import { defaultJournalPath, Journal, readJournal } from './journal.ts';
import { importImage } from './images.ts';
import { pauseImageArchive } from '../../../scripts/image/pause.ts';
import { run } from '../../../scripts/image/run.ts';
import { CNI_BIN_DIR, nodeSupport, RUNC } from './support.ts';
import { netfilterNow, undoJournal } from './undo.ts';

export interface RealClusterOptions {
  readonly nodes: 1 | 2;
  /** The cluster's folder (data, certs, configs, logs); the caller owns it and removes it after stop(). */
  readonly dir: string;
  /** Outlive this process (`make cluster`); otherwise a janitor undoes everything when it exits. */
  readonly detached?: boolean;
  readonly crds?: ControlPlaneOptions['crds'];
  readonly verbose?: boolean;
  /** Where the record of host changes goes (default: one per user, see journal.ts). */
  readonly journalPath?: string;
}

export interface RealNode {
  readonly name: string;
  readonly ip: string;
  /** containerd's socket: `ctr --address <it> -n k8s.io …`. */
  readonly containerdSocket: string;
}

export interface RealCluster {
  readonly kubeconfigPath: string;
  readonly controlPlane: ControlPlane;
  readonly nodes: readonly RealNode[];
  /** containerd's own client. */
  readonly ctr: string;
  readonly journalPath: string;
  /** PIDs of the reapers of every process the cluster started (control plane included). */
  readonly pids: readonly number[];
  kubectl(args: readonly string[], options?: { input?: string }): Promise<ExecResult>;
  /** Imports an OCI archive into every node's containerd, namespace k8s.io (where kubelet looks). */
  importImage(ociArchivePath: string): Promise<void>;
  /** Stops everything and undoes every host change; the folder stays. */
  stop(): Promise<void>;
}

const UNDO_CLI = fileURLToPath(new URL('undo-cli.ts', import.meta.url));

/** A process that undoes the journal when `parent` is gone (SIGKILL included); ended on a clean stop. */
function startJanitor(journalPath: string, parent: number): number {
  const script = `while kill -0 "$1" 2>/dev/null; do sleep 1 & wait $!; done; exec "$2" "$3" "$4"`;
  const child = spawn('bash', ['-c', script, 'janitor', String(parent), process.execPath, UNDO_CLI, journalPath], {
    stdio: 'ignore',
    detached: true,
  });
  child.unref();
  if (child.pid === undefined) throw new Error('could not start the janitor');
  return child.pid;
}

/** Takes the machine back from a cluster whose owner is gone; refuses while the owner runs. */
async function recoverFromEarlierRun(journalPath: string): Promise<void> {
  const earlier = readJournal(journalPath);
  if (earlier === undefined) return;
  if (earlier.owner !== process.pid && alive(earlier.owner))
    throw new Error(`a real cluster is already running (process ${earlier.owner}); stop it with: make cluster-down`);
  await undoJournal(journalPath);
}

async function prepareHost(journal: Journal, nodes: readonly NodeSpec[], dir: string): Promise<void> {
  await journal.record({ kind: 'state', dir });
  await journal.record({ kind: 'netfilter', ...(await netfilterNow()) });
  for (const key of TOUCHED_SYSCTLS) {
    if (existsSync(join('/proc/sys', ...key.split('.')))) await rememberSysctl(journal, key);
  }
  // kube-proxy's Services for pods on the same bridge need bridged frames to pass iptables, and
  // the host to route; the DROP rules below keep every pod packet on this machine.
  await setSysctl(journal, 'net.bridge.bridge-nf-call-iptables', '1');
  await setSysctl(journal, 'net.ipv4.ip_forward', '1');
  // Without these routes the host would send to a ClusterIP kube-proxy has not programmed yet, or
  // to an unused pod address, through its default route: off this machine.
  await addBridge(
    journal,
    NODE_BRIDGE,
    nodes.map((n) => `${n.ip}/32`),
    [SERVICE_CIDR, POD_CIDR],
  );
  await addBridge(journal, POD_BRIDGE, []);
  const tag = ['-m', 'comment', '--comment', RULE_TAG, '-j', 'DROP'];
  for (const command of ['iptables', 'ip6tables'] as const) {
    await insertRule(journal, command, ['-t', 'mangle', 'FORWARD', '-i', POD_BRIDGE, '!', '-o', POD_BRIDGE, ...tag]);
    await insertRule(journal, command, ['-t', 'mangle', 'FORWARD', '!', '-i', POD_BRIDGE, '-o', POD_BRIDGE, ...tag]);
  }
  for (const path of FIXED_PATHS) await claimPath(journal, path);
  for (const node of nodes) await makeCgroupRoot(journal, node.cgroupRoot);
}

async function componentKubeconfig(cp: ControlPlane, name: string, subject: string): Promise<string> {
  const client = await clientCert(cp.dir, name, subject);
  const path = join(cp.dir, `${name}.kubeconfig`);
  await writeKubeconfig(path, cp.server, cp.certs.caCert, client);
  return path;
}

async function waitForContainerd(binaries: NodeBinaries, node: NodeSpec, pid: number): Promise<void> {
  await eventually(
    async () => {
      if (!alive(pid)) throw new Error('containerd exited');
      await run(binaries.ctr, ['--address', containerdSocket(node), 'version']);
    },
    { timeoutMs: 60_000, message: `containerd of ${node.name} did not answer (see ${node.dir}/containerd.log)` },
  );
}

async function tail(file: string): Promise<string> {
  return (await readFile(file, 'utf8').catch(() => '')).slice(-3000);
}

export async function startRealCluster(options: RealClusterOptions): Promise<RealCluster> {
  const say = (line: string): void => {
    if (options.verbose === true) process.stderr.write(`[realnode] ${line}\n`);
  };
  const support = await nodeSupport();
  if (!support.ok) throw new Error(support.reason);
  await mkdir(options.dir, { recursive: true });
  // Mounts and command lines show the real path: a symlinked folder would hide them from teardown.
  const dir = await realpath(options.dir);
  if (!isAbsolute(dir) || dir.split('/').filter(Boolean).length < 2)
    throw new Error(`cluster folder must be a dedicated absolute path: ${dir}`);
  const journalPath = options.journalPath ?? defaultJournalPath();
  await recoverFromEarlierRun(journalPath);
  const binaries = await findNodeBinaries();
  const pause = await pauseImageArchive();
  const nodes = Array.from({ length: options.nodes }, (_, i) => nodeSpec(i + 1, dir));
  const first = nodes[0];
  if (first === undefined) throw new Error('a cluster needs a node');
  const parent = options.detached === true ? 1 : process.pid;
  const journal = await Journal.create(journalPath, process.pid);
  const pids: number[] = [];
  let janitor: number | undefined;
  const stop = async (): Promise<void> => {
    if (janitor !== undefined) process.kill(janitor, 'SIGTERM');
    await undoJournal(journalPath);
  };
  const started = async (name: string, argv: readonly string[], logDir: string): Promise<number> => {
    const pid = startServer(name, argv, logDir, parent, 0);
    pids.push(pid);
    await journal.record({ kind: 'processes', pids: [pid] });
    return pid;
  };

  try {
    if (options.detached !== true) janitor = startJanitor(journalPath, process.pid);
    say('preparing the host (bridges, DROP rules, sysctls, cgroups), every change journaled');
    await prepareHost(journal, nodes, dir);
    const cp = await startControlPlane({
      dir: join(dir, 'control-plane'),
      listen: { address: first.ip, port: API_PORT },
      detached: options.detached === true,
      ...(options.crds === undefined ? {} : { crds: options.crds }),
      ...(options.verbose === undefined ? {} : { verbose: options.verbose }),
    });
    pids.push(...cp.pids);
    await journal.record({ kind: 'processes', pids: cp.pids, controlPlane: true });
    if (options.detached === true) await journal.setOwner(cp.pids[0] ?? 1);

    say('starting kube-controller-manager and kube-scheduler');
    const kcm = await componentKubeconfig(cp, 'kube-controller-manager', '/CN=system:kube-controller-manager');
    await started('kube-controller-manager', controllerManagerArgv(binaries, cp.certs, kcm), cp.dir);
    const scheduler = await componentKubeconfig(cp, 'kube-scheduler', '/CN=system:kube-scheduler');
    await started('kube-scheduler', schedulerArgv(binaries, scheduler), cp.dir);

    const resolvConf = join(dir, 'pod-resolv.conf');
    // No upstream resolver: pods talk only to this machine.
    await writeFile(resolvConf, '');
    for (const node of nodes) {
      say(`starting containerd and kubelet of ${node.name} (${node.ip})`);
      await mkdir(join(node.dir, 'cni', 'net.d'), { recursive: true });
      const config = join(node.dir, 'containerd.toml');
      await writeFile(config, containerdConfig(node, RUNC, CNI_BIN_DIR));
      await writeFile(
        join(node.dir, 'cni', 'net.d', '10-realnode.conflist'),
        JSON.stringify(cniConfig(node, nodes), null, 2),
      );
      const containerd = await started('containerd', containerdArgv(binaries, config), node.dir);
      await waitForContainerd(binaries, node, containerd);
      await importImage(binaries.ctr, [containerdSocket(node)], pause);
      const kubeletYaml = join(node.dir, 'kubelet.yaml');
      await writeFile(
        kubeletYaml,
        JSON.stringify(kubeletConfig(node, { caCert: cp.certs.caCert, resolvConf }), null, 2),
      );
      const kubeconfig = await componentKubeconfig(
        cp,
        `kubelet-${node.name}`,
        `/O=system:nodes/CN=system:node:${node.name}`,
      );
      await started('kubelet', kubeletArgv(binaries, node, kubeletYaml, kubeconfig), node.dir);
    }
    say('starting kube-proxy (iptables)');
    const proxyKubeconfig = await componentKubeconfig(cp, 'kube-proxy', '/CN=system:kube-proxy');
    const proxyYaml = join(dir, 'kube-proxy.yaml');
    await writeFile(proxyYaml, JSON.stringify(kubeProxyConfig(nodes, proxyKubeconfig), null, 2));
    await started('kube-proxy', kubeProxyArgv(binaries, proxyYaml), dir);

    for (const node of nodes) {
      await eventually(
        async () => {
          const ready = await cp.kubectl([
            'get',
            'node',
            node.name,
            '-o',
            'jsonpath={.status.conditions[?(@.type=="Ready")].status}',
          ]);
          if (ready.stdout.trim() !== 'True')
            throw new Error(`node ${node.name} Ready=${ready.stdout.trim() || ready.stderr.trim()}`);
        },
        { timeoutMs: 180_000, intervalMs: 500, message: `node ${node.name} did not become Ready` },
      ).catch(async (error: unknown) => {
        throw new Error(`${String(error)}\n--- kubelet.log (tail)\n${await tail(join(node.dir, 'kubelet.log'))}`, {
          cause: error,
        });
      });
      say(`${node.name} is Ready`);
    }
    return {
      kubeconfigPath: cp.kubeconfigPath,
      controlPlane: cp,
      nodes: nodes.map((n) => ({ name: n.name, ip: n.ip, containerdSocket: containerdSocket(n) })),
      ctr: binaries.ctr,
      journalPath,
      pids,
      kubectl: cp.kubectl.bind(cp),
      importImage: async (archive) => await importImage(binaries.ctr, nodes.map(containerdSocket), archive),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
