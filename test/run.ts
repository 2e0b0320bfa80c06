// The test runner behind `make test`. Phase 1: one real control plane (etcd + kube-apiserver, the
// CRD installed with the in-memory test provider's spec.memory besides the builtin blocks), every
// test file pointed at it through CLOUDLB_TEST_KUBECONFIG. Phase 2: the files under test/node/
// against a real cluster (kubelet, containerd, kube-proxy on this machine: NODES=2 for two
// nodes), or reported SKIPPED with the reason when the machine cannot run one; the host must be
// as before once that cluster has stopped. Test files run one at a time: several of them start an
// operator that watches the whole cluster, and cluster-scoped objects (LoadBalancerProviders) are shared.
import { spawn } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { PROJECT_ROOT } from './harness/binaries.ts';
import { startControlPlane } from './harness/controlplane.ts';
import { NODE_SKIP_ENV } from './harness/node.ts';
import { NODE_TESTS_DIR, startNodePhase } from './harness/realnode/test-phase.ts';
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
const isNodeTest = (file: string): boolean =>
  relative(PROJECT_ROOT, join(PROJECT_ROOT, file)).startsWith(NODE_TESTS_DIR);
const controlPlaneTests = tests.filter((file) => !isNodeTest(file));
const nodeTests = tests.filter(isNodeTest);

const started = Date.now();
let cleanup: (() => Promise<unknown>) | undefined;
let child: ReturnType<typeof spawn> | undefined;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    child?.kill(signal);
    void (cleanup?.() ?? Promise.resolve()).finally(() => process.exit(130));
  });
}

async function runFiles(testFiles: readonly string[], env: NodeJS.ProcessEnv, binDir?: string): Promise<number> {
  return await new Promise((resolve) => {
    child = spawn(
      process.execPath,
      ['--test', '--test-concurrency=1', '--test-timeout=600000', ...runnerFlags, ...testFiles],
      {
        cwd: PROJECT_ROOT,
        stdio: 'inherit',
        // Anything that shells out to kubectl reaches the test cluster, never a real one.
        env: { ...process.env, ...env, PATH: [binDir, process.env['PATH']].filter(Boolean).join(':') },
      },
    );
    child.once('exit', (code) => resolve(code ?? 1));
  });
}

let code = 0;
if (controlPlaneTests.length > 0) {
  process.stderr.write('[test] starting the control plane (kube-apiserver + etcd)\n');
  const controlPlane = await startControlPlane({ verbose: true, crds: TEST_CRD_PROVIDERS });
  cleanup = async () => await controlPlane.stop();
  process.stderr.write(`[test] control plane ready in ${Date.now() - started} ms at ${controlPlane.server}\n`);
  const env = { CLOUDLB_TEST_KUBECONFIG: controlPlane.kubeconfigPath, KUBECONFIG: controlPlane.kubeconfigPath };
  code = await runFiles(controlPlaneTests, env, controlPlane.binaries.dir);
  await controlPlane.stop();
  cleanup = undefined;
}
if (nodeTests.length > 0) {
  const phase = await startNodePhase(TEST_CRD_PROVIDERS, process.env['NODES'] === '2' ? 2 : 1);
  cleanup = async () => await phase.finish();
  const nodeCode = await runFiles(nodeTests, phase.env, phase.binDir);
  cleanup = undefined;
  const differences = await phase.finish();
  if (differences.length > 0) {
    process.stderr.write(
      `[test] FAIL: the host is not as it was before the real cluster:\n${differences.join('\n')}\n`,
    );
  } else if (phase.env[NODE_SKIP_ENV] === undefined) {
    process.stderr.write(
      '[test] host after the real cluster stopped: as before (links, routes, netfilter, mounts, sysctls, cgroups, paths, processes)\n',
    );
  }
  code = code || nodeCode || (differences.length > 0 ? 1 : 0);
}
process.stderr.write(`[test] finished in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
process.exit(code);
