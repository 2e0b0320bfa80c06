import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { load } from 'js-yaml';
import { z } from 'zod';
import { BUILTIN_PROVIDERS } from '../provider/builtin.ts';
import { CRD_FILE, loadBalancerProviderCrd, type CrdProvider } from './crd.ts';
import { structuralSchema } from './structural-schema.ts';

interface Crd {
  spec: {
    versions: Array<{
      schema: {
        openAPIV3Schema: {
          properties: {
            spec: {
              'x-kubernetes-validations': Array<{ rule: string; message: string }>;
              properties: Record<string, Record<string, unknown>>;
            };
            status: { properties: { type: { description: string } } };
          };
        };
      };
    }>;
  };
}

function generated(providers: readonly CrdProvider[]): Crd {
  return JSON.parse(JSON.stringify(loadBalancerProviderCrd(providers))) as Crd;
}

test('crds/ is what `make generate` writes from the builtin providers (else: run make generate)', async () => {
  const onDisk = load(await readFile(CRD_FILE, 'utf8'));
  assert.deepEqual(onDisk, generated(BUILTIN_PROVIDERS), `${CRD_FILE} is stale: run make generate`);
});

test('every provider type gets its spec block, a place in the exactly-one rule, and status.type', () => {
  const fake = (type: string, spec = z.object({})): CrdProvider => ({ type, description: `A ${type}.`, spec });
  const providers = [
    fake('alpha'),
    fake('beta'),
    fake('gamma', z.object({ size: z.number().int().min(1).default(3) })),
  ];
  const schema = generated(providers).spec.versions[0]?.schema.openAPIV3Schema;
  assert.ok(schema);
  assert.deepEqual(schema.properties.spec.properties['gamma'], {
    type: 'object',
    description: 'A gamma.',
    properties: { size: { type: 'integer', default: 3, minimum: 1 } },
  });
  assert.deepEqual(schema.properties.spec['x-kubernetes-validations'], [
    {
      rule: '[has(self.alpha), has(self.beta), has(self.gamma)].filter(x, x).size() == 1',
      message: 'exactly one of spec.alpha, spec.beta, spec.gamma must be set',
    },
  ]);
  assert.equal(schema.properties.status.properties.type.description, 'alpha, beta or gamma.');
});

test('structural schema: descriptions, defaults and bounds kept; what Kubernetes refuses or reads otherwise dropped', () => {
  const schema = z
    .object({
      url: z
        .string()
        .regex(/^https?:\/\/[^/]+$/)
        .optional()
        .meta({ description: 'Where.' }),
      count: z.number().int().min(1),
      limit: z.object({ qps: z.number().default(10) }).optional(),
    })
    .loose();
  assert.deepEqual(structuralSchema(schema, 'spec.x'), {
    type: 'object',
    required: ['count'],
    properties: {
      url: { type: 'string', description: 'Where.', pattern: '^https?://[^/]+$' },
      count: { type: 'integer', minimum: 1 },
      limit: { type: 'object', properties: { qps: { type: 'number', default: 10 } } },
    },
  });
});

test('structural schema: a zod construct with no structural form is refused, naming the field; a record is a map', () => {
  assert.throws(
    () => structuralSchema(z.object({ either: z.union([z.string(), z.number()]) }), 'spec.x'),
    /spec\.x\.either: anyOf has no structural OpenAPI form/,
  );
  assert.throws(
    () => structuralSchema(z.object({ a: z.string() }).catchall(z.number()), 'spec.x'),
    /spec\.x: properties and additionalProperties/,
  );
  assert.deepEqual(structuralSchema(z.object({ labels: z.record(z.string(), z.string()) }), 'spec.x'), {
    type: 'object',
    required: ['labels'],
    properties: { labels: { type: 'object', additionalProperties: { type: 'string' } } },
  });
});
