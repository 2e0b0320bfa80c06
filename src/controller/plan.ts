import type { V1EndpointSlice, V1Service } from '@kubernetes/client-node';
import type { DesiredLoadBalancer, Interpretation, SkippedTarget, Target } from '../provider/contract.ts';
import {
  ensureReason,
  hasFinalizer,
  invalidSpecWarning,
  needsClaim,
  type EnsureReason,
  type ServiceEvent,
} from './decide.ts';
import { buildDesired, userAnnotations } from './desired.ts';
import { splitTargets } from './eligibility.ts';
import { usesEndpointTargets } from './endpoints.ts';
import type { EnsureRequest, LastEnsure, SettledEnsure } from './memo.ts';
import { errorText, problemsMessage } from './messages.ts';
import type { ProviderHandle, ProviderLookup } from './provider-handle.ts';
import { ReadyReason, type ReadyCondition } from './status.ts';
import { validate } from './validate.ts';

export type Plan =
  /** The provider is missing or not ready: show why, with no cloud call; it re-queues its Services when it changes. */
  | { readonly kind: 'wait'; readonly ready: ReadyCondition }
  /** The EndpointSlice cache the provider's endpoint targets come from has not synced: try again soon, writing nothing. */
  | { readonly kind: 'pending' }
  /** Nothing changed since the last verdict: restate its status and outcome, ask and say nothing. */
  | { readonly kind: 'unchanged'; readonly last: SettledEnsure }
  /** Input no cloud can serve: say so, and stop until the Service changes. */
  | {
      readonly kind: 'refuse';
      readonly why: EnsureReason;
      readonly request: EnsureRequest;
      readonly ready: ReadyCondition;
      readonly warning: ServiceEvent | undefined;
    }
  /** Ask the cloud for `lb`, claiming the Service first when `claim`. */
  | {
      readonly kind: 'ensure';
      readonly why: EnsureReason;
      readonly request: EnsureRequest;
      readonly handle: ProviderHandle;
      /** Carries only the targets the provider can use; `notTargets` are the others. */
      readonly lb: DesiredLoadBalancer;
      readonly notTargets: readonly SkippedTarget[];
      readonly claim: boolean;
    };

export interface PlanInput {
  readonly service: V1Service;
  readonly providerName: string;
  readonly lookup: ProviderLookup;
  /** The eligible nodes. */
  readonly targets: readonly Target[];
  readonly clusterName: string;
  readonly last: LastEnsure | undefined;
  /** The Service's EndpointSlices, read only for endpoint targets; undefined while their cache has not synced. */
  readonly endpointSlices: () => readonly V1EndpointSlice[] | undefined;
}

/** What to do for a Service that wants a load balancer from `providerName`. Pure. */
export function planEnsure(input: PlanInput): Plan {
  const { service, providerName, lookup } = input;
  if (lookup.state !== 'ready') {
    const why = lookup.state === 'missing' ? 'does not exist' : `is not ready: ${lookup.message}`;
    const message = `LoadBalancerProvider ${providerName} ${why}`;
    return { kind: 'wait', ready: { status: 'False', reason: ReadyReason.ProviderNotReady, message } };
  }
  const { handle } = lookup;
  if (lookup.deleting === true && needsClaim(service, handle.name)) {
    const message = `LoadBalancerProvider ${providerName} is being deleted: it serves the Services it has, and takes no new one`;
    return { kind: 'wait', ready: { status: 'False', reason: ReadyReason.ProviderNotReady, message } };
  }
  const endpointSlices = usesEndpointTargets(service, handle.capabilities) ? input.endpointSlices() : [];
  if (endpointSlices === undefined) return { kind: 'pending' };
  const interpretation = interpret(handle, service);
  const desired = buildDesired({
    service,
    targets: input.targets,
    clusterName: input.clusterName,
    interpretation,
    ...(handle.capabilities.endpointTargets ? { endpointSlices } : {}),
  });
  const validation = validate({
    service,
    desired,
    capabilities: handle.capabilities,
    interpretation,
    provider: { name: handle.name, type: handle.type },
  });
  const request: EnsureRequest = {
    provider: { name: handle.name, instanceId: handle.instanceId },
    desired,
    validation,
  };

  const { last } = input;
  const why = ensureReason(last, request, hasFinalizer(service));
  if (why === undefined) {
    if (last?.kind !== 'settled') throw new Error('ensureReason found nothing to do without a settled verdict');
    return { kind: 'unchanged', last };
  }
  if (validation.problems.length > 0) {
    const message = problemsMessage(validation.problems);
    const ready: ReadyCondition = { status: 'False', reason: ReadyReason.InvalidSpec, message };
    return { kind: 'refuse', why, request, ready, warning: invalidSpecWarning(service, message) };
  }
  const { usable, skipped } = splitTargets(handle.provider, desired.targets);
  const lb = { ...desired, listeners: validation.listeners, targets: usable };
  return { kind: 'ensure', why, request, handle, lb, notTargets: skipped, claim: needsClaim(service, handle.name) };
}

/** The provider's reading of the annotations; one that throws is a problem, not a crash. */
function interpret(handle: ProviderHandle, service: V1Service): Interpretation {
  try {
    return handle.provider.interpret(userAnnotations(service));
  } catch (err) {
    return {
      scheme: 'External',
      options: undefined,
      problems: [{ field: 'metadata.annotations', message: errorText(err) }],
    };
  }
}
