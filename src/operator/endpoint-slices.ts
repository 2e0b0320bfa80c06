import type { KubeConfig, KubernetesObject, V1EndpointSlice } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { LoadBalancerProvider as ProviderObject } from '../api/loadbalancerprovider.ts';
import { SERVICE_NAME_LABEL } from '../controller/endpoints.ts';
import { providerType } from '../controller/providers.ts';
import { SupervisedInformer } from '../kube/informer.ts';
import type { Metrics } from '../kube/metrics.ts';
import type { ProviderRegistry } from '../provider/registry.ts';
import { projectEndpointSlice } from './cache-projection.ts';

const PATH = '/apis/discovery.k8s.io/v1/endpointslices';

/** Whether some LoadBalancerProvider is of a type that sends to endpoints. Pure. */
export function needsEndpointSlices(objects: readonly KubernetesObject[], registry: ProviderRegistry): boolean {
  const types = registry.types();
  return objects.some((object) => {
    // The API server validated these against the CRD's structural schema.
    const type = providerType(object as unknown as ProviderObject, types);
    return type !== undefined && registry.get(type)?.capabilities.endpointTargets === true;
  });
}

export interface EndpointSliceCacheDeps {
  readonly kc: KubeConfig;
  readonly log: Logger;
  readonly metrics: Metrics;
}

/** Told that a slice of this Service was added, changed or removed. */
export type SliceListener = (namespace: string, serviceName: string) => void;

/**
 * The EndpointSlices of every Service, indexed by Service, cached (projected) only while some
 * provider needs them: a cluster without such a provider never lists or watches them.
 */
export class EndpointSliceCache {
  readonly #deps: EndpointSliceCacheDeps;
  #listener: SliceListener = () => undefined;
  #informer: SupervisedInformer<V1EndpointSlice> | undefined;
  /** `namespace/service` → slice name → slice. */
  readonly #byService = new Map<string, Map<string, V1EndpointSlice>>();

  constructor(deps: EndpointSliceCacheDeps) {
    this.#deps = deps;
  }

  listen(listener: SliceListener): void {
    this.#listener = listener;
  }

  /** Starts watching when `wanted` and not watching yet; stops and forgets when not `wanted`. */
  setWanted(wanted: boolean): void {
    if (wanted && this.#informer === undefined) this.#start();
    else if (!wanted && this.#informer !== undefined) void this.stop();
  }

  watching(): boolean {
    return this.#informer !== undefined;
  }

  /** The Service's slices; undefined while not watching or before the first list. */
  forService(namespace: string, serviceName: string): readonly V1EndpointSlice[] | undefined {
    if (this.#informer?.hasSynced() !== true) return undefined;
    return [...(this.#byService.get(`${namespace}/${serviceName}`)?.values() ?? [])];
  }

  async stop(): Promise<void> {
    const informer = this.#informer;
    this.#informer = undefined;
    this.#byService.clear();
    await informer?.stop();
  }

  #start(): void {
    const { kc, log, metrics } = this.#deps;
    const informer = new SupervisedInformer<V1EndpointSlice>({
      name: 'endpointslices',
      kc,
      path: PATH,
      labelSelector: SERVICE_NAME_LABEL,
      project: projectEndpointSlice,
      log: log.child({ informer: 'endpointslices' }),
      metrics,
    });
    informer.on({
      add: (slice) => this.#put(slice),
      update: (slice, old) => {
        this.#drop(old, { quiet: serviceKeyOf(old) === serviceKeyOf(slice) });
        this.#put(slice);
      },
      delete: (slice) => this.#drop(slice),
    });
    this.#informer = informer;
    informer.start().catch((err: unknown) => log.warn({ err }, 'EndpointSlice cache did not start'));
    log.info('watching EndpointSlices: a provider sends to endpoints');
  }

  #put(slice: V1EndpointSlice): void {
    const key = serviceKeyOf(slice);
    if (key === undefined) return;
    const slices = this.#byService.get(key) ?? new Map<string, V1EndpointSlice>();
    slices.set(slice.metadata?.name ?? '', slice);
    this.#byService.set(key, slices);
    this.#listener(slice.metadata?.namespace ?? '', slice.metadata?.labels?.[SERVICE_NAME_LABEL] ?? '');
  }

  /** `quiet`: the slice is put back at once under the same Service, which then hears of it once. */
  #drop(slice: V1EndpointSlice, options: { quiet?: boolean } = {}): void {
    const key = serviceKeyOf(slice);
    if (key === undefined) return;
    const slices = this.#byService.get(key);
    slices?.delete(slice.metadata?.name ?? '');
    if (slices?.size === 0) this.#byService.delete(key);
    if (options.quiet !== true)
      this.#listener(slice.metadata?.namespace ?? '', slice.metadata?.labels?.[SERVICE_NAME_LABEL] ?? '');
  }
}

function serviceKeyOf(slice: V1EndpointSlice): string | undefined {
  const service = slice.metadata?.labels?.[SERVICE_NAME_LABEL];
  return service === undefined ? undefined : `${slice.metadata?.namespace ?? ''}/${service}`;
}
