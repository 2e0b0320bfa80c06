// GCE resource names derived from the cloud-neutral base name and the cluster name.
// https://cloud.google.com/compute/docs/naming-resources#resource-name-format
import { createHash } from 'node:crypto';

export const GCE_NAME = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const MAX = 63;

export type RuleKind = 'tcp' | 'udp' | 'l3';
export const RULE_KINDS: readonly RuleKind[] = ['tcp', 'udp', 'l3'];

/** Lowercase, [a-z0-9-] only, starting with a letter and ending with a letter or digit, ≤ max. */
export function sanitize(text: string, max = MAX): string {
  let name = text
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^[^a-z]+/, '');
  if (name === '') name = 'k8s';
  return name.slice(0, max).replace(/-+$/, '') || 'k8s';
}

export interface ResourceNames {
  readonly address: string;
  readonly healthCheck: string;
  readonly backendService: string;
  readonly trafficFirewall: string;
  readonly healthFirewall: string;
  readonly rules: Readonly<Record<RuleKind, string>>;
}

/** Every name of one load balancer. `base` is ≤ 32 chars, so each fits GCE's 63. */
export function resourceNames(base: string): ResourceNames {
  const b = sanitize(base, MAX - 4);
  return {
    address: b,
    healthCheck: b,
    backendService: b,
    trafficFirewall: `${b}-fw`,
    healthFirewall: `${b}-hc`,
    rules: { tcp: `${b}-tcp`, udp: `${b}-udp`, l3: `${b}-l3` },
  };
}

/**
 * The per-zone unmanaged instance group shared by every load balancer of the cluster. Named
 * from the cluster (a readable prefix and a hash of the full name, so long names stay unique).
 */
export function instanceGroupName(clusterName: string): string {
  const hash = createHash('sha256').update(clusterName).digest('hex').slice(0, 8);
  return `k8s-ig-${sanitize(clusterName, MAX - 16)}-${hash}`;
}
