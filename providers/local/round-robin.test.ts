import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pickRoundRobin, RoundRobin } from './round-robin.ts';

test('pickRoundRobin table', () => {
  const cases: {
    name: string;
    count: number;
    cursor: number;
    ok: boolean[];
    index: number | undefined;
    cursorAfter: number;
  }[] = [
    { name: 'first pick', count: 3, cursor: 0, ok: [true, true, true], index: 0, cursorAfter: 1 },
    { name: 'wraps around', count: 3, cursor: 2, ok: [true, true, true], index: 2, cursorAfter: 0 },
    { name: 'skips a down backend', count: 3, cursor: 1, ok: [true, false, true], index: 2, cursorAfter: 0 },
    { name: 'none acceptable', count: 2, cursor: 1, ok: [false, false], index: undefined, cursorAfter: 1 },
    { name: 'empty list', count: 0, cursor: 5, ok: [], index: undefined, cursorAfter: 0 },
  ];
  for (const c of cases) {
    const pick = pickRoundRobin(c.count, c.cursor, (i) => c.ok[i] === true);
    assert.deepEqual(pick, { index: c.index, cursor: c.cursorAfter }, c.name);
  }
});

test('RoundRobin alternates, skips the failed one, and gives it turns again when back', () => {
  const rr = new RoundRobin();
  const healthy = [true, true];
  const picks = (n: number): (number | undefined)[] =>
    Array.from({ length: n }, () => rr.next(2, (i) => healthy[i] === true));
  assert.deepEqual(picks(4), [0, 1, 0, 1]);
  healthy[1] = false;
  assert.deepEqual(picks(3), [0, 0, 0]);
  healthy[1] = true;
  assert.deepEqual(picks(4), [1, 0, 1, 0]);
});

test('RoundRobin.choose: healthy untried items in turn, then fails open to untried ones', () => {
  const rr = new RoundRobin();
  const items = ['a', 'b', 'c'];
  const up = new Set(['a', 'c']);
  const healthy = (item: string): boolean => up.has(item);
  assert.equal(rr.choose(items, new Set(), healthy), 'a');
  assert.equal(rr.choose(items, new Set(), healthy), 'c');
  assert.equal(rr.choose(items, new Set(['a']), healthy), 'c');
  assert.equal(rr.choose(items, new Set(['a', 'c']), healthy), 'b', 'only a down one is left: fail open');
  assert.equal(rr.choose(items, new Set(items), healthy), undefined);
  assert.equal(rr.choose([], new Set(), healthy), undefined);
});
