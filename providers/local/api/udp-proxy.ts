// One UDP listener on <address>:<port>. Each client (source address:port) gets a session: its own
// connected socket to one backend, so replies find their way back and a client sticks to a node
// while it talks. Sessions end after an idle timeout.
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { isIPv6 } from 'node:net';
import type { ProxyDeps } from './tcp-proxy.ts';
import { listenError } from '../errors.ts';
import { hostPort, probeId, type Backend } from '../plan.ts';
import { RoundRobin } from '../round-robin.ts';
import type { SourceFilter } from '../source-ranges.ts';

export const DEFAULT_UDP_IDLE_MS = 30_000;
/** Each session holds a socket; beyond this, new clients are dropped rather than exhausting descriptors. */
export const MAX_UDP_SESSIONS = 4096;

interface Session {
  readonly backend: Backend;
  readonly socket: Socket;
  readonly timer: NodeJS.Timeout;
  connected: boolean;
  readonly queue: Buffer[];
  last: Buffer | undefined;
  retried: boolean;
}

export interface UdpProxyOptions {
  readonly idleMs?: number;
}

export class UdpProxy {
  readonly #socket: Socket;
  readonly #deps: ProxyDeps;
  readonly #idleMs: number;
  readonly #sessions = new Map<string, Session>();
  readonly #rr = new RoundRobin();
  #backends: readonly Backend[];
  #allow: SourceFilter;
  #warnedFull = false;

  private constructor(
    socket: Socket,
    backends: readonly Backend[],
    allow: SourceFilter,
    deps: ProxyDeps,
    idleMs: number,
  ) {
    this.#socket = socket;
    this.#backends = backends;
    this.#allow = allow;
    this.#deps = deps;
    this.#idleMs = idleMs;
    socket.on('message', (message, client) => this.#receive(message, client));
  }

  static async open(
    address: string,
    port: number,
    backends: readonly Backend[],
    allow: SourceFilter,
    deps: ProxyDeps,
    options: UdpProxyOptions = {},
  ): Promise<UdpProxy> {
    const socket = createSocket({ type: 'udp4', reuseAddr: false });
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind({ address, port, exclusive: true }, () => {
        socket.off('error', reject);
        resolve();
      });
    }).catch((error: unknown) => {
      socket.close();
      throw listenError(error, `${address}:${port}/UDP`);
    });
    socket.on('error', (error) => deps.log.error({ err: error, address, port }, 'UDP listener failed'));
    return new UdpProxy(socket, backends, allow, deps, options.idleMs ?? DEFAULT_UDP_IDLE_MS);
  }

  setBackends(backends: readonly Backend[]): void {
    this.#backends = backends;
    const kept = new Set(backends.map((b) => hostPort(b.host, b.port)));
    for (const [client, session] of this.#sessions) {
      if (!kept.has(hostPort(session.backend.host, session.backend.port))) this.#end(client);
    }
  }

  setSourceFilter(allow: SourceFilter): void {
    this.#allow = allow;
  }

  get sessionCount(): number {
    return this.#sessions.size;
  }

  async close(): Promise<void> {
    for (const client of [...this.#sessions.keys()]) this.#end(client);
    await new Promise<void>((resolve) => this.#socket.close(() => resolve()));
  }

  #receive(message: Buffer, client: RemoteInfo): void {
    if (!this.#allow(client.address)) return;
    const key = hostPort(client.address, client.port);
    const session = this.#sessions.get(key) ?? this.#start(key, client, new Set());
    if (session === undefined) return;
    this.#forward(session, message);
  }

  #forward(session: Session, message: Buffer): void {
    session.timer.refresh();
    session.last = message;
    if (session.connected) session.socket.send(message);
    else session.queue.push(message);
  }

  #start(key: string, client: RemoteInfo, tried: ReadonlySet<Backend>): Session | undefined {
    if (this.#sessions.size >= MAX_UDP_SESSIONS) {
      if (!this.#warnedFull)
        this.#deps.log.warn({ limit: MAX_UDP_SESSIONS }, 'UDP session limit reached; dropping new clients');
      this.#warnedFull = true;
      return undefined;
    }
    const backend = this.#choose(tried);
    if (backend === undefined) return undefined;
    const socket = createSocket(isIPv6(backend.host) ? 'udp6' : 'udp4');
    const timer = setTimeout(() => this.#end(key), this.#idleMs);
    const session: Session = { backend, socket, timer, connected: false, queue: [], last: undefined, retried: false };
    this.#sessions.set(key, session);
    socket.on('message', (reply) => {
      session.timer.refresh();
      this.#socket.send(reply, client.port, client.address);
    });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      // ECONNREFUSED on a connected UDP socket is an ICMP port-unreachable: nothing listens on the
      // node port. The datagram that provoked it was not delivered, so it is safe to send it once
      // more through another backend.
      if (this.#sessions.get(key) !== session) return;
      this.#end(key);
      if (error.code !== 'ECONNREFUSED') return;
      this.#deps.health.reportConnectFailure(probeId(backend.probe));
      if (session.retried || session.last === undefined) return;
      const next = this.#start(key, client, new Set([...tried, backend]));
      if (next === undefined) return;
      next.retried = true;
      this.#forward(next, session.last);
    });
    socket.connect(backend.port, backend.host, () => {
      if (this.#sessions.get(key) !== session) return;
      session.connected = true;
      for (const queued of session.queue.splice(0)) socket.send(queued);
    });
    return session;
  }

  #end(key: string): void {
    const session = this.#sessions.get(key);
    if (session === undefined) return;
    this.#sessions.delete(key);
    clearTimeout(session.timer);
    session.socket.close();
  }

  /** The next healthy backend not yet tried, failing open when none is healthy (RoundRobin.choose). */
  #choose(tried: ReadonlySet<Backend>): Backend | undefined {
    return this.#rr.choose(this.#backends, tried, (b) => this.#deps.health.isHealthy(probeId(b.probe)));
  }
}
