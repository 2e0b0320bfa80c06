import { createHash } from 'node:crypto';
import type { V1Node, V1Service } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { Capabilities, LoadBalancerProvider, LoadBalancerStatus } from '../provider/contract.ts';
import { PermanentError, RetryAfterError } from '../provider/errors/index.ts';
import { resolveProvider, type ClassIndex } from './classes.ts';
import { FINALIZER, PROVIDER_ANNOTATION, Reason } from './constants.ts';
import { buildDesired, listenersOf, refOf, serviceKey, userAnnotations } from './desired.ts';
import {
  ensuredMessage,
  errorText,
  noNodesMessage,
  problemsMessage,
  readyMessage,
  refusedWarning,
} from './messages.ts';
import { targetsOf } from './nodes.ts';
import type { ServiceWriter } from './service-writer.ts';
import {
  conditionFor,
  currentCondition,
  hasOurStatus,
  loadBalancerStatus,
  ReadyReason,
  statusPatch,
  type ReadyCondition,
} from './status.ts';
import { validate } from './validate.ts';

/** A built provider, as the provider manager hands it out. */
export interface ProviderHandle {
  readonly name: string;
  readonly type: string;
  /** Changes whenever the provider is rebuilt (spec or Secret changed): memoised verdicts expire. */
  readonly instanceId: number;
  readonly provider: LoadBalancerProvider;
  readonly capabilities: Capabilities;
}

export type ProviderLookup =
  | { readonly state: 'ready'; readonly handle: ProviderHandle }
  | { readonly state: 'notReady'; readonly message: string }
  | { readonly state: 'missing' };

export interface EventSink {
  record(
    object: {
      kind: string;
      apiVersion: string;
      namespace?: string;
      name: string;
      uid?: string;
      resourceVersion?: string;
    },
    type: 'Normal' | 'Warning',
    reason: string,
    message: string,
  ): void;
}

export interface ReconcilerDeps {
  readonly clusterName: string;
  readonly getService: (namespace: string, name: string) => V1Service | undefined;
  readonly nodes: () => readonly V1Node[];
  readonly classes: () => ClassIndex;
  readonly providers: {
    lookup(name: string): ProviderLookup;
    /** Every LoadBalancerProvider object's name, ready or not. */
    names(): readonly string[];
  };
  readonly writer: ServiceWriter;
  readonly events: EventSink;
  readonly log: Logger;
  readonly now?: () => Date;
}

/** The closed set of results a reconcile can have; the worker maps each onto the queue. */
export type Outcome =
  | { readonly kind: 'done' }
  | { readonly kind: 'requeueAfter'; readonly delayMs: number }
  | { readonly kind: 'retry'; readonly error: unknown }
  | { readonly kind: 'permanent' };

const DONE: Outcome = { kind: 'done' };
const PERMANENT: Outcome = { kind: 'permanent' };

interface Memo {
  /** Fingerprint of what was last asked of the cloud (desired + provider instance). */
  fingerprint?: string;
  outcome?: 'ok' | 'permanent';
  wanted?: { loadBalancer?: NonNullable<V1Service['status']>['loadBalancer']; ready: ReadyCondition };
  /** Event texts already emitted, so retries and resyncs repeat none of them. */
  said: Set<string>;
}

/**
 * reconcile(key): the one place that decides whether a Service's load balancer is ensured,
 * deleted, or left alone. Reads the latest Service from the cache, never a queued snapshot.
 */
export class Reconciler {
  readonly #deps: ReconcilerDeps;
  readonly #memo = new Map<string, Memo>();

  constructor(deps: ReconcilerDeps) {
    this.#deps = deps;
  }

  /** Drops every memoised verdict: the next reconcile of each Service asks the cloud again (drift check). */
  forgetAll(): void {
    for (const memo of this.#memo.values()) {
      delete memo.fingerprint;
      delete memo.outcome;
    }
  }

  forget(uid: string): void {
    this.#memo.delete(uid);
  }

