import type { CustomObjectsApi, V1Service } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { LoadBalancerProvider as ProviderObject } from '../api/loadbalancerprovider.ts';
import { resolveProvider } from '../controller/classes.ts';
import { PROVIDER_ANNOTATION } from '../controller/constants.ts';
import { serviceKey } from '../controller/desired.ts';
import { usesEndpointTargets } from '../controller/endpoints.ts';
import { errorText } from '../controller/messages.ts';
import { servicesClaimedBy } from '../controller/protection.ts';
import { ProviderManager } from '../controller/providers.ts';
import { Reconciler, type EventSink } from '../controller/reconcile.ts';
import type { ServiceWriter } from '../controller/service-writer.ts';
import { OrphanSweeper } from '../controller/sweep.ts';
import { setIneligibleNodes, type Metrics } from '../kube/metrics.ts';
import { TARGET_PROBLEM_KINDS } from '../provider/contract.ts';
import { WorkQueue } from '../kube/workqueue.ts';
import type { ProviderRegistry } from '../provider/registry.ts';
import { informersSynced, relevant, type EventTarget, type Informers } from './informers.ts';
import { ServiceCountPublisher } from './service-counts.ts';
import { runWorker } from './worker.ts';

/** Provider status is also re-synced this often, so a status write that failed is retried. */
const PROVIDER_RESYNC_MS = 30_000;

/** The settings of OperatorOptions a term reads. */
export interface TermSettings {
  readonly workers?: number;
  readonly sweep?: { readonly enabled: boolean; readonly intervalMs: number; readonly graceMs: number };
  readonly resyncIntervalMs?: number;
  readonly drainMs?: number;
  readonly backoff?: { readonly baseMs?: number; readonly maxMs?: number };
}

export interface TermDeps {
  readonly informers: Informers;
  readonly registry: ProviderRegistry;
  readonly clusterName: string;
  /** Where credential Secrets live. */
  readonly namespace: string;
  readonly custom: CustomObjectsApi;
  readonly writer: ServiceWriter;
  readonly events: EventSink;
  readonly metrics: Metrics;
  readonly log: Logger;
  readonly settings: TermSettings;
  /** Called after every reconcile, whatever its outcome. */
  readonly onReconciled: () => void;
}

/**
 * Everything that runs only while this replica holds the Lease: the work queue, the providers,
 * the reconciler, the orphan sweeper, the workers and the timers. One term per leadership;
 * begin() starts it, end() drains it, and a new leadership gets a new term.
 */
export class LeadingTerm implements EventTarget {
  readonly #deps: TermDeps;
  readonly #abort = new AbortController();
  readonly #queue: WorkQueue;
  readonly #manager: ProviderManager;
  readonly #reconciler: Reconciler;
  readonly #sweeper: OrphanSweeper | undefined;
  readonly #counts: ServiceCountPublisher;
  readonly #workers: Promise<void>[] = [];
  readonly #timers: NodeJS.Timeout[] = [];
  #ended = false;

