// Ensuring one load balancer on this machine: an address from the pool (recorded, so a restart
// gives the same one), then only the listeners that differ from the plan opened, closed or
// re-pointed.
import type { DesiredLoadBalancer, LoadBalancerStatus, RefusedListener } from '../../src/provider/contract.ts';
import { serviceKey, type LocalContext, type Served } from './context.ts';
import { allocationError, permanentListenRefusal } from './errors.ts';
import { HealthMonitor } from './health.ts';
import { diffPlans, isNoop } from './diff.ts';
import {
  listenerKey,
  planProxies,
  summarizePlan,
  unreachableTargets,
  type ListenerPlan,
  type ProxyPlan,
} from './plan.ts';
import { allocateAddress } from './pool.ts';
import { sourceFilter, type SourceFilter } from './source-ranges.ts';

export async function ensureLoadBalancer(ctx: LocalContext, lb: DesiredLoadBalancer): Promise<LoadBalancerStatus> {
  const allow = sourceFilter(lb.sourceRanges);
  const address = await allocate(ctx, lb);
  const plan = planProxies(lb, address);
  const served = servedFor(ctx, lb, address);
  const diff = diffPlans(currentPlan(served), plan);

  for (const listener of diff.readdress ? [...served.listeners.values()].map((l) => l.plan) : diff.close) {
    await closeListener(ctx, served, listener);
  }
  served.address = address;
  if (diff.sourceRangesChanged) {
    for (const { proxy } of served.listeners.values()) proxy.setSourceFilter(allow);
  }
  served.sourceRanges = plan.sourceRanges;
  for (const listener of diff.retarget) {
    const open = served.listeners.get(listenerKey(listener));
    open?.proxy.setBackends(listener.backends);
    if (open !== undefined) served.listeners.set(listenerKey(listener), { plan: listener, proxy: open.proxy });
    ctx.countCall('local:setBackends');
  }
  served.health.setProbes(plan.listeners.flatMap((l) => l.backends.map((b) => b.probe)));
  const refusedListeners: RefusedListener[] = [];
  for (const listener of diff.open) {
    const refusal = await openListener(ctx, served, listener, allow);
    if (refusal !== undefined) refusedListeners.push(refusal);
  }

  // A listener the system refuses again is no change: each later ensure tries it once more (the
  // node's setting may have changed) without saying "updated".
  const isOpen = (l: ListenerPlan): boolean => served.listeners.has(listenerKey(l));
  const changed = !isNoop({ ...diff, open: diff.open.filter(isOpen) });
  const summary = summarizePlan({ ...plan, listeners: plan.listeners.filter(isOpen) });
  if (changed) ctx.log.info({ service: serviceKey(lb), address }, summary);
  const skippedTargets = unreachableTargets(lb.targets);
  return {
    ingress: [{ ip: address, ipMode: 'Proxy' }],
    summary,
    changed,
    ...(skippedTargets.length > 0 && { skippedTargets }),
    ...(refusedListeners.length > 0 && { refusedListeners }),
  };
}

async function allocate(ctx: LocalContext, lb: DesiredLoadBalancer): Promise<string> {
  const records = await ctx.loadRecords();
  const taken = new Map<string, string>();
  for (const [name, record] of records) taken.set(record.address, name);
  const recorded = records.get(lb.name)?.address;
  const result = allocateAddress(
    ctx.config.pool,
    {
      key: lb.name,
      ...(lb.requestedAddress === undefined ? {} : { requested: lb.requestedAddress }),
      ...(recorded === undefined ? {} : { recorded }),
    },
    taken,
  );
  if (result.kind !== 'allocated') throw allocationError(ctx.config.pool, result, records);
  if (recorded !== result.address) {
    records.set(lb.name, { address: result.address, ownership: lb.ownership });
    await ctx.store.save(records);
    ctx.countCall('local:recordAddress');
  }
  return result.address;
}

function servedFor(ctx: LocalContext, lb: DesiredLoadBalancer, address: string): Served {
  let served = ctx.served.get(lb.name);
  if (served === undefined) {
    served = {
      ref: { name: lb.name, ownership: lb.ownership },
      address,
      sourceRanges: [],
      listeners: new Map(),
      health: new HealthMonitor({
        intervalMs: ctx.config.healthCheckIntervalMs,
        log: ctx.log.child({ service: serviceKey(lb) }),
      }),
    };
    ctx.served.set(lb.name, served);
  }
  return served;
}

/** What is open now, in the shape of a plan, so the pure diff can compare it with the wanted one. */
function currentPlan(served: Served): ProxyPlan | undefined {
  if (served.listeners.size === 0 && served.sourceRanges.length === 0) return undefined;
  const listeners = [...served.listeners.values()]
    .map((l) => l.plan)
    .sort((a, b) => a.port - b.port || a.protocol.localeCompare(b.protocol));
  return { address: served.address, listeners, sourceRanges: served.sourceRanges };
}

/** Opens the listener; a bind the system refuses for good comes back as a refusal, others throw. */
async function openListener(
  ctx: LocalContext,
  served: Served,
  listener: ListenerPlan,
  allow: SourceFilter,
): Promise<RefusedListener | undefined> {
  let proxy;
  try {
    proxy = await ctx.openProxy({
      address: served.address,
      port: listener.port,
      protocol: listener.protocol,
      backends: listener.backends,
      allow,
      deps: { health: served.health, log: ctx.log },
      udpIdleMs: ctx.udpIdleMs,
    });
  } catch (error) {
    const reason = permanentListenRefusal(error);
    if (reason === undefined) throw error;
    return { port: listener.port, protocol: listener.protocol, reason };
  }
  served.listeners.set(listenerKey(listener), { plan: listener, proxy });
  ctx.countCall('local:listen');
  return undefined;
}

async function closeListener(ctx: LocalContext, served: Served, listener: ListenerPlan): Promise<void> {
  const open = served.listeners.get(listenerKey(listener));
  if (open === undefined) return;
  served.listeners.delete(listenerKey(listener));
  await open.proxy.close();
  ctx.countCall('local:close');
}
