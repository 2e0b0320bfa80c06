import type { V1EndpointSlice, V1LoadBalancerStatus, V1Node, V1Service } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { LoadBalancerStatus, SkippedTarget } from '../provider/contract.ts';
import { resolveProvider, type ClassIndex } from './classes.ts';
import { cleanUp, type CleanupResult } from './cleanup.ts';
import { Reason } from './constants.ts';
import {
  cleanupNeeded,
  ensuredEvents,
  ensureFailure,
  ensuringEvent,
  isCreating,
  readyAfterEnsure,
  unwantedAction,
  wantedProvider,
  type ServiceEvent,
} from './decide.ts';
import { listenersOf, serviceKey } from './desired.ts';
import { migratedFinalizers } from './finalizers.ts';
import { allSkipped, carriedCount } from './eligibility.ts';
import { MemoStore, SharedTargets, type EnsureRequest, type Memo } from './memo.ts';
import { errorText } from './messages.ts';
import { DONE, PERMANENT, type Outcome } from './outcome.ts';
import { planEnsure, type Plan } from './plan.ts';
import type { ProviderDirectory } from './provider-handle.ts';
import { recordEvent, type EventSink } from './service-events.ts';
import type { ServiceWriter } from './service-writer.ts';
import {
  conditionFor,
  currentCondition,
  loadBalancerStatus,
  ReadyReason,
  statusPatch,
  type ReadyCondition,
} from './status.ts';
import { withProviderRefusals } from './validate.ts';

export type { Outcome } from './outcome.ts';

/** How soon a Service waiting for the EndpointSlice cache to sync is tried again. */
const ENDPOINT_CACHE_WAIT_MS = 500;
export type { ProviderHandle, ProviderLookup } from './provider-handle.ts';
export type { EventSink } from './service-events.ts';

export interface ReconcilerDeps {
  readonly clusterName: string;
  readonly getService: (namespace: string, name: string) => V1Service | undefined;
  readonly nodes: () => readonly V1Node[];
  /** The node cache's revision (SupervisedInformer.revision); without it targets are rebuilt every reconcile. */
  readonly nodesRevision?: () => number;
  readonly classes: () => ClassIndex;
  readonly providers: ProviderDirectory;
  readonly writer: ServiceWriter;
  readonly events: EventSink;
  readonly log: Logger;
  readonly now?: () => Date;
  /**
   * The Service's EndpointSlices (for providers with endpoint targets); undefined while their
   * cache has not synced. Without it a Service has none.
   */
  readonly endpointSlices?: (namespace: string, serviceName: string) => readonly V1EndpointSlice[] | undefined;
  /** Told, after each accepted ensure, which eligible nodes the provider could not use (for a metric). */
  readonly notTargets?: (providerName: string, skipped: readonly SkippedTarget[]) => void;
}

/**
 * reconcile(key): the one place that decides whether a Service's load balancer is ensured,
 * deleted, or left alone. Reads the latest Service from the cache, never a queued snapshot. The
 * decisions are pure (decide.ts, plan.ts); this class reads, applies them, and remembers.
 */
export class Reconciler {
  readonly #deps: ReconcilerDeps;
  readonly #memos = new MemoStore();
  readonly #targets = new SharedTargets();

  constructor(deps: ReconcilerDeps) {
    this.#deps = deps;
  }

  /** Drops every memoised verdict: the next reconcile of each Service asks the cloud again (drift check). */
  forgetAll(): void {
    this.#memos.forgetAll();
  }

  forget(uid: string): void {
    this.#memos.forget(uid);
  }

