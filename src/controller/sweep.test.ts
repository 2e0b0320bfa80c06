import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { V1Service } from '@kubernetes/client-node';
import { indexProviders } from './classes.ts';
import { FINALIZER, LEGACY_FINALIZER } from './constants.ts';
import { isOrphan, wantedBy } from './sweep.ts';

const classes = indexProviders([
  { metadata: { name: 'p1' }, spec: { local: {} } },
  { metadata: { name: 'p2' }, spec: { local: {}, default: true } },
]);
function svc(
  uid: string,
  spec: NonNullable<V1Service['spec']>,
  meta: Partial<NonNullable<V1Service['metadata']>> = {},
): V1Service {
  return { metadata: { uid, name: uid, namespace: 'n', ...meta }, spec };
}
const ref = (uid: string) => ({
  name: `lb-${uid}`,
  ownership: { clusterName: 'c', serviceNamespace: 'n', serviceName: uid, serviceUID: uid },
});

test('what is an orphan', () => {
  const wanted = wantedBy(
    [
      svc('a', { type: 'LoadBalancer', loadBalancerClass: 'cloudlb.dev/p1' }),
      svc('b', { type: 'ClusterIP' }),
      svc('c', { type: 'ClusterIP' }, { finalizers: [FINALIZER], annotations: { 'cloudlb.dev/provider': 'p1' } }),
      svc('d', { type: 'LoadBalancer' }),
      svc('e', { type: 'ClusterIP' }, { finalizers: [LEGACY_FINALIZER] }),
      svc('f', { type: 'LoadBalancer', loadBalancerClass: 'cloudlb.dev/p1' }, { deletionTimestamp: new Date() }),
    ],
    classes,
  );
  // A load balancer listed by a provider other than the Service's is not an orphan: both
  // providers may reach the same account.
  const cases: Array<[string, boolean]> = [
    ['a', false],
    ['b', true],
    ['c', false],
    ['d', false],
    ['e', false],
    ['f', true],
    ['gone', true],
  ];
  for (const [uid, orphan] of cases) assert.equal(isOrphan(ref(uid), wanted), orphan, uid);
});
