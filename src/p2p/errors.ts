/**
 * p2p error codes. Every way a connection can end is one of these, carried as a ChainError whose action
 * tells the peer manager what to do with the peer:
 *   reject   the authenticated peer sent data no honest peer sends: disconnect and ban its node id;
 *   ignore   the connection is unusable, but the fault cannot be pinned on a node id (nothing proven yet,
 *            or bytes a third party on the path could have changed): disconnect, no ban;
 *   retry    a transient condition (timeout, closed socket, limits): disconnect; persistent peers redial;
 *   internal a mistake of the caller (bad option, unknown channel): thrown to the caller, never to a peer.
 */
import { ChainError } from '../primitives/index.ts';
import type { ErrorAction } from '../primitives/index.ts';

export const P2PErrorCode = {
  /** The HELLO was not `cmtp2p`, version 1, flags 0: not our protocol (or garbage). */
  BAD_HELLO: 'BAD_HELLO',
  /** The peer's ephemeral key equals ours (a reflection) or gives no shared secret. */
  BAD_EPHEMERAL_KEY: 'BAD_EPHEMERAL_KEY',
  /** The AUTH frame is malformed, or its signature does not verify (the claimed key is unproven). */
  BAD_AUTH: 'BAD_AUTH',
  /** The peer proved a node id other than the one we dialed. */
  WRONG_PEER_ID: 'WRONG_PEER_ID',
  /** The peer runs another network (chain id). */
  WRONG_NETWORK: 'WRONG_NETWORK',
  HANDSHAKE_TIMEOUT: 'HANDSHAKE_TIMEOUT',
  DIAL_FAILED: 'DIAL_FAILED',
  SELF_CONNECTION: 'SELF_CONNECTION',
  /** A second connection to a node id we are already connected to lost the tie-break. */
  DUPLICATE_PEER: 'DUPLICATE_PEER',
  TOO_MANY_PEERS: 'TOO_MANY_PEERS',
  BANNED: 'BANNED',
  /** A frame's length field is 0 or above maxFrameBytes. */
  FRAME_TOO_LARGE: 'FRAME_TOO_LARGE',
  /** ChaCha20-Poly1305 authentication failed: tampered, truncated, replayed or reordered bytes. */
  DECRYPT_FAILED: 'DECRYPT_FAILED',
  /** A decrypted frame does not parse as packets. */
  MALFORMED_PACKET: 'MALFORMED_PACKET',
  /** A message on a channel id this node does not know. */
  UNKNOWN_CHANNEL: 'UNKNOWN_CHANNEL',
  /** A message (all its chunks) larger than its channel's maxMessageBytes. */
  MESSAGE_TOO_LARGE: 'MESSAGE_TOO_LARGE',
  /** The node's own layers found a peer's message invalid (`P2P.ban`). */
  INVALID_MESSAGE: 'INVALID_MESSAGE',
  PONG_TIMEOUT: 'PONG_TIMEOUT',
  /** The socket ended or failed. */
  CONNECTION_CLOSED: 'CONNECTION_CLOSED',
  /** 2^64 frames in one direction: the nonce would repeat. */
  NONCE_EXHAUSTED: 'NONCE_EXHAUSTED',
  /** We are stopping, or the node asked to drop the peer. */
  LOCAL_CLOSE: 'LOCAL_CLOSE',
  BAD_ADDRESS: 'BAD_ADDRESS',
  BAD_OPTION: 'BAD_OPTION',
  /** The listen address cannot be bound (in use, not local). */
  LISTEN_FAILED: 'LISTEN_FAILED',
  /** The node sent on a channel that is not in limits.channels. */
  UNCONFIGURED_CHANNEL: 'UNCONFIGURED_CHANNEL',
  /** The node sent a message above its channel's maxMessageBytes (the peer would ban us for it). */
  OVERSIZED_SEND: 'OVERSIZED_SEND',
} as const;
export type P2PErrorCode = (typeof P2PErrorCode)[keyof typeof P2PErrorCode];

const ACTION: Record<P2PErrorCode, ErrorAction> = {
  BAD_HELLO: 'ignore',
  BAD_EPHEMERAL_KEY: 'ignore',
  // Anyone can claim anyone's public key; with a bad signature nothing is proven, so no id is banned.
  BAD_AUTH: 'ignore',
  WRONG_PEER_ID: 'retry',
  WRONG_NETWORK: 'ignore',
  HANDSHAKE_TIMEOUT: 'retry',
  DIAL_FAILED: 'retry',
  SELF_CONNECTION: 'ignore',
  DUPLICATE_PEER: 'ignore',
  TOO_MANY_PEERS: 'retry',
  BANNED: 'ignore',
  FRAME_TOO_LARGE: 'reject',
  // An on-path attacker can flip bits; banning the peer for that would let them get honest peers banned.
  DECRYPT_FAILED: 'ignore',
  MALFORMED_PACKET: 'reject',
  UNKNOWN_CHANNEL: 'reject',
  MESSAGE_TOO_LARGE: 'reject',
  INVALID_MESSAGE: 'reject',
  PONG_TIMEOUT: 'retry',
  CONNECTION_CLOSED: 'retry',
  NONCE_EXHAUSTED: 'retry',
  LOCAL_CLOSE: 'ignore',
  BAD_ADDRESS: 'internal',
  BAD_OPTION: 'internal',
  LISTEN_FAILED: 'internal',
  UNCONFIGURED_CHANNEL: 'internal',
  OVERSIZED_SEND: 'internal',
};

export type P2PError = ChainError<P2PErrorCode>;

export function p2pError(code: P2PErrorCode, message: string, context: Record<string, string | number> = {}): P2PError {
  return new ChainError(code, message, context, ACTION[code]);
}

/** Anything caught at the module's edge becomes a P2PError; unknown throwables are socket-level failures. */
export function toP2PError(err: unknown): P2PError {
  if (err instanceof ChainError && err.code in ACTION) return err as P2PError;
  const message = err instanceof Error ? err.message : String(err);
  return p2pError(P2PErrorCode.CONNECTION_CLOSED, message);
}
