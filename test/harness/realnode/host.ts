// Changes to this machine, each recorded in the journal before it is made (see journal.ts).
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { run } from '../../../scripts/image/run.ts';
import type { Journal } from './journal.ts';

const sysctlPath = (key: string): string => join('/proc/sys', ...key.split('.'));

export async function readSysctl(key: string): Promise<string> {
  return (await readFile(sysctlPath(key), 'utf8')).trim();
}

/** Records a setting's value so that teardown restores it, whoever changes it later. */
export async function rememberSysctl(journal: Journal, key: string): Promise<void> {
  await journal.record({ kind: 'sysctl', key, before: await readSysctl(key) });
}

export async function writeSysctl(key: string, value: string): Promise<void> {
  await writeFile(sysctlPath(key), value);
}

export async function setSysctl(journal: Journal, key: string, value: string): Promise<void> {
  await rememberSysctl(journal, key);
  await writeSysctl(key, value);
}

/**
 * An empty bridge, up, with these addresses (a node IP needs no other link: see PITFALLS.md) and
 * routes to these ranges (a dead end: the bridge has no ports). The routes go with the link.
 */
export async function addBridge(
  journal: Journal,
  name: string,
  addresses: readonly string[],
  routes: readonly string[] = [],
): Promise<void> {
  if (existsSync(`/sys/class/net/${name}`)) throw new Error(`link ${name} already exists: is another cluster running?`);
  await journal.record({ kind: 'link', name });
  await run('ip', ['link', 'add', name, 'type', 'bridge']);
  for (const address of addresses) await run('ip', ['addr', 'add', address, 'dev', name]);
  await run('ip', ['link', 'set', name, 'up']);
  for (const range of routes) await run('ip', ['route', 'add', range, 'dev', name]);
}

/** Inserts a rule at the top of its chain; `args` are the rule without -I/-D (table included). */
export async function insertRule(
  journal: Journal,
  command: 'iptables' | 'ip6tables',
  args: readonly [string, string, string, ...string[]],
): Promise<void> {
  await journal.record({ kind: 'iptables', command, args });
  const [tableFlag, table, chain, ...rule] = args;
  await run(command, ['-w', tableFlag, table, '-I', chain, '1', ...rule]);
}

/**
 * Makes `path` exist. When it did not, its topmost missing ancestor is recorded and removed
 * whole at teardown; when it did, the entries it had are recorded and only newer ones removed.
 */
export async function claimPath(journal: Journal, path: string): Promise<void> {
  if (existsSync(path)) {
    await journal.record({ kind: 'entries', path, before: await readdir(path) });
    return;
  }
  let top = path;
  while (!existsSync(dirname(top))) top = dirname(top);
  await journal.record({ kind: 'path', path: top });
  await mkdir(path, { recursive: true });
}

/** The cgroup hierarchies of this machine (v1 controllers, the named systemd one, the v2 `unified`). */
export async function cgroupHierarchies(): Promise<string[]> {
  const entries = await readdir('/sys/fs/cgroup', { withFileTypes: true });
  const roots = entries.filter((e) => e.isDirectory()).map((e) => join('/sys/fs/cgroup', e.name));
  if (existsSync('/sys/fs/cgroup/cgroup.procs')) return ['/sys/fs/cgroup'];
  return roots.filter((root) => existsSync(join(root, 'cgroup.procs')));
}

/** Creates `/<name>` in every hierarchy: kubelet's cgroupRoot, so every pod cgroup is below ours. */
export async function makeCgroupRoot(journal: Journal, name: string): Promise<void> {
  for (const hierarchy of await cgroupHierarchies()) {
    const path = join(hierarchy, name);
    if (existsSync(path)) throw new Error(`cgroup ${path} already exists: is another cluster running?`);
    await journal.record({ kind: 'cgroup', path });
    await mkdir(path);
    // A new v1 cpuset starts with no CPUs and no memory nodes: no process could join it.
    for (const file of ['cpuset.cpus', 'cpuset.mems']) {
      if (existsSync(join(path, file))) await writeFile(join(path, file), await readFile(join(hierarchy, file)));
    }
  }
}
