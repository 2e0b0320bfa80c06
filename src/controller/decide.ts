// The reconcile decisions, each a pure function of what the reconciler read: whether to clean up,
// which provider is wanted, why the cloud must be asked (or why not), and what to tell the user.
import { isDeepStrictEqual } from 'node:util';
import type { V1Condition, V1Service } from '@kubernetes/client-node';
import type { DesiredLoadBalancer, Listener, LoadBalancerStatus, SkippedTarget } from '../provider/contract.ts';
import { PermanentError, RetryAfterError } from '../provider/errors/index.ts';
import type { Resolution } from './classes.ts';
import { PROVIDER_ANNOTATION, Reason } from './constants.ts';
import { holdsCleanupFinalizer } from './finalizers.ts';
import { listenersOf } from './desired.ts';
import type { EnsureRequest, LastEnsure } from './memo.ts';
import {
  ensuredMessage,
  errorText,
  noNodesMessage,
  notTargetsSentence,
  readyMessage,
  refusedWarning,
} from './messages.ts';
import { PERMANENT, type Outcome } from './outcome.ts';
import { currentCondition, ReadyReason, type ReadyCondition } from './status.ts';
import type { Validation } from './validate.ts';

export function hasFinalizer(service: V1Service): boolean {
  return holdsCleanupFinalizer(service.metadata?.finalizers);
}

/** The provider whose load balancer the Service wants, or undefined when it wants none of ours. */
export function wantedProvider(service: V1Service, resolution: Resolution): string | undefined {
  if (service.metadata?.deletionTimestamp) return undefined;
  return resolution.kind === 'provider' ? resolution.name : undefined;
}

export interface Cleanup {
  readonly reason: 'deleting' | 'notWanted' | 'movedProvider';
  /** The provider that built it; undefined when the annotation is gone, so every provider is asked. */
  readonly provider: string | undefined;
}

/** Whether a load balancer we built must go first; `wanted` is wantedProvider's answer. */
export function cleanupNeeded(service: V1Service, wanted: string | undefined): Cleanup | undefined {
  if (!hasFinalizer(service)) return undefined;
  const provider = service.metadata?.annotations?.[PROVIDER_ANNOTATION];
  if (service.metadata?.deletionTimestamp) return { reason: 'deleting', provider };
  if (wanted === undefined) return { reason: 'notWanted', provider };
  if (provider !== undefined && provider !== wanted) return { reason: 'movedProvider', provider };
  return undefined;
}

/**
 * What to do for a Service that wants none of our load balancers. A condition we wrote while it
 * waited goes; the ingress stays, it may be another controller's.
 */
export type UnwantedAction =
  | { readonly kind: 'warnAmbiguousDefault'; readonly providers: readonly string[] }
  | { readonly kind: 'clearCondition' }
  | { readonly kind: 'nothing' };

export function unwantedAction(service: V1Service, resolution: Resolution): UnwantedAction {
  if (service.metadata?.deletionTimestamp) return { kind: 'nothing' };
  if (resolution.kind === 'ambiguousDefault') return { kind: 'warnAmbiguousDefault', providers: resolution.names };
  return { kind: currentCondition(service) !== undefined ? 'clearCondition' : 'nothing' };
}

/** The finalizer and the provider annotation go on before the first cloud write. */
export function needsClaim(service: V1Service, providerName: string): boolean {
  return !hasFinalizer(service) || service.metadata?.annotations?.[PROVIDER_ANNOTATION] !== providerName;
}

export type EnsureReason =
  | 'neverEnsured'
  | 'lastFailed'
  | 'resync'
  | 'providerChanged'
  | 'providerRebuilt'
  | 'finalizerMissing'
  | `desiredChanged: ${string}`;

/**
 * The parts of a request compared by name: `listeners` are those the provider is asked to carry,
 * `ports` every Service port (a refused port's change counts too). Anything else in
 * DesiredLoadBalancer is compared by otherParts.
 */
const NAMED_PARTS: readonly (readonly [string, (request: EnsureRequest) => unknown])[] = [
  ['listeners', (r) => r.validation.listeners],
  ['refusedPorts', (r) => r.validation.refused],
  ['problems', (r) => r.validation.problems],
  ['ports', (r) => r.desired.listeners],
  ['targets', (r) => r.desired.targets],
  ['scheme', (r) => r.desired.scheme],
  ['healthCheck', (r) => r.desired.healthCheck],
  ['sourceRanges', (r) => r.desired.sourceRanges],
  ['requestedAddress', (r) => r.desired.requestedAddress],
];

