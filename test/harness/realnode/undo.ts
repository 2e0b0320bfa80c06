// Undoes a journal (journal.ts): processes first, then what they held (cgroups, mounts), then
// files, netfilter, links and kernel settings — each step tolerant of what is already gone, so a
// second run after a partial one finishes the job.
import { existsSync } from 'node:fs';
import { readdir, readFile, realpath, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { exec } from '../exec.ts';
import { stopPids } from '../controlplane.ts';
import { readJournal, removeJournal, type HostChange } from './journal.ts';
import { kubeChains, netfilterUndo, parseTables } from './netfilter.ts';
import { endProcesses, processesNaming, removeCgroup } from './processes.ts';
import { run } from '../../../scripts/image/run.ts';
import { writeSysctl } from './host.ts';

type Of<K extends HostChange['kind']> = Extract<HostChange, { kind: K }>;
const only = <K extends HostChange['kind']>(changes: readonly HostChange[], kind: K): Of<K>[] =>
  changes.filter((c): c is Of<K> => c.kind === kind);

const unescapeMountPath = (path: string): string =>
  path.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));

/** Mount points at or under one of `roots`, deepest first. */
export function mountsUnder(mountinfo: string, roots: readonly string[]): string[] {
  const points = mountinfo
    .split('\n')
    .map((line) => unescapeMountPath(line.split(' ')[4] ?? ''))
    .filter((point) => roots.some((root) => point === root || point.startsWith(`${root}/`)));
  return [...new Set(points)].sort((a, b) => b.length - a.length);
}

async function unmountUnder(given: readonly string[]): Promise<void> {
  const real = await Promise.all(given.map(async (root) => await realpath(root).catch(() => root)));
  const roots = [...new Set([...given, ...real])];
  for (let pass = 0; pass < 5; pass++) {
    const points = mountsUnder(await readFile('/proc/self/mountinfo', 'utf8'), roots);
    if (points.length === 0) return;
    for (const point of points) {
      if ((await exec('umount', [point])).code !== 0) await exec('umount', ['-l', point]);
    }
  }
}

async function endClusterProcesses(changes: readonly HostChange[]): Promise<void> {
  const reapers = only(changes, 'processes');
  await Promise.all(reapers.filter((r) => r.controlPlane !== true).map(async ({ pids }) => await stopPids(pids)));
  for (const { pids } of reapers.filter((r) => r.controlPlane === true).reverse()) await stopPids(pids);
  for (const { dir } of only(changes, 'state')) await endProcesses(await processesNaming(dir));
  for (const { path } of only(changes, 'cgroup')) await removeCgroup(path);
  // Shims exit once their containers are gone; one that did not is ended now.
  for (const { dir } of only(changes, 'state')) await endProcesses(await processesNaming(dir), 1_000);
}

async function removeFiles(changes: readonly HostChange[]): Promise<void> {
  const roots = [
    ...only(changes, 'state').map((c) => c.dir),
    ...only(changes, 'path').map((c) => c.path),
    ...only(changes, 'entries').map((c) => c.path),
  ];
  await unmountUnder(roots);
  for (const { path } of only(changes, 'path')) await rm(path, { recursive: true, force: true });
  for (const { path, before } of only(changes, 'entries')) {
    const now = await readdir(path).catch(() => []);
    for (const entry of now.filter((e) => !before.includes(e)))
      await rm(join(path, entry), { recursive: true, force: true });
  }
}

async function restoreNetfilter(changes: readonly HostChange[]): Promise<void> {
  for (const { command, args } of only(changes, 'iptables')) {
    const [tableFlag = '-t', table = 'filter', chain = '', ...rule] = args;
    await exec(command, ['-w', tableFlag, table, '-D', chain, ...rule]); // gone already: fine
  }
  for (const before of only(changes, 'netfilter')) {
    const [tables, ip, ip6] = await Promise.all([
      exec('nft', ['list', 'tables']),
      exec('iptables-save', []),
      exec('ip6tables-save', []),
    ]);
    const now = { tables: parseTables(tables.stdout), saves: { ip: ip.stdout, ip6: ip6.stdout } };
    for (const { command, args } of netfilterUndo(before, now)) await exec(command, args);
  }
}

async function restoreSysctls(changes: readonly HostChange[]): Promise<void> {
  // The first record of a key holds the machine's own value: write the others back first.
  for (const { key, before } of only(changes, 'sysctl').reverse()) {
    await writeSysctl(key, before);
  }
}

/** Undoes every change in the journal at `path` and removes it. No journal: nothing to do. */
export async function undoJournal(path: string): Promise<void> {
  const journal = readJournal(path);
  if (journal === undefined) return;
  const { changes } = journal;
  await endClusterProcesses(changes);
  await removeFiles(changes);
  await restoreNetfilter(changes);
  for (const { name } of only(changes, 'link')) {
    if (existsSync(`/sys/class/net/${name}`)) await run('ip', ['link', 'del', name]);
  }
  await restoreSysctls(changes);
  await removeJournal(path);
}

/** What the netfilter record needs: the tables and KUBE-* chains present now. */
export async function netfilterNow(): Promise<{ tables: string[]; kubeChains: string[] }> {
  const [tables, ip, ip6] = await Promise.all([
    run('nft', ['list', 'tables']),
    run('iptables-save', []),
    run('ip6tables-save', []),
  ]);
  return { tables: parseTables(tables), kubeChains: [...kubeChains('ip', ip), ...kubeChains('ip6', ip6)] };
}
