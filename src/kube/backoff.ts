/** Per-key exponential backoff: baseMs doubling per failure, capped at maxMs, with jitter. */
export interface BackoffOptions {
  baseMs: number;
  maxMs: number;
  /** 0..1: the delay is drawn from [d·(1−jitter), d], so retries of many keys spread out. */
  jitter: number;
}

export const defaultBackoff: BackoffOptions = Object.freeze({ baseMs: 1000, maxMs: 300_000, jitter: 0.2 });

export function resolveBackoff(partial?: Partial<BackoffOptions>): BackoffOptions {
  const merged = { ...defaultBackoff, ...dropUndefined(partial ?? {}) };
  if (!(merged.baseMs > 0) || !(merged.maxMs >= merged.baseMs)) {
    throw new RangeError(`backoff needs 0 < baseMs <= maxMs (got ${merged.baseMs}, ${merged.maxMs})`);
  }
  if (!(merged.jitter >= 0 && merged.jitter <= 1)) {
    throw new RangeError(`backoff jitter must be within 0..1 (got ${merged.jitter})`);
  }
  return merged;
}

/**
 * Delay before retry number `failures + 1` (failures = retries already scheduled).
 * Never above maxMs: jitter only shortens, so the cap stays a promise to the user.
 */
export function backoffDelay(failures: number, options: BackoffOptions, random: () => number = Math.random): number {
  // 2^1024 is Infinity; stop doubling long before that.
  const exponent = Math.min(Math.max(0, failures), 52);
  const ceiling = Math.min(options.maxMs, options.baseMs * 2 ** exponent);
  const r = Math.min(Math.max(random(), 0), 1);
  return ceiling * (1 - options.jitter * r);
}

function dropUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
