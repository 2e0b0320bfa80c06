// A layer is reproducible: the same tree gives the same digests whatever the files' mtimes and
// the order the file system lists them in, and 'root' ownership is what the tar records.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { writeLayer } from './layer.ts';
import { BlobStore } from './store.ts';

const work = await mkdtemp(join(tmpdir(), 'cloudlb-layer-'));
after(() => rm(work, { recursive: true, force: true }));

async function tree(dir: string, order: readonly string[], mtime: number): Promise<void> {
  await mkdir(join(dir, 'app'), { recursive: true });
  for (const name of order) await writeFile(join(dir, 'app', name), `content of ${name}\n`);
  for (const name of order) await utimes(join(dir, 'app', name), mtime, mtime);
}

test('the same tree gives the same layer, with every entry owned by 0:0 and dated at the epoch', async () => {
  const store = new BlobStore(join(work, 'store'));
  await tree(join(work, 'a'), ['x', 'y', 'z'], 1_000_000);
  await tree(join(work, 'b'), ['z', 'x', 'y'], 2_000_000);
  const a = await writeLayer({ dir: join(work, 'a'), owner: 'root', createdBy: 'a' }, store, 86_400);
  const b = await writeLayer({ dir: join(work, 'b'), owner: 'root', createdBy: 'b' }, store, 86_400);
  assert.equal(a.digest, b.digest);
  assert.equal(a.diffId, b.diffId);

  const listing = execFileSync('tar', ['--list', '--verbose', '--numeric-owner', '--file', store.blobPath(a.digest)], {
    encoding: 'utf8',
    env: { ...process.env, TZ: 'UTC' },
  });
  const lines = listing.trim().split('\n');
  assert.equal(lines.length, 4);
  for (const line of lines) assert.match(line, / 0\/0 .* 1970-01-02 00:00 /);
  assert.deepEqual(
    lines.map((line) => line.split(' ').pop()),
    ['app/', 'app/x', 'app/y', 'app/z'],
  );
});

test('a tar file becomes a layer whose diff_id is the tar itself, gzip or not', async () => {
  const store = new BlobStore(join(work, 'store'));
  const tar = join(work, 'plain.tar');
  execFileSync('tar', ['--create', '--file', tar, '--directory', join(work, 'a'), 'app']);
  execFileSync('gzip', ['--keep', '--force', tar]);
  const plain = await writeLayer({ tar, createdBy: 'plain' }, store, 0);
  const gzipped = await writeLayer({ tar: `${tar}.gz`, createdBy: 'gzip' }, store, 0);
  const expected = execFileSync('sha256sum', [tar], { encoding: 'utf8' }).slice(0, 64);
  assert.equal(plain.diffId, `sha256:${expected}`);
  assert.equal(gzipped.diffId, plain.diffId);
  assert.equal(gzipped.digest, plain.digest);
});
