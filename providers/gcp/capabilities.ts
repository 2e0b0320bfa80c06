// What the GCP provider can carry; light, so the registry states it without loading the SDK.
import type { Capabilities } from '../../src/provider/contract.ts';

export const GCP_CAPABILITIES: Capabilities = {
  schemes: { External: { protocols: ['TCP', 'UDP'] }, Internal: { protocols: ['TCP', 'UDP', 'SCTP'] } },
  mixedProtocols: true,
  addressKind: 'IP',
  sourceRanges: true,
  staticAddress: true,
  needsNodePorts: true,
};
