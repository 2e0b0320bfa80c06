// Ensuring one load balancer: read what exists, refuse what carries another owner's mark, then
// write only what differs from the plan, in an order the cloud's references allow.
import type { DesiredLoadBalancer, LoadBalancerStatus } from '../../src/provider/contract.ts';
import { PermanentError } from '../../src/provider/errors/index.ts';
import { deleteAddress, insertAddress } from './api/addresses.ts';
import {
  backendServiceLink,
  deleteBackendService,
  insertBackendService,
  updateBackendService,
} from './api/backend-services.ts';
import { insertFirewall, updateFirewall } from './api/firewalls.ts';
import { deleteRule, insertRule } from './api/forwarding-rules.ts';
import { healthCheckLink, insertHealthCheck, updateHealthCheck } from './api/health-checks.ts';
import type { Address } from './api/lookups.ts';
import type { GcpContext } from './context.ts';
import {
  addressNeedsRecreate,
  backendServiceNeedsRecreate,
  backendServiceNeedsUpdate,
  firewallNeedsUpdate,
  healthCheckNeedsUpdate,
  ruleNeedsRecreate,
} from './diff.ts';
import { ignoreNotFound } from './errors.ts';
import { zoneOfGroup } from './instance-groups.ts';
import { RULE_KINDS } from './names.ts';
import { ownedBy, ownerOf } from './ownership.ts';
import { buildPlan, parseProviderID, type Plan, type PlannedFirewall } from './plan.ts';

export async function ensureLoadBalancer(
  ctx: GcpContext,
  lb: DesiredLoadBalancer,
  signal: AbortSignal,
): Promise<LoadBalancerStatus> {
  const plan = buildPlan(lb, ctx.api.config);
  const { zones, skippedTargets: _skipped, ...rest } = plan;
  const shape = JSON.stringify({ ...rest, zones: [...zones.keys()].sort() });
  const membership = JSON.stringify([...zones].sort(([a], [b]) => a.localeCompare(b)));
  const memo = ctx.memos.get(lb.name);
  ctx.memos.delete(lb.name);
  if (memo && memo.shape === shape && memo.membership !== membership) {
    // Only which nodes sit in which (already referenced) zone changed: that is the shared
    // instance groups' business, not this load balancer's.
    const wrote = await ctx.groups.ensure(zones, signal);
    ctx.memos.set(lb.name, { shape, membership, ip: memo.ip });
    return status(withMissingInstances(plan, lb, ctx.groups.missing(zones)), memo.ip, wrote);
  }
  let result: { ip: string; wrote: boolean };
  try {
    result = await ensureAll(ctx, lb, plan, signal);
  } catch (error) {
    // A failure may come from a group that changed under us (deleted with another Service's
    // load balancer): read the groups again next time rather than trust what was verified.
    ctx.groups.forget();
    throw error;
  }
  const { ip, wrote } = result;
  ctx.memos.set(lb.name, { shape, membership, ip });
  return status(withMissingInstances(plan, lb, ctx.groups.missing(zones)), ip, wrote);
}

