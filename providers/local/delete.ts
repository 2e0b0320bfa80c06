// Deleting one load balancer on this machine: its listeners and health checks stop, and its
// address record goes (only the record of this very Service, by UID), which frees the address.
import type { LoadBalancerRef } from '../../src/provider/contract.ts';
import { serviceKey, type LocalContext, type Served } from './context.ts';

export async function deleteLoadBalancer(ctx: LocalContext, ref: LoadBalancerRef): Promise<void> {
  const served = ctx.served.get(ref.name);
  if (served !== undefined) {
    await stopServing(served);
    ctx.served.delete(ref.name);
    ctx.log.info(
      { service: serviceKey(ref), address: served.address },
      'closed the load balancer and freed its address',
    );
  }
  const records = await ctx.loadRecords();
  const record = records.get(ref.name);
  if (record !== undefined && record.ownership.serviceUID === ref.ownership.serviceUID) {
    records.delete(ref.name);
    await ctx.store.save(records);
  }
}

/** Closes every listener and the health checks of one load balancer; its record is kept. */
export async function stopServing(served: Served): Promise<void> {
  await Promise.all([...served.listeners.values()].map(({ proxy }) => proxy.close()));
  served.listeners.clear();
  await served.health.close();
}
