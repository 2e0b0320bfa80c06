// One rate limit per provider: a token bucket (rate = qps, capacity = burst) that every cloud call
// of that provider takes a token from (see cloud-call.ts). Written here rather than taken from a
// package because none checked does both things we need: p-throttle and p-queue count calls per
// fixed interval (no separate burst and sustained rate); limiter 4.x has a real token bucket but
// its removeTokens() cannot be abandoned when the caller's AbortSignal fires, nor can bottleneck's
// schedule().
import { sleep } from './sleep.ts';

export class TokenBucket {
  readonly #ratePerMs: number;
  readonly #capacity: number;
  #tokens: number;
  #last: number;
  readonly #now: () => number;

  constructor(options: { qps: number; burst: number; now?: () => number }) {
    this.#ratePerMs = options.qps / 1000;
    this.#capacity = options.burst;
    this.#tokens = options.burst;
    this.#now = options.now ?? (() => performance.now());
    this.#last = this.#now();
  }

  /** Takes one token now if there is one; otherwise says how long until one is due. */
  tryTake(): number {
    const now = this.#now();
    this.#tokens = Math.min(this.#capacity, this.#tokens + (now - this.#last) * this.#ratePerMs);
    this.#last = now;
    if (this.#tokens >= 1) {
      this.#tokens -= 1;
      return 0;
    }
    return Math.ceil((1 - this.#tokens) / this.#ratePerMs);
  }

  /** Waits for a token; rejects with the signal's reason when it aborts first. */
  async take(signal?: AbortSignal): Promise<void> {
    for (;;) {
      signal?.throwIfAborted();
      const waitMs = this.tryTake();
      if (waitMs === 0) return;
      await sleep(waitMs, signal);
    }
  }
}
