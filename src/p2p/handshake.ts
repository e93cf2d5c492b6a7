/**
 * The handshake's messages and key schedule, as pure functions (the socket side is
 * secretHandshake.ts). Byte-level description: docs/adr/0012-p2p-secret-connection.md.
 *
 *   1. both sides send HELLO = "cmtp2p" || 0x01 (version) || 0x00 (flags) || ephemeral X25519 key (32)
 *   2. transcript = SHA-256("cmtp2p/1 transcript" || HELLO_lo || HELLO_hi), lo/hi ordering the two
 *      HELLOs by their ephemeral keys, so both sides compute the same bytes without knowing who dialed
 *   3. HKDF-SHA256(ikm = X25519 secret, salt = transcript, info = "cmtp2p/1 keys") -> 96 bytes:
 *      key lo->hi || key hi->lo || challenge
 *   4. each side sends, as its first sealed frame, AUTH = ed25519 public key (32) || signature (64) ||
 *      network length (1) || network; the signature covers
 *      "cmtp2p/1 auth" || role (0x00 lo, 0x01 hi) || transcript || challenge || network length || network.
 *
 * The role byte stops a peer from reflecting our own AUTH back at us; the transcript binds both
 * ephemeral keys and the protocol version, and the challenge (known only to the two ends of this
 * exchange) ties the signature to this one connection, so it cannot be replayed elsewhere.
 */
import { createHash, hkdfSync } from 'node:crypto';
import { ed25519Sign, ed25519Verify, x25519SharedSecret } from '../crypto/index.ts';
import type { Ed25519Key } from '../crypto/index.ts';
import { nodeIdFromPublicKey } from './address.ts';
import { P2PErrorCode, p2pError } from './errors.ts';
import type { PeerId } from './types.ts';

const MAGIC = Buffer.from('cmtp2p', 'ascii');
export const PROTOCOL_VERSION = 1;
export const HELLO_BYTES = 40;
const TRANSCRIPT_LABEL = Buffer.from('cmtp2p/1 transcript', 'ascii');
const KEYS_INFO = Buffer.from('cmtp2p/1 keys', 'ascii');
const AUTH_LABEL = Buffer.from('cmtp2p/1 auth', 'ascii');
const MAX_NETWORK_BYTES = 64;
/** Largest AUTH plaintext: key, signature, length byte, network. */
export const MAX_AUTH_BYTES = 32 + 64 + 1 + MAX_NETWORK_BYTES;

export function encodeHello(ephemeralPublicKey: Uint8Array): Buffer {
  const hello = Buffer.alloc(HELLO_BYTES);
  MAGIC.copy(hello, 0);
  hello[6] = PROTOCOL_VERSION;
  hello[7] = 0;
  hello.set(ephemeralPublicKey, 8);
  return hello;
}

/** The peer's ephemeral key, or BAD_HELLO: anything else on the port is not our protocol. */
export function decodeHello(hello: Uint8Array): Uint8Array {
  if (hello.length !== HELLO_BYTES || !MAGIC.equals(hello.subarray(0, 6))) {
    throw p2pError(P2PErrorCode.BAD_HELLO, 'not a cmtp2p hello');
  }
  if (hello[6] !== PROTOCOL_VERSION || hello[7] !== 0) {
    throw p2pError(P2PErrorCode.BAD_HELLO, `unsupported cmtp2p version ${hello[6]} flags ${hello[7]}`, { version: hello[6] ?? 0 });
  }
  return hello.slice(8, 40);
}

export interface SessionKeys {
  sendKey: Uint8Array;
  receiveKey: Uint8Array;
  transcript: Uint8Array;
  challenge: Uint8Array;
  /** 0 if our ephemeral key sorts first (lo), 1 if it sorts second (hi). */
  role: 0 | 1;
}

export function deriveSessionKeys(ourHello: Uint8Array, theirHello: Uint8Array, ourEphemeralPrivateKey: Uint8Array): SessionKeys {
  const ours = ourHello.subarray(8, 40);
  const theirs = theirHello.subarray(8, 40);
  const order = Buffer.compare(ours, theirs);
  if (order === 0) throw p2pError(P2PErrorCode.BAD_EPHEMERAL_KEY, 'peer echoed our ephemeral key');
  const role = order < 0 ? 0 : 1;
  const [lo, hi] = role === 0 ? [ourHello, theirHello] : [theirHello, ourHello];
  const transcript = createHash('sha256').update(TRANSCRIPT_LABEL).update(lo).update(hi).digest();
  let shared: Uint8Array;
  try {
    shared = x25519SharedSecret(ourEphemeralPrivateKey, theirs);
  } catch {
    throw p2pError(P2PErrorCode.BAD_EPHEMERAL_KEY, 'peer ephemeral key gives no shared secret');
  }
  const okm = Buffer.from(hkdfSync('sha256', shared, transcript, KEYS_INFO, 96));
  const loToHi = okm.subarray(0, 32);
  const hiToLo = okm.subarray(32, 64);
  return {
    sendKey: role === 0 ? loToHi : hiToLo,
    receiveKey: role === 0 ? hiToLo : loToHi,
    transcript: new Uint8Array(transcript),
    challenge: okm.subarray(64, 96),
    role,
  };
}

/** What each side signs: the label, its role, the session, and the network it claims (length-prefixed). */
function authMessage(role: 0 | 1, keys: SessionKeys, network: Uint8Array): Buffer {
  return Buffer.concat([AUTH_LABEL, Buffer.of(role), keys.transcript, keys.challenge, Buffer.of(network.length), network]);
}

export function encodeAuth(nodeKey: Ed25519Key, keys: SessionKeys, network: string): Buffer {
  const net = Buffer.from(network, 'utf8');
  if (net.length > MAX_NETWORK_BYTES) throw p2pError(P2PErrorCode.BAD_OPTION, `network id is over ${MAX_NETWORK_BYTES} bytes`);
  const signature = ed25519Sign(nodeKey.seed, authMessage(keys.role, keys, net));
  return Buffer.concat([nodeKey.publicKey, signature, Buffer.of(net.length), net]);
}

export interface PeerAuth {
  peerId: PeerId;
  publicKey: Uint8Array;
  network: string;
}

/** Checks the peer's AUTH against the peer's role (the opposite of ours) and returns what it proved. */
export function verifyAuth(auth: Uint8Array, keys: SessionKeys): PeerAuth {
  const netLength = auth[96];
  if (auth.length < 97 || netLength === undefined || netLength > MAX_NETWORK_BYTES || auth.length !== 97 + netLength) {
    throw p2pError(P2PErrorCode.BAD_AUTH, 'malformed auth message', { bytes: auth.length });
  }
  const publicKey = auth.slice(0, 32);
  const signature = auth.subarray(32, 96);
  const network = auth.subarray(97);
  const peerRole = keys.role === 0 ? 1 : 0;
  if (!ed25519Verify(publicKey, authMessage(peerRole, keys, network), signature)) {
    throw p2pError(P2PErrorCode.BAD_AUTH, 'auth signature does not verify');
  }
  return { peerId: nodeIdFromPublicKey(publicKey), publicKey, network: Buffer.from(network).toString('utf8') };
}
