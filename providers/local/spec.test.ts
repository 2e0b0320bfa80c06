import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PermanentError } from '../../src/provider/errors/index.ts';
import { formatCidr } from './ipv4.ts';
import { hostNetworks, type HostNetwork } from './host-networks.ts';
import { claimedAddressPools, parseLocalSpec } from './spec.ts';

/** A machine with loopback and one interface in 192.168.50.0/24. */
const machine: HostNetwork[] = hostNetworks({
  eth0: [
    {
      address: '192.168.50.7',
      netmask: '255.255.255.0',
      family: 'IPv4',
      mac: '00:00:00:00:00:01',
      internal: false,
      cidr: '192.168.50.7/24',
    },
  ],
});

test('defaults apply to an empty or missing spec.local', () => {
  for (const spec of [undefined, {}]) {
    const config = parseLocalSpec(spec, machine);
    assert.equal(formatCidr(config.pool.cidr), '127.77.0.0/24');
    assert.equal(config.healthCheckIntervalMs, 5000);
  }
  const config = parseLocalSpec({ addressPool: '127.88.0.0/30', healthCheckIntervalSeconds: 1 }, machine);
  assert.equal(formatCidr(config.pool.cidr), '127.88.0.0/30');
  assert.equal(config.healthCheckIntervalMs, 1000);
});

test('bad input is a PermanentError naming the field', () => {
  const table: [unknown, string][] = [
    [{ addressPool: '127.77.0.1/24' }, 'spec.local.addressPool'],
    [{ addressPool: 'loopback' }, 'spec.local.addressPool'],
    [{ addressPool: 42 }, 'spec.local.addressPool'],
    [{ addressPool: '0.0.0.0/0' }, 'spec.local.addressPool'],
    [{ addressPool: '10.0.0.0/24' }, 'spec.local.addressPool'],
    [{ addressPool: '192.168.0.0/16' }, 'spec.local.addressPool'],
    [{ addressPool: '126.0.0.0/7' }, 'spec.local.addressPool'],
    [{ healthCheckIntervalSeconds: 0 }, 'spec.local.healthCheckIntervalSeconds'],
    [{ healthCheckIntervalSeconds: 'often' }, 'spec.local.healthCheckIntervalSeconds'],
  ];
  for (const [spec, field] of table) {
    assert.throws(
      () => parseLocalSpec(spec, machine),
      (error: unknown) => error instanceof PermanentError && error.field === field && error.message.includes(field),
      JSON.stringify(spec),
    );
  }
});

test("a pool inside loopback or one of the machine's subnets is accepted", () => {
  for (const addressPool of ['127.0.0.0/8', '127.77.0.0/24', '192.168.50.0/24', '192.168.50.16/28', '192.168.50.9/32'])
    assert.equal(formatCidr(parseLocalSpec({ addressPool }, machine).pool.cidr), addressPool);
});

test('a pool off this machine says which ranges it could use', () => {
  assert.throws(
    () => parseLocalSpec({ addressPool: '0.0.0.0/0' }, machine),
    (error: unknown) =>
      error instanceof PermanentError &&
      error.message ===
        'spec.local.addressPool 0.0.0.0/0 is not on this machine, so no proxy could listen there; use a range inside one of 127.0.0.0/8 (loopback), 192.168.50.0/24 (eth0)',
  );
});

test('interfaces: IPv6 and unparsable entries are skipped, host bits cleared', () => {
  const networks = hostNetworks({
    lo: [
      { address: '127.0.0.1', netmask: '255.0.0.0', family: 'IPv4', mac: '', internal: true, cidr: '127.0.0.1/8' },
      { address: '::1', netmask: 'ffff::', family: 'IPv6', mac: '', internal: true, cidr: '::1/128', scopeid: 0 },
    ],
    tun0: [{ address: '10.1.2.3', netmask: '255.255.0.0', family: 'IPv4', mac: '', internal: false, cidr: null }],
    eth1: [
      { address: '10.9.8.7', netmask: '255.255.240.0', family: 'IPv4', mac: '', internal: false, cidr: '10.9.8.7/20' },
    ],
  });
  assert.deepEqual(
    networks.map((n) => `${formatCidr(n.cidr)} ${n.source}`),
    ['127.0.0.0/8 loopback', '127.0.0.0/8 lo', '10.9.0.0/20 eth1'],
  );
});

test('a servable pool is claimed, default included; one that cannot be served claims nothing', () => {
  const claim = (cidr: string) => [{ field: 'spec.local.addressPool', cidr }];
  assert.deepEqual(claimedAddressPools(undefined), claim('127.77.0.0/24'));
  assert.deepEqual(claimedAddressPools({ addressPool: '127.88.0.0/30' }), claim('127.88.0.0/30'));
  assert.deepEqual(claimedAddressPools({ addressPool: 'loopback' }), []);
  assert.deepEqual(claimedAddressPools({ addressPool: '0.0.0.0/0' }), []);
});
