// What a real cluster could leave on this machine, as comparable text: links, addresses, routes,
// netfilter, mounts, the settings it touches, cgroups, fixed paths and the node's processes.
// Counters and other values that move by themselves are blanked, so two snapshots of an
// untouched machine are equal.
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { exec } from '../exec.ts';
import { FIXED_PATHS, TOUCHED_SYSCTLS } from './config.ts';
import { cgroupHierarchies, readSysctl } from './host.ts';

export type HostSnapshot = Readonly<Record<string, string>>;

/** Blanks packet and byte counters (iptables-save `[p:b]`, nft `counter packets p bytes b`). */
export function withoutCounters(text: string): string {
  return text
    .replace(/\[\d+:\d+\]/g, '[-:-]')
    .replace(/packets \d+ bytes \d+/g, 'packets - bytes -')
    .split('\n')
    .filter((line) => !line.startsWith('#'))
    .join('\n');
}

async function command(name: string, args: readonly string[]): Promise<string> {
  const result = await exec(name, args);
  return `${result.stdout}${result.code === 0 ? '' : `(exit ${result.code}) ${result.stderr}`}`;
}

async function processesRunning(folders: readonly string[]): Promise<string> {
  const found: string[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const cmdline = (await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '')).split('\0').join(' ').trim();
    if (folders.some((folder) => cmdline.includes(folder))) found.push(cmdline);
  }
  return found.sort().join('\n');
}

async function cgroups(): Promise<string> {
  const found: string[] = [];
  for (const hierarchy of await cgroupHierarchies()) {
    const entries = await readdir(hierarchy, { withFileTypes: true });
    for (const e of entries) if (e.isDirectory()) found.push(join(hierarchy, e.name));
  }
  return found.sort().join('\n');
}

/**
 * Mounts a cluster could leave: under its folders and the fixed paths, or of the kinds only
 * containers make (overlay root file systems, pinned network namespaces). Other mounts come and
 * go with other work on the machine (an image build's chroot).
 */
export function clusterMounts(mountinfo: string, roots: readonly string[]): string {
  return mountinfo
    .split('\n')
    .map((line) => {
      const fields = line.split(' ');
      const type = fields[fields.indexOf('-') + 1] ?? '';
      return { point: fields[4] ?? '', type };
    })
    .filter(
      ({ point, type }) =>
        type === 'overlay' || type === 'nsfs' || roots.some((root) => point === root || point.startsWith(`${root}/`)),
    )
    .map(({ point, type }) => `${point} ${type}`)
    .sort()
    .join('\n');
}

/**
 * The machine as a real cluster could change it. `folders`: process command lines naming any of
 * them are listed (the node binaries' folder, the cluster's folder).
 */
export async function hostSnapshot(folders: readonly string[]): Promise<HostSnapshot> {
  const mountinfo = await readFile('/proc/self/mountinfo', 'utf8');
  const sysctls = await Promise.all(
    TOUCHED_SYSCTLS.map(async (key) => `${key} = ${await readSysctl(key).catch(() => '(none)')}`),
  );
  return {
    links: await command('ip', ['-br', 'link']),
    addresses: await command('ip', ['-br', 'addr']),
    routes: await command('ip', ['route', 'show', 'table', 'all']),
    routes6: await command('ip', ['-6', 'route', 'show', 'table', 'all']),
    iptables: withoutCounters(await command('iptables-save', [])),
    ip6tables: withoutCounters(await command('ip6tables-save', [])),
    nft: withoutCounters(await command('nft', ['list', 'ruleset'])),
    mounts: clusterMounts(mountinfo, [...folders, ...FIXED_PATHS, '/var/lib/kubelet', '/run/netns']),
    sysctls: sysctls.join('\n'),
    cgroups: await cgroups(),
    paths: FIXED_PATHS.map((path) => `${path}: ${existsSync(path) ? 'exists' : 'absent'}`).join('\n'),
    processes: await processesRunning(folders),
  };
}

/** The sections that differ, each with the lines only before (-) and only after (+). */
export function snapshotDifferences(before: HostSnapshot, after: HostSnapshot): string[] {
  const differences: string[] = [];
  for (const section of new Set([...Object.keys(before), ...Object.keys(after)])) {
    const was = (before[section] ?? '').split('\n');
    const now = (after[section] ?? '').split('\n');
    if (was.join('\n') === now.join('\n')) continue;
    const gone = was.filter((line) => !now.includes(line)).map((line) => `  - ${line}`);
    const added = now.filter((line) => !was.includes(line)).map((line) => `  + ${line}`);
    differences.push([`${section}:`, ...gone, ...added].join('\n'));
  }
  return differences;
}
