// Background churn for bench/scale.bench.ts: label and annotation updates on existing objects at a
// bounded rate, until stopped.
import { setTimeout as sleep } from 'node:timers/promises';

export interface Churn {
  /** Stops issuing updates and resolves when the ones in flight are done. */
  stop(): Promise<{ updates: number; failures: number; seconds: number }>;
}

/**
 * Calls `update(n)` for n = 0, 1, 2, ... at `perSecond` (never more than `concurrency` in flight;
 * behind schedule, it catches up no faster than that). Failures are counted, not thrown: churn is
 * background load, and a conflict on one object must not stop the measurement.
 */
export function startChurn(perSecond: number, concurrency: number, update: (n: number) => Promise<void>): Churn {
  const started = performance.now();
  const stopped = new AbortController();
  let next = 0;
  let updates = 0;
  let failures = 0;
  const worker = async (): Promise<void> => {
    while (!stopped.signal.aborted) {
      const n = next++;
      const due = started + (n * 1000) / perSecond;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait, undefined, { signal: stopped.signal }).catch(() => undefined);
      if (stopped.signal.aborted) return;
      try {
        await update(n);
        updates += 1;
      } catch {
        failures += 1;
      }
    }
  };
  const workers = perSecond > 0 ? Array.from({ length: concurrency }, worker) : [];
  return {
    stop: async () => {
      stopped.abort();
      await Promise.all(workers);
      return { updates, failures, seconds: (performance.now() - started) / 1000 };
    },
  };
}
