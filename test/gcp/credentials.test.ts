// Credentials through the provider factory: a service-account key signs its own tokens (no token
// endpoint is ever called), a new key takes effect with a new instance, and a plain-HTTP endpoint
// without a Secret sends no credentials at all.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { silentLogger } from '../../src/log.ts';
import { createGcpProvider } from '../../providers/gcp/factory.ts';
import { startGceFake, type GceFake } from '../gce-fake/server.ts';
import { desired, serviceAccountKeyJson } from './support.ts';

let fake: GceFake;
before(async () => {
  fake = await startGceFake({ operationLatencyMs: 5 });
});
after(() => fake.stop());

function keyJson(email: string): string {
  return serviceAccountKeyJson(email, { private_key_id: 'kid-1', project_id: 'test-project' });
}

function claims(authorization: string | undefined): Record<string, unknown> {
  const token = /^Bearer (.+)$/.exec(authorization ?? '')?.[1] ?? '';
  const payload = token.split('.')[1] ?? '';
  return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
}

const spec = () => ({
  project: 'test-project',
  region: 'europe-west1',
  endpoint: fake.endpoint,
  rateLimit: { qps: 1000, burst: 1000 },
});
const context = (credentials: Record<string, string> | undefined) => ({
  providerName: 'gcp',
  clusterName: 'test-cluster',
  credentials,
  log: silentLogger(),
  countCall: () => {},
});

test('a key from the Secret signs its own JWTs; a rotated key is used by the next instance', async () => {
  const first = createGcpProvider(
    spec(),
    context({ 'key.json': keyJson('first@test-project.iam.gserviceaccount.com') }),
  );
  const lb = desired({ targets: [] });
  await first.ensure(lb, AbortSignal.timeout(30_000));
  assert.equal(claims(fake.lastAuthorization())['iss'], 'first@test-project.iam.gserviceaccount.com');
  await first.close();
  const second = createGcpProvider(
    spec(),
    context({ 'key.json': keyJson('second@test-project.iam.gserviceaccount.com') }),
  );
  const status = await second.ensure(lb, AbortSignal.timeout(30_000));
  assert.equal(status.changed, false);
  assert.equal(claims(fake.lastAuthorization())['iss'], 'second@test-project.iam.gserviceaccount.com');
  await second.delete(lb, AbortSignal.timeout(30_000));
  await second.close();
});

test('no Secret and a plain-HTTP endpoint: no credentials are sent', async () => {
  const provider = createGcpProvider(spec(), context(undefined));
  const owned = [];
  for await (const ref of provider.listOwned(AbortSignal.timeout(30_000))) owned.push(ref);
  assert.deepEqual(owned, []);
  assert.equal(fake.lastAuthorization(), undefined);
  await provider.close();
});
