import type { V1Service } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { GROUP, KIND, VERSION } from '../api/loadbalancerprovider.ts';
import type { LoadBalancerRef } from '../provider/contract.ts';
import { resolveProvider, type ClassIndex } from './classes.ts';
import { Reason } from './constants.ts';
import { holdsCleanupFinalizer } from './finalizers.ts';
import { errorText } from './messages.ts';
import type { EventSink, ProviderHandle } from './reconcile.ts';

/**
 * The UIDs of the Services that still want a load balancer: those that resolve to a provider
 * (unless being deleted) and those whose finalizer's cleanup has yet to run. Pure.
 */
export function wantedBy(services: readonly V1Service[], classes: ClassIndex): Set<string> {
  const wanted = new Set<string>();
  for (const service of services) {
    const uid = service.metadata?.uid;
    if (!uid) continue;
    const finalizer = holdsCleanupFinalizer(service.metadata?.finalizers);
    const resolution = resolveProvider(service, classes);
    if (finalizer || (!service.metadata?.deletionTimestamp && resolution.kind === 'provider')) wanted.add(uid);
  }
  return wanted;
}

/**
 * Orphaned: no Service wants a load balancer from any provider. Not "from this provider": two
 * providers may reach the same account (a public and an internal class in one AWS region), where
 * each lists the other's load balancers under the same cluster ownership. A load balancer left in
 * another account by a class change is the finalizer's to clean up, or goes with its Service.
 */
export function isOrphan(ref: LoadBalancerRef, wanted: ReadonlySet<string>): boolean {
  return !wanted.has(ref.ownership.serviceUID);
}

export interface SweepDeps {
  readonly clusterName: string;
  /** True only when every informer the decision rests on has synced. */
  readonly synced: () => boolean;
  readonly services: () => readonly V1Service[];
  readonly classes: () => ClassIndex;
  readonly handles: () => readonly ProviderHandle[];
  readonly graceMs: number;
  readonly events: EventSink;
  readonly log: Logger;
  readonly now?: () => number;
}

/**
 * Deletes load balancers this cluster owns that no Service wants any more (a Service deleted while
 * the operator was down, a finalizer removed by hand), once they have been orphaned for the grace
 * period. Never on partial information: not before the caches have synced, and not for a
 * provider whose listing failed.
 */
export class OrphanSweeper {
  readonly #deps: SweepDeps;
  /** `<provider>/<lb name>` → when it was first seen orphaned. */
  readonly #firstSeen = new Map<string, number>();

  constructor(deps: SweepDeps) {
    this.#deps = deps;
  }

  async sweepOnce(signal: AbortSignal): Promise<LoadBalancerRef[]> {
    const { log } = this.#deps;
    if (!this.#deps.synced()) {
      log.debug('sweep skipped: caches not synced');
      return [];
    }
    const deleted: LoadBalancerRef[] = [];
    const seen = new Set<string>();
    for (const handle of this.#deps.handles()) {
      let owned: LoadBalancerRef[];
      try {
        owned = [];
        for await (const ref of handle.provider.listOwned(signal)) owned.push(ref);
      } catch (err) {
        log.warn(
          { provider: handle.name, err: errorText(err) },
          'sweep skipped a provider: listing what it owns failed',
        );
        for (const key of this.#firstSeen.keys()) if (key.startsWith(`${handle.name}/`)) seen.add(key);
        continue;
      }
      // Read the caches after the (slow) listing, so a Service created meanwhile counts as wanting.
      if (!this.#deps.synced()) return deleted;
      const wanted = wantedBy(this.#deps.services(), this.#deps.classes());
      for (const ref of owned) {
        if (ref.ownership.clusterName !== this.#deps.clusterName || !isOrphan(ref, wanted)) continue;
        const key = `${handle.name}/${ref.name}`;
        seen.add(key);
        const now = this.#deps.now?.() ?? Date.now();
        const since = this.#firstSeen.get(key) ?? now;
        this.#firstSeen.set(key, since);
        if (now - since < this.#deps.graceMs) continue;
        signal.throwIfAborted();
        try {
          await handle.provider.delete(ref, signal);
        } catch (err) {
          log.warn(
            { provider: handle.name, lb: ref.name, err: errorText(err) },
            'deleting an orphaned load balancer failed',
          );
          continue;
        }
        this.#firstSeen.delete(key);
        deleted.push(ref);
        const owner = `${ref.ownership.serviceNamespace}/${ref.ownership.serviceName}`;
        log.info(
          { provider: handle.name, lb: ref.name, service: owner, serviceUID: ref.ownership.serviceUID },
          'deleted orphaned load balancer',
        );
        this.#deps.events.record(
          { kind: KIND, apiVersion: `${GROUP}/${VERSION}`, name: handle.name },
          'Normal',
          Reason.Deleted,
          `Deleted orphaned load balancer ${ref.name} of Service ${owner} (uid ${ref.ownership.serviceUID}), which no longer exists or no longer wants it.`,
        );
      }
    }
    for (const key of [...this.#firstSeen.keys()]) if (!seen.has(key)) this.#firstSeen.delete(key);
    return deleted;
  }
}
