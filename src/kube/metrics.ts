import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export interface Metrics {
  registry: Registry;
  /** cloudlb_reconcile_total{result=success|error|permanent|requeue} */
  reconciles: Counter<'result'>;
  /** cloudlb_reconcile_errors_total{provider} */
  reconcileErrors: Counter<'provider'>;
  /** cloudlb_reconcile_duration_seconds{provider} */
  reconcileDuration: Histogram<'provider'>;
  /** cloudlb_workqueue_depth */
  queueDepth: Gauge;
  /** cloudlb_cloud_api_calls_total{provider,operation} */
  cloudCalls: Counter<'provider' | 'operation'>;
  /** cloudlb_informer_restarts_total{informer} */
  informerRestarts: Counter<'informer'>;
  /** cloudlb_ineligible_nodes{provider,reason}: eligible nodes a provider cannot use as targets, at its last ensure. */
  ineligibleNodes: Gauge<'provider' | 'reason'>;
}

/**
 * Sets the gauge for one provider: every reason in `reasons` gets its count, 0 when none, so a
 * node that became usable again leaves no stale series behind.
 */
export function setIneligibleNodes(
  gauge: Gauge<'provider' | 'reason'>,
  provider: string,
  reasons: readonly string[],
  found: readonly { readonly kind: string }[],
): void {
  for (const reason of reasons) gauge.set({ provider, reason }, found.filter((f) => f.kind === reason).length);
}

/**
 * The operator's Prometheus metrics. Pass a registry to keep several instances apart (tests);
 * without one, a fresh registry also carries Node's default process metrics.
 */
export function createMetrics(registry?: Registry): Metrics {
  const target = registry ?? new Registry();
  if (registry === undefined) collectDefaultMetrics({ register: target });
  const registers = [target];
  return {
    registry: target,
    reconciles: new Counter({
      name: 'cloudlb_reconcile_total',
      help: 'Reconciles of Services, by result (success, error, permanent, requeue).',
      labelNames: ['result'],
      registers,
    }),
    reconcileErrors: new Counter({
      name: 'cloudlb_reconcile_errors_total',
      help: 'Reconciles that failed, by provider.',
      labelNames: ['provider'],
      registers,
    }),
    reconcileDuration: new Histogram({
      name: 'cloudlb_reconcile_duration_seconds',
      help: 'Time one reconcile took, by provider.',
      labelNames: ['provider'],
      buckets: [0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    }),
    queueDepth: new Gauge({
      name: 'cloudlb_workqueue_depth',
      help: 'Service keys waiting in the work queue.',
      registers,
    }),
    cloudCalls: new Counter({
      name: 'cloudlb_cloud_api_calls_total',
      help: 'Calls to cloud APIs, by provider and operation.',
      labelNames: ['provider', 'operation'],
      registers,
    }),
    informerRestarts: new Counter({
      name: 'cloudlb_informer_restarts_total',
      help: 'Times an informer was restarted after a watch or list failure or a silent watch.',
      labelNames: ['informer'],
      registers,
    }),
    ineligibleNodes: new Gauge({
      name: 'cloudlb_ineligible_nodes',
      help: 'Eligible nodes a provider cannot use as load balancer targets, by provider and reason, at its last ensure.',
      labelNames: ['provider', 'reason'],
      registers,
    }),
  };
}
