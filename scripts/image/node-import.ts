// The hook between `make image` and a running `make cluster NODE=1`: the node side (branch
// realnode) records in .cache/cluster/state.json its `ctr` binary and each node's containerd
// socket; when they are there, a built image is imported into every node's k8s.io namespace.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../test/harness/binaries.ts';
import { run } from './run.ts';

export const CLUSTER_STATE_FILE = join(PROJECT_ROOT, '.cache', 'cluster', 'state.json');

/** The part of the cluster state this hook reads; the rest of the file is the cluster's own business. */
export interface NodeRuntimes {
  readonly ctr: string;
  readonly containerdSockets: readonly string[];
}

/** The runtimes of a running cluster with nodes, or why there is none (one line). Pure on the file's text. */
export function nodeRuntimesFrom(stateText: string | undefined): NodeRuntimes | string {
  if (stateText === undefined) return 'no cluster is running (make cluster NODE=1 starts one)';
  const state = JSON.parse(stateText) as Partial<Record<keyof NodeRuntimes, unknown>>;
  const sockets = state.containerdSockets;
  if (typeof state.ctr !== 'string' || !Array.isArray(sockets) || sockets.length === 0)
    return 'the running cluster has no node (make cluster NODE=1 starts one with containerd)';
  if (!sockets.every((s): s is string => typeof s === 'string'))
    throw new Error(`${CLUSTER_STATE_FILE}: containerdSockets must be a list of paths`);
  return { ctr: state.ctr, containerdSockets: sockets };
}

/** `ctr -n k8s.io images import`, as a command line a person can run too. */
export function importCommand(ctr: string, socket: string, archive: string): string[] {
  return [ctr, '--address', socket, '--namespace', 'k8s.io', 'images', 'import', archive];
}

/**
 * Imports `archive` into every node of the running cluster; returns one line saying what happened.
 * Nothing running is not an error: the image is still built, and the line says so.
 */
export async function importIntoClusterNodes(archive: string, stateFile = CLUSTER_STATE_FILE): Promise<string> {
  const runtimes = nodeRuntimesFrom(existsSync(stateFile) ? await readFile(stateFile, 'utf8') : undefined);
  if (typeof runtimes === 'string') return `not imported: ${runtimes}`;
  const live = runtimes.containerdSockets.filter((socket) => existsSync(socket));
  if (live.length === 0) return `not imported: no containerd socket of the cluster exists any more (${stateFile})`;
  for (const socket of live) {
    const [command = 'ctr', ...args] = importCommand(runtimes.ctr, socket, archive);
    await run(command, args);
  }
  return `imported into ${live.length} node(s) of the running cluster`;
}
