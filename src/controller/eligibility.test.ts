import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { SkippedTarget, Target, TargetProblem } from '../provider/contract.ts';
import { allSkipped, carriedCount, splitTargets } from './eligibility.ts';

const target = (nodeName: string, providerID?: string): Target => ({
  nodeName,
  ...(providerID !== undefined ? { providerID } : {}),
  addresses: [],
  labels: {},
});
const noID: TargetProblem = { kind: 'noProviderID', reason: 'no spec.providerID' };
const skipped = (nodeName: string, reason = 'r'): SkippedTarget => ({ nodeName, kind: 'instanceNotFound', reason });

test('splitTargets: the provider rule decides; a provider without one uses every node', () => {
  const targets = [target('a', 'x://1'), target('b'), target('c', 'x://3')];
  const rule = { targetProblem: (t: Target) => (t.providerID === undefined ? noID : undefined) };
  const table: [string, Parameters<typeof splitTargets>[0], string[], string[]][] = [
    ['with a rule', rule, ['a', 'c'], ['b']],
    ['without a rule', {}, ['a', 'b', 'c'], []],
    ['a rule refusing all', { targetProblem: () => noID }, [], ['a', 'b', 'c']],
  ];
  for (const [name, provider, usable, left] of table) {
    const split = splitTargets(provider, targets);
    assert.deepEqual(
      split.usable.map((t) => t.nodeName),
      usable,
      name,
    );
    assert.deepEqual(
      split.skipped.map((s) => s.nodeName),
      left,
      name,
    );
  }
  assert.deepEqual(splitTargets(rule, targets).skipped, [{ nodeName: 'b', ...noID }]);
});

test('allSkipped: sorted by node, a node named twice keeps its first reason', () => {
  assert.deepEqual(allSkipped([skipped('c', 'first')], [skipped('a'), skipped('c', 'second')]), [
    skipped('a'),
    skipped('c', 'first'),
  ]);
  assert.deepEqual(allSkipped([], []), []);
});

test('carriedCount: the targets sent less those ensure left out', () => {
  const sent = [target('a'), target('b'), target('c')];
  const table: [SkippedTarget[], number][] = [
    [[], 3],
    [[skipped('b')], 2],
    [[skipped('a'), skipped('b'), skipped('c')], 0],
    [[skipped('not-sent')], 3],
  ];
  for (const [left, expected] of table) assert.equal(carriedCount(sent, left), expected, JSON.stringify(left));
});
