import type { KubeConfig, KubernetesObject, V1Node, V1Secret, V1Service } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { GROUP, PLURAL, VERSION } from '../api/loadbalancerprovider.ts';
import { targetsFingerprint, targetsOf } from '../controller/nodes.ts';
import { SupervisedInformer } from '../kube/informer.ts';
import type { Metrics } from '../kube/metrics.ts';
import type { ProviderRegistry } from '../provider/registry.ts';
import {
  annotationFilter,
  projectNode,
  projectProviderObject,
  projectSecret,
  projectService,
} from './cache-projection.ts';
import { EndpointSliceCache, needsEndpointSlices } from './endpoint-slices.ts';

export { relevant } from './cache-projection.ts';

/**
 * The operator's caches of the cluster; they stay warm across leadership terms. Each keeps only
 * what the operator reads of its objects (cache-projection.ts), as plain objects.
 */
export interface Informers {
  readonly services: SupervisedInformer<V1Service>;
  readonly nodes: SupervisedInformer<V1Node>;
  readonly providers: SupervisedInformer<KubernetesObject>;
  /** Credential Secrets, in the operator's namespace only. */
  readonly secrets: SupervisedInformer<V1Secret>;
  /** Watched only while some provider sends to endpoints (routeEvents decides); not part of readiness. */
  readonly endpointSlices: EndpointSliceCache;
  /** Whether the providers cached need EndpointSlices. */
  readonly needEndpointSlices: () => boolean;
}

export interface InformerDeps {
  readonly kc: KubeConfig;
  readonly namespace: string;
  readonly registry: ProviderRegistry;
  readonly metrics: Metrics;
  readonly log: Logger;
}

export function createInformers({ kc, namespace, registry, metrics, log }: InformerDeps): Informers {
  const informer = <T extends KubernetesObject>(
    name: string,
    path: string,
    project: (obj: KubernetesObject) => T,
  ): SupervisedInformer<T> =>
    new SupervisedInformer<T>({ name, kc, path, project, log: log.child({ informer: name }), metrics });
  // The Service annotations the providers read; the cache drops the others.
  const keepAnnotation = annotationFilter(registry.annotationPrefixes());
  const providers = informer('loadbalancerproviders', `/apis/${GROUP}/${VERSION}/${PLURAL}`, projectProviderObject);
  return {
    services: informer('services', '/api/v1/services', (obj) => projectService(obj, keepAnnotation)),
    nodes: informer('nodes', '/api/v1/nodes', projectNode),
    providers,
    secrets: informer('secrets', `/api/v1/namespaces/${namespace}/secrets`, projectSecret),
    endpointSlices: new EndpointSliceCache({ kc, log, metrics }),
    needEndpointSlices: () => needsEndpointSlices(providers.list(), registry),
  };
}

function all(informers: Informers): SupervisedInformer<KubernetesObject>[] {
  return [informers.services, informers.nodes, informers.providers, informers.secrets];
}

/** Resolves once every cache holds its first list. */
export async function startInformers(informers: Informers): Promise<void> {
  await Promise.all(all(informers).map(async (i) => await i.start()));
}

export async function stopInformers(informers: Informers): Promise<void> {
  await Promise.allSettled([...all(informers).map(async (i) => await i.stop()), informers.endpointSlices.stop()]);
}

export function informersSynced(informers: Informers): boolean {
  return all(informers).every((i) => i.hasSynced());
}

/** What cluster events drive while this replica leads: the current term. */
export interface EventTarget {
  /** Queue the Service if it is relevant(). */
  enqueue(service: V1Service): void;
  /** Queue every relevant Service. */
  enqueueAll(): void;
  /** The Service is gone: drop what was remembered about it. */
  forget(service: V1Service): void;
  /** Some Service changed: recount the Services each provider serves. */
  servicesChanged(): void;
  /** A LoadBalancerProvider or a credential Secret changed: rebuild what it affects. */
  syncProviders(): void;
  /** A slice of this Service changed: queue it if its load balancer sends to endpoints. */
  endpointsChanged(namespace: string, serviceName: string): void;
}

/**
 * Sends cluster events to the current term; while another replica leads, `current()` is undefined
 * and events only keep the caches warm. Call once the informers have synced: their first lists
 * need no routing, as no term runs before then.
 */
export function routeEvents(informers: Informers, current: () => EventTarget | undefined): void {
  const { services, nodes, providers, secrets, endpointSlices } = informers;
  services.on({
    add: (service) => {
      current()?.enqueue(service);
      current()?.servicesChanged();
    },
    update: (service) => {
      current()?.enqueue(service);
      current()?.servicesChanged();
    },
    delete: (service) => {
      current()?.forget(service);
      current()?.servicesChanged();
    },
  });

  // Node churn (heartbeats, labels we ignore) is constant; only a change in the set of eligible
  // targets re-queues the Services, and their reconciles then touch only what actually differs.
  let lastTargets = targetsFingerprint(targetsOf(nodes.list()));
  const onNodes = (): void => {
    const fingerprint = targetsFingerprint(targetsOf(nodes.list()));
    if (fingerprint === lastTargets) return;
    lastTargets = fingerprint;
    current()?.enqueueAll();
  };
  nodes.on({ add: onNodes, update: onNodes, delete: onNodes });

  const syncProviders = (): void => current()?.syncProviders();
  // EndpointSlices are watched only while a provider that sends to endpoints exists.
  endpointSlices.listen((namespace, name) => current()?.endpointsChanged(namespace, name));
  const followProviders = (): void => {
    endpointSlices.setWanted(informers.needEndpointSlices());
    syncProviders();
  };
  endpointSlices.setWanted(informers.needEndpointSlices());
  providers.on({ add: followProviders, update: followProviders, delete: followProviders });
  secrets.on({ add: syncProviders, update: syncProviders, delete: syncProviders });
}
