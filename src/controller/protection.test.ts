import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { V1Service } from '@kubernetes/client-node';
import { FINALIZER, PROVIDER_ANNOTATION, PROVIDER_FINALIZER } from './constants.ts';
import { holdMessage, protection, servicesClaimedBy } from './protection.ts';

const svc = (name: string, provider: string | undefined, finalizer = true): V1Service => ({
  metadata: {
    namespace: 'ns',
    name,
    ...(provider === undefined ? {} : { annotations: { [PROVIDER_ANNOTATION]: provider } }),
    ...(finalizer ? { finalizers: [FINALIZER] } : {}),
  },
});

test('a provider is used by the Services it claimed: our finalizer and its name', () => {
  const services = [
    svc('b', 'p'),
    svc('a', 'p'),
    svc('other', 'q'),
    svc('released', 'p', false),
    svc('none', undefined),
  ];
  assert.deepEqual(servicesClaimedBy(services, 'p'), ['ns/a', 'ns/b']);
});

test('table: the finalizer goes on, holds while used, comes off when nobody uses it', () => {
  const table: [string, { finalizers: string[]; deleting: boolean }, string[], string][] = [
    ['new object', { finalizers: [], deleting: false }, [], 'add'],
    ['protected', { finalizers: [PROVIDER_FINALIZER], deleting: false }, ['ns/a'], 'none'],
    ['deleting, used', { finalizers: ['x', PROVIDER_FINALIZER], deleting: true }, ['ns/a'], 'hold'],
    ['deleting, unused', { finalizers: ['x', PROVIDER_FINALIZER], deleting: true }, [], 'release'],
    ['deleting, never protected', { finalizers: ['x'], deleting: true }, ['ns/a'], 'none'],
  ];
  for (const [name, object, users, kind] of table)
    assert.equal(protection({ name: 'p', ...object }, users).kind, kind, name);
  assert.deepEqual(protection({ name: 'p', finalizers: ['x'], deleting: false }, []), {
    kind: 'add',
    finalizers: ['x', PROVIDER_FINALIZER],
  });
  assert.deepEqual(protection({ name: 'p', finalizers: ['x', PROVIDER_FINALIZER], deleting: true }, []), {
    kind: 'release',
    finalizers: ['x'],
  });
});

test('the hold message names a few Services and counts the rest', () => {
  assert.equal(
    holdMessage('p', ['ns/a']),
    'LoadBalancerProvider p is being deleted, but 1 Service (ns/a) still has a load balancer through it; the finalizer cloudlb.dev/provider-protection keeps it until they are deleted or moved to another provider.',
  );
  assert.match(holdMessage('p', ['a/1', 'a/2', 'a/3', 'a/4', 'a/5']), /5 Services \(a\/1, a\/2, a\/3 and 2 more\)/);
});
