// Ending what a real cluster left running: processes that name its folder (containerd, its shims,
// kubelet, their reapers) and the containers in its cgroups.
import { existsSync } from 'node:fs';
import { readdir, readFile, rmdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { alive } from '../controlplane.ts';

/** PIDs (not ours) whose command line contains `needle`. */
export async function processesNaming(needle: string): Promise<number[]> {
  const found: number[] = [];
  for (const entry of await readdir('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid === process.pid) continue;
    const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
    if (cmdline.split('\0').some((arg) => arg.includes(needle))) found.push(pid);
  }
  return found;
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // already gone
  }
}

/** SIGTERM, then SIGKILL to whatever is still there after `graceMs`. */
export async function endProcesses(pids: readonly number[], graceMs = 5_000): Promise<void> {
  for (const pid of pids) signal(pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (pids.some(alive) && Date.now() < deadline) await sleep(50);
  for (const pid of pids.filter(alive)) signal(pid, 'SIGKILL');
  const killDeadline = Date.now() + 5_000;
  while (pids.some(alive) && Date.now() < killDeadline) await sleep(50);
}

/** Every cgroup at and below `path`, deepest first. */
async function cgroupTree(path: string): Promise<string[]> {
  const entries = await readdir(path, { withFileTypes: true }).catch(() => []);
  const below = await Promise.all(entries.filter((e) => e.isDirectory()).map((e) => cgroupTree(join(path, e.name))));
  return [...below.flat(), path];
}

async function cgroupPids(path: string): Promise<number[]> {
  const text = await readFile(join(path, 'cgroup.procs'), 'utf8').catch(() => '');
  return text.split('\n').filter(Boolean).map(Number);
}

/** Kills every process in the cgroup tree (thawing a frozen one first), then removes the tree. */
export async function removeCgroup(path: string): Promise<void> {
  if (!existsSync(path)) return;
  const tree = await cgroupTree(path);
  for (const cgroup of tree) {
    if (existsSync(join(cgroup, 'freezer.state')))
      await writeFile(join(cgroup, 'freezer.state'), 'THAWED').catch(() => undefined);
  }
  for (let attempt = 0; attempt < 100; attempt++) {
    const pids = (await Promise.all(tree.map(cgroupPids))).flat();
    if (pids.length === 0) break;
    for (const pid of pids) signal(pid, 'SIGKILL');
    await sleep(50);
  }
  for (const cgroup of tree) {
    for (let attempt = 0; ; attempt++) {
      try {
        await rmdir(cgroup);
        break;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') break;
        if (attempt >= 100) throw new Error(`could not remove cgroup ${cgroup}`, { cause: error });
        await sleep(50); // an exiting process leaves its cgroup a moment after SIGKILL
      }
    }
  }
}
