import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { test } from 'node:test';
import { PermanentError } from '../../src/provider/errors/index.ts';
import { silentLogger } from '../../src/log.ts';
import { createGcpProvider } from './factory.ts';
import { gcpProvider } from './index.ts';
import { parseKey, parseSpec } from './spec.ts';
import { classifyApiError, classifyOperationError } from './errors.ts';
import { interpretAnnotations } from './annotations.ts';

const context = {
  providerName: 'gcp',
  clusterName: 'prod',
  credentials: undefined,
  log: silentLogger(),
  countCall: () => {},
};

test('spec: defaults, endpoint override, and errors naming the field', () => {
  const c = parseSpec({ project: 'my-project', region: 'europe-west1', endpoint: 'http://127.0.0.1:8089' });
  assert.deepEqual(c.endpoint, { apiEndpoint: '127.0.0.1', port: 8089, protocol: 'http' });
  assert.equal(c.network, 'projects/my-project/global/networks/default');
  assert.equal(c.qps, 10);
  assert.equal(c.burst, 20);
  assert.equal(
    parseSpec({ project: 'my-project', region: 'europe-west1', endpoint: 'https://compute.example.com' }).endpoint
      ?.port,
    443,
  );
  assert.equal(
    parseSpec({ project: 'my-project', region: 'europe-west1', subnetwork: 'lbs' }).subnetwork,
    'projects/my-project/regions/europe-west1/subnetworks/lbs',
  );
  for (const [spec, field] of [
    [{ region: 'europe-west1' }, 'spec.gcp.project'],
    [{ project: 'My_Project', region: 'europe-west1' }, 'spec.gcp.project'],
    [{ project: 'my-project', region: 'europe' }, 'spec.gcp.region'],
    [{ project: 'my-project', region: 'europe-west1', endpoint: 'ftp://x' }, 'spec.gcp.endpoint'],
    [{ project: 'my-project', region: 'europe-west1', rateLimit: { qps: 0 } }, 'spec.gcp.rateLimit.qps'],
  ] as const) {
    assert.throws(
      () => parseSpec(spec),
      (e: PermanentError) => e instanceof PermanentError && e.field === field,
      field,
    );
  }
});

test('key.json: parsed, and errors never echo the key', () => {
  const secret = 'super-secret-material';
  assert.throws(
    () => parseKey(`{"type":"service_account","private_key":"${secret}"`),
    (e: Error) => e instanceof PermanentError && !e.message.includes(secret) && e.field === 'key.json',
  );
  assert.throws(
    () => parseKey(JSON.stringify({ type: 'service_account', client_email: 'a@b.c', private_key: secret })),
    (e: Error) => e instanceof PermanentError && !e.message.includes(secret) && /private_key/.test(e.message),
  );
  const pemShaped = `-----BEGIN PRIVATE KEY-----\n${secret}\n-----END PRIVATE KEY-----\n`;
  assert.throws(
    () => parseKey(JSON.stringify({ type: 'service_account', client_email: 'a@b.c', private_key: pemShaped })),
    (e: Error) => e instanceof PermanentError && !e.message.includes(secret) && e.field === 'key.json:private_key',
    'a PEM-shaped private_key that cannot be loaded is refused up front',
  );
  const { privateKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  const key = parseKey(
    JSON.stringify({
      type: 'service_account',
      client_email: 'lb@p.iam.gserviceaccount.com',
      private_key: privateKey,
      private_key_id: 'k1',
    }),
  );
  assert.equal(key.clientEmail, 'lb@p.iam.gserviceaccount.com');
});

test('the factory is cheap and validates before any call', async () => {
  assert.equal(gcpProvider.type, 'gcp');
  assert.deepEqual(gcpProvider.requiredSecretKeys, ['key.json']);
  assert.throws(() => createGcpProvider({ project: 'x' }, context), PermanentError);
  assert.throws(
    () =>
      createGcpProvider(
        { project: 'my-project', region: 'europe-west1' },
        { ...context, credentials: { 'key.json': 'nope' } },
      ),
    PermanentError,
  );
  const provider = createGcpProvider(
    { project: 'my-project', region: 'europe-west1', endpoint: 'http://127.0.0.1:1' },
    context,
  );
  assert.equal(provider.capabilities().needsNodePorts, true);
  assert.deepEqual(provider.capabilities(), gcpProvider.capabilities, 'the definition states what instances report');
  await provider.close();
});

test('errors are classified by code, never by message', () => {
  assert.equal(classifyApiError({ code: 5, message: 'already exists' }), 'notFound');
  assert.equal(classifyApiError({ code: 10 }), 'alreadyExists');
  assert.equal(classifyApiError({ code: 8 }), 'retryable');
  assert.equal(classifyApiError({ code: 14 }), 'retryable');
  assert.equal(classifyApiError({ code: 7, reason: 'RATE_LIMIT_EXCEEDED' }), 'retryable');
  assert.equal(classifyApiError({ code: 7, reason: 'QUOTA_EXCEEDED' }), 'quota');
  assert.equal(classifyApiError({ code: 3, reason: 'RESOURCE_IN_USE_BY_ANOTHER_RESOURCE' }), 'inUse');
  assert.equal(classifyApiError({ code: 3, message: 'is already being used by' }), 'invalid');
  assert.equal(classifyApiError(new Error('socket hang up')), 'retryable');
  assert.equal(classifyOperationError('QUOTA_EXCEEDED'), 'quota');
  assert.equal(classifyOperationError('RESOURCE_IN_USE_BY_ANOTHER_RESOURCE'), 'inUse');
  assert.equal(classifyOperationError('SOMETHING_NEW'), 'other');
});

test('annotations: Internal via either annotation; bad values are problems naming the annotation', () => {
  assert.equal(interpretAnnotations({}).scheme, 'External');
  assert.equal(interpretAnnotations({ 'networking.gke.io/load-balancer-type': 'Internal' }).scheme, 'Internal');
  assert.equal(interpretAnnotations({ 'cloud.google.com/load-balancer-type': 'Internal' }).scheme, 'Internal');
  const bad = interpretAnnotations({ 'networking.gke.io/load-balancer-type': 'internal' });
  assert.equal(bad.problems[0]?.field, 'metadata.annotations[networking.gke.io/load-balancer-type]');
  const clash = interpretAnnotations({
    'networking.gke.io/load-balancer-type': 'Internal',
    'cloud.google.com/load-balancer-type': 'External',
  });
  assert.equal(clash.problems.length, 1);
});
