import { backoffDelay, resolveBackoff, type BackoffOptions } from './backoff.ts';

export type { BackoffOptions } from './backoff.ts';

export interface WorkQueueOptions {
  backoff?: Partial<BackoffOptions>;
  /** Called with len() whenever the number of keys ready to be handed out changes. */
  onDepthChange?: (depth: number) => void;
  /** Source of randomness for backoff jitter (tests pin it). */
  random?: () => number;
}

/**
 * A keyed work queue with the semantics of client-go's rate-limited workqueue:
 * - a key is queued at most once however often it is added (dirty set);
 * - a key is never handed to two workers at once: added while being processed, it is
 *   queued again only when done() is called (processing set);
 * - addAfter keeps the earliest pending time per key; addRateLimited backs off per key
 *   until forget().
 * Unlike client-go, shutDown() stops handing out keys at once (queued keys are not drained):
 * on SIGTERM the operator should stop taking work; a new leader re-lists everything anyway.
 */
export class WorkQueue {
  readonly #backoff: BackoffOptions;
  readonly #onDepthChange: ((depth: number) => void) | undefined;
  readonly #random: () => number;

  readonly #queue: string[] = [];
  #head = 0;
  readonly #dirty = new Set<string>();
  readonly #processing = new Set<string>();
  readonly #waiting = new Map<string, { readyAt: number; timer: NodeJS.Timeout }>();
  readonly #failures = new Map<string, number>();
  readonly #getters: ((key: string | undefined) => void)[] = [];
  readonly #idle: (() => void)[] = [];
  #shuttingDown = false;

  constructor(options: WorkQueueOptions = {}) {
    this.#backoff = resolveBackoff(options.backoff);
    this.#onDepthChange = options.onDepthChange;
    this.#random = options.random ?? Math.random;
  }

  add(key: string): void {
    if (this.#shuttingDown || this.#dirty.has(key)) return;
    this.#dirty.add(key);
    if (this.#processing.has(key)) return; // done() queues it again
    this.#push(key);
  }

  addAfter(key: string, delayMs: number): void {
    if (this.#shuttingDown) return;
    if (!(delayMs > 0)) {
      this.add(key);
      return;
    }
    const readyAt = Date.now() + delayMs;
    const pending = this.#waiting.get(key);
    if (pending !== undefined && pending.readyAt <= readyAt) return;
    if (pending !== undefined) clearTimeout(pending.timer);
    const timer = setTimeout(() => {
      this.#waiting.delete(key);
      this.add(key);
    }, delayMs);
    this.#waiting.set(key, { readyAt, timer });
  }

  addRateLimited(key: string): void {
    const failures = this.#failures.get(key) ?? 0;
    this.#failures.set(key, failures + 1);
    this.addAfter(key, backoffDelay(failures, this.#backoff, this.#random));
  }

  /** The key succeeded: its next failure starts again at baseMs. */
  forget(key: string): void {
    this.#failures.delete(key);
  }

  /** Retries scheduled with addRateLimited since the last forget(). */
  failures(key: string): number {
    return this.#failures.get(key) ?? 0;
  }

  /**
   * The next key to work on; the caller must call done(key) afterwards.
   * Resolves undefined once the queue is shut down (or `signal` aborts).
   */
  get(signal?: AbortSignal): Promise<string | undefined> {
    if (this.#shuttingDown || signal?.aborted === true) return Promise.resolve(undefined);
    if (this.len() > 0) return Promise.resolve(this.#take());
    return new Promise((resolve) => {
      const getter = (key: string | undefined): void => {
        signal?.removeEventListener('abort', onAbort);
        resolve(key);
      };
      const onAbort = (): void => {
        const index = this.#getters.indexOf(getter);
        if (index >= 0) this.#getters.splice(index, 1);
        resolve(undefined);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#getters.push(getter);
    });
  }

  done(key: string): void {
    if (!this.#processing.delete(key)) return;
    if (this.#dirty.has(key) && !this.#shuttingDown) this.#push(key);
    if (this.#processing.size === 0) this.#idle.splice(0).forEach((wake) => wake());
  }

  /** Keys ready to be handed out (not those being processed or waiting for a delay). */
  len(): number {
    return this.#queue.length - this.#head;
  }

  /** Keys handed out and not yet done(). */
  processing(): number {
    return this.#processing.size;
  }

  isShuttingDown(): boolean {
    return this.#shuttingDown;
  }

  shutDown(): void {
    if (this.#shuttingDown) return;
    this.#shuttingDown = true;
    for (const { timer } of this.#waiting.values()) clearTimeout(timer);
    this.#waiting.clear();
    this.#getters.splice(0).forEach((getter) => getter(undefined));
  }

  /** shutDown(), then wait until every handed-out key is done() (or timeoutMs passes). */
  async shutDownWithDrain(timeoutMs = Infinity): Promise<void> {
    this.shutDown();
    if (this.#processing.size === 0) return;
    await new Promise<void>((resolve) => {
      const timer = Number.isFinite(timeoutMs) ? setTimeout(resolve, timeoutMs) : undefined;
      this.#idle.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  #push(key: string): void {
    const getter = this.#getters.shift();
    if (getter !== undefined) {
      this.#dirty.delete(key);
      this.#processing.add(key);
      getter(key);
      return;
    }
    this.#queue.push(key);
    this.#onDepthChange?.(this.len());
  }

  #take(): string {
    const key = this.#queue[this.#head] as string;
    this.#head += 1;
    // Compact now and then so a long-lived queue does not keep every key it ever held.
    if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
      this.#queue.splice(0, this.#head);
      this.#head = 0;
    }
    this.#dirty.delete(key);
    this.#processing.add(key);
    this.#onDepthChange?.(this.len());
    return key;
  }
}
