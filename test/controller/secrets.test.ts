// Ground rule: credentials never appear in logs, events, status or error text. Both clouds here
// refuse the credentials (the AWS endpoint answers every call with InvalidClientTokenId; the GCP
// key cannot sign), so the operator goes through its error paths with the secret values in hand.
// Nothing it writes anywhere may contain them.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { Writable } from 'node:stream';
import { after, before, test } from 'node:test';
import { pino } from 'pino';
import { startOperator, type RunningOperator } from '../../src/operator/index.ts';
import { builtinRegistry } from '../../src/provider/builtin.ts';
import { deleteTestNamespaces, testCluster, testNamespace, type TestCluster } from '../harness/cluster.ts';
import { eventually } from '../harness/wait.ts';
import { createNode, createProvider, deleteProvider } from '../support/fixture.ts';

const AWS_SECRET_KEY = 'SECRETMARKERawsSecretKey0123456789abcdef';
const AWS_SESSION_TOKEN = 'SECRETMARKERawsSessionToken0123456789';
const GCP_PRIVATE_KEY_BODY = 'SECRETMARKERgcpPrivateKeyBody0123456789';
const MARKERS = [AWS_SECRET_KEY, AWS_SESSION_TOKEN, GCP_PRIVATE_KEY_BODY, 'SECRETMARKER'];

const suffix = Math.random().toString(36).slice(2, 8);
const awsProvider = `secrets-aws-${suffix}`;
const gcpProvider = `secrets-gcp-${suffix}`;

let cluster: TestCluster;
let ns: string;
let operatorNs: string;
let operator: RunningOperator | undefined;
let awsEndpoint: Server;
const logLines: string[] = [];

/** Answers every AWS API call the way AWS answers unknown or revoked credentials. */
async function startRefusingAws(): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(403, { 'content-type': 'text/xml' });
      res.end(
        '<ErrorResponse><Error><Type>Sender</Type><Code>InvalidClientTokenId</Code>' +
          '<Message>The security token included in the request is invalid.</Message></Error>' +
          '<RequestId>00000000-0000-0000-0000-000000000000</RequestId></ErrorResponse>',
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  assert.ok(address !== null && typeof address === 'object');
  return { server, url: `http://127.0.0.1:${address.port}` };
}

async function createService(name: string, loadBalancerClass: string): Promise<void> {
  await cluster.core.createNamespacedService({
    namespace: ns,
    body: {
      metadata: { name },
      spec: {
        type: 'LoadBalancer',
        loadBalancerClass,
        selector: { app: name },
        ports: [{ name: 'web', port: 80, protocol: 'TCP' }],
      },
    },
  });
}

before(async () => {
  cluster = await testCluster();
  ns = await testNamespace(cluster, 'secrets');
  operatorNs = await testNamespace(cluster, 'secrets-op');
  const refusing = await startRefusingAws();
  awsEndpoint = refusing.server;

  await cluster.core.createNamespacedSecret({
    namespace: operatorNs,
    body: {
      metadata: { name: 'aws' },
      stringData: {
        aws_access_key_id: 'AKIAIOSFODNN7EXAMPLE',
        aws_secret_access_key: AWS_SECRET_KEY,
        aws_session_token: AWS_SESSION_TOKEN,
      },
    },
  });
  const keyJson = JSON.stringify({
    type: 'service_account',
    project_id: 'secret-test',
    client_email: 'operator@secret-test.iam.gserviceaccount.com',
    private_key_id: 'abc123',
    private_key: `-----BEGIN PRIVATE KEY-----\n${GCP_PRIVATE_KEY_BODY}\n-----END PRIVATE KEY-----\n`,
  });
  await cluster.core.createNamespacedSecret({
    namespace: operatorNs,
    body: { metadata: { name: 'gcp' }, stringData: { 'key.json': keyJson } },
  });
  await createProvider(cluster, awsProvider, {
    credentialsSecretRef: { name: 'aws' },
    aws: { region: 'us-east-1', endpoint: refusing.url, subnetIDs: ['subnet-0123456789abcdef0'] },
  });
  await createProvider(cluster, gcpProvider, {
    credentialsSecretRef: { name: 'gcp' },
    // Nothing listens here: with a key that cannot sign, no request is ever sent.
    gcp: { project: 'secret-test', region: 'europe-west1', endpoint: 'https://127.0.0.1:9' },
  });
  await createNode(cluster, `secrets-node-${suffix}`, { providerID: 'aws:///us-east-1a/i-0123456789abcdef0' });

  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logLines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  operator = await startOperator({
    kc: cluster.kc,
    clusterName: `secrets-${suffix}`,
    namespace: operatorNs,
    registry: builtinRegistry(),
    sweep: { enabled: false, intervalMs: 600_000, graceMs: 0 },
    backoff: { baseMs: 200, maxMs: 1_000 },
    drainMs: 1_000,
    log: pino({ level: 'trace' }, sink),
  });
  await createService('on-aws', `cloudlb.dev/${awsProvider}`);
  await createService('on-gcp', `cloudlb.dev/${gcpProvider}`);
});

after(async () => {
  await operator?.stop();
  await new Promise((resolve) => awsEndpoint.close(resolve));
  await cluster.core.deleteNode({ name: `secrets-node-${suffix}` }).catch(() => undefined);
  for (const name of [awsProvider, gcpProvider]) await deleteProvider(cluster, name);
  await deleteTestNamespaces();
});

test('refused credentials: the failures are reported, and no secret value is in logs, events or status', async () => {
  // Both Services reach their error path: the cloud refused the credentials, or they could not be used.
  await eventually(
    async () => {
      const all = await events();
      assert.match(all, /InvalidClientTokenId|security token included in the request is invalid/);
      // A key that cannot sign is a bad Secret: said on the provider, before any Compute call.
      const credentials = await cluster.kubectl([
        'get',
        'lbp',
        gcpProvider,
        '-o',
        'jsonpath={.status.conditions[?(@.type=="CredentialsValid")]}',
      ]);
      const condition = JSON.parse(credentials.stdout || '{}') as { status?: string; message?: string };
      assert.equal(condition.status, 'False');
      assert.match(condition.message ?? '', /key\.json.*private_key/);
    },
    { timeoutMs: 60_000, message: 'both providers reported their credential failures' },
  );

  const written = (): Promise<string[]> => collect();
  assert.ok(logLines.length > 0, 'the operator logged something');
  for (const text of await written()) {
    for (const marker of MARKERS) assert.ok(!text.includes(marker), `a secret value leaked:\n${text.slice(0, 2000)}`);
  }
  // The check itself can fail: a log line carrying the secret is caught.
  logLines.push(`{"msg":"oops ${AWS_SECRET_KEY}"}`);
  assert.ok((await written()).some((text) => text.includes(AWS_SECRET_KEY)));
  logLines.pop();
});

async function events(): Promise<string> {
  const result = await cluster.kubectl(['get', 'events', '-A', '-o', 'json']);
  assert.equal(result.code, 0, result.stderr);
  return result.stdout;
}

/** Everything the operator writes where a person can read it. */
async function collect(): Promise<string[]> {
  return [
    await events(),
    (await cluster.kubectl(['get', 'services', '-n', ns, '-o', 'yaml'])).stdout,
    (await cluster.kubectl(['get', 'lbp', awsProvider, gcpProvider, '-o', 'yaml'])).stdout,
    logLines.join('\n'),
  ];
}
