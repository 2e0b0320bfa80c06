import type { V1EndpointSlice, V1Service } from '@kubernetes/client-node';
import type {
  DesiredLoadBalancer,
  HealthCheck,
  Interpretation,
  Listener,
  LoadBalancerRef,
  Protocol,
  Target,
} from '../provider/contract.ts';
import { PROVIDER_ANNOTATION } from './constants.ts';
import { withEndpoints } from './endpoints.ts';
import { baseName } from './names.ts';

/** Upstream's annotation for source ranges, read when spec.loadBalancerSourceRanges is empty. */
export const SOURCE_RANGES_ANNOTATION = 'service.beta.kubernetes.io/load-balancer-source-ranges';
export const HEALTH_CHECK_PATH = '/healthz';

export function serviceKey(service: V1Service): string {
  return `${service.metadata?.namespace ?? ''}/${service.metadata?.name ?? ''}`;
}

export function refOf(service: V1Service, clusterName: string): LoadBalancerRef {
  const uid = service.metadata?.uid ?? '';
  return {
    name: baseName(clusterName, uid),
    ownership: {
      clusterName,
      serviceNamespace: service.metadata?.namespace ?? '',
      serviceName: service.metadata?.name ?? '',
      serviceUID: uid,
    },
  };
}

export function listenersOf(service: V1Service): Listener[] {
  return (service.spec?.ports ?? []).map((port) => ({
    ...(port.name ? { name: port.name } : {}),
    port: port.port,
    protocol: (port.protocol ?? 'TCP') as Protocol,
    nodePort: port.nodePort ?? 0,
  }));
}

export function sourceRangesOf(service: V1Service): string[] {
  const fromSpec = service.spec?.loadBalancerSourceRanges ?? [];
  const raw =
    fromSpec.length > 0 ? fromSpec : (service.metadata?.annotations?.[SOURCE_RANGES_ANNOTATION] ?? '').split(',');
  return raw.map((cidr) => cidr.trim()).filter((cidr) => cidr !== '');
}

export function healthCheckOf(service: V1Service): HealthCheck {
  const port = service.spec?.healthCheckNodePort;
  if (service.spec?.externalTrafficPolicy === 'Local' && port) return { kind: 'HTTP', port, path: HEALTH_CHECK_PATH };
  return { kind: 'TrafficPort' };
}

/**
 * Everything the Service asks of the cloud, before the capability check: all its ports as
 * listeners. validate() decides which of them the provider can carry. `endpointSlices`, given
 * when the provider takes endpoint targets, fills in the endpoints of the ports without node ports.
 */
export function buildDesired(input: {
  readonly service: V1Service;
  readonly targets: readonly Target[];
  readonly clusterName: string;
  readonly interpretation: Interpretation;
  readonly endpointSlices?: readonly V1EndpointSlice[];
}): DesiredLoadBalancer {
  const { service, interpretation } = input;
  const listeners = listenersOf(service);
  const requestedAddress = interpretation.requestedAddress ?? (service.spec?.loadBalancerIP || undefined);
  return {
    ...refOf(service, input.clusterName),
    scheme: interpretation.scheme,
    listeners: input.endpointSlices === undefined ? listeners : withEndpoints(listeners, input.endpointSlices),
    targets: input.targets,
    healthCheck: healthCheckOf(service),
    sourceRanges: sourceRangesOf(service),
    ...(requestedAddress ? { requestedAddress } : {}),
    options: interpretation.options,
  };
}

/** The Service's annotations without the one the controller writes itself. */
export function userAnnotations(service: V1Service): Record<string, string> {
  const { [PROVIDER_ANNOTATION]: _ours, ...rest } = service.metadata?.annotations ?? {};
  return rest;
}

export function describeListener(listener: Pick<Listener, 'port' | 'protocol'>): string {
  return `${listener.port}/${listener.protocol}`;
}
