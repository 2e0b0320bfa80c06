// What the local provider can carry; light, so the registry states it without loading the provider.
import type { Capabilities } from '../../src/provider/contract.ts';

export const LOCAL_CAPABILITIES: Capabilities = {
  // No SCTP on either scheme: Node.js has no SCTP sockets, so the proxy cannot carry it.
  schemes: { External: { protocols: ['TCP', 'UDP'] }, Internal: { protocols: ['TCP', 'UDP'] } },
  mixedProtocols: true,
  addressKind: 'IP',
  sourceRanges: true,
  staticAddress: true,
  // A port without a node port goes straight to its pods' IPs, which this host reaches on a real node.
  needsNodePorts: false,
  endpointTargets: true,
  // The proxies bind IPv4 only (ipv4.ts); one address has a port space of its own, so no listener limit.
  addressFamilies: ['IPv4'],
};
