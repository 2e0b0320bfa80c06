// Reads and writes of one load balancer's regional and global resources, each a single counted
// call through ComputeApi. No decisions here; provider.ts decides.
import type { protos } from '@google-cloud/compute';
import type { ComputeApi } from './compute.ts';
import type { Plan, PlannedFirewall, PlannedRule } from './plan.ts';

export type Address = protos.google.cloud.compute.v1.IAddress;
export type ForwardingRule = protos.google.cloud.compute.v1.IForwardingRule;
export type HealthCheck = protos.google.cloud.compute.v1.IHealthCheck;
export type BackendService = protos.google.cloud.compute.v1.IBackendService;
export type Firewall = protos.google.cloud.compute.v1.IFirewall;
type ListAddresses = protos.google.cloud.compute.v1.IListAddressesRequest;
type ListHealthChecks = protos.google.cloud.compute.v1.IListRegionHealthChecksRequest;
type ListBackendServices = protos.google.cloud.compute.v1.IListRegionBackendServicesRequest;
type ListRules = protos.google.cloud.compute.v1.IListForwardingRulesRequest;
type ListFirewalls = protos.google.cloud.compute.v1.IListFirewallsRequest;

/** GCE filter syntax: `(name = "a") OR (name = "b")`. */
export function byName(...names: readonly string[]): string {
  return names.map((n) => `(name = "${n}")`).join(' OR ');
}

function first<T>(items: readonly T[]): T | undefined {
  return items[0];
}

const REGION = { kind: 'region' } as const;
const GLOBAL = { kind: 'global' } as const;

export class Resources {
  readonly #api: ComputeApi;

  constructor(api: ComputeApi) {
    this.#api = api;
  }

  get #p(): { project: string; region: string } {
    return { project: this.#api.config.project, region: this.#api.config.region };
  }

  backendServiceLink(name: string): string {
    return `projects/${this.#p.project}/regions/${this.#p.region}/backendServices/${name}`;
  }

  healthCheckLink(name: string): string {
    return `projects/${this.#p.project}/regions/${this.#p.region}/healthChecks/${name}`;
  }

  // --- reads ---
  // Lookups by name go through list + filter: an absent resource is an empty page, not a 404
  // (the client spends hundreds of milliseconds of CPU building each error).

