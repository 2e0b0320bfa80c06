// Zonal collections (instances, unmanaged instance groups) and global firewalls.
import { GceApiError, inUse, invalid, notFound } from './errors.ts';
import { base, existing, optionalString, read, type FakeRequest, type Handler, type Outcome, text } from './handler.ts';
import { page } from './listing.ts';
import { checkCidr, checkFirewallAllowed } from './rules.ts';
import { insert, list, remove } from './collection.ts';
import { parseLink, type Resource } from './store.ts';

function members(req: FakeRequest, group: Resource): Set<string> {
  let set = req.store.members.get(group.selfLink);
  if (!set) {
    set = new Set();
    req.store.members.set(group.selfLink, set);
  }
  return set;
}

// --- instances -------------------------------------------------------------------------------

let nextNodeIp = 0;

function buildInstance(req: FakeRequest, name: string): Resource {
  const nics = Array.isArray(req.body['networkInterfaces'])
    ? (req.body['networkInterfaces'] as Record<string, unknown>[])
    : [{}];
  nextNodeIp += 1;
  return {
    ...base(req, 'instances', 'compute#instance', name),
    machineType: optionalString(req.body['machineType']) ?? `zones/${req.loc.scope}/machineTypes/e2-small`,
    status: 'RUNNING',
    networkInterfaces: nics.map((nic, i) => ({
      name: `nic${i}`,
      network: nic['network'] ?? 'global/networks/default',
      networkIP: optionalString(nic['networkIP']) ?? `10.0.${(nextNodeIp >> 8) & 255}.${nextNodeIp & 255 || 1}`,
    })),
    labels: req.body['labels'] ?? {},
    tags: req.body['tags'] ?? { items: [] },
  };
}

// --- instance groups -------------------------------------------------------------------------

function withSize(req: FakeRequest, group: Resource): Resource {
  return { ...group, size: members(req, group).size };
}

function buildInstanceGroup(req: FakeRequest, name: string): Resource {
  return {
    ...base(req, 'instanceGroups', 'compute#instanceGroup', name),
    network: req.body['network'] ?? 'global/networks/default',
    namedPorts: req.body['namedPorts'] ?? [],
    description: optionalString(req.body['description']) ?? '',
    fingerprint: 'ig',
  };
}

function instanceLinks(req: FakeRequest): string[] {
  const list = Array.isArray(req.body['instances']) ? (req.body['instances'] as Record<string, unknown>[]) : [];
  if (list.length === 0) throw invalid('resource.instances', 'at least one instance.');
  return list.map((entry, i) => {
    const link = text(entry['instance']);
    const instance = req.store.lookup(link);
    const parsed = parseLink(link);
    if (!instance || parsed?.collection !== 'instances') throw notFound(link);
    if (parsed.loc.scope !== req.loc.scope)
      throw invalid(`resource.instances[${i}]`, 'an instance group holds instances of its own zone.');
    return instance.selfLink;
  });
}

function addInstances(req: FakeRequest): Outcome {
  const group = existing(req, 'instanceGroups');
  const links = instanceLinks(req);
  const own = members(req, group);
  for (const link of links) {
    if (own.has(link))
      throw new GceApiError(
        400,
        'memberAlreadyExists',
        'MEMBER_ALREADY_EXISTS',
        `'${link}' is already a member of '${group.selfLink}'.`,
      );
    for (const [other, set] of req.store.members) {
      if (other !== group.selfLink && set.has(link))
        throw invalid(
          'resource.instances',
          `'${link}' already belongs to instance group '${other}'; an instance is in at most one load-balanced group.`,
        );
    }
  }
  return {
    kind: 'mutation',
    targetLink: group.selfLink,
    operationType: 'addInstances',
    apply: () => links.forEach((l) => own.add(l)),
  };
}

function removeInstances(req: FakeRequest): Outcome {
  const group = existing(req, 'instanceGroups');
  const links = instanceLinks(req);
  const own = members(req, group);
  for (const link of links) {
    if (!own.has(link))
      throw new GceApiError(
        400,
        'memberNotFound',
        'MEMBER_NOT_FOUND',
        `'${link}' is not a member of '${group.selfLink}'.`,
      );
  }
  return {
    kind: 'mutation',
    targetLink: group.selfLink,
    operationType: 'removeInstances',
    apply: () => links.forEach((l) => own.delete(l)),
  };
}

