import assert from 'node:assert/strict';
import { describe, it, mock } from 'node:test';
import type { V1Service } from '@kubernetes/client-node';
import { FINALIZER, PROVIDER_ANNOTATION } from '../controller/constants.ts';
import { countServedServices, ServiceCountPublisher } from './service-counts.ts';

function service(name: string, provider: string | undefined, finalizer: boolean): V1Service {
  return {
    metadata: {
      name,
      namespace: 'ns',
      ...(provider === undefined ? {} : { annotations: { [PROVIDER_ANNOTATION]: provider } }),
      ...(finalizer ? { finalizers: [FINALIZER] } : {}),
    },
    spec: { type: 'LoadBalancer' },
  };
}

describe('countServedServices', () => {
  it('counts, per provider, the Services that carry both its name and our finalizer', () => {
    const counts = countServedServices([
      service('a', 'aws', true),
      service('b', 'aws', true),
      service('c', 'gcp', true),
      service('released', 'gcp', false),
      service('unclaimed', undefined, true),
    ]);
    assert.deepEqual([...counts].sort(), [
      ['aws', 2],
      ['gcp', 1],
    ]);
  });
});

describe('ServiceCountPublisher', () => {
  it('publishes once per burst, and only counts that changed', (t) => {
    mock.timers.enable({ apis: ['setTimeout'] });
    t.after(() => mock.timers.reset());
    let services = [service('a', 'aws', true)];
    const published: string[] = [];
    const publisher = new ServiceCountPublisher(
      () => services,
      (counts) => published.push(JSON.stringify([...counts])),
    );

    publisher.refresh();
    publisher.refresh();
    mock.timers.tick(250);
    assert.deepEqual(published, ['[["aws",1]]']);

    publisher.refresh();
    mock.timers.tick(250);
    services = [service('a', 'aws', true), service('b', 'aws', true)];
    publisher.refresh();
    mock.timers.tick(250);
    assert.deepEqual(published, ['[["aws",1]]', '[["aws",2]]']);
  });

  it('publishes nothing once cancelled', (t) => {
    mock.timers.enable({ apis: ['setTimeout'] });
    t.after(() => mock.timers.reset());
    const published: number[] = [];
    const publisher = new ServiceCountPublisher(
      () => [service('a', 'aws', true)],
      (counts) => published.push(counts.size),
    );
    publisher.refresh();
    publisher.cancel();
    publisher.refresh();
    mock.timers.tick(250);
    assert.deepEqual(published, []);
  });
});
