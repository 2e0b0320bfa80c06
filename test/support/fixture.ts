// Helpers for controller tests against the real control plane: providers, nodes, Services,
// events, and an operator wired to the in-memory test provider.
import { randomBytes } from 'node:crypto';
import assert from 'node:assert/strict';
import {
  PatchStrategy,
  setHeaderOptions,
  type CoreV1Event,
  type V1Node,
  type V1NodeAddress,
  type V1Service,
  type V1ServicePort,
} from '@kubernetes/client-node';
import {
  GROUP,
  PLURAL,
  VERSION,
  type LoadBalancerProvider,
  type LoadBalancerProviderSpec,
} from '../../src/api/loadbalancerprovider.ts';
import { createLogger, silentLogger } from '../../src/log.ts';
import { startOperator, type OperatorOptions, type RunningOperator } from '../../src/operator/index.ts';
import { ProviderRegistry } from '../../src/provider/registry.ts';
import { deleteTestNamespaces, testCluster, testNamespace, type TestCluster } from '../harness/cluster.ts';
import { eventually } from '../harness/wait.ts';
import { MEMORY_PROVIDER, TEST_CRD_PROVIDERS, testProviderDefinition, type TestCloud } from './test-provider.ts';

export function suffix(): string {
  return randomBytes(3).toString('hex');
}

export function testLogger(name: string) {
  return process.env['CLOUDLB_TEST_LOG'] ? createLogger('debug', name) : silentLogger();
}

/** A cluster-scoped LoadBalancerProvider; of the test provider's type (memory) unless `spec` names another. */
export async function createProvider(
  cluster: Pick<TestCluster, 'custom'>,
  name: string,
  spec: Partial<LoadBalancerProviderSpec> = {},
): Promise<void> {
  const typed = TEST_CRD_PROVIDERS.some((p) => p.type in spec);
  await cluster.custom.createClusterCustomObject({
    group: GROUP,
    version: VERSION,
    plural: PLURAL,
    body: {
      apiVersion: `${GROUP}/${VERSION}`,
      kind: 'LoadBalancerProvider',
      metadata: { name },
      spec: typed ? spec : { [MEMORY_PROVIDER.type]: {}, ...spec },
    },
  });
}

export async function getProvider(cluster: TestCluster, name: string): Promise<LoadBalancerProvider> {
  return (await cluster.custom.getClusterCustomObject({
    group: GROUP,
    version: VERSION,
    plural: PLURAL,
    name,
  })) as LoadBalancerProvider;
}

/**
 * Deletes a provider, as an administrator would after the operator stopped: first takes off the
 * protection finalizer, which no stopped operator can take off (`keepFinalizer` leaves it on).
 */
export async function deleteProvider(
  cluster: Pick<TestCluster, 'custom'>,
  name: string,
  options: { keepFinalizer?: boolean } = {},
): Promise<void> {
  if (options.keepFinalizer !== true) await dropProviderFinalizers(cluster, name);
  await cluster.custom
    .deleteClusterCustomObject({ group: GROUP, version: VERSION, plural: PLURAL, name })
    .catch(() => undefined);
}

