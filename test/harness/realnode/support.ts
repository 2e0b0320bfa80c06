// Can this machine run a real node? One line saying why not, for skipped tests and `make cluster`.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { exec } from '../exec.ts';

export type NodeSupport = { readonly ok: true } | { readonly ok: false; readonly reason: string };

/** Debian's packages (the Makefile's `node-deps` installs them) and where they put things. */
export const RUNC = '/usr/sbin/runc';
export const CNI_BIN_DIR = '/usr/lib/cni';
const COMMANDS = [
  'ip',
  'iptables',
  'ip6tables',
  'iptables-save',
  'ip6tables-save',
  'nft',
  'conntrack',
  'unshare',
  'mount',
  'umount',
];
const CNI_PLUGINS = ['bridge', 'host-local', 'loopback'];

async function onPath(command: string): Promise<boolean> {
  return (await exec('sh', ['-c', 'command -v "$1"', 'sh', command])).code === 0;
}

/** Creates a bridge and a veth pair in a throw-away network namespace: the host's is untouched. */
async function linkTypesWork(): Promise<string | undefined> {
  const probe = await exec('unshare', [
    '--net',
    'sh',
    '-c',
    'ip link add probe0 type bridge && ip link add probe1 type veth peer name probe2',
  ]);
  return probe.code === 0 ? undefined : `the kernel cannot make bridge or veth links (${probe.stderr.trim()})`;
}

export async function nodeSupport(): Promise<NodeSupport> {
  const no = (reason: string): NodeSupport => ({ ok: false, reason: `no real node: ${reason}` });
  if (process.platform !== 'linux') return no('not Linux');
  if (process.getuid?.() !== 0) return no('not root');
  const missing = [];
  for (const command of COMMANDS) if (!(await onPath(command))) missing.push(command);
  if (!existsSync(RUNC)) missing.push(RUNC);
  for (const plugin of CNI_PLUGINS)
    if (!existsSync(`${CNI_BIN_DIR}/${plugin}`)) missing.push(`${CNI_BIN_DIR}/${plugin}`);
  if (missing.length > 0) return no(`missing ${missing.join(', ')} (make cluster NODE=1 installs them)`);
  if (!existsSync('/proc/sys/net/bridge/bridge-nf-call-iptables')) return no('no br_netfilter in the kernel');
  const filesystems = await readFile('/proc/filesystems', 'utf8');
  if (!/\toverlay$/m.test(filesystems)) return no('no overlay file system in the kernel');
  const links = await linkTypesWork();
  if (links !== undefined) return no(links);
  return { ok: true };
}
