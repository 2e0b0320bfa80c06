import type { V1Service } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { RetryAfterError } from '../provider/errors/index.ts';
import { FINALIZER, Reason } from './constants.ts';
import type { ServiceEvent } from './decide.ts';
import { refOf, serviceKey } from './desired.ts';
import { errorText } from './messages.ts';
import { DONE, type Outcome } from './outcome.ts';
import type { ProviderDirectory, ProviderHandle } from './provider-handle.ts';
import type { ServiceWriter } from './service-writer.ts';
import { hasOurStatus } from './status.ts';

export interface CleanupDeps {
  readonly clusterName: string;
  readonly providers: ProviderDirectory;
  readonly writer: ServiceWriter;
  readonly log: Logger;
  readonly say: (event: ServiceEvent) => void;
}

export type CleanupResult =
  /** Not deleted yet (a provider cannot be asked, or the delete failed): the finalizer stays. */
  | { readonly kind: 'pending'; readonly outcome: Outcome }
  /** Deleted and released; `service` is undefined when it is gone (it was being deleted). */
  | { readonly kind: 'released'; readonly service: V1Service | undefined };

/**
 * Deletes the load balancer, then clears status and removes the finalizer. The finalizer stays
 * on any failure: a leaked cloud resource is worse than a Service that waits. `providerName`
 * undefined: the annotation is gone, any provider may hold it, so every one is asked.
 */
export async function cleanUp(
  deps: CleanupDeps,
  service: V1Service,
  providerName: string | undefined,
  signal: AbortSignal,
): Promise<CleanupResult> {
  const names = providerName !== undefined ? [providerName] : deps.providers.names();
  const handles: ProviderHandle[] = [];
  for (const name of names) {
    const lookup = deps.providers.lookup(name);
    if (lookup.state === 'ready') {
      handles.push(lookup.handle);
      continue;
    }
    if (lookup.state === 'missing' && lookup.nothingLeft === true) {
      const message = `LoadBalancerProvider ${name} is gone, and its load balancers went with it; releasing the Service.`;
      deps.say({ type: 'Normal', reason: Reason.Deleted, message, once: true });
      continue;
    }
    const why = lookup.state === 'missing' ? 'does not exist' : `is not ready (${lookup.message})`;
    const message = `Cannot delete load balancer: LoadBalancerProvider ${name} ${why}; the finalizer ${FINALIZER} stays until it can.`;
    deps.say({ type: 'Warning', reason: Reason.DeleteFailed, message, once: true });
    return { kind: 'pending', outcome: DONE };
  }
  const ref = refOf(service, deps.clusterName);
  deps.say({ type: 'Normal', reason: Reason.Deleting, message: `Deleting load balancer ${ref.name}`, once: true });
  try {
    for (const handle of handles) await handle.provider.delete(ref, signal);
  } catch (err) {
    if (err instanceof RetryAfterError)
      return { kind: 'pending', outcome: { kind: 'requeueAfter', delayMs: err.delayMs } };
    const message = `Error deleting load balancer ${ref.name}: ${errorText(err)}`;
    deps.say({ type: 'Warning', reason: Reason.DeleteFailed, message, once: true });
    return { kind: 'pending', outcome: { kind: 'retry', error: err } };
  }
  deps.say({ type: 'Normal', reason: Reason.Deleted, message: `Deleted load balancer ${ref.name}`, once: false });
  deps.log.info({ service: serviceKey(service), provider: names.join(','), lb: ref.name }, 'deleted load balancer');
  let current: V1Service | undefined = service;
  if (!service.metadata?.deletionTimestamp && hasOurStatus(service)) current = await deps.writer.clearStatus(service);
  current = current === undefined ? undefined : await deps.writer.release(current);
  return { kind: 'released', service: current };
}
