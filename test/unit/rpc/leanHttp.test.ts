/**
 * The lean HTTP/1.1 path (src/rpc/leanHttp.ts): which heads it serves itself, and, over real loopback
 * sockets, that it keeps answers in request order, reassembles split requests and hands every other
 * connection, unread bytes first, to node:http.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { connect, createServer as createNetServer } from 'node:net';
import type { AddressInfo, Server as NetServer } from 'node:net';
import { parseHead, serveLean } from '../../../src/rpc/leanHttp.ts';
import type { LeanAnswer } from '../../../src/rpc/leanHttp.ts';
import { seededRandom } from '../../utils/random.ts';

const head = (...lines: string[]): string => lines.join('\r\n');

const SERVED: Array<[string, string, { length: number; close: boolean }]> = [
  ['a plain POST', head('POST / HTTP/1.1', 'Host: a', 'Content-Length: 12'), { length: 12, close: false }],
  ['header names in any case, values trimmed', head('POST /rpc HTTP/1.1', 'HOST: a', 'content-LENGTH:   7  ', 'X-Other: 1'), { length: 7, close: false }],
  ['Connection: close', head('POST / HTTP/1.1', 'Host: a', 'Content-Length: 0', 'Connection: Close'), { length: 0, close: true }],
  ['a repeated, equal Content-Length', head('POST / HTTP/1.1', 'Host: a', 'Content-Length: 3', 'Content-Length: 3'), { length: 3, close: false }],
];

for (const [what, text, expected] of SERVED) {
  test(`parseHead serves ${what}`, () => assert.deepEqual(parseHead(text), expected));
}

const HANDED_OVER: Array<[string, string]> = [
  ['GET', head('GET / HTTP/1.1', 'Host: a')],
  ['OPTIONS (a CORS preflight)', head('OPTIONS / HTTP/1.1', 'Host: a')],
  ['HTTP/1.0', head('POST / HTTP/1.0', 'Host: a', 'Content-Length: 1')],
  ['a missing Host', head('POST / HTTP/1.1', 'Content-Length: 1')],
  ['a missing Content-Length', head('POST / HTTP/1.1', 'Host: a')],
  ['a chunked body', head('POST / HTTP/1.1', 'Host: a', 'Transfer-Encoding: chunked')],
  ['Content-Length beside Transfer-Encoding', head('POST / HTTP/1.1', 'Host: a', 'Content-Length: 3', 'Transfer-Encoding: chunked')],
  ['Expect: 100-continue', head('POST / HTTP/1.1', 'Host: a', 'Content-Length: 1', 'Expect: 100-continue')],
  ['an Upgrade', head('POST / HTTP/1.1', 'Host: a', 'Content-Length: 1', 'Upgrade: websocket')],
  ['Connection: upgrade', head('POST / HTTP/1.1', 'Host: a', 'Content-Length: 1', 'Connection: keep-alive, Upgrade')],
  ['conflicting Content-Lengths', head('POST / HTTP/1.1', 'Host: a', 'Content-Length: 3', 'Content-Length: 4')],
  ['a Content-Length that is not a number', head('POST / HTTP/1.1', 'Host: a', 'Content-Length: 0x10')],
  ['a negative Content-Length', head('POST / HTTP/1.1', 'Host: a', 'Content-Length: -1')],
  ['whitespace before a colon', head('POST / HTTP/1.1', 'Host: a', 'Content-Length : 1')],
  ['a folded header line', head('POST / HTTP/1.1', 'Host: a', 'Content-Length: 1', ' folded')],
  ['a header line without a colon', head('POST / HTTP/1.1', 'Host: a', 'Content-Length: 1', 'junk')],
  ['a target with a space', head('POST /a b HTTP/1.1', 'Host: a', 'Content-Length: 1')],
  ['no target', head('POST  HTTP/1.1', 'Host: a', 'Content-Length: 1')],
  ['a NUL in a header', head('POST / HTTP/1.1', 'Host: a\0', 'Content-Length: 1')],
];

for (const [what, text] of HANDED_OVER) {
  test(`parseHead leaves ${what} to node:http`, () => assert.equal(parseHead(text), undefined));
}

interface Reply {
  status: number;
  headers: Map<string, string>;
  body: string;
}

/** Reads `count` replies (Content-Length framed) from raw bytes; also reports whether the server closed. */
function readReplies(data: Buffer, count: number): Reply[] {
  const replies: Reply[] = [];
  let at = 0;
  while (replies.length < count) {
    const end = data.indexOf('\r\n\r\n', at);
    if (end < 0) break;
    const lines = data.toString('latin1', at, end).split('\r\n');
    const headers = new Map(lines.slice(1).map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
    const length = Number(headers.get('content-length') ?? 0);
    if (data.length < end + 4 + length) break;
    replies.push({ status: Number((lines[0] as string).split(' ')[1]), headers, body: data.toString('utf8', end + 4, end + 4 + length) });
    at = end + 4 + length;
  }
  return replies;
}

/** Writes `pieces` one by one (each after the previous reached the kernel), then waits for `count` replies. */
async function exchange(port: number, pieces: string[], count: number, opts: { end?: boolean } = {}): Promise<{ replies: Reply[]; closed: boolean }> {
  const socket = connect(port, '127.0.0.1');
  await new Promise<void>((resolve) => socket.once('connect', resolve));
  let data = Buffer.alloc(0);
  let closed = false;
  const done = new Promise<void>((resolve, reject) => {
    const check = (): void => {
      if (readReplies(data, count).length >= count || closed) resolve();
    };
    socket.on('data', (d: Buffer) => {
      data = Buffer.concat([data, d]);
      check();
    });
    socket.on('end', () => {
      closed = true;
      check();
    });
    socket.on('error', reject);
  });
  for (const piece of pieces) {
    await new Promise<void>((resolve) => socket.write(piece, () => resolve()));
    await new Promise((resolve) => setImmediate(resolve));
  }
  if (opts.end) socket.end();
  await done;
  // a close that follows the last reply arrives right after it
  if (!closed) await new Promise((resolve) => setTimeout(resolve, 20));
  socket.destroy();
  return { replies: readReplies(data, count), closed };
}

const post = (body: string, ...extra: string[]): string =>
  `${head('POST / HTTP/1.1', 'Host: 127.0.0.1', `Content-Length: ${Buffer.byteLength(body)}`, ...extra)}\r\n\r\n${body}`;

describe('lean HTTP path over loopback', { timeout: 10_000 }, () => {
  let server: NetServer;
  let port = 0;
  const http = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => res.end(`node:http ${req.method} ${body}`));
  });
  const MAX_BODY = 1000;

  before(async () => {
    server = createNetServer({ allowHalfOpen: true, noDelay: true }, (socket) =>
      serveLean(socket, {
        maxBodyBytes: MAX_BODY,
        headers: 'X-Test: 1\r\n',
        // a body "slow:N" answers after N ms, so that a later request can finish first
        answer: async (body): Promise<LeanAnswer> => {
          const text = body.toString();
          const slow = /^slow:(\d+)/.exec(text);
          if (slow) await new Promise((resolve) => setTimeout(resolve, Number(slow[1])));
          if (text === 'fail') return { status: 500 };
          if (text === 'none') return { status: 204 };
          return { status: 200, body: `lean ${text}` };
        },
        handOver: (socket) => http.emit('connection', socket),
      }),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  after(async () => {
    http.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  test('answers pipelined requests in request order, whichever finishes first', async () => {
    const { replies, closed } = await exchange(port, [post('slow:30') + post('second') + post('none') + post('fail')], 4);
    assert.deepEqual(replies.map((r) => [r.status, r.body]), [[200, 'lean slow:30'], [200, 'lean second'], [204, ''], [500, '']]);
    assert.equal(replies[0]?.headers.get('x-test'), '1');
    assert.equal(replies[0]?.headers.get('content-type'), 'application/json');
    assert.equal(replies[1]?.headers.get('connection'), 'keep-alive');
    assert.equal(closed, false);
  });

  test('reassembles a head and a body split across packets', async () => {
    const whole = post('{"a":"ü"}');
    const cuts = [2, 17, 40, whole.length - 3];
    const pieces = cuts.map((c, i) => whole.slice(i === 0 ? 0 : (cuts[i - 1] as number), c)).concat(whole.slice(cuts.at(-1)));
    const { replies } = await exchange(port, pieces, 1);
    assert.deepEqual(replies.map((r) => r.body), ['lean {"a":"ü"}']);
  });

  test('hands a connection to node:http at the first request it does not serve, after its own answers', async () => {
    const get = `${head('GET / HTTP/1.1', 'Host: 127.0.0.1')}\r\n\r\n`;
    const { replies } = await exchange(port, [post('slow:20') + get + post('after')], 3);
    assert.deepEqual(replies.map((r) => r.body), ['lean slow:20', 'node:http GET ', 'node:http POST after']);
  });

  test('hands over a chunked body, a body over the limit and a bare line feed head', async () => {
    const chunked = `${head('POST / HTTP/1.1', 'Host: 127.0.0.1', 'Transfer-Encoding: chunked')}\r\n\r\n3\r\nabc\r\n0\r\n\r\n`;
    assert.deepEqual((await exchange(port, [chunked], 1)).replies.map((r) => r.body), ['node:http POST abc']);
    const big = 'x'.repeat(MAX_BODY + 1);
    assert.deepEqual((await exchange(port, [post(big)], 1)).replies.map((r) => r.body), [`node:http POST ${big}`]);
    const bareLf = 'POST / HTTP/1.1\nHost: 127.0.0.1\nContent-Length: 2\n\nhi';
    const reply = (await exchange(port, [bareLf], 1)).replies[0];
    assert.ok(reply !== undefined && !reply.body.startsWith('lean'), 'node:http answers it, one way or another');
  });

  test('Connection: close answers, then closes', async () => {
    const { replies, closed } = await exchange(port, [post('bye', 'Connection: close')], 1);
    assert.equal(replies[0]?.body, 'lean bye');
    assert.equal(replies[0]?.headers.get('connection'), 'close');
    assert.equal(closed, true);
  });

  test('a client that half-closes after its request still gets the answer', async () => {
    const { replies, closed } = await exchange(port, [post('slow:20')], 1, { end: true });
    assert.equal(replies[0]?.body, 'lean slow:20');
    assert.equal(closed, true);
  });

  test('survives seeded garbage and mangled heads, then serves a valid request', async () => {
    const random = seededRandom(20261127);
    const valid = post('{"ok":1}');
    for (let i = 0; i < 60; i++) {
      const cut = Math.floor(random() * valid.length);
      const noise = Buffer.from(Array.from({ length: 1 + Math.floor(random() * 80) }, () => Math.floor(random() * 256)));
      const pieces = [
        noise.toString('latin1'), // pure garbage
        valid.slice(0, cut) + noise.toString('latin1'), // a head cut and followed by garbage
        valid.replace('Content-Length', i % 2 ? 'Content-Length: 99999999999999999\r\nX' : 'Content-Length:\r\nX'),
      ];
      for (const piece of pieces) {
        const socket = connect(port, '127.0.0.1');
        await new Promise<void>((resolve) => socket.once('connect', resolve));
        socket.on('error', () => {});
        socket.resume(); // read what comes back (a 400 or nothing), so that the server's close is seen
        socket.end(Buffer.from(piece, 'latin1'));
        await new Promise((resolve) => socket.once('close', resolve));
      }
    }
    const { replies } = await exchange(port, [valid], 1);
    assert.deepEqual(replies.map((r) => r.body), ['lean {"ok":1}']);
  });
});

