import {
  CoordinationV1Api,
  V1MicroTime,
  type KubeConfig,
  type V1Lease,
  type V1LeaseSpec,
} from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { httpStatus, isConflict, isNotFound } from './api-errors.ts';

export interface LeaderElectorOptions {
  kc: KubeConfig;
  namespace: string;
  /** Lease name. */
  name: string;
  /** Unique per replica (pod name plus something random): two processes must never share it. */
  identity: string;
  /** How long others wait after the last renewal they saw before taking over. Default 15 s. */
  leaseDurationMs?: number;
  /** A leader that could not renew for this long steps down. Must be below leaseDurationMs. Default 10 s. */
  renewDeadlineMs?: number;
  /** Time between tries to acquire or renew. Default 2 s. */
  retryPeriodMs?: number;
  log: Logger;
}

export interface LeaderCallbacks {
  /** Start work; stop it when `signal` aborts (leadership lost or released). */
  onStartedLeading(signal: AbortSignal): void | Promise<void>;
  /** Called once after leading ends (not called if this replica never led). */
  onStoppedLeading(): void;
}

/**
 * Leader election on a coordination.k8s.io/v1 Lease, after client-go's leaderelection:
 * - writes use the read resourceVersion, so two candidates can never both win a round;
 * - a held lease counts as expired only `leaseDurationSeconds` after *we* saw its record change
 *   (local monotonic time), so clock skew between replicas does not matter;
 * - a leader that cannot renew within renewDeadline stops leading before others may take over.
 */
export class LeaderElector {
  readonly #api: CoordinationV1Api;
  readonly #options: LeaderElectorOptions;
  readonly #leaseDurationMs: number;
  readonly #renewDeadlineMs: number;
  readonly #retryPeriodMs: number;
  readonly #log: Logger;

  #leading = false;
  #releasing = false;
  #wake = new AbortController();
  #running: Promise<void> | undefined;
  /** The last lease record we saw, and when (performance.now()) we saw it change. */
  #observed: V1Lease | undefined;
  #observedAt = 0;

