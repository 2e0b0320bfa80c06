// Opening one listener's proxy: the seam where the local provider meets the operating system's
// bind, so tests can make the system refuse a port the test process itself could bind.
import { TcpProxy, type ProxyDeps } from './api/tcp-proxy.ts';
import { UdpProxy } from './api/udp-proxy.ts';
import type { Backend, ProxyProtocol } from './plan.ts';
import type { SourceFilter } from './source-ranges.ts';

export interface ProxyRequest {
  readonly address: string;
  readonly port: number;
  readonly protocol: ProxyProtocol;
  readonly backends: readonly Backend[];
  readonly allow: SourceFilter;
  readonly deps: ProxyDeps;
  /** UDP session idle timeout; undefined for the proxy's default. */
  readonly udpIdleMs: number | undefined;
}

/** Rejects with listenError's ProviderError (code EADDRINUSE, EACCES, …) when the bind fails. */
export type ProxyOpener = (request: ProxyRequest) => Promise<TcpProxy | UdpProxy>;

export const openProxy: ProxyOpener = async (r) =>
  r.protocol === 'TCP'
    ? await TcpProxy.open(r.address, r.port, r.backends, r.allow, r.deps)
    : await UdpProxy.open(r.address, r.port, r.backends, r.allow, r.deps, {
        ...(r.udpIdleMs === undefined ? {} : { idleMs: r.udpIdleMs }),
      });
