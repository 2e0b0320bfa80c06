import { test } from 'node:test';
import assert from 'node:assert/strict';
import { builtinRegistry } from '../provider/builtin.ts';
import { decodeSecret, providerType, sctpSchemes } from './providers.ts';

test('sctpSchemes names the schemes that carry SCTP', () => {
  const caps = (external: string[], internal: string[] | undefined) => ({
    schemes: {
      External: { protocols: external as ('TCP' | 'UDP' | 'SCTP')[] },
      Internal: internal ? { protocols: internal as ('TCP' | 'UDP' | 'SCTP')[] } : undefined,
    },
    mixedProtocols: true,
    addressKind: 'IP' as const,
    sourceRanges: true,
    staticAddress: true,
    needsNodePorts: true,
    endpointTargets: false,
    addressFamilies: ['IPv4' as const],
  });
  assert.equal(sctpSchemes(caps(['TCP', 'UDP'], ['TCP', 'UDP', 'SCTP'])), 'Internal');
  assert.equal(sctpSchemes(caps(['TCP', 'SCTP'], ['SCTP'])), 'External,Internal');
  assert.equal(sctpSchemes(caps(['TCP'], undefined)), 'none');
});

test('provider type is the spec block that is set, among the types the registry knows', () => {
  const types = builtinRegistry().types();
  assert.equal(providerType({ metadata: { name: 'a' }, spec: { gcp: { project: 'p', region: 'r' } } }, types), 'gcp');
  assert.equal(providerType({ metadata: { name: 'a' }, spec: { local: {} } }, types), 'local');
  assert.equal(providerType({ metadata: { name: 'a' }, spec: {} }, types), undefined);
  assert.equal(providerType({ metadata: { name: 'a' }, spec: { local: {} } }, ['aws']), undefined, 'not registered');
});

test('Secret data is decoded from base64', () => {
  assert.deepEqual(decodeSecret({ data: { token: Buffer.from('s3cret').toString('base64') } }), { token: 's3cret' });
  assert.deepEqual(decodeSecret({}), {});
});
