// The pure step: DesiredLoadBalancer + allocated address → what proxies should exist (diff.ts
// compares it with what is running; ensure.ts applies it to sockets).
import { isIPv4 } from 'node:net';
import type {
  DesiredLoadBalancer,
  Endpoint,
  HealthCheck,
  Listener,
  SkippedTarget,
  Target,
  TargetProblem,
} from '../../src/provider/contract.ts';
import { PermanentError } from '../../src/provider/errors/index.ts';

/** How one backend's health is probed. Identical probes are shared (see probeId). */
export type Probe =
  | { readonly kind: 'tcp'; readonly host: string; readonly port: number }
  | { readonly kind: 'udp'; readonly host: string; readonly port: number }
  | { readonly kind: 'http'; readonly host: string; readonly port: number; readonly path: string };

export interface Backend {
  /** The node whose node port this is; absent for an endpoint (a pod IP reached directly). */
  readonly nodeName?: string;
  readonly host: string;
  readonly port: number;
  readonly probe: Probe;
}

/** The protocols this provider carries. Node.js has no SCTP sockets, so SCTP is never planned. */
export type ProxyProtocol = 'TCP' | 'UDP';

export interface ListenerPlan {
  readonly protocol: ProxyProtocol;
  readonly port: number;
  /** Sorted by node name (endpoints: by address); round-robin walks them in this order. */
  readonly backends: readonly Backend[];
}

export interface ProxyPlan {
  readonly address: string;
  /** Sorted by port, then protocol. */
  readonly listeners: readonly ListenerPlan[];
  /** Sorted, deduplicated; empty = anyone may connect. */
  readonly sourceRanges: readonly string[];
}

export function probeId(probe: Probe): string {
  const base = `${probe.kind}://${hostPort(probe.host, probe.port)}`;
  return probe.kind === 'http' ? `${base}${probe.path}` : base;
}

export function listenerKey(listener: { readonly protocol: string; readonly port: number }): string {
  return `${listener.port}/${listener.protocol}`;
}

export function hostPort(host: string, port: number): string {
  return isIPv4(host) ? `${host}:${port}` : `[${host}]:${port}`;
}

/**
 * The address the proxy dials for a node: its InternalIP, else its ExternalIP (IPv4 first, since
 * the listeners are IPv4). Undefined when the node has neither: it cannot be a backend.
 */
export function targetHost(target: Target): string | undefined {
  for (const type of ['InternalIP', 'ExternalIP'] as const) {
    const addresses = target.addresses.filter((a) => a.type === type).map((a) => a.address);
    const chosen = addresses.find((a) => isIPv4(a)) ?? addresses[0];
    if (chosen !== undefined) return chosen;
  }
  return undefined;
}

/** The local provider's rule: a node it has no address to dial cannot be a backend. */
export function localTargetProblem(target: Target): TargetProblem | undefined {
  return targetHost(target) === undefined
    ? { kind: 'noAddress', reason: 'no InternalIP or ExternalIP address' }
    : undefined;
}

/** The targets planProxies leaves out, with why. */
export function unreachableTargets(targets: readonly Target[]): SkippedTarget[] {
  return targets.flatMap((target) => {
    const problem = localTargetProblem(target);
    return problem === undefined ? [] : [{ nodeName: target.nodeName, ...problem }];
  });
}

export function planProxies(lb: DesiredLoadBalancer, address: string): ProxyPlan {
  const nodes = [...lb.targets]
    .sort((a, b) => a.nodeName.localeCompare(b.nodeName))
    .flatMap((target) => {
      const host = targetHost(target);
      return host === undefined ? [] : [{ nodeName: target.nodeName, host }];
    });
  const listeners = [...lb.listeners]
    .sort((a, b) => a.port - b.port || a.protocol.localeCompare(b.protocol))
    .map((listener): ListenerPlan => {
      const protocol = proxyProtocol(listener);
      if (listener.nodePort === 0) {
        if (listener.endpoints === undefined) {
          throw new PermanentError(
            `port ${listenerKey(listener)} has neither a node port nor endpoints to forward to`,
            { field: 'spec.allocateLoadBalancerNodePorts' },
          );
        }
        return { protocol, port: listener.port, backends: endpointBackends(listener.endpoints, protocol) };
      }
      const backends = nodes.map(({ nodeName, host }) => ({
        nodeName,
        host,
        port: listener.nodePort,
        probe: probeFor(lb.healthCheck, protocol, host, listener.nodePort),
      }));
      return { protocol, port: listener.port, backends };
    });
  return { address, listeners, sourceRanges: [...new Set(lb.sourceRanges)].sort() };
}

/** A port without a node port goes straight to its endpoints, each probed where traffic goes. */
function endpointBackends(endpoints: readonly Endpoint[], protocol: ProxyProtocol): Backend[] {
  return endpoints.map(({ address, port }) => ({
    host: address,
    port,
    probe: protocol === 'TCP' ? { kind: 'tcp', host: address, port } : { kind: 'udp', host: address, port },
  }));
}

function proxyProtocol(listener: Listener): ProxyProtocol {
  if (listener.protocol === 'TCP' || listener.protocol === 'UDP') return listener.protocol;
  // The controller removes listeners the capabilities exclude; reaching here is a controller bug
  // or a hand-built DesiredLoadBalancer, and retrying would not help.
  throw new PermanentError(`port ${listenerKey(listener)}: the local provider carries TCP and UDP only`, {
    field: 'spec.ports',
  });
}

function probeFor(check: HealthCheck, protocol: ProxyProtocol, host: string, nodePort: number): Probe {
  if (check.kind === 'HTTP') return { kind: 'http', host, port: check.port, path: check.path };
  return protocol === 'TCP' ? { kind: 'tcp', host, port: nodePort } : { kind: 'udp', host, port: nodePort };
}

/** One line for events and logs: `local proxy on 127.77.0.12 with listeners 53/UDP, 80/TCP to 2 nodes`. */
export function summarizePlan(plan: ProxyPlan): string {
  const ports = plan.listeners.map(listenerKey).join(', ');
  const backends = plan.listeners.flatMap((l) => l.backends);
  const nodes = new Set(backends.flatMap((b) => (b.nodeName === undefined ? [] : [b.nodeName]))).size;
  const endpoints = new Set(backends.filter((b) => b.nodeName === undefined).map((b) => hostPort(b.host, b.port))).size;
  const toNodes = `${nodes} node${nodes === 1 ? '' : 's'}`;
  const toEndpoints = endpoints > 0 ? ` and ${endpoints} endpoint${endpoints === 1 ? '' : 's'}` : '';
  const ranges = plan.sourceRanges.length > 0 ? `, allowing only ${plan.sourceRanges.join(', ')}` : '';
  return `local proxy on ${plan.address} with listeners ${ports} to ${toNodes}${toEndpoints}${ranges}`;
}
