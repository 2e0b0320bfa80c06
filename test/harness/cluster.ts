import { CoreV1Api, CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import { randomBytes } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findBinaries } from './binaries.ts';
import { exec, type ExecResult } from './exec.ts';

/** The test run's shared control plane, as a test file sees it. */
export interface TestCluster {
  readonly kubeconfigPath: string;
  readonly kc: KubeConfig;
  readonly core: CoreV1Api;
  readonly custom: CustomObjectsApi;
  /** The real kubectl against this cluster. */
  kubectl(args: readonly string[], options?: { input?: string }): Promise<ExecResult>;
}

let shared: Promise<TestCluster> | undefined;
const namespaces = new Set<string>();

async function connect(): Promise<TestCluster> {
  const kubeconfigPath = process.env['CLOUDLB_TEST_KUBECONFIG'];
  if (kubeconfigPath === undefined || kubeconfigPath === '') {
    throw new Error(
      'CLOUDLB_TEST_KUBECONFIG is not set: run tests that need Kubernetes through `node test/run.ts <file>` (or `make test`)',
    );
  }
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfigPath);
  const { kubectl: kubectlBinary } = await findBinaries();
  return {
    kubeconfigPath,
    kc,
    core: kc.makeApiClient(CoreV1Api),
    custom: kc.makeApiClient(CustomObjectsApi),
    kubectl: async (args, options = {}) =>
      await exec(kubectlBinary, ['--kubeconfig', kubeconfigPath, ...args], {
        ...(options.input === undefined ? {} : { input: options.input }),
      }),
  };
}

/** The control plane that `test/run.ts` started for this run (one per run, shared by every file). */
export async function testCluster(): Promise<TestCluster> {
  shared ??= connect();
  return await shared;
}

/** A fresh namespace for one test; deleted (without waiting) when the test process exits. */
export async function testNamespace(cluster: TestCluster, prefix = 'test'): Promise<string> {
  const safe = prefix
    .toLowerCase()
    .replace(/[^a-z0-9-]/g, '-')
    .slice(0, 40)
    .replace(/-+$/, '');
  const name = `${safe}-${randomBytes(3).toString('hex')}`;
  await cluster.core.createNamespace({ body: { metadata: { name, labels: { 'cloudlb.dev/test': 'true' } } } });
  namespaces.add(name);
  return name;
}

/**
 * Deletes the namespaces this process made, called by test files in an `after` hook. The test
 * control plane has no kube-controller-manager, so a deleted namespace never empties itself: the
 * Services a test left behind (with finalizers of an operator that has stopped) would stay, and
 * the next test file's operator would see them. So they are stripped of finalizers and deleted first.
 */
export async function deleteTestNamespaces(): Promise<void> {
  if (shared === undefined) return;
  const cluster = await shared;
  await Promise.allSettled(
    [...namespaces].map(async (name) => {
      namespaces.delete(name);
      const services = await cluster.core.listNamespacedService({ namespace: name });
      await Promise.allSettled(
        services.items.map(async (service) => {
          const serviceName = service.metadata?.name ?? '';
          if ((service.metadata?.finalizers ?? []).length > 0) {
            await cluster.kubectl([
              '-n',
              name,
              'patch',
              'service',
              serviceName,
              '--type=merge',
              '-p',
              '{"metadata":{"finalizers":null}}',
            ]);
          }
          await cluster.core.deleteNamespacedService({ name: serviceName, namespace: name });
        }),
      );
      await cluster.core.deleteNamespace({ name });
    }),
  );
}

/**
 * A kubeconfig that authenticates with `token` alone (no admin client certificate), to act as a
 * ServiceAccount — e.g. to prove what its RBAC allows and refuses.
 */
export async function kubeconfigForToken(cluster: TestCluster, token: string): Promise<string> {
  const current = cluster.kc.getCurrentCluster();
  if (current === null) throw new Error('the test kubeconfig has no current cluster');
  const dir = await mkdtemp(join(tmpdir(), 'cloudlb-token-'));
  const path = join(dir, 'kubeconfig');
  const kubeconfig = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'test', cluster: { server: current.server, 'certificate-authority-data': current.caData } }],
    users: [{ name: 'token', user: { token } }],
    contexts: [{ name: 'token', context: { cluster: 'test', user: 'token' } }],
    'current-context': 'token',
  };
  await writeFile(path, JSON.stringify(kubeconfig), { mode: 0o600 });
  return path;
}
