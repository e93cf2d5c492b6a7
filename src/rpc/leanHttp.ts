/**
 * JSON-RPC over HTTP/1.1 without node:http for the request nearly every client sends: a keep-alive POST with
 * a Content-Length body. PERF: node:http builds an IncomingMessage, a ServerResponse, their streams and a
 * header object for every request, and writes the answer through cork/uncork; this parses the head with a few
 * string scans and answers with one write. A bare server measured 56 -> 30 µs of CPU per call (docs/performance.md),
 * on the thread that also admits every transaction.
 *
 * Anything else (GET, OPTIONS, a chunked body, Expect, Upgrade to WebSocket, HTTP/1.0, a missing Host, an
 * oversized or odd head, a body over the limit) hands the connection, unread bytes first, to node:http, which
 * answers it exactly as it did before this path existed. Answers on one connection go out in request order.
 */
import type { Socket } from 'node:net';

export interface LeanAnswer {
  status: 200 | 204 | 500;
  body?: string;
}

export interface LeanHttpOptions {
  maxBodyBytes: number;
  /** Header lines sent with every answer (CORS), each ending in CRLF. */
  headers: string;
  /** Never rejects: errors are answers too. */
  answer(body: Buffer): Promise<LeanAnswer>;
  /** Takes over a connection the lean path does not serve (node:http's 'connection'). */
  handOver(socket: Socket): void;
}

/** node:http's default limit on a request head (--max-http-header-size). */
const MAX_HEAD_BYTES = 16 * 1024;
/** node:http's keepAliveTimeout as the RPC server sets it. */
const KEEP_ALIVE_MS = 60_000;
/** Answers not yet written before the connection stops reading (a client pipelining without reading). */
const MAX_PENDING = 32;
const HEAD_END = Buffer.from('\r\n\r\n');
const METHOD = 'POST ';
const VERSION = ' HTTP/1.1';

interface Head {
  length: number;
  close: boolean;
}

/**
 * The head (request line and headers, without the blank line) as latin1, or undefined when node:http should
 * answer it. Only what decides framing is read; other headers are ignored as node:http's handler ignores them.
 */
export function parseHead(head: string): Head | undefined {
  const lineEnd = head.indexOf('\r\n');
  if (lineEnd < 0 || !head.startsWith(METHOD)) return undefined;
  // one target between the method and the version, without spaces or control characters
  const targetEnd = lineEnd - VERSION.length;
  if (targetEnd <= METHOD.length || head.lastIndexOf(VERSION, lineEnd) !== targetEnd || head.indexOf(' ', METHOD.length) !== targetEnd) return undefined;
  let length = -1;
  let close = false;
  let host = false;
  for (let at = lineEnd; at < head.length; ) {
    const next = head.indexOf('\r\n', at + 2);
    const line = head.slice(at + 2, next < 0 ? head.length : next);
    at = next < 0 ? head.length : next;
    const colon = line.indexOf(':');
    // no name, whitespace before the colon, or a folded continuation line: node:http decides (400)
    if (colon <= 0 || line.charCodeAt(colon - 1) <= 32 || line.charCodeAt(0) <= 32) return undefined;
    if (/[\0\r\n]/.test(line)) return undefined;
    const name = line.slice(0, colon).toLowerCase();
    const value = line.slice(colon + 1).trim();
    switch (name) {
      case 'content-length': {
        if (!/^\d{1,15}$/.test(value) || (length >= 0 && Number(value) !== length)) return undefined;
        length = Number(value);
        break;
      }
      case 'host':
        host = true;
        break;
      case 'connection': {
        const tokens = value.toLowerCase();
        if (tokens.includes('upgrade')) return undefined;
        if (tokens.includes('close')) close = true;
        break;
      }
      case 'transfer-encoding':
      case 'upgrade':
      case 'expect':
        return undefined;
    }
  }
  return length < 0 || !host ? undefined : { length, close };
}

/** True while `start` could still be the beginning of a head this path serves (so waiting for more is right). */
function mayBeLean(start: Buffer): boolean {
  const n = Math.min(start.length, METHOD.length);
  if (start.toString('latin1', 0, n) !== METHOD.slice(0, n)) return false;
  // a line feed without its carriage return: node:http's parser decides, and we would wait for \r\n\r\n forever
  for (let i = start.indexOf(10); i >= 0; i = start.indexOf(10, i + 1)) if (i === 0 || start[i - 1] !== 13) return false;
  return start.length <= MAX_HEAD_BYTES;
}

