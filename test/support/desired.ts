import type { DesiredLoadBalancer } from '../../src/provider/contract.ts';

/**
 * A DesiredLoadBalancer for tests and benchmarks: External, one TCP port, no targets, TCP health
 * check, open to anywhere — unless `overrides` say otherwise. The one place tests build the
 * contract's type, so a field added to it is added here once. No provider options unless given.
 */
export function desiredLoadBalancer<O>(
  overrides: Partial<DesiredLoadBalancer<O>> & { options: O },
): DesiredLoadBalancer<O>;
export function desiredLoadBalancer(overrides?: Partial<DesiredLoadBalancer>): DesiredLoadBalancer;
export function desiredLoadBalancer(overrides: Partial<DesiredLoadBalancer> = {}): DesiredLoadBalancer {
  return {
    name: 'test-0123456789abcdef',
    ownership: { clusterName: 'test', serviceNamespace: 'default', serviceName: 'svc', serviceUID: 'uid-1' },
    scheme: 'External',
    listeners: [{ port: 80, protocol: 'TCP', nodePort: 30080 }],
    targets: [],
    healthCheck: { kind: 'TrafficPort' },
    sourceRanges: [],
    options: undefined,
    ...overrides,
  };
}
