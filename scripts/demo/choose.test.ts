import assert from 'node:assert/strict';
import { test } from 'node:test';
import { demoChoice } from './choose.ts';

test('make demo runs on a real node when the machine allows, else the bare demo, saying why in one line', () => {
  assert.deepEqual(demoChoice([], { ok: true }), {
    realNode: true,
    line: 'demo: on a real node (kubelet, containerd, kube-proxy on this machine; --bare runs the demo without one)',
  });
  assert.deepEqual(demoChoice([], { ok: false, reason: 'no real node: not root' }), {
    realNode: false,
    line: 'demo: on a bare control plane with stand-in nodes (no real node: not root)',
  });
  assert.deepEqual(demoChoice(['--keep', '--bare'], { ok: true }), {
    realNode: false,
    line: 'demo: on a bare control plane with stand-in nodes (asked for with --bare)',
  });
});