let dateSecond = -1;
let dateLine = '';
/** The Date header, made once a second (as node:http does). */
function dateHeader(): string {
  const now = Date.now();
  const second = Math.floor(now / 1000);
  if (second !== dateSecond) {
    dateSecond = second;
    dateLine = `Date: ${new Date(now).toUTCString()}\r\n`;
  }
  return dateLine;
}

const STATUS_LINES: Record<LeanAnswer['status'], string> = {
  200: 'HTTP/1.1 200 OK\r\n',
  204: 'HTTP/1.1 204 No Content\r\n',
  500: 'HTTP/1.1 500 Internal Server Error\r\n',
};

function frame(answer: LeanAnswer, headers: string, close: boolean): string {
  const connection = close ? 'Connection: close\r\n' : 'Connection: keep-alive\r\nKeep-Alive: timeout=60\r\n';
  const start = `${STATUS_LINES[answer.status]}${headers}${dateHeader()}${connection}`;
  if (answer.status === 204) return `${start}\r\n`;
  const body = answer.body ?? '';
  const type = answer.body === undefined ? '' : 'Content-Type: application/json\r\n';
  return `${start}${type}Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
}

/** Serves `socket` (fresh from a net server with allowHalfOpen) until it closes or is handed over. */
export function serveLean(socket: Socket, opts: LeanHttpOptions): void {
  let chunks: Buffer[] = [];
  let size = 0;
  /** Bytes needed before the buffered data can make progress (a whole body). */
  let need = 0;
  let pending = 0;
  let tail: Promise<void> = Promise.resolve();
  let stopped = false;

  const reading = (): void => {
    if (stopped) return;
    if (pending >= MAX_PENDING || socket.writableNeedDrain) socket.pause();
    else socket.resume();
  };

  const buffered = (): Buffer => {
    if (chunks.length > 1) chunks = [Buffer.concat(chunks, size)];
    return chunks[0] as Buffer;
  };

  const consume = (n: number): void => {
    const buf = buffered();
    chunks = n === buf.length ? [] : [buf.subarray(n)];
    size -= n;
  };

  const detach = (): void => {
    stopped = true;
    socket.removeListener('data', onData);
    socket.removeListener('end', onEnd);
    socket.removeListener('timeout', onTimeout);
    socket.removeListener('drain', reading);
    socket.setTimeout(0);
  };

  const handOver = (): void => {
    detach();
    socket.pause();
    const rest = size > 0 ? buffered() : undefined;
    void tail.then(() => {
      if (socket.destroyed) return;
      if (rest !== undefined) socket.unshift(rest);
      opts.handOver(socket);
      socket.resume(); // node:http reads unshifted bytes only from a flowing socket
    });
  };

  const respond = (body: Buffer, close: boolean): void => {
    const answered = opts.answer(body);
    pending++;
    tail = tail
      .then(() => answered)
      .then(
        (answer) => answer,
        (): LeanAnswer => ({ status: 500 }),
      )
      .then((answer) => {
        pending--;
        if (socket.destroyed) return;
        socket.write(frame(answer, opts.headers, close));
        if (close) socket.end();
        else reading();
      });
  };

  const drain = (): void => {
    while (!stopped && size > 0 && size >= need) {
      const buf = buffered();
      const headEnd = buf.indexOf(HEAD_END);
      if (headEnd < 0) {
        if (!mayBeLean(buf)) handOver();
        return;
      }
      const head = headEnd <= MAX_HEAD_BYTES ? parseHead(buf.toString('latin1', 0, headEnd)) : undefined;
      if (head === undefined || head.length > opts.maxBodyBytes) return handOver();
      const end = headEnd + HEAD_END.length + head.length;
      if (size < end) {
        need = end;
        return;
      }
      need = 0;
      const body = buf.subarray(headEnd + HEAD_END.length, end);
      consume(end);
      respond(body, head.close);
      if (head.close) {
        detach();
        socket.pause();
        return;
      }
    }
    reading();
  };

  function onData(chunk: Buffer): void {
    chunks.push(chunk);
    size += chunk.length;
    drain();
  }

  /** The client finished sending: answer what it asked, then close our side too. */
  function onEnd(): void {
    detach();
    void tail.then(() => socket.end());
  }

  function onTimeout(): void {
    if (pending === 0) socket.destroy();
  }

  socket.on('data', onData);
  socket.on('end', onEnd);
  socket.on('drain', reading);
  socket.on('error', () => {}); // a reset by the peer: the socket is destroyed, nothing to answer
  socket.setTimeout(KEEP_ALIVE_MS, onTimeout);
}
