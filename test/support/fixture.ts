// Helpers for controller tests against the real control plane: providers, nodes, Services,
// events, and an operator wired to the in-memory test provider.
import { randomBytes } from 'node:crypto';
import type { CoreV1Event, V1Node, V1Service, V1ServicePort } from '@kubernetes/client-node';
import {
  GROUP,
  PLURAL,
  VERSION,
  type LoadBalancerProvider,
  type LoadBalancerProviderSpec,
} from '../../src/api/loadbalancerprovider.ts';
import { createLogger, silentLogger } from '../../src/log.ts';
import { startOperator, type OperatorOptions, type RunningOperator } from '../../src/operator.ts';
import { ProviderRegistry } from '../../src/provider/registry.ts';
import type { TestCluster } from '../harness/cluster.ts';
import { testProviderDefinition, type TestCloud } from './test-provider.ts';

export function suffix(): string {
  return randomBytes(3).toString('hex');
}

export function testLogger(name: string) {
  return process.env['CLOUDLB_TEST_LOG'] ? createLogger('debug', name) : silentLogger();
}

export async function createProvider(
  cluster: TestCluster,
  name: string,
  spec: Partial<LoadBalancerProviderSpec> = {},
): Promise<void> {
  await cluster.custom.createClusterCustomObject({
    group: GROUP,
    version: VERSION,
    plural: PLURAL,
    body: {
      apiVersion: `${GROUP}/${VERSION}`,
      kind: 'LoadBalancerProvider',
      metadata: { name },
      spec: { local: {}, ...spec },
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

export async function deleteProvider(cluster: TestCluster, name: string): Promise<void> {
  await cluster.custom
    .deleteClusterCustomObject({ group: GROUP, version: VERSION, plural: PLURAL, name })
    .catch(() => undefined);
}

export async function createNode(
  cluster: TestCluster,
  name: string,
  labels: Record<string, string> = {},
): Promise<V1Node> {
  const node = await cluster.core.createNode({
    body: { metadata: { name, labels }, spec: { providerID: `test:///${name}` } },
  });
  await cluster.core.replaceNodeStatus({
    name,
    body: {
      ...node,
      status: {
        addresses: [
          {
            type: 'InternalIP',
            address: `10.99.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250) + 1}`,
          },
        ],
      },
    },
  });
  return node;
}

export async function deleteNode(cluster: TestCluster, name: string): Promise<void> {
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
