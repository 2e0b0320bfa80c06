import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
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

test('the builtin definitions load no cloud SDK and no provider implementation until load() is called', () => {
  // A fresh process, so modules other tests imported do not count; a resolve hook lists every module.
  const script = `
    import { registerHooks } from 'node:module';
    const seen = [];
    registerHooks({ resolve: (specifier, context, next) => { const r = next(specifier, context); seen.push(r.url); return r; } });
    const { BUILTIN_PROVIDERS } = await import(${JSON.stringify(new URL('./builtin.ts', import.meta.url).href)});
    const before = [...seen];
    await Promise.all(BUILTIN_PROVIDERS.map((d) => d.load()));
    console.log(JSON.stringify({ before, after: seen.slice(before.length) }));
  `;
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  assert.equal(child.status, 0, child.stderr);
  const { before, after } = JSON.parse(child.stdout) as { before: string[]; after: string[] };
  const heavy = (url: string): boolean =>
    /node_modules\/(@aws-sdk|@google-cloud|google-auth-library)\//.test(url) ||
    /providers\/[a-z]+\/provider\.ts$/.test(url);
  assert.ok(before.length > 0, 'the hook saw the definitions load');
  assert.deepEqual(before.filter(heavy), [], 'nothing heavy at import');
  for (const sdk of ['@aws-sdk/', '@google-cloud/compute', 'google-auth-library'])
    assert.ok(
      after.some((url) => url.includes(sdk)),
      `load() imports ${sdk}`,
    );
});