  async reconcile(key: string, signal: AbortSignal): Promise<Outcome> {
    const slash = key.indexOf('/');
    let service = this.#deps.getService(key.slice(0, slash), key.slice(slash + 1));
    if (service === undefined) return DONE;

    const finalizers = service.metadata?.finalizers ?? [];
    const owner = service.metadata?.annotations?.[PROVIDER_ANNOTATION];
    const resolution = resolveProvider(service, this.#deps.classes());
    const deleting = Boolean(service.metadata?.deletionTimestamp);
    const wanted = !deleting && resolution.kind === 'provider' ? resolution.name : undefined;

    if (finalizers.includes(FINALIZER) && (wanted === undefined || (owner !== undefined && owner !== wanted))) {
      const result = await this.#cleanup(service, owner ?? wanted, signal);
      if (result.outcome !== undefined) return result.outcome;
      if (wanted === undefined || result.service === undefined) return DONE;
      service = result.service;
    }
    if (wanted === undefined) {
      if (resolution.kind === 'ambiguousDefault' && !deleting) await this.#ambiguous(service, resolution.names);
      // A condition we wrote while the Service waited (bad input, provider not ready) goes once the
      // Service is no longer ours; the ingress is left alone, it may be another controller's.
      else if (!deleting && currentCondition(service) !== undefined)
        await this.#deps.writer.clearStatus(service, { keepIngress: true });
      return DONE;
    }
    return await this.#ensure(service, wanted, signal);
  }

  #memoOf(service: V1Service): Memo {
    const uid = service.metadata?.uid ?? '';
    let memo = this.#memo.get(uid);
    if (memo === undefined) {
      memo = { said: new Set() };
      this.#memo.set(uid, memo);
    }
    return memo;
  }

