// The local provider: the "cloud" is this process. Each Service gets an address from the pool and
// in-process TCP/UDP proxies on it that forward to the nodes' node ports.
import type { Logger } from 'pino';
import type {
  Capabilities,
  DesiredLoadBalancer,
  Interpretation,
  LoadBalancerProvider,
  LoadBalancerRef,
  LoadBalancerStatus,
} from '../../src/provider/contract.ts';
import { PermanentError, RetryAfterError } from '../../src/provider/errors/index.ts';
import type { ProviderContext } from '../../src/provider/registry.ts';
import { parseLocalSpec, type LocalConfig } from './config.ts';
import { HealthMonitor } from './health.ts';
import { formatIPv4 } from './ipv4.ts';
import {
  diffPlans,
  isNoop,
  listenerKey,
  planProxies,
  summarizePlan,
  type ListenerPlan,
  type ProxyPlan,
} from './plan.ts';
import { allocateAddress, describePool, type AllocationResult } from './pool.ts';
import { sourceFilter, type SourceFilter } from './source-ranges.ts';
import type { AllocationRecord, AllocationStore } from './store.ts';
import { TcpProxy } from './tcp-proxy.ts';
import { UdpProxy } from './udp-proxy.ts';

/** How soon a Service waiting for an address (full pool, requested address in use) is tried again. */
export const ADDRESS_WAIT_MS = 30_000;

export const LOCAL_CAPABILITIES: Capabilities = {
  // No SCTP on either scheme: Node.js has no SCTP sockets, so the proxy cannot carry it.
  schemes: { External: { protocols: ['TCP', 'UDP'] }, Internal: { protocols: ['TCP', 'UDP'] } },
  mixedProtocols: true,
  addressKind: 'IP',
  sourceRanges: true,
  staticAddress: true,
  needsNodePorts: true,
};

export interface LocalProviderOptions {
  readonly store: AllocationStore;
  /** UDP session idle timeout; tests shorten it. */
  readonly udpIdleMs?: number;
}

interface OpenListener {
  readonly plan: ListenerPlan;
  readonly proxy: TcpProxy | UdpProxy;
}

interface Served {
  readonly ref: LoadBalancerRef;
  address: string;
  sourceRanges: readonly string[];
  readonly listeners: Map<string, OpenListener>;
  readonly health: HealthMonitor;
}

export class LocalProvider implements LoadBalancerProvider {
  readonly type = 'local';
  readonly #config: LocalConfig;
  readonly #context: ProviderContext;
  readonly #log: Logger;
  readonly #options: LocalProviderOptions;
  readonly #served = new Map<string, Served>();
  #records: Map<string, AllocationRecord> | undefined;
  /** ensure/delete run one at a time: allocation reads and writes the shared record. */
  #queue: Promise<unknown> = Promise.resolve();
  #closed = false;

  constructor(spec: unknown, context: ProviderContext, options: LocalProviderOptions) {
    this.#config = parseLocalSpec(spec);
    this.#context = context;
    this.#log = context.log.child({ provider: context.providerName, providerType: 'local' });
    this.#options = options;
  }

  capabilities(): Capabilities {
    return LOCAL_CAPABILITIES;
  }

  /** The local provider reads no annotations; both schemes behave the same on one machine. */
  interpret(): Interpretation {
    return { scheme: 'External', options: undefined, problems: [] };
  }

  ensure(lb: DesiredLoadBalancer, signal: AbortSignal): Promise<LoadBalancerStatus> {
    return this.#serialized(signal, () => this.#ensure(lb));
  }

  delete(ref: LoadBalancerRef, signal: AbortSignal): Promise<void> {
    return this.#serialized(signal, () => this.#delete(ref));
  }

