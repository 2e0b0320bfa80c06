import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import {
  CoreV1Api,
  CustomObjectsApi,
  type KubeConfig,
  type KubernetesListObject,
  type KubernetesObject,
  type V1Node,
  type V1Secret,
  type V1Service,
} from '@kubernetes/client-node';
import { Registry } from 'prom-client';
import type { Logger } from 'pino';
import { GROUP, PLURAL, VERSION, type LoadBalancerProvider as ProviderObject } from '../api/loadbalancerprovider.ts';
import { FINALIZER, LOAD_BALANCER_TYPE, PROVIDER_ANNOTATION } from '../controller/constants.ts';
import { serviceKey } from '../controller/desired.ts';
import { errorText } from '../controller/messages.ts';
import { targetsFingerprint, targetsOf } from '../controller/nodes.ts';
import { ProviderManager } from '../controller/providers.ts';
import { Reconciler, type Outcome } from '../controller/reconcile.ts';
import { resolveProvider } from '../controller/classes.ts';
import { KubeServiceWriter } from '../controller/service-writer.ts';
import { currentCondition } from '../controller/status.ts';
import { OrphanSweeper } from '../controller/sweep.ts';
import { withConnectionReuse } from '../kube/client.ts';
import { EventRecorder } from '../kube/events.ts';
import { startHealthServer, startMetricsServer } from '../kube/http.ts';
import { SupervisedInformer } from '../kube/informer.ts';
import { LeaderElector } from '../kube/leader.ts';
import { createMetrics, type Metrics } from '../kube/metrics.ts';
import { WorkQueue } from '../kube/workqueue.ts';
import { silentLogger } from '../log.ts';
import type { ProviderRegistry } from '../provider/registry.ts';

export interface OperatorOptions {
  readonly kc: KubeConfig;
  readonly clusterName: string;
  /** Where credential Secrets and the Lease live. */
  readonly namespace: string;
  readonly registry: ProviderRegistry;
  readonly workers?: number;
  readonly leaderElect?: boolean;
  readonly leaseName?: string;
  readonly identity?: string;
  /** Lease timings (tests shorten them). */
  readonly lease?: { readonly durationMs?: number; readonly renewDeadlineMs?: number; readonly retryPeriodMs?: number };
  /** host:port; undefined or '0' starts no server. */
  readonly metricsAddr?: string;
  readonly healthAddr?: string;
  readonly sweep?: { readonly enabled: boolean; readonly intervalMs: number; readonly graceMs: number };
  readonly resyncIntervalMs?: number;
  /** How long stop() lets in-flight reconciles finish before aborting them (default 10 s). */
  readonly drainMs?: number;
  readonly backoff?: { readonly baseMs?: number; readonly maxMs?: number };
  readonly log?: Logger;
}

export interface RunningOperator {
  readonly identity: string;
  readonly metrics: Metrics;
  readonly healthPort: number | undefined;
  readonly metricsPort: number | undefined;
  isLeader(): boolean;
  /** Informers synced. */
  ready(): boolean;
  /** Reconciles finished since start (all outcomes). */
  reconciles(): number;
  /** Runs one orphan sweep now (leader only); resolves with how many load balancers it deleted. */
  sweepNow(): Promise<number>;
  /** Stop taking work, finish or abandon in-flight reconciles, release the lease, stop watching. */
  stop(): Promise<void>;
}

/** Service events within this window update the providers' served-Service counts once. */
const SERVICE_COUNT_DEBOUNCE_MS = 250;
/** Provider status is also re-synced this often, so a status write that failed is retried. */
const PROVIDER_RESYNC_MS = 30_000;

/** Services the controller must look at: LoadBalancers, and anything still carrying our finalizer. */
function relevant(service: V1Service): boolean {
  return (
    service.spec?.type === LOAD_BALANCER_TYPE ||
    (service.metadata?.finalizers ?? []).includes(FINALIZER) ||
    currentCondition(service) !== undefined
  );
}

/** Everything that runs only while this replica leads. */
interface Work {
  readonly abort: AbortController;
  readonly queue: WorkQueue;
  readonly manager: ProviderManager;
  readonly reconciler: Reconciler;
  readonly sweeper: OrphanSweeper | undefined;
  readonly workers: Promise<void>[];
  readonly timers: NodeJS.Timeout[];
}

