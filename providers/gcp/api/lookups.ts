// Reads of one load balancer's regional and global resources: lookups by name batched across
// Services (below), and the few unfiltered or filtered lists. No decisions here. The batcher is
// the generic one in src/provider (keys in, entries out), shared with AWS.
import type { protos } from '@google-cloud/compute';
import { Batcher } from '../../../src/provider/batcher.ts';
import type { CallOpts, ComputeApi } from './compute.ts';

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

export interface BatchOptions {
  /** Overrides BATCH_WINDOW_MS. */
  readonly windowMs?: number;
  /** Observes each batched list (names carried, callers served): for the bench and tests. */
  readonly onCall?: (names: number, callers: number) => void;
}

/** A Compute Engine resource name: `[a-z]([-a-z0-9]*[a-z0-9])?` — no RE2 metacharacter but `-`, literal here. */
const NAME = /^[a-z](?:[-a-z0-9]*[a-z0-9])?$/;

/**
 * A list filter matching exactly these names: `name eq "(a|b)"`. The `eq` literal is an RE2
 * regular expression that must match the whole name (Compute list `filter` parameter).
 */
export function namesFilter(names: readonly string[]): string {
  checkNames(names);
  return `name eq "(${names.join('|')})"`;
}

function checkNames(names: readonly string[]): void {
  const bad = names.find((n) => !NAME.test(n));
  if (bad !== undefined) throw new TypeError(`not a Compute Engine resource name: '${bad}'`);
}

/** A caller's lookup, its names checked before it joins a batch: a bad name fails only its caller. */
async function lookup<T>(
  batcher: Batcher<string, T>,
  names: readonly string[],
  s: AbortSignal,
): Promise<Map<string, T>> {
  checkNames(names);
  return batcher.load(names, s);
}

/**
 * Names per batched list. 32 names of at most 63 characters keep the filter near 2 KB, well inside
 * a request URL; our names are shorter (≤ 36).
 */
export const BATCH_NAMES = 32;
/** How long the first lookup of a batch waits for others (a list call takes 100+ ms on GCE). */
export const BATCH_WINDOW_MS = 5;

export class Lookups {
  readonly #api: ComputeApi;
  readonly #addresses: Batcher<string, Address>;
  readonly #healthChecks: Batcher<string, HealthCheck>;
  readonly #backendServices: Batcher<string, BackendService>;
  readonly #rules: Batcher<string, ForwardingRule>;
  readonly #firewalls: Batcher<string, Firewall>;

  constructor(api: ComputeApi, batch: BatchOptions = {}) {
    this.#api = api;
    const regional = (filter: string) => ({ ...this.#api.regional, filter });
    this.#addresses = this.#byName<Address, ListAddresses>(
      'addresses.list',
      regional,
      (r, o) => api.addresses.list(r, o),
      batch,
    );
    this.#healthChecks = this.#byName<HealthCheck, ListHealthChecks>(
      'regionHealthChecks.list',
      regional,
      (r, o) => api.healthChecks.list(r, o),
      batch,
    );
    this.#backendServices = this.#byName<BackendService, ListBackendServices>(
      'regionBackendServices.list',
      regional,
      (r, o) => api.backendServices.list(r, o),
      batch,
    );
    this.#rules = this.#byName<ForwardingRule, ListRules>(
      'forwardingRules.list',
      regional,
      (r, o) => api.forwardingRules.list(r, o),
      batch,
    );
    this.#firewalls = this.#byName<Firewall, ListFirewalls>(
      'firewalls.list',
      (filter) => ({ project: this.#api.config.project, filter }),
      (r, o) => api.firewalls.list(r, o),
      batch,
    );
  }

  /**
   * Name lookups of one resource type, coalesced into list calls of up to BATCH_NAMES names
   * (every page read). A filter on names fails for all of them or none — nothing one caller's
   * names can cause (they are checked before) — so a failed call fails each caller with its error,
   * which names the list call and how many names it carried.
   */
  #byName<T extends { name?: string | null }, R>(
    operation: string,
    request: (filter: string) => NoInfer<R>,
    list: (request: R, options: CallOpts) => Promise<readonly [T[], R | null | undefined, ...unknown[]]>,
    batch: BatchOptions,
  ): Batcher<string, T> {
    return new Batcher<string, T>({
      maxKeys: BATCH_NAMES,
      windowMs: batch.windowMs ?? BATCH_WINDOW_MS,
      fetch: async (names, signal) => {
        const items = await this.#api.list<T, R>(
          operation,
          request(namesFilter(names)),
          list,
          signal,
          `batched lookup of ${names.length} name(s)`,
        );
        return new Map(items.map((item) => [item.name ?? '', item]));
      },
      perCallerOnError: () => false,
      ...(batch.onCall ? { onCall: batch.onCall } : {}),
    });
  }

  // --- reads ---
  // Lookups by name go through list + filter: an absent resource is an empty page, not a 404
  // (the client spends hundreds of milliseconds of CPU building each error). Lookups of one
  // resource type arriving together (a resync, a restart: many Services reconciling at once) share
  // one list call whose filter names them all; each caller gets only its own names' resources.

  address(name: string, s: AbortSignal): Promise<Address | undefined> {
    return lookup(this.#addresses, [name], s).then((found) => found.get(name));
  }

  addressesWithIp(ip: string, s: AbortSignal): Promise<Address[]> {
    return this.#api.list<Address, ListAddresses>(
      'addresses.list',
      { ...this.#api.regional, filter: `address = "${ip}"` },
      (r, o) => this.#api.addresses.list(r, o),
      s,
    );
  }

  addressesLabelled(label: string, value: string, s: AbortSignal): Promise<Address[]> {
    return this.#api.list<Address, ListAddresses>(
      'addresses.list',
      { ...this.#api.regional, filter: `labels.${label} = "${value}"` },
      (r, o) => this.#api.addresses.list(r, o),
      s,
    );
  }

  /** The rules with any of these names. */
  rules(names: readonly string[], s: AbortSignal): Promise<ForwardingRule[]> {
    return lookup(this.#rules, names, s).then((found) => [...found.values()]);
  }

  healthCheck(name: string, s: AbortSignal): Promise<HealthCheck | undefined> {
    return lookup(this.#healthChecks, [name], s).then((found) => found.get(name));
  }

  healthChecks(s: AbortSignal): Promise<HealthCheck[]> {
    return this.#api.list<HealthCheck, ListHealthChecks>(
      'regionHealthChecks.list',
      { ...this.#api.regional },
      (r, o) => this.#api.healthChecks.list(r, o),
      s,
    );
  }

  backendService(name: string, s: AbortSignal): Promise<BackendService | undefined> {
    return lookup(this.#backendServices, [name], s).then((found) => found.get(name));
  }

  backendServices(s: AbortSignal): Promise<BackendService[]> {
    return this.#api.list<BackendService, ListBackendServices>(
      'regionBackendServices.list',
      { ...this.#api.regional },
      (r, o) => this.#api.backendServices.list(r, o),
      s,
    );
  }

  /** The firewalls with any of these names. */
  firewalls(names: readonly string[], s: AbortSignal): Promise<Firewall[]> {
    return lookup(this.#firewalls, names, s).then((found) => [...found.values()]);
  }
}
