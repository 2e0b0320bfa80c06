// A TCP proxy on 127.0.0.1 in front of the test kube-apiserver, to give a client a real network
// failure: connections cut mid-watch, refused, or accepted and then never answered (a black hole).
// TLS passes through untouched (the apiserver's certificate is valid for 127.0.0.1 on any port).
// It stops itself after `lifetimeMs` so a failed test never leaves it running.
import { connect, createServer, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';

export type ProxyMode = 'pass' | 'refuse' | 'blackhole';

export interface TcpProxy {
  readonly port: number;
  /** Applies to new connections; leaving 'blackhole' also drops the connections it held. */
  setMode(mode: ProxyMode): void;
  /** Destroys every open connection (what a network blip or a load balancer restart does). */
  cut(): void;
  connections(): number;
  stop(): Promise<void>;
}

export async function startTcpProxy(target: { host: string; port: number }, lifetimeMs = 300_000): Promise<TcpProxy> {
  let mode: ProxyMode = 'pass';
  const open = new Set<Socket>();
  const held = new Set<Socket>();
  const track = (socket: Socket): void => {
    open.add(socket);
    socket.on('close', () => {
      open.delete(socket);
      held.delete(socket);
    });
    socket.on('error', () => socket.destroy());
  };
  const server = createServer((client) => {
    track(client);
    if (mode === 'refuse') {
      client.resetAndDestroy();
      return;
    }
    if (mode === 'blackhole') {
      held.add(client);
      return;
    }
    const upstream = connect(target.port, target.host);
    track(upstream);
    client.pipe(upstream);
    upstream.pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const lifetime = setTimeout(() => void stop(), lifetimeMs);
  lifetime.unref();
  async function stop(): Promise<void> {
    clearTimeout(lifetime);
    for (const socket of open) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
  return {
    port: (server.address() as AddressInfo).port,
    setMode(next) {
      if (mode === 'blackhole' && next !== 'blackhole') for (const socket of held) socket.destroy();
      mode = next;
    },
    cut() {
      for (const socket of open) socket.destroy();
    },
    connections: () => open.size,
    stop,
  };
}

/** A copy of `kc` whose current cluster is reached through the proxy. */
export function kubeConfigVia(kc: KubeConfig, proxy: TcpProxy): KubeConfig {
  const copy = new KubeConfig();
  copy.loadFromOptions({
    clusters: kc.clusters.map((cluster) => {
      const url = new URL(cluster.server);
      url.port = String(proxy.port);
      return { ...cluster, server: url.origin };
    }),
    users: kc.users,
    contexts: kc.contexts,
    currentContext: kc.currentContext,
  });
  return copy;
}

/** host and port of the current cluster's API server. */
export function apiServerAddress(kc: KubeConfig): { host: string; port: number } {
  const server = kc.getCurrentCluster()?.server;
  if (server === undefined) throw new Error('kubeconfig has no current cluster');
  const url = new URL(server);
  return { host: url.hostname, port: Number(url.port || 443) };
}
