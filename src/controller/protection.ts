// Provider protection, in the spirit of kubernetes.io/pv-protection: a LoadBalancerProvider that
// Services still have load balancers through is not deleted until they are gone or have moved.
// Pure: what to do with the finalizer, and what to tell the user.
import type { V1Service } from '@kubernetes/client-node';
import { PROVIDER_ANNOTATION, PROVIDER_FINALIZER } from './constants.ts';
import { holdsCleanupFinalizer } from './finalizers.ts';

/** How many Services a hold message names before "and N more". */
const NAMED = 3;

/** The Services whose load balancers `provider` built: our finalizer on, its name in our annotation. */
export function servicesClaimedBy(services: readonly V1Service[], provider: string): string[] {
  return services
    .filter(
      (s) =>
        s.metadata?.annotations?.[PROVIDER_ANNOTATION] === provider && holdsCleanupFinalizer(s.metadata.finalizers),
    )
    .map((s) => `${s.metadata?.namespace ?? ''}/${s.metadata?.name ?? ''}`)
    .sort();
}

export interface ProtectedObject {
  readonly name: string;
  readonly finalizers: readonly string[];
  readonly deleting: boolean;
}

export type Protection =
  /** Not being deleted and not yet protected: add the finalizer. */
  | { readonly kind: 'add'; readonly finalizers: readonly string[] }
  /** Being deleted while Services use it: keep the finalizer, say who holds it. */
  | { readonly kind: 'hold'; readonly message: string; readonly remaining: number }
  /** Being deleted and nobody uses it: remove the finalizer, it goes. */
  | { readonly kind: 'release'; readonly finalizers: readonly string[] }
  | { readonly kind: 'none' };

export function protection(object: ProtectedObject, users: readonly string[]): Protection {
  const has = object.finalizers.includes(PROVIDER_FINALIZER);
  if (!object.deleting)
    return has ? { kind: 'none' } : { kind: 'add', finalizers: [...object.finalizers, PROVIDER_FINALIZER] };
  if (!has) return { kind: 'none' };
  if (users.length === 0)
    return { kind: 'release', finalizers: object.finalizers.filter((f) => f !== PROVIDER_FINALIZER) };
  return { kind: 'hold', message: holdMessage(object.name, users), remaining: users.length };
}

/** "… Services a/x, b/y, c/z and 2 more still have load balancers through it …" */
export function holdMessage(provider: string, users: readonly string[]): string {
  const named = users.slice(0, NAMED).join(', ');
  const more = users.length > NAMED ? ` and ${users.length - NAMED} more` : '';
  const services = users.length === 1 ? 'Service' : 'Services';
  const have = users.length === 1 ? 'has a load balancer' : 'have load balancers';
  return `LoadBalancerProvider ${provider} is being deleted, but ${users.length} ${services} (${named}${more}) still ${have} through it; the finalizer ${PROVIDER_FINALIZER} keeps it until they are deleted or moved to another provider.`;
}
