import { spawn } from 'node:child_process';
import { access, constants } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface ControlPlaneBinaries {
  readonly kubeApiserver: string;
  readonly etcd: string;
  /** kubectl from the same folder when it has one, else the first on PATH. */
  readonly kubectl: string;
  readonly dir: string;
}

export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

async function executable(path: string): Promise<boolean> {
  try {
    await access(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Runs a hack/build-*.sh script (a no-op when the cache has its binaries); its progress goes to our stderr. */
async function buildIntoCache(script: string, what: string): Promise<string> {
  return await new Promise((resolvePath, reject) => {
    const child = spawn('bash', [script], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    child.once('error', reject);
    child.once('close', (code) => {
      const dir = out.trim().split('\n').pop() ?? '';
      if (code === 0 && dir !== '') resolvePath(dir);
      else reject(new Error(`building ${what} failed (exit ${code ?? 'signal'}); see the output above`));
    });
  });
}

/** Finds kube-apiserver, etcd and kubectl: $KUBEBUILDER_ASSETS when set, else the per-user build cache. */
export async function findBinaries(): Promise<ControlPlaneBinaries> {
  const assets = process.env['KUBEBUILDER_ASSETS'];
  const dir =
    assets !== undefined && assets !== ''
      ? assets
      : await buildIntoCache(join(PROJECT_ROOT, 'hack', 'build-control-plane.sh'), 'kube-apiserver/etcd');
  const kubeApiserver = join(dir, 'kube-apiserver');
  const etcd = join(dir, 'etcd');
  for (const binary of [kubeApiserver, etcd]) {
    if (!(await executable(binary)))
      throw new Error(`${binary} is missing or not executable (KUBEBUILDER_ASSETS=${dir})`);
  }
  const bundled = join(dir, 'kubectl');
  return { kubeApiserver, etcd, kubectl: (await executable(bundled)) ? bundled : 'kubectl', dir };
}

export interface NodeBinaries {
  readonly kubelet: string;
  readonly kubeProxy: string;
  readonly kubeScheduler: string;
  readonly kubeControllerManager: string;
  readonly containerd: string;
  /** containerd finds its shim on PATH: this folder goes first on containerd's PATH. */
  readonly containerdShim: string;
  readonly ctr: string;
  readonly dir: string;
}

/** kubelet, kube-proxy, kube-scheduler, kube-controller-manager and containerd 2 from the build cache (built on first use). */
export async function findNodeBinaries(): Promise<NodeBinaries> {
  const dir = await buildIntoCache(join(PROJECT_ROOT, 'hack', 'build-node.sh'), 'the node binaries');
  const binaries: NodeBinaries = {
    kubelet: join(dir, 'kubelet'),
    kubeProxy: join(dir, 'kube-proxy'),
    kubeScheduler: join(dir, 'kube-scheduler'),
    kubeControllerManager: join(dir, 'kube-controller-manager'),
    containerd: join(dir, 'containerd'),
    containerdShim: join(dir, 'containerd-shim-runc-v2'),
    ctr: join(dir, 'ctr'),
    dir,
  };
  const { dir: _folder, ...programs } = binaries;
  for (const path of Object.values(programs)) {
    if (!(await executable(path))) throw new Error(`${path} is missing or not executable`);
  }
  return binaries;
}
