// Active health probes. Each resolves to true (healthy) or false; none throws.
import { createSocket } from 'node:dgram';
import { request } from 'node:http';
import { connect, isIPv6 } from 'node:net';
import type { Probe } from '../plan.ts';

export interface ProbeOptions {
  readonly timeoutMs: number;
  /** Aborting ends the probe at once (result false), so closing a monitor leaves no socket behind. */
  readonly signal: AbortSignal;
}

export function runProbe(probe: Probe, options: ProbeOptions): Promise<boolean> {
  if (options.signal.aborted) return Promise.resolve(false);
  switch (probe.kind) {
    case 'tcp':
      return tcpProbe(probe.host, probe.port, options);
    case 'udp':
      return udpProbe(probe.host, probe.port, options);
    case 'http':
      return httpProbe(probe.host, probe.port, probe.path, options);
  }
}

/** Healthy when a TCP connection to the port is accepted. */
export function tcpProbe(host: string, port: number, { timeoutMs, signal }: ProbeOptions): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: timeoutMs });
    const onAbort = (): void => finish(false);
    const finish = (ok: boolean): void => {
      signal.removeEventListener('abort', onAbort);
      socket.destroy();
      resolve(ok);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    socket.once('connect', () => finish(true));
    socket.once('timeout', () => finish(false));
    socket.once('error', () => finish(false));
  });
}

/**
 * UDP has no handshake, so this is the most a probe can tell: an empty datagram is sent on a
 * connected socket, and an ICMP port-unreachable (ECONNREFUSED) within the timeout means nothing
 * listens on the port. Silence or any reply counts as healthy; a hung server is not detected.
 */
export function udpProbe(host: string, port: number, { timeoutMs, signal }: ProbeOptions): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createSocket(isIPv6(host) ? 'udp6' : 'udp4');
    let timer: NodeJS.Timeout | undefined;
    let done = false;
    const onAbort = (): void => finish(false);
    const finish = (ok: boolean): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      socket.close();
      resolve(ok);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    socket.on('error', () => finish(false));
    socket.on('message', () => finish(true));
    socket.connect(port, host, () => {
      if (done) return;
      socket.send(Buffer.alloc(0), (error) => {
        if (error) finish(false);
        else timer = setTimeout(() => finish(true), timeoutMs);
      });
    });
  });
}

/** Healthy on HTTP 200, as kube-proxy's healthCheckNodePort answers when the node has endpoints. */
export function httpProbe(
  host: string,
  port: number,
  path: string,
  { timeoutMs, signal }: ProbeOptions,
): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ host, port, path, method: 'GET', timeout: timeoutMs, agent: false, signal }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.once('timeout', () => req.destroy());
    req.once('error', () => resolve(false));
    req.end();
  });
}
