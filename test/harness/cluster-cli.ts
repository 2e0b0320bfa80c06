// `make cluster` / `make cluster-down`: a control plane that outlives the command, for trying the
// operator by hand; `make cluster NODE=1|2` adds real nodes (test/harness/node.ts). State (PIDs,
// data, kubeconfig) lives in .cache/cluster/; a real cluster's host changes in its journal.
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PROJECT_ROOT } from './binaries.ts';
import { alive, startControlPlane, stopPids } from './controlplane.ts';
import { nodeSupport, startRealCluster, undoJournal } from './node.ts';

const stateDir = join(PROJECT_ROOT, '.cache', 'cluster');
const stateFile = join(stateDir, 'state.json');

interface State {
  readonly pids: number[];
  readonly kubeconfigPath: string;
  readonly server: string;
  /** Set for a real cluster: undoing it stops everything and restores the host. */
  readonly journalPath?: string;
  /** Set for a real cluster: where `make image` imports the image (scripts/image/node-import.ts). */
  readonly ctr?: string;
  readonly containerdSockets?: readonly string[];
}

function parseNodes(args: readonly string[]): 0 | 1 | 2 {
  const flag = args.indexOf('--nodes');
  const value = flag < 0 ? '' : (args[flag + 1] ?? '');
  if (value === '' || value === '0') return 0;
  if (value === '1' || value === '2') return value === '1' ? 1 : 2;
  throw new Error(`--nodes takes 1 or 2, not ${value}`);
}

async function up(nodes: 0 | 1 | 2): Promise<void> {
  if (existsSync(stateFile)) {
    const state = JSON.parse(await readFile(stateFile, 'utf8')) as State;
    if (state.pids.every(alive)) {
      process.stdout.write(`# already running at ${state.server}\nexport KUBECONFIG=${state.kubeconfigPath}\n`);
      return;
    }
    await down();
  }
  await mkdir(stateDir, { recursive: true });
  const started = Date.now();
  let state: State;
  if (nodes === 0) {
    const cp = await startControlPlane({ detached: true, dir: stateDir, verbose: true });
    state = { pids: [...cp.pids], kubeconfigPath: cp.kubeconfigPath, server: cp.server };
  } else {
    const support = await nodeSupport();
    if (!support.ok) throw new Error(support.reason);
    const cluster = await startRealCluster({ nodes, dir: stateDir, detached: true, verbose: true });
    state = {
      pids: [...cluster.pids],
      kubeconfigPath: cluster.kubeconfigPath,
      server: cluster.controlPlane.server,
      journalPath: cluster.journalPath,
      ctr: cluster.ctr,
      containerdSockets: cluster.nodes.map((n) => n.containerdSocket),
    };
    const list = cluster.nodes.map((n) => `${n.name} ${n.ip} containerd ${n.containerdSocket}`).join('\n#   ');
    process.stdout.write(
      `# nodes:\n#   ${list}\n# ctr: ${cluster.ctr} --address <socket> -n k8s.io images import <oci.tar>\n`,
    );
  }
  await writeFile(stateFile, JSON.stringify(state));
  process.stdout.write(
    `# up in ${((Date.now() - started) / 1000).toFixed(1)} s at ${state.server}; stop it with: make cluster-down\nexport KUBECONFIG=${state.kubeconfigPath}\n`,
  );
}

async function down(): Promise<void> {
  if (!existsSync(stateFile)) {
    process.stdout.write('no cluster is running\n');
    return;
  }
  const started = Date.now();
  const state = JSON.parse(await readFile(stateFile, 'utf8')) as State;
  if (state.journalPath !== undefined) await undoJournal(state.journalPath);
  await stopPids(state.pids);
  await rm(stateDir, { recursive: true, force: true });
  const what = state.journalPath === undefined ? 'control plane stopped' : 'cluster stopped and host restored';
  process.stdout.write(`${what} in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
}

const command = process.argv[2];
if (command === 'up') await up(parseNodes(process.argv.slice(3)));
else if (command === 'down') await down();
else {
  process.stderr.write('usage: node test/harness/cluster-cli.ts up [--nodes 1|2] | down\n');
  process.exit(2);
}
