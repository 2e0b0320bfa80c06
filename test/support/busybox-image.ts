// A tiny test image: Debian's busybox-static as /bin/* (sh, httpd, nc, …), packed with the
// project's OCI packer, for pods that only need to answer or ask over TCP. Built once per
// busybox binary and cached beside the other images.
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, rm, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { cachedLayer } from '../../scripts/image/layer.ts';
import { sha256 } from '../../scripts/image/oci.ts';
import { writeOciArchive } from '../../scripts/image/pack.ts';
import { BlobStore } from '../../scripts/image/store.ts';

const BUSYBOX = '/bin/busybox';
const APPLETS = ['sh', 'httpd', 'nc', 'sleep', 'echo', 'cat', 'printf', 'mkdir', 'ip', 'ls', 'hostname'];

export interface TestImage {
  /** Use it with `imagePullPolicy: Never`: it is imported, never pulled. */
  readonly reference: string;
  readonly archive: string;
}

export async function busyboxImage(store: BlobStore = new BlobStore()): Promise<TestImage> {
  if (!existsSync(BUSYBOX)) throw new Error(`${BUSYBOX} is missing: apt-get install busybox-static`);
  const key = sha256(await readFile(BUSYBOX)).slice('sha256:'.length, 'sha256:'.length + 12);
  const reference = `docker.io/library/cloudlb-busybox:${key}`;
  const archive = join(store.dir, `cloudlb-busybox-${key}.oci.tar`);
  if (existsSync(archive)) return { reference, archive };
  await mkdir(store.dir, { recursive: true });
  const staging = await mkdtemp(join(store.dir, '.busybox-'));
  try {
    const bin = join(staging, 'bin');
    await mkdir(bin, { recursive: true });
    await copyFile(BUSYBOX, join(bin, 'busybox'));
    for (const applet of APPLETS) await symlink('busybox', join(bin, applet));
    const layer = await cachedLayer(
      `busybox-${key}`,
      { dir: staging, owner: 'root', createdBy: 'busybox-static' },
      store,
      0,
    );
    await writeOciArchive(
      { layers: [layer], config: { Entrypoint: ['/bin/sh'] }, references: [reference], epoch: 0 },
      store,
      archive,
    );
    return { reference, archive };
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}
