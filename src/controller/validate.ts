import { isIP } from 'node:net';
import type { V1Service } from '@kubernetes/client-node';
import type {
  AddressFamily,
  Capabilities,
  DesiredLoadBalancer,
  FieldProblem,
  Interpretation,
  Listener,
  Protocol,
  RefusedListener,
} from '../provider/contract.ts';
import { describeListener, SOURCE_RANGES_ANNOTATION } from './desired.ts';

/** Values of status.loadBalancer.ingress[].ports[].error for a port that is not served. */
export const PortError = {
  ProtocolNotSupported: 'cloudlb.dev/ProtocolNotSupported',
  MixedProtocolNotSupported: 'cloudlb.dev/MixedProtocolNotSupported',
  NodePortRequired: 'cloudlb.dev/NodePortRequired',
  /** The provider tried and the system refused the listener for good (a port below 1024). */
  PortNotPermitted: 'cloudlb.dev/PortNotPermitted',
} as const;
export type PortErrorValue = (typeof PortError)[keyof typeof PortError];

export interface RefusedPort {
  readonly port: number;
  readonly protocol: Protocol;
  readonly error: PortErrorValue;
  /** "port 9999/SCTP refused: provider aws (aws) carries TCP, UDP on External" */
  readonly message: string;
}

export interface Validation {
  /** The listeners the provider can carry: what reaches ensure(). */
  readonly listeners: readonly Listener[];
  readonly refused: readonly RefusedPort[];
  /** Problems that stop the whole Service: no cloud call is made while any is present. */
  readonly problems: readonly FieldProblem[];
}

export interface ProviderIdentity {
  /** metadata.name of the LoadBalancerProvider. */
  readonly name: string;
  /** The provider's registry type, e.g. aws. */
  readonly type: string;
}

export function providerLabel(provider: ProviderIdentity): string {
  return `provider ${provider.name} (${provider.type})`;
}

function validCidr(cidr: string): boolean {
  const [address, bits, extra] = cidr.split('/');
  if (address === undefined || bits === undefined || extra !== undefined || !/^\d{1,3}$/.test(bits)) return false;
  const family = isIP(address);
  return family !== 0 && Number(bits) <= (family === 4 ? 32 : 128);
}

function sourceRangesField(service: V1Service): string {
  return (service.spec?.loadBalancerSourceRanges ?? []).length > 0
    ? 'spec.loadBalancerSourceRanges'
    : `metadata.annotations[${SOURCE_RANGES_ANNOTATION}]`;
}

/**
 * Checks what the Service asks for against what the provider can carry, before any cloud call.
 * Ports the provider cannot carry are refused one by one (the others are served); anything that
 * makes the whole load balancer wrong or unsafe (ignored source ranges, an unknown annotation
 * value) is a problem that stops the Service.
 */
