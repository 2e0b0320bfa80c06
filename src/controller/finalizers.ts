// The cleanup finalizer under its two names: upstream's, written now, and the one earlier
// versions wrote, which still guards a load balancer until it is swapped. Pure.
import type { V1Service } from '@kubernetes/client-node';
import { FINALIZER, LEGACY_FINALIZER } from './constants.ts';

/** Whether a cleanup finalizer guards a load balancer: either name counts. */
export function holdsCleanupFinalizer(finalizers: readonly string[] | undefined): boolean {
  return (finalizers ?? []).some((f) => f === FINALIZER || f === LEGACY_FINALIZER);
}

/**
 * The finalizers with the legacy name swapped for upstream's in its place, or undefined when
 * there is nothing to swap. A Service being deleted is not migrated: its cleanup removes both.
 */
export function migratedFinalizers(service: V1Service): string[] | undefined {
  const finalizers = service.metadata?.finalizers ?? [];
  if (service.metadata?.deletionTimestamp || !finalizers.includes(LEGACY_FINALIZER)) return undefined;
  const swapped = finalizers.map((f) => (f === LEGACY_FINALIZER ? FINALIZER : f));
  return swapped.filter((f, i) => swapped.indexOf(f) === i);
}
