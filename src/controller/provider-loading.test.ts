import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CustomObjectsApi } from '@kubernetes/client-node';
import { TestCloud, testProviderDefinition, testProviderFactory } from '../../test/support/test-provider.ts';
import type { LoadBalancerProvider as ProviderObject } from '../api/loadbalancerprovider.ts';
import { silentLogger } from '../log.ts';
import { ProviderRegistry } from '../provider/registry.ts';
import { ProviderManager } from './providers.ts';

function memoryObject(name: string): ProviderObject {
  return { metadata: { name, generation: 1 }, spec: { memory: {} } } as unknown as ProviderObject;
}

test("a type's implementation is loaded with its first provider object and released with its last", async () => {
  const cloud = new TestCloud();
  let loads = 0;
  const definition = {
    ...testProviderDefinition(cloud),
    load: () => {
      loads += 1;
      return Promise.resolve(testProviderFactory(cloud));
    },
  };
  let objects: ProviderObject[] = [];
  const manager = new ProviderManager({
    registry: new ProviderRegistry([definition]),
    clusterName: 'c',
    namespace: 'ns',
    listProviders: () => objects,
    getSecret: () => undefined,
    custom: {
      patchClusterCustomObjectStatus: () => Promise.resolve({}),
      patchClusterCustomObject: () => Promise.resolve({}),
    } as unknown as CustomObjectsApi,
    events: { record: () => undefined },
    log: silentLogger(),
    countCall: () => undefined,
    onChange: () => undefined,
    servicesUsing: () => [],
  });

  await manager.sync();
  assert.equal(loads, 0, 'no provider object: nothing loaded');

  objects = [memoryObject('a'), memoryObject('b')];
  await manager.sync();
  assert.equal(manager.handles().length, 2);
  assert.equal(loads, 1, 'two objects of one type share one load');

  objects = [memoryObject('b')];
  await manager.sync();
  assert.equal(cloud.closed, 1, "a's instance is closed");
  objects = [];
  await manager.sync();
  assert.equal(cloud.closed, 2);
  assert.equal(manager.handles().length, 0);

  objects = [memoryObject('c')];
  await manager.sync();
  assert.equal(manager.handles().length, 1);
  assert.equal(loads, 2, 'released with the last object, so loaded again for the next one');
  await manager.close();
});
