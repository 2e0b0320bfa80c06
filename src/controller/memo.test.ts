import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { V1Node } from '@kubernetes/client-node';
import { SharedTargets } from './memo.ts';

const node = (name: string): V1Node => ({
  metadata: { name },
  spec: { providerID: `aws:///z/${name}` },
  status: { addresses: [{ type: 'InternalIP', address: '10.0.0.1' }] },
});

test('SharedTargets: one array while the node cache revision stands, rebuilt when it moves', () => {
  const shared = new SharedTargets();
  const first = shared.of([node('a')], 1);
  assert.deepEqual(
    first.map((t) => t.nodeName),
    ['a'],
  );
  // Same revision: the cache has not changed, so the nodes are not read again.
  assert.equal(shared.of([node('a'), node('b')], 1), first);
  const second = shared.of([node('a'), node('b')], 2);
  assert.deepEqual(
    second.map((t) => t.nodeName),
    ['a', 'b'],
  );
  // A new revision with the same eligible nodes keeps the shared array.
  assert.equal(shared.of([node('a'), node('b')], 3), second);
});

test('SharedTargets: without a revision every call reads the nodes', () => {
  const shared = new SharedTargets();
  shared.of([node('a')]);
  assert.deepEqual(
    shared.of([node('a'), node('b')]).map((t) => t.nodeName),
    ['a', 'b'],
  );
});
