import {
  PatchStrategy,
  setHeaderOptions,
  type CoreV1Api,
  type CustomObjectsApi,
  type V1Condition,
  type V1LoadBalancerStatus,
  type V1Service,
} from '@kubernetes/client-node';
import { isNotFound } from './api-errors.ts';

export { isConflict, isNotFound, isRetryable, httpStatus } from './api-errors.ts';

const strategicMerge = setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch);
const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

/**
 * Adds `finalizer` without touching anyone else's: a strategic-merge patch merges the list
 * (finalizers is a "set" list), so no read-modify-write race with other controllers.
 */
export async function addFinalizer(core: CoreV1Api, ns: string, name: string, finalizer: string): Promise<V1Service> {
  return core.patchNamespacedService(
    { namespace: ns, name, body: { metadata: { finalizers: [finalizer] } } },
    strategicMerge,
  );
}

/** Removes only `finalizer`. Resolves undefined when the Service is gone (nothing left to release). */
export async function removeFinalizer(
  core: CoreV1Api,
  ns: string,
  name: string,
  finalizer: string,
): Promise<V1Service | undefined> {
  try {
    return await core.patchNamespacedService(
      { namespace: ns, name, body: { metadata: { '$deleteFromPrimitiveList/finalizers': [finalizer] } } },
      strategicMerge,
    );
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

/**
 * Patches the status subresource. `loadBalancer` replaces the ingress list as a whole (upstream's
 * service controller does the same); `conditions` merge by type, so conditions owned by others
 * stay. Pass `loadBalancer: {}` to clear the ingress.
 */
export async function patchServiceStatus(
  core: CoreV1Api,
  ns: string,
  name: string,
  status: { loadBalancer?: V1LoadBalancerStatus; conditions?: V1Condition[] },
): Promise<V1Service> {
  const body: Record<string, unknown> = {};
  if (status.loadBalancer !== undefined) {
    // ingress is an atomic list: the patch replaces it; null (no ingress given) clears it.
    body['loadBalancer'] = { ...status.loadBalancer, ingress: status.loadBalancer.ingress ?? null };
  }
  if (status.conditions !== undefined) body['conditions'] = status.conditions;
  return core.patchNamespacedServiceStatus({ namespace: ns, name, body: { status: body } }, strategicMerge);
}

/**
 * Custom resources have no strategic-merge support: a JSON merge patch of `status` replaces
 * each given field (lists as a whole); null clears a field.
 */
export async function patchCustomStatus(
  custom: CustomObjectsApi,
  ref: { group: string; version: string; plural: string; name: string; namespace?: string },
  status: object,
): Promise<void> {
  const body = { status };
  if (ref.namespace !== undefined && ref.namespace !== '') {
    await custom.patchNamespacedCustomObjectStatus(
      { group: ref.group, version: ref.version, plural: ref.plural, namespace: ref.namespace, name: ref.name, body },
      mergePatch,
    );
    return;
  }
  await custom.patchClusterCustomObjectStatus(
    { group: ref.group, version: ref.version, plural: ref.plural, name: ref.name, body },
    mergePatch,
  );
}
