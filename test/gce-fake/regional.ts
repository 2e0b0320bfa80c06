// Regional collections: addresses, forwarding rules, health checks, backend services.
import { conditionNotMet, invalid, notFound } from './errors.ts';
import { base, existing, optionalString, read, text, type FakeRequest, type Handler } from './handler.ts';
import {
  checkBackendProtocol,
  checkForwardingRulePorts,
  checkLabels,
  checkPort,
  checkRuleFitsBackend,
  checkScheme,
  isIPv4,
  rulesOverlap,
  type PortSpec,
} from './rules.ts';
import { insert, list, remove } from './collection.ts';
import { parseLink, regionOfZone, type Resource } from './store.ts';

const MAX_RULES_PER_SHARED_VIP = 10;

function rulesOn(req: FakeRequest, ip: string): Resource[] {
  return [...req.store.collection(req.loc, 'forwardingRules').values()].filter((r) => r['IPAddress'] === ip);
}

function addressWithIp(req: FakeRequest, ip: string): Resource | undefined {
  return [...req.store.collection(req.loc, 'addresses').values()].find((a) => a['address'] === ip);
}

function withUsers(req: FakeRequest, address: Resource): Resource {
  const users = rulesOn(req, String(address['address'])).map((r) => r.selfLink);
  return { ...address, users, status: users.length > 0 ? 'IN_USE' : 'RESERVED' };
}

function fingerprint(): string {
  return Buffer.from(String(Math.random())).toString('base64').slice(0, 12);
}

// --- addresses ------------------------------------------------------------------------------

function buildAddress(req: FakeRequest, name: string): Resource {
  const b = req.body;
  const addressType = checkScheme('resource.addressType', b['addressType']);
  const purpose = optionalString(b['purpose']);
  if (addressType === 'EXTERNAL' && purpose !== undefined) {
    throw invalid('resource.purpose', `'${purpose}' is for internal addresses; an external address has no purpose.`);
  }
  if (
    addressType === 'INTERNAL' &&
    purpose !== undefined &&
    purpose !== 'GCE_ENDPOINT' &&
    purpose !== 'SHARED_LOADBALANCER_VIP'
  ) {
    throw invalid('resource.purpose', `'${purpose}' (the fake knows GCE_ENDPOINT and SHARED_LOADBALANCER_VIP).`);
  }
  const wanted = optionalString(b['address']);
  const taken = (ip: string): boolean => addressWithIp(req, ip) !== undefined;
  if (wanted !== undefined) {
    if (!isIPv4(wanted)) throw invalid('resource.address', `'${wanted}' is not an IPv4 address.`);
    if (taken(wanted))
      throw invalid('resource.address', `IP address '${wanted}' is already reserved by another resource.`);
  }
  return {
    ...base(req, 'addresses', 'compute#address', name),
    address: wanted ?? req.store.allocate(addressType, taken),
    addressType,
    ...(addressType === 'INTERNAL' ? { purpose: purpose ?? 'GCE_ENDPOINT' } : { networkTier: 'PREMIUM' }),
    ...(optionalString(b['subnetwork']) ? { subnetwork: b['subnetwork'] } : {}),
    description: optionalString(b['description']) ?? '',
    labels: checkLabels(b['labels']),
    labelFingerprint: fingerprint(),
  };
}

// --- forwarding rules ----------------------------------------------------------------------

function resolveIp(req: FakeRequest, scheme: string, value: unknown): { ip: string; address: Resource | undefined } {
  const text = optionalString(value);
  if (text === undefined) {
    const taken = (ip: string): boolean => addressWithIp(req, ip) !== undefined || rulesOn(req, ip).length > 0;
    return { ip: req.store.allocate(scheme === 'INTERNAL' ? 'INTERNAL' : 'EXTERNAL', taken), address: undefined };
  }
  const byLink = isIPv4(text) ? undefined : req.store.lookup(text);
  if (!isIPv4(text) && !byLink) throw notFound(text);
  const address = byLink ?? addressWithIp(req, text);
  const ip = byLink ? String(byLink['address']) : text;
  if (address && address['addressType'] !== scheme) {
    throw invalid(
      'resource.IPAddress',
      `address '${address.name}' is ${String(address['addressType'])}, the rule is ${scheme}.`,
    );
  }
  if (!address && scheme === 'EXTERNAL') {
    throw invalid('resource.IPAddress', `'${ip}' is not a static external address reserved in this region.`);
  }
  return { ip, address };
}

function specOf(rule: Resource): { protocol: string; spec: PortSpec } {
  const ports = Array.isArray(rule['ports']) ? (rule['ports'] as string[]).map(Number) : [];
  return { protocol: String(rule['IPProtocol']), spec: { allPorts: rule['allPorts'] === true, ports } };
}

