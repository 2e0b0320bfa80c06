// Coalesces concurrent lookups from different Services into one cloud call of at most `maxKeys`
// keys. A resync of N Services runs up to --workers ensures at once, and each starts by reading
// its own resources by name (ELBv2 DescribeLoadBalancers/DescribeTags take 20 names or ARNs; a
// Compute list takes a name filter), so requests arriving within `windowMs` of each other go out
// together. Shared by the providers that need it; it knows no cloud.
//
// Written here rather than taken from a library: dataloader is not among the dependencies, and
// what we need differs from it in three ways — a request carries several keys and is never split
// across calls; a batch the cloud refuses because of one caller's keys (AWS fails a whole Describe
// when one name is unknown) is re-run per caller so no Service fails for another's sake; and each
// caller keeps its own AbortSignal, the shared call being aborted only when all of them are.

export interface BatcherOptions<K, V> {
  /** Most distinct keys in one call. */
  readonly maxKeys: number;
  /** How long the first request of a batch waits for others. */
  readonly windowMs: number;
  /**
   * Calls of this kind in flight at once; a batch whose window has passed waits for one to finish,
   * taking more requests meanwhile — so batches grow when the cloud (or the rate limit) is slow, and a
   * lone request on an idle provider still goes out after windowMs. Default 2.
   */
  readonly maxInFlight?: number;
  /** One cloud call for these keys; a key absent from the result has no entry (gone). */
  readonly fetch: (keys: readonly K[], signal: AbortSignal) => Promise<ReadonlyMap<K, V>>;
  /**
   * The batch failed in a way that one caller's keys may have caused (AWS fails the whole call when
   * one name is unknown): re-run each caller's request alone. Otherwise (throttling, 5xx after
   * retries) every caller gets the batch's error.
   */
  readonly perCallerOnError: (error: unknown) => boolean;
  /** Observes each call made (batch size in keys, callers served): for metrics and the bench. */
  readonly onCall?: (keys: number, callers: number) => void;
}

interface Request<K, V> {
  readonly keys: readonly K[];
  readonly signal: AbortSignal;
  resolve(value: Map<K, V>): void;
  reject(error: unknown): void;
}

interface Batch<K, V> {
  readonly requests: Request<K, V>[];
  readonly keys: Set<K>;
  timer: NodeJS.Timeout | undefined;
  /** The window has passed: go as soon as a call slot is free. */
  due: boolean;
}

export class Batcher<K, V> {
  readonly #options: BatcherOptions<K, V>;
  #open: Batch<K, V> | undefined;
  /** Full batches waiting for a call slot, oldest first. */
  readonly #waiting: Batch<K, V>[] = [];
  #inFlight = 0;

  constructor(options: BatcherOptions<K, V>) {
    if (options.maxKeys < 1) throw new Error('maxKeys must be at least 1');
    this.#options = options;
  }

