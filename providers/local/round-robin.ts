// Round-robin over a fixed, ordered backend list, skipping backends that are down. The cursor
// walks the full list (not the healthy subset), so a backend that comes back gets its turn at its
// place in the order rather than shifting everyone else's.

export interface Pick {
  /** Index into the backend list; undefined when no candidate is acceptable. */
  readonly index: number | undefined;
  readonly cursor: number;
}

export function pickRoundRobin(count: number, cursor: number, acceptable: (index: number) => boolean): Pick {
  for (let step = 0; step < count; step++) {
    const index = (cursor + step) % count;
    if (acceptable(index)) return { index, cursor: (index + 1) % count };
  }
  return { index: undefined, cursor: count === 0 ? 0 : cursor % count };
}

export class RoundRobin {
  #cursor = 0;

  /** The next acceptable index, or undefined. */
  next(count: number, acceptable: (index: number) => boolean): number | undefined {
    const pick = pickRoundRobin(count, this.#cursor, acceptable);
    this.#cursor = pick.cursor;
    return pick.index;
  }
}