  constructor(deps: TermDeps) {
    this.#deps = deps;
    const { informers, settings, metrics, log } = deps;
    const { baseMs, maxMs } = settings.backoff ?? {};
    this.#queue = new WorkQueue({
      backoff: { ...(baseMs ? { baseMs } : {}), ...(maxMs ? { maxMs } : {}) },
      onDepthChange: (depth) => metrics.queueDepth.set(depth),
    });
    const manager = new ProviderManager({
      registry: deps.registry,
      clusterName: deps.clusterName,
      namespace: deps.namespace,
      // The API server validated these against the CRD's structural schema.
      listProviders: () => informers.providers.list() as unknown as ProviderObject[],
      getSecret: (name) => informers.secrets.get(name, deps.namespace),
      custom: deps.custom,
      events: deps.events,
      log: log.child({ part: 'providers' }),
      countCall: (provider, operation) => metrics.cloudCalls.inc({ provider, operation }),
      onChange: (name) => this.#enqueueWhere((s) => servedBy(s, name, manager)),
      servicesUsing: (name) => servicesClaimedBy(informers.services.list(), name),
    });
    this.#manager = manager;
    this.#reconciler = new Reconciler({
      clusterName: deps.clusterName,
      getService: (ns, name) => informers.services.get(name, ns),
      nodes: () => informers.nodes.list(),
      nodesRevision: () => informers.nodes.revision(),
      endpointSlices: (ns, name) => informers.endpointSlices.forService(ns, name),
      classes: () => manager.classes(),
      providers: manager,
      writer: deps.writer,
      events: deps.events,
      log: log.child({ part: 'reconcile' }),
      notTargets: (provider, skipped) =>
        setIneligibleNodes(metrics.ineligibleNodes, provider, TARGET_PROBLEM_KINDS, skipped),
    });
    this.#sweeper =
      settings.sweep?.enabled === false
        ? undefined
        : new OrphanSweeper({
            clusterName: deps.clusterName,
            synced: () => informersSynced(informers),
            services: () => informers.services.list(),
            classes: () => manager.classes(),
            handles: () => manager.handles(),
            graceMs: settings.sweep?.graceMs ?? 300_000,
            events: deps.events,
            log: log.child({ part: 'sweep' }),
          });
    this.#counts = new ServiceCountPublisher(
      () => informers.services.list(),
      (counts) => {
        manager.setServiceCounts(counts);
        void manager.sync();
      },
    );
  }

  /** Builds the providers, queues every relevant Service, then starts the workers and timers. */
  async begin(): Promise<void> {
    const { settings, log } = this.#deps;
    await this.#manager.sync();
    // The lease may have been lost while the providers were built: start nothing end() cannot stop.
    if (this.#ended) return;
    this.enqueueAll();
    for (let i = 0; i < (settings.workers ?? 4); i++) this.#workers.push(this.#runWorker());
    const sweeper = this.#sweeper;
    if (sweeper !== undefined) {
      const sweep = (): void => {
        void sweeper
          .sweepOnce(this.#abort.signal)
          .catch((err: unknown) => log.warn({ err: errorText(err) }, 'sweep failed'));
      };
      sweep();
      this.#timers.push(setInterval(sweep, settings.sweep?.intervalMs ?? 600_000));
    }
    const resync = (): void => {
      this.#reconciler.forgetAll();
      this.enqueueAll();
    };
    this.#timers.push(setInterval(resync, settings.resyncIntervalMs ?? 3_600_000));
    this.#timers.push(setInterval(() => void this.#manager.sync(), PROVIDER_RESYNC_MS));
    this.#counts.refresh();
  }

  /**
   * Stops taking work and gives in-flight reconciles drainMs to finish, then aborts them (the
   * finalizer keeps an abandoned reconcile safe); resolves once every worker has returned and
   * the providers are closed.
   */
  async end(): Promise<void> {
    this.#ended = true;
    for (const timer of this.#timers) clearInterval(timer);
    this.#counts.cancel();
    this.#queue.shutDown();
    const drained = Promise.all(this.#workers);
    const timeout = new Promise<void>((resolve) => setTimeout(resolve, this.#deps.settings.drainMs ?? 10_000).unref());
    await Promise.race([drained, timeout]);
    this.#abort.abort(new Error('operator stopping'));
    await drained;
    await this.#manager.close();
  }

  /** Runs one orphan sweep now; resolves with how many load balancers it deleted. */
  async sweepNow(): Promise<number> {
    if (this.#sweeper === undefined) return 0;
    return (await this.#sweeper.sweepOnce(this.#abort.signal)).length;
  }

  enqueue(service: V1Service): void {
    if (relevant(service)) this.#queue.add(serviceKey(service));
  }

  enqueueAll(): void {
    this.#enqueueWhere(() => true);
  }

  forget(service: V1Service): void {
    this.#reconciler.forget(service.metadata?.uid ?? '');
  }

  servicesChanged(): void {
    this.#counts.refresh();
  }

  syncProviders(): void {
    void this.#manager.sync();
  }

  endpointsChanged(namespace: string, serviceName: string): void {
    const service = this.#deps.informers.services.get(serviceName, namespace);
    if (service !== undefined && sendsToEndpoints(service, this.#manager)) this.#queue.add(serviceKey(service));
  }

  #enqueueWhere(filter: (service: V1Service) => boolean): void {
    for (const service of this.#deps.informers.services.list()) if (filter(service)) this.enqueue(service);
  }

  #runWorker(): Promise<void> {
    const { informers, metrics, log, onReconciled } = this.#deps;
    return runWorker({
      queue: this.#queue,
      reconcile: (key, signal) => this.#reconciler.reconcile(key, signal),
      signal: this.#abort.signal,
      providerOf: (key) => {
        const slash = key.indexOf('/');
        const service = informers.services.get(key.slice(slash + 1), key.slice(0, slash));
        return service?.metadata?.annotations?.[PROVIDER_ANNOTATION] ?? '';
      },
      metrics,
      onReconciled,
      log,
    });
  }
}

/** Whether the Service's load balancer sends some port to its endpoints: only then do its slices matter. */
function sendsToEndpoints(service: V1Service, manager: ProviderManager): boolean {
  const resolution = resolveProvider(service, manager.classes());
  if (resolution.kind !== 'provider') return false;
  const lookup = manager.lookup(resolution.name);
  return lookup.state === 'ready' && usesEndpointTargets(service, lookup.handle.capabilities);
}

/** Whether a change to provider `name` can change what the Service gets. */
function servedBy(service: V1Service, name: string, manager: ProviderManager): boolean {
  const resolution = resolveProvider(service, manager.classes());
  return (
    service.metadata?.annotations?.[PROVIDER_ANNOTATION] === name ||
    (resolution.kind === 'provider' && resolution.name === name) ||
    resolution.kind === 'ambiguousDefault'
  );
}
