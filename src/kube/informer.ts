import { ListWatch, type KubeConfig, type KubernetesListObject, type KubernetesObject } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { Counter } from 'prom-client';
import { httpStatus } from './api-errors.ts';
import { ClosableWatch } from './closable-watch.ts';
import { backoffDelay, resolveBackoff, type BackoffOptions } from './backoff.ts';
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
  /** Watch path, e.g. /api/v1/services. */
  path: string;
  /** Lists what the watch follows; it must apply the same selectors as below. */
  list: () => Promise<KubernetesListObject<T>>;
  labelSelector?: string;
  fieldSelector?: string;
  log: Logger;
  restartBackoff?: Partial<BackoffOptions>;
  /** Restart when nothing (list, connect, event) happened for this long. Default 10 min. */
  staleAfterMs?: number;
  metrics?: { informerRestarts: Counter<'informer'> };
}

/** Restarts after this long without failure start again at the base backoff. */
const healthyResetMs = 60_000;

/**
 * client-node's ListWatch with what it lacks for a long-running operator: it stops for good on any
 * list or watch failure other than 410 Gone, and a list that never answers hangs it forever.
 * This wrapper restarts it with backoff, relists, and hands its handlers the difference (add /
 * update / delete) between what they saw and what is there now. It keeps its own store, so
 * `update` gets the old object, and re-listed objects that did not change are not re-announced.
 */
export class SupervisedInformer<T extends KubernetesObject> {
  readonly #options: SupervisedInformerOptions<T>;
  readonly #backoff: BackoffOptions;
  readonly #staleAfterMs: number;
  readonly #log: Logger;
  readonly #store = new Map<string, T>();
  readonly #handlers: InformerHandlers<T>[] = [];

  #listWatch: { listWatch: ListWatch<T>; watch: ClosableWatch } | undefined;
  /** Bumped for every ListWatch started; callbacks of older ones are ignored. */
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

  async stop(): Promise<void> {
    this.#running = false;
    this.#synced = false;
    clearInterval(this.#staleTimer);
    clearTimeout(this.#restartTimer);
    this.#restartTimer = undefined;
    this.#generation += 1;
    const run = this.#listWatch;
    this.#listWatch = undefined;
    this.#syncWaiters.splice(0).forEach((wake) => wake());
    await retire(run);
  }

  hasSynced(): boolean {
    return this.#synced;
  }

  list(): readonly T[] {
    return [...this.#store.values()];
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
    const { path, kc, labelSelector, fieldSelector } = this.#options;
    const watch = new ClosableWatch(kc);
    const listWatch = new ListWatch<T>(
      path,
      watch,
      () => this.#relist(generation),
      false,
      labelSelector,
      fieldSelector,
    );
    // ListWatch calls add for every listed object; #upsert drops those whose version we have.
    listWatch.on('add', (obj) => current() && this.#upsert(obj));
    listWatch.on('update', (obj) => current() && this.#upsert(obj));
    listWatch.on('delete', (obj) => current() && this.#remove(obj));
    listWatch.on('connect', () => current() && this.#touch());
    listWatch.on('error', (err: unknown) => current() && this.#fail(err));
    this.#listWatch = { listWatch, watch };
    this.#lastActivity = Date.now();
    listWatch.start().catch((err: unknown) => current() && this.#fail(err));
  }

  async #relist(generation: number): Promise<KubernetesListObject<T>> {
    const list = await this.#options.list();
    // An abandoned ListWatch must not open a watch nobody stops: failing its list ends it.
    if (!this.#running || generation !== this.#generation) throw new Error('superseded informer run');
    this.#replace(list.items);
    this.#touch();
    if (!this.#synced) {
      this.#synced = true;
      this.#healthySince = Date.now();
      this.#log.info({ objects: this.#store.size }, 'informer synced');
      this.#syncWaiters.splice(0).forEach((wake) => wake());
    }
    return list;
  }

  /** Applies a full list: deletes what is gone, then adds/updates what is new or changed. */
  #replace(items: readonly T[]): void {
    const listed = new Set(items.map((obj) => keyOf(obj)));
    for (const [key, obj] of this.#store) {
      if (!listed.has(key)) {
        this.#store.delete(key);
        this.#emit('delete', obj);
      }
    }
    for (const obj of items) this.#upsert(obj);
  }

  #upsert(obj: T): void {
    this.#touch();
    const key = keyOf(obj);
    const old = this.#store.get(key);
    const version = obj.metadata?.resourceVersion;
    if (old !== undefined && version !== undefined && old.metadata?.resourceVersion === version) return;
    this.#store.set(key, obj);
    if (old === undefined) this.#emit('add', obj);
    else this.#emit('update', obj, old);
  }

  #remove(obj: T): void {
    this.#touch();
    const key = keyOf(obj);
    if (!this.#store.delete(key)) return;
    this.#emit('delete', obj);
  }

  #emit(kind: 'add' | 'delete', obj: T): void;
  #emit(kind: 'update', obj: T, old: T): void;
  #emit(kind: keyof InformerHandlers<T>, obj: T, old?: T): void {
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
    // Retire the failed ListWatch now: its late callbacks are ignored from here on.
    this.#generation += 1;
    const failed = this.#listWatch;
    this.#listWatch = undefined;
    void retire(failed);
    this.#restartTimer = setTimeout(() => {
      this.#restartTimer = undefined;
      if (this.#running) this.#launch();
    }, delayMs);
  }

  #checkStale(): void {
    if (!this.#running || this.#restartTimer !== undefined) return;
    const silentMs = Date.now() - this.#lastActivity;
    if (silentMs > this.#staleAfterMs) {
      this.#fail(new StaleInformerError(`no list, connect or event for ${silentMs} ms`));
    }
  }
}

async function retire(
  run: { listWatch: ListWatch<KubernetesObject>; watch: ClosableWatch } | undefined,
): Promise<void> {
  run?.watch.close();
  await run?.listWatch.stop();
}

function storeKey(namespace: string | undefined, name: string): string {
  return namespace !== undefined && namespace !== '' ? `${namespace}/${name}` : name;
}

function keyOf(obj: KubernetesObject): string {
  return storeKey(obj.metadata?.namespace, obj.metadata?.name ?? '');
}
