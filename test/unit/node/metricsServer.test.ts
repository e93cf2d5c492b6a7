/**
 * The /metrics endpoint over a real socket on 127.0.0.1: the document with Prometheus' content type, 404
 * elsewhere, 405 for other methods, a clear error when the port is taken.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { METRICS_CONTENT_TYPE, createMetrics, startMetricsServer } from '../../../src/node/index.ts';
import type { MetricsServer } from '../../../src/node/index.ts';
import { isChainError } from '../../../src/primitives/index.ts';

describe('metrics server', () => {
  const metrics = createMetrics();
  let server: MetricsServer;
  let base: string;

  before(async () => {
    server = await startMetricsServer({ port: 0 }, metrics);
    base = `http://127.0.0.1:${server.port}`;
  });
  after(() => server.stop());

  it('listens on 127.0.0.1 by default, on the port it reports', () => {
    assert.ok(server.port > 0);
    assert.equal(server.url, `${base}/metrics`);
  });

  it('GET /metrics: 200, the exposition content type, the current values', async () => {
    metrics.height.set(9);
    const res = await fetch(`${base}/metrics`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), METRICS_CONTENT_TYPE);
    assert.equal(METRICS_CONTENT_TYPE, 'text/plain; version=0.0.4; charset=utf-8');
    const text = await res.text();
    assert.equal(text, metrics.render());
    assert.match(text, /^cmt_consensus_height 9$/m);
  });

  it('a query string does not change the path', async () => {
    assert.equal((await fetch(`${base}/metrics?name[]=x`)).status, 200);
  });

  const cases: Array<[string, string, number]> = [
    ['HEAD', '/metrics', 200],
    ['GET', '/foo', 404],
    ['GET', '/', 404],
    ['GET', '/metrics/x', 404],
    ['POST', '/metrics', 405],
    ['PUT', '/metrics', 405],
    ['DELETE', '/metrics', 405],
  ];
  for (const [method, path, status] of cases) {
    it(`${method} ${path}: ${status}`, async () => {
      const res = await fetch(`${base}${path}`, { method });
      assert.equal(res.status, status);
      if (status === 405) assert.equal(res.headers.get('allow'), 'GET, HEAD');
      await res.arrayBuffer();
    });
  }

  it('a port in use is a METRICS_LISTEN_FAILED error naming the address', async () => {
    await assert.rejects(
      startMetricsServer({ host: '127.0.0.1', port: server.port }, metrics),
      (err: unknown) => isChainError(err) && err.code === 'METRICS_LISTEN_FAILED' && err.message.includes(`127.0.0.1:${server.port}`),
    );
  });
});