  async reconcile(key: string, signal: AbortSignal): Promise<Outcome> {
    const slash = key.indexOf('/');
    let service = this.#deps.getService(key.slice(0, slash), key.slice(slash + 1));
    if (service === undefined) return DONE;

    const resolution = resolveProvider(service, this.#deps.classes());
    const wanted = wantedProvider(service, resolution);
    const cleanup = cleanupNeeded(service, wanted);
    if (cleanup !== undefined) {
      this.#deps.log.debug({ service: key, reason: cleanup.reason }, 'load balancer cleanup needed');
      const result = await this.#cleanup(service, cleanup.provider, signal);
      if (result.kind === 'pending') return result.outcome;
      if (wanted === undefined || result.service === undefined) return DONE;
      service = result.service;
    }
    if (wanted === undefined) {
      const action = unwantedAction(service, resolution);
      if (action.kind === 'warnAmbiguousDefault') await this.#ambiguous(service, action.providers);
      else if (action.kind === 'clearCondition') await this.#deps.writer.clearStatus(service, { keepIngress: true });
      return DONE;
    }
    const migrated = migratedFinalizers(service);
    if (migrated !== undefined) service = await this.#migrateFinalizer(service, migrated);
    return await this.#ensure(service, wanted, signal);
  }

  /** Swaps the legacy finalizer for upstream's: a Service write, never a cloud call. */
  async #migrateFinalizer(service: V1Service, finalizers: readonly string[]): Promise<V1Service> {
    const migrated = await this.#deps.writer.replaceFinalizers(service, finalizers);
    this.#deps.log.info(
      { service: serviceKey(service), finalizers },
      'moved the Service to the upstream cleanup finalizer',
    );
    return migrated;
  }

  #memoOf(service: V1Service): Memo {
    return this.#memos.of(service.metadata?.uid ?? '');
  }

  /** Deletes the load balancer (cleanup.ts); the memo goes with it. */
  async #cleanup(service: V1Service, providerName: string | undefined, signal: AbortSignal): Promise<CleanupResult> {
    const memo = this.#memoOf(service);
    const say = (event: ServiceEvent): void => this.#say(service, memo, event);
    const result = await cleanUp({ ...this.#deps, say }, service, providerName, signal);
    if (result.kind === 'released') this.#memos.forget(service.metadata?.uid ?? '');
    return result;
  }

  #say(service: V1Service, memo: Memo, event: ServiceEvent): void {
    recordEvent(this.#deps.events, service, memo.said, event);
  }

  async #writeStatus(
    service: V1Service,
    loadBalancer: V1LoadBalancerStatus | undefined,
    ready: ReadyCondition,
  ): Promise<boolean> {
    const condition = conditionFor(service, ready, this.#deps.now?.() ?? new Date());
    const patch = statusPatch(service, { ...(loadBalancer ? { loadBalancer } : {}), condition });
    if (patch === undefined) return false;
    await this.#deps.writer.patchStatus(service, patch);
    return true;
  }

  async #ambiguous(service: V1Service, names: readonly string[]): Promise<void> {
    const message = `LoadBalancerProviders ${names.join(', ')} are all marked spec.default, so none serves this Service, which has no spec.loadBalancerClass; set spec.loadBalancerClass or leave one provider default.`;
    this.#say(service, this.#memoOf(service), { type: 'Warning', reason: Reason.SyncFailed, message, once: true });
    await this.#writeStatus(service, undefined, { status: 'False', reason: ReadyReason.InvalidSpec, message });
  }

  async #ensure(service: V1Service, providerName: string, signal: AbortSignal): Promise<Outcome> {
    const memo = this.#memoOf(service);
    const nodes = this.#deps.nodes();
    const plan = planEnsure({
      service,
      providerName,
      lookup: this.#deps.providers.lookup(providerName),
      targets: this.#targets.of(nodes, this.#deps.nodesRevision?.()),
      clusterName: this.#deps.clusterName,
      last: memo.last,
      endpointSlices: () =>
        this.#deps.endpointSlices === undefined
          ? []
          : this.#deps.endpointSlices(service.metadata?.namespace ?? '', service.metadata?.name ?? ''),
    });
    const log = { service: serviceKey(service), provider: providerName };
    switch (plan.kind) {
      case 'wait':
        await this.#writeStatus(service, undefined, plan.ready);
        return DONE;
      case 'pending':
        this.#deps.log.debug(log, 'waiting for the EndpointSlice cache');
        return { kind: 'requeueAfter', delayMs: ENDPOINT_CACHE_WAIT_MS };
      case 'unchanged':
        this.#deps.log.debug(log, 'load balancer unchanged since the last ensure');
        await this.#writeStatus(service, plan.last.status.loadBalancer, plan.last.status.ready);
        return plan.last.outcome === 'permanent' ? PERMANENT : DONE;
      case 'refuse': {
        this.#deps.log.debug({ ...log, reason: plan.why }, 'checking load balancer settings');
        if (plan.warning !== undefined) this.#say(service, memo, plan.warning);
        await this.#writeStatus(service, undefined, plan.ready);
        memo.last = { kind: 'settled', request: plan.request, outcome: 'permanent', status: { ready: plan.ready } };
        const problems = plan.request.validation.problems;
        this.#deps.log.info({ ...log, problems }, 'service has invalid load balancer settings');
        return PERMANENT;
      }
      case 'ensure':
        this.#deps.log.debug({ ...log, reason: plan.why }, 'ensuring load balancer');
        return await this.#callCloud(service, memo, plan, nodes.length, signal);
    }
  }

  /** Claims the Service, asks the cloud, then shows and remembers the verdict. */
  async #callCloud(
    service: V1Service,
    memo: Memo,
    plan: Extract<Plan, { kind: 'ensure' }>,
    nodeCount: number,
    signal: AbortSignal,
  ): Promise<Outcome> {
    const { handle, request } = plan;
    const { validation } = request;
    if (plan.claim) service = await this.#deps.writer.claim(service, handle.name);
    const creating = isCreating(service);
    const ensuring = ensuringEvent(service, validation.listeners);
    if (ensuring !== undefined) this.#say(service, memo, ensuring);

    let status: LoadBalancerStatus;
    try {
      status = await handle.provider.ensure(plan.lb, signal);
    } catch (err) {
      return await this.#ensureFailed(service, memo, request, err, creating);
    }

    const skippedByEnsure = status.skippedTargets ?? [];
    const targetCount = carriedCount(plan.lb.targets, skippedByEnsure);
    const notTargets = allSkipped(plan.notTargets, skippedByEnsure);
    this.#deps.notTargets?.(handle.name, notTargets);
    const served = withProviderRefusals(validation, status.refusedListeners ?? [], handle);
    const loadBalancer = loadBalancerStatus(status.ingress, listenersOf(service), served.refused);
    const ready = readyAfterEnsure(status, served, { targets: targetCount, nodes: nodeCount, notTargets });
    const previous = currentCondition(service);
    const events = ensuredEvents({ previous, creating, status, validation: served, targetCount, notTargets, ready });
    for (const event of events) this.#say(service, memo, event);
    if (status.changed) {
      this.#deps.log.info(
        {
          service: serviceKey(service),
          provider: handle.name,
          lb: plan.lb.name,
          summary: status.summary,
          ...(notTargets.length > 0 ? { notTargets } : {}),
        },
        `${creating ? 'ensured' : 'updated'} load balancer`,
      );
    }
    await this.#writeStatus(service, loadBalancer, ready);
    memo.said.clear();
    memo.last = { kind: 'settled', request, outcome: 'ok', status: { loadBalancer, ready } };
    return DONE;
  }

  async #ensureFailed(
    service: V1Service,
    memo: Memo,
    request: EnsureRequest,
    err: unknown,
    creating: boolean,
  ): Promise<Outcome> {
    memo.last = { kind: 'failed' };
    const verdict = ensureFailure(err, creating);
    if (verdict.warning !== undefined) this.#say(service, memo, verdict.warning);
    if (verdict.ready !== undefined) await this.#writeStatus(service, undefined, verdict.ready);
    if (verdict.outcome.kind === 'permanent' && verdict.ready !== undefined) {
      memo.last = { kind: 'settled', request, outcome: 'permanent', status: { ready: verdict.ready } };
      this.#deps.log.warn({ service: serviceKey(service), err: errorText(err) }, 'provider refused the load balancer');
    }
    return verdict.outcome;
  }
}