async function ensureAll(
  ctx: GcpContext,
  lb: DesiredLoadBalancer,
  plan: Plan,
  signal: AbortSignal,
): Promise<{ ip: string; wrote: boolean }> {
  const { api, lookups: r, groups } = ctx;
  const n = plan.names;
  const [address, check, backend, firewalls, found] = await Promise.all([
    r.address(n.address, signal),
    r.healthCheck(n.healthCheck, signal),
    r.backendService(n.backendService, signal),
    r.firewalls([n.trafficFirewall, n.healthFirewall], signal),
    r.rules(
      RULE_KINDS.map((k) => n.rules[k]),
      signal,
    ),
  ]);
  const traffic = firewalls.find((f) => f.name === n.trafficFirewall);
  const health = firewalls.find((f) => f.name === n.healthFirewall);
  const rules = RULE_KINDS.map((k) => found.find((x) => x.name === n.rules[k]));
  for (const [what, resource] of [
    ['address', address],
    ['health check', check],
    ['backend service', backend],
    ['firewall', traffic],
    ['firewall', health],
    ...rules.map((x) => ['forwarding rule', x] as const),
  ] as const) {
    if (resource && !ownedBy(resource.description, ownerOf(lb, ctx.clusterName))) {
      throw new PermanentError(
        `${what} ${resource.name ?? ''} exists in project ${api.config.project} and is not owned by this Service; rename or delete it`,
      );
    }
  }
  let wrote = false;

  // Address: ours (reserved here, released on delete) or the user's (found by IP, kept).
  const addressPlan = await planAddress(ctx, plan, address, signal);
  const backendLink = backendServiceLink(api.config, n.backendService);
  const recreateBackend = backend !== undefined && backendServiceNeedsRecreate(backend, plan);

  // 1. Forwarding rules that are unwanted or differ go first: they pin the address and backend service.
  const byKind = new Map(RULE_KINDS.map((k, i) => [k, rules[i]]));
  const toInsert = [];
  for (const kind of RULE_KINDS) {
    const actual = byKind.get(kind);
    const desired = plan.rules.find((x) => x.kind === kind);
    const stale =
      actual !== undefined &&
      (desired === undefined ||
        addressPlan.replaceOwn ||
        addressPlan.createOwn ||
        recreateBackend ||
        (addressPlan.ip !== undefined && ruleNeedsRecreate(actual, desired, plan, addressPlan.ip, backendLink)));
    if (stale) {
      await ignoreNotFound(deleteRule(api, actual.name ?? '', signal));
      wrote = true;
    }
    if (desired && (actual === undefined || stale)) toInsert.push(desired);
  }

  // 2. Address.
  let ip = addressPlan.ip;
  if (addressPlan.replaceOwn && address) {
    await ignoreNotFound(deleteAddress(api, n.address, signal));
    wrote = true;
  }
  if (addressPlan.replaceOwn || addressPlan.createOwn) {
    await insertAddress(api, plan, signal);
    wrote = true;
    const created = await r.address(n.address, signal);
    ip = created?.address ?? undefined;
  }
  if (ip === undefined) throw new PermanentError(`address ${n.address} has no IP`);

  // 3. Instance groups (shared), then health check, backend service, firewalls.
  const zones = [...plan.zones.keys()].sort();
  const groupLinks = zones.map((z) => groups.link(z));
  if (await groups.ensure(plan.zones, signal)) wrote = true;
  if (!check) {
    await insertHealthCheck(api, plan, signal);
    wrote = true;
  } else if (healthCheckNeedsUpdate(check, plan.healthCheck)) {
    await updateHealthCheck(api, plan, signal);
    wrote = true;
  }
  const dropped = (backend?.backends ?? [])
    .map((b) => zoneOfGroup(b.group))
    .filter((z): z is string => z !== undefined && !plan.zones.has(z));
  if (backend && recreateBackend) {
    await ignoreNotFound(deleteBackendService(api, n.backendService, signal));
    wrote = true;
  }
  if (!backend || recreateBackend) {
    await insertBackendService(api, plan, groupLinks, signal);
    wrote = true;
  } else if (backendServiceNeedsUpdate(backend, plan, healthCheckLink(api.config, n.healthCheck), groupLinks)) {
    await updateBackendService(api, plan, groupLinks, backend.fingerprint, signal);
    wrote = true;
  }
  const firewallWrites = await Promise.all([
    ensureFirewall(ctx, plan, plan.trafficFirewall, traffic, signal),
    ensureFirewall(ctx, plan, plan.healthFirewall, health, signal),
  ]);
  if (firewallWrites.some(Boolean)) wrote = true;

  // 4. Forwarding rules on the address.
  for (const rule of toInsert) {
    await insertRule(api, plan, rule, ip, signal);
    wrote = true;
  }

  // 5. Our address is no longer used once the rules moved to the user's.
  if (addressPlan.releaseOwn && address) {
    await ignoreNotFound(deleteAddress(api, n.address, signal));
    wrote = true;
  }
  // Zones without eligible nodes any more: their groups hold nobody.
  if (dropped.length > 0 && (await groups.ensure(new Map(dropped.map((z) => [z, []])), signal))) wrote = true;
  return { ip, wrote };
}

