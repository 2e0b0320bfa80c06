// What the GCP provider can carry; light, so the registry states it without loading the SDK.
import type { Capabilities } from '../../src/provider/contract.ts';

export const GCP_CAPABILITIES: Capabilities = {
  schemes: { External: { protocols: ['TCP', 'UDP'] }, Internal: { protocols: ['TCP', 'UDP', 'SCTP'] } },
  mixedProtocols: true,
  addressKind: 'IP',
  sourceRanges: true,
  staticAddress: true,
  needsNodePorts: true,
  endpointTargets: false,
  // The regional addresses this provider reserves are IPv4. More than five ports per protocol become
  // one all-ports forwarding rule, so the number of ports has no limit of its own.
  addressFamilies: ['IPv4'],
};
