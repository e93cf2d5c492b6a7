/**
 * The fault-test TCP proxy against a real echo server on 127.0.0.1: bytes both ways (a large payload
 * unchanged, a half-close passed on), partition resetting open connections and refusing new ones, heal,
 * close, and a target that goes away or is not there.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createConnection, createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { startTcpProxy } from '../../utils/tcpProxy.ts';
import type { TcpProxy } from '../../utils/tcpProxy.ts';

interface Echo {
  server: Server;
  port: number;
  /** Connections the echo server has accepted so far. */
  accepted: number;
  sockets: Set<Socket>;
}

async function startEcho(): Promise<Echo> {
  const echo: Echo = { server: createServer({ allowHalfOpen: true }), port: 0, accepted: 0, sockets: new Set() };
  echo.server.on('connection', (s) => {
    echo.accepted++;
    echo.sockets.add(s);
    s.on('close', () => echo.sockets.delete(s));
    s.on('error', () => {});
    s.pipe(s); // echoes, and ends its side once the client has ended its own
  });
  await new Promise<void>((res) => echo.server.listen(0, '127.0.0.1', () => res()));
  echo.port = (echo.server.address() as { port: number }).port;
  return echo;
}

async function stopEcho(echo: Echo): Promise<void> {
  for (const s of echo.sockets) s.destroy();
  await new Promise<void>((res) => echo.server.close(() => res()));
}

interface Client {
  socket: Socket;
  received(): Buffer;
  closed: Promise<void>;
  /** Resolves once the peer has ended its side (we read EOF). */
  ended: Promise<void>;
}

/** allowHalfOpen: keep our side open after the peer ended its own (off: close as most clients do). */
async function connect(port: number, allowHalfOpen = false): Promise<Client> {
  const socket = createConnection({ host: '127.0.0.1', port, allowHalfOpen });
  const chunks: Buffer[] = [];
  socket.on('data', (d: Buffer) => chunks.push(d));
  socket.on('error', () => {}); // a reset by the proxy shows up as close, which is what the tests check
  const closed = new Promise<void>((res) => socket.once('close', () => res()));
  const ended = new Promise<void>((res) => socket.once('end', () => res()));
  await new Promise<void>((res, rej) => {
    socket.once('connect', res);
    socket.once('error', rej);
  });
  return { socket, received: () => Buffer.concat(chunks), closed, ended };
}

async function until(what: string, cond: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('startTcpProxy', { timeout: 20_000 }, () => {
  let echo: Echo;
  let proxy: TcpProxy;
  before(async () => {
    echo = await startEcho();
    proxy = await startTcpProxy({ target: { host: '127.0.0.1', port: echo.port } });
  });
  after(async () => {
    await proxy.close();
    await stopEcho(echo);
  });

  test('listens on its own port and forwards bytes both ways', async () => {
    assert.ok(proxy.port > 0 && proxy.port !== echo.port);
    const c = await connect(proxy.port);
    c.socket.write('hello');
    await until('the echo', () => c.received().toString() === 'hello');
    assert.equal(proxy.connections, 1);
    c.socket.destroy();
    await until('the connection is gone', () => proxy.connections === 0);
  });

  test('forwards a large payload unchanged, and a half-close: the reply still arrives after the client ends', async () => {
    const payload = randomBytes(4 * 1024 * 1024);
    const c = await connect(proxy.port, true);
    c.socket.end(payload); // our side closed; the echo must still come back
    await c.ended;
    assert.ok(c.received().equals(payload), `got ${c.received().length} of ${payload.length} bytes back`);
    await c.closed;
    await until('the connection is gone', () => proxy.connections === 0);
  });

  test('partition resets open connections and refuses new ones until heal', async () => {
    const a = await connect(proxy.port);
    const b = await connect(proxy.port);
    a.socket.write('x');
    b.socket.write('y');
    await until('both echoed', () => a.received().length === 1 && b.received().length === 1);
    await until('both open upstream', () => echo.sockets.size === 2);
    assert.equal(proxy.connections, 2);

    const resets = [a, b].map((c) => new Promise<string | undefined>((res) => c.socket.once('error', (err: NodeJS.ErrnoException) => res(err.code))));
    proxy.partition();
    assert.equal(proxy.partitioned, true);
    await Promise.all([a.closed, b.closed]);
    assert.deepEqual(await Promise.all(resets), ['ECONNRESET', 'ECONNRESET'], 'a broken link, not a clean close');
    await until('the target side is closed too', () => echo.sockets.size === 0);
    assert.equal(proxy.connections, 0);

    const acceptedBefore = echo.accepted;
    // the TCP handshake succeeds, then the proxy resets the connection
    const refused = createConnection({ host: '127.0.0.1', port: proxy.port });
    const failed = new Promise<string | undefined>((res) => {
      refused.once('error', (err: NodeJS.ErrnoException) => res(err.code));
      refused.once('close', () => res(undefined));
    });
    refused.on('data', () => assert.fail('no data while partitioned'));
    assert.equal(await failed, 'ECONNRESET');
    assert.equal(echo.accepted, acceptedBefore, 'nothing reached the target while partitioned');

    proxy.heal();
    assert.equal(proxy.partitioned, false);
    const c = await connect(proxy.port);
    c.socket.write('back');
    await until('the echo after heal', () => c.received().toString() === 'back');
    c.socket.destroy();
    await until('the connection is gone', () => proxy.connections === 0);
  });

  test('a target that closes the connection ends the client side', async () => {
    const c = await connect(proxy.port);
    c.socket.write('z');
    await until('echoed', () => c.received().length === 1);
    for (const s of echo.sockets) s.destroy();
    await c.ended;
    await c.closed;
    await until('the connection is gone', () => proxy.connections === 0);
  });

  test('a target that is down: the client is accepted, then closed', async () => {
    const down = await startEcho();
    await stopEcho(down); // its port is now (very likely) closed
    const p = await startTcpProxy({ target: { host: '127.0.0.1', port: down.port } });
    try {
      const c = await connect(p.port);
      await c.closed;
      assert.equal(p.connections, 0);
    } finally {
      await p.close();
    }
  });

  test('close destroys open connections and stops listening', async () => {
    const p = await startTcpProxy({ target: { host: '127.0.0.1', port: echo.port } });
    const c = await connect(p.port);
    c.socket.write('q');
    await until('echoed', () => c.received().length === 1);
    await p.close();
    await c.closed;
    await assert.rejects(connect(p.port), { code: 'ECONNREFUSED' });
  });
});

describe('resetSocket', () => {
  // a process that ends a socket and resets it in the same tick: with resetAndDestroy() alone, Node 20 runs
  // the 'exit' handlers and then spins in its exit cleanup forever (how network.test.ts hung after passing)
  const script = `
    import { createServer, connect } from 'node:net';
    import { resetSocket } from ${JSON.stringify(new URL('../../utils/tcpProxy.ts', import.meta.url).href)};
    const server = createServer({ allowHalfOpen: true }, (s) => {
      s.on('error', () => {});
      s.end();
      resetSocket(s);
      server.close();
    });
    server.listen(0, '127.0.0.1', () => {
      const c = connect({ port: server.address().port, host: '127.0.0.1', allowHalfOpen: true });
      c.on('error', () => {});
      c.pause();
      setTimeout(() => c.destroy(), 50);
    });
  `;

  test('a socket whose shutdown has started is closed without hanging the process at exit', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 15_000 });
    assert.equal(r.signal, null, `the process did not exit by itself within 15 s: ${r.stderr}`);
    assert.equal(r.status, 0, r.stderr);
  });
});
