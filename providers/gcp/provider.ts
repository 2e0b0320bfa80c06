// The GCP provider: passthrough Network Load Balancers (backend-service based) on Compute Engine.
import type {
  Capabilities,
  DesiredLoadBalancer,
  Interpretation,
  LoadBalancerProvider,
  LoadBalancerRef,
  LoadBalancerStatus,
} from '../../src/provider/contract.ts';
import { PermanentError } from '../../src/provider/errors/index.ts';
import type { ProviderContext } from '../../src/provider/registry.ts';
import { interpretAnnotations } from './annotations.ts';
import type { ComputeApi } from './api/compute.ts';
import { ignoreNotFound } from './errors.ts';
import {
  addressNeedsRecreate,
  backendServiceNeedsRecreate,
  backendServiceNeedsUpdate,
  firewallNeedsUpdate,
  healthCheckNeedsUpdate,
  ruleNeedsRecreate,
} from './diff.ts';
import { InstanceGroups } from './instance-groups.ts';
import { resourceNames, RULE_KINDS } from './names.ts';
import { CLUSTER_LABEL, clusterLabel, ownedBy, refFromDescription } from './ownership.ts';
import { buildPlan, type Plan, type PlannedFirewall } from './plan.ts';
import { Resources, type Address, type BatchOptions } from './resources.ts';

export const GCP_CAPABILITIES: Capabilities = {
  schemes: { External: { protocols: ['TCP', 'UDP'] }, Internal: { protocols: ['TCP', 'UDP', 'SCTP'] } },
  mixedProtocols: true,
  addressKind: 'IP',
  sourceRanges: true,
  staticAddress: true,
  needsNodePorts: true,
};

/** What the last full ensure of a load balancer established, to tell a node-only change apart. */
interface Memo {
  readonly shape: string;
  readonly membership: string;
  readonly ip: string;
}

export interface GcpProviderOptions {
  /** How long a verified instance-group membership is trusted. Default 60 s. */
  readonly verifiedTtlMs?: number;
  /** Batching of name lookups across Services (resources.ts); tests and the bench observe it. */
  readonly batch?: BatchOptions;
}

function zoneOfGroup(link: string | null | undefined): string | undefined {
  return /\/zones\/([^/]+)\/instanceGroups\//.exec(link ?? '')?.[1];
}

export class GcpProvider implements LoadBalancerProvider {
  readonly type = 'gcp';
  readonly #api: ComputeApi;
  readonly #resources: Resources;
  readonly #groups: InstanceGroups;
  readonly #context: ProviderContext;
  readonly #memos = new Map<string, Memo>();

