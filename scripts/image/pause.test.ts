// The pause image's process: the runtime stops a sandbox with SIGTERM and expects exit 0.
// Built from hack/pause/main.go into a throw-away store (needs Go; skipped, with the reason, without it).
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { PAUSE_REFERENCE, pauseImageArchive } from './pause.ts';
import { BlobStore } from './store.ts';

const work = await mkdtemp(join(tmpdir(), 'cloudlb-pause-'));
after(() => rm(work, { recursive: true, force: true }));

function hasGo(): boolean {
  try {
    execFileSync('go', ['version']);
    return true;
  } catch {
    return false;
  }
}

/** Unpacks the archive's single layer into a folder and returns it. */
async function unpack(archive: string): Promise<string> {
  const layout = join(work, 'layout');
  const root = join(work, 'root');
  await mkdir(layout);
  await mkdir(root);
  execFileSync('tar', ['--extract', '--file', archive, '--directory', layout]);
  const blob = (digest: string) => join(layout, 'blobs', 'sha256', digest.replace('sha256:', ''));
  const index = JSON.parse(await readFile(join(layout, 'index.json'), 'utf8')) as {
    manifests: Array<{ digest: string }>;
  };
  const manifest = JSON.parse(await readFile(blob(index.manifests[0]?.digest ?? ''), 'utf8')) as {
    layers: Array<{ digest: string }>;
  };
  assert.equal(manifest.layers.length, 1);
  execFileSync('tar', ['--extract', '--gzip', '--file', blob(manifest.layers[0]?.digest ?? ''), '--directory', root]);
  return root;
}

const skip = hasGo() ? false : 'go is not installed';

test(`${PAUSE_REFERENCE} holds on until SIGTERM and then exits 0`, { skip }, async () => {
  const root = await unpack(await pauseImageArchive(new BlobStore(join(work, 'store'))));
  const pause = spawn(join(root, 'pause'), { stdio: ['ignore', 'ignore', 'pipe'] });
  const exited = once(pause, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  // Its one line says the handler is in place: a SIGTERM before that would kill it by the signal.
  const [line] = (await once(pause.stderr.setEncoding('utf8'), 'data')) as [string];
  assert.match(line, /waiting for SIGTERM/);
  assert.equal(pause.exitCode, null);
  pause.kill('SIGTERM');
  assert.deepEqual(await exited, [0, null]);
});
