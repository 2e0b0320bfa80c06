// The GCE fake's HTTP server: exactly the Compute Engine REST paths the provider uses, plus a
// control API under /_fake/ (call counts, faults, quotas, reset). Plain node:http, 127.0.0.1.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { GceApiError } from './errors.ts';
import { Faults, type FaultSpec } from './faults.ts';
import type { Handler } from './handler.ts';
import { Operations } from './operations.ts';
import { regionalHandlers } from './regional.ts';
import { Store, type Location, type ScopeKind } from './store.ts';
import { zonalGlobalHandlers } from './zonal-global.ts';

const HANDLERS: Record<string, Handler> = { ...regionalHandlers, ...zonalGlobalHandlers };

/** URL collection → API resource name, per scope kind (the names @google-cloud/compute uses). */
const API_NAMES: Record<ScopeKind, Record<string, string>> = {
  regions: {
    addresses: 'addresses',
    forwardingRules: 'forwardingRules',
    healthChecks: 'regionHealthChecks',
    backendServices: 'regionBackendServices',
    operations: 'regionOperations',
  },
  zones: { instances: 'instances', instanceGroups: 'instanceGroups', operations: 'zoneOperations' },
  global: { firewalls: 'firewalls', operations: 'globalOperations' },
};

const VERB_BY_HTTP: Record<string, string> = { GET: 'get', DELETE: 'delete', PUT: 'update', PATCH: 'patch' };

export interface GceFakeOptions {
  readonly port?: number;
  /** Time an operation takes from PENDING to DONE. Default 15 ms. */
  readonly operationLatencyMs?: number;
}

export interface GceFake {
  /** http://127.0.0.1:PORT */
  readonly endpoint: string;
  readonly port: number;
  readonly store: Store;
  /** API calls by method (`forwardingRules.insert`), since start or the last resetCalls(). */
  calls(): Record<string, number>;
  resetCalls(): void;
  /** The Authorization header of the last API request (the fake accepts any, or none). */
  lastAuthorization(): string | undefined;
  addFault(fault: FaultSpec): void;
  clearFaults(): void;
  setQuota(collection: string, limit: number | undefined): void;
  setOperationLatency(ms: number): void;
  reset(): void;
  stop(): Promise<void>;
}

interface Route {
  readonly loc: Location;
  readonly method: string;
  readonly collection: string;
  readonly name: string | undefined;
}

function route(httpMethod: string, path: string): Route | undefined {
  const m =
    /^\/compute\/v1\/projects\/([^/]+)\/(?:(regions|zones)\/([^/]+)|(global))\/([A-Za-z]+)(?:\/([^/]+))?(?:\/([A-Za-z]+))?$/.exec(
      path,
    );
  if (!m) return undefined;
  const kind: ScopeKind = m[4] ? 'global' : (m[2] as 'regions' | 'zones');
  const collection = m[5]!;
  const apiName = API_NAMES[kind][collection];
  if (!apiName) return undefined;
  const name = m[6] === undefined ? undefined : decodeURIComponent(m[6]);
  let verb: string | undefined;
  if (m[7]) verb = httpMethod === 'POST' ? m[7] : undefined;
  else if (name === undefined) verb = httpMethod === 'GET' ? 'list' : httpMethod === 'POST' ? 'insert' : undefined;
  else verb = VERB_BY_HTTP[httpMethod];
  if (!verb) return undefined;
  return { loc: { project: m[1]!, kind, scope: m[3] ?? '' }, method: `${apiName}.${verb}`, collection, name };
}

