// GCE's validation rules that the fake enforces, as pure functions. Each rule names the GCE
// documentation page it comes from in README.md (same folder).
import { invalid } from './errors.ts';

const NAME = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

/** https://cloud.google.com/compute/docs/naming-resources#resource-name-format */
export function checkName(name: unknown): string {
  if (typeof name !== 'string' || name.length === 0) throw invalid('resource.name', 'must be specified.');
  if (name.length > 63 || !NAME.test(name)) {
    throw invalid('resource.name', `'${name}'. Must be a match of regex '(?:[a-z](?:[-a-z0-9]{0,61}[a-z0-9])?)'`);
  }
  return name;
}

const LABEL_KEY = /^[\p{Ll}\p{Lo}][\p{Ll}\p{Lo}\p{N}_-]{0,62}$/u;
const LABEL_VALUE = /^[\p{Ll}\p{Lo}\p{N}_-]{0,63}$/u;

/** https://cloud.google.com/compute/docs/labeling-resources#requirements */
export function checkLabels(labels: unknown): Record<string, string> {
  if (labels === undefined || labels === null) return {};
  if (typeof labels !== 'object') throw invalid('resource.labels', 'must be a map.');
  const entries = Object.entries(labels as Record<string, unknown>);
  if (entries.length > 64) throw invalid('resource.labels', 'at most 64 labels.');
  for (const [key, value] of entries) {
    if (!LABEL_KEY.test(key))
      throw invalid(`resource.labels.${key}`, 'label keys start with a lowercase letter; [a-z0-9_-], at most 63.');
    if (typeof value !== 'string' || !LABEL_VALUE.test(value)) {
      throw invalid(`resource.labels.${key}`, 'label values are [a-z0-9_-], at most 63 characters.');
    }
  }
  return Object.fromEntries(entries) as Record<string, string>;
}

export function isIPv4(value: string): boolean {
  const parts = value.split('.');
  return parts.length === 4 && parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255);
}

export function checkCidr(field: string, value: unknown): string {
  if (typeof value !== 'string') throw invalid(field, 'must be a CIDR string.');
  const [ip, bits, ...rest] = value.split('/');
  const prefix = bits === undefined ? 32 : Number(bits);
  if (rest.length > 0 || ip === undefined || !isIPv4(ip) || !Number.isInteger(prefix) || prefix < 0 || prefix > 32) {
    throw invalid(field, `'${value}' is not a valid IPv4 CIDR range.`);
  }
  return value;
}

export function checkPort(field: string, value: unknown): number {
  const port = typeof value === 'string' ? Number(value) : value;
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw invalid(field, `'${String(value)}' must be a port between 1 and 65535.`);
  }
  return port;
}

export type Scheme = 'EXTERNAL' | 'INTERNAL';

export function checkScheme(field: string, value: unknown): Scheme {
  const scheme = value ?? 'EXTERNAL';
  if (scheme !== 'EXTERNAL' && scheme !== 'INTERNAL') {
    throw invalid(
      field,
      `'${String(value)}': the fake implements passthrough load balancers only (EXTERNAL, INTERNAL).`,
    );
  }
  return scheme;
}

export interface PortSpec {
  readonly allPorts: boolean;
  readonly ports: readonly number[];
}

/**
 * Forwarding-rule protocol, port and scheme combinations for backend-service-based passthrough
 * Network Load Balancers.
 * https://cloud.google.com/load-balancing/docs/forwarding-rule-concepts#protocol-specifications
 * https://cloud.google.com/load-balancing/docs/forwarding-rule-concepts#port_specifications
 */
