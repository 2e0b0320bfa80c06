import { test } from 'node:test';
import assert from 'node:assert/strict';
import { permissionsFromRules, rulesFromPermissions } from './ec2.ts';

test('security group rules round-trip through EC2 permissions', () => {
  const wanted = [
    { protocol: 'tcp' as const, port: 80, cidr: '10.0.0.0/8' },
    { protocol: 'tcp' as const, port: 80, cidr: '192.168.0.0/16' },
    { protocol: 'udp' as const, port: 53, cidr: '2001:db8::/32' },
  ];
  const permissions = permissionsFromRules(wanted);
  assert.equal(permissions.length, 2, 'one permission per (protocol, port)');
  assert.deepEqual(rulesFromPermissions(permissions), wanted);
});

test('a permission we would never write is kept visible as a rule nobody wants', () => {
  const rules = rulesFromPermissions([{ IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }] }]);
  assert.equal(rules.length, 1);
  assert.equal(rules[0]?.port, -1);
});
