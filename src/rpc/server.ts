/**
 * HTTP and WebSocket JSON-RPC on one port (like anvil and Hardhat). HTTP: POST bodies up to
 * maxBodyBytes, CORS for browser wallets and dApps. WebSocket: the same methods plus eth_subscribe.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import type { AddressInfo, Server as NetServer, Socket } from 'node:net';
import { WebSocketServer } from 'ws';
import type { WebSocket } from 'ws';
import type { Block, Receipt } from '../types/index.ts';
import { ChainError } from '../primitives/index.ts';
import type { Hex } from '../primitives/index.ts';
import type { RpcBackend } from './backend.ts';
import { dispatchBody, stringify } from './dispatch.ts';
import type { DispatchOptions } from './dispatch.ts';
import { RpcCode } from './errors.ts';
import type { HandlerTable } from './params.ts';
import { SubscriptionSet } from './subscriptions.ts';
import { serveLean } from './leanHttp.ts';
import type { LeanAnswer, LeanHttpOptions } from './leanHttp.ts';

export interface RpcServerOptions {
  host: string;
  port: number;
  corsOrigin: string;
  maxBodyBytes: number;
  maxBatchSize: number;
}

export interface RpcServer {
  url(): string;
  wsUrl(): string;
  start(): Promise<void>;
  stop(): Promise<void>;
  onBlock(block: Block, receipts: () => Receipt[]): void;
  onPendingTx(hash: Hex): void;
}

function parseError(message: string): string {
  return stringify({ jsonrpc: '2.0', id: null, error: { code: RpcCode.PARSE_ERROR, message } });
}

export function createRpcServer(opts: RpcServerOptions, table: HandlerTable, backend: RpcBackend, dispatchOpts: DispatchOptions): RpcServer {
  const connections = new Set<SubscriptionSet>();
  const wsTable: HandlerTable = { ...table };

  if (/[^\t\x20-\x7e]/.test(opts.corsOrigin)) {
    throw new ChainError('BAD_CONFIG', `rpc.cors must be a printable header value, got ${JSON.stringify(opts.corsOrigin)}`, {});
  }
  // CORS: an answer needs only the origin; the methods and headers matter in a preflight's answer alone
  const originHeader = ['Access-Control-Allow-Origin', opts.corsOrigin];
  const preflightHeaders = [...originHeader, 'Access-Control-Allow-Methods', 'POST, GET, OPTIONS', 'Access-Control-Allow-Headers', 'Content-Type, Authorization'];
  const cors = (res: ServerResponse, headers = originHeader): void => {
    for (let i = 0; i < headers.length; i += 2) res.setHeader(headers[i] as string, headers[i + 1] as string);
  };

  /** One request body's answer, for both HTTP paths. */
  const answer = async (raw: Buffer): Promise<LeanAnswer> => {
    let body: unknown;
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch (err) {
      return { status: 200, body: parseError(`parse error: ${(err as Error).message}`) };
    }
    try {
      const out = await dispatchBody(body, table, backend, dispatchOpts);
      return out === undefined ? { status: 204 } : { status: 200, body: stringify(out) };
    } catch {
      return { status: 500 };
    }
  };

  // PERF: one flat header list written with the status line, instead of three setHeader calls per request
  const jsonHeaders = [...originHeader, 'content-type', 'application/json'];

  /** With the length known the body goes out in one write, without chunked framing. */
  const respond = (res: ServerResponse, out: LeanAnswer): void => {
    if (out.body === undefined) return void (cors(res), res.writeHead(out.status).end());
    res.writeHead(out.status, [...jsonHeaders, 'content-length', String(Buffer.byteLength(out.body))]).end(out.body);
  };

  const onHttp = (req: IncomingMessage, res: ServerResponse): void => {
    if (req.method === 'POST') return void readBody(req, res);
    cors(res, preflightHeaders);
    if (req.method === 'OPTIONS') return void res.writeHead(204).end();
    res.writeHead(405, { 'content-type': 'text/plain' }).end('CyberMiles JSON-RPC: send POST requests with a JSON body\n');
  };

  const readBody = (req: IncomingMessage, res: ServerResponse): void => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      if (tooLarge) return; // drain the rest without keeping it, so the client can read the 413
      size += chunk.length;
      if (size > opts.maxBodyBytes) {
        tooLarge = true;
        chunks.length = 0;
        cors(res);
        res.writeHead(413, { 'content-type': 'application/json', connection: 'close' }).end(
          stringify({ jsonrpc: '2.0', id: null, error: { code: RpcCode.LIMIT_EXCEEDED, message: `request body too large: limit ${opts.maxBodyBytes} bytes` } }),
        );
      } else chunks.push(chunk);
    });
    req.on('error', () => {});
    req.on('end', () => {
      if (tooLarge) return;
      void answer(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks)).then((out) => respond(res, out));
    });
  };

  const http: Server = createServer({ keepAliveTimeout: 60_000 }, onHttp);
  // The port is ours; node:http gets the connections the lean path hands over (leanHttp.ts)
  const leanSockets = new Set<Socket>();
  const leanOptions: LeanHttpOptions = {
    maxBodyBytes: opts.maxBodyBytes,
    headers: `${originHeader[0]}: ${originHeader[1]}\r\n`,
    answer,
    handOver: (socket) => {
      leanSockets.delete(socket);
      http.emit('connection', socket);
    },
  };
  const listener: NetServer = createNetServer({ allowHalfOpen: true, noDelay: true }, (socket) => {
    leanSockets.add(socket);
    socket.once('close', () => leanSockets.delete(socket));
    serveLean(socket, leanOptions);
  });
  const wss = new WebSocketServer({ server: http, maxPayload: opts.maxBodyBytes });
  wss.on('error', () => {}); // it re-emits the HTTP server's errors; the listening socket is `listener`'s

  wss.on('connection', (socket: WebSocket) => {
    const send = (value: unknown): void => {
      if (socket.readyState === socket.OPEN) socket.send(stringify(value));
    };
    const subs = new SubscriptionSet(backend, (subscription, result) =>
      send({ jsonrpc: '2.0', method: 'eth_subscription', params: { subscription, result } }),
    );
    connections.add(subs);
    const connTable: HandlerTable = {
      ...wsTable,
      eth_subscribe: (params) => subs.subscribe(params),
      eth_unsubscribe: (params) => subs.unsubscribe(params[0]),
    };
    socket.on('message', (data) => {
      let body: unknown;
      try {
        body = JSON.parse(data.toString());
      } catch (err) {
        socket.send(parseError(`parse error: ${(err as Error).message}`));
        return;
      }
      void dispatchBody(body, connTable, backend, dispatchOpts).then((out) => out !== undefined && send(out), () => {});
    });
    socket.on('close', () => connections.delete(subs));
    socket.on('error', () => connections.delete(subs));
  });

  const address = (): AddressInfo => listener.address() as AddressInfo;
  return {
    url: () => `http://${opts.host}:${address().port}`,
    wsUrl: () => `ws://${opts.host}:${address().port}`,
    start: () =>
      new Promise((resolve, reject) => {
        listener.once('error', (err: Error) =>
          reject(new ChainError('RPC_LISTEN_FAILED', `cannot serve JSON-RPC on ${opts.host}:${opts.port}: ${err.message}; is another node running? use --rpc.port`)),
        );
        listener.listen(opts.port, opts.host, () => {
          listener.removeAllListeners('error');
          // a failed accept (EMFILE, a reset before accept) costs that one connection, never the node
          listener.on('error', () => {});
          resolve();
        });
      }),
    async stop() {
      for (const client of wss.clients) client.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      for (const socket of leanSockets) socket.destroy();
      http.closeAllConnections();
      await new Promise<void>((resolve) => listener.close(() => resolve()));
    },
    onBlock(block, receipts) {
      for (const c of connections) c.onBlock(block, receipts);
    },
    onPendingTx(hash) {
      for (const c of connections) c.onPendingTx(hash);
    },
  };
}
