/**
 * p2p: the node's authenticated, encrypted connections to its peers over TCP.
 *
 * Owns the handshake (ephemeral X25519, HKDF-SHA256, ed25519 node identity signed over the transcript;
 * the wire format is ADR 0012), ChaCha20-Poly1305 frames, numbered channels with per-channel message
 * limits and bounded send queues, ping/pong keepalive, dialing and redialing (persistent peers with
 * backoff, seeds once), one connection per node id, peer-count limits, and a ban list by node id.
 *
 * Does not own what the bytes on a channel mean (the node encodes consensus, transaction, evidence and
 * block-sync messages and decides what is invalid: it calls `ban`), peer exchange, or persistence of
 * bans and addresses. All I/O and timers live here; time comes from the injected Clock.
 *
 * Flow:
 *   createP2P(opts, { clock, logger }) -> start(): listen, dial persistent peers and seeds
 *     socket -> secretHandshake (HELLO, AUTH) -> admission (self, ban, duplicate, limits) -> Connection
 *     Connection: frames in -> decrypt -> packets -> reassemble per channel -> on('message')
 *                 send/broadcast -> per-channel queue ('full' when bounded queue is full) -> frames out
 *     invalid data -> disconnect (+ ban when the peer is proven at fault) -> redial if persistent
 */
export { formatPeerAddress, isPeerId, nodeIdFromPublicKey, parsePeerAddress } from './address.ts';
export type { PeerAddress } from './address.ts';
export { Channel, channelName, defaultChannelLimits } from './channels.ts';
export type { ChannelId, ChannelLimits, ChannelName } from './channels.ts';
export { P2PErrorCode } from './errors.ts';
export type { P2PError } from './errors.ts';
export { defaultP2PLimits, testP2PLimits, validateP2POptions } from './options.ts';
export type { P2PLimits, P2POptions } from './options.ts';
export { createP2P } from './tcpP2P.ts';
export type { P2PDeps } from './tcpP2P.ts';
export type {
  BroadcastResult,
  Clock,
  Direction,
  ListenAddress,
  Logger,
  P2P,
  P2PEvents,
  PeerEvent,
  PeerId,
  PeerInfo,
  SendResult,
} from './types.ts';
