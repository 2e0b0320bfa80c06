// The demo's view of the control plane: kubectl with YAML on stdin, JSON reads, and polling.
import { setTimeout as sleep } from 'node:timers/promises';
import type { ControlPlane } from '../../test/harness/controlplane.ts';

export type Kubectl = ControlPlane['kubectl'];

export async function apply(kubectl: Kubectl, yaml: string): Promise<void> {
  const result = await kubectl(['apply', '-f', '-'], { input: yaml });
  if (result.code !== 0) throw new Error(`kubectl apply failed: ${result.stderr.trim()}`);
}

export async function getJson<T>(kubectl: Kubectl, args: readonly string[]): Promise<T | undefined> {
  const result = await kubectl([...args, '-o', 'json']);
  return result.code === 0 ? (JSON.parse(result.stdout) as T) : undefined;
}

/** Polls `read` until it returns a value; undefined when the time is up. */
export async function waitFor<T>(
  read: () => Promise<T | undefined>,
  timeoutMs: number,
  intervalMs = 250,
): Promise<T | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (value !== undefined) return value;
    if (Date.now() > deadline) return undefined;
    await sleep(intervalMs);
  }
}

export interface ServiceView {
  readonly spec?: {
    readonly ports?: readonly { readonly port: number; readonly protocol: string; readonly nodePort?: number }[];
  };
  readonly status?: {
    readonly loadBalancer?: {
      readonly ingress?: readonly {
        readonly ip?: string;
        readonly hostname?: string;
        readonly ports?: readonly { readonly port: number; readonly protocol: string; readonly error?: string }[];
      }[];
    };
  };
}

export function serviceYaml(options: {
  readonly name: string;
  readonly namespace: string;
  readonly loadBalancerClass: string;
  readonly tcpPort: number;
  readonly udpPort: number;
  readonly nodePorts?: { readonly tcp: number; readonly udp: number };
}): string {
  const nodePort = (port: number | undefined): string => (port === undefined ? '' : `, nodePort: ${port}`);
  return `apiVersion: v1
kind: Service
metadata:
  name: ${options.name}
  namespace: ${options.namespace}
spec:
  type: LoadBalancer
  loadBalancerClass: ${options.loadBalancerClass}
  selector: { app: echo }
  ports:
    - { name: web, port: ${options.tcpPort}, protocol: TCP, targetPort: 8080${nodePort(options.nodePorts?.tcp)} }
    - { name: dns, port: ${options.udpPort}, protocol: UDP, targetPort: 5353${nodePort(options.nodePorts?.udp)} }
    - { name: signalling, port: 9999, protocol: SCTP, targetPort: 9999 }
`;
}

export function nodeYaml(name: string): string {
  return `apiVersion: v1
kind: Node
metadata:
  name: ${name}
  labels: { cloudlb.dev/demo: "true" }
`;
}

export function nodeStatusPatch(internalIP: string, name: string): string {
  return JSON.stringify({
    status: {
      addresses: [
        { type: 'InternalIP', address: internalIP },
        { type: 'Hostname', address: name },
      ],
      conditions: [{ type: 'Ready', status: 'True', reason: 'DemoStandIn', message: 'a stand-in node for the demo' }],
    },
  });
}