export function checkForwardingRulePorts(
  scheme: Scheme,
  protocol: unknown,
  ports: unknown,
  portRange: unknown,
  allPorts: unknown,
): { protocol: string; spec: PortSpec } {
  if (protocol === 'SCTP') {
    throw invalid(
      'resource.IPProtocol',
      scheme === 'EXTERNAL'
        ? 'SCTP is not supported by external passthrough Network Load Balancers.'
        : 'internal passthrough Network Load Balancers carry SCTP only through an L3_DEFAULT forwarding rule.',
    );
  }
  if (protocol !== 'TCP' && protocol !== 'UDP' && protocol !== 'L3_DEFAULT') {
    throw invalid('resource.IPProtocol', `'${String(protocol)}' is not TCP, UDP or L3_DEFAULT.`);
  }
  if (portRange !== undefined && portRange !== null && portRange !== '') {
    throw invalid('resource.portRange', 'the fake implements backend-service-based rules; use ports or allPorts.');
  }
  const list = Array.isArray(ports) ? ports : [];
  if (allPorts === true) {
    if (list.length > 0) throw invalid('resource.ports', 'ports and allPorts are mutually exclusive.');
    return { protocol, spec: { allPorts: true, ports: [] } };
  }
  if (protocol === 'L3_DEFAULT') throw invalid('resource.allPorts', 'an L3_DEFAULT forwarding rule must set allPorts.');
  if (list.length === 0) throw invalid('resource.ports', 'a TCP or UDP rule needs ports (at most 5) or allPorts.');
  if (list.length > 5)
    throw invalid('resource.ports', `${list.length} ports: a forwarding rule lists at most 5 ports; use allPorts.`);
  const numbers = list.map((p, i) => checkPort(`resource.ports[${i}]`, p));
  if (new Set(numbers).size !== numbers.length) throw invalid('resource.ports', 'ports must be distinct.');
  return { protocol, spec: { allPorts: false, ports: numbers } };
}

/** Two rules on one IP address conflict when protocol and ports overlap. */
export function rulesOverlap(
  a: { protocol: string; spec: PortSpec },
  b: { protocol: string; spec: PortSpec },
): boolean {
  if (a.protocol !== b.protocol) return false;
  if (a.spec.allPorts || b.spec.allPorts) return true;
  return a.spec.ports.some((p) => b.spec.ports.includes(p));
}

/**
 * Backend service protocols of passthrough load balancers.
 * https://cloud.google.com/load-balancing/docs/backend-service#protocol_to_the_backends
 */
export function checkBackendProtocol(value: unknown): string {
  const protocol = value ?? 'TCP';
  if (protocol === 'SCTP')
    throw invalid(
      'resource.protocol',
      'SCTP backend services do not exist; use UNSPECIFIED with an L3_DEFAULT forwarding rule.',
    );
  if (protocol !== 'TCP' && protocol !== 'UDP' && protocol !== 'UNSPECIFIED') {
    throw invalid(
      'resource.protocol',
      `'${JSON.stringify(protocol)}' is not valid for a passthrough backend service (TCP, UDP, UNSPECIFIED).`,
    );
  }
  return protocol;
}

/** A forwarding rule's protocol must fit the backend service it points at. */
export function checkRuleFitsBackend(ruleProtocol: string, backendProtocol: string): void {
  if (ruleProtocol === 'L3_DEFAULT' && backendProtocol !== 'UNSPECIFIED') {
    throw invalid(
      'resource.backendService',
      'an L3_DEFAULT forwarding rule needs a backend service of protocol UNSPECIFIED.',
    );
  }
  if (ruleProtocol !== 'L3_DEFAULT' && backendProtocol !== 'UNSPECIFIED' && backendProtocol !== ruleProtocol) {
    throw invalid(
      'resource.backendService',
      `a ${ruleProtocol} forwarding rule cannot use a ${backendProtocol} backend service.`,
    );
  }
}

const FIREWALL_PROTOCOLS = new Set(['tcp', 'udp', 'sctp', 'icmp', 'esp', 'ah', 'ipip', 'all']);

/** https://cloud.google.com/firewall/docs/firewalls#firewall_rule_components */
export function checkFirewallAllowed(allowed: unknown): void {
  if (!Array.isArray(allowed) || allowed.length === 0) throw invalid('resource.allowed', 'at least one entry.');
  allowed.forEach((entry: unknown, i) => {
    const e = entry as { IPProtocol?: unknown; ports?: unknown };
    if (typeof e.IPProtocol !== 'string' || !FIREWALL_PROTOCOLS.has(e.IPProtocol)) {
      throw invalid(`resource.allowed[${i}].IPProtocol`, `'${String(e.IPProtocol)}'.`);
    }
    const ports = Array.isArray(e.ports) ? e.ports : [];
    if (ports.length > 0 && !['tcp', 'udp', 'sctp'].includes(e.IPProtocol)) {
      throw invalid(`resource.allowed[${i}].ports`, 'ports only for tcp, udp, sctp.');
    }
    ports.forEach((p: unknown, j) => {
      const [from, to, ...rest] = String(p).split('-');
      checkPort(`resource.allowed[${i}].ports[${j}]`, from);
      if (to !== undefined) checkPort(`resource.allowed[${i}].ports[${j}]`, to);
      if (rest.length > 0) throw invalid(`resource.allowed[${i}].ports[${j}]`, `'${String(p)}'.`);
    });
  });
}
