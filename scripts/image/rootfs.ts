// The base layer: a Debian bookworm minbase root filesystem from debootstrap, with the `node`
// user the official node image has (uid/gid 1000, home /home/node) and without what a container
// never reads (apt lists, docs, man pages, locales, logs). Built once per recipe and kept as a
// layer blob in the BlobStore; the tree itself is removed after packing.
import { existsSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cachedLayer } from './layer.ts';
import { sha256, type LayerBlob } from './oci.ts';
import { run, step } from './run.ts';
import type { BlobStore } from './store.ts';

export const DEBIAN_SUITE = 'bookworm';
/** The mirror /etc/apt/sources.list.d names on these machines; CLOUDLB_DEBIAN_MIRROR overrides it. */
export const DEBIAN_MIRROR = process.env['CLOUDLB_DEBIAN_MIRROR'] ?? 'http://deb.debian.org/debian';

/** Paths (inside the root) whose contents go: caches, documentation, and what the runtime mounts anyway. */
const EMPTIED = [
  'var/lib/apt/lists',
  'var/cache/apt',
  'var/cache/debconf',
  'var/log',
  'usr/share/doc',
  'usr/share/man',
  'usr/share/info',
  'usr/share/locale',
  'usr/share/lintian',
  'dev',
  'proc',
  'sys',
  'run',
  'tmp',
];
/** Files that describe the build machine, not the image; the runtime provides its own. */
const REMOVED = ['etc/hostname', 'etc/resolv.conf', 'etc/machine-id', 'var/cache/ldconfig/aux-cache'];

async function prune(root: string): Promise<void> {
  for (const dir of EMPTIED) {
    if (existsSync(join(root, dir))) await run('find', [join(root, dir), '-mindepth', '1', '-delete']);
  }
  for (const file of REMOVED) await rm(join(root, file), { force: true });
  for (const old of ['var/lib/dpkg/status-old', 'var/lib/dpkg/diversions-old'])
    await rm(join(root, old), { force: true });
  // The kernel fills /etc/hosts at run time too, but a file of the build host's names must not ship.
  await writeFile(join(root, 'etc', 'hosts'), '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n');
}

async function debootstrap(store: BlobStore): Promise<string> {
  if (process.getuid?.() !== 0)
    throw new Error('building the root filesystem needs root (debootstrap and chroot); run make image as root');
  const root = await store.scratchDir('rootfs');
  step(`debootstrap --variant=minbase ${DEBIAN_SUITE} from ${DEBIAN_MIRROR} (a few minutes, once)`);
  await run('debootstrap', ['--variant=minbase', DEBIAN_SUITE, root, DEBIAN_MIRROR]);
  // As the official node image creates it, so `USER 1000:1000` is the `node` user with a home.
  await run('chroot', [root, 'groupadd', '--gid', '1000', 'node']);
  await run('chroot', [
    root,
    'useradd',
    '--uid',
    '1000',
    '--gid',
    'node',
    '--shell',
    '/bin/bash',
    '--create-home',
    'node',
  ]);
  await prune(root);
  return root;
}

/** Bump when debootstrap()'s steps change in a way the values in the key do not show. */
const RECIPE_REVISION = 1;

/** The cache key of the rootfs layer: every input of debootstrap() and of its packing. */
export function rootfsLayerKey(epoch: number): string {
  const recipe = JSON.stringify({ RECIPE_REVISION, DEBIAN_SUITE, DEBIAN_MIRROR, EMPTIED, REMOVED, epoch });
  return `rootfs-${sha256(recipe).slice('sha256:'.length)}`;
}

/** The rootfs layer, from the cache when the same recipe was built before (once per machine, in practice). */
export async function rootfsLayer(store: BlobStore, epoch: number): Promise<LayerBlob> {
  const key = rootfsLayerKey(epoch);
  const found = await store.findLayer(key);
  if (found !== undefined) return found;
  const started = Date.now();
  const root = await debootstrap(store);
  try {
    const createdBy = `debootstrap --variant=minbase ${DEBIAN_SUITE} ${DEBIAN_MIRROR}; useradd node (1000:1000); pruned`;
    const layer = await cachedLayer(key, { dir: root, owner: 'as-is', createdBy }, store, epoch);
    step(`root filesystem layer built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return layer;
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}
