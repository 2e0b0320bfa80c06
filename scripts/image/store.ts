// Where images and their layer blobs are kept between builds: ~/.cache/cloud-lb-operator/images
// (CLOUDLB_CACHE / XDG_CACHE_HOME honoured, as hack/build-control-plane.sh does). Blobs are
// content-addressed and shared by every image; a layer built from a known input is found again
// by a key its caller derives from that input, so a warm rebuild packs only what changed.
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rename, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Digest, LayerBlob } from './oci.ts';

export function imageCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const root = env['CLOUDLB_CACHE'] ?? join(env['XDG_CACHE_HOME'] ?? join(homedir(), '.cache'), 'cloud-lb-operator');
  return join(root, 'images');
}

export class BlobStore {
  readonly dir: string;

  constructor(root: string = imageCacheDir()) {
    this.dir = root;
  }

  blobPath(digest: Digest): string {
    return join(this.dir, 'blobs', 'sha256', digest.slice('sha256:'.length));
  }

  /** A file in the store's folder, for writing a blob before its digest is known. */
  async scratchPath(name: string): Promise<string> {
    await mkdir(join(this.dir, 'blobs', 'sha256'), { recursive: true });
    return join(this.dir, 'blobs', `.${name}.${process.pid}.tmp`);
  }

  /** A fresh folder in the store (same file system as the blobs, so moving a result in is a rename). */
  async scratchDir(prefix: string): Promise<string> {
    await mkdir(this.dir, { recursive: true });
    return await mkdtemp(join(this.dir, `.${prefix}-`));
  }

  async adopt(scratch: string, digest: Digest): Promise<void> {
    await rename(scratch, this.blobPath(digest));
  }

  /** The layer made earlier from the input `key` names, when its blob is still there. */
  async findLayer(key: string): Promise<LayerBlob | undefined> {
    const record = this.layerRecord(key);
    if (!existsSync(record)) return undefined;
    const layer = JSON.parse(await readFile(record, 'utf8')) as LayerBlob;
    return existsSync(this.blobPath(layer.digest)) ? layer : undefined;
  }

  async rememberLayer(key: string, layer: LayerBlob): Promise<void> {
    await mkdir(join(this.dir, 'layers'), { recursive: true });
    await writeFile(this.layerRecord(key), JSON.stringify(layer));
  }

  private layerRecord(key: string): string {
    return join(this.dir, 'layers', `${key}.json`);
  }
}