export async function dropProviderFinalizers(cluster: Pick<TestCluster, 'custom'>, name: string): Promise<void> {
  await cluster.custom
    .patchClusterCustomObject(
      { group: GROUP, version: VERSION, plural: PLURAL, name, body: { metadata: { finalizers: null } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    )
    .catch(() => undefined);
}

export interface NodeOptions {
  readonly labels?: Record<string, string>;
  /** Default: `test:///<name>`. */
  readonly providerID?: string;
  /** Default: one random InternalIP in 10.99.0.0/16; `[]` leaves the node without a status. */
  readonly addresses?: V1NodeAddress[];
}

export async function createNode(
  cluster: Pick<TestCluster, 'core'>,
  name: string,
  options: NodeOptions = {},
): Promise<V1Node> {
  const node = await cluster.core.createNode({
    body: {
      metadata: { name, labels: options.labels ?? {} },
      spec: { providerID: options.providerID ?? `test:///${name}` },
    },
  });
  const addresses = options.addresses ?? [
    {
      type: 'InternalIP',
      address: `10.99.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250) + 1}`,
    },
  ];
  if (addresses.length > 0) await cluster.core.replaceNodeStatus({ name, body: { ...node, status: { addresses } } });
  return node;
}

export async function deleteNode(cluster: Pick<TestCluster, 'core'>, name: string): Promise<void> {
  await cluster.core.deleteNode({ name }).catch(() => undefined);
}

export async function createService(
  cluster: TestCluster,
  namespace: string,
  name: string,
  loadBalancerClass: string | undefined,
  ports: V1ServicePort[] = [{ name: 'http', port: 80, protocol: 'TCP' }],
  extra: { annotations?: Record<string, string>; spec?: Partial<NonNullable<V1Service['spec']>> } = {},
): Promise<V1Service> {
  return await cluster.core.createNamespacedService({
    namespace,
    body: {
      metadata: { name, ...(extra.annotations ? { annotations: extra.annotations } : {}) },
      spec: {
        type: 'LoadBalancer',
        ports,
        selector: { app: name },
        ...(loadBalancerClass ? { loadBalancerClass } : {}),
        ...extra.spec,
      },
    },
  });
}

export async function getService(cluster: TestCluster, namespace: string, name: string): Promise<V1Service> {
  return await cluster.core.readNamespacedService({ namespace, name });
}

/** Waits until the Service's status has a load-balancer IP, and returns the Service as it then is. */
export async function waitForIngress(
  cluster: TestCluster,
  namespace: string,
  name: string,
  options: { timeoutMs?: number } = {},
): Promise<V1Service> {
  return await eventually(
    async () => {
      const svc = await getService(cluster, namespace, name);
      assert.ok(svc.status?.loadBalancer?.ingress?.[0]?.ip, `${name}: no ingress yet`);
      return svc;
    },
    { ...options, message: `${name} never got an ingress` },
  );
}

export async function serviceEvents(cluster: TestCluster, namespace: string, name: string): Promise<CoreV1Event[]> {
  const list = await cluster.core.listNamespacedEvent({
    namespace,
    fieldSelector: `involvedObject.name=${name},involvedObject.kind=Service`,
  });
  return list.items;
}

export async function providerEvents(cluster: TestCluster, name: string): Promise<CoreV1Event[]> {
  const list = await cluster.core.listEventForAllNamespaces({
    fieldSelector: `involvedObject.name=${name},involvedObject.kind=LoadBalancerProvider`,
  });
  return list.items;
}

export function eventLine(e: CoreV1Event): string {
  return `${e.type ?? ''} ${e.reason ?? ''}: ${e.message ?? ''}`;
}

export function testRegistry(cloud: TestCloud, requiredSecretKeys: readonly string[] = []): ProviderRegistry {
  return new ProviderRegistry([testProviderDefinition(cloud, { requiredSecretKeys })]);
}

export async function runOperator(
  cluster: TestCluster,
  cloud: TestCloud,
  options: Partial<OperatorOptions> & {
    clusterName: string;
    namespace: string;
    requiredSecretKeys?: readonly string[];
  },
): Promise<RunningOperator> {
  return await startOperator({
    kc: cluster.kc,
    registry: testRegistry(cloud, options.requiredSecretKeys),
    workers: 4,
    sweep: { enabled: false, intervalMs: 600_000, graceMs: 0 },
    backoff: { baseMs: 200, maxMs: 2_000 },
    drainMs: 2_000,
    log: testLogger(options.identity ?? 'operator'),
    ...options,
  });
}

/** Sets (value) or removes (undefined) one label on a node. */
export async function setNodeLabel(
  cluster: TestCluster,
  name: string,
  key: string,
  value: string | undefined,
): Promise<void> {
  const labels = { ...(await cluster.core.readNode({ name })).metadata?.labels };
  if (value === undefined) delete labels[key];
  else labels[key] = value;
  await cluster.core.patchNode({ name, body: [{ op: 'add', path: '/metadata/labels', value: labels }] });
}

/** What a controller test file shares: the control plane and a fresh namespace. */
export interface TestFile {
  readonly cluster: TestCluster;
  readonly ns: string;
  /** Deletes the providers and nodes made by setUpTestFile, then the test namespaces. */
  cleanUp(): Promise<void>;
}

/** A namespace, then `nodes` (createNode defaults), then `providers` (name → spec, as createProvider). */
export async function setUpTestFile(
  prefix: string,
  made: {
    readonly nodes?: readonly string[];
    readonly providers?: Readonly<Record<string, Partial<LoadBalancerProviderSpec>>>;
  },
): Promise<TestFile> {
  const cluster = await testCluster();
  const ns = await testNamespace(cluster, prefix);
  const nodes = made.nodes ?? [];
  const providers = Object.entries(made.providers ?? {});
  for (const node of nodes) await createNode(cluster, node);
  for (const [name, spec] of providers) await createProvider(cluster, name, spec);
  return {
    cluster,
    ns,
    cleanUp: async () => {
      for (const [name] of providers) await deleteProvider(cluster, name);
      for (const node of nodes) await deleteNode(cluster, node);
      await deleteTestNamespaces();
    },
  };
}