function buildForwardingRule(req: FakeRequest, name: string): Resource {
  const b = req.body;
  const scheme = checkScheme('resource.loadBalancingScheme', b['loadBalancingScheme']);
  const { protocol, spec } = checkForwardingRulePorts(
    scheme,
    b['IPProtocol'] ?? 'TCP',
    b['ports'],
    b['portRange'],
    b['allPorts'],
  );
  const backendLink = optionalString(b['backendService']);
  if (backendLink === undefined)
    throw invalid('resource.backendService', 'the fake implements backend-service-based rules only.');
  const backend = req.store.lookup(backendLink);
  const parsed = parseLink(backendLink);
  if (!backend || parsed?.collection !== 'backendServices') throw notFound(backendLink);
  if (parsed.loc.kind !== 'regions' || parsed.loc.scope !== req.loc.scope) {
    throw invalid('resource.backendService', "the backend service must be in the rule's region.");
  }
  if (backend['loadBalancingScheme'] !== scheme) {
    throw invalid(
      'resource.loadBalancingScheme',
      `the backend service is ${String(backend['loadBalancingScheme'])}, the rule ${scheme}.`,
    );
  }
  checkRuleFitsBackend(protocol, String(backend['protocol']));
  const { ip, address } = resolveIp(req, scheme, b['IPAddress']);
  const sharing = rulesOn(req, ip);
  const clash = sharing.find((other) => rulesOverlap(specOf(other), { protocol, spec }));
  if (clash)
    throw invalid(
      'resource.IPAddress',
      `'${ip}' already carries ${protocol} on overlapping ports in rule '${clash.name}'.`,
    );
  if (scheme === 'INTERNAL' && sharing.length > 0) {
    if (address?.['purpose'] !== 'SHARED_LOADBALANCER_VIP') {
      throw invalid(
        'resource.IPAddress',
        `internal address '${ip}' is used by another forwarding rule; sharing needs an address of purpose SHARED_LOADBALANCER_VIP.`,
      );
    }
    if (sharing.length >= MAX_RULES_PER_SHARED_VIP) {
      throw invalid(
        'resource.IPAddress',
        `a SHARED_LOADBALANCER_VIP address is used by at most ${MAX_RULES_PER_SHARED_VIP} forwarding rules.`,
      );
    }
  }
  return {
    ...base(req, 'forwardingRules', 'compute#forwardingRule', name),
    IPAddress: ip,
    IPProtocol: protocol,
    ...(spec.allPorts ? { allPorts: true } : { ports: spec.ports.map(String) }),
    backendService: backend.selfLink,
    loadBalancingScheme: scheme,
    ...(scheme === 'INTERNAL'
      ? { network: b['network'] ?? 'default', subnetwork: b['subnetwork'] ?? 'default' }
      : { networkTier: 'PREMIUM' }),
    description: optionalString(b['description']) ?? '',
    labels: checkLabels(b['labels']),
    labelFingerprint: fingerprint(),
  };
}

// --- health checks ---------------------------------------------------------------------------

function buildHealthCheck(req: FakeRequest, name: string): Resource {
  const b = req.body;
  const type = b['type'];
  const interval = Number(b['checkIntervalSec'] ?? 5);
  const timeout = Number(b['timeoutSec'] ?? 5);
  if (timeout > interval) throw invalid('resource.timeoutSec', 'must be less than or equal to checkIntervalSec.');
  const common = {
    ...base(req, 'healthChecks', 'compute#healthCheck', name),
    type,
    checkIntervalSec: interval,
    timeoutSec: timeout,
    healthyThreshold: Number(b['healthyThreshold'] ?? 2),
    unhealthyThreshold: Number(b['unhealthyThreshold'] ?? 2),
    description: optionalString(b['description']) ?? '',
  };
  if (type === 'TCP') {
    const tcp = (b['tcpHealthCheck'] ?? {}) as Record<string, unknown>;
    return { ...common, tcpHealthCheck: { port: checkPort('resource.tcpHealthCheck.port', tcp['port']) } };
  }
  if (type === 'HTTP') {
    const http = (b['httpHealthCheck'] ?? {}) as Record<string, unknown>;
    const path = optionalString(http['requestPath']) ?? '/';
    if (!path.startsWith('/')) throw invalid('resource.httpHealthCheck.requestPath', 'must start with /.');
    return {
      ...common,
      httpHealthCheck: { port: checkPort('resource.httpHealthCheck.port', http['port']), requestPath: path },
    };
  }
  throw invalid('resource.type', `'${String(type)}' (the fake implements TCP and HTTP).`);
}

function updateHealthCheck(req: FakeRequest): ReturnType<Handler> {
  const current = existing(req, 'healthChecks');
  if (req.body['name'] !== undefined && req.body['name'] !== current.name)
    throw invalid('resource.name', 'cannot be changed.');
  const next = {
    ...buildHealthCheck(req, current.name),
    id: current.id,
    creationTimestamp: current['creationTimestamp'],
  };
  return {
    kind: 'mutation',
    targetLink: current.selfLink,
    operationType: 'update',
    apply: () => req.store.collection(req.loc, 'healthChecks').set(current.name, next),
  };
}

// --- backend services -----------------------------------------------------------------------

