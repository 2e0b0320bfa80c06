// Endpoint targets: for a provider that reaches pods itself (Capabilities.endpointTargets), a
// Service port without a node port is sent to the ready endpoints of its EndpointSlices. Pure.
import type { V1EndpointSlice, V1Service } from '@kubernetes/client-node';
import type { Capabilities, Endpoint, Listener } from '../provider/contract.ts';

/** The label that ties an EndpointSlice to its Service (discovery.k8s.io/v1). */
export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';

/** Whether the Service has a port the provider must reach through its endpoints, not a node port. */
export function usesEndpointTargets(service: V1Service, capabilities: Pick<Capabilities, 'endpointTargets'>): boolean {
  return capabilities.endpointTargets && (service.spec?.ports ?? []).some((port) => !port.nodePort);
}

/**
 * The ready endpoints of one Service port, sorted. A slice names its ports after the Service's
 * (the port's targetPort resolved per pod), so a port is matched by name and protocol. An unset
 * `ready` counts as ready, as the API asks of consumers; the first address stands for the endpoint.
 */
export function endpointsOf(
  listener: Pick<Listener, 'name' | 'protocol'>,
  slices: readonly V1EndpointSlice[],
): Endpoint[] {
  const found = new Map<string, Endpoint>();
  for (const slice of slices) {
    if (slice.addressType !== 'IPv4' && slice.addressType !== 'IPv6') continue;
    const port = slice.ports?.find(
      (p) => (p.name ?? '') === (listener.name ?? '') && (p.protocol ?? 'TCP') === listener.protocol,
    )?.port;
    if (port === undefined) continue;
    for (const endpoint of slice.endpoints ?? []) {
      const address = endpoint.addresses[0];
      if (address === undefined || endpoint.conditions?.ready === false) continue;
      found.set(`${address}|${port}`, { address, port });
    }
  }
  return [...found.values()].sort((a, b) => a.address.localeCompare(b.address) || a.port - b.port);
}

/** The listeners, each one without a node port carrying its endpoints. */
export function withEndpoints(listeners: readonly Listener[], slices: readonly V1EndpointSlice[]): Listener[] {
  return listeners.map((listener) =>
    listener.nodePort === 0 ? { ...listener, endpoints: endpointsOf(listener, slices) } : listener,
  );
}
