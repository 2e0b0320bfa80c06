// The rootfs layer's cache key: extra packages make another layer (in any order, the same one),
// and none keeps the key the operator's image was cached under.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { rootfsLayerKey } from './rootfs.ts';

test('extra packages change the key, their order does not, and none leaves it as it was', () => {
  assert.equal(rootfsLayerKey(0, []), rootfsLayerKey(0));
  assert.notEqual(rootfsLayerKey(0, ['curl', 'netcat-openbsd']), rootfsLayerKey(0));
  assert.equal(rootfsLayerKey(0, ['curl', 'netcat-openbsd']), rootfsLayerKey(0, ['netcat-openbsd', 'curl']));
  assert.notEqual(rootfsLayerKey(0, ['curl']), rootfsLayerKey(0, ['curl', 'netcat-openbsd']));
});
