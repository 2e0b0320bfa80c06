// `make demo` as a test: runs scripts/demo.ts as a child process and checks what it printed.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { PROJECT_ROOT } from './harness/binaries.ts';

test('the demo serves a LoadBalancer Service through the local provider', { timeout: 15 * 60_000 }, async () => {
  // --bare: this file tests the demo on a bare control plane; test/node/ has the real node.
  const child = spawn(process.execPath, [join(PROJECT_ROOT, 'scripts', 'demo.ts'), '--bare'], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  const context = `--- stdout\n${stdout}\n--- stderr (tail)\n${stderr.slice(-3000)}`;

  assert.equal(code, 0, `the demo exited with ${code}\n${context}`);
  assert.match(stdout, /^demo: on a bare control plane with stand-in nodes \(asked for with --bare\)\n/, context);
  const address = /load-balancer address (127\.77\.0\.\d+)/.exec(stdout)?.[1];
  assert.ok(address, `an address from the pool\n${context}`);
  const ip = address.replaceAll('.', '\\.');
  assert.match(stdout, new RegExp(`TCP ${ip}:\\d+ answered: hello from demo-node-\\d \\(TCP\\)`), context);
  assert.match(stdout, new RegExp(`UDP ${ip}:\\d+ answered: hello from demo-node-\\d \\(UDP\\)`), context);
  assert.match(
    stdout,
    /kubectl describe service -n demo echo\n[\s\S]*LoadBalancer Ingress:\s+127\.77\.0\.\d+/,
    context,
  );
  // With one node stopped every request is still answered, by the other node.
  const whileStopped = stdout.split('\n').filter((l) => /(TCP request|UDP datagram) \d answered/.test(l));
  assert.equal(whileStopped.length, 5, `3 TCP requests and 2 UDP datagrams while a node is stopped\n${context}`);
  for (const line of whileStopped) assert.match(line, /demo-node-2/, line);
  assert.match(stdout, /TCP answered: hello from demo-node-1/, 'the stopped node gets traffic again');
  assert.match(stdout, /Service deleted/, context);
});
