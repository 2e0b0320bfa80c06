import assert from 'node:assert/strict';
import { test } from 'node:test';
import { afterConnectFailure, afterProbe, INITIAL_HEALTH, type HealthState } from './health-state.ts';

function run(results: boolean[], from: HealthState = INITIAL_HEALTH): boolean[] {
  let state = from;
  return results.map((ok) => {
    state = afterProbe(state, ok);
    return state.healthy;
  });
}

test('health transitions need two agreeing probes', () => {
  const table: { name: string; from?: HealthState; results: boolean[]; healthy: boolean[] }[] = [
    { name: 'stays healthy', results: [true, true], healthy: [true, true] },
    { name: 'one failure is forgiven', results: [false, true, false], healthy: [true, true, true] },
    { name: 'two failures take it out', results: [false, false], healthy: [true, false] },
    {
      name: 'comes back after two passes',
      from: afterConnectFailure(),
      results: [true, false, true, true],
      healthy: [false, false, false, true],
    },
  ];
  for (const c of table) assert.deepEqual(run(c.results, c.from), c.healthy, c.name);
});

test('a refused connection takes the backend out at once', () => {
  assert.deepEqual(afterConnectFailure(), { healthy: false, streak: 0 });
});
