import { test } from 'node:test';
import assert from 'node:assert/strict';
import { unregistrable } from './register.ts';

test('unregistrable: instances that do not exist or are not pending/running, with why', () => {
  const states = new Map([
    ['i-run', 'running'],
    ['i-new', 'pending'],
    ['i-stop', 'stopped'],
    ['i-end', 'terminated'],
  ]);
  assert.deepEqual(Object.fromEntries(unregistrable(['i-run', 'i-new', 'i-stop', 'i-end', 'i-none'], states)), {
    'i-stop': 'instance i-stop is stopped',
    'i-end': 'instance i-end is terminated',
    'i-none': 'instance i-none does not exist',
  });
  assert.equal(unregistrable([], states).size, 0);
});
