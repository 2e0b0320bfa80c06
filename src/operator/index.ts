import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { CoreV1Api, CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import { Registry } from 'prom-client';
import type { Logger } from 'pino';
import { KubeServiceWriter } from '../controller/service-writer.ts';
import { withConnectionReuse } from '../kube/client.ts';
import { EventRecorder } from '../kube/events.ts';
import { createMetrics, type Metrics } from '../kube/metrics.ts';
import { silentLogger } from '../log.ts';
import type { ProviderRegistry } from '../provider/registry.ts';
import { campaignUntilStopped, createElector } from './election.ts';
import { createInformers, informersSynced, routeEvents, startInformers, stopInformers } from './informers.ts';
import { startServers } from './servers.ts';
import { Leadership } from './leadership.ts';

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
  /** Informers synced and this replica started (the /readyz answer). */
  ready(): boolean;
  /** Reconciles finished since start (all outcomes). */
  reconciles(): number;
  /** Runs one orphan sweep now (leader only); resolves with how many load balancers it deleted. */
  sweepNow(): Promise<number>;
  /** Stop taking work, finish or abandon in-flight reconciles, release the lease, stop watching. */
  stop(): Promise<void>;
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

  const informers = createInformers({ kc, namespace, registry: options.registry, metrics, log });
  // The servers come first: a liveness probe must get its answer while the caches still fill
  // (seconds on a loaded node); only /readyz waits for them.
  let started = false;
  const synced = (): boolean => started && informersSynced(informers);
  const servers = await startServers(options, synced, metrics, log);
  try {
    await startInformers(informers);
  } catch (err) {
    await stopInformers(informers);
    await servers.close();
    throw err;
  }
  const [services, nodes] = [informers.services.list().length, informers.nodes.list().length];
  log.info({ identity, services, nodes }, 'caches synced');

  let reconcileCount = 0;
  const leadership = new Leadership(
    {
      informers,
      registry: options.registry,
      clusterName,
      namespace,
      custom,
      writer: new KubeServiceWriter(core),
      events,
      metrics,
      log,
      settings: options,
      onReconciled: () => (reconcileCount += 1),
    },
    identity,
  );
  routeEvents(informers, () => leadership.current());

  const elector = options.leaderElect === true ? createElector(kc, namespace, identity, options, log) : undefined;
  // With leader election, terms follow the Lease; without it, this replica leads from the start.
  const electing =
    elector &&
    campaignUntilStopped({
      elector,
      startTerm: () => leadership.start(),
      endTerm: () => leadership.end(),
      stopping: () => leadership.isClosed(),
      onLost: () => log.warn({ identity }, 'lost the lease: stopping work'),
    });
  if (elector === undefined) await leadership.start();
  started = true;

  return {
    identity,
    metrics,
    healthPort: servers.healthPort,
    metricsPort: servers.metricsPort,
    isLeader: () => leadership.current() !== undefined,
    ready: synced,
    reconciles: () => reconcileCount,
    sweepNow: async () => (await leadership.current()?.sweepNow()) ?? 0,
    stop: async () => {
      if (leadership.isClosed()) return;
      await leadership.close();
      if (elector !== undefined) {
        await elector.release();
        await electing?.catch(() => undefined);
      }
      await stopInformers(informers);
      await events.flush();
      await servers.close();
      log.info({ identity }, 'operator stopped');
    },
  };
}
