import type { Logger } from 'pino';
import { errorText } from '../controller/messages.ts';
import type { Outcome } from '../controller/reconcile.ts';
import type { Metrics } from '../kube/metrics.ts';
import type { WorkQueue } from '../kube/workqueue.ts';

/** The queue calls that settle a key after its reconcile. */
export type SettlingQueue = Pick<WorkQueue, 'forget' | 'addAfter' | 'addRateLimited' | 'done'>;

/** What to record for a settled key: the `result` label of cloudlb_reconcile_total, and the error if it failed. */
export type Settled =
  { readonly result: 'success' | 'permanent' | 'requeue' } | { readonly result: 'error'; readonly error: unknown };

/**
 * Settles `key` in the queue after a reconcile: success and permanent problems reset its backoff
 * (a permanent problem waits for the Service to change), a requeue comes back after its delay,
 * anything else backs off per key. The key is always done() last, so a change that arrived
 * while it was being reconciled queues it again.
 */
export function applyOutcome(queue: SettlingQueue, key: string, outcome: Outcome): Settled {
  let settled: Settled;
  switch (outcome.kind) {
    case 'done':
      queue.forget(key);
      settled = { result: 'success' };
      break;
    case 'permanent':
      queue.forget(key);
      settled = { result: 'permanent' };
      break;
    case 'requeueAfter':
      queue.forget(key);
      queue.addAfter(key, outcome.delayMs);
      settled = { result: 'requeue' };
      break;
    case 'retry':
      queue.addRateLimited(key);
      settled = { result: 'error', error: outcome.error };
      break;
  }
  queue.done(key);
  return settled;
}

export interface WorkerDeps {
  readonly queue: SettlingQueue & Pick<WorkQueue, 'get' | 'failures'>;
  readonly reconcile: (key: string, signal: AbortSignal) => Promise<Outcome>;
  /** Aborted when the term ends and in-flight reconciles are abandoned. */
  readonly signal: AbortSignal;
  /** The provider label for a key's metrics ('' when the Service has none). */
  readonly providerOf: (key: string) => string;
  readonly metrics: Pick<Metrics, 'reconciles' | 'reconcileErrors' | 'reconcileDuration'>;
  /** Called after every reconcile, whatever its outcome. */
  readonly onReconciled: () => void;
  readonly log: Logger;
}

/** Takes keys from the queue and reconciles them one at a time until the queue shuts down. */
export async function runWorker(deps: WorkerDeps): Promise<void> {
  const { queue, metrics } = deps;
  for (;;) {
    const key = await queue.get();
    if (key === undefined) return;
    const started = performance.now();
    let outcome: Outcome;
    try {
      outcome = await deps.reconcile(key, deps.signal);
    } catch (err) {
      outcome = { kind: 'retry', error: err };
    }
    const provider = deps.providerOf(key);
    metrics.reconcileDuration.observe({ provider }, (performance.now() - started) / 1000);
    deps.onReconciled();
    // An abandoned reconcile says nothing about the Service: the next leader reconciles it afresh.
    if (deps.signal.aborted) {
      queue.done(key);
      continue;
    }
    const settled = applyOutcome(queue, key, outcome);
    metrics.reconciles.inc({ result: settled.result });
    if (settled.result === 'error') {
      metrics.reconcileErrors.inc({ provider });
      deps.log.warn(
        { service: key, provider, err: errorText(settled.error), failures: queue.failures(key) },
        'reconcile failed; retrying with backoff',
      );
    }
  }
}
