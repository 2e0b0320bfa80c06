import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { baseName, MAX_BASE_NAME } from './names.ts';

test('base name fits every cloud: [a-z0-9-], starts with a letter, ends alphanumeric, at most 32', () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 80 }), fc.uuid(), (cluster, uid) => {
      const name = baseName(cluster, uid);
      assert.ok(name.length <= MAX_BASE_NAME, name);
      assert.match(name, /^[a-z][a-z0-9-]*[a-z0-9]$/);
      assert.doesNotMatch(name, /--/);
    }),
    { numRuns: 2000 },
  );
});

test('base name is deterministic and differs by cluster and by UID', () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 40 }), fc.uuid(), fc.uuid(), (cluster, a, b) => {
      assert.equal(baseName(cluster, a), baseName(cluster, a));
      if (a !== b) assert.notEqual(baseName(cluster, a), baseName(cluster, b));
      assert.notEqual(baseName(cluster, a), baseName(`${cluster}x`, a));
    }),
  );
});

test('base name keeps a readable cluster prefix', () => {
  assert.match(baseName('Prod EU-West', 'uid'), /^prod-eu-west-[0-9a-f]{16}$/);
  assert.match(baseName('123', 'uid'), /^lb-[0-9a-f]{16}$/);
  assert.match(baseName('a-very-long-cluster-name-indeed', 'uid'), /^a-very-long-clu-[0-9a-f]{16}$/);
});
