import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, describe, it } from 'node:test';
import { Worker } from 'node:worker_threads';
import { createRpcClient } from '../../../bench/lib/rpc.ts';
import { parseAnswer, socketPost } from '../../../bench/lib/socketPost.ts';

const ok = (body: string, head = ''): Buffer => Buffer.from(`HTTP/1.1 200 OK\r\nContent-Length: ${Buffer.byteLength(body)}\r\n${head}\r\n${body}`);

describe('bench socket transport: parseAnswer', () => {
  it('reads an answer by Content-Length and reports what it consumed', () => {
    const buf = Buffer.concat([ok('{"a":1}'), Buffer.from('HTTP/1.1 200')]);
    const a = parseAnswer(buf);
    assert.ok(a !== undefined && !(a instanceof Error));
    assert.deepEqual({ status: a.status, body: a.body, keepAlive: a.keepAlive }, { status: 200, body: '{"a":1}', keepAlive: true });
    assert.equal(a.consumed, ok('{"a":1}').length, 'the next answer starts after it');
  });

  it('waits for the rest of a head or body', () => {
    const full = ok('{"result":"0x1"}');
    for (const cut of [5, full.indexOf('\r\n\r\n') + 2, full.length - 1]) assert.equal(parseAnswer(full.subarray(0, cut)), undefined, `cut at ${cut}`);
  });

  it('reads chunked answers, split anywhere', () => {
    const full = Buffer.from('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\n{"a"\r\n3\r\n:1}\r\n0\r\n\r\n');
    const a = parseAnswer(full);
    assert.ok(a !== undefined && !(a instanceof Error));
    assert.equal(a.body, '{"a":1}');
    assert.equal(a.consumed, full.length);
    for (let cut = 1; cut < full.length; cut++) assert.equal(parseAnswer(full.subarray(0, cut)), undefined, `cut at ${cut}`);
  });

  it('sees Connection: close, and rejects what is not an answer it can read', () => {
    const a = parseAnswer(ok('{}', 'Connection: close\r\n'));
    assert.ok(a !== undefined && !(a instanceof Error) && a.keepAlive === false);
    assert.ok(parseAnswer(Buffer.from('garbage\r\n\r\n')) instanceof Error);
    assert.ok(parseAnswer(Buffer.from('HTTP/1.1 200 OK\r\nX: y\r\n\r\n{}')) instanceof Error, 'no length, not chunked');
    assert.ok(parseAnswer(Buffer.from('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n')) instanceof Error);
  });
});

