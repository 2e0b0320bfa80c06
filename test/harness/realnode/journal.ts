// The record of every change a real cluster makes to this machine, written to a file BEFORE the
// change is made, so that `stop()`, `make cluster-down` or the next start undoes exactly those
// changes — also after a crash that left no process to do it.
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

export type HostChange =
  /** A kernel setting and its value before we (or kubelet, or the bridge plugin) changed it. */
  | { readonly kind: 'sysctl'; readonly key: string; readonly before: string }
  /** A network link we created (its addresses and routes go with it). */
  | { readonly kind: 'link'; readonly name: string }
  /** An iptables rule we inserted; `args` deletes it after `-D`. */
  | { readonly kind: 'iptables'; readonly command: 'iptables' | 'ip6tables'; readonly args: readonly string[] }
  /**
   * The netfilter tables and KUBE-* chains present before kubelet and kube-proxy ran: every table
   * and KUBE-* chain not listed here is theirs (or ours) and goes.
   */
  | { readonly kind: 'netfilter'; readonly tables: readonly string[]; readonly kubeChains: readonly string[] }
  /** A path that did not exist (the topmost missing ancestor of what we needed): removed whole. */
  | { readonly kind: 'path'; readonly path: string }
  /** A folder that existed: only entries not listed here are removed. */
  | { readonly kind: 'entries'; readonly path: string; readonly before: readonly string[] }
  /** A cgroup we created: its processes are killed and it is removed with everything below. */
  | { readonly kind: 'cgroup'; readonly path: string }
  /**
   * The cluster's own folder: every process whose command line names it is ended, and every
   * mount under it is unmounted (the folder itself is kept: it has the logs).
   */
  | { readonly kind: 'state'; readonly dir: string }
  /**
   * Reapers of processes we started. The control plane's are ended last, in order (kube-apiserver
   * hangs when etcd goes first); the node's all at once before them.
   */
  | { readonly kind: 'processes'; readonly pids: readonly number[]; readonly controlPlane?: true };

export interface JournalFile {
  /** The process that owns the cluster: while it lives, nobody else undoes the journal. */
  readonly owner: number;
  readonly changes: readonly HostChange[];
}

/** One real cluster per machine (fixed addresses): its journal is per user, not per project copy. */
export function defaultJournalPath(): string {
  const cache =
    process.env['CLOUDLB_CACHE'] ??
    join(process.env['XDG_CACHE_HOME'] ?? join(homedir(), '.cache'), 'cloud-lb-operator');
  return join(cache, 'realnode', 'host-changes.json');
}

export function readJournal(path: string): JournalFile | undefined {
  if (!existsSync(path)) return undefined;
  return JSON.parse(readFileSync(path, 'utf8')) as JournalFile;
}

/** Appends changes and writes the file (atomically) before the caller makes the change. */
export class Journal {
  private readonly changes: HostChange[] = [];
  readonly path: string;
  private owner: number;

  private constructor(path: string, owner: number) {
    this.path = path;
    this.owner = owner;
  }

  static async create(path: string, owner: number): Promise<Journal> {
    const journal = new Journal(path, owner);
    await mkdir(dirname(path), { recursive: true });
    await journal.save();
    return journal;
  }

  async record(change: HostChange): Promise<void> {
    this.changes.push(change);
    await this.save();
  }

  /** Hands the cluster to another process (`make cluster`: the reapers outlive the CLI). */
  async setOwner(pid: number): Promise<void> {
    this.owner = pid;
    await this.save();
  }

  private async save(): Promise<void> {
    const file: JournalFile = { owner: this.owner, changes: this.changes };
    await writeFile(`${this.path}.tmp`, JSON.stringify(file, null, 1));
    await rename(`${this.path}.tmp`, this.path);
  }
}

export async function removeJournal(path: string): Promise<void> {
  await rm(path, { force: true });
}
