// What `make image` reads from .cache/cluster/state.json to import into a running cluster's nodes.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { importCommand, importIntoClusterNodes, nodeRuntimesFrom } from './node-import.ts';

const CASES: ReadonlyArray<{ state: string | undefined; expect: RegExp | object }> = [
  { state: undefined, expect: /no cluster is running/ },
  { state: JSON.stringify({ pids: [1], kubeconfigPath: '/k', server: 'https://127.0.0.1:1' }), expect: /has no node/ },
  { state: JSON.stringify({ ctr: '/bin/ctr', containerdSockets: [] }), expect: /has no node/ },
  {
    state: JSON.stringify({
      pids: [1],
      ctr: '/c/ctr',
      containerdSockets: ['/n1/containerd.sock', '/n2/containerd.sock'],
    }),
    expect: { ctr: '/c/ctr', containerdSockets: ['/n1/containerd.sock', '/n2/containerd.sock'] },
  },
];

for (const { state, expect } of CASES) {
  test(`cluster state ${state ?? '(none)'}`, () => {
    const found = nodeRuntimesFrom(state);
    if (expect instanceof RegExp) {
      assert.equal(typeof found, 'string');
      assert.match(found as string, expect);
    } else assert.deepEqual(found, expect);
  });
}

test('a socket list of anything but paths is a broken state file, not "no node"', () => {
  assert.throws(() => nodeRuntimesFrom(JSON.stringify({ ctr: '/c', containerdSockets: [3] })), /list of paths/);
});

test('the import goes to the k8s.io namespace the kubelet reads, through the given socket', () => {
  assert.deepEqual(importCommand('/c/ctr', '/n1/containerd.sock', '/img.oci.tar'), [
    '/c/ctr',
    '--address',
    '/n1/containerd.sock',
    '--namespace',
    'k8s.io',
    'images',
    'import',
    '/img.oci.tar',
  ]);
});

test('a recorded cluster whose sockets are gone imports nothing and says why in one line', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'cloudlb-import-'));
  try {
    const stateFile = join(dir, 'state.json');
    await writeFile(
      stateFile,
      JSON.stringify({ ctr: '/nonexistent/ctr', containerdSockets: [join(dir, 'gone.sock')] }),
    );
    assert.match(await importIntoClusterNodes('/img.oci.tar', stateFile), /^not imported: no containerd socket/);
    assert.match(await importIntoClusterNodes('/img.oci.tar', join(dir, 'absent.json')), /^not imported: no cluster/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