function listInstances(req: FakeRequest): Outcome {
  const group = existing(req, 'instanceGroups');
  const items = [...members(req, group)].sort().map((instance) => ({ instance, status: 'RUNNING' }));
  return read({ kind: 'compute#instanceGroupsListInstances', id: group.selfLink, ...page(items, req.query) });
}

function deleteInstanceGroup(req: FakeRequest): Outcome {
  const group = existing(req, 'instanceGroups');
  const user = [...req.store.all(req.loc.project, 'backendServices')].find((s) =>
    (s['backends'] as { group: string }[]).some((b) => b.group === group.selfLink),
  );
  if (user) throw inUse(group.selfLink, user.selfLink);
  return {
    kind: 'mutation',
    targetLink: group.selfLink,
    operationType: 'delete',
    apply: () => {
      req.store.collection(req.loc, 'instanceGroups').delete(group.name);
      req.store.members.delete(group.selfLink);
    },
  };
}

// --- firewalls -------------------------------------------------------------------------------

function buildFirewall(req: FakeRequest, name: string): Resource {
  const b = req.body;
  const direction = b['direction'] ?? 'INGRESS';
  if (direction !== 'INGRESS' && direction !== 'EGRESS') throw invalid('resource.direction', `'${text(direction)}'.`);
  const priority = Number(b['priority'] ?? 1000);
  if (!Number.isInteger(priority) || priority < 0 || priority > 65535)
    throw invalid('resource.priority', 'between 0 and 65535.');
  const sourceRanges = Array.isArray(b['sourceRanges'])
    ? (b['sourceRanges'] as unknown[]).map((r, i) => checkCidr(`resource.sourceRanges[${i}]`, r))
    : [];
  if (direction === 'INGRESS' && sourceRanges.length === 0 && !Array.isArray(b['sourceTags'])) {
    throw invalid('resource.sourceRanges', 'an ingress rule needs sourceRanges or sourceTags.');
  }
  checkFirewallAllowed(b['allowed']);
  return {
    ...base(req, 'firewalls', 'compute#firewall', name),
    network: b['network'] ?? `projects/${req.loc.project}/global/networks/default`,
    direction,
    priority,
    sourceRanges,
    allowed: b['allowed'],
    ...(Array.isArray(b['targetTags']) ? { targetTags: b['targetTags'] } : {}),
    description: optionalString(b['description']) ?? '',
  };
}

function updateFirewall(req: FakeRequest): Outcome {
  const current = existing(req, 'firewalls');
  if (req.body['name'] !== undefined && req.body['name'] !== current.name)
    throw invalid('resource.name', 'cannot be changed.');
  const next = { ...buildFirewall(req, current.name), id: current.id, creationTimestamp: current['creationTimestamp'] };
  return {
    kind: 'mutation',
    targetLink: current.selfLink,
    operationType: 'update',
    apply: () => req.store.collection(req.loc, 'firewalls').set(current.name, next),
  };
}

export const zonalGlobalHandlers: Record<string, Handler> = {
  'instances.get': (req) => read(existing(req, 'instances')),
  'instances.list': list('instances', 'compute#instanceList'),
  'instances.insert': insert('instances', buildInstance),

  'instanceGroups.get': (req) => read(withSize(req, existing(req, 'instanceGroups'))),
  'instanceGroups.list': list('instanceGroups', 'compute#instanceGroupList', withSize),
  'instanceGroups.insert': insert('instanceGroups', buildInstanceGroup),
  'instanceGroups.delete': deleteInstanceGroup,
  'instanceGroups.listInstances': listInstances,
  'instanceGroups.addInstances': addInstances,
  'instanceGroups.removeInstances': removeInstances,

  'firewalls.get': (req) => read(existing(req, 'firewalls')),
  'firewalls.list': list('firewalls', 'compute#firewallList'),
  'firewalls.insert': insert('firewalls', buildFirewall),
  'firewalls.update': updateFirewall,
  'firewalls.delete': remove('firewalls', () => []),
};