function send(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=UTF-8',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

async function readBody(req: http.IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8').trim();
  if (text === '' || text === '""') return {};
  const parsed: unknown = JSON.parse(text);
  return parsed && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : {};
}

export async function startGceFake(options: GceFakeOptions = {}): Promise<GceFake> {
  const store = new Store();
  const operations = new Operations(store, options.operationLatencyMs ?? 15);
  const faults = new Faults();
  const counts = new Map<string, number>();
  let authorization: string | undefined;

  async function control(req: http.IncomingMessage, res: http.ServerResponse, path: string): Promise<void> {
    const body = req.method === 'GET' || req.method === 'DELETE' ? {} : await readBody(req);
    const key = `${req.method} ${path}`;
    switch (key) {
      case 'GET /_fake/calls':
        return send(res, 200, Object.fromEntries(counts));
      case 'DELETE /_fake/calls':
        counts.clear();
        return send(res, 200, {});
      case 'POST /_fake/faults':
        for (const spec of Array.isArray(body) ? (body as FaultSpec[]) : [body as unknown as FaultSpec])
          faults.add(spec);
        return send(res, 200, {});
      case 'DELETE /_fake/faults':
        faults.clear();
        return send(res, 200, {});
      case 'POST /_fake/quotas':
        for (const [collection, limit] of Object.entries(body)) {
          if (typeof limit === 'number') store.quotas.set(collection, limit);
          else store.quotas.delete(collection);
        }
        return send(res, 200, {});
      case 'POST /_fake/latency':
        operations.latencyMs = Number(body['operationMs'] ?? operations.latencyMs);
        return send(res, 200, {});
      case 'POST /_fake/reset':
        fake.reset();
        return send(res, 200, {});
      default:
        return send(res, 404, { error: { code: 404, message: `no control endpoint ${key}` } });
    }
  }

  async function api(req: http.IncomingMessage, res: http.ServerResponse, url: URL): Promise<void> {
    const r = route(req.method ?? 'GET', url.pathname);
    if (!r) {
      return send(
        res,
        404,
        new GceApiError(
          404,
          'notFound',
          'NOT_IMPLEMENTED',
          `the GCE fake does not implement ${req.method} ${url.pathname}`,
        ).toJSON(),
      );
    }
    counts.set(r.method, (counts.get(r.method) ?? 0) + 1);
    authorization = req.headers.authorization;
    const body = await readBody(req);
    const verb = r.method.slice(r.method.indexOf('.') + 1);
    const isMutation = ['insert', 'delete', 'update', 'patch', 'addInstances', 'removeInstances'].includes(verb);
    const fault = faults.take(r.method, isMutation);
    if (fault && fault.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, fault.latencyMs));
    if (fault?.httpStatus !== undefined && !fault.inOperation) {
      return send(
        res,
        fault.httpStatus,
        new GceApiError(fault.httpStatus, fault.reason, fault.code, `injected fault on ${r.method}`).toJSON(),
      );
    }
    if (r.collection === 'operations') {
      if (r.name === undefined)
        return send(
          res,
          404,
          new GceApiError(404, 'notFound', 'NOT_IMPLEMENTED', 'operations.list is not implemented').toJSON(),
        );
      const op = verb === 'wait' ? await operations.wait(r.loc, r.name) : operations.view(r.loc, r.name);
      return send(res, 200, op);
    }
    const handler = HANDLERS[r.method];
    if (!handler)
      return send(
        res,
        404,
        new GceApiError(404, 'notFound', 'NOT_IMPLEMENTED', `the GCE fake does not implement ${r.method}`).toJSON(),
      );
    try {
      const outcome = handler({ store, loc: r.loc, name: r.name, body, query: url.searchParams });
      if (outcome.kind === 'read') return send(res, 200, outcome.body);
      if (fault?.httpStatus !== undefined) {
        const injected = new GceApiError(fault.httpStatus, fault.reason, fault.code, `injected fault on ${r.method}`);
        return send(res, 200, operations.create(r.loc, outcome.operationType, outcome.targetLink, injected));
      }
      outcome.apply();
      return send(res, 200, operations.create(r.loc, outcome.operationType, outcome.targetLink));
    } catch (error) {
      if (!(error instanceof GceApiError)) throw error;
      if (error.code === 'QUOTA_EXCEEDED') {
        const target = r.name
          ? store.selfLink(r.loc, r.collection, r.name)
          : store.selfLink(r.loc, r.collection, typeof body['name'] === 'string' ? body['name'] : '');
        return send(res, 200, operations.create(r.loc, verb, target, error));
      }
      return send(res, error.httpStatus, error.toJSON());
    }
  }

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const work = url.pathname.startsWith('/_fake/') ? control(req, res, url.pathname) : api(req, res, url);
    work.catch((error: unknown) => {
      if (!res.headersSent)
        send(res, 500, { error: { code: 500, message: error instanceof Error ? error.message : String(error) } });
    });
  });
  // Idle keep-alive sockets stay open longer than clients keep them, as at Google's front ends;
  // otherwise a client reusing a socket the server just closed sees ECONNRESET.
  server.keepAliveTimeout = 120_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;

  const fake: GceFake = {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    store,
    calls: () => Object.fromEntries(counts),
    resetCalls: () => counts.clear(),
    lastAuthorization: () => authorization,
    addFault: (spec) => faults.add(spec),
    clearFaults: () => faults.clear(),
    setQuota: (collection, limit) =>
      limit === undefined ? store.quotas.delete(collection) : store.quotas.set(collection, limit),
    setOperationLatency: (ms) => {
      operations.latencyMs = ms;
    },
    reset: () => {
      store.reset();
      operations.reset();
      faults.clear();
      counts.clear();
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return fake;
}
