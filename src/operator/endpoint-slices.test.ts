import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { KubernetesObject } from '@kubernetes/client-node';
import { builtinRegistry } from '../provider/builtin.ts';
import { needsEndpointSlices } from './endpoint-slices.ts';

function provider(name: string, spec: Record<string, unknown>): KubernetesObject {
  return { metadata: { name }, spec } as KubernetesObject;
}

test('EndpointSlices are watched only while a provider of a type that sends to endpoints exists', () => {
  const registry = builtinRegistry();
  const table: [string, KubernetesObject[], boolean][] = [
    ['no provider', [], false],
    ['clouds only', [provider('a', { aws: { region: 'us-east-1' } }), provider('g', { gcp: {} })], false],
    ['a local one', [provider('a', { aws: {} }), provider('l', { local: {} })], true],
    ['an unknown type', [provider('x', { nimbus: {} })], false],
  ];
  for (const [name, objects, expected] of table) assert.equal(needsEndpointSlices(objects, registry), expected, name);
});
