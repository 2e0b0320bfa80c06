// deploy/ installed into the real cluster the way a user does it — `kubectl apply --server-side -k`
// — through a throw-away overlay that only names this run's image and cluster, plus whatever a
// test adds (a LoadBalancerProvider, a Secret, a patch). uninstall() removes what it applied
// (the CRD stays: the cluster was started with it and other files use it).
import { loadAllYaml, type KubernetesObject } from '@kubernetes/client-node';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { DEPLOY_DIR, OPERATOR_NAMESPACE, plain } from '../../deploy/render.ts';
import type { TestCluster } from '../../harness/cluster.ts';

export { OPERATOR_NAME, OPERATOR_NAMESPACE } from '../../deploy/render.ts';

export interface InstallOptions {
  /** Under deploy/: 'base', 'overlays/local', 'overlays/aws'. */
  readonly from: string;
  /** `cloud-lb-operator:<tag>` as imported into the nodes (docker.io/library/… accepted). */
  readonly image: string;
  /** --cluster-name: unique per test file, so ownership marks never mix. */
  readonly clusterName: string;
  /** More objects in the same apply (a provider, a Secret): YAML documents. */
  readonly resources?: readonly string[];
  /** Strategic-merge patches (YAML), e.g. to the Deployment. */
  readonly patches?: readonly string[];
}

export interface Installed {
  /** Everything applied, in apply order. */
  readonly objects: readonly KubernetesObject[];
  /** Deletes what was applied (but the CRD), waiting until it is gone. */
  uninstall(): Promise<void>;
}

/** The throw-away overlay's kustomization.yaml (pure). */
export function overlayKustomization(dir: string, options: InstallOptions): string {
  const colon = options.image.lastIndexOf(':');
  const resources = [
    relative(dir, join(DEPLOY_DIR, options.from)),
    ...(options.resources ?? []).map((_, i) => `extra-${i}.yaml`),
  ];
  const patches = (options.patches ?? []).map((_, i) => ({ path: `patch-${i}.yaml` }));
  return JSON.stringify({
    apiVersion: 'kustomize.config.k8s.io/v1beta1',
    kind: 'Kustomization',
    resources,
    patches,
    configMapGenerator: [
      {
        name: 'cloud-lb-operator-config',
        namespace: OPERATOR_NAMESPACE,
        behavior: 'merge',
        literals: [`cluster-name=${options.clusterName}`],
      },
    ],
    images: [
      { name: 'cloud-lb-operator', newName: options.image.slice(0, colon), newTag: options.image.slice(colon + 1) },
    ],
  });
}

const deletable = (o: KubernetesObject): boolean => o.kind !== 'CustomResourceDefinition';

function ref(o: KubernetesObject): string[] {
  const name = `${o.kind ?? ''}/${o.metadata?.name ?? ''}`;
  return o.metadata?.namespace === undefined ? [name] : ['-n', o.metadata.namespace, name];
}

export async function install(cluster: TestCluster, options: InstallOptions): Promise<Installed> {
  const dir = await mkdtemp(join(tmpdir(), 'cloudlb-install-'));
  try {
    await writeFile(join(dir, 'kustomization.yaml'), overlayKustomization(dir, options));
    for (const [i, text] of (options.resources ?? []).entries()) await writeFile(join(dir, `extra-${i}.yaml`), text);
    for (const [i, text] of (options.patches ?? []).entries()) await writeFile(join(dir, `patch-${i}.yaml`), text);
    const rendered = await cluster.kubectl(['kustomize', dir]);
    if (rendered.code !== 0) throw new Error(`kubectl kustomize ${options.from}: ${rendered.stderr}`);
    const objects = (loadAllYaml(rendered.stdout) as (KubernetesObject | null)[])
      .filter((o): o is KubernetesObject => o !== null)
      .map(plain);
    // The cluster's CRD came from the test run (with the test provider's block): deploy/ takes it over.
    const applied = await cluster.kubectl(['apply', '--server-side', '--force-conflicts', '-k', dir]);
    if (applied.code !== 0) throw new Error(`kubectl apply -k ${options.from}: ${applied.stderr}`);
    return { objects, uninstall: async () => await uninstall(cluster, objects) };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * LoadBalancerProviders first, while the operator still runs to take its finalizer off them; then
 * the namespace (its pods get their grace period, with their RBAC still in place); then the rest.
 */
async function uninstall(cluster: TestCluster, objects: readonly KubernetesObject[]): Promise<void> {
  const providers = objects.filter((o) => o.kind === 'LoadBalancerProvider');
  const namespaces = objects.filter((o) => o.kind === 'Namespace');
  const rest = objects.filter((o) => deletable(o) && !providers.includes(o) && !namespaces.includes(o));
  for (const group of [providers, namespaces, rest]) {
    for (const o of group) {
      const deleted = await cluster.kubectl([
        'delete',
        '--ignore-not-found',
        '--wait=true',
        '--timeout=120s',
        ...ref(o),
      ]);
      if (deleted.code !== 0) throw new Error(`kubectl delete ${ref(o).join(' ')}: ${deleted.stderr}`);
    }
  }
}

/** A LoadBalancerProvider of type local (YAML), for `resources`. */
export function localProviderYaml(name: string, addressPool: string, isDefault = false): string {
  return JSON.stringify({
    apiVersion: 'cloudlb.dev/v1alpha1',
    kind: 'LoadBalancerProvider',
    metadata: { name },
    spec: { default: isDefault, local: { addressPool } },
  });
}

/** A patch setting the operator Deployment's replicas. */
export function replicasPatch(replicas: number): string {
  return JSON.stringify({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'cloud-lb-operator', namespace: OPERATOR_NAMESPACE },
    spec: { replicas },
  });
}
