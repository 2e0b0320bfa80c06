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

  /**
   * The next healthy item not yet tried (for one connection or session). When every untried item
   * is down it fails open and returns the next untried one anyway, as cloud network load balancers do.
   */
  choose<T>(items: readonly T[], tried: ReadonlySet<T>, healthy: (item: T) => boolean): T | undefined {
    const untried = (i: number): boolean => !tried.has(items[i] as T);
    const index =
      this.next(items.length, (i) => untried(i) && healthy(items[i] as T)) ?? this.next(items.length, untried);
    return index === undefined ? undefined : items[index];
  }
}
