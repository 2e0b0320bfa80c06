// The load balancers this cluster owns in the project, for the orphan sweep: every backend
// service, health check and labelled address whose description names this cluster.
import type { LoadBalancerRef } from '../../src/provider/contract.ts';
import type { GcpContext } from './context.ts';
import { CLUSTER_LABEL, clusterLabel, refFromDescription } from './ownership.ts';

export async function* listOwnedLoadBalancers(ctx: GcpContext, signal: AbortSignal): AsyncIterable<LoadBalancerRef> {
  const cluster = ctx.clusterName;
  const r = ctx.lookups;
  const seen = new Set<string>();
  const sources = [
    () => r.backendServices(signal),
    () => r.healthChecks(signal),
    () => r.addressesLabelled(CLUSTER_LABEL, clusterLabel(cluster), signal),
  ];
  for (const source of sources) {
    for (const resource of await source()) {
      const ref = refFromDescription(resource.description, cluster);
      if (ref && !seen.has(ref.name)) {
        seen.add(ref.name);
        yield ref;
      }
    }
  }
}
