import type { V1Service } from '@kubernetes/client-node';
import { GROUP, type LoadBalancerProvider } from '../api/loadbalancerprovider.ts';
import { LOAD_BALANCER_TYPE } from './constants.ts';

/** The class a provider serves: spec.loadBalancerClass, else cloudlb.dev/<name>. */
export function classOf(provider: LoadBalancerProvider): string {
  return provider.spec.loadBalancerClass ?? `${GROUP}/${provider.metadata.name}`;
}

export interface ClassIndex {
  /** class → the provider that serves it. */
  readonly byClass: ReadonlyMap<string, string>;
  /** Providers with spec.default, sorted by name. Only one of them may exist for defaults to work. */
  readonly defaults: readonly string[];
  /** Providers that claim a class another (earlier by name) provider already serves. */
  readonly shadowed: ReadonlyMap<string, { readonly loadBalancerClass: string; readonly servedBy: string }>;
}

export function indexProviders(providers: readonly LoadBalancerProvider[]): ClassIndex {
  const byClass = new Map<string, string>();
  const shadowed = new Map<string, { loadBalancerClass: string; servedBy: string }>();
  const sorted = [...providers].sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : 1));
  for (const provider of sorted) {
    const loadBalancerClass = classOf(provider);
    const servedBy = byClass.get(loadBalancerClass);
    if (servedBy === undefined) byClass.set(loadBalancerClass, provider.metadata.name);
    else shadowed.set(provider.metadata.name, { loadBalancerClass, servedBy });
  }
  const defaults = sorted
    .filter((p) => p.spec.default === true && !shadowed.has(p.metadata.name))
    .map((p) => p.metadata.name);
  return { byClass, defaults, shadowed };
}

export type Resolution =
  /** Ours: served by this provider. */
  | { readonly kind: 'provider'; readonly name: string }
  /** Not ours (not a LoadBalancer, or a class no provider serves: it may belong to another controller). */
  | { readonly kind: 'none' }
  /** No class, and more than one provider claims to be the default: served by none of them. */
  | { readonly kind: 'ambiguousDefault'; readonly names: readonly string[] };

export function resolveProvider(service: V1Service, index: ClassIndex): Resolution {
  if (service.spec?.type !== LOAD_BALANCER_TYPE) return { kind: 'none' };
  const loadBalancerClass = service.spec.loadBalancerClass;
  if (loadBalancerClass) {
    const name = index.byClass.get(loadBalancerClass);
    return name === undefined ? { kind: 'none' } : { kind: 'provider', name };
  }
  const [only, ...more] = index.defaults;
  if (only === undefined) return { kind: 'none' };
  if (more.length > 0) return { kind: 'ambiguousDefault', names: index.defaults };
  return { kind: 'provider', name: only };
}
