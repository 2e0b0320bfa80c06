// A small HTTP proxy on 127.0.0.1 between the AWS SDK and moto_server that injects faults in the
// right AWS error envelope per service: throttling, 5xx, latency, and connections dropped before
// or after the request reached moto. Bounded (at most `maxFaults`) and self-stopping (`lifetimeMs`).
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export type Fault = 'throttle' | 'server-error' | 'drop-before' | 'drop-after' | 'latency';

export interface FaultProxyOptions {
  /** Where requests go, e.g. moto's http://127.0.0.1:PORT. */
  readonly target: string;
  /** Faults applied in turn, one per `every` requests. */
  readonly faults: readonly Fault[];
  /** Inject on every n-th request (1 = every request). */
  readonly every: number;
  /** Stop injecting after this many faults; afterwards the proxy passes everything through. */
  readonly maxFaults: number;
  readonly latencyMs?: number;
  /** The proxy closes itself after this long, so a failed test never leaves it running. */
  readonly lifetimeMs?: number;
  /**
   * An error AWS would answer and the emulator does not (moto registers unknown instances): a
   * request it returns an answer for gets that error instead of reaching the emulator.
   */
  readonly refuse?: (service: 'elbv2' | 'ec2', action: string, params: URLSearchParams) => Refusal | undefined;
}

export interface Refusal {
  readonly status: number;
  readonly code: string;
  readonly message: string;
}

export interface FaultProxy {
  readonly endpoint: string;
  readonly injected: Readonly<Record<Fault, number>>;
  requests(): number;
  /**
   * Requests seen on the wire by `service:Action` (e.g. `elbv2:CreateListener`), faulted or not —
   * independent of the provider's own counting.
   */
  readonly actions: ReadonlyMap<string, number>;
  /** Requests per access key ID seen in Authorization headers (never the secret: SigV4 does not send it). */
  readonly accessKeys: ReadonlyMap<string, number>;
  /** Passes everything through from now on. */
  quiet(): void;
  stop(): Promise<void>;
}

type Service = 'elbv2' | 'ec2';

function serviceOf(body: string): Service {
  // ELBv2 and EC2 both speak the Query protocol; their API versions tell them apart.
  return body.includes('Version=2015-12-01') ? 'elbv2' : 'ec2';
}

function errorBody(service: Service, code: string, message: string): string {
  if (service === 'elbv2') {
    return `<ErrorResponse xmlns="http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/"><Error><Type>${code === 'Throttling' ? 'Sender' : 'Receiver'}</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>fault-proxy</RequestId></ErrorResponse>`;
  }
  return `<?xml version="1.0" encoding="UTF-8"?><Response><Errors><Error><Code>${code}</Code><Message>${message}</Message></Error></Errors><RequestID>fault-proxy</RequestID></Response>`;
}

export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  const target = new URL(options.target);
  const injected: Record<Fault, number> = {
    throttle: 0,
    'server-error': 0,
    'drop-before': 0,
    'drop-after': 0,
    latency: 0,
  };
  let count = 0;
  let total = 0;
  let quiet = false;
  const actions = new Map<string, number>();
  const accessKeys = new Map<string, number>();

  const nextFault = (): Fault | undefined => {
    count++;
    if (quiet || total >= options.maxFaults || options.faults.length === 0 || count % options.every !== 0)
      return undefined;
    const fault = options.faults[total % options.faults.length];
    total++;
    if (fault !== undefined) injected[fault]++;
    return fault;
  };

  const forward = (
    req: http.IncomingMessage,
    body: Buffer,
    onResponse: (status: number, headers: http.IncomingHttpHeaders, payload: Buffer) => void,
    onError: () => void,
  ): void => {
    const upstream = http.request(
      {
        host: target.hostname,
        port: target.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: target.host },
      },
      (res) => {
        const parts: Buffer[] = [];
        res.on('data', (c: Buffer) => parts.push(c));
        res.on('end', () => onResponse(res.statusCode ?? 502, res.headers, Buffer.concat(parts)));
        res.on('error', onError);
      },
    );
    upstream.on('error', onError);
    upstream.end(body);
  };

  const server = http.createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (c: Buffer) => parts.push(c));
    req.on('end', () => {
      const body = Buffer.concat(parts);
      const text = body.toString('utf8');
      const service = serviceOf(text);
      const action = new URLSearchParams(text).get('Action');
      if (action !== null) actions.set(`${service}:${action}`, (actions.get(`${service}:${action}`) ?? 0) + 1);
      const keyId = /Credential=([^/,\s]+)\//.exec(req.headers.authorization ?? '')?.[1];
      if (keyId !== undefined) accessKeys.set(keyId, (accessKeys.get(keyId) ?? 0) + 1);
      const refusal = action === null ? undefined : options.refuse?.(service, action, new URLSearchParams(text));
      if (refusal !== undefined) {
        res
          .writeHead(refusal.status, { 'content-type': 'text/xml' })
          .end(errorBody(service, refusal.code, refusal.message));
        return;
      }
      const fault = nextFault();
      const reply = (status: number, headers: http.IncomingHttpHeaders, payload: Buffer): void => {
        if (fault === 'drop-after') {
          req.socket.destroy();
          return;
        }
        const { 'transfer-encoding': _te, connection: _c, ...rest } = headers;
        res.writeHead(status, { ...rest, 'content-length': String(payload.length) });
        res.end(payload);
      };
      const fail = (): void => {
        res.writeHead(502).end();
      };
      switch (fault) {
        case 'throttle': {
          const payload = errorBody(
            service,
            service === 'elbv2' ? 'Throttling' : 'RequestLimitExceeded',
            'Rate exceeded',
          );
          res.writeHead(service === 'elbv2' ? 400 : 503, { 'content-type': 'text/xml' }).end(payload);
          return;
        }
        case 'server-error':
          res
            .writeHead(500, { 'content-type': 'text/xml' })
            .end(errorBody(service, service === 'elbv2' ? 'InternalFailure' : 'InternalError', 'injected'));
          return;
        case 'drop-before':
          req.socket.destroy();
          return;
        case 'latency':
          setTimeout(() => forward(req, body, reply, fail), options.latencyMs ?? 200);
          return;
        default:
          forward(req, body, reply, fail);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const lifetime = setTimeout(() => void stop(), options.lifetimeMs ?? 120_000);
  lifetime.unref();

  let stopped: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopped ??= new Promise<void>((resolve) => {
      clearTimeout(lifetime);
      server.closeAllConnections();
      server.close(() => resolve());
    });
    return stopped;
  };
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    injected,
    requests: () => count,
    actions,
    accessKeys,
    quiet: () => {
      quiet = true;
    },
    stop,
  };
}
