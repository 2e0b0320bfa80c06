import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  backendServiceNeedsUpdate,
  firewallNeedsUpdate,
  healthCheckNeedsUpdate,
  ruleNeedsRecreate,
  sameLink,
} from './diff.ts';
import { buildPlan } from './plan.ts';
import { parseSpec } from './spec.ts';
import { desiredLoadBalancer } from '../../test/support/desired.ts';

const config = parseSpec({ project: 'my-project', region: 'europe-west1' });
const plan = buildPlan(
  desiredLoadBalancer({
    name: 'prod-0123456789abcdef',
    ownership: { clusterName: 'prod', serviceNamespace: 'web', serviceName: 'shop', serviceUID: 'uid-1' },
    listeners: [
      { port: 80, protocol: 'TCP', nodePort: 30080 },
      { port: 443, protocol: 'TCP', nodePort: 30443 },
    ],
  }),
  config,
);
const API = 'https://www.googleapis.com/compute/v1/';
const bsLink = 'projects/my-project/regions/europe-west1/backendServices/prod-0123456789abcdef';

test('links compare by their projects/… path', () => {
  assert.ok(sameLink(`${API}${bsLink}`, bsLink));
  assert.ok(!sameLink(`${API}${bsLink}x`, bsLink));
});

test('forwarding rule: same rule needs nothing; any field that differs recreates', () => {
  const rule = plan.rules[0]!;
  const actual = {
    IPProtocol: 'TCP',
    loadBalancingScheme: 'EXTERNAL',
    IPAddress: '34.0.0.1',
    backendService: `${API}${bsLink}`,
    ports: ['443', '80'],
  };
  assert.equal(ruleNeedsRecreate(actual, rule, plan, '34.0.0.1', bsLink), false);
  assert.equal(ruleNeedsRecreate({ ...actual, ports: ['80'] }, rule, plan, '34.0.0.1', bsLink), true);
  assert.equal(ruleNeedsRecreate(actual, rule, plan, '34.0.0.2', bsLink), true);
  assert.equal(ruleNeedsRecreate({ ...actual, allPorts: true, ports: [] }, rule, plan, '34.0.0.1', bsLink), true);
});

test('health check, backend service and firewall drift', () => {
  assert.equal(healthCheckNeedsUpdate({ type: 'TCP', tcpHealthCheck: { port: 30080 } }, plan.healthCheck), false);
  assert.equal(healthCheckNeedsUpdate({ type: 'TCP', tcpHealthCheck: { port: 1 } }, plan.healthCheck), true);
  const hc = 'projects/my-project/regions/europe-west1/healthChecks/prod-0123456789abcdef';
  const groups = ['projects/my-project/zones/europe-west1-b/instanceGroups/ig'];
  const bs = { protocol: 'TCP', healthChecks: [`${API}${hc}`], backends: [{ group: `${API}${groups[0]}` }] };
  assert.equal(backendServiceNeedsUpdate(bs, plan, hc, groups), false);
  assert.equal(backendServiceNeedsUpdate({ ...bs, backends: [] }, plan, hc, groups), true);
  assert.equal(backendServiceNeedsUpdate({ ...bs, protocol: 'UDP' }, plan, hc, groups), true);
  const fw = {
    network: `${API}${config.network}`,
    sourceRanges: ['0.0.0.0/0'],
    allowed: [{ IPProtocol: 'tcp', ports: ['443', '80'] }],
  };
  assert.equal(firewallNeedsUpdate(fw, plan.trafficFirewall, config.network), false);
  assert.equal(
    firewallNeedsUpdate({ ...fw, sourceRanges: ['1.2.3.4/32'] }, plan.trafficFirewall, config.network),
    true,
  );
  assert.equal(
    firewallNeedsUpdate(
      { ...fw, allowed: [{ IPProtocol: 'udp', ports: ['80', '443'] }] },
      plan.trafficFirewall,
      config.network,
    ),
    true,
  );
});
