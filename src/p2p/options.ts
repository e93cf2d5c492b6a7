/** p2p options and limits, with defaults, fast test values and validation. */
import type { Ed25519Key } from '../crypto/index.ts';
import { parsePeerAddress } from './address.ts';
import { defaultChannelLimits } from './channels.ts';
import type { ChannelId, ChannelLimits } from './channels.ts';
import { P2PErrorCode, p2pError } from './errors.ts';
import type { ListenAddress } from './types.ts';

export interface P2PLimits {
  /** Authenticated inbound connections (persistent peers are not counted). CometBFT: 40. */
  maxInboundPeers: number;
  /** Authenticated outbound connections (persistent peers are not counted). CometBFT: 10. */
  maxOutboundPeers: number;
  /** Inbound connections still in the handshake; more are closed on accept (slow-loris bound). */
  maxPendingHandshakes: number;
  /** TCP connect of a dial. */
  dialTimeoutMs: number;
  /** From TCP connect (or accept) to an authenticated peer; a silent peer is dropped after it. */
  handshakeTimeoutMs: number;
  /** Plaintext bytes in one encrypted frame; a larger length field → disconnect + ban. */
  maxFrameBytes: number;
  pingIntervalMs: number;
  /** A ping not answered within this → disconnect. */
  pongTimeoutMs: number;
  /** How long a peer that sent invalid data stays banned. */
  banDurationMs: number;
  /** First redial delay of a lost persistent peer; doubles per failed attempt up to redialMaxMs. */
  redialMinMs: number;
  redialMaxMs: number;
  channels: Readonly<Record<ChannelId, ChannelLimits>>;
}

export interface P2POptions {
  /** The node's long-term identity (config/node_key.json). */
  nodeKey: Ed25519Key;
  /** The chain id; a peer on another network is refused in the handshake. */
  network: string;
  /** Where to accept connections (port 0: any free port); undefined: dial only. */
  listen?: ListenAddress | undefined;
  /** `id@host:port`: dialed at start and redialed with backoff whenever lost. */
  persistentPeers: readonly string[];
  /** `id@host:port`: dialed once at start (there is no peer exchange yet). */
  seeds: readonly string[];
  limits: P2PLimits;
}

export const defaultP2PLimits: Readonly<P2PLimits> = {
  maxInboundPeers: 40,
  maxOutboundPeers: 10,
  maxPendingHandshakes: 32,
  dialTimeoutMs: 3_000,
  handshakeTimeoutMs: 5_000,
  maxFrameBytes: 64 * 1024,
  pingIntervalMs: 10_000,
  pongTimeoutMs: 15_000,
  banDurationMs: 10 * 60_000,
  redialMinMs: 500,
  redialMaxMs: 30_000,
  channels: defaultChannelLimits,
};

/**
 * Fast redials so tests about them finish in well under a second; timeouts stay loose enough that a
 * loaded CI machine does not fail honest handshakes (tests about timeouts set their own).
 */
export const testP2PLimits: Readonly<P2PLimits> = {
  ...defaultP2PLimits,
  dialTimeoutMs: 2_000,
  handshakeTimeoutMs: 2_000,
  pingIntervalMs: 1_000,
  pongTimeoutMs: 2_000,
  banDurationMs: 60_000,
  redialMinMs: 20,
  redialMaxMs: 200,
};

/** Highest frame size accepted in options: keeps one frame's buffer well within memory. */
const MAX_FRAME_LIMIT = 16 * 1024 * 1024;
const MAX_NETWORK_BYTES = 64;

export function validateP2POptions(o: P2POptions): P2POptions {
  if (o.nodeKey.seed.length !== 32 || o.nodeKey.publicKey.length !== 32) bad('nodeKey', 'not an ed25519 key');
  const networkBytes = Buffer.byteLength(o.network, 'utf8');
  if (networkBytes < 1 || networkBytes > MAX_NETWORK_BYTES) bad('network', `must be 1..${MAX_NETWORK_BYTES} bytes of UTF-8`);
  if (o.listen !== undefined && !(Number.isInteger(o.listen.port) && o.listen.port >= 0 && o.listen.port <= 65_535)) {
    bad('listen.port', `${o.listen.port} is not a port`);
  }
  for (const a of [...o.persistentPeers, ...o.seeds]) parsePeerAddress(a);
  validateLimits(o.limits);
  return o;
}

function validateLimits(l: P2PLimits): void {
  const counts = ['maxInboundPeers', 'maxOutboundPeers', 'maxPendingHandshakes'] as const;
  for (const f of counts) if (!Number.isSafeInteger(l[f]) || l[f] < 0) bad(f, `${l[f]} is not an integer >= 0`);
  const times = ['dialTimeoutMs', 'handshakeTimeoutMs', 'pingIntervalMs', 'pongTimeoutMs', 'banDurationMs', 'redialMinMs', 'redialMaxMs'] as const;
  for (const f of times) if (!Number.isSafeInteger(l[f]) || l[f] < 1) bad(f, `${l[f]} is not an integer >= 1`);
  if (l.redialMaxMs < l.redialMinMs) bad('redialMaxMs', 'is below redialMinMs');
  // A frame must hold at least a message packet header plus some payload to make progress.
  if (!Number.isSafeInteger(l.maxFrameBytes) || l.maxFrameBytes < 256 || l.maxFrameBytes > MAX_FRAME_LIMIT) {
    bad('maxFrameBytes', `${l.maxFrameBytes} is not in 256..${MAX_FRAME_LIMIT}`);
  }
  for (const [id, c] of Object.entries(l.channels)) {
    const ch = Number(id);
    if (!Number.isInteger(ch) || ch < 0 || ch > 255) bad('channels', `channel id ${id} is not a byte`);
    for (const f of ['maxMessageBytes', 'sendQueueMessages', 'sendQueueBytes'] as const) {
      if (!Number.isSafeInteger(c[f]) || c[f] < 1) bad(`channels[${id}].${f}`, `${c[f]} is not an integer >= 1`);
    }
  }
}

function bad(field: string, why: string): never {
  throw p2pError(P2PErrorCode.BAD_OPTION, `invalid p2p option ${field}: ${why}`, { field });
}