  address(name: string, s: AbortSignal): Promise<Address | undefined> {
    return this.#api
      .list<Address, ListAddresses>(
        'addresses.list',
        { ...this.#p, filter: byName(name) },
        (r, o) => this.#api.addresses.list(r, o),
        s,
      )
      .then(first);
  }

  addressesWithIp(ip: string, s: AbortSignal): Promise<Address[]> {
    return this.#api.list<Address, ListAddresses>(
      'addresses.list',
      { ...this.#p, filter: `address = "${ip}"` },
      (r, o) => this.#api.addresses.list(r, o),
      s,
    );
  }

  addressesLabelled(label: string, value: string, s: AbortSignal): Promise<Address[]> {
    return this.#api.list<Address, ListAddresses>(
      'addresses.list',
      { ...this.#p, filter: `labels.${label} = "${value}"` },
      (r, o) => this.#api.addresses.list(r, o),
      s,
    );
  }

  /** The rules with any of these names, in one call. */
  rules(names: readonly string[], s: AbortSignal): Promise<ForwardingRule[]> {
    return this.#api.list<ForwardingRule, ListRules>(
      'forwardingRules.list',
      { ...this.#p, filter: byName(...names) },
      (r, o) => this.#api.forwardingRules.list(r, o),
      s,
    );
  }

  healthCheck(name: string, s: AbortSignal): Promise<HealthCheck | undefined> {
    return this.#api
      .list<HealthCheck, ListHealthChecks>(
        'regionHealthChecks.list',
        { ...this.#p, filter: byName(name) },
        (r, o) => this.#api.healthChecks.list(r, o),
        s,
      )
      .then(first);
  }

  healthChecks(s: AbortSignal): Promise<HealthCheck[]> {
    return this.#api.list<HealthCheck, ListHealthChecks>(
      'regionHealthChecks.list',
      { ...this.#p },
      (r, o) => this.#api.healthChecks.list(r, o),
      s,
    );
  }

  backendService(name: string, s: AbortSignal): Promise<BackendService | undefined> {
    return this.#api
      .list<BackendService, ListBackendServices>(
        'regionBackendServices.list',
        { ...this.#p, filter: byName(name) },
        (r, o) => this.#api.backendServices.list(r, o),
        s,
      )
      .then(first);
  }

  backendServices(s: AbortSignal): Promise<BackendService[]> {
    return this.#api.list<BackendService, ListBackendServices>(
      'regionBackendServices.list',
      { ...this.#p },
      (r, o) => this.#api.backendServices.list(r, o),
      s,
    );
  }

  /** The firewalls with any of these names, in one call. */
  firewalls(names: readonly string[], s: AbortSignal): Promise<Firewall[]> {
    return this.#api.list<Firewall, ListFirewalls>(
      'firewalls.list',
      { project: this.#p.project, filter: byName(...names) },
      (r, o) => this.#api.firewalls.list(r, o),
      s,
    );
  }

  // --- writes (each waits for its operation) ---

  insertAddress(plan: Plan, s: AbortSignal): Promise<void> {
    const internal = plan.scheme === 'INTERNAL';
    const subnetwork = this.#api.config.subnetwork;
    const addressResource: Address = {
      name: plan.names.address,
      addressType: plan.scheme,
      description: plan.description,
      labels: { ...plan.labels },
      ...(plan.requestedAddress ? { address: plan.requestedAddress } : {}),
      ...(internal ? { purpose: 'SHARED_LOADBALANCER_VIP', ...(subnetwork ? { subnetwork } : {}) } : {}),
    };
    return this.#api.mutate(
      'addresses.insert',
      plan.names.address,
      REGION,
      (o) => this.#api.addresses.insert({ ...this.#p, addressResource }, o),
      s,
    );
  }

  deleteAddress(name: string, s: AbortSignal): Promise<void> {
    return this.#api.mutate(
      'addresses.delete',
      name,
      REGION,
      (o) => this.#api.addresses.delete({ ...this.#p, address: name }, o),
      s,
    );
  }

  #healthCheckResource(plan: Plan): HealthCheck {
    const hc = plan.healthCheck;
    return {
      name: plan.names.healthCheck,
      description: plan.description,
      type: hc.type,
      checkIntervalSec: 8,
      timeoutSec: 1,
      healthyThreshold: 1,
      unhealthyThreshold: 3,
      ...(hc.type === 'TCP'
        ? { tcpHealthCheck: { port: hc.port } }
        : { httpHealthCheck: { port: hc.port, requestPath: hc.path } }),
    };
  }

