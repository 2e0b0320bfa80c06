// The GCP provider through the real @google-cloud/compute client against the GCE fake.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import {
  AddressesClient,
  FirewallsClient,
  ForwardingRulesClient,
  RegionBackendServicesClient,
} from '@google-cloud/compute';
import { PassThroughClient } from 'google-auth-library';
import { PermanentError } from '../../src/provider/errors/index.ts';
import { GCP_CAPABILITIES } from '../../providers/gcp/provider.ts';
import { instanceGroupName } from '../../providers/gcp/names.ts';
import { desired, PROJECT, REGION, rig, signal, target, type Rig } from './support.ts';

const ZB = `${REGION}-b`;
const ZC = `${REGION}-c`;

describe('GCP provider against the GCE fake', () => {
  let r: Rig;
  let addresses: AddressesClient;
  let rules: ForwardingRulesClient;
  let backends: RegionBackendServicesClient;
  let firewalls: FirewallsClient;
  const p = { project: PROJECT, region: REGION };

  before(async () => {
    r = await rig();
    const opts = { apiEndpoint: '127.0.0.1', port: r.fake.port, protocol: 'http', authClient: new PassThroughClient() };
    addresses = new AddressesClient(opts);
    rules = new ForwardingRulesClient(opts);
    backends = new RegionBackendServicesClient(opts);
    firewalls = new FirewallsClient(opts);
    for (const [zone, name] of [
      [ZB, 'node-1'],
      [ZB, 'node-2'],
      [ZC, 'node-3'],
      [ZC, 'node-4'],
    ] as const)
      await r.createInstance(zone, name);
  });
  after(async () => {
    await Promise.all([addresses.close(), rules.close(), backends.close(), firewalls.close()]);
    await r.close();
  });
  beforeEach(() => {
    r.calls.clear();
    r.fake.clearFaults();
  });

  const store = (collection: string, scope = REGION): Map<string, Record<string, unknown>> =>
    r.fake.store.collection(
      {
        project: PROJECT,
        kind: collection === 'instanceGroups' ? 'zones' : collection === 'firewalls' ? 'global' : 'regions',
        scope: collection === 'firewalls' ? '' : scope,
      },
      collection,
    );
  const members = (zone: string): string[] =>
    [
      ...(r.fake.store.members.get(
        `https://www.googleapis.com/compute/v1/projects/${PROJECT}/zones/${zone}/instanceGroups/${instanceGroupName('test-cluster')}`,
      ) ?? []),
    ]
      .map((l) => l.slice(l.lastIndexOf('/') + 1))
      .sort();

  it('creates a 2-port TCP load balancer, and a second ensure writes nothing', async () => {
    const lb = desired({ targets: [target(ZB, 'node-1'), target(ZC, 'node-3')] });
    const status = await r.provider.ensure(lb, signal());
    assert.equal(status.changed, true);
    const ip = status.ingress[0]?.ip;
    assert.match(ip ?? '', /^34\./);
    const [rule] = await rules.get({ ...p, forwardingRule: `${lb.name}-tcp` });
    assert.equal(rule.IPAddress, ip);
    assert.deepEqual(rule.ports, ['80', '443']);
    assert.equal(rule.loadBalancingScheme, 'EXTERNAL');
    assert.equal(rule.labels?.['cloudlb-cluster'], 'test-cluster');
    const [bs] = await backends.get({ ...p, backendService: lb.name });
    assert.equal(bs.protocol, 'TCP');
    assert.equal(bs.backends?.length, 2);
    const [hcFw] = await firewalls.get({ project: PROJECT, firewall: `${lb.name}-hc` });
    assert.deepEqual([...(hcFw.sourceRanges ?? [])].sort(), [
      '130.211.0.0/22',
      '209.85.152.0/22',
      '209.85.204.0/22',
      '35.191.0.0/16',
    ]);
    assert.deepEqual(members(ZB), ['node-1']);

    r.calls.clear();
    const again = await r.provider.ensure(lb, signal());
    assert.equal(again.changed, false);
    assert.equal(r.mutatingCalls(), 0, JSON.stringify(Object.fromEntries(r.calls)));
    await r.provider.delete(lb, signal());
  });

  it('changes ports: recreates the forwarding rule on the same IP, updates the firewall', async () => {
    const lb = desired({ targets: [target(ZB, 'node-1')] });
    const ip = (await r.provider.ensure(lb, signal())).ingress[0]?.ip;
    const changed = {
      ...lb,
      listeners: [
        { port: 8080, protocol: 'TCP' as const, nodePort: 30080 },
        { port: 53, protocol: 'UDP' as const, nodePort: 30053 },
      ],
    };
    const status = await r.provider.ensure(changed, signal());
    assert.equal(status.changed, true);
    assert.equal(status.ingress[0]?.ip, ip);
    const [tcp] = await rules.get({ ...p, forwardingRule: `${lb.name}-tcp` });
    const [udp] = await rules.get({ ...p, forwardingRule: `${lb.name}-udp` });
    assert.deepEqual(tcp.ports, ['8080']);
    assert.deepEqual(udp.ports, ['53']);
    assert.equal(udp.IPAddress, ip);
    const [bs] = await backends.get({ ...p, backendService: lb.name });
    assert.equal(bs.protocol, 'UNSPECIFIED');
    const [fw] = await firewalls.get({ project: PROJECT, firewall: `${lb.name}-fw` });
    assert.deepEqual(
      fw.allowed?.map((a) => [a.IPProtocol, a.ports]),
      [
        ['tcp', ['8080']],
        ['udp', ['53']],
      ],
    );
    // more than five ports of one protocol: allPorts
    const many = {
      ...lb,
      listeners: [1, 2, 3, 4, 5, 6].map((i) => ({ port: 9000 + i, protocol: 'TCP' as const, nodePort: 31000 + i })),
    };
    await r.provider.ensure(many, signal());
    const [all] = await rules.get({ ...p, forwardingRule: `${lb.name}-tcp` });
    assert.equal(all.allPorts, true);
    assert.equal(store('forwardingRules').has(`${lb.name}-udp`), false);
    await r.provider.delete(lb, signal());
  });

  it('nodes join and leave: only the shared instance groups change, once for all Services', async () => {
    const a = desired({ targets: [target(ZB, 'node-1')] });
    const b = desired({ targets: [target(ZB, 'node-1')] });
    await r.provider.ensure(a, signal());
    await r.provider.ensure(b, signal());
    r.calls.clear();
    const joined = [target(ZB, 'node-1'), target(ZB, 'node-2')];
    assert.equal((await r.provider.ensure({ ...a, targets: joined }, signal())).changed, true);
    assert.equal((await r.provider.ensure({ ...b, targets: joined }, signal())).changed, false);
    assert.deepEqual(members(ZB), ['node-1', 'node-2']);
    const touched = [...r.calls.keys()].filter((k) => !k.includes('Operations'));
    assert.deepEqual(touched.sort(), [
      'compute:instanceGroups.addInstances',
      'compute:instanceGroups.list',
      'compute:instanceGroups.listInstances',
    ]);
    // node-1 leaves
    await r.provider.ensure({ ...a, targets: [target(ZB, 'node-2')] }, signal());
    assert.deepEqual(members(ZB), ['node-2']);
    // a node in a new zone: the backend service gains that zone's group
    await r.provider.ensure({ ...a, targets: [target(ZB, 'node-2'), target(ZC, 'node-4')] }, signal());
    const [bs] = await backends.get({ ...p, backendService: a.name });
    assert.equal(bs.backends?.length, 2);
    assert.deepEqual(members(ZC), ['node-4']);
    await r.provider.delete(a, signal());
    assert.equal(store('instanceGroups', ZB).size, 1, 'the group stays while b uses it');
    await r.provider.delete(b, signal());
    assert.equal(store('instanceGroups', ZB).size, 0, 'the last load balancer takes the group with it');
  });

  it('internal with SCTP: one L3_DEFAULT rule, UNSPECIFIED backend service, shared VIP address', async () => {
    const lb = desired({
      scheme: 'Internal',
      listeners: [
        { port: 80, protocol: 'TCP', nodePort: 30080 },
        { port: 3868, protocol: 'SCTP', nodePort: 31868 },
      ],
      targets: [target(ZB, 'node-1')],
    });
    const status = await r.provider.ensure(lb, signal());
    assert.match(status.ingress[0]?.ip ?? '', /^10\./);
    const [rule] = await rules.get({ ...p, forwardingRule: `${lb.name}-l3` });
    assert.equal(rule.IPProtocol, 'L3_DEFAULT');
    assert.equal(rule.allPorts, true);
    assert.equal(rule.loadBalancingScheme, 'INTERNAL');
    const [bs] = await backends.get({ ...p, backendService: lb.name });
    assert.equal(bs.protocol, 'UNSPECIFIED');
    const [address] = await addresses.get({ ...p, address: lb.name });
    assert.equal(address.purpose, 'SHARED_LOADBALANCER_VIP');
    const [fw] = await firewalls.get({ project: PROJECT, firewall: `${lb.name}-fw` });
    assert.ok(fw.allowed?.some((a) => a.IPProtocol === 'sctp'));
    const [hcFw] = await firewalls.get({ project: PROJECT, firewall: `${lb.name}-hc` });
    assert.deepEqual([...(hcFw.sourceRanges ?? [])].sort(), ['130.211.0.0/22', '35.191.0.0/16']);
    // internal TCP + UDP: two rules on the shared VIP
    await r.provider.ensure(
      {
        ...lb,
        listeners: [
          { port: 80, protocol: 'TCP', nodePort: 30080 },
          { port: 53, protocol: 'UDP', nodePort: 30053 },
        ],
      },
      signal(),
    );
    assert.deepEqual([...store('forwardingRules').keys()].filter((k) => k.startsWith(lb.name)).sort(), [
      `${lb.name}-tcp`,
      `${lb.name}-udp`,
    ]);
    assert.equal(
      (
        await r.provider.ensure(
          {
            ...lb,
            listeners: [
              { port: 80, protocol: 'TCP', nodePort: 30080 },
              { port: 53, protocol: 'UDP', nodePort: 30053 },
            ],
          },
          signal(),
        )
      ).changed,
      false,
    );
    await r.provider.delete(lb, signal());
  });

  it('external SCTP: capabilities refuse it, the provider refuses it, and so would GCE', async () => {
    assert.deepEqual(GCP_CAPABILITIES.schemes.External?.protocols, ['TCP', 'UDP']);
    assert.ok(GCP_CAPABILITIES.schemes.Internal?.protocols.includes('SCTP'));
    const lb = desired({ listeners: [{ port: 3868, protocol: 'SCTP', nodePort: 31868 }] });
    await assert.rejects(r.provider.ensure(lb, signal()), PermanentError);
    assert.equal(r.mutatingCalls(), 0);
    await assert.rejects(
      rules.insert({
        ...p,
        forwardingRuleResource: {
          name: 'sctp-probe',
          IPProtocol: 'SCTP',
          ports: ['3868'],
          loadBalancingScheme: 'EXTERNAL',
          backendService: 'x',
        },
      }),
      (e: { code?: number }) => e.code === 3,
    );
  });

  it("an address Compute Engine refuses is the user's spec.loadBalancerIP, and permanent", async () => {
    // The controller refuses a non-IP before any call (validate.ts); what only Compute Engine can
    // decide still comes back naming the field the user would change.
    const lb = desired({ requestedAddress: 'not-an-address' });
    await assert.rejects(
      r.provider.ensure(lb, signal()),
      (e: unknown) => e instanceof PermanentError && e.field === 'spec.loadBalancerIP',
    );
    await r.provider.delete(lb, signal());
  });

  it('keeps a user-supplied address on delete, releases its own', async () => {
    const [op] = await addresses.insert({ ...p, addressResource: { name: 'user-ip', addressType: 'EXTERNAL' } });
    void op;
    const [user] = await addresses.get({ ...p, address: 'user-ip' });
    const lb = desired({ requestedAddress: user.address ?? '', targets: [target(ZB, 'node-1')] });
    const status = await r.provider.ensure(lb, signal());
    assert.equal(status.ingress[0]?.ip, user.address);
    assert.equal(store('addresses').has(lb.name), false, 'no address of ours when the user brought one');
    await r.provider.delete(lb, signal());
    assert.equal(store('addresses').has('user-ip'), true);
    // an unreserved requested IP is reserved as ours and released
    const own = desired({ requestedAddress: '34.200.0.7', targets: [] });
    assert.equal((await r.provider.ensure(own, signal())).ingress[0]?.ip, '34.200.0.7');
    assert.equal(store('addresses').get(own.name)?.['address'], '34.200.0.7');
    await r.provider.delete(own, signal());
    assert.equal(store('addresses').has(own.name), false);
  });

  it('repairs drift: a deleted rule, a changed firewall, a backend service without groups', async () => {
    const lb = desired({ targets: [target(ZB, 'node-1')] });
    await r.provider.ensure(lb, signal());
    store('forwardingRules').delete(`${lb.name}-tcp`);
    const fw = store('firewalls', '').get(`${lb.name}-fw`)!;
    store('firewalls', '').set(`${lb.name}-fw`, { ...fw, sourceRanges: ['1.2.3.4/32'] });
    const bs = store('backendServices').get(lb.name)!;
    store('backendServices').set(lb.name, { ...bs, backends: [] });
    const status = await r.provider.ensure(lb, signal());
    assert.equal(status.changed, true);
    assert.ok(store('forwardingRules').has(`${lb.name}-tcp`));
    assert.deepEqual(store('firewalls', '').get(`${lb.name}-fw`)?.['sourceRanges'], ['0.0.0.0/0']);
    assert.equal((store('backendServices').get(lb.name)?.['backends'] as unknown[]).length, 1);
    await r.provider.delete(lb, signal());
  });

  it('never recreates because a read failed', async () => {
    const lb = desired({ targets: [target(ZB, 'node-1')] });
    await r.provider.ensure(lb, signal());
    r.calls.clear();
    r.fake.addFault({
      method: 'regionBackendServices.list',
      httpStatus: 403,
      reason: 'forbidden',
      code: 'PERMISSION_DENIED',
      times: 1,
    });
    await assert.rejects(r.provider.ensure(lb, signal()));
    assert.equal(r.mutatingCalls(), 0);
    await r.provider.delete(lb, signal());
  });

  it('Services reconciling at once share one list per resource type; a failed shared list fails each, recreating nothing', async () => {
    const lbs = Array.from({ length: 6 }, (_, i) =>
      desired({
        targets: [target(ZB, 'node-1')],
        ...(i % 2 === 1 ? { listeners: [{ name: 'dns', port: 53, protocol: 'UDP', nodePort: 30053 }] } : {}),
      }),
    );
    const created = await Promise.all(lbs.map((lb) => r.provider.ensure(lb, signal())));
    assert.equal(new Set(created.map((s) => s.ingress[0]?.ip)).size, 6, 'each Service its own address');

    // A resync: every Service reconciles at once, finds its own resources, writes nothing.
    r.calls.clear();
    r.batches.length = 0;
    const again = await Promise.all(lbs.map((lb) => r.provider.ensure(lb, signal())));
    assert.deepEqual(
      again.map((s) => s.changed),
      lbs.map(() => false),
    );
    assert.deepEqual(
      again.map((s) => s.ingress[0]?.ip),
      created.map((s) => s.ingress[0]?.ip),
    );
    // How many lists the six share depends on how many reach the batcher within its 5 ms window,
    // which a loaded machine stretches: one each when they all do, never more than one per Service.
    // (src/provider/batcher.test.ts checks the sharing itself: its requests arrive in one synchronous run.)
    const lists = ['addresses', 'firewalls', 'forwardingRules', 'regionBackendServices', 'regionHealthChecks'];
    assert.deepEqual([...r.calls.keys()].sort(), lists.map((l) => `compute:${l}.list`).sort());
    for (const [op, n] of r.calls) assert.ok(n >= 1 && n <= lbs.length, `${op}: ${n} calls for ${lbs.length} Services`);
    // Whatever the timing: each Service asked once per kind of resource, and was served by one list.
    assert.equal(
      r.batches.reduce((sum, b) => sum + b.callers, 0),
      lbs.length * lists.length,
    );

    // The shared rules list fails (after the retries): every Service fails with that error, none
    // takes its rules for absent.
    r.calls.clear();
    r.fake.addFault({ method: 'forwardingRules.list', preset: 'unavailable', times: -1 });
    const failed = await Promise.allSettled(lbs.map((lb) => r.provider.ensure(lb, signal())));
    r.fake.clearFaults();
    for (const f of failed) {
      assert.equal(f.status, 'rejected');
      assert.match(
        String((f.reason as Error).message),
        /^compute:forwardingRules\.list batched lookup of \d+ name\(s\) failed \(UNAVAILABLE\): /,
      );
    }
    assert.equal(r.mutatingCalls(), 0);
    // Each shared list is one call and its 6 retries, whatever number of them the window made.
    const ruleLists = r.calls.get('compute:forwardingRules.list') ?? 0;
    assert.ok(ruleLists % 7 === 0 && ruleLists >= 7 && ruleLists <= 7 * lbs.length, `${ruleLists} rule lists`);
    const after = await Promise.all(lbs.map((lb) => r.provider.ensure(lb, signal())));
    assert.ok(after.every((s) => !s.changed));

    await Promise.all(lbs.map((lb) => r.provider.delete(lb, signal())));
    const left = ['forwardingRules', 'addresses', 'backendServices', 'healthChecks', 'firewalls']
      .flatMap((c) => [...store(c).keys()])
      .filter((name) => lbs.some((lb) => name.startsWith(lb.name)));
    assert.deepEqual(left, []);
  });

  it('converges through throttling, 5xx and quota faults, and leaks nothing', async () => {
    const lb = desired({
      listeners: [
        { port: 80, protocol: 'TCP', nodePort: 30080 },
        { port: 53, protocol: 'UDP', nodePort: 30053 },
      ],
      targets: [target(ZB, 'node-1'), target(ZC, 'node-3')],
    });
    r.fake.addFault({ method: '*', preset: 'rateLimit', times: 3 });
    r.fake.addFault({ method: 'regionBackendServices.insert', preset: 'unavailable', times: 2 });
    r.fake.addFault({ method: 'forwardingRules.insert', preset: 'quota', times: 1 });
    let attempts = 0;
    let status;
    for (;;) {
      attempts += 1;
      try {
        status = await r.provider.ensure(lb, signal());
        break;
      } catch (error) {
        assert.ok(attempts < 5, `did not converge: ${String(error)}`);
        assert.equal((error as { code?: string }).code, 'QUOTA_EXCEEDED');
      }
    }
    assert.ok(status.ingress[0]?.ip);
    assert.ok(store('forwardingRules').has(`${lb.name}-udp`));
    r.fake.addFault({ method: 'forwardingRules.delete', preset: 'unavailable', times: 2 });
    await r.provider.delete(lb, signal());
    const leftovers = ['addresses', 'forwardingRules', 'healthChecks', 'backendServices'].flatMap((c) =>
      [...store(c).keys()].filter((k) => k.startsWith(lb.name)),
    );
    leftovers.push(...[...store('firewalls', '').keys()].filter((k) => k.startsWith(lb.name)));
    assert.deepEqual(leftovers, []);
    // deleting again succeeds: already gone
    await r.provider.delete(lb, signal());
  });

  it('leaves foreign resources alone, and refuses to adopt one that has its name', async () => {
    const [op1] = await addresses.insert({
      ...p,
      addressResource: { name: 'foreign-ip', addressType: 'EXTERNAL', labels: { 'cloudlb-cluster': 'test-cluster' } },
    });
    void op1;
    const lb = desired({ targets: [] });
    const [op2] = await firewalls.insert({
      project: PROJECT,
      firewallResource: {
        name: `${lb.name}-fw`,
        sourceRanges: ['10.0.0.0/8'],
        allowed: [{ IPProtocol: 'tcp', ports: ['22'] }],
        description: 'hand-made',
      },
    });
    void op2;
    await assert.rejects(r.provider.ensure(lb, signal()), PermanentError);
    await r.provider.delete(lb, signal());
    assert.equal(store('firewalls', '').get(`${lb.name}-fw`)?.['description'], 'hand-made');
    assert.ok(store('addresses').has('foreign-ip'));
    const owned = [];
    for await (const ref of r.provider.listOwned(signal())) owned.push(ref.name);
    assert.ok(!owned.includes('foreign-ip'));
    // another cluster's provider sees none of ours
    const other = r.newProvider({ cluster: 'other-cluster' });
    const mine = desired({ targets: [] });
    await r.provider.ensure(mine, signal());
    const theirs = [];
    for await (const ref of other.listOwned(signal())) theirs.push(ref.name);
    assert.deepEqual(theirs, []);
    await other.delete(mine, signal());
    assert.ok(store('backendServices').has(mine.name), 'a foreign cluster cannot delete it');
    const ours = [];
    for await (const ref of r.provider.listOwned(signal())) ours.push(ref);
    assert.deepEqual(
      ours.map((x) => [x.name, x.ownership.serviceUID]),
      [[mine.name, mine.ownership.serviceUID]],
    );
    await r.provider.delete(mine, signal());
  });

  it('a delete retried after a failure still releases the shared instance groups', async () => {
    const lb = desired({ targets: [target(ZC, 'node-3')] });
    await r.provider.ensure(lb, signal());
    r.fake.addFault({ method: 'instanceGroups.delete', preset: 'unavailable', times: 20 });
    await assert.rejects(r.provider.delete(lb, signal()));
    assert.equal(store('backendServices').has(lb.name), false);
    assert.equal(store('instanceGroups', ZC).size, 1);
    r.fake.clearFaults();
    await r.provider.delete(lb, signal());
    assert.equal(store('instanceGroups', ZC).size, 0);
  });

  it('makes exactly the calls it counts: the client does not retry on its own', async () => {
    r.fake.resetCalls();
    r.fake.addFault({ method: 'regionHealthChecks.list', preset: 'unavailable', times: 2 });
    const lb = desired({ targets: [] });
    await r.provider.ensure(lb, signal());
    await r.provider.delete(lb, signal());
    const fakeCalls = Object.entries(r.fake.calls()).map(([k, v]) => [`compute:${k}`, v]);
    assert.deepEqual(Object.fromEntries(fakeCalls), Object.fromEntries(r.calls));
    assert.equal(r.calls.get('compute:regionHealthChecks.list'), 2 + 2);
  });

  it('switches a load balancer from external to internal and back', async () => {
    const lb = desired({ targets: [target(ZB, 'node-1')] });
    await r.provider.ensure(lb, signal());
    const internal = await r.provider.ensure({ ...lb, scheme: 'Internal' }, signal());
    assert.match(internal.ingress[0]?.ip ?? '', /^10\./);
    assert.equal(store('backendServices').get(lb.name)?.['loadBalancingScheme'], 'INTERNAL');
    assert.equal(store('forwardingRules').get(`${lb.name}-tcp`)?.['loadBalancingScheme'], 'INTERNAL');
    assert.equal((await r.provider.ensure({ ...lb, scheme: 'Internal' }, signal())).changed, false);
    const back = await r.provider.ensure(lb, signal());
    assert.match(back.ingress[0]?.ip ?? '', /^34\./);
    await r.provider.delete(lb, signal());
  });
});
