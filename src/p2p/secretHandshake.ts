/**
 * Runs the handshake of handshake.ts on a connected socket: HELLO out, HELLO in, AUTH out (sealed),
 * AUTH in (sealed), all within one deadline. Both sides send without waiting for each other, so it
 * costs one round trip plus the AUTH flight. On success the socket is paused with its listeners
 * removed, and the bytes that arrived after the peer's AUTH are handed over with the ciphers, so the
 * connection takes over without losing or re-reading a byte.
 */
import type { Socket } from 'node:net';
import { generateX25519Key } from '../crypto/index.ts';
import type { Ed25519Key } from '../crypto/index.ts';
import { ByteQueue, takeFrame } from './byteQueue.ts';
import { P2PErrorCode, p2pError, toP2PError } from './errors.ts';
import type { P2PError } from './errors.ts';
import { FrameOpener, FrameSealer } from './frameCipher.ts';
import { HELLO_BYTES, MAX_AUTH_BYTES, decodeHello, deriveSessionKeys, encodeAuth, encodeHello, verifyAuth } from './handshake.ts';
import type { PeerAuth, SessionKeys } from './handshake.ts';
import type { Clock, PeerId } from './types.ts';

export interface HandshakeParams {
  nodeKey: Ed25519Key;
  network: string;
  /** Set when dialing `id@host:port`: a peer proving any other id is refused. */
  expectedPeerId?: PeerId | undefined;
  timeoutMs: number;
  clock: Clock;
}

export interface Session {
  peer: PeerAuth;
  sealer: FrameSealer;
  opener: FrameOpener;
  /** Bytes received after the peer's AUTH frame: the start of its first data frames. */
  leftover: Buffer;
}

/** Rejects with a P2PError; the caller destroys the socket. */
export function secretHandshake(socket: Socket, params: HandshakeParams): Promise<Session> {
  return new Promise((resolve, reject) => {
    const ephemeral = generateX25519Key();
    const ourHello = encodeHello(ephemeral.publicKey);
    const queue = new ByteQueue();
    let keys: SessionKeys | undefined;
    let sealer: FrameSealer | undefined;
    let opener: FrameOpener | undefined;
    let done = false;

    const finish = (outcome: Session | P2PError): void => {
      if (done) return;
      done = true;
      cancelTimeout();
      socket.off('data', onData);
      socket.off('error', onError);
      socket.off('close', onClose);
      if (outcome instanceof Error) reject(outcome);
      else {
        socket.pause();
        resolve(outcome);
      }
    };
    const onError = (err: Error) => finish(p2pError(P2PErrorCode.CONNECTION_CLOSED, `socket error in handshake: ${err.message}`));
    const onClose = () => finish(p2pError(P2PErrorCode.CONNECTION_CLOSED, 'peer closed the connection during the handshake'));
    const onData = (chunk: Buffer) => {
      queue.push(chunk);
      try {
        step();
      } catch (err) {
        finish(toP2PError(err));
      }
    };

    const step = (): void => {
      if (keys === undefined) {
        if (queue.length < HELLO_BYTES) return;
        const theirHello = queue.take(HELLO_BYTES);
        decodeHello(theirHello);
        keys = deriveSessionKeys(ourHello, theirHello, ephemeral.privateKey);
        sealer = new FrameSealer(keys.sendKey);
        opener = new FrameOpener(keys.receiveKey);
        const auth = encodeAuth(params.nodeKey, keys, params.network);
        socket.write(sealer.seal(auth));
      }
      let frame;
      try {
        frame = takeFrame(queue, MAX_AUTH_BYTES);
      } catch {
        throw p2pError(P2PErrorCode.BAD_AUTH, 'auth frame has a bad length');
      }
      if (frame === undefined) return;
      const peer = verifyAuth((opener as FrameOpener).open(frame.header, frame.body), keys);
      if (peer.network !== params.network) {
        throw p2pError(P2PErrorCode.WRONG_NETWORK, `peer is on network ${JSON.stringify(peer.network)}, we are on ${JSON.stringify(params.network)}`, {
          peerId: peer.peerId,
          network: peer.network,
        });
      }
      if (params.expectedPeerId !== undefined && peer.peerId !== params.expectedPeerId) {
        throw p2pError(P2PErrorCode.WRONG_PEER_ID, `dialed ${params.expectedPeerId} but the peer proved ${peer.peerId}`, {
          expected: params.expectedPeerId,
          actual: peer.peerId,
        });
      }
      finish({ peer, sealer: sealer as FrameSealer, opener: opener as FrameOpener, leftover: queue.takeAll() });
    };

    const cancelTimeout = params.clock.at(params.clock.nowMs() + params.timeoutMs, () =>
      finish(p2pError(P2PErrorCode.HANDSHAKE_TIMEOUT, `no authenticated handshake within ${params.timeoutMs} ms`)),
    );
    socket.on('data', onData);
    socket.on('error', onError);
    socket.on('close', onClose);
    socket.write(ourHello);
  });
}