  constructor(api: ComputeApi, context: ProviderContext, options: GcpProviderOptions = {}) {
    this.#api = api;
    this.#context = context;
    this.#resources = new Resources(api, options.batch);
    this.#groups = new InstanceGroups(api, {
      clusterName: context.clusterName,
      verifiedTtlMs: options.verifiedTtlMs ?? 60_000,
    });
  }

  capabilities(): Capabilities {
    return GCP_CAPABILITIES;
  }

  interpret(annotations: Readonly<Record<string, string>>): Interpretation {
    return interpretAnnotations(annotations);
  }

  async ensure(lb: DesiredLoadBalancer, signal: AbortSignal): Promise<LoadBalancerStatus> {
    const plan = buildPlan(lb, this.#api.config);
    const { zones, skippedTargets: _skipped, ...rest } = plan;
    const shape = JSON.stringify({ ...rest, zones: [...zones.keys()].sort() });
    const membership = JSON.stringify([...zones].sort(([a], [b]) => a.localeCompare(b)));
    const memo = this.#memos.get(lb.name);
    this.#memos.delete(lb.name);
    if (memo && memo.shape === shape && memo.membership !== membership) {
      // Only which nodes sit in which (already referenced) zone changed: that is the shared
      // instance groups' business, not this load balancer's.
      const wrote = await this.#groups.ensure(zones, signal);
      this.#memos.set(lb.name, { shape, membership, ip: memo.ip });
      return this.#status(plan, memo.ip, wrote);
    }
    let result: { ip: string; wrote: boolean };
    try {
      result = await this.#ensureAll(lb, plan, signal);
    } catch (error) {
      // A failure may come from a group that changed under us (deleted with another Service's
      // load balancer): read the groups again next time rather than trust what was verified.
      this.#groups.forget();
      throw error;
    }
    const { ip, wrote } = result;
    this.#memos.set(lb.name, { shape, membership, ip });
    return this.#status(plan, ip, wrote);
  }

  async delete(ref: LoadBalancerRef, signal: AbortSignal): Promise<void> {
    this.#memos.delete(ref.name);
    const names = resourceNames(ref.name);
    const r = this.#resources;
    const owner = this.#owner(ref);
    const mine = <T extends { description?: string | null }>(x: T | undefined): x is T =>
      x !== undefined && ownedBy(x.description, owner);
    const rules = await r.rules(
      RULE_KINDS.map((k) => names.rules[k]),
      signal,
    );
    await Promise.all(rules.filter(mine).map((rule) => ignoreNotFound(r.deleteRule(rule.name ?? '', signal))));
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
      await ignoreNotFound(r.deleteBackendService(names.backendService, signal));
    }
    await Promise.all([
      mine(check) ? ignoreNotFound(r.deleteHealthCheck(names.healthCheck, signal)) : undefined,
      mine(traffic) ? ignoreNotFound(r.deleteFirewall(names.trafficFirewall, signal)) : undefined,
      mine(health) ? ignoreNotFound(r.deleteFirewall(names.healthFirewall, signal)) : undefined,
      mine(address) ? ignoreNotFound(r.deleteAddress(names.address, signal)) : undefined,
    ]);
    // Zones this process has seen too: a delete retried after the backend service went still
    // finds the groups to release.
    for (const zone of this.#groups.knownZones()) zones.add(zone);
    if (zones.size > 0) await this.#releaseGroups(zones, signal);
  }

  async *listOwned(signal: AbortSignal): AsyncIterable<LoadBalancerRef> {
    const cluster = this.#context.clusterName;
    const r = this.#resources;
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

  /** Ownership as this provider marks it: the cluster is always our own, whatever a ref claims. */
  #owner(ref: LoadBalancerRef): LoadBalancerRef['ownership'] {
    return { ...ref.ownership, clusterName: this.#context.clusterName };
  }

  async close(): Promise<void> {
    await this.#api.close();
  }

  // --- ensure ---------------------------------------------------------------------------------

  async #ensureAll(lb: DesiredLoadBalancer, plan: Plan, signal: AbortSignal): Promise<{ ip: string; wrote: boolean }> {
    const r = this.#resources;
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
      if (resource && !ownedBy(resource.description, this.#owner(lb))) {
        throw new PermanentError(
          `${what} ${resource.name ?? ''} exists in project ${this.#api.config.project} and is not owned by this Service; rename or delete it`,
        );
      }
    }
    let wrote = false;

    // Address: ours (reserved here, released on delete) or the user's (found by IP, kept).
    const addressPlan = await this.#planAddress(plan, address, signal);
    const backendLink = r.backendServiceLink(n.backendService);
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
        await ignoreNotFound(r.deleteRule(actual.name ?? '', signal));
        wrote = true;
      }
      if (desired && (actual === undefined || stale)) toInsert.push(desired);
    }

    // 2. Address.
    let ip = addressPlan.ip;
    if (addressPlan.replaceOwn && address) {
      await ignoreNotFound(r.deleteAddress(n.address, signal));
      wrote = true;
    }
    if (addressPlan.replaceOwn || addressPlan.createOwn) {
      await r.insertAddress(plan, signal);
      wrote = true;
      const created = await r.address(n.address, signal);
      ip = created?.address ?? undefined;
    }
    if (ip === undefined) throw new PermanentError(`address ${n.address} has no IP`);

    // 3. Instance groups (shared), then health check, backend service, firewalls.
    const zones = [...plan.zones.keys()].sort();
    const groupLinks = zones.map((z) => this.#groups.link(z));
    if (await this.#groups.ensure(plan.zones, signal)) wrote = true;
    if (!check) {
      await r.insertHealthCheck(plan, signal);
      wrote = true;
    } else if (healthCheckNeedsUpdate(check, plan.healthCheck)) {
      await r.updateHealthCheck(plan, signal);
      wrote = true;
    }
    const dropped = (backend?.backends ?? [])
      .map((b) => zoneOfGroup(b.group))
      .filter((z): z is string => z !== undefined && !plan.zones.has(z));
    if (backend && recreateBackend) {
      await ignoreNotFound(r.deleteBackendService(n.backendService, signal));
      wrote = true;
    }
    if (!backend || recreateBackend) {
      await r.insertBackendService(plan, groupLinks, signal);
      wrote = true;
    } else if (backendServiceNeedsUpdate(backend, plan, r.healthCheckLink(n.healthCheck), groupLinks)) {
      await r.updateBackendService(plan, groupLinks, backend.fingerprint, signal);
      wrote = true;
    }
    const firewallWrites = await Promise.all([
      this.#ensureFirewall(plan, plan.trafficFirewall, traffic, signal),
      this.#ensureFirewall(plan, plan.healthFirewall, health, signal),
    ]);
    if (firewallWrites.some(Boolean)) wrote = true;

    // 4. Forwarding rules on the address.
    for (const rule of toInsert) {
      await r.insertRule(plan, rule, ip, signal);
      wrote = true;
    }

    // 5. Our address is no longer used once the rules moved to the user's.
    if (addressPlan.releaseOwn && address) {
      await ignoreNotFound(r.deleteAddress(n.address, signal));
      wrote = true;
    }
    // Zones without eligible nodes any more: their groups hold nobody.
    if (dropped.length > 0 && (await this.#groups.ensure(new Map(dropped.map((z) => [z, []])), signal))) wrote = true;
    return { ip, wrote };
  }

  async #planAddress(
    plan: Plan,
    own: Address | undefined,
    signal: AbortSignal,
  ): Promise<{ ip: string | undefined; createOwn: boolean; replaceOwn: boolean; releaseOwn: boolean }> {
    const requested = plan.requestedAddress;
    const ownFits = own !== undefined && !addressNeedsRecreate(own, plan);
    if (ownFits) return { ip: own.address ?? undefined, createOwn: false, replaceOwn: false, releaseOwn: false };
    if (requested !== undefined) {
      const holders = (await this.#resources.addressesWithIp(requested, signal)).filter(
        (a) => a.name !== plan.names.address,
      );
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

  async #ensureFirewall(
    plan: Plan,
    desired: PlannedFirewall,
    actual: { network?: string | null } | undefined,
    signal: AbortSignal,
  ): Promise<boolean> {
    if (!actual) {
      await this.#resources.insertFirewall(plan, desired, signal);
      return true;
    }
    if (firewallNeedsUpdate(actual, desired, this.#api.config.network)) {
      await this.#resources.updateFirewall(plan, desired, signal);
      return true;
    }
    return false;
  }

  async #releaseGroups(zones: ReadonlySet<string>, signal: AbortSignal): Promise<void> {
    const users = await this.#resources.backendServices(signal);
    for (const zone of zones) {
      const link = this.#groups.link(zone);
      const used = users.some((s) => (s.backends ?? []).some((b) => (b.group ?? '').endsWith(link)));
      if (!used) await this.#groups.deleteIfUnused(zone, signal);
    }
  }

  #status(plan: Plan, ip: string, changed: boolean): LoadBalancerStatus {
    const rules = plan.rules.map(
      (x) =>
        `${x.name} (${x.protocol === 'L3_DEFAULT' ? 'L3_DEFAULT: TCP, UDP, SCTP' : x.protocol} ${x.allPorts ? 'all ports' : x.ports.join(',')})`,
    );
    const nodes = [...plan.zones.values()].reduce((sum, list) => sum + list.length, 0);
    const skipped =
      plan.skippedTargets.length > 0
        ? `; ${plan.skippedTargets.length} node(s) skipped (providerID not gce://${this.#api.config.project}/<zone in ${this.#api.config.region}>/<name>)`
        : '';
    return {
      ingress: [{ ip, ipMode: 'VIP' }],
      summary: `${plan.scheme === 'INTERNAL' ? 'internal' : 'external'} passthrough Network Load Balancer at ${ip} with forwarding rules ${rules.join(', ')}; ${nodes} node(s) in ${plan.zones.size} zone(s)${skipped}`,
      changed,
    };
  }
}
