// Deterministic AWS names. ELBv2 names: 1-32 of [A-Za-z0-9-], no leading or trailing hyphen, and a
// load balancer name must not start with "internal-" (AWS reserves it for internal DNS names).
import { createHash } from 'node:crypto';

export type AwsProtocol = 'TCP' | 'UDP' | 'TCP_UDP';

const MAX = 32;

export function isValidElbName(name: string): boolean {
  return name.length >= 1 && name.length <= MAX && /^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?$/.test(name);
}

export function isValidLoadBalancerName(name: string): boolean {
  return isValidElbName(name) && !name.toLowerCase().startsWith('internal-');
}

function shortHash(input: string, length: number): string {
  return createHash('sha256').update(input).digest('hex').slice(0, length);
}

function trimHyphens(s: string): string {
  return s.replace(/^-+/, '').replace(/-+$/, '');
}

/** The NLB name for a cloud-neutral base name; the base is used as is when AWS accepts it. */
export function loadBalancerName(base: string): string {
  if (isValidLoadBalancerName(base)) return base;
  const cleaned = trimHyphens(base.replace(/[^A-Za-z0-9-]/g, '-').replace(/^internal-/i, ''));
  const candidate = `${cleaned.slice(0, MAX - 9).replace(/-+$/, '')}-${shortHash(base, 8)}`.replace(/^-+/, '');
  return isValidLoadBalancerName(candidate) ? candidate : `k8s-${shortHash(base, 28)}`;
}

/** One target group per (port, protocol) of a load balancer: `<base12>-<port>-<proto>-<hash6>`. */
export function targetGroupName(base: string, port: number, protocol: AwsProtocol): string {
  const proto = protocol.toLowerCase().replace('_', '');
  const prefix = trimHyphens(base.replace(/[^A-Za-z0-9-]/g, '-').slice(0, 12)) || 'k8s';
  return `${prefix}-${port}-${proto}-${shortHash(`${base}/${port}/${protocol}`, 6)}`;
}

/** The security group that carries the load balancer's source ranges. */
export function securityGroupName(nlbName: string): string {
  return `k8s-elb-${nlbName}`;
}
