import { isDeepStrictEqual } from 'node:util';
import type { V1LoadBalancerStatus, V1Node } from '@kubernetes/client-node';
import type { DesiredLoadBalancer, Target } from '../provider/contract.ts';
import { targetsOf } from './nodes.ts';
import type { ReadyCondition } from './status.ts';
import type { Validation } from './validate.ts';

/** Everything one ensure was decided on: two equal requests get the same verdict. */
export interface EnsureRequest {
  readonly provider: { readonly name: string; readonly instanceId: number };
  /** Every Service port as a listener, before the capability check. */
  readonly desired: DesiredLoadBalancer;
  readonly validation: Validation;
}

/** The status a settled verdict shows; restated (not re-derived) while the request is unchanged. */
export interface RememberedStatus {
  readonly loadBalancer?: V1LoadBalancerStatus;
  readonly ready: ReadyCondition;
}

/** The cloud accepted the request ('ok'), or it can never be met as asked ('permanent'). */
export interface SettledEnsure {
  readonly kind: 'settled';
  readonly request: EnsureRequest;
  readonly outcome: 'ok' | 'permanent';
  readonly status: RememberedStatus;
}

export type LastEnsure =
  | SettledEnsure
  /** Failed transiently or still provisioning: asked again whatever the request. */
  | { readonly kind: 'failed' }
  /** Dropped by the drift resync: asked again whatever the request. */
  | { readonly kind: 'forgotten' };

export interface Memo {
  last?: LastEnsure;
  /** Event texts already emitted, so retries and resyncs repeat none of them. */
  readonly said: Set<string>;
}

/** One memo per Service UID, for as long as the Service is ours. */
export class MemoStore {
  readonly #byUid = new Map<string, Memo>();

  of(uid: string): Memo {
    let memo = this.#byUid.get(uid);
    if (memo === undefined) {
      memo = { said: new Set() };
      this.#byUid.set(uid, memo);
    }
    return memo;
  }

  forget(uid: string): void {
    this.#byUid.delete(uid);
  }

  /** Every settled verdict expires; the events already said stay said. */
  forgetAll(): void {
    for (const memo of this.#byUid.values()) {
      if (memo.last?.kind === 'settled') memo.last = { kind: 'forgotten' };
    }
  }
}

/**
 * The eligible nodes as targets, one shared array while they are unchanged: every memo then holds
 * the same targets rather than a copy per Service.
 */
export class SharedTargets {
  #current: readonly Target[] = [];
  /** The node cache's revision `#current` was built from; undefined: build on every call. */
  #builtAt: number | undefined;

  /**
   * `revision` (the node cache's) lets every reconcile between two node changes reuse the targets
   * instead of rebuilding and comparing them from all Nodes, the hot path under node churn.
   */
  of(nodes: readonly V1Node[], revision?: number): readonly Target[] {
    if (revision !== undefined && revision === this.#builtAt) return this.#current;
    const targets = targetsOf(nodes);
    if (!isDeepStrictEqual(targets, this.#current)) this.#current = targets;
    this.#builtAt = revision;
    return this.#current;
  }
}
