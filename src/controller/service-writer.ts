import {
  ApiException,
  PatchStrategy,
  setHeaderOptions,
  type CoreV1Api,
  type V1Condition,
  type V1LoadBalancerStatus,
  type V1Service,
} from '@kubernetes/client-node';
import { CONDITION_TYPE, FINALIZER, LEGACY_FINALIZER, PROVIDER_ANNOTATION } from './constants.ts';

const strategicMerge = setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch);
const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

export function httpStatusOf(err: unknown): number | undefined {
  return err instanceof ApiException ? err.code : undefined;
}

/** The writes reconcile makes to a Service. An interface so the reconciler can be driven without an API server. */
export interface ServiceWriter {
  /** Finalizer + provider annotation in one patch, before the first cloud write. */
  claim(service: V1Service, providerName: string): Promise<V1Service>;
  /** Removes the finalizer (under either name) and the annotation; undefined when the Service is gone (it was being deleted). */
  release(service: V1Service): Promise<V1Service | undefined>;
  /**
   * Sets the finalizer list to `finalizers` in one write, only if the Service is still at the
   * resourceVersion read (a conflict otherwise): swapping the legacy finalizer never leaves a
   * moment without one, nor drops a finalizer someone added since.
   */
  replaceFinalizers(service: V1Service, finalizers: readonly string[]): Promise<V1Service>;
  patchStatus(
    service: V1Service,
    patch: { loadBalancer?: V1LoadBalancerStatus; conditions?: V1Condition[] },
  ): Promise<V1Service>;
  /** Clears our condition and, unless `keepIngress`, status.loadBalancer. */
  clearStatus(service: V1Service, options?: { keepIngress?: boolean }): Promise<V1Service | undefined>;
}

/**
 * Strategic-merge patches: finalizers merge as a set and conditions by type, so another
 * controller's finalizers and conditions are never clobbered.
 */
export class KubeServiceWriter implements ServiceWriter {
  readonly #core: CoreV1Api;

  constructor(core: CoreV1Api) {
    this.#core = core;
  }

  async claim(service: V1Service, providerName: string): Promise<V1Service> {
    const body = { metadata: { finalizers: [FINALIZER], annotations: { [PROVIDER_ANNOTATION]: providerName } } };
    return await this.#core.patchNamespacedService(
      { name: name(service), namespace: ns(service), body },
      strategicMerge,
    );
  }

  async release(service: V1Service): Promise<V1Service | undefined> {
    const patch = {
      metadata: {
        '$deleteFromPrimitiveList/finalizers': [FINALIZER, LEGACY_FINALIZER],
        annotations: { [PROVIDER_ANNOTATION]: null },
      },
    };
    try {
      return await this.#core.patchNamespacedService(
        { name: name(service), namespace: ns(service), body: patch },
        strategicMerge,
      );
    } catch (err) {
      if (httpStatusOf(err) === 404) return undefined;
      throw err;
    }
  }

  async replaceFinalizers(service: V1Service, finalizers: readonly string[]): Promise<V1Service> {
    // A JSON merge patch replaces the list whole; resourceVersion makes it conditional.
    const body = { metadata: { resourceVersion: service.metadata?.resourceVersion, finalizers } };
    return await this.#core.patchNamespacedService({ name: name(service), namespace: ns(service), body }, mergePatch);
  }

  async patchStatus(
    service: V1Service,
    patch: { loadBalancer?: V1LoadBalancerStatus; conditions?: V1Condition[] },
  ): Promise<V1Service> {
    return await this.#core.patchNamespacedServiceStatus(
      { name: name(service), namespace: ns(service), body: { status: patch } },
      strategicMerge,
    );
  }

  async clearStatus(service: V1Service): Promise<V1Service | undefined> {
    const body = {
      status: { loadBalancer: { ingress: null }, conditions: [{ type: CONDITION_TYPE, $patch: 'delete' }] },
    };
    try {
      return await this.#core.patchNamespacedServiceStatus(
        { name: name(service), namespace: ns(service), body },
        strategicMerge,
      );
    } catch (err) {
      if (httpStatusOf(err) === 404) return undefined;
      throw err;
    }
  }
}

function name(service: V1Service): string {
  return service.metadata?.name ?? '';
}
function ns(service: V1Service): string {
  return service.metadata?.namespace ?? '';
}