async function planAddress(
  ctx: GcpContext,
  plan: Plan,
  own: Address | undefined,
  signal: AbortSignal,
): Promise<{ ip: string | undefined; createOwn: boolean; replaceOwn: boolean; releaseOwn: boolean }> {
  const requested = plan.requestedAddress;
  const ownFits = own !== undefined && !addressNeedsRecreate(own, plan);
  if (ownFits) return { ip: own.address ?? undefined, createOwn: false, replaceOwn: false, releaseOwn: false };
  if (requested !== undefined) {
    const holders = (await ctx.lookups.addressesWithIp(requested, signal)).filter((a) => a.name !== plan.names.address);
    const user = holders[0];
    if (user) {
      if ((user.addressType ?? 'EXTERNAL') !== plan.scheme) {
        throw new PermanentError(
          `address ${user.name ?? ''} (${requested}) is ${user.addressType ?? 'EXTERNAL'}, but the Service asks for an ${plan.scheme.toLowerCase()} load balancer`,
          { field: 'spec.loadBalancerIP' },
        );
      }
      return { ip: requested, createOwn: false, replaceOwn: false, releaseOwn: own !== undefined };
    }
  }
  return { ip: undefined, createOwn: own === undefined, replaceOwn: own !== undefined, releaseOwn: false };
}

async function ensureFirewall(
  ctx: GcpContext,
  plan: Plan,
  desired: PlannedFirewall,
  actual: { network?: string | null } | undefined,
  signal: AbortSignal,
): Promise<boolean> {
  if (!actual) {
    await insertFirewall(ctx.api, plan, desired, signal);
    return true;
  }
  if (firewallNeedsUpdate(actual, desired, ctx.api.config.network)) {
    await updateFirewall(ctx.api, plan, desired, signal);
    return true;
  }
  return false;
}

/** The plan as served: instances the zone does not have are out of their zone and among the skipped targets. */
function withMissingInstances(
  plan: Plan,
  lb: DesiredLoadBalancer,
  missing: ReadonlyMap<string, readonly string[]>,
): Plan {
  if (missing.size === 0) return plan;
  const skipped = lb.targets.flatMap((t) => {
    const id = parseProviderID(t.providerID);
    if (id === undefined || !(missing.get(id.zone) ?? []).includes(id.name)) return [];
    const reason = `instance ${id.name} does not exist in ${id.zone}`;
    return [{ nodeName: t.nodeName, kind: 'instanceNotFound' as const, reason }];
  });
  const zones = new Map(
    [...plan.zones].map(([zone, names]) => [zone, names.filter((n) => !(missing.get(zone) ?? []).includes(n))]),
  );
  return { ...plan, zones, skippedTargets: [...plan.skippedTargets, ...skipped] };
}

function status(plan: Plan, ip: string, changed: boolean): LoadBalancerStatus {
  const rules = plan.rules.map(
    (x) =>
      `${x.name} (${x.protocol === 'L3_DEFAULT' ? 'L3_DEFAULT: TCP, UDP, SCTP' : x.protocol} ${x.allPorts ? 'all ports' : x.ports.join(',')})`,
  );
  const nodes = [...plan.zones.values()].reduce((sum, list) => sum + list.length, 0);
  const skipped = plan.skippedTargets.map((s) => `; node ${s.nodeName} is not a target: ${s.reason}`).join('');
  return {
    ingress: [{ ip, ipMode: 'VIP' }],
    summary: `${plan.scheme === 'INTERNAL' ? 'internal' : 'external'} passthrough Network Load Balancer at ${ip} with forwarding rules ${rules.join(', ')}; ${nodes} node(s) in ${plan.zones.size} zone(s)${skipped}`,
    changed,
    ...(plan.skippedTargets.length > 0 && { skippedTargets: plan.skippedTargets }),
  };
}
