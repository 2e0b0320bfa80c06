import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { V1Service } from '@kubernetes/client-node';
import type { LoadBalancerProvider } from '../api/loadbalancerprovider.ts';
import { classOf, indexProviders, resolveProvider } from './classes.ts';

function lbp(name: string, spec: { loadBalancerClass?: string; default?: boolean } = {}): LoadBalancerProvider {
  return { metadata: { name }, spec: { ...spec, local: {} } };
}
function svc(spec: NonNullable<V1Service['spec']>): V1Service {
  return { metadata: { name: 's', namespace: 'n' }, spec };
}

test('class defaults to cloudlb.dev/<name>', () => {
  assert.equal(classOf(lbp('aws')), 'cloudlb.dev/aws');
  assert.equal(classOf(lbp('aws', { loadBalancerClass: 'example.com/nlb' })), 'example.com/nlb');
});

test('resolution table', () => {
  const one = indexProviders([lbp('aws', { default: true }), lbp('gcp', { loadBalancerClass: 'example.com/gce' })]);
  const two = indexProviders([lbp('a', { default: true }), lbp('b', { default: true })]);
  const cases: Array<[string, V1Service, ReturnType<typeof indexProviders>, unknown]> = [
    [
      'class names a provider',
      svc({ type: 'LoadBalancer', loadBalancerClass: 'example.com/gce' }),
      one,
      { kind: 'provider', name: 'gcp' },
    ],
    [
      'default class name',
      svc({ type: 'LoadBalancer', loadBalancerClass: 'cloudlb.dev/aws' }),
      one,
      { kind: 'provider', name: 'aws' },
    ],
    [
      'unknown class is not ours',
      svc({ type: 'LoadBalancer', loadBalancerClass: 'other.io/lb' }),
      one,
      { kind: 'none' },
    ],
    ['no class → the default', svc({ type: 'LoadBalancer' }), one, { kind: 'provider', name: 'aws' }],
    ['no class, no default', svc({ type: 'LoadBalancer' }), indexProviders([lbp('x')]), { kind: 'none' }],
    ['no class, two defaults', svc({ type: 'LoadBalancer' }), two, { kind: 'ambiguousDefault', names: ['a', 'b'] }],
    [
      'two defaults do not affect classed Services',
      svc({ type: 'LoadBalancer', loadBalancerClass: 'cloudlb.dev/b' }),
      two,
      { kind: 'provider', name: 'b' },
    ],
    ['ClusterIP is never ours', svc({ type: 'ClusterIP' }), one, { kind: 'none' }],
  ];
  for (const [name, service, index, want] of cases) assert.deepEqual(resolveProvider(service, index), want, name);
});

test('a class claimed twice goes to the first provider by name; the other is shadowed', () => {
  const index = indexProviders([
    lbp('z', { loadBalancerClass: 'x.io/lb', default: true }),
    lbp('a', { loadBalancerClass: 'x.io/lb' }),
  ]);
  assert.equal(index.byClass.get('x.io/lb'), 'a');
  assert.deepEqual(index.shadowed.get('z'), { loadBalancerClass: 'x.io/lb', servedBy: 'a' });
  assert.deepEqual(index.defaults, []);
});
