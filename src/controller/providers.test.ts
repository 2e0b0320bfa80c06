import { test } from 'node:test';
import assert from 'node:assert/strict';
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
  });
  assert.equal(sctpSchemes(caps(['TCP', 'UDP'], ['TCP', 'UDP', 'SCTP'])), 'Internal');
  assert.equal(sctpSchemes(caps(['TCP', 'SCTP'], ['SCTP'])), 'External,Internal');
  assert.equal(sctpSchemes(caps(['TCP'], undefined)), 'none');
});

test('provider type is the spec block that is set', () => {
  assert.equal(providerType({ metadata: { name: 'a' }, spec: { gcp: { project: 'p', region: 'r' } } }), 'gcp');
  assert.equal(providerType({ metadata: { name: 'a' }, spec: {} }), undefined);
});

test('Secret data is decoded from base64', () => {
  assert.deepEqual(decodeSecret({ data: { token: Buffer.from('s3cret').toString('base64') } }), { token: 's3cret' });
  assert.deepEqual(decodeSecret({}), {});
});
