import assert from 'node:assert/strict';
import { test } from 'node:test';
import { clusterMounts, snapshotDifferences, withoutCounters } from './snapshot.ts';
import { mountsUnder } from './undo.ts';

const MOUNTINFO = [
  '22 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw',
  '90 22 0:50 / /tmp/c/node/run/containerd/task/abc/rootfs rw - overlay overlay rw,lowerdir=x',
  '91 22 0:4 net:[4026532] /tmp/c/node/run/netns/cni-1 rw - nsfs nsfs rw',
  '92 22 0:51 / /tmp/c/node/kubelet/pods/p/volumes/a\\040b rw - tmpfs tmpfs rw',
  '93 22 0:52 / /tmp/image-build/rootfs/proc rw - proc proc rw',
].join('\n');

test('mountsUnder lists what is under the roots, longest path first, with escaped spaces read back', () => {
  assert.deepEqual(mountsUnder(MOUNTINFO, ['/tmp/c']), [
    '/tmp/c/node/run/containerd/task/abc/rootfs',
    '/tmp/c/node/kubelet/pods/p/volumes/a b',
    '/tmp/c/node/run/netns/cni-1',
  ]);
  assert.deepEqual(
    mountsUnder(`${MOUNTINFO}\n94 22 0:53 / /tmp/c/node/kubelet rw - ext4 /dev/vda rw`, ['/tmp/c']).at(-1),
    '/tmp/c/node/kubelet',
  );
  assert.deepEqual(mountsUnder(MOUNTINFO, ['/tmp/cluster']), []);
});

test('clusterMounts keeps container mounts anywhere and mounts under the roots, not other work', () => {
  const found = clusterMounts(MOUNTINFO, ['/tmp/c/node/kubelet']).split('\n');
  assert.equal(found.length, 3);
  assert.deepEqual(found, [
    '/tmp/c/node/kubelet/pods/p/volumes/a\\040b tmpfs',
    '/tmp/c/node/run/containerd/task/abc/rootfs overlay',
    '/tmp/c/node/run/netns/cni-1 nsfs',
  ]);
});

test('counters do not make two snapshots differ', () => {
  assert.equal(
    withoutCounters(':INPUT ACCEPT [5:300]\ncounter packets 4 bytes 240 drop'),
    withoutCounters(':INPUT ACCEPT [9:900]\ncounter packets 0 bytes 0 drop'),
  );
});

test('snapshotDifferences names each changed section with its lost and new lines', () => {
  const before = { links: 'lo\neth0', sysctls: 'kernel.panic = 1' };
  assert.deepEqual(snapshotDifferences(before, { ...before }), []);
  assert.deepEqual(snapshotDifferences(before, { links: 'lo\neth0\nclbpods0', sysctls: 'kernel.panic = 10' }), [
    'links:\n  + clbpods0',
    'sysctls:\n  - kernel.panic = 1\n  + kernel.panic = 10',
  ]);
});
