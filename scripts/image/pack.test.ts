// An archive from writeOciArchive is a complete OCI layout: every blob is named by its digest,
// index → manifest → config → layers chain by digest and size, diff_ids are the layers' tars,
// and packing the same input twice gives the same bytes.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { writeLayer } from './layer.ts';
import { CONTAINERD_IMAGE_NAME, MEDIA_TYPE, OCI_REF_NAME } from './oci.ts';
import { writeOciArchive } from './pack.ts';
import { BlobStore } from './store.ts';

const work = await mkdtemp(join(tmpdir(), 'cloudlb-pack-'));
after(() => rm(work, { recursive: true, force: true }));

interface Doc {
  digest: string;
  size: number;
  mediaType: string;
  annotations?: Record<string, string>;
}

const hex = (data: Buffer) => createHash('sha256').update(data).digest('hex');

async function packed(out: string) {
  const store = new BlobStore(join(work, 'store'));
  await mkdir(join(work, 'app', 'srv'), { recursive: true });
  await writeFile(join(work, 'app', 'srv', 'hello.txt'), 'hello\n');
  execFileSync('tar', ['--create', '--file', join(work, 'base.tar'), '--directory', join(work, 'app'), 'srv']);
  const layers = [
    await writeLayer({ tar: join(work, 'base.tar'), createdBy: 'base' }, store, 0),
    await writeLayer({ dir: join(work, 'app'), owner: 'root', createdBy: 'app' }, store, 0),
  ];
  const config = { User: '1000:1000', Entrypoint: ['/bin/true'], WorkingDir: '/srv' };
  return await writeOciArchive(
    { layers, config, references: ['example.org/t:1', 't:dev'], epoch: 1_800_000_000 },
    store,
    out,
  );
}

test('the archive is an OCI layout that chains by digest from index.json to every layer', async () => {
  const image = await packed(join(work, 'out', 'a.oci.tar'));
  const layout = join(work, 'layout');
  await mkdir(layout);
  execFileSync('tar', ['--extract', '--file', image.path, '--directory', layout]);
  assert.deepEqual(JSON.parse(await readFile(join(layout, 'oci-layout'), 'utf8')), { imageLayoutVersion: '1.0.0' });

  const blobs = await readdir(join(layout, 'blobs', 'sha256'));
  assert.equal(blobs.length, 4, 'two layers, a config and a manifest');
  const blob = (digest: string) => readFile(join(layout, 'blobs', 'sha256', digest.replace('sha256:', '')));
  for (const name of blobs) assert.equal(hex(await blob(name)), name, `blob ${name} is named by its digest`);

  const index = JSON.parse(await readFile(join(layout, 'index.json'), 'utf8')) as { manifests: Doc[] };
  assert.deepEqual(
    index.manifests.map((m) => [m.annotations?.[CONTAINERD_IMAGE_NAME], m.annotations?.[OCI_REF_NAME]]),
    [
      ['example.org/t:1', '1'],
      ['docker.io/library/t:dev', 'dev'],
    ],
  );
  const [entry] = index.manifests;
  assert.ok(entry !== undefined && entry.digest === image.manifestDigest);
  const manifestBytes = await blob(entry.digest);
  assert.equal(manifestBytes.length, entry.size);
  const manifest = JSON.parse(manifestBytes.toString()) as { config: Doc; layers: Doc[] };
  const configBytes = await blob(manifest.config.digest);
  assert.equal(configBytes.length, manifest.config.size);
  const config = JSON.parse(configBytes.toString()) as { config: object; rootfs: { diff_ids: string[] } };
  assert.deepEqual(config.config, { User: '1000:1000', Entrypoint: ['/bin/true'], WorkingDir: '/srv' });

  assert.equal(manifest.layers.length, 2);
  for (const [i, layer] of manifest.layers.entries()) {
    assert.equal(layer.mediaType, MEDIA_TYPE.layerGzip);
    const gz = await blob(layer.digest);
    assert.equal(gz.length, layer.size);
    assert.equal(`sha256:${hex(gunzipSync(gz))}`, config.rootfs.diff_ids[i], `layer ${i}'s diff_id is its tar`);
  }
  assert.equal(
    image.compressedBytes,
    manifest.layers.reduce((sum, l) => sum + l.size, 0) + manifest.config.size + entry.size,
  );
});

test('packing the same input twice gives the same archive, byte for byte', async () => {
  const first = await packed(join(work, 'out', 'b.oci.tar'));
  const second = await packed(join(work, 'out', 'c.oci.tar'));
  assert.equal(hex(await readFile(first.path)), hex(await readFile(second.path)));
  assert.equal(first.manifestDigest, second.manifestDigest);
});
