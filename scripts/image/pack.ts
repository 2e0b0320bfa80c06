// Layers + a runtime config + names → one OCI image-layout tar (`ctr -n k8s.io images import`,
// `skopeo copy oci-archive:…`, `podman load` all take it). No registry, no Docker engine.
import { copyFile, link, mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import {
  configBlob,
  hostPlatform,
  layoutIndex,
  manifestBlob,
  OCI_LAYOUT_FILE,
  parseReference,
  type Blob,
  type Digest,
  type ImageReference,
  type LayerBlob,
  type Platform,
  type RuntimeConfig,
} from './oci.ts';
import type { BlobStore } from './store.ts';
import { startTar } from './tar.ts';

export interface ImageSpec {
  readonly layers: readonly LayerBlob[];
  readonly config: RuntimeConfig;
  /** e.g. `registry.k8s.io/pause:3.10.1`, `cloud-lb-operator:abc123` (normalized as the kubelet does). */
  readonly references: readonly string[];
  /** Seconds since the epoch: the config's `created` and every archive entry's mtime. */
  readonly epoch: number;
  readonly platform?: Platform;
}

export interface PackedImage {
  readonly path: string;
  readonly references: readonly ImageReference[];
  readonly manifestDigest: Digest;
  /** What a registry or the archive holds: the gzip layers plus config and manifest. */
  readonly compressedBytes: number;
  /** The layers' tars, about what the unpacked root filesystem takes. */
  readonly unpackedBytes: number;
}

async function linkOrCopy(from: string, to: string): Promise<void> {
  try {
    await link(from, to);
  } catch {
    await copyFile(from, to);
  }
}

/** Writes the image to `out` (atomically: a reader never sees half an archive). */
export async function writeOciArchive(spec: ImageSpec, store: BlobStore, out: string): Promise<PackedImage> {
  const platform = spec.platform ?? hostPlatform();
  const references = spec.references.map(parseReference);
  const created = new Date(spec.epoch * 1000).toISOString().replace(/\.000Z$/, 'Z');
  const config = configBlob({ config: spec.config, layers: spec.layers, platform, created });
  const manifest = manifestBlob(config.descriptor, spec.layers);

  await mkdir(dirname(out), { recursive: true });
  const layout = await mkdtemp(join(dirname(out), `.${basename(out)}.`));
  try {
    const blobs = join(layout, 'blobs', 'sha256');
    await mkdir(blobs, { recursive: true });
    const blobFile = (digest: Digest) => join(blobs, digest.slice('sha256:'.length));
    const writeBlob = (b: Blob) => writeFile(blobFile(b.descriptor.digest), b.json);
    await Promise.all([writeBlob(config), writeBlob(manifest)]);
    for (const layer of new Set(spec.layers.map((l) => l.digest)))
      await linkOrCopy(store.blobPath(layer), blobFile(layer));
    await writeFile(join(layout, 'oci-layout'), OCI_LAYOUT_FILE);
    await writeFile(join(layout, 'index.json'), layoutIndex(manifest.descriptor, platform, references));
    const scratch = `${layout}.tar`;
    await startTar(
      { dir: layout, entries: ['oci-layout', 'index.json', 'blobs'], owner: 'root', epoch: spec.epoch },
      scratch,
    ).finished;
    await rename(scratch, out);
  } finally {
    await rm(layout, { recursive: true, force: true });
  }
  const layerBytes = spec.layers.reduce((sum, layer) => sum + layer.size, 0);
  return {
    path: out,
    references,
    manifestDigest: manifest.descriptor.digest,
    compressedBytes: layerBytes + config.descriptor.size + manifest.descriptor.size,
    unpackedBytes: spec.layers.reduce((sum, layer) => sum + layer.diffSize, 0),
  };
}
