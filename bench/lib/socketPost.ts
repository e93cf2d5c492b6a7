/**
 * The bench client's lean HTTP transport: JSON-RPC POSTs over plain keep-alive TCP sockets, one request in
 * flight per socket, each request head and body in one write, the answer read by Content-Length or chunked
 * transfer coding. Why: the client shares this machine's two cores with the node under test, and node:http's
 * client machinery (request and response objects, header handling, streams) cost ~3x the CPU per call of
 * this (docs/performance.md, ADR 0021). A load generator should take as little of the machine as it can, the
 * reason wrk is written in C; every node measured gets the same client.
 */
import { Socket } from 'node:net';

export type PostFn = (body: string) => Promise<unknown>;

interface Pending {
  resolve: (value: unknown) => void;
  reject: (err: Error) => void;
  timer: NodeJS.Timeout;
}

/** One keep-alive connection and the answer it is reading. */
class Connection {
  readonly socket: Socket;
  private buf: Buffer = Buffer.alloc(0);
  private pending: Pending | undefined;
  closed = false;
  /** When the connection last finished a request (performance.now()). */
  idleSince = 0;

  constructor(host: string, port: number, private readonly onIdle: (c: Connection) => void) {
    this.socket = new Socket();
    this.socket.setNoDelay(true);
    this.socket.on('data', (chunk: Buffer) => this.onData(chunk));
    this.socket.on('error', (err) => this.fail(err));
    this.socket.on('close', () => this.fail(new Error('connection closed')));
    this.socket.connect(port, host);
  }

  send(head: string, body: string, pending: Pending): void {
    this.pending = pending;
    this.socket.write(head + body);
  }

  /** Gives up on the request in flight without answering it (its caller already has), and closes. */
  abandon(): void {
    const p = this.pending;
    this.pending = undefined;
    if (p !== undefined) clearTimeout(p.timer);
    this.destroy();
  }

  private fail(err: Error): void {
    this.closed = true;
    const p = this.pending;
    this.pending = undefined;
    if (p !== undefined) {
      clearTimeout(p.timer);
      p.reject(err);
    }
  }

  destroy(): void {
    this.closed = true;
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    const answer = parseAnswer(this.buf);
    if (answer === undefined) return;
    if (answer instanceof Error) {
      this.fail(answer);
      this.destroy();
      return;
    }
    this.buf = this.buf.subarray(answer.consumed);
    const p = this.pending;
    this.pending = undefined;
    if (p === undefined) return;
    clearTimeout(p.timer);
    try {
      p.resolve(JSON.parse(answer.body));
    } catch {
      p.reject(new Error(`HTTP ${answer.status}: ${answer.body.slice(0, 200)}`));
    }
    if (answer.keepAlive) this.onIdle(this);
    else this.destroy();
  }
}

interface Answer {
  status: number;
  body: string;
  consumed: number;
  keepAlive: boolean;
}

/** A complete HTTP/1.1 answer at the start of `buf`, undefined if more bytes are needed. */
export function parseAnswer(buf: Buffer): Answer | Error | undefined {
  const headEnd = buf.indexOf('\r\n\r\n');
  if (headEnd < 0) return buf.length > 65_536 ? new Error('answer head too large') : undefined;
  const lines = buf.toString('latin1', 0, headEnd).split('\r\n');
  const status = Number((lines[0] ?? '').split(' ')[1]);
  if (!Number.isInteger(status)) return new Error(`not an HTTP answer: ${JSON.stringify(lines[0])}`);
  let length = -1;
  let chunked = false;
  let keepAlive = true;
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i] as string;
    const colon = line.indexOf(':');
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim().toLowerCase();
    if (name === 'content-length') length = Number(value);
    else if (name === 'transfer-encoding') chunked = value.includes('chunked');
    else if (name === 'connection') keepAlive = !value.includes('close');
  }
  const start = headEnd + 4;
  if (chunked) return readChunked(buf, start, status, keepAlive);
  if (length < 0) return new Error('answer without Content-Length or chunked coding');
  if (buf.length < start + length) return undefined;
  return { status, body: buf.toString('utf8', start, start + length), consumed: start + length, keepAlive };
}

function readChunked(buf: Buffer, start: number, status: number, keepAlive: boolean): Answer | Error | undefined {
  const parts: Buffer[] = [];
  let at = start;
  for (;;) {
    const lineEnd = buf.indexOf('\r\n', at);
    if (lineEnd < 0) return undefined;
    const size = parseInt(buf.toString('latin1', at, lineEnd), 16);
    if (!Number.isInteger(size) || size < 0) return new Error('bad chunk size');
    if (size === 0) {
      const end = buf.indexOf('\r\n\r\n', lineEnd); // no trailers expected: the terminating empty line
      if (end < 0) return undefined;
      return { status, body: Buffer.concat(parts).toString('utf8'), consumed: end + 4, keepAlive };
    }
    if (buf.length < lineEnd + 2 + size + 2) return undefined;
    parts.push(buf.subarray(lineEnd + 2, lineEnd + 2 + size));
    at = lineEnd + 2 + size + 2;
  }
}

/** A POST function for `url` and a close function for its connections. */
const MAX_IDLE_REUSE_MS = 2000;

export function socketPost(url: string, timeoutMs: number, maxIdleReuseMs = MAX_IDLE_REUSE_MS): { post: PostFn; close: () => void } {
  const { protocol, hostname, port, pathname, search } = new URL(url);
  if (protocol !== 'http:') throw new Error(`the socket client speaks plain HTTP only, not ${protocol} (${url})`);
  const host = hostname.replace(/^\[|\]$/g, '');
  const portNumber = Number(port || 80);
  const headPrefix = `POST ${pathname || '/'}${search} HTTP/1.1\r\nHost: ${hostname}:${portNumber}\r\nContent-Type: application/json\r\nContent-Length: `;
  const idle: Connection[] = [];
  const all = new Set<Connection>();
  const release = (c: Connection): void => {
    c.idleSince = performance.now();
    idle.push(c);
  };
  const open = (): Connection => {
    const c = new Connection(host, portNumber, release);
    all.add(c);
    c.socket.on('close', () => all.delete(c));
    return c;
  };

  /**
   * No retries: a failed request may have been handled (a server can act on a request and then reset the
   * connection), and sending eth_sendRawTransaction twice is not harmless. An idle connection the server
   * closed is seen closed and skipped; only one closed in the instant a request goes out fails that request.
   */
  const post = (body: string): Promise<unknown> =>
    new Promise((resolve, reject) => {
      let c = idle.pop();
      // a connection idle for long may have been closed by the server while this process was busy (signing,
      // say) and its FIN not read yet: the request would fail without being handled. Node's HTTP servers close
      // idle connections after 5 s, so one idle for 2 s is closed here and a new one opened.
      while (c !== undefined && (c.closed || performance.now() - c.idleSince > maxIdleReuseMs)) {
        if (!c.closed) c.destroy();
        c = idle.pop();
      }
      const conn = c ?? open();
      const timer = setTimeout(() => {
        conn.abandon();
        reject(new Error(`no answer in ${timeoutMs} ms`));
      }, timeoutMs);
      conn.send(`${headPrefix}${Buffer.byteLength(body)}\r\n\r\n`, body, { resolve, reject, timer });
    });
  const close = (): void => {
    for (const c of all) c.destroy(); // a call still waiting is rejected, not sent again
    all.clear();
    idle.length = 0;
  };
  return { post, close };
}
