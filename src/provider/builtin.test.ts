import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MEMORY_PROVIDER } from '../../test/support/test-provider.ts';
import { BUILTIN_PROVIDERS, builtinRegistry } from './builtin.ts';

test('production registry: aws, gcp and local among the builtin definitions, and nothing from test/', () => {
  const types = builtinRegistry().types();
  assert.equal(new Set(types).size, BUILTIN_PROVIDERS.length, 'one definition per type');
  for (const type of ['aws', 'gcp', 'local']) assert.ok(types.includes(type), type);
  assert.ok(!types.includes(MEMORY_PROVIDER.type), 'the in-memory test provider is not compiled in');
});

test('every builtin type can name a spec block and a CEL field, and says what it provisions', () => {
  for (const definition of BUILTIN_PROVIDERS) {
    // The CRD's rule reads has(self.<type>): the type must be a plain identifier.
    assert.match(definition.type, /^[a-z][a-z0-9]*$/);
    assert.match(definition.description, /^[A-Z].*\.$/, `${definition.type}: one sentence`);
  }
});
