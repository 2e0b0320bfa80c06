// Long-running operations: every mutation answers with an operation that goes PENDING → RUNNING
// → DONE over `latencyMs`; `wait` blocks until DONE (GCE returns after at most 2 minutes).
import { notFound, type GceApiError } from './errors.ts';
import { locationPath, type Location, type Store } from './store.ts';

interface Entry {
  readonly loc: Location;
  readonly body: Record<string, unknown>;
  readonly startAt: number;
  readonly doneAt: number;
}

export class Operations {
  readonly #store: Store;
  readonly #entries = new Map<string, Entry>();
  latencyMs: number;

  constructor(store: Store, latencyMs: number) {
    this.#store = store;
    this.latencyMs = latencyMs;
  }

  reset(): void {
    this.#entries.clear();
  }

  create(loc: Location, operationType: string, targetLink: string, error?: GceApiError): Record<string, unknown> {
    const id = this.#store.newId();
    const now = Date.now();
    const scope =
      loc.kind === 'regions'
        ? { region: this.#store.scopeLink(loc) }
        : loc.kind === 'zones'
          ? { zone: this.#store.scopeLink(loc) }
          : {};
    const body: Record<string, unknown> = {
      kind: 'compute#operation',
      id,
      name: id,
      operationType,
      targetLink,
      user: 'fake@example.com',
      insertTime: new Date(now).toISOString(),
      selfLink: this.#store.selfLink(loc, 'operations', id),
      ...scope,
      ...(error
        ? {
            error: { errors: [{ code: error.code, message: error.message }] },
            httpErrorStatusCode: error.httpStatus,
            httpErrorMessage: error.reason.toUpperCase(),
          }
        : {}),
    };
    const latency = error ? 0 : this.latencyMs;
    this.#entries.set(`${locationPath(loc)}/${id}`, { loc, body, startAt: now + latency / 3, doneAt: now + latency });
    return this.view(loc, id);
  }

  view(loc: Location, name: string): Record<string, unknown> {
    const entry = this.#entries.get(`${locationPath(loc)}/${name}`);
    if (!entry) throw notFound(`${locationPath(loc)}/operations/${name}`);
    const now = Date.now();
    const status = now >= entry.doneAt ? 'DONE' : now >= entry.startAt ? 'RUNNING' : 'PENDING';
    return {
      ...entry.body,
      status,
      progress: status === 'DONE' ? 100 : status === 'RUNNING' ? 50 : 0,
      ...(status !== 'PENDING' ? { startTime: new Date(entry.startAt).toISOString() } : {}),
      ...(status === 'DONE' ? { endTime: new Date(entry.doneAt).toISOString() } : {}),
    };
  }

  async wait(loc: Location, name: string, maxMs = 120_000): Promise<Record<string, unknown>> {
    const entry = this.#entries.get(`${locationPath(loc)}/${name}`);
    if (entry) {
      const delay = Math.min(Math.max(0, entry.doneAt - Date.now()), maxMs);
      if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay + 1));
    }
    return this.view(loc, name);
  }
}
