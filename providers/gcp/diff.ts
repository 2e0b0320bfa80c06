// One "needs update?" per resource: desired (from the plan) against what was read. Pure.
import type { protos } from '@google-cloud/compute';
import type { PlannedFirewall, PlannedHealthCheck, PlannedRule, Plan } from './plan.ts';

type Address = protos.google.cloud.compute.v1.IAddress;
type ForwardingRule = protos.google.cloud.compute.v1.IForwardingRule;
type HealthCheck = protos.google.cloud.compute.v1.IHealthCheck;
type BackendService = protos.google.cloud.compute.v1.IBackendService;
type Firewall = protos.google.cloud.compute.v1.IFirewall;

/** `https://…/compute/v1/projects/p/…` and `projects/p/…` name the same resource. */
export function sameLink(a: string | null | undefined, b: string | null | undefined): boolean {
  const norm = (s: string | null | undefined): string => {
    const text = s ?? '';
    const at = text.indexOf('projects/');
    return at < 0 ? text : text.slice(at);
  };
  return norm(a) === norm(b);
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  const sa = new Set(a);
  return sa.size === new Set(b).size && b.every((x) => sa.has(x));
}

/** Our own address must be recreated when its type or purpose no longer fits, or another IP was asked for. */
export function addressNeedsRecreate(actual: Address, plan: Plan): boolean {
  if ((actual.addressType ?? 'EXTERNAL') !== plan.scheme) return true;
  if (plan.scheme === 'INTERNAL' && actual.purpose !== 'SHARED_LOADBALANCER_VIP') return true;
  return plan.requestedAddress !== undefined && actual.address !== plan.requestedAddress;
}

export function healthCheckNeedsUpdate(actual: HealthCheck, desired: PlannedHealthCheck): boolean {
  if (actual.type !== desired.type) return true;
  if (desired.type === 'TCP') return actual.tcpHealthCheck?.port !== desired.port;
  return actual.httpHealthCheck?.port !== desired.port || (actual.httpHealthCheck?.requestPath ?? '/') !== desired.path;
}

export function backendServiceNeedsRecreate(actual: BackendService, plan: Plan): boolean {
  return actual.loadBalancingScheme !== plan.scheme;
}

export function backendServiceNeedsUpdate(
  actual: BackendService,
  plan: Plan,
  healthCheckLink: string,
  groupLinks: readonly string[],
): boolean {
  if (actual.protocol !== plan.backendProtocol) return true;
  const checks = actual.healthChecks ?? [];
  if (checks.length !== 1 || !sameLink(checks[0], healthCheckLink)) return true;
  const groups = (actual.backends ?? []).map((b) => b.group ?? '');
  return groups.length !== groupLinks.length || !groupLinks.every((g) => groups.some((x) => sameLink(x, g)));
}

export function ruleNeedsRecreate(
  actual: ForwardingRule,
  desired: PlannedRule,
  plan: Plan,
  ip: string,
  backendLink: string,
): boolean {
  if (actual.IPProtocol !== desired.protocol || actual.loadBalancingScheme !== plan.scheme) return true;
  if (actual.IPAddress !== ip || !sameLink(actual.backendService, backendLink)) return true;
  if (Boolean(actual.allPorts) !== desired.allPorts) return true;
  return !sameSet(actual.ports ?? [], desired.ports.map(String));
}

export function labelsDiffer(
  actual: Readonly<Record<string, string>> | null | undefined,
  desired: Readonly<Record<string, string>>,
): boolean {
  const a = actual ?? {};
  return Object.entries(desired).some(([k, v]) => a[k] !== v);
}

export function firewallNeedsUpdate(actual: Firewall, desired: PlannedFirewall, network: string): boolean {
  if (!sameLink(actual.network, network)) return true;
  if (!sameSet(actual.sourceRanges ?? [], desired.sourceRanges)) return true;
  const allowed = actual.allowed ?? [];
  if (allowed.length !== desired.allowed.length) return true;
  return desired.allowed.some((want) => {
    const got = allowed.find((a) => a.IPProtocol === want.IPProtocol);
    return !got || !sameSet(got.ports ?? [], want.ports);
  });
}
