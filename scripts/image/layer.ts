// A directory or a tar file → one gzip layer blob in the BlobStore, with the two digests an image
// needs: of the compressed blob (manifest) and of the tar inside it (config's diff_ids).
// GNU tar makes the tar (scripts/image/tar.ts); Node's zlib gzips it (no timestamp in the header)
// while both digests are computed in the same pass.
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { open, readdir, rm } from 'node:fs/promises';
import { PassThrough, Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createGzip } from 'node:zlib';
import type { Digest, LayerBlob } from './oci.ts';
import type { BlobStore } from './store.ts';
import { startTar } from './tar.ts';

export type LayerSource =
  /** `owner: 'root'` stores every entry as 0:0 (what a Dockerfile COPY does); 'as-is' keeps the tree's owners. */
  | { readonly dir: string; readonly owner: 'root' | 'as-is'; readonly createdBy: string }
  | { readonly tar: string; readonly createdBy: string };

/** A stream stage that hashes and counts what flows through it. */
function measuring(): { stage: Transform; result: () => { digest: Digest; size: number } } {
  const hash = createHash('sha256');
  let size = 0;
  const stage = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      size += chunk.length;
      done(null, chunk);
    },
  });
  return { stage, result: () => ({ digest: `sha256:${hash.digest('hex')}`, size }) };
}

async function isGzip(path: string): Promise<boolean> {
  const file = await open(path, 'r');
  try {
    const { buffer, bytesRead } = await file.read(Buffer.alloc(2), 0, 2, 0);
    return bytesRead === 2 && buffer[0] === 0x1f && buffer[1] === 0x8b;
  } finally {
    await file.close();
  }
}

async function tarStream(source: LayerSource, epoch: number): Promise<{ stream: Readable; finished: Promise<void> }> {
  if ('dir' in source) {
    const tar = startTar({ dir: source.dir, entries: await readdir(source.dir), owner: source.owner, epoch });
    if (tar.stream === null) throw new Error('tar was started without a stdout pipe');
    return { stream: tar.stream, finished: tar.finished };
  }
  const file = createReadStream(source.tar);
  // A gzip tar is re-compressed so that diff_id and digest come from one pass, like a plain one.
  const stream = (await isGzip(source.tar)) ? file.pipe(createGunzip()) : file.pipe(new PassThrough());
  return { stream, finished: Promise.resolve() };
}

/** Packs `source` into a gzip layer in `store`. `epoch` is every entry's mtime, in seconds. */
export async function writeLayer(source: LayerSource, store: BlobStore, epoch: number): Promise<LayerBlob> {
  const scratch = await store.scratchPath('layer');
  const diff = measuring();
  const compressed = measuring();
  const tar = await tarStream(source, epoch);
  try {
    await Promise.all([
      pipeline(tar.stream, diff.stage, createGzip(), compressed.stage, createWriteStream(scratch)),
      tar.finished,
    ]);
    const { digest, size } = compressed.result();
    const { digest: diffId, size: diffSize } = diff.result();
    await store.adopt(scratch, digest);
    return { digest, size, diffId, diffSize, createdBy: source.createdBy };
  } catch (error) {
    await rm(scratch, { force: true });
    throw error;
  }
}

/** The layer from an earlier build with the same `key`, or a new one remembered under it. */
export async function cachedLayer(
  key: string,
  source: LayerSource,
  store: BlobStore,
  epoch: number,
): Promise<LayerBlob> {
  const found = await store.findLayer(key);
  if (found !== undefined) return found;
  const layer = await writeLayer(source, store, epoch);
  await store.rememberLayer(key, layer);
  return layer;
}
