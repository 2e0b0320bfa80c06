// The GCE fake's rules, exercised through the real @google-cloud/compute client.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import {
  AddressesClient,
  FirewallsClient,
  ForwardingRulesClient,
  InstanceGroupsClient,
  InstancesClient,
  RegionBackendServicesClient,
  RegionHealthChecksClient,
  RegionOperationsClient,
} from '@google-cloud/compute';
import { PassThroughClient } from 'google-auth-library';
import { startGceFake, type GceFake } from './server.ts';

const project = 'fake-project';
const region = 'us-central1';
const zone = 'us-central1-a';
const p = { project, region };
const NO_RETRY = { retry: null } as never;

type Code = { code?: number; reason?: string };
const rejectsWith = (code: number, reason?: string) => (e: Code) =>
  e.code === code && (reason === undefined || e.reason === reason);

describe('GCE fake', () => {
  let fake: GceFake;
  let addresses: AddressesClient;
  let rules: ForwardingRulesClient;
  let checks: RegionHealthChecksClient;
  let backends: RegionBackendServicesClient;
  let groups: InstanceGroupsClient;
  let instances: InstancesClient;
  let firewalls: FirewallsClient;
  let operations: RegionOperationsClient;

  before(async () => {
    fake = await startGceFake({ operationLatencyMs: 60 });
    const o = { apiEndpoint: '127.0.0.1', port: fake.port, protocol: 'http', authClient: new PassThroughClient() };
    addresses = new AddressesClient(o);
    rules = new ForwardingRulesClient(o);
    checks = new RegionHealthChecksClient(o);
    backends = new RegionBackendServicesClient(o);
    groups = new InstanceGroupsClient(o);
    instances = new InstancesClient(o);
    firewalls = new FirewallsClient(o);
    operations = new RegionOperationsClient(o);
  });
  after(async () => {
    await Promise.all(
      [addresses, rules, checks, backends, groups, instances, firewalls, operations].map((c) => c.close()),
    );
    await fake.stop();
  });
  beforeEach(() => fake.reset());

  async function backend(
    name: string,
    scheme: 'EXTERNAL' | 'INTERNAL',
    protocol: string,
    groupLinks: string[] = [],
  ): Promise<string> {
    await checks.insert({
      ...p,
      healthCheckResource: { name: `${name}-hc`, type: 'TCP', tcpHealthCheck: { port: 80 } },
    });
    await backends.insert({
      ...p,
      backendServiceResource: {
        name,
        loadBalancingScheme: scheme,
        protocol,
        healthChecks: [`projects/${project}/regions/${region}/healthChecks/${name}-hc`],
        backends: groupLinks.map((group) => ({ group, balancingMode: 'CONNECTION' })),
      },
    });
    return `projects/${project}/regions/${region}/backendServices/${name}`;
  }

  it('validates names, answers 409 on duplicates and 404 for missing resources', async () => {
    await assert.rejects(addresses.insert({ ...p, addressResource: { name: 'Bad_Name' } }, NO_RETRY), rejectsWith(3));
    await assert.rejects(
      addresses.insert({ ...p, addressResource: { name: `a${'b'.repeat(63)}` } }, NO_RETRY),
      rejectsWith(3),
    );
    await addresses.insert({ ...p, addressResource: { name: 'ip-1' } });
    await assert.rejects(
      addresses.insert({ ...p, addressResource: { name: 'ip-1' } }, NO_RETRY),
      rejectsWith(10, 'RESOURCE_ALREADY_EXISTS'),
    );
    await assert.rejects(addresses.get({ ...p, address: 'nope' }, NO_RETRY), rejectsWith(5));
    await assert.rejects(addresses.delete({ ...p, address: 'nope' }, NO_RETRY), rejectsWith(5));
  });

  it('runs operations asynchronously: PENDING or RUNNING at first, DONE after wait', async () => {
    const [op] = await addresses.insert({ ...p, addressResource: { name: 'ip-async' } });
    const raw = op.latestResponse as unknown as { name: string; status: string };
    assert.notEqual(raw.status, 'DONE');
    const [done] = await operations.wait({ ...p, operation: raw.name });
    assert.equal(done.status, 'DONE');
    assert.ok(!done.error);
  });

  it('refuses to delete what is still referenced', async () => {
    const link = await backend('bs-1', 'EXTERNAL', 'TCP');
    await addresses.insert({ ...p, addressResource: { name: 'ip-ref' } });
    const [ip] = await addresses.get({ ...p, address: 'ip-ref' });
    await rules.insert({
      ...p,
      forwardingRuleResource: {
        name: 'fr-1',
        IPAddress: ip.address ?? '',
        IPProtocol: 'TCP',
        ports: ['80'],
        backendService: link,
        loadBalancingScheme: 'EXTERNAL',
      },
    });
    const inUse = rejectsWith(3, 'RESOURCE_IN_USE_BY_ANOTHER_RESOURCE');
    await assert.rejects(addresses.delete({ ...p, address: 'ip-ref' }, NO_RETRY), inUse);
    await assert.rejects(backends.delete({ ...p, backendService: 'bs-1' }, NO_RETRY), inUse);
    await assert.rejects(checks.delete({ ...p, healthCheck: 'bs-1-hc' }, NO_RETRY), inUse);
    const [held] = await addresses.get({ ...p, address: 'ip-ref' });
    assert.equal(held.status, 'IN_USE');
    assert.equal(held.users?.length, 1);
  });

  it('enforces forwarding-rule protocol, port and scheme combinations', async () => {
    const tcp = await backend('bs-tcp', 'EXTERNAL', 'TCP');
    const any = await backend('bs-any', 'INTERNAL', 'UNSPECIFIED');
    const ext = await backend('bs-ext-any', 'EXTERNAL', 'UNSPECIFIED');
    await addresses.insert({ ...p, addressResource: { name: 'ext' } });
    const [ip] = await addresses.get({ ...p, address: 'ext' });
    const rule = (over: Record<string, unknown>) =>
      rules.insert(
        {
          ...p,
          forwardingRuleResource: {
            name: 'fr',
            IPAddress: ip.address ?? '',
            loadBalancingScheme: 'EXTERNAL',
            backendService: tcp,
            ...over,
          },
        },
        NO_RETRY,
      );
    await assert.rejects(rule({ IPProtocol: 'SCTP', ports: ['3868'] }), rejectsWith(3), 'no SCTP on external');
    await assert.rejects(
      rule({ IPProtocol: 'TCP', ports: ['1', '2', '3', '4', '5', '6'] }),
      rejectsWith(3),
      'at most 5 ports',
    );
    await assert.rejects(rule({ IPProtocol: 'TCP' }), rejectsWith(3), 'ports or allPorts');
    await assert.rejects(
      rule({ IPProtocol: 'L3_DEFAULT', backendService: ext }),
      rejectsWith(3),
      'L3_DEFAULT needs allPorts',
    );
    await assert.rejects(
      rule({ IPProtocol: 'L3_DEFAULT', allPorts: true }),
      rejectsWith(3),
      'L3_DEFAULT needs an UNSPECIFIED backend',
    );
    await assert.rejects(rule({ IPProtocol: 'UDP', ports: ['53'] }), rejectsWith(3), 'UDP rule on a TCP backend');
    await assert.rejects(
      rule({ IPProtocol: 'TCP', ports: ['80'], backendService: any }),
      rejectsWith(3),
      'scheme mismatch',
    );
    await assert.rejects(
      rule({ IPProtocol: 'TCP', ports: ['80'], IPAddress: '34.99.99.99' }),
      rejectsWith(3),
      'external IP must be reserved',
    );
    await rule({ IPProtocol: 'L3_DEFAULT', allPorts: true, backendService: ext, name: 'fr-l3' });
    await rule({ IPProtocol: 'TCP', ports: ['80', '443'], name: 'fr-tcp' });
    await assert.rejects(
      rule({ IPProtocol: 'TCP', ports: ['443'], name: 'fr-overlap' }),
      rejectsWith(3),
      'overlapping ports on one IP',
    );
    // internal SCTP only through L3_DEFAULT
    await assert.rejects(
      rules.insert(
        {
          ...p,
          forwardingRuleResource: {
            name: 'fr-i',
            IPProtocol: 'SCTP',
            ports: ['3868'],
            loadBalancingScheme: 'INTERNAL',
            backendService: any,
          },
        },
        NO_RETRY,
      ),
      rejectsWith(3),
    );
    await rules.insert({
      ...p,
      forwardingRuleResource: {
        name: 'fr-i',
        IPProtocol: 'L3_DEFAULT',
        allPorts: true,
        loadBalancingScheme: 'INTERNAL',
        backendService: any,
      },
    });
  });

  it('shares an internal address only with purpose SHARED_LOADBALANCER_VIP, up to 10 rules', async () => {
    const any = await backend('bs-any', 'INTERNAL', 'UNSPECIFIED');
    await addresses.insert({ ...p, addressResource: { name: 'plain', addressType: 'INTERNAL' } });
    await addresses.insert({
      ...p,
      addressResource: { name: 'shared', addressType: 'INTERNAL', purpose: 'SHARED_LOADBALANCER_VIP' },
    });
    await assert.rejects(
      addresses.insert(
        { ...p, addressResource: { name: 'bad', addressType: 'EXTERNAL', purpose: 'SHARED_LOADBALANCER_VIP' } },
        NO_RETRY,
      ),
      rejectsWith(3),
    );
    const [plain] = await addresses.get({ ...p, address: 'plain' });
    const [shared] = await addresses.get({ ...p, address: 'shared' });
    const rule = (name: string, ip: string, port: number) =>
      rules.insert(
        {
          ...p,
          forwardingRuleResource: {
            name,
            IPAddress: ip,
            IPProtocol: 'TCP',
            ports: [String(port)],
            loadBalancingScheme: 'INTERNAL',
            backendService: any,
          },
        },
        NO_RETRY,
      );
    await rule('p-1', plain.address ?? '', 1);
    await assert.rejects(rule('p-2', plain.address ?? '', 2), rejectsWith(3));
    for (let i = 1; i <= 10; i++) await rule(`s-${i}`, shared.address ?? '', i);
    await assert.rejects(rule('s-11', shared.address ?? '', 11), rejectsWith(3));
  });

  it('holds instances in unmanaged instance groups, one load-balanced group per instance', async () => {
    await instances.insert({ project, zone, instanceResource: { name: 'vm-1' } });
    const [vm] = await instances.get({ project, zone, instance: 'vm-1' });
    assert.equal(vm.status, 'RUNNING');
    const [listed] = await instances.list({ project, zone });
    assert.deepEqual(
      listed.map((i) => i.name),
      ['vm-1'],
    );
    await groups.insert({ project, zone, instanceGroupResource: { name: 'ig-1' } });
    await groups.insert({ project, zone, instanceGroupResource: { name: 'ig-2' } });
    const vmLink = `projects/${project}/zones/${zone}/instances/vm-1`;
    const add = (group: string, instance: string) =>
      groups.addInstances(
        {
          project,
          zone,
          instanceGroup: group,
          instanceGroupsAddInstancesRequestResource: { instances: [{ instance }] },
        },
        NO_RETRY,
      );
    await add('ig-1', vmLink);
    await assert.rejects(add('ig-1', vmLink), rejectsWith(3, 'MEMBER_ALREADY_EXISTS'));
    await assert.rejects(add('ig-2', vmLink), rejectsWith(3));
    await assert.rejects(add('ig-1', `projects/${project}/zones/${zone}/instances/vm-none`), rejectsWith(5));
    const [members] = await groups.listInstances({
      project,
      zone,
      instanceGroup: 'ig-1',
      instanceGroupsListInstancesRequestResource: {},
    });
    assert.deepEqual(
      members.map((m) => m.instance?.endsWith('/vm-1')),
      [true],
    );
    const link = `projects/${project}/zones/${zone}/instanceGroups/ig-1`;
    await backend('bs-ig', 'EXTERNAL', 'TCP', [link]);
    await assert.rejects(
      groups.delete({ project, zone, instanceGroup: 'ig-1' }, NO_RETRY),
      rejectsWith(3, 'RESOURCE_IN_USE_BY_ANOTHER_RESOURCE'),
    );
  });

  it('validates firewalls and health checks', async () => {
    const fw = (over: Record<string, unknown>) =>
      firewalls.insert(
        {
          project,
          firewallResource: {
            name: 'fw',
            sourceRanges: ['0.0.0.0/0'],
            allowed: [{ IPProtocol: 'tcp', ports: ['80'] }],
            ...over,
          },
        },
        NO_RETRY,
      );
    await assert.rejects(fw({ sourceRanges: ['10.0.0.0/33'] }), rejectsWith(3));
    await assert.rejects(fw({ allowed: [{ IPProtocol: 'tcp', ports: ['70000'] }] }), rejectsWith(3));
    await fw({ allowed: [{ IPProtocol: 'sctp', ports: ['3868'] }] });
    await assert.rejects(
      checks.insert({ ...p, healthCheckResource: { name: 'hc', type: 'TCP', tcpHealthCheck: { port: 0 } } }, NO_RETRY),
      rejectsWith(3),
    );
    await assert.rejects(
      checks.insert(
        {
          ...p,
          healthCheckResource: {
            name: 'hc',
            type: 'HTTP',
            timeoutSec: 9,
            checkIntervalSec: 5,
            httpHealthCheck: { port: 10256 },
          },
        },
        NO_RETRY,
      ),
      rejectsWith(3),
    );
  });

  it('filters and pages lists', async () => {
    for (let i = 0; i < 7; i++)
      await addresses.insert({
        ...p,
        addressResource: { name: `ip-${i}`, labels: { team: i % 2 === 0 ? 'even' : 'odd' } },
      });
    const [even] = await addresses.list({ ...p, filter: 'labels.team = "even"' });
    assert.equal(even.length, 4);
    const [some] = await addresses.list({ ...p, filter: '(name = "ip-1") OR (name = "ip-2")' });
    assert.deepEqual(
      some.map((a) => a.name),
      ['ip-1', 'ip-2'],
    );
    await assert.rejects(addresses.list({ ...p, filter: 'name ~ "x"' }, NO_RETRY), rejectsWith(3));
    const [page1, next] = await addresses.list({ ...p, maxResults: 5 }, { autoPaginate: false });
    assert.equal(page1.length, 5);
    assert.ok(next?.pageToken);
  });

  it('filters by RE2 regular expressions (eq, ne) matching the whole field, and refuses malformed ones', async () => {
    for (let i = 0; i < 12; i++)
      await addresses.insert({
        ...p,
        addressResource: { name: `lb-${i}-tcp`, labels: { team: i % 2 === 0 ? 'even' : 'odd' } },
      });
    const names = async (filter: string): Promise<string[]> => {
      const [got] = await addresses.list({ ...p, filter });
      return got.map((r) => r.name ?? '');
    };
    assert.deepEqual(await names('name eq "(lb-1-tcp|lb-3-tcp|lb-99-tcp)"'), ['lb-1-tcp', 'lb-3-tcp']);
    assert.deepEqual(await names("name eq 'lb-1.*'"), ['lb-1-tcp', 'lb-10-tcp', 'lb-11-tcp']);
    assert.deepEqual(await names('name eq lb-1'), [], 'the literal must match the whole name');
    assert.deepEqual(await names('name eq "lb-1-tcp|lb-2-tcp"'), ['lb-1-tcp', 'lb-2-tcp']);
    assert.deepEqual(await names('(name eq "lb-[0-3]-tcp") (labels.team ne "odd")'), ['lb-0-tcp', 'lb-2-tcp']);
    // A filtered list pages like any other: 12 matches in pages of 5.
    const paged: string[] = [];
    let pageToken: string | undefined;
    let pages = 0;
    do {
      const request = { ...p, filter: 'name eq "lb-.*"', maxResults: 5, ...(pageToken ? { pageToken } : {}) };
      const [got, next] = await addresses.list(request, { autoPaginate: false });
      paged.push(...got.map((a) => a.name ?? ''));
      pageToken = next?.pageToken ?? undefined;
      pages++;
    } while (pageToken);
    assert.equal(pages, 3);
    assert.equal(new Set(paged).size, 12);
    for (const malformed of [
      'name eq "(lb-1-tcp"', // unbalanced group
      'name eq "lb-(?=1)"', // lookahead: not RE2
      'name eq "(a)\\1"', // backreference: not RE2
      'name eq "lb-1', // unterminated literal
      '(name eq "lb-1-tcp") (labels.team = "odd")', // regex and comparison mixed
      '(name eq "lb-1-tcp") OR (name eq "lb-2-tcp")', // the fake takes side-by-side (AND) only
      'name eq "a" name eq "b"', // several expressions without parentheses
      'name eq', // no value
    ])
      await assert.rejects(addresses.list({ ...p, filter: malformed }, NO_RETRY), rejectsWith(3), malformed);
  });

  it('injects faults, enforces quotas, counts calls by method', async () => {
    fake.addFault({ method: 'addresses.get', preset: 'rateLimit', times: 1 });
    await assert.rejects(addresses.get({ ...p, address: 'x' }, NO_RETRY), rejectsWith(8, 'RATE_LIMIT_EXCEEDED'));
    fake.addFault({ method: 'addresses.insert', preset: 'quota', times: 1 });
    const [op] = await addresses.insert({ ...p, addressResource: { name: 'q' } });
    const failed = op.latestResponse as unknown as { status: string; error?: { errors: { code: string }[] } };
    assert.equal(failed.status, 'DONE');
    assert.equal(failed.error?.errors[0]?.code, 'QUOTA_EXCEEDED');
    await assert.rejects(
      addresses.get({ ...p, address: 'q' }, NO_RETRY),
      rejectsWith(5),
      'a failed operation changes nothing',
    );
    fake.setQuota('addresses', 1);
    await addresses.insert({ ...p, addressResource: { name: 'one' } });
    const [second] = await addresses.insert({ ...p, addressResource: { name: 'two' } });
    assert.equal(
      (second.latestResponse as unknown as { error?: { errors: { code: string }[] } }).error?.errors[0]?.code,
      'QUOTA_EXCEEDED',
    );
    fake.addFault({ method: '*', preset: 'unavailable', times: 1 });
    await assert.rejects(addresses.get({ ...p, address: 'one' }, NO_RETRY), rejectsWith(14));
    const calls = fake.calls();
    assert.equal(calls['addresses.insert'], 3);
    assert.equal(calls['addresses.get'], 3);
    const control = await fetch(`${fake.endpoint}/_fake/calls`);
    assert.deepEqual(await control.json(), fake.calls());
  });

  it('answers 404 for paths it does not implement', async () => {
    const res = await fetch(`${fake.endpoint}/compute/v1/projects/${project}/global/networks`);
    assert.equal(res.status, 404);
  });
});
