import assert from 'node:assert/strict';
import { test } from 'node:test';
import { rangeConflicts, type ClaimingObject } from './range-claims.ts';

const pool = (name: string, created: string | undefined, cidr: string): ClaimingObject => ({
  name,
  created,
  claims: [{ field: 'spec.local.addressPool', cidr }],
});

test('the later-created object of an overlapping pair is refused, naming both ranges and the first owner', () => {
  const conflicts = rangeConflicts([
    pool('b', '2026-01-02T00:00:00Z', '127.77.0.0/24'),
    pool('a', '2026-01-01T00:00:00Z', '127.77.0.0/16'),
  ]);
  assert.deepEqual(
    [...conflicts],
    [
      [
        'b',
        'spec.local.addressPool 127.77.0.0/24 overlaps spec.local.addressPool 127.77.0.0/16 of LoadBalancerProvider a, which was created first; two providers would hand out the same addresses. Choose a range that does not overlap.',
      ],
    ],
  );
});

test('table: who is refused', () => {
  const table: [string, ClaimingObject[], string[]][] = [
    ['disjoint pools', [pool('a', 't1', '127.77.0.0/24'), pool('b', 't2', '127.78.0.0/24')], []],
    ['no claims', [{ name: 'aws', created: undefined, claims: [] }, pool('b', undefined, '127.78.0.0/24')], []],
    [
      'a refused object claims nothing: the third may use its range if it does not overlap the first',
      [
        pool('a', '2026-01-01T00:00:00Z', '127.77.0.0/24'),
        pool('b', '2026-01-02T00:00:00Z', '127.77.0.0/16'),
        pool('c', '2026-01-03T00:00:00Z', '127.77.9.0/24'),
      ],
      ['b'],
    ],
    [
      'same time: the name decides',
      [pool('z', '2026-01-01T00:00:00Z', '127.77.0.0/24'), pool('y', '2026-01-01T00:00:00Z', '127.77.0.0/24')],
      ['z'],
    ],
    [
      'no timestamp counts as newest',
      [pool('a', undefined, '127.77.0.0/24'), pool('b', '2026-01-01T00:00:00Z', '127.77.0.0/24')],
      ['a'],
    ],
  ];
  for (const [name, objects, refused] of table) assert.deepEqual([...rangeConflicts(objects).keys()], refused, name);
});
