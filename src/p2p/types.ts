/** The public shapes of p2p: the P2P service the node drives, its events, and the clock/logger it needs. */
import type { ChannelId } from './channels.ts';
import type { P2PError } from './errors.ts';

/** Lower-case hex of the first 20 bytes of SHA-256 of the node's ed25519 public key (CometBFT's node ID). */
export type PeerId = string;

/** Same shape as node's Clock, so the node passes its own (system or virtual) clock in. */
export interface Clock {
  nowMs(): number;
  /** Runs `fn` at `atMs` (clock time); returns a cancel function. */
  at(atMs: number, fn: () => void): () => void;
}

/** Same shape as node's Logger: a message plus a context object. */
export interface Logger {
  error(msg: string, ctx?: Record<string, unknown>): void;
  warn(msg: string, ctx?: Record<string, unknown>): void;
  info(msg: string, ctx?: Record<string, unknown>): void;
  debug(msg: string, ctx?: Record<string, unknown>): void;
}

export type Direction = 'inbound' | 'outbound';

export interface PeerInfo {
  id: PeerId;
  direction: Direction;
  /** host:port of the far end of the TCP connection (for an inbound peer, its ephemeral port). */
  remoteAddress: string;
  localAddress: string;
  /** Listed in persistentPeers: redialed when lost, exempt from the peer-count limits. */
  persistent: boolean;
  connectedAtMs: number;
}

export type PeerEvent =
  | { kind: 'connected'; peer: PeerInfo }
  | { kind: 'disconnected'; peer: PeerInfo; reason: P2PError; bannedUntilMs?: number };

/**
 * What happened to a message handed to `send`: 'queued' (it will go out unless the connection dies),
 * 'full' (the channel's send queue for that peer is full: the message was dropped, see ADR 0012), or
 * 'no-peer' (not connected to that id).
 */
export type SendResult = 'queued' | 'full' | 'no-peer';

export interface BroadcastResult {
  queued: number;
  /** Peers whose queue for the channel was full, so they did not get this message. */
  full: PeerId[];
}

export interface P2PEvents {
  /** One whole message from an authenticated peer; the callee owns `bytes` and may keep it. */
  message: (peerId: PeerId, channel: ChannelId, bytes: Uint8Array) => void;
  peer: (event: PeerEvent) => void;
}

export interface ListenAddress {
  host: string;
  port: number;
}

/** The p2p service: one node's encrypted TCP connections to its peers. */
export interface P2P {
  readonly nodeId: PeerId;
  /** Binds the listener (if any), then dials persistent peers and seeds. */
  start(): Promise<void>;
  /** Closes the listener and every connection and cancels every timer; idempotent. */
  stop(): Promise<void>;
  /** The bound address after start (port 0 in options becomes the real port); undefined without a listener. */
  listenAddress(): ListenAddress | undefined;
  /** `id@host:port` others can dial, or undefined without a listener. */
  selfAddress(): string | undefined;
  /**
   * Queues one message for one peer; never waits. `bytes` is kept by reference until it is sent, so the
   * caller must not change it afterwards. Throws (a caller bug) on an unconfigured channel or a message
   * above the channel's maxMessageBytes.
   */
  send(peerId: PeerId, channel: ChannelId, bytes: Uint8Array): SendResult;
  /** `send` to every connected peer (the same bytes object is shared, not copied). */
  broadcast(channel: ChannelId, bytes: Uint8Array): BroadcastResult;
  /**
   * Resolves when the peer's queue for `channel` is at most half full (by messages and bytes), or at
   * once if the peer is not connected; `send` may still report 'full' for a message larger than the
   * room left, so callers loop: send, and on 'full' await drained and send again.
   */
  drained(peerId: PeerId, channel: ChannelId): Promise<void>;
  on<E extends keyof P2PEvents>(event: E, listener: P2PEvents[E]): () => void;
  peers(): PeerInfo[];
  /** Dials `id@host:port` once (as a seed); returns immediately. */
  dial(address: string): void;
  /** Disconnects and bans a peer whose message the node found invalid (bad signature, bad block...). */
  ban(peerId: PeerId, reason: string): void;
  isBanned(peerId: PeerId): boolean;
}