function buildBackendService(req: FakeRequest, name: string): Resource {
  const b = req.body;
  const scheme = checkScheme('resource.loadBalancingScheme', b['loadBalancingScheme']);
  const protocol = checkBackendProtocol(b['protocol']);
  const checks = Array.isArray(b['healthChecks']) ? (b['healthChecks'] as unknown[]) : [];
  if (checks.length !== 1)
    throw invalid('resource.healthChecks', 'a passthrough backend service has exactly one health check.');
  const check = req.store.lookup(String(checks[0]));
  const checkLink = parseLink(String(checks[0]));
  if (!check || checkLink?.collection !== 'healthChecks') throw notFound(String(checks[0]));
  if (checkLink.loc.kind !== 'regions' || checkLink.loc.scope !== req.loc.scope) {
    throw invalid('resource.healthChecks[0]', 'a regional backend service needs a health check in its region.');
  }
  const backends = (Array.isArray(b['backends']) ? (b['backends'] as Record<string, unknown>[]) : []).map(
    (backend, i) => {
      const group = text(backend['group']);
      const parsed = parseLink(group);
      const found = req.store.lookup(group);
      if (!found || parsed?.collection !== 'instanceGroups') throw notFound(group);
      if (regionOfZone(parsed.loc.scope) !== req.loc.scope)
        throw invalid(`resource.backends[${i}].group`, "must be in a zone of the backend service's region.");
      const mode = backend['balancingMode'] ?? 'CONNECTION';
      if (mode !== 'CONNECTION')
        throw invalid(
          `resource.backends[${i}].balancingMode`,
          `'${text(mode)}': passthrough load balancers use CONNECTION.`,
        );
      return { group: found.selfLink, balancingMode: 'CONNECTION' };
    },
  );
  if (new Set(backends.map((x) => x.group)).size !== backends.length)
    throw invalid('resource.backends', 'duplicate instance group.');
  return {
    ...base(req, 'backendServices', 'compute#backendService', name),
    loadBalancingScheme: scheme,
    protocol,
    healthChecks: [check.selfLink],
    backends,
    ...(scheme === 'INTERNAL' && b['network'] !== undefined ? { network: b['network'] } : {}),
    sessionAffinity: optionalString(b['sessionAffinity']) ?? 'NONE',
    description: optionalString(b['description']) ?? '',
    fingerprint: fingerprint(),
  };
}

function rulesUsing(req: FakeRequest, target: Resource, field: string): Resource[] {
  return [...req.store.all(req.loc.project, 'forwardingRules')].filter((r) => r[field] === target.selfLink);
}

function updateBackendService(req: FakeRequest, merge: boolean): ReturnType<Handler> {
  const current = existing(req, 'backendServices');
  const given = optionalString(req.body['fingerprint']);
  if (given !== undefined && given !== current['fingerprint']) throw conditionNotMet(current.selfLink);
  const body = merge ? { ...current, ...req.body } : req.body;
  const next: Resource = {
    ...buildBackendService({ ...req, body }, current.name),
    id: current.id,
    creationTimestamp: current['creationTimestamp'],
  };
  if (next['loadBalancingScheme'] !== current['loadBalancingScheme'])
    throw invalid('resource.loadBalancingScheme', 'cannot be changed.');
  for (const rule of rulesUsing(req, current, 'backendService'))
    checkRuleFitsBackend(String(rule['IPProtocol']), String(next['protocol']));
  return {
    kind: 'mutation',
    targetLink: current.selfLink,
    operationType: merge ? 'patch' : 'update',
    apply: () => req.store.collection(req.loc, 'backendServices').set(current.name, next),
  };
}

export const regionalHandlers: Record<string, Handler> = {
  'addresses.get': (req) => read(withUsers(req, existing(req, 'addresses'))),
  'addresses.list': list('addresses', 'compute#addressList', withUsers),
  'addresses.insert': insert('addresses', buildAddress),
  'addresses.delete': remove('addresses', (req, a) => rulesOn(req, String(a['address']))),

  'forwardingRules.get': (req) => read(existing(req, 'forwardingRules')),
  'forwardingRules.list': list('forwardingRules', 'compute#forwardingRuleList'),
  'forwardingRules.insert': insert('forwardingRules', buildForwardingRule),
  'forwardingRules.delete': remove('forwardingRules', () => []),

  'regionHealthChecks.get': (req) => read(existing(req, 'healthChecks')),
  'regionHealthChecks.list': list('healthChecks', 'compute#healthCheckList'),
  'regionHealthChecks.insert': insert('healthChecks', buildHealthCheck),
  'regionHealthChecks.update': updateHealthCheck,
  'regionHealthChecks.delete': remove('healthChecks', (req, hc) =>
    [...req.store.all(req.loc.project, 'backendServices')].filter((s) =>
      (s['healthChecks'] as string[]).includes(hc.selfLink),
    ),
  ),

  'regionBackendServices.get': (req) => read(existing(req, 'backendServices')),
  'regionBackendServices.list': list('backendServices', 'compute#backendServiceList'),
  'regionBackendServices.insert': insert('backendServices', buildBackendService),
  'regionBackendServices.update': (req) => updateBackendService(req, false),
  'regionBackendServices.patch': (req) => updateBackendService(req, true),
  'regionBackendServices.delete': remove('backendServices', (req, s) => rulesUsing(req, s, 'backendService')),
};
