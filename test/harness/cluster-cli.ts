// `make cluster` / `make cluster-down`: a control plane that outlives the command, for trying the
// operator by hand. State (PIDs, data, kubeconfig) lives in .cache/cluster/.
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PROJECT_ROOT } from './binaries.ts';
import { startControlPlane, stopPids } from './controlplane.ts';

const stateDir = join(PROJECT_ROOT, '.cache', 'cluster');
const stateFile = join(stateDir, 'state.json');

interface State {
  readonly pids: number[];
  readonly kubeconfigPath: string;
  readonly server: string;
}

async function up(): Promise<void> {
  if (existsSync(stateFile)) {
    const state = JSON.parse(await readFile(stateFile, 'utf8')) as State;
    if (state.pids.every((pid) => isAlive(pid))) {
      process.stdout.write(`# already running at ${state.server}\nexport KUBECONFIG=${state.kubeconfigPath}\n`);
      return;
    }
    await down();
  }
  await mkdir(stateDir, { recursive: true });
  const cp = await startControlPlane({ detached: true, dir: stateDir, verbose: true });
  const state: State = { pids: [...cp.pids], kubeconfigPath: cp.kubeconfigPath, server: cp.server };
  await writeFile(stateFile, JSON.stringify(state));
  process.stdout.write(
    `# control plane at ${cp.server}; stop it with: make cluster-down\nexport KUBECONFIG=${cp.kubeconfigPath}\n`,
  );
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function down(): Promise<void> {
  if (!existsSync(stateFile)) {
    process.stdout.write('no cluster is running\n');
    return;
  }
  const state = JSON.parse(await readFile(stateFile, 'utf8')) as State;
  await stopPids(state.pids);
  await rm(stateDir, { recursive: true, force: true });
  process.stdout.write('control plane stopped\n');
}

const command = process.argv[2];
if (command === 'up') await up();
else if (command === 'down') await down();
else {
  process.stderr.write('usage: node test/harness/cluster-cli.ts up|down\n');
  process.exit(2);
}
