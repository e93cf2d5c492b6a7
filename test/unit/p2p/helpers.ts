/** Shared p2p test tooling: nodes on 127.0.0.1 with random ports, an offset clock, a raw (malicious) peer. */
import { connect, createServer } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import { ed25519Address, generateEd25519Key } from '../../../src/crypto/index.ts';
import type { Ed25519Key } from '../../../src/crypto/index.ts';
import { createP2P, testP2PLimits } from '../../../src/p2p/index.ts';
import type { Clock, Logger, P2P, P2PLimits, PeerEvent } from '../../../src/p2p/index.ts';
import { ByteQueue, takeFrame } from '../../../src/p2p/byteQueue.ts';
import { PacketType, readPackets } from '../../../src/p2p/packets.ts';
import { secretHandshake } from '../../../src/p2p/secretHandshake.ts';
import type { Session } from '../../../src/p2p/secretHandshake.ts';

export const NETWORK = 'p2p-test';

/**
 * Real time plus an offset the test moves forward. Timers fire in real time as usual; `advance` also
 * fires at once every timer that the jump made due, so bans and the redials waiting on them end on demand.
 */
export function offsetClock(): { clock: Clock; advance(ms: number): void } {
  let offset = 0;
  const nowMs = () => Date.now() + offset;
  const pending = new Set<{ atMs: number; fire(): void }>();
  return {
    clock: {
      nowMs,
      at(atMs, fn) {
        const entry = {
          atMs,
          fire: () => {
            clearTimeout(timer);
            if (pending.delete(entry)) fn();
          },
        };
        const timer = setTimeout(entry.fire, Math.max(0, atMs - nowMs()));
        pending.add(entry);
        return () => {
          clearTimeout(timer);
          pending.delete(entry);
        };
      },
    },
    advance(ms) {
      offset += ms;
      for (const entry of [...pending]) if (entry.atMs <= nowMs()) entry.fire();
    },
  };
}

export interface TestNode {
  p2p: P2P;
  key: Ed25519Key;
  events: PeerEvent[];
  messages: Array<{ from: string; channel: number; bytes: Uint8Array }>;
  logs: Array<{ level: string; msg: string; ctx: Record<string, unknown> }>;
  /** Log lines whose context has this error code. */
  logged(code: string): number;
  address(): string;
  port(): number;
}

export interface NodeSetup {
  key?: Ed25519Key;
  port?: number;
  persistentPeers?: string[];
  seeds?: string[];
  limits?: Partial<P2PLimits>;
  clock?: Clock;
  network?: string;
}

const running = new Set<P2P>();

export async function startNode(setup: NodeSetup = {}): Promise<TestNode> {
  const key = setup.key ?? generateEd25519Key();
  const logs: TestNode['logs'] = [];
  const log = (level: string) => (msg: string, ctx: Record<string, unknown> = {}) => logs.push({ level, msg, ctx });
  const logger: Logger = { error: log('error'), warn: log('warn'), info: log('info'), debug: log('debug') };
  const p2p = createP2P(
    {
      nodeKey: key,
      network: setup.network ?? NETWORK,
      listen: { host: '127.0.0.1', port: setup.port ?? 0 },
      persistentPeers: setup.persistentPeers ?? [],
      seeds: setup.seeds ?? [],
      limits: { ...testP2PLimits, ...setup.limits, channels: { ...testP2PLimits.channels, ...setup.limits?.channels } },
    },
    setup.clock === undefined ? { logger } : { logger, clock: setup.clock },
  );
  const node: TestNode = {
    p2p,
    key,
    events: [],
    messages: [],
    logs,
    logged: (code) => logs.filter((l) => l.ctx.code === code).length,
    address: () => p2p.selfAddress() as string,
    port: () => p2p.listenAddress()?.port as number,
  };
  p2p.on('peer', (e) => node.events.push(e));
  p2p.on('message', (from, channel, bytes) => node.messages.push({ from, channel, bytes }));
  await p2p.start();
  running.add(p2p);
  return node;
}

export async function stopNode(node: TestNode): Promise<void> {
  running.delete(node.p2p);
  await node.p2p.stop();
}

export async function stopAll(): Promise<void> {
  await Promise.all([...running].map((p) => p.stop()));
  running.clear();
}

