// The GCP provider: passthrough Network Load Balancers (backend-service based) on Compute Engine.
import type {
  Capabilities,
  DesiredLoadBalancer,
  Interpretation,
  LoadBalancerProvider,
  LoadBalancerRef,
  LoadBalancerStatus,
} from '../../src/provider/contract.ts';
import type { ProviderContext } from '../../src/provider/registry.ts';
import { interpretAnnotations } from './annotations.ts';
import type { ComputeApi } from './api/compute.ts';
import { Lookups, type BatchOptions } from './api/lookups.ts';
import type { GcpContext } from './context.ts';
import { deleteLoadBalancer } from './delete.ts';
import { ensureLoadBalancer } from './ensure.ts';
import { InstanceGroups } from './instance-groups.ts';
import { listOwnedLoadBalancers } from './list-owned.ts';

export const GCP_CAPABILITIES: Capabilities = {
  schemes: { External: { protocols: ['TCP', 'UDP'] }, Internal: { protocols: ['TCP', 'UDP', 'SCTP'] } },
  mixedProtocols: true,
  addressKind: 'IP',
  sourceRanges: true,
  staticAddress: true,
  needsNodePorts: true,
  // The regional addresses this provider reserves are IPv4. More than five ports per protocol become
  // one all-ports forwarding rule, so the number of ports has no limit of its own.
  addressFamilies: ['IPv4'],
};

export interface GcpProviderOptions {
  /** How long a verified instance-group membership is trusted. Default 60 s. */
  readonly verifiedTtlMs?: number;
  /** Batching of name lookups across Services (api/lookups.ts); tests and the bench observe it. */
  readonly batch?: BatchOptions;
}

export class GcpProvider implements LoadBalancerProvider {
  readonly type = 'gcp';
  readonly #ctx: GcpContext;

  constructor(api: ComputeApi, context: ProviderContext, options: GcpProviderOptions = {}) {
    this.#ctx = {
      api,
      lookups: new Lookups(api, options.batch),
      groups: new InstanceGroups(api, {
        clusterName: context.clusterName,
        verifiedTtlMs: options.verifiedTtlMs ?? 60_000,
      }),
      clusterName: context.clusterName,
      memos: new Map(),
    };
  }

  capabilities(): Capabilities {
    return GCP_CAPABILITIES;
  }

  interpret(annotations: Readonly<Record<string, string>>): Interpretation {
    return interpretAnnotations(annotations);
  }

  ensure(lb: DesiredLoadBalancer, signal: AbortSignal): Promise<LoadBalancerStatus> {
    return ensureLoadBalancer(this.#ctx, lb, signal);
  }

  delete(ref: LoadBalancerRef, signal: AbortSignal): Promise<void> {
    return deleteLoadBalancer(this.#ctx, ref, signal);
  }

  listOwned(signal: AbortSignal): AsyncIterable<LoadBalancerRef> {
    return listOwnedLoadBalancers(this.#ctx, signal);
  }

  async close(): Promise<void> {
    await this.#ctx.api.close();
  }
}
