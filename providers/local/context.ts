import type { Logger } from 'pino';
import type { LoadBalancerRef } from '../../src/provider/contract.ts';
import type { TcpProxy } from './api/tcp-proxy.ts';
import type { UdpProxy } from './api/udp-proxy.ts';
import type { LocalConfig } from './spec.ts';
import type { HealthMonitor } from './health.ts';
import type { ProxyOpener } from './open-proxy.ts';
import type { ListenerPlan } from './plan.ts';
import type { AllocationRecord, AllocationStore } from './store.ts';

export interface OpenListener {
  readonly plan: ListenerPlan;
  readonly proxy: TcpProxy | UdpProxy;
}

/** One load balancer this process serves: its address, open listeners and health checks. */
export interface Served {
  readonly ref: LoadBalancerRef;
  address: string;
  sourceRanges: readonly string[];
  readonly listeners: Map<string, OpenListener>;
  readonly health: HealthMonitor;
}

/** What the ensure/delete/list steps share within one provider instance. */
export interface LocalContext {
  readonly config: LocalConfig;
  readonly clusterName: string;
  readonly countCall: (operation: string) => void;
  readonly log: Logger;
  readonly store: AllocationStore;
  readonly openProxy: ProxyOpener;
  /** UDP session idle timeout; undefined for the proxy's default. */
  readonly udpIdleMs: number | undefined;
  /** By load balancer name. */
  readonly served: Map<string, Served>;
  /** The allocation record, read from the store once and kept in memory after. */
  loadRecords(): Promise<Map<string, AllocationRecord>>;
}

export function serviceKey(ref: LoadBalancerRef): string {
  return `${ref.ownership.serviceNamespace}/${ref.ownership.serviceName}`;
}
