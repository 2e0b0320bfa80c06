// Positive markers for tests that assert an absence: how often the operator has finished
// reconciling the Services of one provider. A test that wants to show "nothing happened to X" first
// waits for a later object to be handled, and reads these counts to tell X's reconciles apart.
import type { RunningOperator } from '../../src/operator/index.ts';

/**
 * Reconciles finished (any outcome) for Services claimed by `provider` (the provider named in the
 * Service's `cloudlb.dev/provider` annotation when the reconcile ended), read from the operator's
 * `cloudlb_reconcile_duration_seconds{provider}` histogram.
 */
export async function reconcilesFor(operator: RunningOperator, provider: string): Promise<number> {
  const { values } = await operator.metrics.reconcileDuration.get();
  const counts = values.filter((v) => v.metricName?.endsWith('_count') === true && v.labels['provider'] === provider);
  return counts.reduce((sum, v) => sum + v.value, 0);
}
