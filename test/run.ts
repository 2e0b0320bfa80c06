// The test runner behind `make test`: starts one real control plane for the whole run (etcd +
// kube-apiserver, the CRD installed with the in-memory test provider's spec.memory besides the
// builtin blocks), points every test file at it through CLOUDLB_TEST_KUBECONFIG, runs Node's
// test runner over the given files (default: every *.test.ts), and stops the control plane
// whatever happens. Test files run one at a time: several of them start an operator that
// watches the whole cluster, and cluster-scoped objects (LoadBalancerProviders) are shared.
import { spawn } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { PROJECT_ROOT } from './harness/binaries.ts';
import { startControlPlane } from './harness/controlplane.ts';
import { TEST_CRD_PROVIDERS } from './support/test-provider.ts';

const SEARCHED = ['src', 'providers', 'test', 'scripts', 'bench'];

async function findTests(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  const found: string[] = [];
  for (const entry of entries) {
    if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...(await findTests(path)));
    else if (entry.name.endsWith('.test.ts')) found.push(relative(PROJECT_ROOT, path));
  }
  return found.sort();
}

const args = process.argv.slice(2);
const files = args.filter((a) => !a.startsWith('--'));
const runnerFlags = args.filter((a) => a.startsWith('--'));
const tests =
  files.length > 0 ? files : (await Promise.all(SEARCHED.map((d) => findTests(join(PROJECT_ROOT, d))))).flat();
if (tests.length === 0) {
  process.stderr.write('no test files found\n');
  process.exit(1);
}

const started = Date.now();
process.stderr.write('[test] starting the control plane (kube-apiserver + etcd)\n');
const controlPlane = await startControlPlane({ verbose: true, crds: TEST_CRD_PROVIDERS });
process.stderr.write(`[test] control plane ready in ${Date.now() - started} ms at ${controlPlane.server}\n`);

let stopping = false;
const stop = async (code: number): Promise<never> => {
  if (!stopping) {
    stopping = true;
    await controlPlane.stop();
  }
  process.exit(code);
};

const child = spawn(
  process.execPath,
  ['--test', '--test-concurrency=1', '--test-timeout=600000', ...runnerFlags, ...tests],
  {
    cwd: PROJECT_ROOT,
    stdio: 'inherit',
    env: {
      ...process.env,
      CLOUDLB_TEST_KUBECONFIG: controlPlane.kubeconfigPath,
      // Anything that shells out to kubectl reaches the test cluster, never a real one.
      KUBECONFIG: controlPlane.kubeconfigPath,
      PATH: `${controlPlane.binaries.dir}:${process.env['PATH'] ?? ''}`,
    },
  },
);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    child.kill(signal);
    void stop(130);
  });
}
child.once('exit', (code, signal) => {
  process.stderr.write(`[test] finished in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  void stop(code ?? (signal === null ? 1 : 1));
});
