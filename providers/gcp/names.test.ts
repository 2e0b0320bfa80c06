import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { GCE_NAME, instanceGroupName, resourceNames, sanitize } from './names.ts';

const baseNames = fc.stringMatching(/^[a-z][a-z0-9-]{0,30}[a-z0-9]$/);

test('every resource name fits GCE syntax and 63 characters', () => {
  fc.assert(
    fc.property(baseNames, (base) => {
      const n = resourceNames(base);
      for (const name of [
        n.address,
        n.healthCheck,
        n.backendService,
        n.trafficFirewall,
        n.healthFirewall,
        ...Object.values(n.rules),
      ]) {
        assert.ok(name.length <= 63 && GCE_NAME.test(name), name);
      }
    }),
  );
});

test('sanitize always gives a valid name, whatever the input', () => {
  fc.assert(fc.property(fc.string(), (text) => GCE_NAME.test(sanitize(text)) && sanitize(text).length <= 63));
});

test('instance-group names: valid, from the cluster only, distinct for long names that share a prefix', () => {
  fc.assert(
    fc.property(
      fc.string({ minLength: 1 }),
      (cluster) => GCE_NAME.test(instanceGroupName(cluster)) && instanceGroupName(cluster).length <= 63,
    ),
  );
  const long = 'production-cluster-in-europe-west1-with-a-very-long-name';
  assert.notEqual(instanceGroupName(`${long}-a`), instanceGroupName(`${long}-b`));
  assert.equal(instanceGroupName('prod'), instanceGroupName('prod'));
});