/** The DesiredLoadBalancer fields NAMED_PARTS does not name: each counts without being listed. */
function otherParts(desired: DesiredLoadBalancer): Map<string, unknown> {
  const {
    listeners: _listeners,
    targets: _targets,
    scheme: _scheme,
    healthCheck: _healthCheck,
    sourceRanges: _sourceRanges,
    requestedAddress: _requestedAddress,
    ...rest
  } = desired;
  return new Map(Object.entries(rest));
}

/** The first part of the request that differs, by name, or undefined when they are equal. */
function changedPart(before: EnsureRequest, now: EnsureRequest): string | undefined {
  for (const [part, of] of NAMED_PARTS) if (!isDeepStrictEqual(of(before), of(now))) return part;
  const a = otherParts(before.desired);
  const b = otherParts(now.desired);
  for (const key of new Set([...a.keys(), ...b.keys()])) if (!isDeepStrictEqual(a.get(key), b.get(key))) return key;
  return undefined;
}

/**
 * Why the last verdict no longer stands, or undefined when it does: then nothing is asked of the
 * cloud and nothing is said, the remembered status is restated. A permanent verdict stands without
 * the finalizer (none was claimed for it); a working load balancer needs the finalizer back.
 */
export function ensureReason(
  last: LastEnsure | undefined,
  now: EnsureRequest,
  finalizerPresent: boolean,
): EnsureReason | undefined {
  if (last === undefined) return 'neverEnsured';
  if (last.kind === 'failed') return 'lastFailed';
  if (last.kind === 'forgotten') return 'resync';
  if (last.request.provider.name !== now.provider.name) return 'providerChanged';
  if (last.request.provider.instanceId !== now.provider.instanceId) return 'providerRebuilt';
  const part = changedPart(last.request, now);
  if (part !== undefined) return `desiredChanged: ${part}`;
  if (last.outcome === 'ok' && !finalizerPresent) return 'finalizerMissing';
  return undefined;
}

export interface ServiceEvent {
  readonly type: 'Normal' | 'Warning';
  readonly reason: string;
  readonly message: string;
  /** Said once per distinct text while the memo lives; otherwise every time it happens. */
  readonly once: boolean;
}

/** Said when the problems differ from what the condition already shows. */
export function invalidSpecWarning(service: V1Service, message: string): ServiceEvent | undefined {
  if (currentCondition(service)?.message === message) return undefined;
  return { type: 'Warning', reason: Reason.SyncFailed, message: `Cannot ensure load balancer: ${message}`, once: true };
}

/** No ingress shown yet: the load balancer is being created, not updated. */
export function isCreating(service: V1Service): boolean {
  return (service.status?.loadBalancer?.ingress ?? []).length === 0;
}

function portsKey(ports: readonly { port: number; protocol?: string | undefined }[]): string {
  return JSON.stringify(ports.map((p) => [p.port, p.protocol]));
}

/** "Ensuring …" when creating, or when the ports shown differ from the Service's ports. */
export function ensuringEvent(service: V1Service, listeners: readonly Listener[]): ServiceEvent | undefined {
  const shown = service.status?.loadBalancer?.ingress?.[0]?.ports ?? [];
  if (!isCreating(service) && portsKey(shown) === portsKey(listenersOf(service))) return undefined;
  const message = `Ensuring load balancer with listeners ${listeners.map((l) => `${l.port}/${l.protocol}`).join(', ')}`;
  return { type: 'Normal', reason: Reason.Ensuring, message, once: true };
}

/**
 * What the load balancer carries: `targets` nodes; `nodes` in the cluster; `notTargets` the
 * eligible nodes the provider cannot use, with why (absent = none).
 */
export interface TargetCounts {
  readonly targets: number;
  readonly nodes: number;
  readonly notTargets?: readonly SkippedTarget[];
}

