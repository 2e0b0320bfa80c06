// One TCP listener on <address>:<port>, forwarding each connection to a backend node port.
import type { Logger } from 'pino';
import { connect, createServer, type Server, type Socket } from 'node:net';
import type { HealthMonitor } from '../health.ts';
import { listenError } from '../errors.ts';
import { probeId, type Backend } from '../plan.ts';
import { RoundRobin } from '../round-robin.ts';
import type { SourceFilter } from '../source-ranges.ts';

export interface ProxyDeps {
  readonly health: HealthMonitor;
  readonly log: Logger;
}

export class TcpProxy {
  readonly #server: Server;
  readonly #deps: ProxyDeps;
  readonly #sockets = new Set<Socket>();
  readonly #rr = new RoundRobin();
  #backends: readonly Backend[];
  #allow: SourceFilter;

  private constructor(server: Server, backends: readonly Backend[], allow: SourceFilter, deps: ProxyDeps) {
    this.#server = server;
    this.#backends = backends;
    this.#allow = allow;
    this.#deps = deps;
    server.on('connection', (client) => this.#accept(client));
  }

  static async open(
    address: string,
    port: number,
    backends: readonly Backend[],
    allow: SourceFilter,
    deps: ProxyDeps,
  ): Promise<TcpProxy> {
    // Paused until a backend is connected, so nothing the client sends is read before it has
    // somewhere to go (a failed dial then retries another backend without losing bytes).
    const server = createServer({ allowHalfOpen: true, pauseOnConnect: true });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: address, port, exclusive: true }, () => {
        server.off('error', reject);
        resolve();
      });
    }).catch((error: unknown) => {
      throw listenError(error, `${address}:${port}/TCP`);
    });
    server.on('error', (error) => deps.log.error({ err: error, address, port }, 'TCP listener failed'));
    return new TcpProxy(server, backends, allow, deps);
  }

  setBackends(backends: readonly Backend[]): void {
    // Connections already established stay on their backend until they end, as a cloud load
    // balancer drains a deregistered target.
    this.#backends = backends;
  }

  setSourceFilter(allow: SourceFilter): void {
    this.#allow = allow;
  }

  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    for (const socket of this.#sockets) socket.destroy();
    await closed;
  }

  #track(socket: Socket): void {
    this.#sockets.add(socket);
    socket.once('close', () => this.#sockets.delete(socket));
  }

  #accept(client: Socket): void {
    if (!this.#allow(client.remoteAddress ?? '')) {
      client.destroy();
      return;
    }
    this.#track(client);
    client.on('error', () => client.destroy());
    this.#dial(client, new Set());
  }

  #dial(client: Socket, tried: Set<Backend>): void {
    const backend = this.#choose(tried);
    if (backend === undefined || client.destroyed) {
      client.destroy();
      return;
    }
    tried.add(backend);
    const upstream = connect({ host: backend.host, port: backend.port, allowHalfOpen: true });
    this.#track(upstream);
    const abandon = (): void => {
      upstream.destroy();
    };
    client.once('close', abandon);
    upstream.once('error', () => {
      client.off('close', abandon);
      upstream.destroy();
      this.#deps.health.reportConnectFailure(probeId(backend.probe));
      this.#dial(client, tried);
    });
    upstream.once('connect', () => {
      upstream.removeAllListeners('error');
      upstream.on('error', () => {
        upstream.destroy();
        client.destroy();
      });
      upstream.once('close', (hadError) => {
        if (hadError) client.destroy();
      });
      client.pipe(upstream);
      upstream.pipe(client);
    });
  }

  /** The next healthy backend not yet tried, failing open when none is healthy (RoundRobin.choose). */
  #choose(tried: ReadonlySet<Backend>): Backend | undefined {
    return this.#rr.choose(this.#backends, tried, (b) => this.#deps.health.isHealthy(probeId(b.probe)));
  }
}
