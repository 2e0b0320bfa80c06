import assert from 'node:assert/strict';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ensureWritableDirectory, recordFile, StateDirectoryError, stateDirectory } from './state-dir.ts';

test('stateDirectory: the setting, else $CLOUDLB_LOCAL_STATE_DIR, else $XDG_STATE_HOME, else under $HOME', () => {
  const home = () => '/home/node';
  const cases: Array<[string | undefined, Record<string, string>, string]> = [
    ['/var/lib/cloudlb', { CLOUDLB_LOCAL_STATE_DIR: '/elsewhere' }, '/var/lib/cloudlb'],
    [undefined, { CLOUDLB_LOCAL_STATE_DIR: '/state', XDG_STATE_HOME: '/xdg' }, '/state'],
    [undefined, { CLOUDLB_LOCAL_STATE_DIR: '', XDG_STATE_HOME: '/xdg' }, '/xdg/cloud-lb-operator'],
    [undefined, {}, '/home/node/.local/state/cloud-lb-operator'],
  ];
  for (const [setting, env, expected] of cases) assert.equal(stateDirectory(setting, env, home), expected);
  assert.equal(recordFile('/s', 'prod eu1', 'local/x'), '/s/local-prod_eu1-local_x.json');
});

test('ensureWritableDirectory creates a missing directory, and names the directory and the setting when it cannot', async () => {
  const base = await mkdtemp(join(tmpdir(), 'cloudlb-statedir-'));
  try {
    const nested = join(base, 'a', 'b');
    ensureWritableDirectory(nested);
    assert.ok((await stat(nested)).isDirectory());

    // Unwritable even for root: the "directory" sits below a regular file.
    await writeFile(join(base, 'file'), '');
    const blocked = join(base, 'file', 'state');
    assert.throws(
      () => ensureWritableDirectory(blocked),
      (error: unknown) =>
        error instanceof StateDirectoryError &&
        error.directory === blocked &&
        error.message ===
          `the local provider cannot write its address record in ${blocked} (ENOTDIR); set --local-state-dir or CLOUDLB_LOCAL_STATE_DIR to a writable directory (in a pod, a mounted volume)`,
    );
  } finally {
    await rm(base, { recursive: true, force: true });
  }
});