  constructor(options: LeaderElectorOptions) {
    this.#options = options;
    this.#api = options.kc.makeApiClient(CoordinationV1Api);
    this.#leaseDurationMs = options.leaseDurationMs ?? 15_000;
    this.#renewDeadlineMs = options.renewDeadlineMs ?? 10_000;
    this.#retryPeriodMs = options.retryPeriodMs ?? 2_000;
    if (!(this.#renewDeadlineMs < this.#leaseDurationMs)) {
      throw new RangeError('leader election needs renewDeadlineMs < leaseDurationMs');
    }
    if (!(this.#retryPeriodMs < this.#renewDeadlineMs)) {
      throw new RangeError('leader election needs retryPeriodMs < renewDeadlineMs');
    }
    this.#log = options.log.child({ lease: `${options.namespace}/${options.name}`, identity: options.identity });
  }

  isLeader(): boolean {
    return this.#leading;
  }

  /**
   * Campaigns until this replica leads, leads until the lease is lost or released, then resolves.
   * A replica that lost its lease should exit: its caches and work may be stale.
   */
  run(callbacks: LeaderCallbacks): Promise<void> {
    if (this.#running !== undefined) return Promise.reject(new Error('LeaderElector.run() is already running'));
    this.#releasing = false;
    this.#running = this.#campaignAndLead(callbacks).finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  /**
   * Stops campaigning; if leading, stops and clears holderIdentity so another replica takes over at
   * once. Waits at most renewDeadlineMs (an unreachable API server must not hold up shutdown).
   */
  async release(): Promise<void> {
    this.#releasing = true;
    this.#wake.abort();
    if (this.#running === undefined) return;
    let timer: NodeJS.Timeout | undefined;
    const giveUp = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        this.#log.warn('release timed out; the lease expires on its own');
        resolve();
      }, this.#renewDeadlineMs);
    });
    try {
      await Promise.race([this.#running, giveUp]);
    } finally {
      clearTimeout(timer);
    }
  }

  async #campaignAndLead(callbacks: LeaderCallbacks): Promise<void> {
    this.#log.info('waiting to become leader');
    while (!this.#releasing) {
      if (await withTimeout(this.#tryAcquireOrRenew(), this.#renewDeadlineMs)) break;
      await this.#sleep(this.#retryPeriodMs * (1 + Math.random()));
    }
    if (this.#releasing) return;

    this.#leading = true;
    const leadership = new AbortController();
    this.#log.info('became leader');
    Promise.resolve()
      .then(() => callbacks.onStartedLeading(leadership.signal))
      .catch((err: unknown) => this.#log.error({ err }, 'onStartedLeading failed'));

    await this.#renewUntilLostOrReleased();

    this.#leading = false;
    leadership.abort();
    if (this.#releasing) await this.#clearHolder();
    try {
      callbacks.onStoppedLeading();
    } catch (err) {
      this.#log.error({ err }, 'onStoppedLeading failed');
    }
  }

  async #renewUntilLostOrReleased(): Promise<void> {
    let lastRenew = performance.now();
    for (;;) {
      await this.#sleep(this.#retryPeriodMs);
      if (this.#releasing) return;
      const remaining = this.#renewDeadlineMs - (performance.now() - lastRenew);
      const renewed = await withTimeout(this.#tryAcquireOrRenew(), Math.max(remaining, 1));
      if (this.#releasing) return;
      if (renewed) {
        lastRenew = performance.now();
      } else if (performance.now() - lastRenew >= this.#renewDeadlineMs) {
        this.#log.error(
          { renewDeadlineMs: this.#renewDeadlineMs },
          'lost leadership: could not renew the lease in time',
        );
        return;
      }
    }
  }

  /** One round: true when we hold the lease afterwards. Never throws. */
  async #tryAcquireOrRenew(): Promise<boolean> {
    const { namespace, name, identity } = this.#options;
    const now = new V1MicroTime();
    try {
      const current = await this.#read();
      if (current === undefined) {
        const created = await this.#api.createNamespacedLease({
          namespace,
          body: { metadata: { name, namespace }, spec: this.#spec(undefined, now) },
        });
        this.#observe(created);
        return true;
      }
      this.#observe(current);
      const spec = current.spec ?? {};
      const holder = spec.holderIdentity ?? '';
      const durationMs = (spec.leaseDurationSeconds ?? Math.ceil(this.#leaseDurationMs / 1000)) * 1000;
      if (holder !== '' && holder !== identity && performance.now() < this.#observedAt + durationMs) {
        return false; // someone else holds a lease that has not expired
      }
      const replaced = await this.#api.replaceNamespacedLease({
        namespace,
        name,
        body: { metadata: current.metadata ?? { name, namespace }, spec: this.#spec(spec, now) },
      });
      if (holder !== identity) this.#log.info({ previousHolder: holder }, 'acquired the lease');
      this.#observe(replaced);
      return true;
    } catch (err) {
      // A conflict means another candidate wrote first: it simply won this round.
      if (!isConflict(err)) this.#log.warn({ err, status: httpStatus(err) }, 'lease round failed');
      return false;
    }
  }

  #spec(previous: V1LeaseSpec | undefined, now: V1MicroTime): V1LeaseSpec {
    const ours = previous?.holderIdentity === this.#options.identity;
    const transitions = previous?.leaseTransitions ?? 0;
    return {
      holderIdentity: this.#options.identity,
      leaseDurationSeconds: Math.ceil(this.#leaseDurationMs / 1000),
      acquireTime: ours && previous.acquireTime !== undefined ? toMicroTime(previous.acquireTime) : now,
      renewTime: now,
      leaseTransitions: previous === undefined ? 0 : ours ? transitions : transitions + 1,
    };
  }

  /** Hand the lease back: holder cleared, duration 1 s, so waiting replicas take over on their next try. */
  async #clearHolder(): Promise<void> {
    const { namespace, name, identity } = this.#options;
    for (let attempt = 0; attempt < 3; attempt += 1) {
      try {
        const current = attempt === 0 && this.#observed !== undefined ? this.#observed : await this.#read();
        if (current?.spec?.holderIdentity !== identity) return;
        const now = new V1MicroTime();
        await this.#api.replaceNamespacedLease({
          namespace,
          name,
          body: {
            metadata: current.metadata ?? { name, namespace },
            spec: {
              holderIdentity: '',
              leaseDurationSeconds: 1,
              acquireTime: now,
              renewTime: now,
              leaseTransitions: current.spec.leaseTransitions ?? 0,
            },
          },
        });
        this.#log.info('released the lease');
        return;
      } catch (err) {
        if (!isConflict(err)) {
          this.#log.warn(
            { err, status: httpStatus(err) },
            'could not release the lease; others take over when it expires',
          );
          return;
        }
      }
    }
  }

  async #read(): Promise<V1Lease | undefined> {
    try {
      return await this.#api.readNamespacedLease({ namespace: this.#options.namespace, name: this.#options.name });
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  #observe(lease: V1Lease): void {
    if (lease.metadata?.resourceVersion !== this.#observed?.metadata?.resourceVersion) {
      this.#observedAt = performance.now();
    }
    this.#observed = lease;
  }

  /** Sleeps, but wakes at once when release() is called. */
  async #sleep(ms: number): Promise<void> {
    if (this.#wake.signal.aborted) {
      if (this.#releasing) return;
      this.#wake = new AbortController();
    }
    const signal = this.#wake.signal;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        resolve();
      }
      signal.addEventListener('abort', done, { once: true });
    });
  }
}

function toMicroTime(value: Date | string): V1MicroTime {
  return new V1MicroTime(value);
}

async function withTimeout(promise: Promise<boolean>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
