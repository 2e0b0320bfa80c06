import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { V1Node } from '@kubernetes/client-node';
import { ineligibility, targetLabelsFingerprint, targetsFingerprint, targetsOf } from './nodes.ts';

function node(
  name: string,
  extra: {
    labels?: Record<string, string>;
    taints?: string[];
    deleting?: boolean;
    ip?: string;
    providerID?: string;
  } = {},
): V1Node {
  return {
    metadata: {
      name,
      labels: extra.labels ?? {},
      ...(extra.deleting ? { deletionTimestamp: new Date() } : {}),
    },
    spec: {
      ...(extra.providerID ? { providerID: extra.providerID } : {}),
      taints: (extra.taints ?? []).map((key) => ({ key, effect: 'NoSchedule' })),
    },
    status: {
      addresses: [
        { type: 'InternalIP', address: extra.ip ?? '10.0.0.1' },
        { type: 'Weird', address: 'x' },
      ],
    },
  };
}

test('eligibility follows upstream rules', () => {
  const cases: Array<[string, V1Node, string | undefined]> = [
    ['plain node', node('a'), undefined],
    [
      'exclude label, any value',
      node('a', { labels: { 'node.kubernetes.io/exclude-from-external-load-balancers': '' } }),
      'labelled node.kubernetes.io/exclude-from-external-load-balancers',
    ],
    [
      'autoscaler taint',
      node('a', { taints: ['ToBeDeletedByClusterAutoscaler'] }),
      'tainted ToBeDeletedByClusterAutoscaler',
    ],
    ['other taint', node('a', { taints: ['node.kubernetes.io/not-ready'] }), undefined],
    ['being deleted', node('a', { deleting: true }), 'being deleted'],
  ];
  for (const [label, n, want] of cases) assert.equal(ineligibility(n), want, label);
});

test('targets are eligible nodes sorted by name with known address types', () => {
  const targets = targetsOf([
    node('b', { providerID: 'aws:///z/i-b' }),
    node('c', { taints: ['ToBeDeletedByClusterAutoscaler'] }),
    node('a'),
  ]);
  assert.deepEqual(
    targets.map((t) => t.nodeName),
    ['a', 'b'],
  );
  assert.equal(targets[1]?.providerID, 'aws:///z/i-b');
  assert.equal(targets[0]?.providerID, undefined);
  assert.deepEqual(targets[0]?.addresses, [{ type: 'InternalIP', address: '10.0.0.1' }]);
});

test('fingerprint changes only when the target set changes', () => {
  const base = targetsFingerprint(targetsOf([node('a'), node('b')]));
  assert.equal(targetsFingerprint(targetsOf([node('b'), node('a')])), base);
  assert.notEqual(targetsFingerprint(targetsOf([node('a')])), base);
  assert.notEqual(targetsFingerprint(targetsOf([node('a'), node('b', { ip: '10.0.0.9' })])), base);
  assert.equal(targetsFingerprint(targetsOf([node('a'), node('b'), node('x', { deleting: true })])), base);
});

test('a label change leaves the target-set fingerprint and changes the labels fingerprint', () => {
  const before = targetsOf([node('a'), node('b')]);
  const after = targetsOf([node('a'), node('b', { labels: { 'example.com/rack': 'r1' } })]);
  assert.equal(targetsFingerprint(after), targetsFingerprint(before));
  assert.notEqual(targetLabelsFingerprint(after), targetLabelsFingerprint(before));
  assert.equal(targetLabelsFingerprint(targetsOf([node('b'), node('a')])), targetLabelsFingerprint(before));
});