  /** The entries for `keys` (at most maxKeys of them); only this caller's keys are returned. */
  load(keys: readonly K[], signal: AbortSignal): Promise<Map<K, V>> {
    const unique = [...new Set(keys)];
    if (unique.length > this.#options.maxKeys)
      return Promise.reject(new RangeError(`at most ${this.#options.maxKeys} keys per request, got ${unique.length}`));
    if (unique.length === 0) return Promise.resolve(new Map<K, V>());
    if (signal.aborted) return Promise.reject(asError(signal.reason));
    return new Promise<Map<K, V>>((resolve, reject) => {
      const onAbort = (): void => reject(asError(signal.reason));
      signal.addEventListener('abort', onAbort, { once: true });
      const request: Request<K, V> = {
        keys: unique,
        signal,
        resolve: (v) => {
          signal.removeEventListener('abort', onAbort);
          resolve(v);
        },
        reject: (e) => {
          signal.removeEventListener('abort', onAbort);
          reject(asError(e));
        },
      };
      this.#enqueue(request);
    });
  }

  #enqueue(request: Request<K, V>): void {
    let batch = this.#open;
    const added = batch === undefined ? request.keys.length : request.keys.filter((k) => !batch?.keys.has(k)).length;
    if (batch !== undefined && batch.keys.size + added > this.#options.maxKeys) {
      this.#close(batch);
      batch = undefined;
    }
    if (batch === undefined) {
      const fresh: Batch<K, V> = { requests: [], keys: new Set(), timer: undefined, due: false };
      fresh.timer = setTimeout(() => {
        fresh.due = true;
        this.#pump();
      }, this.#options.windowMs);
      this.#open = fresh;
      batch = fresh;
    }
    batch.requests.push(request);
    for (const k of request.keys) batch.keys.add(k);
    if (batch.keys.size >= this.#options.maxKeys) this.#close(batch);
  }

  /** No more requests join this batch: it goes when a call slot is free. */
  #close(batch: Batch<K, V>): void {
    if (this.#open === batch) this.#open = undefined;
    clearTimeout(batch.timer);
    this.#waiting.push(batch);
    this.#pump();
  }

  /** Starts calls while slots are free: full batches first, then the open one once its window passed. */
  #pump(): void {
    const max = this.#options.maxInFlight ?? 2;
    while (this.#inFlight < max) {
      let batch = this.#waiting.shift();
      if (batch === undefined && this.#open?.due === true) {
        batch = this.#open;
        this.#open = undefined;
      }
      if (batch === undefined) return;
      this.#inFlight++;
      void this.#run(batch).finally(() => {
        this.#inFlight--;
        this.#pump();
      });
    }
  }

  async #run(batch: Batch<K, V>): Promise<void> {
    const live = batch.requests.filter((r) => !r.signal.aborted);
    if (live.length === 0) return;
    const keys = [...new Set(live.flatMap((r) => r.keys))];
    const shared = sharedSignal(live.map((r) => r.signal));
    try {
      const result = await this.#call(keys, live.length, shared.signal);
      for (const r of live) r.resolve(pick(result, r.keys));
    } catch (error) {
      if (live.length === 1 || !this.#options.perCallerOnError(error)) {
        for (const r of live) r.reject(error);
        return;
      }
      // One caller's keys may have spoiled the call for all: each caller on its own.
      await Promise.all(
        live.map(async (r) => {
          try {
            r.resolve(pick(await this.#call(r.keys, 1, r.signal), r.keys));
          } catch (own) {
            r.reject(own);
          }
        }),
      );
    } finally {
      shared.release();
    }
  }

  #call(keys: readonly K[], callers: number, signal: AbortSignal): Promise<ReadonlyMap<K, V>> {
    this.#options.onCall?.(keys.length, callers);
    return this.#options.fetch(keys, signal);
  }
}

function pick<K, V>(result: ReadonlyMap<K, V>, keys: readonly K[]): Map<K, V> {
  const out = new Map<K, V>();
  for (const k of keys) {
    const v = result.get(k);
    if (v !== undefined) out.set(k, v);
  }
  return out;
}

/**
 * A signal that aborts when every one of `signals` has (a caller giving up must not fail the
 * others). `release` removes the listeners: callers' signals may live long (the operator's).
 */
function sharedSignal(signals: readonly AbortSignal[]): { signal: AbortSignal; release: () => void } {
  const distinct = [...new Set(signals)];
  const only = distinct.length === 1 ? distinct[0] : undefined;
  if (only !== undefined) return { signal: only, release: () => undefined };
  const controller = new AbortController();
  const check = (): void => {
    if (distinct.every((s) => s.aborted)) controller.abort(distinct[0]?.reason);
  };
  for (const s of distinct) s.addEventListener('abort', check);
  return {
    signal: controller.signal,
    release: () => {
      for (const s of distinct) s.removeEventListener('abort', check);
    },
  };
}

function asError(reason: unknown): Error {
  return reason instanceof Error ? reason : new Error(String(reason));
}