describe('bench socket transport against node:http servers', () => {
  const servers: Server[] = [];
  after(() => {
    for (const s of servers) s.closeAllConnections();
    for (const s of servers) s.close();
  });

  async function serve(handler: (req: IncomingMessage, res: ServerResponse, body: { id: number; method: string }) => void, configure?: (s: Server) => void): Promise<string> {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => handler(req, res, JSON.parse(Buffer.concat(chunks).toString('utf8')) as { id: number; method: string }));
    });
    configure?.(server);
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  it('answers concurrent calls with their own results over kept-alive connections', async () => {
    let connections = 0;
    const url = await serve(
      (_req, res, body) => {
        const text = JSON.stringify({ jsonrpc: '2.0', id: body.id, result: body.method });
        res.writeHead(200, { 'content-length': Buffer.byteLength(text) }).end(text);
      },
      (s) => s.on('connection', () => connections++),
    );
    const rpc = createRpcClient(url, 5_000, 'socket');
    const methods = Array.from({ length: 200 }, (_, i) => `m${i}`);
    const got = await Promise.all(Array.from({ length: 8 }, async (_, w) => {
      const out: string[] = [];
      for (let i = w; i < methods.length; i += 8) out.push(await rpc.call<string>(methods[i] as string));
      return out;
    }));
    assert.deepEqual(got.flat().sort(), [...methods].sort());
    assert.ok(connections <= 8, `8 workers reuse their connections (${connections} opened)`);
    rpc.close();
  });

  it('reads chunked answers and answers with Connection: close, and turns JSON-RPC errors into RpcError', async () => {
    let n = 0;
    const url = await serve((_req, res, body) => {
      n++;
      if (body.method === 'fail') {
        res.end(JSON.stringify({ jsonrpc: '2.0', id: body.id, error: { code: -32000, message: 'nonce too low' } }));
        return;
      }
      if (n % 2 === 0) res.setHeader('connection', 'close');
      res.write(`{"jsonrpc":"2.0","id":${body.id},`); // no length: node:http sends it chunked
      res.end('"result":"0xabc"}');
    });
    const rpc = createRpcClient(url, 5_000, 'socket');
    for (let i = 0; i < 6; i++) assert.equal(await rpc.call('x'), '0xabc');
    await assert.rejects(rpc.call('fail'), (err: Error & { code?: number }) => err.code === -32000 && /nonce too low/.test(err.message));
    rpc.close();
  });

  it('takes a new connection once the server has closed an idle one', async () => {
    const url = await serve(
      (_req, res, body) => {
        const text = JSON.stringify({ jsonrpc: '2.0', id: body.id, result: 'ok' });
        res.writeHead(200, { 'content-length': Buffer.byteLength(text) }).end(text);
      },
      (s) => (s.keepAliveTimeout = 50),
    );
    const rpc = createRpcClient(url, 5_000, 'socket');
    assert.equal(await rpc.call('a'), 'ok');
    await new Promise((r) => setTimeout(r, 200)); // the server has closed the idle connection by now
    assert.equal(await rpc.call('b'), 'ok');
    rpc.close();
  });

  it('does not reuse a connection idle for long: its server may have closed it while this thread was busy', async () => {
    // the server runs in another thread, so it closes the idle connection while this one is blocked
    const server = new Worker(
      `const { createServer } = require('node:http');
       const { parentPort } = require('node:worker_threads');
       const s = createServer((req, res) => { req.resume(); req.on('end', () => res.end('{"jsonrpc":"2.0","id":1,"result":"ok"}')); });
       s.listen(0, '127.0.0.1', () => parentPort.postMessage(s.address().port));
       parentPort.on('message', (m) => {
         if (m === 'close idle') return s.closeIdleConnections();
         s.closeAllConnections(); s.close(); parentPort.close();
       });`,
      { eval: true },
    );
    try {
      const port = await new Promise<number>((resolve) => server.once('message', resolve));
      for (const [maxIdleReuseMs, outcome] of [[1e9, 'fails'], [100, 'answered']] as const) {
        const { post, close } = socketPost(`http://127.0.0.1:${port}`, 5_000, maxIdleReuseMs);
        assert.deepEqual(await post('{"jsonrpc":"2.0","id":1,"method":"a"}'), { jsonrpc: '2.0', id: 1, result: 'ok' });
        server.postMessage('close idle');
        const until = performance.now() + 500;
        while (performance.now() < until); // busy: the server's FIN arrives, unread
        const second = post('{"jsonrpc":"2.0","id":1,"method":"b"}');
        // reused, the connection fails the call (which is why it is not reused); a new one answers it
        if (outcome === 'fails') await assert.rejects(second, /connection closed|ECONNRESET|EPIPE/);
        else assert.deepEqual(await second, { jsonrpc: '2.0', id: 1, result: 'ok' });
        close();
      }
    } finally {
      server.postMessage('stop');
      await new Promise((resolve) => server.once('exit', resolve));
    }
  });

  it('close() rejects the calls still waiting and sends none of them again', async () => {
    const received: string[] = [];
    const url = await serve((_req, _res, body) => void received.push(body.method));
    const rpc = createRpcClient(url, 5_000, 'socket');
    const waiting = rpc.call('a');
    while (received.length === 0) await new Promise((r) => setTimeout(r, 10));
    rpc.close();
    await assert.rejects(waiting, /closed/);
    await new Promise((r) => setTimeout(r, 100));
    assert.deepEqual(received, ['a']);
  });

  it('refuses an https URL rather than sending it in the clear', () => {
    assert.throws(() => createRpcClient('https://127.0.0.1:1', 1_000, 'socket'), /plain HTTP only/);
  });

  it('rejects a call the server never answers, after the timeout, and does not send it again', async () => {
    const received: string[] = [];
    const url = await serve((_req, res, body) => {
      received.push(body.method);
      if (body.method !== 'answered') return; // the others never get an answer
      const text = JSON.stringify({ jsonrpc: '2.0', id: body.id, result: 'ok' });
      res.writeHead(200, { 'content-length': Buffer.byteLength(text) }).end(text);
    });
    const rpc = createRpcClient(url, 100, 'socket');
    assert.equal(await rpc.call('answered'), 'ok'); // its connection is now idle, and reused next
    await assert.rejects(rpc.call('x'), /no answer in 100 ms/);
    await new Promise((r) => setTimeout(r, 200));
    assert.deepEqual(received, ['answered', 'x'], 'the timed-out call reached the server once');
    rpc.close();
  });
});
