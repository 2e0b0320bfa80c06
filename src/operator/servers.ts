import type { Logger } from 'pino';
import { startHealthServer, startMetricsServer } from '../kube/http.ts';
import type { Metrics } from '../kube/metrics.ts';

export interface ServerAddresses {
  /** host:port; undefined or '0' starts no server. */
  readonly metricsAddr?: string;
  readonly healthAddr?: string;
}

export interface Servers {
  readonly healthPort: number | undefined;
  readonly metricsPort: number | undefined;
  close(): Promise<void>;
}

/**
 * The health and metrics endpoints, each only when it has an address. Started before the caches
 * fill: liveness answers at once, readiness (`ready`) turns true once they have synced.
 */
export async function startServers(
  addresses: ServerAddresses,
  ready: () => boolean,
  metrics: Metrics,
  log: Logger,
): Promise<Servers> {
  const enabled = (addr: string | undefined): addr is string => addr !== undefined && addr !== '0';
  const health = enabled(addresses.healthAddr)
    ? await startHealthServer({ addr: addresses.healthAddr, ready, log })
    : undefined;
  const metricsServer = enabled(addresses.metricsAddr)
    ? await startMetricsServer({ addr: addresses.metricsAddr, registry: metrics.registry, log })
    : undefined;
  return {
    healthPort: health?.port,
    metricsPort: metricsServer?.port,
    close: async () => {
      await Promise.allSettled([health, metricsServer].map(async (s) => await s?.close()));
    },
  };
}