  insertHealthCheck(plan: Plan, s: AbortSignal): Promise<void> {
    const healthCheckResource = this.#healthCheckResource(plan);
    return this.#api.mutate(
      'regionHealthChecks.insert',
      plan.names.healthCheck,
      REGION,
      (o) => this.#api.healthChecks.insert({ ...this.#p, healthCheckResource }, o),
      s,
    );
  }

  updateHealthCheck(plan: Plan, s: AbortSignal): Promise<void> {
    const healthCheckResource = this.#healthCheckResource(plan);
    const healthCheck = plan.names.healthCheck;
    return this.#api.mutate(
      'regionHealthChecks.update',
      healthCheck,
      REGION,
      (o) => this.#api.healthChecks.update({ ...this.#p, healthCheck, healthCheckResource }, o),
      s,
    );
  }

  deleteHealthCheck(name: string, s: AbortSignal): Promise<void> {
    return this.#api.mutate(
      'regionHealthChecks.delete',
      name,
      REGION,
      (o) => this.#api.healthChecks.delete({ ...this.#p, healthCheck: name }, o),
      s,
    );
  }

  #backendServiceResource(plan: Plan, groupLinks: readonly string[], fingerprint?: string | null): BackendService {
    return {
      name: plan.names.backendService,
      description: plan.description,
      loadBalancingScheme: plan.scheme,
      protocol: plan.backendProtocol,
      healthChecks: [this.healthCheckLink(plan.names.healthCheck)],
      backends: groupLinks.map((group) => ({ group, balancingMode: 'CONNECTION' })),
      sessionAffinity: 'NONE',
      ...(plan.scheme === 'INTERNAL' ? { network: this.#api.config.network } : {}),
      ...(fingerprint ? { fingerprint } : {}),
    };
  }

  insertBackendService(plan: Plan, groupLinks: readonly string[], s: AbortSignal): Promise<void> {
    const backendServiceResource = this.#backendServiceResource(plan, groupLinks);
    return this.#api.mutate(
      'regionBackendServices.insert',
      plan.names.backendService,
      REGION,
      (o) => this.#api.backendServices.insert({ ...this.#p, backendServiceResource }, o),
      s,
    );
  }

  updateBackendService(
    plan: Plan,
    groupLinks: readonly string[],
    fingerprint: string | null | undefined,
    s: AbortSignal,
  ): Promise<void> {
    const backendServiceResource = this.#backendServiceResource(plan, groupLinks, fingerprint);
    const backendService = plan.names.backendService;
    return this.#api.mutate(
      'regionBackendServices.update',
      backendService,
      REGION,
      (o) => this.#api.backendServices.update({ ...this.#p, backendService, backendServiceResource }, o),
      s,
    );
  }

  deleteBackendService(name: string, s: AbortSignal): Promise<void> {
    return this.#api.mutate(
      'regionBackendServices.delete',
      name,
      REGION,
      (o) => this.#api.backendServices.delete({ ...this.#p, backendService: name }, o),
      s,
    );
  }

  #firewallResource(plan: Plan, fw: PlannedFirewall): Firewall {
    return {
      name: fw.name,
      description: plan.description,
      network: this.#api.config.network,
      direction: 'INGRESS',
      priority: 1000,
      sourceRanges: [...fw.sourceRanges],
      allowed: fw.allowed.map((a) => ({ IPProtocol: a.IPProtocol, ports: [...a.ports] })),
    };
  }

  insertFirewall(plan: Plan, fw: PlannedFirewall, s: AbortSignal): Promise<void> {
    const firewallResource = this.#firewallResource(plan, fw);
    return this.#api.mutate(
      'firewalls.insert',
      fw.name,
      GLOBAL,
      (o) => this.#api.firewalls.insert({ project: this.#p.project, firewallResource }, o),
      s,
    );
  }

  updateFirewall(plan: Plan, fw: PlannedFirewall, s: AbortSignal): Promise<void> {
    const firewallResource = this.#firewallResource(plan, fw);
    return this.#api.mutate(
      'firewalls.update',
      fw.name,
      GLOBAL,
      (o) => this.#api.firewalls.update({ project: this.#p.project, firewall: fw.name, firewallResource }, o),
      s,
    );
  }

  deleteFirewall(name: string, s: AbortSignal): Promise<void> {
    return this.#api.mutate(
      'firewalls.delete',
      name,
      GLOBAL,
      (o) => this.#api.firewalls.delete({ project: this.#p.project, firewall: name }, o),
      s,
    );
  }

  insertRule(plan: Plan, rule: PlannedRule, ip: string, s: AbortSignal): Promise<void> {
    const { network, subnetwork } = this.#api.config;
    const forwardingRuleResource: ForwardingRule = {
      name: rule.name,
      description: plan.description,
      labels: { ...plan.labels },
      IPAddress: ip,
      IPProtocol: rule.protocol,
      ...(rule.allPorts ? { allPorts: true } : { ports: rule.ports.map(String) }),
      backendService: this.backendServiceLink(plan.names.backendService),
      loadBalancingScheme: plan.scheme,
      ...(plan.scheme === 'INTERNAL' ? { network, ...(subnetwork ? { subnetwork } : {}) } : {}),
    };
    return this.#api.mutate(
      'forwardingRules.insert',
      rule.name,
      REGION,
      (o) => this.#api.forwardingRules.insert({ ...this.#p, forwardingRuleResource }, o),
      s,
    );
  }

  deleteRule(name: string, s: AbortSignal): Promise<void> {
    return this.#api.mutate(
      'forwardingRules.delete',
      name,
      REGION,
      (o) => this.#api.forwardingRules.delete({ ...this.#p, forwardingRule: name }, o),
      s,
    );
  }
}
