// The local provider: the "cloud" is this process. Each Service gets an address from the pool and
// in-process TCP/UDP proxies on it that forward to the nodes' node ports.
import type {
  Capabilities,
  DesiredLoadBalancer,
  Interpretation,
  LoadBalancerProvider,
  LoadBalancerRef,
  LoadBalancerStatus,
  Target,
  TargetProblem,
} from '../../src/provider/contract.ts';
import type { ProviderContext } from '../../src/provider/registry.ts';
import { LOCAL_CAPABILITIES } from './capabilities.ts';
import { currentHostNetworks, type HostNetwork } from './host-networks.ts';
import { parseLocalSpec } from './spec.ts';
import type { LocalContext } from './context.ts';
import { deleteLoadBalancer, stopServing } from './delete.ts';
import { ensureLoadBalancer } from './ensure.ts';
import { openProxy, type ProxyOpener } from './open-proxy.ts';
import { localTargetProblem } from './plan.ts';
import type { AllocationRecord, AllocationStore } from './store.ts';

export { LOCAL_CAPABILITIES } from './capabilities.ts';

export interface LocalProviderOptions {
  readonly store: AllocationStore;
  /** The ranges this machine can listen on; read from its interfaces when absent. Tests inject them. */
  readonly hostNetworks?: readonly HostNetwork[];
  /** UDP session idle timeout; tests shorten it. */
  readonly udpIdleMs?: number;
  /** Opens a listener's proxy; tests make the bind fail. */
  readonly openProxy?: ProxyOpener;
}

export class LocalProvider implements LoadBalancerProvider {
  readonly type = 'local';
  readonly #ctx: LocalContext;
  #records: Map<string, AllocationRecord> | undefined;
  /** ensure/delete run one at a time: allocation reads and writes the shared record. */
  #queue: Promise<unknown> = Promise.resolve();
  #closed = false;

  constructor(spec: unknown, context: ProviderContext, options: LocalProviderOptions) {
    this.#ctx = {
      config: parseLocalSpec(spec, options.hostNetworks ?? currentHostNetworks()),
      clusterName: context.clusterName,
      countCall: context.countCall,
      log: context.log.child({ provider: context.providerName, providerType: 'local' }),
      store: options.store,
      openProxy: options.openProxy ?? openProxy,
      udpIdleMs: options.udpIdleMs,
      served: new Map(),
      loadRecords: async () => (this.#records ??= await options.store.load()),
    };
  }

  capabilities(): Capabilities {
    return LOCAL_CAPABILITIES;
  }

  /** The local provider reads no annotations; both schemes behave the same on one machine. */
  interpret(): Interpretation {
    return { scheme: 'External', options: undefined, problems: [] };
  }

  targetProblem(target: Target): TargetProblem | undefined {
    return localTargetProblem(target);
  }

  ensure(lb: DesiredLoadBalancer, signal: AbortSignal): Promise<LoadBalancerStatus> {
    return this.#serialized(signal, () => ensureLoadBalancer(this.#ctx, lb));
  }

  delete(ref: LoadBalancerRef, signal: AbortSignal): Promise<void> {
    return this.#serialized(signal, () => deleteLoadBalancer(this.#ctx, ref));
  }

  /**
   * What this provider holds for this cluster: the load balancers it serves, and the addresses
   * recorded for Services it does not serve now (after a restart, before they are ensured). A
   * record the sweep deletes frees its address.
   */
  async *listOwned(signal: AbortSignal): AsyncIterable<LoadBalancerRef> {
    signal.throwIfAborted();
    const records = await this.#ctx.loadRecords();
    const refs = new Map<string, LoadBalancerRef>();
    for (const [name, served] of this.#ctx.served) refs.set(name, served.ref);
    for (const [name, record] of records) if (!refs.has(name)) refs.set(name, { name, ownership: record.ownership });
    for (const ref of refs.values()) {
      if (ref.ownership.clusterName === this.#ctx.clusterName) yield ref;
    }
  }

  /** Stops every listener and health check. The record stays: a new instance reuses the addresses. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.#queue.catch(() => undefined);
    await Promise.all([...this.#ctx.served.values()].map(stopServing));
    this.#ctx.served.clear();
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
}