  /** Emits an event once per distinct text while the memo lives. */
  #sayOnce(service: V1Service, memo: Memo, type: 'Normal' | 'Warning', reason: string, message: string): void {
    const key = `${type}/${reason}/${message}`;
    if (memo.said.has(key)) return;
    memo.said.add(key);
    this.#emit(service, type, reason, message);
  }

  #emit(service: V1Service, type: 'Normal' | 'Warning', reason: string, message: string): void {
    const meta = service.metadata;
    this.#deps.events.record(
      {
        kind: 'Service',
        apiVersion: 'v1',
        name: meta?.name ?? '',
        ...(meta?.namespace ? { namespace: meta.namespace } : {}),
        ...(meta?.uid ? { uid: meta.uid } : {}),
        ...(meta?.resourceVersion ? { resourceVersion: meta.resourceVersion } : {}),
      },
      type,
      reason,
      message,
    );
  }

  async #writeStatus(
    service: V1Service,
    loadBalancer: NonNullable<V1Service['status']>['loadBalancer'] | undefined,
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
    const memo = this.#memoOf(service);
    this.#sayOnce(service, memo, 'Warning', Reason.SyncFailed, message);
    await this.#writeStatus(service, undefined, { status: 'False', reason: ReadyReason.InvalidSpec, message });
  }

  async #ensure(service: V1Service, providerName: string, signal: AbortSignal): Promise<Outcome> {
    const { log } = this.#deps;
    const key = serviceKey(service);
    const memo = this.#memoOf(service);
    const lookup = this.#deps.providers.lookup(providerName);
    if (lookup.state !== 'ready') {
      // Waits without any cloud call; the provider manager re-queues its Services when it changes.
      const why = lookup.state === 'missing' ? 'does not exist' : `is not ready: ${lookup.message}`;
      await this.#writeStatus(service, undefined, {
        status: 'False',
        reason: ReadyReason.ProviderNotReady,
        message: `LoadBalancerProvider ${providerName} ${why}`,
      });
      return DONE;
    }
    const { handle } = lookup;
    const identity = { name: handle.name, type: handle.type };
    let interpretation;
    try {
      interpretation = handle.provider.interpret(userAnnotations(service));
    } catch (err) {
      interpretation = {
        scheme: 'External' as const,
        problems: [{ field: 'metadata.annotations', message: errorText(err) }],
      };
    }
    const nodes = this.#deps.nodes();
    const targets = targetsOf(nodes);
    const desired = buildDesired({ service, targets, clusterName: this.#deps.clusterName, interpretation });
    const validation = validate({
      service,
      desired,
      capabilities: handle.capabilities,
      interpretation,
      provider: identity,
    });
    const hasFinalizer = (service.metadata?.finalizers ?? []).includes(FINALIZER);
    const fingerprint = createHash('sha256')
      .update(JSON.stringify([handle.name, handle.instanceId, desired, validation]))
      .digest('base64url');

    if (
      memo.fingerprint === fingerprint &&
      memo.wanted !== undefined &&
      (memo.outcome === 'permanent' || hasFinalizer)
    ) {
      await this.#writeStatus(service, memo.wanted.loadBalancer, memo.wanted.ready);
      return memo.outcome === 'permanent' ? PERMANENT : DONE;
    }

    if (validation.problems.length > 0) {
      const message = problemsMessage(validation.problems);
      const ready: ReadyCondition = { status: 'False', reason: ReadyReason.InvalidSpec, message };
      if (currentCondition(service)?.message !== message) {
        this.#sayOnce(service, memo, 'Warning', Reason.SyncFailed, `Cannot ensure load balancer: ${message}`);
      }
      await this.#writeStatus(service, undefined, ready);
      Object.assign(memo, { fingerprint, outcome: 'permanent', wanted: { ready } });
      log.info(
        { service: key, provider: handle.name, problems: validation.problems },
        'service has invalid load balancer settings',
      );
      return PERMANENT;
    }

    if (!hasFinalizer || service.metadata?.annotations?.[PROVIDER_ANNOTATION] !== handle.name) {
      service = await this.#deps.writer.claim(service, handle.name);
    }
    const shownPorts = JSON.stringify(
      (service.status?.loadBalancer?.ingress?.[0]?.ports ?? []).map((p) => [p.port, p.protocol]),
    );
    const allPorts = listenersOf(service);
    const creating = (service.status?.loadBalancer?.ingress ?? []).length === 0;
    if (creating || shownPorts !== JSON.stringify(allPorts.map((p) => [p.port, p.protocol]))) {
      this.#sayOnce(
        service,
        memo,
        'Normal',
        Reason.Ensuring,
        `Ensuring load balancer with listeners ${validation.listeners.map((l) => `${l.port}/${l.protocol}`).join(', ')}`,
      );
    }

    let status: LoadBalancerStatus;
    try {
      status = await handle.provider.ensure({ ...desired, listeners: validation.listeners }, signal);
    } catch (err) {
      return await this.#ensureFailed(service, memo, fingerprint, err, creating);
    }

    const loadBalancer = loadBalancerStatus(status.ingress, allPorts, validation.refused);
    const ready: ReadyCondition =
      targets.length === 0
        ? { status: 'False', reason: ReadyReason.NoEligibleNodes, message: noNodesMessage(nodes.length) }
        : validation.refused.length > 0
          ? {
              status: 'True',
              reason: ReadyReason.PortsRefused,
              message: readyMessage(status, validation.listeners, validation.refused),
            }
          : { status: 'True', reason: ReadyReason.Ensured, message: readyMessage(status, validation.listeners, []) };

    if (status.changed) {
      const verb = creating ? 'Ensured' : 'Updated';
      const message = ensuredMessage(verb, status, validation.listeners, validation.refused, targets.length);
      this.#emit(service, 'Normal', creating ? Reason.Ensured : Reason.Updated, message);
      log.info(
        { service: key, provider: handle.name, lb: desired.name, summary: status.summary },
        `${verb.toLowerCase()} load balancer`,
      );
    }
    const previous = currentCondition(service);
    if (validation.refused.length > 0 && (status.changed || previous?.message !== ready.message)) {
      this.#sayOnce(
        service,
        memo,
        'Warning',
        Reason.SyncFailed,
        refusedWarning(validation.refused, validation.listeners),
      );
    }
    if (targets.length === 0 && (status.changed || previous?.reason !== ready.reason)) {
      this.#sayOnce(service, memo, 'Warning', Reason.Unavailable, ready.message);
    }
    await this.#writeStatus(service, loadBalancer, ready);
    memo.said.clear();
    Object.assign(memo, { fingerprint, outcome: 'ok', wanted: { loadBalancer, ready } });
    return DONE;
  }

  async #ensureFailed(
    service: V1Service,
    memo: Memo,
    fingerprint: string,
    err: unknown,
    creating: boolean,
  ): Promise<Outcome> {
    const key = serviceKey(service);
    delete memo.fingerprint;
    if (err instanceof RetryAfterError) {
      if (creating) {
        await this.#writeStatus(service, undefined, {
          status: 'False',
          reason: ReadyReason.Provisioning,
          message: `The load balancer is being provisioned: ${err.message}`,
        });
      }
      return { kind: 'requeueAfter', delayMs: err.delayMs };
    }
    const message = `Error syncing load balancer: ${errorText(err)}`;
    this.#sayOnce(service, memo, 'Warning', Reason.SyncFailed, message);
    // A working load balancer stays "ready" through a transient error; a new one shows why it is not.
    if (creating || err instanceof PermanentError) {
      const ready: ReadyCondition = { status: 'False', reason: ReadyReason.SyncFailed, message };
      await this.#writeStatus(service, undefined, ready);
      if (err instanceof PermanentError) Object.assign(memo, { fingerprint, outcome: 'permanent', wanted: { ready } });
    }
    if (err instanceof PermanentError) {
      this.#deps.log.warn({ service: key, err: errorText(err) }, 'provider refused the load balancer');
      return PERMANENT;
    }
    return { kind: 'retry', error: err };
  }

  /**
   * Deletes the load balancer, then clears status and removes the finalizer. The finalizer stays
   * on any failure: a leaked cloud resource is worse than a Service that waits.
   */
  async #cleanup(
    service: V1Service,
    providerName: string | undefined,
    signal: AbortSignal,
  ): Promise<{ outcome?: Outcome; service?: V1Service }> {
    const key = serviceKey(service);
    const memo = this.#memoOf(service);
    // Without the annotation any provider may hold it: ask them all, and wait for any not ready.
    const names = providerName !== undefined ? [providerName] : this.#deps.providers.names();
    const handles: ProviderHandle[] = [];
    for (const name of names) {
      const lookup = this.#deps.providers.lookup(name);
      if (lookup.state === 'ready') {
        handles.push(lookup.handle);
        continue;
      }
      const why = lookup.state === 'missing' ? 'does not exist' : `is not ready (${lookup.message})`;
      this.#sayOnce(
        service,
        memo,
        'Warning',
        Reason.DeleteFailed,
        `Cannot delete load balancer: LoadBalancerProvider ${name} ${why}; the finalizer ${FINALIZER} stays until it can.`,
      );
      return { outcome: DONE };
    }
    const ref = refOf(service, this.#deps.clusterName);
    this.#sayOnce(service, memo, 'Normal', Reason.Deleting, `Deleting load balancer ${ref.name}`);
    try {
      for (const handle of handles) await handle.provider.delete(ref, signal);
    } catch (err) {
      if (err instanceof RetryAfterError) return { outcome: { kind: 'requeueAfter', delayMs: err.delayMs } };
      this.#sayOnce(
        service,
        memo,
        'Warning',
        Reason.DeleteFailed,
        `Error deleting load balancer ${ref.name}: ${errorText(err)}`,
      );
      return { outcome: { kind: 'retry', error: err } };
    }
    this.#emit(service, 'Normal', Reason.Deleted, `Deleted load balancer ${ref.name}`);
    this.#deps.log.info({ service: key, provider: names.join(','), lb: ref.name }, 'deleted load balancer');
    let current: V1Service | undefined = service;
    if (!service.metadata?.deletionTimestamp && hasOurStatus(service))
      current = await this.#deps.writer.clearStatus(service);
    current = current === undefined ? undefined : await this.#deps.writer.release(current);
    this.#memo.delete(service.metadata?.uid ?? '');
    return current === undefined ? { outcome: DONE } : { service: current };
  }
}
