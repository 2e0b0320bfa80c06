import { isDeepStrictEqual } from 'node:util';
import type { KubeConfig, KubernetesObject } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { Counter } from 'prom-client';
import { httpStatus } from './api-errors.ts';
import { ClosableWatch } from './closable-watch.ts';
import { backoffDelay, resolveBackoff, type BackoffOptions } from './backoff.ts';
import { HttpStatusError } from './http-status-error.ts';
import { listPages } from './list-pages.ts';
import { StaleInformerError } from './stale-informer-error.ts';

export { StaleInformerError } from './stale-informer-error.ts';

export interface InformerHandlers<T> {
  add?(obj: T): void;
  update?(obj: T, old: T): void;
  delete?(obj: T): void;
}

export interface SupervisedInformerOptions<T extends KubernetesObject> {
  name: string;
  kc: KubeConfig;
  /** Collection path, e.g. /api/v1/services; listed and watched with the selectors below. */
  path: string;
  /**
   * What the store keeps of each object, applied on receipt (list page or watch event); the
   * rest of the object is never held. Default: the object as received.
   */
  project?: (obj: KubernetesObject) => T;
  labelSelector?: string;
  fieldSelector?: string;
  /** Objects per LIST page (default 500). */
  pageSize?: number;
  log: Logger;
  restartBackoff?: Partial<BackoffOptions>;
  /** Restart when nothing (list, watch connected, event) happened for this long. Default 10 min. */
  staleAfterMs?: number;
  metrics?: { informerRestarts: Counter<'informer'> };
}

/** Restarts after this long without failure start again at the base backoff. */
const healthyResetMs = 60_000;
/** A watch that ends cleanly this soon, having brought nothing, counts as a failure (no tight loop). */
const minWatchMs = 1000;

interface Run {
  readonly abort: AbortController;
  readonly watch: ClosableWatch;
  /** Whether this run is still the informer's current one. */
  readonly current: () => boolean;
}

/** How one watch request ended without failing. */
interface WatchEnd {
  /** The server no longer has the history from our resourceVersion (410 Gone): list again. */
  readonly gone: boolean;
  readonly resourceVersion: string;
}

/**
 * A cache of one collection, for a long-running operator: a paginated LIST, then a WATCH from
 * the list's resourceVersion (with bookmarks), re-watched from the last version seen when the
 * server or the client's inactivity timeout ends it, and listed again on 410 Gone. Any other
 * failure, or a run silent for staleAfterMs (a list that never answers), restarts it with
 * backoff and a fresh list; its handlers get the difference (add / update / delete) between what
 * they saw and what is there now. It keeps one store of projected plain objects, so `update`
 * gets the old object; an object whose projection did not change (a re-list, a Node heartbeat)
 * is stored with its new resourceVersion but not re-announced.
 */
export class SupervisedInformer<T extends KubernetesObject> {
  readonly #options: SupervisedInformerOptions<T>;
  readonly #project: (obj: KubernetesObject) => T;
  readonly #backoff: BackoffOptions;
  readonly #staleAfterMs: number;
  readonly #log: Logger;
  readonly #store = new Map<string, T>();
  /** list()'s answer until the store next changes: callers on hot paths share one array. */
  #snapshot: readonly T[] | undefined;
  /** Counts the changes handlers were told of (not version-only updates such as Node heartbeats). */
  #revision = 0;
  readonly #handlers: InformerHandlers<T>[] = [];

  #run: Run | undefined;
  /** Bumped for every run started; callbacks of older ones are ignored. */
  #generation = 0;
  #synced = false;
  #running = false;
  #failures = 0;
  #healthySince = 0;
  #lastActivity = 0;
  #restartTimer: NodeJS.Timeout | undefined;
  #staleTimer: NodeJS.Timeout | undefined;
  #syncWaiters: (() => void)[] = [];

  constructor(options: SupervisedInformerOptions<T>) {
    this.#options = options;
    this.#project = options.project ?? ((obj) => obj as T);
    this.#backoff = resolveBackoff(options.restartBackoff);
    this.#staleAfterMs = options.staleAfterMs ?? 10 * 60_000;
    this.#log = options.log.child({ informer: options.name });
  }

  on(handlers: InformerHandlers<T>): void {
    this.#handlers.push(handlers);
  }

