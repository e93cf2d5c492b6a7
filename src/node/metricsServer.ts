/**
 * The Prometheus scrape endpoint: GET /metrics on its own port, apart from JSON-RPC, so an operator can
 * expose it to a monitoring network without exposing the RPC (and the reverse). Loopback by default:
 * metrics tell an outsider when a validator lags, which is worth keeping private unless asked.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ChainError } from '../primitives/index.ts';

export const METRICS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';
export const DEFAULT_METRICS_HOST = '127.0.0.1';

export interface MetricsServerOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** 0 = any free port (tests); the bound port is in the result. */
  port: number;
}

export interface MetricsServer {
  readonly port: number;
  readonly url: string;
  stop(): Promise<void>;
}

/** Anything that renders an exposition document; a NodeMetrics, or a wrapper that refreshes gauges first. */
export interface MetricsSource {
  render(): string;
}

function handle(req: IncomingMessage, res: ServerResponse, source: MetricsSource): void {
  const path = new URL(req.url ?? '/', 'http://localhost').pathname;
  if (path !== '/metrics') {
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found: metrics are at /metrics\n');
    return;
  }
  // HEAD too: some probes check an endpoint with it before scraping
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' }).end('method not allowed: use GET\n');
    return;
  }
  const body = source.render();
  res.writeHead(200, { 'content-type': METRICS_CONTENT_TYPE, 'content-length': Buffer.byteLength(body) }).end(body);
}

export function startMetricsServer(opts: MetricsServerOptions, source: MetricsSource): Promise<MetricsServer> {
  const host = opts.host ?? DEFAULT_METRICS_HOST;
  const server = createServer((req, res) => handle(req, res, source));
  return new Promise((resolve, reject) => {
    server.once('error', (err: Error) =>
      reject(new ChainError('METRICS_LISTEN_FAILED', `cannot serve metrics on ${host}:${opts.port}: ${err.message}; use another --metrics.port`, { host, port: opts.port })),
    );
    server.listen(opts.port, host, () => {
      server.removeAllListeners('error');
      const port = (server.address() as AddressInfo).port;
      resolve({
        port,
        url: `http://${host.includes(':') ? `[${host}]` : host}:${port}/metrics`,
        async stop() {
          // close() alone ends only idle connections; a scraper still reading must not delay the node's stop
          server.closeAllConnections();
          await new Promise<void>((done) => server.close(() => done()));
        },
      });
    });
  });
}
