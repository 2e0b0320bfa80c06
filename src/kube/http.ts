import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';

export interface RunningServer {
  close(): Promise<void>;
  port: number;
}

/** `/healthz` answers while the process runs; `/readyz` answers 200 only while `ready()` is true. */
export async function startHealthServer(options: {
  addr: string;
  ready: () => boolean;
  log: Logger;
}): Promise<RunningServer> {
  return await listen('health', options.addr, options.log, (req, res) => {
    const path = pathOf(req);
    if (path === '/healthz' || path === '/livez') return reply(res, 200, 'ok\n');
    if (path === '/readyz') return options.ready() ? reply(res, 200, 'ok\n') : reply(res, 503, 'not ready\n');
    reply(res, 404, 'not found\n');
  });
}

/** `/metrics` in the Prometheus text format. */
export async function startMetricsServer(options: {
  addr: string;
  registry: Registry;
  log: Logger;
}): Promise<RunningServer> {
  return await listen('metrics', options.addr, options.log, (req, res) => {
    if (pathOf(req) !== '/metrics') return reply(res, 404, 'not found\n');
    options.registry.metrics().then(
      (text) => reply(res, 200, text, options.registry.contentType),
      (err: unknown) => {
        options.log.error({ err }, 'collecting metrics failed');
        reply(res, 500, 'metrics unavailable\n');
      },
    );
  });
}

/** "host:port", ":port" (all interfaces) or "port"; IPv6 as "[::1]:port". */
export function parseAddr(addr: string): { host: string | undefined; port: number } {
  const match = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(addr) ?? /^()()(\d+)$/.exec(addr);
  const port = Number(match?.[3]);
  if (match === null || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`invalid listen address "${addr}": expected host:port, :port or port`);
  }
  const host = match[1] ?? match[2];
  return { host: host === undefined || host === '' ? undefined : host, port };
}

async function listen(
  what: string,
  addr: string,
  log: Logger,
  handler: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<RunningServer> {
  const { host, port } = parseAddr(addr);
  const server: Server = createServer((req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return reply(res, 405, 'method not allowed\n');
    handler(req, res);
  });
  // Probes and scrapes are short; don't let an idle keep-alive connection hold shutdown up.
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = (server.address() as AddressInfo).port;
  log.info({ server: what, addr: `${host ?? ''}:${bound}` }, `${what} server listening`);
  return {
    port: bound,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err === undefined ? resolve() : reject(err)));
        server.closeIdleConnections();
      }),
  };
}

function pathOf(req: IncomingMessage): string {
  return new URL(req.url ?? '/', 'http://localhost').pathname;
}

function reply(res: ServerResponse, status: number, body: string, contentType = 'text/plain; charset=utf-8'): void {
  res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(body) });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}
