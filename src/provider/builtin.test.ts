import { test } from 'node:test';
import assert from 'node:assert/strict';
import { builtinRegistry } from './builtin.ts';

test('production registry: aws, gcp and local, and nothing from test/', () => {
  const registry = builtinRegistry();
  assert.deepEqual([...registry.types()].sort(), ['aws', 'gcp', 'local']);
  for (const type of registry.types()) assert.ok(registry.get(type)?.requiredSecretKeys !== undefined);
});
