// `make image`: the operator's OCI image with no registry and no Docker engine — debootstrap's
// Debian minbase, node 24, the production node_modules and the compiled operator, configured as
// deploy/Dockerfile's runtime stage (scripts/image/operator-config.ts). Prints the archive path
// and the sizes, and imports it into a running `make cluster NODE=1`.
import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../test/harness/binaries.ts';
import { compiledLayer, dependenciesLayer, nodeLayer } from './app-layers.ts';
import { importIntoClusterNodes } from './node-import.ts';
import { OPERATOR_IMAGE_CONFIG, OPERATOR_REPOSITORY } from './operator-config.ts';
import { writeOciArchive, type PackedImage } from './pack.ts';
import { rootfsLayer } from './rootfs.ts';
import { run, step } from './run.ts';
import { BlobStore } from './store.ts';

/** A moving alias beside the revision tag, for trying things by hand; tests and manifests use the revision. */
export const DEV_TAG = 'dev';

/** `cloud-lb-operator:<git describe --always --dirty>`: the name a pod's `image:` uses for this tree. */
export async function operatorImageReference(): Promise<string> {
  const revision = (await run('git', ['describe', '--always', '--dirty'], { cwd: PROJECT_ROOT })).trim();
  return `${OPERATOR_REPOSITORY}:${revision}`;
}

/** The archive a build of this revision writes (it may not exist yet). */
export function operatorImageArchivePath(reference: string, store: BlobStore = new BlobStore()): string {
  return join(store.dir, `${reference.replace(':', '-')}.oci.tar`);
}

/** Archives of other revisions: each holds the full image, so only the newest is kept. */
async function removeOtherArchives(store: BlobStore, keep: string): Promise<void> {
  for (const name of await readdir(store.dir)) {
    const path = join(store.dir, name);
    if (name.startsWith(`${OPERATOR_REPOSITORY}-`) && name.endsWith('.oci.tar') && path !== keep) await rm(path);
  }
}

/** Builds (or reuses the cached layers of) the operator image and writes its archive. */
export async function buildOperatorImage(store: BlobStore = new BlobStore()): Promise<PackedImage> {
  const reference = await operatorImageReference();
  const commitTime = Number((await run('git', ['log', '-1', '--format=%ct'], { cwd: PROJECT_ROOT })).trim());
  const layers = [
    await rootfsLayer(store, 0),
    await nodeLayer(store),
    await dependenciesLayer(store),
    await compiledLayer(store),
  ];
  const archive = operatorImageArchivePath(reference, store);
  const packed = await writeOciArchive(
    {
      layers,
      config: OPERATOR_IMAGE_CONFIG,
      references: [reference, `${OPERATOR_REPOSITORY}:${DEV_TAG}`],
      epoch: commitTime,
    },
    store,
    archive,
  );
  await removeOtherArchives(store, archive);
  return packed;
}

const megabytes = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;

if (import.meta.main) {
  const started = Date.now();
  const image = await buildOperatorImage();
  const [name] = image.references;
  step(`built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  step(`${name?.name ?? ''} (also :${DEV_TAG}) ${image.manifestDigest}`);
  step(`size: ${megabytes(image.compressedBytes)} compressed, ${megabytes(image.unpackedBytes)} unpacked`);
  step(await importIntoClusterNodes(image.path));
  process.stdout.write(`${image.path}\n`);
}
