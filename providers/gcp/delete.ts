// Deleting one load balancer: what carries this Service's mark goes, rules first (they pin the
// address and the backend service); the shared instance groups go only when no backend service
// uses them any more. What is already gone counts as deleted.
import type { LoadBalancerRef } from '../../src/provider/contract.ts';
import { deleteAddress } from './api/addresses.ts';
import { deleteBackendService } from './api/backend-services.ts';
import { deleteFirewall } from './api/firewalls.ts';
import { deleteRule } from './api/forwarding-rules.ts';
import { deleteHealthCheck } from './api/health-checks.ts';
import type { GcpContext } from './context.ts';
import { ignoreNotFound } from './errors.ts';
import { zoneOfGroup } from './instance-groups.ts';
import { resourceNames, RULE_KINDS } from './names.ts';
import { ownedBy, ownerOf } from './ownership.ts';

export async function deleteLoadBalancer(ctx: GcpContext, ref: LoadBalancerRef, signal: AbortSignal): Promise<void> {
  ctx.memos.delete(ref.name);
  const { api, lookups: r } = ctx;
  const names = resourceNames(ref.name);
  const owner = ownerOf(ref, ctx.clusterName);
  const mine = <T extends { description?: string | null }>(x: T | undefined): x is T =>
    x !== undefined && ownedBy(x.description, owner);
  const rules = await r.rules(
    RULE_KINDS.map((k) => names.rules[k]),
    signal,
  );
  await Promise.all(rules.filter(mine).map((rule) => ignoreNotFound(deleteRule(api, rule.name ?? '', signal))));
  const [backend, check, firewalls, address] = await Promise.all([
    r.backendService(names.backendService, signal),
    r.healthCheck(names.healthCheck, signal),
    r.firewalls([names.trafficFirewall, names.healthFirewall], signal),
    r.address(names.address, signal),
  ]);
  const traffic = firewalls.find((f) => f.name === names.trafficFirewall);
  const health = firewalls.find((f) => f.name === names.healthFirewall);
  const zones = new Set<string>();
  if (mine(backend)) {
    for (const b of backend.backends ?? []) {
      const zone = zoneOfGroup(b.group);
      if (zone) zones.add(zone);
    }
    await ignoreNotFound(deleteBackendService(api, names.backendService, signal));
  }
  await Promise.all([
    mine(check) ? ignoreNotFound(deleteHealthCheck(api, names.healthCheck, signal)) : undefined,
    mine(traffic) ? ignoreNotFound(deleteFirewall(api, names.trafficFirewall, signal)) : undefined,
    mine(health) ? ignoreNotFound(deleteFirewall(api, names.healthFirewall, signal)) : undefined,
    mine(address) ? ignoreNotFound(deleteAddress(api, names.address, signal)) : undefined,
  ]);
  // Zones this process has seen too: a delete retried after the backend service went still
  // finds the groups to release.
  for (const zone of ctx.groups.knownZones()) zones.add(zone);
  if (zones.size > 0) await releaseGroups(ctx, zones, signal);
}

async function releaseGroups(ctx: GcpContext, zones: ReadonlySet<string>, signal: AbortSignal): Promise<void> {
  const users = await ctx.lookups.backendServices(signal);
  for (const zone of zones) {
    const link = ctx.groups.link(zone);
    const used = users.some((s) => (s.backends ?? []).some((b) => (b.group ?? '').endsWith(link)));
    if (!used) await ctx.groups.deleteIfUnused(zone, signal);
  }
}
