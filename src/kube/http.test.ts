import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { parseAddr, startHealthServer, startMetricsServer } from './http.ts';
import { createMetrics } from './metrics.ts';

const log = pino({ level: 'silent' });

describe('health and metrics servers (loopback)', () => {
  it('answers /healthz always and /readyz only when ready', async () => {
    let ready = false;
    const server = await startHealthServer({ addr: '127.0.0.1:0', ready: () => ready, log });
    try {
      const base = `http://127.0.0.1:${server.port}`;
      assert.equal((await fetch(`${base}/healthz`)).status, 200);
      assert.equal((await fetch(`${base}/readyz`)).status, 503);
      ready = true;
      assert.equal((await fetch(`${base}/readyz`)).status, 200);
      assert.equal((await fetch(`${base}/nope`)).status, 404);
      assert.equal((await fetch(`${base}/healthz`, { method: 'POST' })).status, 405);
    } finally {
      await server.close();
    }
  });

  it('serves the operator metrics in the Prometheus text format', async () => {
    const metrics = createMetrics(new Registry());
    metrics.reconciles.inc({ result: 'success' });
    metrics.queueDepth.set(3);
    metrics.informerRestarts.inc({ informer: 'services' });
    const server = await startMetricsServer({ addr: '127.0.0.1:0', registry: metrics.registry, log });
    try {
      const res = await fetch(`http://127.0.0.1:${server.port}/metrics`);
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /text\/plain/);
      const text = await res.text();
      assert.match(text, /^cloudlb_reconcile_total\{result="success"\} 1$/m);
      assert.match(text, /^cloudlb_workqueue_depth 3$/m);
      assert.match(text, /^cloudlb_informer_restarts_total\{informer="services"\} 1$/m);
      for (const name of [
        'cloudlb_reconcile_errors_total',
        'cloudlb_reconcile_duration_seconds',
        'cloudlb_cloud_api_calls_total',
      ]) {
        assert.match(text, new RegExp(`# TYPE ${name} `));
      }
    } finally {
      await server.close();
    }
  });

  it('parses listen addresses', () => {
    assert.deepEqual(parseAddr('127.0.0.1:8081'), { host: '127.0.0.1', port: 8081 });
    assert.deepEqual(parseAddr(':8080'), { host: undefined, port: 8080 });
    assert.deepEqual(parseAddr('[::1]:9090'), { host: '::1', port: 9090 });
    assert.deepEqual(parseAddr('9090'), { host: undefined, port: 9090 });
    assert.throws(() => parseAddr('localhost'), /invalid listen address/);
    assert.throws(() => parseAddr(':99999'), /invalid listen address/);
  });
});
