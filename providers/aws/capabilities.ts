// What the AWS provider can carry; light, so the registry states it without loading the SDK.
import type { Capabilities } from '../../src/provider/contract.ts';

export const AWS_CAPABILITIES: Capabilities = {
  schemes: { External: { protocols: ['TCP', 'UDP'] }, Internal: { protocols: ['TCP', 'UDP'] } },
  mixedProtocols: true,
  addressKind: 'Hostname',
  sourceRanges: true,
  staticAddress: false,
  needsNodePorts: true,
  endpointTargets: false,
  addressFamilies: ['IPv4'],
  // "Listeners per Network Load Balancer: 50, not adjustable" (AWS, Quotas for your Network Load Balancers).
  maxListeners: 50,
};
