import { CoreV1Api, PatchStrategy, setHeaderOptions, type CoreV1Event, type KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { httpStatus, isNotFound, isRetryable } from './api-errors.ts';
import {
  eventKey,
  eventName,
  eventNamespace,
  maxCachedEvents,
  planWrite,
  truncateMessage,
  type EventType,
  type ObjectRef,
  type SeenEvent,
} from './event-aggregation.ts';
import { LruCache } from './lru.ts';

export type { EventType, ObjectRef } from './event-aggregation.ts';

/** Where Events go; the default writes core/v1 Events through the API server. */
export interface EventSink {
  create(namespace: string, event: CoreV1Event): Promise<CoreV1Event>;
  patch(namespace: string, name: string, patch: object): Promise<CoreV1Event>;
}

export interface EventRecorderOptions {
  kc: KubeConfig;
  component: string;
  host?: string;
  log: Logger;
  /** Pending writes beyond this are dropped (and logged): events must never build up memory. */
  maxPending?: number;
  /** Tries per write when the API server is unreachable or overloaded. */
  maxTries?: number;
  retryDelayMs?: number;
  sink?: EventSink;
  now?: () => Date;
}

/**
 * Writes core/v1 Events, the ones `kubectl describe` shows. Like client-go's recorder, a repeat of
 * the same event bumps `count` and `lastTimestamp` of the Event written before instead of
 * creating another one, so describe shows "(x3 over 2m)". Writes for one key run in order.
 */
export class EventRecorder {
  readonly #sink: EventSink;
  readonly #component: string;
  readonly #host: string | undefined;
  readonly #log: Logger;
  readonly #maxPending: number;
  readonly #maxTries: number;
  readonly #retryDelayMs: number;
  readonly #now: () => Date;
  readonly #seen = new LruCache<string, SeenEvent>(maxCachedEvents);
  /** Tail of the write chain per key, so repeats of one event are written one after another. */
  readonly #tails = new Map<string, Promise<void>>();
  #pending = 0;
  #sequence = 0;
  #dropped = 0;

  constructor(options: EventRecorderOptions) {
    this.#sink = options.sink ?? apiSink(options.kc);
    this.#component = options.component;
    this.#host = options.host;
    this.#log = options.log;
    this.#maxPending = options.maxPending ?? 1000;
    this.#maxTries = options.maxTries ?? 4;
    this.#retryDelayMs = options.retryDelayMs ?? 500;
    this.#now = options.now ?? (() => new Date());
  }

  record(object: ObjectRef, type: EventType, reason: string, message: string): void {
    try {
      if (this.#pending >= this.#maxPending) {
        this.#dropped += 1;
        this.#log.warn(
          { object: describeRef(object), reason, dropped: this.#dropped },
          'event dropped: too many pending',
        );
        return;
      }
      const text = truncateMessage(message);
      const key = eventKey(object, type, reason, text);
      this.#pending += 1;
      const previous = this.#tails.get(key) ?? Promise.resolve();
      const next = previous
        .then(() => this.#write(key, object, type, reason, text))
        .catch((err: unknown) => {
          this.#log.warn({ object: describeRef(object), reason, status: httpStatus(err), err }, 'event not written');
        })
        .finally(() => {
          this.#pending -= 1;
          if (this.#tails.get(key) === next) this.#tails.delete(key);
        });
      this.#tails.set(key, next);
    } catch (err) {
      // record() is called from reconcile paths that must not fail because of an event.
      this.#log.warn({ err }, 'event not recorded');
    }
  }

  /** Waits until every event recorded so far is written (or given up). */
  async flush(): Promise<void> {
    while (this.#tails.size > 0) {
      await Promise.all(this.#tails.values());
    }
  }

  async #write(key: string, object: ObjectRef, type: EventType, reason: string, message: string): Promise<void> {
    const now = this.#now();
    const plan = planWrite(this.#seen.get(key), now);
    if (plan.kind === 'patch') {
      try {
        const patch = { count: plan.count, lastTimestamp: now.toISOString(), message };
        await this.#withRetry(() => this.#sink.patch(plan.seen.namespace, plan.seen.name, patch));
        this.#seen.set(key, { ...plan.seen, count: plan.count, lastTimestamp: now });
        return;
      } catch (err) {
        // The Event expired (--event-ttl) or was deleted: start a new one, as client-go does.
        if (!isNotFound(err)) throw err;
        this.#seen.delete(key);
      }
    }
    const namespace = eventNamespace(object);
    const event = this.#newEvent(object, namespace, type, reason, message, now);
    const created = await this.#withRetry(() => this.#sink.create(namespace, event));
    this.#seen.set(key, {
      name: created.metadata?.name ?? event.metadata.name ?? '',
      namespace,
      count: 1,
      firstTimestamp: now,
      lastTimestamp: now,
    });
  }

  #newEvent(
    object: ObjectRef,
    namespace: string,
    type: EventType,
    reason: string,
    message: string,
    now: Date,
  ): CoreV1Event & { metadata: { name: string } } {
    this.#sequence = (this.#sequence + 1) % 1_000_000;
    const involvedObject: CoreV1Event['involvedObject'] = {
      kind: object.kind,
      apiVersion: object.apiVersion,
      name: object.name,
    };
    if (object.namespace !== undefined && object.namespace !== '') involvedObject.namespace = object.namespace;
    if (object.uid !== undefined) involvedObject.uid = object.uid;
    if (object.resourceVersion !== undefined) involvedObject.resourceVersion = object.resourceVersion;
    const source: NonNullable<CoreV1Event['source']> = { component: this.#component };
    if (this.#host !== undefined) source.host = this.#host;
    return {
      metadata: { name: eventName(object.name, now, this.#sequence), namespace },
      involvedObject,
      type,
      reason,
      message,
      source,
      reportingComponent: this.#component,
      reportingInstance: this.#host ?? this.#component,
      firstTimestamp: now,
      lastTimestamp: now,
      count: 1,
    };
  }

  async #withRetry<T>(call: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await call();
      } catch (err) {
        if (attempt >= this.#maxTries || !isRetryable(err)) throw err;
        await new Promise((resolve) => setTimeout(resolve, this.#retryDelayMs * 2 ** (attempt - 1)));
      }
    }
  }
}

function apiSink(kc: KubeConfig): EventSink {
  const core = kc.makeApiClient(CoreV1Api);
  const strategicMerge = setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch);
  return {
    create: (namespace, body) => core.createNamespacedEvent({ namespace, body }),
    patch: (namespace, name, body) => core.patchNamespacedEvent({ namespace, name, body }, strategicMerge),
  };
}

function describeRef(object: ObjectRef): string {
  const where = object.namespace !== undefined && object.namespace !== '' ? `${object.namespace}/` : '';
  return `${object.kind} ${where}${object.name}`;
}