  /**
   * What this provider holds for this cluster: the load balancers it serves, and the addresses
   * recorded for Services it does not serve now (after a restart, before they are ensured). A
   * record the sweep deletes frees its address.
   */
  async *listOwned(signal: AbortSignal): AsyncIterable<LoadBalancerRef> {
    signal.throwIfAborted();
    const records = await this.#loadRecords();
    const refs = new Map<string, LoadBalancerRef>();
    for (const [name, served] of this.#served) refs.set(name, served.ref);
    for (const [name, record] of records) if (!refs.has(name)) refs.set(name, { name, ownership: record.ownership });
    for (const ref of refs.values()) {
      if (ref.ownership.clusterName === this.#context.clusterName) yield ref;
    }
  }

  /** Stops every listener and health check. The record stays: a new instance reuses the addresses. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.#queue.catch(() => undefined);
    await Promise.all([...this.#served.values()].map((served) => this.#stop(served)));
    this.#served.clear();
  }

  #serialized<T>(signal: AbortSignal, work: () => Promise<T>): Promise<T> {
    const run = async (): Promise<T> => {
      signal.throwIfAborted();
      if (this.#closed) throw new Error('the local provider was closed');
      return work();
    };
    const result = this.#queue.then(run, run);
    this.#queue = result.catch(() => undefined);
    return result;
  }

  async #ensure(lb: DesiredLoadBalancer): Promise<LoadBalancerStatus> {
    const allow = sourceFilter(lb.sourceRanges);
    const address = await this.#allocate(lb);
    const plan = planProxies(lb, address);
    const served = this.#servedFor(lb, address);
    const diff = diffPlans(currentPlan(served), plan);

    for (const listener of diff.readdress ? [...served.listeners.values()].map((l) => l.plan) : diff.close) {
      await this.#closeListener(served, listener);
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
      this.#context.countCall('local:setBackends');
    }
    served.health.setProbes(plan.listeners.flatMap((l) => l.backends.map((b) => b.probe)));
    for (const listener of diff.open) await this.#openListener(served, listener, allow);

    const changed = !isNoop(diff);
    const summary = summarizePlan(plan);
    if (changed) this.#log.info({ service: serviceKey(lb), address }, summary);
    return { ingress: [{ ip: address, ipMode: 'Proxy' }], summary, changed };
  }

  async #delete(ref: LoadBalancerRef): Promise<void> {
    const served = this.#served.get(ref.name);
    if (served !== undefined) {
      await this.#stop(served);
      this.#served.delete(ref.name);
      this.#log.info(
        { service: serviceKey(ref), address: served.address },
        'closed the load balancer and freed its address',
      );
    }
    const records = await this.#loadRecords();
    const record = records.get(ref.name);
    if (record !== undefined && record.ownership.serviceUID === ref.ownership.serviceUID) {
      records.delete(ref.name);
      await this.#options.store.save(records);
    }
  }

  async #allocate(lb: DesiredLoadBalancer): Promise<string> {
    const records = await this.#loadRecords();
    const taken = new Map<string, string>();
    for (const [name, record] of records) taken.set(record.address, name);
    const recorded = records.get(lb.name)?.address;
    const result = allocateAddress(
      this.#config.pool,
      {
        key: lb.name,
        ...(lb.requestedAddress === undefined ? {} : { requested: lb.requestedAddress }),
        ...(recorded === undefined ? {} : { recorded }),
      },
      taken,
    );
    if (result.kind !== 'allocated') throw this.#allocationError(result, records);
    if (recorded !== result.address) {
      records.set(lb.name, { address: result.address, ownership: lb.ownership });
      await this.#options.store.save(records);
      this.#context.countCall('local:recordAddress');
    }
    return result.address;
  }

  #allocationError(
    result: Exclude<AllocationResult, { kind: 'allocated' }>,
    records: ReadonlyMap<string, AllocationRecord>,
  ): Error {
    const pool = describePool(this.#config.pool);
    switch (result.kind) {
      case 'malformed':
        return new PermanentError(`spec.loadBalancerIP "${result.requested}" is not an IPv4 address`, {
          field: 'spec.loadBalancerIP',
        });
      case 'outside': {
        const { first, count } = this.#config.pool;
        return new PermanentError(
          `spec.loadBalancerIP ${result.requested} is outside the address pool ${pool} (usable ${formatIPv4(first)} to ${formatIPv4(first + count - 1)})`,
          { field: 'spec.loadBalancerIP' },
        );
      }
      case 'taken': {
        const owner = records.get(result.owner)?.ownership;
        const who =
          owner === undefined ? 'another load balancer' : `Service ${owner.serviceNamespace}/${owner.serviceName}`;
        return new RetryAfterError(
          `spec.loadBalancerIP ${result.address} is in use by ${who}; waiting for it to be freed`,
          ADDRESS_WAIT_MS,
        );
      }
      case 'full':
        return new RetryAfterError(
          `address pool ${pool} is full: ${result.used} of ${result.total} addresses in use; waiting for one to be freed`,
          ADDRESS_WAIT_MS,
        );
    }
  }

  async #loadRecords(): Promise<Map<string, AllocationRecord>> {
    this.#records ??= await this.#options.store.load();
    return this.#records;
  }

  #servedFor(lb: DesiredLoadBalancer, address: string): Served {
    let served = this.#served.get(lb.name);
    if (served === undefined) {
      served = {
        ref: { name: lb.name, ownership: lb.ownership },
        address,
        sourceRanges: [],
        listeners: new Map(),
        health: new HealthMonitor({
          intervalMs: this.#config.healthCheckIntervalMs,
          log: this.#log.child({ service: serviceKey(lb) }),
        }),
      };
      this.#served.set(lb.name, served);
    }
    return served;
  }

  async #openListener(served: Served, listener: ListenerPlan, allow: SourceFilter): Promise<void> {
    const deps = { health: served.health, log: this.#log };
    const proxy =
      listener.protocol === 'TCP'
        ? await TcpProxy.open(served.address, listener.port, listener.backends, allow, deps)
        : await UdpProxy.open(served.address, listener.port, listener.backends, allow, deps, {
            ...(this.#options.udpIdleMs === undefined ? {} : { idleMs: this.#options.udpIdleMs }),
          });
    served.listeners.set(listenerKey(listener), { plan: listener, proxy });
    this.#context.countCall('local:listen');
  }

  async #closeListener(served: Served, listener: ListenerPlan): Promise<void> {
    const open = served.listeners.get(listenerKey(listener));
    if (open === undefined) return;
    served.listeners.delete(listenerKey(listener));
    await open.proxy.close();
    this.#context.countCall('local:close');
  }

  async #stop(served: Served): Promise<void> {
    await Promise.all([...served.listeners.values()].map(({ proxy }) => proxy.close()));
    served.listeners.clear();
    await served.health.close();
  }
}

/** What is open now, in the shape of a plan, so the pure diff can compare it with the wanted one. */
function currentPlan(served: Served): ProxyPlan | undefined {
  if (served.listeners.size === 0 && served.sourceRanges.length === 0) return undefined;
  const listeners = [...served.listeners.values()]
    .map((l) => l.plan)
    .sort((a, b) => a.port - b.port || a.protocol.localeCompare(b.protocol));
  return { address: served.address, listeners, sourceRanges: served.sourceRanges };
}

function serviceKey(ref: LoadBalancerRef): string {
  return `${ref.ownership.serviceNamespace}/${ref.ownership.serviceName}`;
}
