import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { CreateVpcCommand, DescribeVpcsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { PROJECT_ROOT } from '../harness/binaries.ts';
import { startMoto } from '../harness/moto.ts';
import { eventually } from '../harness/wait.ts';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('test harness', () => {
  it('moto_server answers the real AWS SDK and reset clears its state', async () => {
    const moto = await startMoto();
    try {
      const ec2 = new EC2Client({
        region: 'us-east-1',
        endpoint: moto.endpoint,
        credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
      });
      const created = await ec2.send(new CreateVpcCommand({ CidrBlock: '10.0.0.0/16' }));
      const vpcId = created.Vpc?.VpcId;
      assert.ok(vpcId);
      const before = await ec2.send(new DescribeVpcsCommand({}));
      assert.ok(before.Vpcs?.some((v) => v.VpcId === vpcId));
      await moto.reset();
      const afterReset = await ec2.send(new DescribeVpcsCommand({}));
      assert.ok(!afterReset.Vpcs?.some((v) => v.VpcId === vpcId), 'the VPC is gone after reset');
      ec2.destroy();
    } finally {
      await moto.stop();
    }
  });

  it('leaves no etcd or kube-apiserver behind when the process that started them is killed', async () => {
    const script = `
      import { startControlPlane } from ${JSON.stringify(join(PROJECT_ROOT, 'test/harness/controlplane.ts'))};
      const cp = await startControlPlane({ crds: false });
      const { execFileSync } = await import('node:child_process');
      const children = cp.pids.flatMap((pid) => execFileSync('pgrep', ['-P', String(pid), '^(etcd|kube-apiserver)$']).toString().trim().split('\\n'));
      console.log(JSON.stringify({ reapers: cp.pids, servers: children.map(Number) }));
      setInterval(() => {}, 1000);
    `;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    try {
      const pids = await eventually(
        () => JSON.parse(out.trim().split('\n')[0] ?? '') as { reapers: number[]; servers: number[] },
        { timeoutMs: 120_000, message: 'control plane in the child process did not start' },
      );
      assert.equal(pids.servers.length, 2);
      assert.ok([...pids.reapers, ...pids.servers].every(alive));

      child.kill('SIGKILL');
      await eventually(() => assert.ok(![...pids.reapers, ...pids.servers].some(alive), 'processes still alive'), {
        timeoutMs: 30_000,
      });
    } finally {
      child.kill('SIGKILL');
    }
  });
});
