import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cniConfig, kubeProxyConfig, nodeSpec } from './config.ts';

interface Cni {
  plugins: { bridge: string; ipMasq: boolean; ipam: { routes: { dst: string }[]; ranges: { subnet: string }[][] } }[];
}

test('pods route only to the Service range, the pod range and the node IPs: never a default route', () => {
  for (const count of [1, 2]) {
    const nodes = Array.from({ length: count }, (_, i) => nodeSpec(i + 1, '/tmp/c'));
    for (const node of nodes) {
      const cni = cniConfig(node, nodes) as Cni;
      const plugin = cni.plugins[0];
      assert.ok(plugin);
      assert.equal(plugin.ipMasq, false);
      const routes = plugin.ipam.routes.map((r) => r.dst);
      assert.ok(routes.length > 0);
      for (const dst of routes) assert.match(dst, /^(10\.96\.0\.0\/16|10\.244\.0\.0\/16|10\.250\.0\.\d+\/32)$/);
    }
  }
});

test('nodes get distinct IPs, pod subnets, folders and cgroup roots', () => {
  const [a, b] = [nodeSpec(1, '/tmp/c'), nodeSpec(2, '/tmp/c')];
  for (const key of ['name', 'ip', 'podSubnet', 'podGateway', 'dir', 'cgroupRoot'] as const)
    assert.notEqual(a[key], b[key]);
  assert.equal(a.ip, '10.250.0.1');
  assert.equal(b.ip, '10.250.0.2');
});

test('kube-proxy opens node ports on the node IPs only', () => {
  const nodes = [nodeSpec(1, '/tmp/c'), nodeSpec(2, '/tmp/c')];
  const config = kubeProxyConfig(nodes, '/k') as { nodePortAddresses: string[] };
  assert.deepEqual(config.nodePortAddresses, ['10.250.0.1/32', '10.250.0.2/32']);
});