/** Polls until `cond()` holds; fails with `what` after `timeoutMs` (a deadline, not a sleep that decides). */
export async function waitFor(what: string, cond: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

export function lastDisconnect(node: TestNode, peerId: string): Extract<PeerEvent, { kind: 'disconnected' }> | undefined {
  const events = node.events.filter((e): e is Extract<PeerEvent, { kind: 'disconnected' }> => e.kind === 'disconnected' && e.peer.id === peerId);
  return events[events.length - 1];
}

export function connectedIds(node: TestNode): string[] {
  return node.p2p.peers().map((p) => p.id).sort();
}

export interface RawPeer {
  socket: Socket;
  closed: Promise<void>;
  isClosed(): boolean;
}

/** A bare TCP connection to a node, for speaking garbage or nothing at all. */
export async function rawConnect(port: number, discardInput = true): Promise<RawPeer> {
  const socket = connect({ host: '127.0.0.1', port });
  socket.on('error', () => {});
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  // Keep reading (and discarding): an unread stream never reports the peer's FIN as 'close'.
  if (discardInput) socket.resume();
  let isClosed = false;
  const closed = new Promise<void>((resolve) =>
    socket.once('close', () => {
      isClosed = true;
      resolve();
    }),
  );
  return { socket, closed, isClosed: () => isClosed };
}

/** A raw connection that completes a genuine handshake, then lets the test write whatever it likes. */
export async function rawAuthenticated(
  port: number,
  key: Ed25519Key = generateEd25519Key(),
  network = NETWORK,
  discardInput = true,
): Promise<RawPeer & { session: Session }> {
  const raw = await rawConnect(port, false);
  const clock = offsetClock().clock;
  const session = await secretHandshake(raw.socket, { nodeKey: key, network, timeoutMs: 2_000, clock });
  // The handshake leaves the socket paused: a peer that never reads is how tests fill a node's queues.
  if (discardInput) raw.socket.resume();
  return { ...raw, session };
}

export { seededRandom } from '../../utils/random.ts';

export interface RawInbox {
  pings: number;
  pongs: number;
  messages: Array<{ channel: number; bytes: Buffer }>;
  error: Error | undefined;
}

/**
 * Decrypts and parses what the node sends to a raw authenticated peer. `answerPings` makes it behave
 * like an honest peer's keepalive; without it the peer reads but never answers.
 */
export function readAsPeer(peer: RawPeer & { session: Session }, answerPings: boolean): RawInbox {
  const inbox: RawInbox = { pings: 0, pongs: 0, messages: [], error: undefined };
  const queue = new ByteQueue();
  const partial = new Map<number, Buffer[]>();
  const onData = (chunk: Buffer) => {
    queue.push(chunk);
    try {
      for (let frame = takeFrame(queue, 16 * 1024 * 1024); frame !== undefined; frame = takeFrame(queue, 16 * 1024 * 1024)) {
        readPackets(peer.session.opener.open(frame.header, frame.body), {
          ping: () => {
            inbox.pings++;
            if (answerPings) peer.socket.write(peer.session.sealer.seal(Buffer.of(PacketType.pong)));
          },
          pong: () => inbox.pongs++,
          chunk: (channel, last, data) => {
            const parts = [...(partial.get(channel) ?? []), Buffer.from(data)];
            if (last) {
              partial.delete(channel);
              inbox.messages.push({ channel, bytes: Buffer.concat(parts) });
            } else partial.set(channel, parts);
          },
          stopped: () => false,
        });
      }
    } catch (err) {
      inbox.error = err as Error;
    }
  };
  peer.socket.on('data', onData);
  onData(peer.session.leftover);
  peer.socket.resume();
  return inbox;
}

/**
 * A listener that accepts TCP connections and runs the handshake only when the test says so, to line up
 * a node's outgoing dial against its other connections in a chosen order.
 */
export async function rawListener(key: Ed25519Key): Promise<{
  port: number;
  nextSocket(): Promise<Socket>;
  handshake(socket: Socket): Promise<RawPeer & { session: Session }>;
  close(): void;
}> {
  const sockets: Socket[] = [];
  const waiting: Array<(s: Socket) => void> = [];
  const server = createServer((socket) => {
    socket.on('error', () => {});
    const w = waiting.shift();
    if (w) w(socket);
    else sockets.push(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    nextSocket: () => {
      const s = sockets.shift();
      return s ? Promise.resolve(s) : new Promise((resolve) => waiting.push(resolve));
    },
    async handshake(socket) {
      let isClosed = false;
      const closed = new Promise<void>((resolve) =>
        socket.once('close', () => {
          isClosed = true;
          resolve();
        }),
      );
      const session = await secretHandshake(socket, { nodeKey: key, network: NETWORK, timeoutMs: 2_000, clock: offsetClock().clock });
      socket.resume();
      return { socket, closed, isClosed: () => isClosed, session };
    },
    close: () => server.close(),
  };
}

/** A key whose node id sorts below (or above) `than`. */
export function keyWithIdBelow(than: string, below: boolean): Ed25519Key {
  for (;;) {
    const key = generateEd25519Key();
    const id = Buffer.from(ed25519Address(key.publicKey)).toString('hex');
    if (id < than === below) return key;
  }
}