  /** Starts watching; resolves once the first list is in the store (retrying failures meanwhile). */
  async start(): Promise<void> {
    if (this.#running) return await this.#whenSynced();
    this.#running = true;
    this.#lastActivity = Date.now();
    const checkEvery = Math.max(50, Math.min(this.#staleAfterMs / 4, 30_000));
    this.#staleTimer = setInterval(() => this.#checkStale(), checkEvery);
    this.#staleTimer.unref();
    const synced = this.#whenSynced();
    this.#launch();
    await synced;
  }

  stop(): Promise<void> {
    this.#running = false;
    this.#synced = false;
    clearInterval(this.#staleTimer);
    clearTimeout(this.#restartTimer);
    this.#restartTimer = undefined;
    this.#generation += 1;
    retire(this.#run);
    this.#run = undefined;
    this.#syncWaiters.splice(0).forEach((wake) => wake());
    return Promise.resolve();
  }

  hasSynced(): boolean {
    return this.#synced;
  }

  /** Every cached object; the same array until the store changes, so never mutate it. */
  list(): readonly T[] {
    this.#snapshot ??= [...this.#store.values()];
    return this.#snapshot;
  }

  /** Grows with every add, update or delete delivered to handlers: derived state keyed on it stays valid between them. */
  revision(): number {
    return this.#revision;
  }

  get(name: string, namespace?: string): T | undefined {
    return this.#store.get(storeKey(namespace, name));
  }

  #whenSynced(): Promise<void> {
    if (this.#synced || !this.#running) return Promise.resolve();
    return new Promise((resolve) => this.#syncWaiters.push(resolve));
  }

  #launch(): void {
    const generation = ++this.#generation;
    const current = (): boolean => this.#running && generation === this.#generation;
    const run: Run = { abort: new AbortController(), watch: new ClosableWatch(this.#options.kc), current };
    this.#run = run;
    this.#lastActivity = Date.now();
    this.#follow(run).catch((err: unknown) => current() && this.#fail(err));
  }

  /** List, then watch for as long as the run lasts; a 410 Gone lists again. */
  async #follow(run: Run): Promise<void> {
    let resourceVersion = await this.#list(run);
    while (run.current()) {
      const end = await this.#watch(run, resourceVersion);
      if (!run.current()) return;
      resourceVersion = end.gone ? await this.#list(run) : end.resourceVersion;
    }
  }

  async #list(run: Run): Promise<string> {
    const { path, kc, labelSelector, fieldSelector } = this.#options;
    const listed = await listPages(kc, path, {
      labelSelector,
      fieldSelector,
      pageSize: this.#options.pageSize ?? 500,
      project: this.#project,
      signal: run.abort.signal,
    });
    if (!run.current()) return listed.resourceVersion;
    this.#replace(listed.items);
    this.#touch();
    if (!this.#synced) {
      this.#synced = true;
      this.#healthySince = Date.now();
      this.#log.info({ objects: this.#store.size }, 'informer synced');
      this.#syncWaiters.splice(0).forEach((wake) => wake());
    }
    return listed.resourceVersion;
  }

  /** One watch request, from `resourceVersion`; resolves when it ends without failing. */
  #watch(run: Run, resourceVersion: string): Promise<WatchEnd> {
    const { path, labelSelector, fieldSelector } = this.#options;
    const startedAt = Date.now();
    let latest = resourceVersion;
    let events = 0;
    let gone = false;
    let failure: Error | undefined;
    return new Promise<WatchEnd>((resolve, reject) => {
      const onEvent = (phase: string, obj: KubernetesObject & { code?: number; message?: string }): void => {
        if (!run.current()) return;
        events += 1;
        if (phase === 'ERROR') {
          // A metav1.Status; the server closes the watch after it.
          if (obj.code === 410) gone = true;
          else failure = new HttpStatusError(`watch ${path}: ${obj.message ?? 'error event'}`, obj.code ?? 500);
          return;
        }
        if (phase === 'ADDED' || phase === 'MODIFIED') this.#upsert(this.#project(obj));
        else if (phase === 'DELETED') this.#remove(obj);
        else this.#touch();
        latest = obj.metadata?.resourceVersion ?? latest;
      };
      const onDone = (err: unknown): void => {
        if (gone || httpStatus(err) === 410) resolve({ gone: true, resourceVersion: latest });
        else if (failure !== undefined) reject(failure);
        else if (err !== null && err !== undefined && !isTimeout(err))
          reject(err instanceof Error ? err : new Error(`watch ${path} failed`, { cause: err }));
        else if (events === 0 && Date.now() - startedAt < minWatchMs && !isTimeout(err))
          reject(new Error(`watch ${path} ended at once`));
        else resolve({ gone: false, resourceVersion: latest });
      };
      const query = {
        resourceVersion,
        allowWatchBookmarks: true,
        ...(labelSelector === undefined ? {} : { labelSelector }),
        ...(fieldSelector === undefined ? {} : { fieldSelector }),
      };
      // Resolves once the server answered (the watch is open) or the attempt failed (onDone ran).
      run.watch.watch(path, query, onEvent, onDone).then(() => run.current() && this.#touch(), reject);
    });
  }

  /** Applies a full list: deletes what is gone, then adds/updates what is new or changed. */
  #replace(items: readonly T[]): void {
    const listed = new Set(items.map((obj) => keyOf(obj)));
    for (const [key, obj] of this.#store) {
      if (!listed.has(key)) {
        this.#store.delete(key);
        this.#snapshot = undefined;
        this.#emit('delete', obj);
      }
    }
    for (const obj of items) this.#upsert(obj);
  }

  #upsert(obj: T): void {
    this.#touch();
    const key = keyOf(obj);
    const old = this.#store.get(key);
    if (old !== undefined && old.metadata?.resourceVersion === obj.metadata?.resourceVersion) return;
    this.#store.set(key, obj);
    this.#snapshot = undefined;
    if (old === undefined) this.#emit('add', obj);
    else if (!sameButVersion(old, obj)) this.#emit('update', obj, old);
  }

  #remove(obj: KubernetesObject): void {
    this.#touch();
    const key = keyOf(obj);
    const old = this.#store.get(key);
    if (old === undefined) return;
    this.#store.delete(key);
    this.#snapshot = undefined;
    this.#emit('delete', old);
  }

  #emit(kind: 'add' | 'delete', obj: T): void;
  #emit(kind: 'update', obj: T, old: T): void;
  #emit(kind: keyof InformerHandlers<T>, obj: T, old?: T): void {
    this.#revision += 1;
    for (const handlers of this.#handlers) {
      try {
        if (kind === 'add') handlers.add?.(obj);
        else if (kind === 'delete') handlers.delete?.(obj);
        else handlers.update?.(obj, old as T);
      } catch (err) {
        // A failing handler must not stop delivery to the others (or kill the watch).
        this.#log.error({ err, event: kind, object: keyOf(obj) }, 'informer handler threw');
      }
    }
  }

  #touch(): void {
    this.#lastActivity = Date.now();
  }

  #fail(err: unknown): void {
    if (!this.#running || this.#restartTimer !== undefined) return;
    const now = Date.now();
    if (this.#synced && now - this.#healthySince > healthyResetMs) this.#failures = 0;
    const delayMs = Math.round(backoffDelay(this.#failures, this.#backoff));
    this.#failures += 1;
    this.#synced = false;
    this.#log.warn(
      { err, status: httpStatus(err), failures: this.#failures, retryInMs: delayMs },
      'informer stopped; restarting with a fresh list',
    );
    this.#options.metrics?.informerRestarts.inc({ informer: this.#options.name });
    // Retire the failed run now: its late callbacks are ignored from here on.
    this.#generation += 1;
    retire(this.#run);
    this.#run = undefined;
    this.#restartTimer = setTimeout(() => {
      this.#restartTimer = undefined;
      if (this.#running) this.#launch();
    }, delayMs);
  }

  #checkStale(): void {
    if (!this.#running || this.#restartTimer !== undefined) return;
    const silentMs = Date.now() - this.#lastActivity;
    if (silentMs > this.#staleAfterMs) {
      this.#fail(new StaleInformerError(`no list, watch or event for ${silentMs} ms`));
    }
  }
}

/** Ends a run's requests: an unanswered list is aborted, the watch closed for good. */
function retire(run: Run | undefined): void {
  run?.abort.abort(new Error('informer run retired'));
  run?.watch.close();
}

/** client-node's Watch ends a watch that received nothing for 30 s with a TimeoutError: watch again. */
function isTimeout(err: unknown): boolean {
  return err instanceof Error && err.name === 'TimeoutError';
}

/** Equal apart from metadata.resourceVersion: nothing a handler reads changed. */
function sameButVersion(a: KubernetesObject, b: KubernetesObject): boolean {
  const unversioned = (obj: KubernetesObject): KubernetesObject => ({
    ...obj,
    metadata: { ...obj.metadata, resourceVersion: '' },
  });
  return isDeepStrictEqual(unversioned(a), unversioned(b));
}

function storeKey(namespace: string | undefined, name: string): string {
  return namespace !== undefined && namespace !== '' ? `${namespace}/${name}` : name;
}

function keyOf(obj: KubernetesObject): string {
  return storeKey(obj.metadata?.namespace, obj.metadata?.name ?? '');
}
