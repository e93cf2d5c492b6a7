/**
 * A TCP proxy on 127.0.0.1 for fault tests: put it between two nodes (dial the proxy's port instead of the
 * peer's) and cut the link with `partition()`, restore it with `heal()`. Bytes are forwarded unchanged both
 * ways, half-closes included. partition() resets (RST) every open connection, so both ends see it fail
 * (ECONNRESET) whatever their half-open setting, and until heal() new connections are accepted and reset at
 * once, as a peer behind a broken link looks to a dialer.
 */
import { createConnection, createServer } from 'node:net';
import type { Socket } from 'node:net';

export interface TcpProxyOptions {
  target: { host: string; port: number };
  /** 0 (the default): any free port. */
  listenPort?: number;
}

export interface TcpProxy {
  /** Where the proxy listens, on 127.0.0.1. */
  port: number;
  /** Resets every connection and refuses (accepts and resets) new ones until heal(). */
  partition(): void;
  heal(): void;
  readonly partitioned: boolean;
  /** Connections open now (client and target side count as one). */
  readonly connections: number;
  /** Resets every connection and stops listening. */
  close(): Promise<void>;
}

export async function startTcpProxy(o: TcpProxyOptions): Promise<TcpProxy> {
  const pairs = new Set<[Socket, Socket]>();
  let partitioned = false;
  const resetAll = (): void => {
    for (const [client, upstream] of pairs) {
      resetSocket(client);
      resetSocket(upstream);
    }
    pairs.clear();
  };
  const server = createServer({ allowHalfOpen: true }, (client) => {
    if (partitioned) return void client.resetAndDestroy();
    const upstream = createConnection({ host: o.target.host, port: o.target.port, allowHalfOpen: true });
    const pair: [Socket, Socket] = [client, upstream];
    pairs.add(pair);
    // pipe() forwards data and ends (half-closes); an error or close on either side tears down both
    client.pipe(upstream);
    upstream.pipe(client);
    const teardown = (): void => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    for (const s of pair) {
      s.on('error', teardown);
      s.on('close', teardown);
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.listenPort ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as { port: number }).port;
  return {
    port,
    partition() {
      partitioned = true;
      resetAll();
    },
    heal() {
      partitioned = false;
    },
    get partitioned() {
      return partitioned;
    },
    get connections() {
      return pairs.size;
    },
    close() {
      partitioned = true;
      resetAll();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * RST, unless the socket's shutdown already started (pipe() calls end() when the other side ends): on Node 20
 * a reset racing that pending shutdown leaves the handle referenced, and the process spins at 100% CPU in
 * its exit cleanup instead of exiting (reproduced by `s.end(); s.resetAndDestroy()`; the same race is
 * libp2p/js-libp2p#3597). A plain destroy() closes such a socket.
 */
export function resetSocket(s: Socket): void {
  if (s.writableEnded) s.destroy();
  else s.resetAndDestroy();
}
