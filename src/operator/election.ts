import type { KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { LeaderElector, type LeaderCallbacks } from '../kube/leader.ts';

/** The part of LeaderElector the election loop uses. */
export interface Campaigner {
  /** Campaigns, leads until the lease is lost or released, calls onStoppedLeading, then resolves. */
  run(callbacks: LeaderCallbacks): Promise<void>;
}

export interface ElectionDeps {
  readonly elector: Campaigner;
  /** Starts a term of work; called when this replica becomes leader. */
  readonly startTerm: () => Promise<void>;
  /** Ends the current term; resolves once its in-flight work has drained. */
  readonly endTerm: () => Promise<void>;
  /** True once the operator is shutting down: campaign no more. */
  readonly stopping: () => boolean;
  /** The lease was lost (not released on shutdown). */
  readonly onLost: () => void;
}

/**
 * Campaigns, leads, and after losing the lease stands again as a candidate (the caches stay warm).
 * It campaigns again only once the old term has drained: otherwise a new term's workers could
 * reconcile a Service while the old term's worker still has it in flight.
 */
export async function campaignUntilStopped(deps: ElectionDeps): Promise<void> {
  while (!deps.stopping()) {
    let ended: Promise<void> = Promise.resolve();
    await deps.elector.run({
      onStartedLeading: async () => await deps.startTerm(),
      onStoppedLeading: () => {
        if (!deps.stopping()) deps.onLost();
        ended = deps.endTerm();
      },
    });
    await ended;
  }
}

export interface ElectorOptions {
  readonly leaseName?: string;
  /** Lease timings (tests shorten them). */
  readonly lease?: { readonly durationMs?: number; readonly renewDeadlineMs?: number; readonly retryPeriodMs?: number };
}

/** A LeaderElector on the Lease `leaseName` (default cloud-lb-operator) in `namespace`. */
export function createElector(
  kc: KubeConfig,
  namespace: string,
  identity: string,
  options: ElectorOptions,
  log: Logger,
): LeaderElector {
  const { durationMs, renewDeadlineMs, retryPeriodMs } = options.lease ?? {};
  return new LeaderElector({
    kc,
    namespace,
    name: options.leaseName ?? 'cloud-lb-operator',
    identity,
    ...(durationMs ? { leaseDurationMs: durationMs } : {}),
    ...(renewDeadlineMs ? { renewDeadlineMs } : {}),
    ...(retryPeriodMs ? { retryPeriodMs } : {}),
    log: log.child({ part: 'leader' }),
  });
}