/** The condition after the cloud accepted the request. */
export function readyAfterEnsure(
  status: LoadBalancerStatus,
  validation: Validation,
  counts: TargetCounts,
): ReadyCondition {
  const notTargets = counts.notTargets ?? [];
  if (counts.targets === 0)
    return { status: 'False', reason: ReadyReason.NoEligibleNodes, message: noNodesMessage(counts.nodes, notTargets) };
  // Only the provider can refuse the last port (validate stops a Service with none left first).
  if (validation.listeners.length === 0)
    return {
      status: 'False',
      reason: ReadyReason.PortsRefused,
      message: `No port is served: ${validation.refused.map((r) => r.message).join('; ')}.`,
    };
  if (validation.refused.length > 0)
    return {
      status: 'True',
      reason: ReadyReason.PortsRefused,
      message: readyMessage(status, validation.listeners, validation.refused, notTargets),
    };
  return {
    status: 'True',
    reason: ReadyReason.Ensured,
    message: readyMessage(status, validation.listeners, [], notTargets),
  };
}

/**
 * What to say after the cloud accepted the request: Ensured (new) or Updated when the cloud
 * changed; the refused-ports and no-nodes warnings when the cloud changed or the condition moves.
 */
export function ensuredEvents(input: {
  readonly previous: V1Condition | undefined;
  readonly creating: boolean;
  readonly status: LoadBalancerStatus;
  readonly validation: Validation;
  readonly targetCount: number;
  readonly notTargets?: readonly SkippedTarget[];
  readonly ready: ReadyCondition;
}): ServiceEvent[] {
  const { previous, status, validation, ready } = input;
  const notTargets = input.notTargets ?? [];
  const events: ServiceEvent[] = [];
  if (status.changed) {
    const verb = input.creating ? 'Ensured' : 'Updated';
    events.push({
      type: 'Normal',
      reason: input.creating ? Reason.Ensured : Reason.Updated,
      message: ensuredMessage(verb, status, validation.listeners, validation.refused, input.targetCount, notTargets),
      once: false,
    });
  }
  if (validation.refused.length > 0 && (status.changed || previous?.message !== ready.message)) {
    const message = refusedWarning(validation.refused, validation.listeners);
    events.push({ type: 'Warning', reason: Reason.SyncFailed, message, once: true });
  }
  if (input.targetCount === 0 && (status.changed || previous?.reason !== ready.reason)) {
    events.push({ type: 'Warning', reason: Reason.Unavailable, message: ready.message, once: true });
  } else if (
    input.targetCount > 0 &&
    notTargets.length > 0 &&
    (status.changed || previous?.message !== ready.message)
  ) {
    const message = `${capitalized(notTargetsSentence(notTargets))}; the load balancer serves the other ${input.targetCount}.`;
    events.push({ type: 'Warning', reason: Reason.NodesNotTargets, message, once: true });
  }
  return events;
}

function capitalized(text: string): string {
  return `${text[0]?.toUpperCase() ?? ''}${text.slice(1)}`;
}

export interface FailureVerdict {
  readonly outcome: Outcome;
  /** The condition to write; a working load balancer stays "ready" through a transient error. */
  readonly ready?: ReadyCondition;
  readonly warning?: ServiceEvent;
}

/** What a failed ensure means; a PermanentError's outcome is remembered until the request changes. */
export function ensureFailure(err: unknown, creating: boolean): FailureVerdict {
  if (err instanceof RetryAfterError) {
    const outcome: Outcome = { kind: 'requeueAfter', delayMs: err.delayMs };
    if (!creating) return { outcome };
    const message = `The load balancer is being provisioned: ${err.message}`;
    return { outcome, ready: { status: 'False', reason: ReadyReason.Provisioning, message } };
  }
  const message = `Error syncing load balancer: ${errorText(err)}`;
  const warning: ServiceEvent = { type: 'Warning', reason: Reason.SyncFailed, message, once: true };
  const permanent = err instanceof PermanentError;
  const outcome: Outcome = permanent ? PERMANENT : { kind: 'retry', error: err };
  if (!creating && !permanent) return { outcome, warning };
  // The cloud named a field the user can change (a quota raised beyond our checks): the same
  // InvalidSpec a refusal before any cloud call gets.
  const reason = permanent && err.field !== undefined ? ReadyReason.InvalidSpec : ReadyReason.SyncFailed;
  return { outcome, warning, ready: { status: 'False', reason, message } };
}