export function validate(input: {
  readonly service: V1Service;
  readonly desired: DesiredLoadBalancer;
  readonly capabilities: Capabilities;
  readonly interpretation: Interpretation;
  readonly provider: ProviderIdentity;
}): Validation {
  const { service, desired, capabilities, provider } = input;
  const label = providerLabel(provider);
  const problems: FieldProblem[] = [...input.interpretation.problems];
  const refused: RefusedPort[] = [];
  const scheme = capabilities.schemes[desired.scheme];

  if (scheme === undefined) {
    problems.push({
      field: 'spec.loadBalancerClass',
      message: `${label} cannot build ${desired.scheme} load balancers; use another class or scheme.`,
    });
  }
  if (desired.sourceRanges.length > 0) {
    const field = sourceRangesField(service);
    const bad = desired.sourceRanges.filter((cidr) => !validCidr(cidr));
    if (bad.length > 0) problems.push({ field, message: `${bad.join(', ')} is not a CIDR such as 203.0.113.0/24.` });
    else if (!capabilities.sourceRanges)
      problems.push({
        field,
        message: `${label} cannot restrict source ranges; remove them or use a provider that can.`,
      });
  }
  if (desired.requestedAddress !== undefined && !capabilities.staticAddress) {
    problems.push({
      field: 'spec.loadBalancerIP',
      message: `${label} cannot honour a requested address (${desired.requestedAddress}); remove it.`,
    });
  } else if (input.interpretation.requestedAddress === undefined) {
    // A provider annotation's address is that provider's to check (interpret); spec.loadBalancerIP,
    // which the API server accepts as any string, is checked here for every provider alike.
    const problem = requestedAddressProblem(desired.requestedAddress, capabilities, label);
    if (problem !== undefined) problems.push(problem);
  }

  const carried = scheme?.protocols ?? [];
  const accepted: Listener[] = [];
  for (const listener of desired.listeners) {
    const name = describeListener(listener);
    if (!carried.includes(listener.protocol)) {
      refused.push({
        port: listener.port,
        protocol: listener.protocol,
        error: PortError.ProtocolNotSupported,
        message: `port ${name} refused: ${label} carries ${carried.join(', ') || 'nothing'} on ${desired.scheme}`,
      });
    } else if (capabilities.needsNodePorts && listener.nodePort === 0) {
      refused.push({
        port: listener.port,
        protocol: listener.protocol,
        error: PortError.NodePortRequired,
        message: `port ${name} refused: ${label} sends traffic to node ports and spec.allocateLoadBalancerNodePorts is false`,
      });
    } else {
      accepted.push(listener);
    }
  }

  const first = accepted[0];
  const listeners =
    capabilities.mixedProtocols || first === undefined
      ? accepted
      : accepted.filter((l) => l.protocol === first.protocol);
  for (const listener of accepted) {
    if (listeners.includes(listener)) continue;
    refused.push({
      port: listener.port,
      protocol: listener.protocol,
      error: PortError.MixedProtocolNotSupported,
      message: `port ${describeListener(listener)} refused: ${label} cannot mix ${listener.protocol} with ${first?.protocol ?? ''} on one load balancer`,
    });
  }

  if (listeners.length === 0 && desired.listeners.length > 0 && scheme !== undefined) {
    problems.push({
      field: 'spec.ports',
      message: `No port of this Service can be served: ${refused.map((r) => r.message).join('; ')}.`,
    });
  }
  if (desired.listeners.length === 0) problems.push({ field: 'spec.ports', message: 'The Service has no ports.' });
  const max = capabilities.maxListeners;
  if (max !== undefined && listeners.length > max) {
    problems.push({
      field: 'spec.ports',
      message: `${label} allows at most ${max} ports on one load balancer; this Service has ${listeners.length}. Split it into several Services.`,
    });
  }
  return { listeners, refused, problems };
}

/**
 * The validation as it stands after `ensure`: the listeners the provider refused while making the
 * others (LoadBalancerStatus.refusedListeners) move from served to refused, so status, condition
 * and the Warning event show them like any port refused up front.
 */
export function withProviderRefusals(
  validation: Validation,
  refusals: readonly RefusedListener[],
  provider: ProviderIdentity,
): Validation {
  if (refusals.length === 0) return validation;
  const refusalOf = (l: Pick<Listener, 'port' | 'protocol'>): RefusedListener | undefined =>
    refusals.find((r) => r.port === l.port && r.protocol === l.protocol);
  const refused: RefusedPort[] = [...validation.refused];
  for (const listener of validation.listeners) {
    const refusal = refusalOf(listener);
    if (refusal === undefined) continue;
    refused.push({
      port: listener.port,
      protocol: listener.protocol,
      error: PortError.PortNotPermitted,
      message: `port ${describeListener(listener)} refused by ${providerLabel(provider)}: ${refusal.reason}`,
    });
  }
  return { ...validation, listeners: validation.listeners.filter((l) => refusalOf(l) === undefined), refused };
}

/** spec.loadBalancerIP must be an address, of a family the provider can serve. */
function requestedAddressProblem(
  requested: string | undefined,
  capabilities: Capabilities,
  label: string,
): FieldProblem | undefined {
  if (requested === undefined) return undefined;
  const family = addressFamily(requested);
  if (family === undefined)
    return { field: 'spec.loadBalancerIP', message: `"${requested}" is not an IP address such as 203.0.113.10.` };
  if (!capabilities.addressFamilies.includes(family))
    return {
      field: 'spec.loadBalancerIP',
      message: `${requested} is an ${family} address; ${label} serves ${capabilities.addressFamilies.join(', ') || 'no requested'} addresses.`,
    };
  return undefined;
}

function addressFamily(text: string): AddressFamily | undefined {
  const family = isIP(text);
  return family === 4 ? 'IPv4' : family === 6 ? 'IPv6' : undefined;
}