export async function startOperator(options: OperatorOptions): Promise<RunningOperator> {
  const log = options.log ?? silentLogger();
  const identity = options.identity ?? `${hostname()}-${randomBytes(3).toString('hex')}`;
  const { clusterName, namespace } = options;
  const kc = withConnectionReuse(options.kc);
  const core = kc.makeApiClient(CoreV1Api);
  const custom = kc.makeApiClient(CustomObjectsApi);
  const metrics = createMetrics(new Registry());
  const events = new EventRecorder({
    kc,
    component: 'cloud-lb-operator',
    host: identity,
    log: log.child({ part: 'events' }),
  });
  const writer = new KubeServiceWriter(core);

  const services = new SupervisedInformer<V1Service>({
    name: 'services',
    kc,
    path: '/api/v1/services',
    list: () => core.listServiceForAllNamespaces(),
    log: log.child({ informer: 'services' }),
    metrics,
  });
  const nodes = new SupervisedInformer<V1Node>({
    name: 'nodes',
    kc,
    path: '/api/v1/nodes',
    list: () => core.listNode(),
    log: log.child({ informer: 'nodes' }),
    metrics,
  });
  const providers = new SupervisedInformer<KubernetesObject>({
    name: 'loadbalancerproviders',
    kc,
    path: `/apis/${GROUP}/${VERSION}/${PLURAL}`,
    list: async () =>
      (await custom.listClusterCustomObject({
        group: GROUP,
        version: VERSION,
        plural: PLURAL,
      })) as KubernetesListObject<KubernetesObject>,
    log: log.child({ informer: 'loadbalancerproviders' }),
    metrics,
  });
  const secrets = new SupervisedInformer<V1Secret>({
    name: 'secrets',
    kc,
    path: `/api/v1/namespaces/${namespace}/secrets`,
    list: () => core.listNamespacedSecret({ namespace }),
    log: log.child({ informer: 'secrets' }),
    metrics,
  });
  const informers = [services, nodes, providers, secrets];
  const synced = (): boolean => informers.every((i) => i.hasSynced());

  let work: Work | undefined;
  let reconcileCount = 0;
  let stopping = false;
  const enqueue = (service: V1Service): void => {
    if (work !== undefined && relevant(service)) work.queue.add(serviceKey(service));
  };
  const enqueueAll = (filter: (s: V1Service) => boolean = () => true): void => {
    for (const service of services.list()) if (filter(service)) enqueue(service);
  };
  const syncProviders = (): void => {
    if (work !== undefined) void work.manager.sync();
  };

  // Each provider's status.services follows the Services it has claimed (finalizer + annotation),
  // recounted once per burst of Service events rather than on a timer, so `kubectl get lbp` is
  // current as soon as a Service is served or released.
  let countTimer: NodeJS.Timeout | undefined;
  let lastCounts = '';
  const refreshCounts = (): void => {
    if (work === undefined || countTimer !== undefined) return;
    countTimer = setTimeout(() => {
      countTimer = undefined;
      if (work === undefined) return;
      const counts = countServices();
      const fingerprint = JSON.stringify([...counts].sort());
      if (fingerprint === lastCounts) return;
      lastCounts = fingerprint;
      work.manager.setServiceCounts(counts);
      void work.manager.sync();
    }, SERVICE_COUNT_DEBOUNCE_MS);
  };

  services.on({
    add: (service) => {
      enqueue(service);
      refreshCounts();
    },
    update: (service) => {
      enqueue(service);
      refreshCounts();
    },
    delete: (service) => {
      work?.reconciler.forget(service.metadata?.uid ?? '');
      refreshCounts();
    },
  });
  let lastTargets = '';
  const onNodes = (): void => {
    const fingerprint = targetsFingerprint(targetsOf(nodes.list()));
    if (fingerprint === lastTargets) return;
    lastTargets = fingerprint;
    enqueueAll();
  };
  nodes.on({ add: onNodes, update: onNodes, delete: onNodes });
  providers.on({ add: syncProviders, update: syncProviders, delete: syncProviders });
  secrets.on({ add: syncProviders, update: syncProviders, delete: syncProviders });

  await Promise.all(informers.map(async (i) => await i.start()));
  lastTargets = targetsFingerprint(targetsOf(nodes.list()));
  log.info({ identity, services: services.list().length, nodes: nodes.list().length }, 'caches synced');

  const startWork = async (): Promise<void> => {
    if (work !== undefined || stopping) return;
    const abort = new AbortController();
    const queue = new WorkQueue({
      backoff: {
        ...(options.backoff?.baseMs ? { baseMs: options.backoff.baseMs } : {}),
        ...(options.backoff?.maxMs ? { maxMs: options.backoff.maxMs } : {}),
      },
      onDepthChange: (depth) => metrics.queueDepth.set(depth),
    });
    const manager = new ProviderManager({
      registry: options.registry,
      clusterName,
      namespace,
      // The API server validated these against the CRD's structural schema.
      listProviders: () => providers.list() as unknown as ProviderObject[],
      getSecret: (name) => secrets.get(name, namespace),
      custom,
      events,
      log: log.child({ part: 'providers' }),
      countCall: (provider, operation) => metrics.cloudCalls.inc({ provider, operation }),
      onChange: (name) =>
        enqueueAll((s) => {
          const resolution = resolveProvider(s, manager.classes());
          return (
            s.metadata?.annotations?.[PROVIDER_ANNOTATION] === name ||
            (resolution.kind === 'provider' && resolution.name === name) ||
            resolution.kind === 'ambiguousDefault'
          );
        }),
    });
    const reconciler = new Reconciler({
      clusterName,
      getService: (ns, name) => services.get(name, ns),
      nodes: () => nodes.list(),
      classes: () => manager.classes(),
      providers: manager,
      writer,
      events,
      log: log.child({ part: 'reconcile' }),
    });
    const sweeper =
      options.sweep?.enabled === false
        ? undefined
        : new OrphanSweeper({
            clusterName,
            synced,
            services: () => services.list(),
            classes: () => manager.classes(),
            handles: () => manager.handles(),
            graceMs: options.sweep?.graceMs ?? 300_000,
            events,
            log: log.child({ part: 'sweep' }),
          });
    const current: Work = { abort, queue, manager, reconciler, sweeper, workers: [], timers: [] };
    work = current;
    log.info({ identity }, 'started leading: reconciling');
    await manager.sync();
    enqueueAll();
    for (let i = 0; i < (options.workers ?? 4); i++) current.workers.push(runWorker(current));
    if (sweeper !== undefined) {
      const sweep = (): void => {
        void sweeper.sweepOnce(abort.signal).catch((err: unknown) => log.warn({ err: errorText(err) }, 'sweep failed'));
      };
      sweep();
      current.timers.push(setInterval(sweep, options.sweep?.intervalMs ?? 600_000));
    }
    const resyncMs = options.resyncIntervalMs ?? 3_600_000;
    current.timers.push(
      setInterval(() => {
        reconciler.forgetAll();
        enqueueAll();
      }, resyncMs),
    );
    current.timers.push(setInterval(() => void manager.sync(), PROVIDER_RESYNC_MS));
    lastCounts = '';
    refreshCounts();
  };

  const countServices = (): Map<string, number> => {
    const counts = new Map<string, number>();
    for (const s of services.list()) {
      const owner = s.metadata?.annotations?.[PROVIDER_ANNOTATION];
      if (owner !== undefined && (s.metadata?.finalizers ?? []).includes(FINALIZER))
        counts.set(owner, (counts.get(owner) ?? 0) + 1);
    }
    return counts;
  };

  const runWorker = async (current: Work): Promise<void> => {
    for (;;) {
      const key = await current.queue.get();
      if (key === undefined) return;
      const started = performance.now();
      let outcome: Outcome;
      try {
        outcome = await current.reconciler.reconcile(key, current.abort.signal);
      } catch (err) {
        outcome = { kind: 'retry', error: err };
      }
      const slash = key.indexOf('/');
      const provider =
        services.get(key.slice(slash + 1), key.slice(0, slash))?.metadata?.annotations?.[PROVIDER_ANNOTATION] ?? '';
      metrics.reconcileDuration.observe({ provider }, (performance.now() - started) / 1000);
      reconcileCount += 1;
      if (current.abort.signal.aborted) {
        current.queue.done(key);
        continue;
      }
      switch (outcome.kind) {
        case 'done':
        case 'permanent':
          metrics.reconciles.inc({ result: outcome.kind === 'done' ? 'success' : 'permanent' });
          current.queue.forget(key);
          break;
        case 'requeueAfter':
          metrics.reconciles.inc({ result: 'requeue' });
          current.queue.forget(key);
          current.queue.addAfter(key, outcome.delayMs);
          break;
        case 'retry':
          metrics.reconciles.inc({ result: 'error' });
          metrics.reconcileErrors.inc({ provider });
          log.warn(
            { service: key, provider, err: errorText(outcome.error), failures: current.queue.failures(key) + 1 },
            'reconcile failed; retrying with backoff',
          );
          current.queue.addRateLimited(key);
          break;
      }
      current.queue.done(key);
    }
  };

  /** Stop taking work; give in-flight reconciles drainMs, then abort them (the finalizer keeps that safe). */
  const stopWork = async (): Promise<void> => {
    const current = work;
    if (current === undefined) return;
    work = undefined;
    for (const timer of current.timers) clearInterval(timer);
    clearTimeout(countTimer);
    countTimer = undefined;
    current.queue.shutDown();
    const drained = Promise.all(current.workers);
    const timeout = new Promise<void>((resolve) => setTimeout(resolve, options.drainMs ?? 10_000).unref());
    await Promise.race([drained, timeout]);
    current.abort.abort(new Error('operator stopping'));
    await drained;
    await current.manager.close();
    log.info({ identity }, 'stopped reconciling');
  };

  let elector: LeaderElector | undefined;
  let electing: Promise<void> | undefined;
  if (options.leaderElect === true) {
    elector = new LeaderElector({
      kc,
      namespace,
      name: options.leaseName ?? 'cloud-lb-operator',
      identity,
      ...(options.lease?.durationMs ? { leaseDurationMs: options.lease.durationMs } : {}),
      ...(options.lease?.renewDeadlineMs ? { renewDeadlineMs: options.lease.renewDeadlineMs } : {}),
      ...(options.lease?.retryPeriodMs ? { retryPeriodMs: options.lease.retryPeriodMs } : {}),
      log: log.child({ part: 'leader' }),
    });
    const campaigner = elector;
    // After losing the lease, stop work and stand again as a candidate; the caches stay warm.
    electing = (async () => {
      while (!stopping) {
        await campaigner.run({
          onStartedLeading: async () => await startWork(),
          onStoppedLeading: () => {
            if (!stopping) log.warn({ identity }, 'lost the lease: stopping work');
            void stopWork();
          },
        });
      }
    })();
  } else {
    await startWork();
  }

  const servers: Array<{ close(): Promise<void>; port: number }> = [];
  const enabled = (addr: string | undefined): addr is string => addr !== undefined && addr !== '0';
  const health = enabled(options.healthAddr)
    ? await startHealthServer({ addr: options.healthAddr, ready: synced, log })
    : undefined;
  const metricsServer = enabled(options.metricsAddr)
    ? await startMetricsServer({ addr: options.metricsAddr, registry: metrics.registry, log })
    : undefined;
  if (health) servers.push(health);
  if (metricsServer) servers.push(metricsServer);

  return {
    identity,
    metrics,
    healthPort: health?.port,
    metricsPort: metricsServer?.port,
    isLeader: () => work !== undefined,
    ready: synced,
    reconciles: () => reconcileCount,
    sweepNow: async () => {
      const current = work;
      if (current?.sweeper === undefined) return 0;
      return (await current.sweeper.sweepOnce(current.abort.signal)).length;
    },
    stop: async () => {
      if (stopping) return;
      stopping = true;
      await stopWork();
      if (elector !== undefined) {
        await elector.release();
        await electing?.catch(() => undefined);
      }
      await Promise.allSettled(informers.map(async (i) => await i.stop()));
      await events.flush();
      await Promise.allSettled(servers.map(async (s) => await s.close()));
      log.info({ identity }, 'operator stopped');
    },
  };
}
