// What the operator's caches keep of each object: only what it reads, applied on receipt. Pure.
// The objects stay shaped as the API types (V1Service, V1Node, ...), as plain JSON: timestamps
// are the strings the API server sent.
import type {
  KubernetesObject,
  V1EndpointSlice,
  V1Node,
  V1ObjectMeta,
  V1Secret,
  V1Service,
} from '@kubernetes/client-node';
import { LOAD_BALANCER_TYPE } from '../controller/constants.ts';
import { holdsCleanupFinalizer } from '../controller/finalizers.ts';
import { SOURCE_RANGES_ANNOTATION } from '../controller/desired.ts';
import { SERVICE_NAME_LABEL } from '../controller/endpoints.ts';
import { currentCondition } from '../controller/status.ts';

/** The operator's own annotations (cloudlb.dev/provider, ...). */
const OPERATOR_ANNOTATION_PREFIX = 'cloudlb.dev/';

/** Services the controller must look at: LoadBalancers, and anything still carrying our finalizer or status. */
export function relevant(service: V1Service): boolean {
  return (
    service.spec?.type === LOAD_BALANCER_TYPE ||
    holdsCleanupFinalizer(service.metadata?.finalizers) ||
    currentCondition(service) !== undefined
  );
}

/**
 * The Service annotations worth keeping: the operator's own, upstream's source ranges, and those
 * each provider's interpret reads (ProviderRegistry.annotationPrefixes). Never kubectl's
 * last-applied-configuration, a second copy of the whole object.
 */
export function annotationFilter(providerPrefixes: readonly string[]): (key: string) => boolean {
  const prefixes = [OPERATOR_ANNOTATION_PREFIX, SOURCE_RANGES_ANNOTATION, ...providerPrefixes];
  return (key) => prefixes.some((prefix) => key.startsWith(prefix));
}

/**
 * A relevant Service keeps the metadata the controller reads, its spec and its load-balancer
 * status and conditions; any other Service only its keys and type, so becoming a LoadBalancer
 * (or not) is still seen.
 */
export function projectService(service: V1Service, keepAnnotation: (key: string) => boolean): V1Service {
  const meta = service.metadata ?? {};
  const type = service.spec?.type;
  if (!relevant(service)) return { metadata: keys(meta), spec: type === undefined ? {} : { type } };
  const annotations = Object.entries(meta.annotations ?? {}).filter(([key]) => keepAnnotation(key));
  const status = service.status ?? {};
  return {
    metadata: {
      ...keys(meta),
      ...defined('generation', meta.generation),
      ...defined('deletionTimestamp', meta.deletionTimestamp),
      ...defined('finalizers', meta.finalizers),
      ...(annotations.length > 0 ? { annotations: Object.fromEntries(annotations) } : {}),
    },
    ...defined('spec', service.spec),
    status: { ...defined('loadBalancer', status.loadBalancer), ...defined('conditions', status.conditions) },
  };
}

/** A Node: what eligibility and targets read (src/controller/nodes.ts); not its heartbeats or images. */
export function projectNode(node: V1Node): V1Node {
  const meta = node.metadata ?? {};
  return {
    metadata: {
      ...keys(meta),
      ...defined('labels', meta.labels),
      ...defined('deletionTimestamp', meta.deletionTimestamp),
    },
    spec: { ...defined('providerID', node.spec?.providerID), ...defined('taints', node.spec?.taints) },
    status: { ...defined('addresses', node.status?.addresses) },
  };
}

/**
 * An EndpointSlice: what endpoint targets read (src/controller/endpoints.ts) — its Service's name
 * label, address type, each endpoint's addresses and ready/serving/terminating, and the ports'
 * name, port and protocol. Not topology, hints, node names or target references.
 */
export function projectEndpointSlice(slice: Partial<V1EndpointSlice>): V1EndpointSlice {
  const meta = slice.metadata ?? {};
  const service = meta.labels?.[SERVICE_NAME_LABEL];
  return {
    metadata: { ...keys(meta), ...(service === undefined ? {} : { labels: { [SERVICE_NAME_LABEL]: service } }) },
    addressType: slice.addressType ?? '',
    endpoints: (slice.endpoints ?? []).map((endpoint) => {
      const conditions = endpoint.conditions ?? {};
      return {
        addresses: endpoint.addresses,
        conditions: {
          ...defined('ready', conditions.ready),
          ...defined('serving', conditions.serving),
          ...defined('terminating', conditions.terminating),
        },
      };
    }),
    ...defined(
      'ports',
      slice.ports?.map((port) => ({
        ...defined('name', port.name),
        ...defined('port', port.port),
        ...defined('protocol', port.protocol),
      })),
    ),
  };
}

/** A credential Secret: its data, read when a provider is built, and its version (which rebuilds it). */
export function projectSecret(secret: V1Secret): V1Secret {
  return { metadata: keys(secret.metadata ?? {}), ...defined('data', secret.data) };
}

/** A LoadBalancerProvider: spec and status whole (they are small), metadata without managedFields, labels or annotations. */
export function projectProviderObject(
  object: KubernetesObject & { spec?: unknown; status?: unknown },
): KubernetesObject {
  const meta = object.metadata ?? {};
  return {
    metadata: {
      ...keys(meta),
      ...defined('generation', meta.generation),
      ...defined('creationTimestamp', meta.creationTimestamp),
      // Provider protection (src/controller/protection.ts) reads both.
      ...defined('deletionTimestamp', meta.deletionTimestamp),
      ...defined('finalizers', meta.finalizers),
    },
    ...defined('spec', object.spec),
    ...defined('status', object.status),
  };
}

/** Name, namespace, uid and resourceVersion: what every cached object keeps. */
function keys(meta: V1ObjectMeta): V1ObjectMeta {
  return {
    ...defined('name', meta.name),
    ...defined('namespace', meta.namespace),
    ...defined('uid', meta.uid),
    ...defined('resourceVersion', meta.resourceVersion),
  };
}

/** `{ [key]: value }`, or nothing when the value is absent (exactOptionalPropertyTypes). */
function defined<K extends string, V>(key: K, value: V | undefined | null): Partial<Record<K, V>> {
  return value === undefined || value === null ? {} : ({ [key]: value } as Record<K, V>);
}
