// The operator's pods as a user sees them: which are Ready, which one holds the Lease, and what a
// container costs (RSS of its process, start → Ready).
import { CoordinationV1Api, type V1Pod } from '@kubernetes/client-node';
import { readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import type { TestCluster } from '../../harness/cluster.ts';
import type { RealClusterInfo } from '../../harness/node.ts';
import { exec } from '../../harness/exec.ts';
import { OPERATOR_NAMESPACE } from './install.ts';

export const OPERATOR_SELECTOR = 'app.kubernetes.io/name=cloud-lb-operator,app.kubernetes.io/component=controller';
/** The Lease the operator elects on (its --lease-name default), in its namespace. */
export const LEASE_NAME = 'cloud-lb-operator';

export const isReady = (pod: V1Pod): boolean =>
  pod.metadata?.deletionTimestamp === undefined &&
  pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true;

export const podName = (pod: V1Pod): string => pod.metadata?.name ?? '';

export async function operatorPods(cluster: TestCluster): Promise<V1Pod[]> {
  return (await cluster.core.listNamespacedPod({ namespace: OPERATOR_NAMESPACE, labelSelector: OPERATOR_SELECTOR }))
    .items;
}

export interface LeaseView {
  readonly holder: string | undefined;
  readonly durationSeconds: number;
  readonly transitions: number;
  /** When the holder acquired it (ms since the epoch), by the holder's clock. */
  readonly acquiredAt: number | undefined;
}

export async function readLease(cluster: TestCluster): Promise<LeaseView> {
  const lease = await cluster.kc
    .makeApiClient(CoordinationV1Api)
    .readNamespacedLease({ name: LEASE_NAME, namespace: OPERATOR_NAMESPACE });
  return {
    holder: lease.spec?.holderIdentity ?? undefined,
    durationSeconds: lease.spec?.leaseDurationSeconds ?? 0,
    transitions: lease.spec?.leaseTransitions ?? 0,
    acquiredAt: lease.spec?.acquireTime === undefined ? undefined : new Date(lease.spec.acquireTime).getTime(),
  };
}

/**
 * The pod behind a Lease holder. The operator's identity is `<hostname>-<6 hex>`: a pod's hostname
 * is its name, but on the host network it is this machine's (the node runs here).
 */
export function holderPod(pods: readonly V1Pod[], holder: string | undefined): V1Pod | undefined {
  if (holder === undefined) return undefined;
  const hostnameOf = (p: V1Pod): string => (p.spec?.hostNetwork === true ? hostname() : podName(p));
  const found = pods.filter(
    (p) => holder.startsWith(hostnameOf(p)) && /^-[0-9a-f]{6}$/.test(holder.slice(hostnameOf(p).length)),
  );
  return found.length === 1 ? found[0] : undefined;
}

/** containerd's ID of the pod's (first) container. */
function containerID(pod: V1Pod): string {
  const id = pod.status?.containerStatuses?.[0]?.containerID ?? '';
  if (!id.startsWith('containerd://')) throw new Error(`pod ${podName(pod)} has no running container (${id})`);
  return id.slice('containerd://'.length);
}

/** The host PID of the container's first process (`ctr task ls`), from whichever node runs it. */
export async function containerPid(info: RealClusterInfo, pod: V1Pod): Promise<number> {
  const id = containerID(pod);
  for (const node of info.nodes) {
    const tasks = await exec(info.ctr, ['--address', node.containerdSocket, '-n', 'k8s.io', 'tasks', 'ls']);
    const line = tasks.stdout.split('\n').find((l) => l.startsWith(`${id} `));
    const pid = Number(line?.trim().split(/\s+/)[1]);
    if (Number.isInteger(pid) && pid > 0) return pid;
  }
  throw new Error(`no containerd task for pod ${podName(pod)} (container ${id})`);
}

/** VmRSS of a process, in bytes. */
export async function rssBytes(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = /^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1];
  if (kb === undefined) throw new Error(`/proc/${pid}/status has no VmRSS`);
  return Number(kb) * 1024;
}

/** Container start → Ready condition, from the pod's own status (1 s resolution: API timestamps). */
export function startToReadySeconds(pod: V1Pod): number {
  const started = pod.status?.containerStatuses?.[0]?.state?.running?.startedAt;
  const ready = pod.status?.conditions?.find((c) => c.type === 'Ready' && c.status === 'True')?.lastTransitionTime;
  if (started === undefined || ready === undefined) throw new Error(`pod ${podName(pod)} is not running and Ready`);
  return (new Date(ready).getTime() - new Date(started).getTime()) / 1000;
}
