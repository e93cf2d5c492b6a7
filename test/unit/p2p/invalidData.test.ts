/**
 * Peers that send what no honest peer sends: each is dropped, banned when the fault is provably theirs,
 * and the node carries on (an uncaught error would fail this file). Bans expire on the injected clock.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { generateEd25519Key } from '../../../src/crypto/index.ts';
import { Channel, P2PErrorCode, nodeIdFromPublicKey } from '../../../src/p2p/index.ts';
import { writeMsgHeader } from '../../../src/p2p/packets.ts';
import { connectedIds, lastDisconnect, offsetClock, rawAuthenticated, rawConnect, seededRandom, startNode, stopAll, stopNode, waitFor } from './helpers.ts';
import type { RawPeer, TestNode } from './helpers.ts';

after(stopAll);

function msgPacket(channel: number, payload: Buffer, last = true): Buffer {
  const out = Buffer.alloc(7 + payload.length);
  writeMsgHeader(out, 0, channel, last, payload.length);
  payload.copy(out, 7);
  return out;
}

/** The node still works: a fresh honest peer connects and delivers a message. */
async function stillServes(node: TestNode): Promise<void> {
  const honest = await startNode({ seeds: [node.address()] });
  await waitFor('honest peer connected', () => connectedIds(node).includes(honest.p2p.nodeId) && connectedIds(honest).includes(node.p2p.nodeId));
  assert.equal(honest.p2p.send(node.p2p.nodeId, Channel.vote, Buffer.from('still here')), 'queued');
  await waitFor('honest message delivered', () => node.messages.some((m) => m.from === honest.p2p.nodeId));
  await stopNode(honest);
}

test('a tampered ciphertext disconnects the peer without banning it (a third party may have flipped the bit)', async () => {
  const a = await startNode();
  const key = generateEd25519Key();
  const id = nodeIdFromPublicKey(key.publicKey);
  const evil = await rawAuthenticated(a.port(), key);
  await waitFor('a admitted the peer', () => connectedIds(a).includes(id));
  const frame = evil.session.sealer.seal(msgPacket(Channel.vote, Buffer.from('hello')));
  frame[6] = (frame[6] as number) ^ 0x01;
  evil.socket.write(frame);
  await evil.closed;
  await waitFor('disconnect reported', () => lastDisconnect(a, id) !== undefined);
  assert.equal(lastDisconnect(a, id)?.reason.code, P2PErrorCode.DECRYPT_FAILED);
  assert.equal(a.p2p.isBanned(id), false);
  assert.equal(a.messages.length, 0);
  await stillServes(a);
  await stopNode(a);
});

test('a replayed frame fails authentication (nonces only move forward)', async () => {
  const a = await startNode();
  const key = generateEd25519Key();
  const id = nodeIdFromPublicKey(key.publicKey);
  const evil = await rawAuthenticated(a.port(), key);
  const frame = evil.session.sealer.seal(msgPacket(Channel.vote, Buffer.from('once')));
  evil.socket.write(frame);
  evil.socket.write(frame);
  await evil.closed;
  await waitFor('disconnect reported', () => lastDisconnect(a, id) !== undefined);
  assert.equal(lastDisconnect(a, id)?.reason.code, P2PErrorCode.DECRYPT_FAILED);
  assert.equal(a.messages.length, 1, 'the first copy was delivered, the replay was not');
  await stopNode(a);
});

test('an oversized frame disconnects and bans the peer; the ban ends with the injected clock', async () => {
  const { clock, advance } = offsetClock();
  const a = await startNode({ clock, limits: { banDurationMs: 60_000 } });
  const key = generateEd25519Key();
  const id = nodeIdFromPublicKey(key.publicKey);
  const evil = await rawAuthenticated(a.port(), key);
  const header = Buffer.alloc(4);
  header.writeUInt32BE(64 * 1024 + 1);
  evil.socket.write(header);
  await evil.closed;
  await waitFor('disconnect reported', () => lastDisconnect(a, id) !== undefined);
  const event = lastDisconnect(a, id);
  assert.equal(event?.reason.code, P2PErrorCode.FRAME_TOO_LARGE);
  assert.ok(event?.bannedUntilMs !== undefined && event.bannedUntilMs >= clock.nowMs() + 59_000);
  assert.equal(a.p2p.isBanned(id), true);

  // While banned, the same identity completes the handshake but is dropped at once, never admitted.
  const again = await rawAuthenticated(a.port(), key);
  await again.closed;
  assert.equal(a.events.filter((e) => e.kind === 'connected').length, 1);

  advance(60_001);
  assert.equal(a.p2p.isBanned(id), false);
  const later = await rawAuthenticated(a.port(), key);
  await waitFor('admitted after the ban', () => connectedIds(a).includes(id));
  later.socket.destroy();
  await stopNode(a);
});

test('an oversized message (in one chunk or across chunks) disconnects and bans the peer', async () => {
  const a = await startNode({ limits: { channels: { [Channel.vote]: { maxMessageBytes: 1024, sendQueueMessages: 16, sendQueueBytes: 16_384 } } } });
  for (const chunked of [false, true]) {
    const key = generateEd25519Key();
    const id = nodeIdFromPublicKey(key.publicKey);
    const evil = await rawAuthenticated(a.port(), key);
    if (chunked) {
      // Three chunks of 600 bytes: each fits, the message does not.
      for (let i = 0; i < 3; i++) evil.socket.write(evil.session.sealer.seal(msgPacket(Channel.vote, Buffer.alloc(600), i === 2)));
    } else {
      evil.socket.write(evil.session.sealer.seal(msgPacket(Channel.vote, Buffer.alloc(1025))));
    }
    await evil.closed;
    await waitFor('disconnect reported', () => lastDisconnect(a, id) !== undefined);
    assert.equal(lastDisconnect(a, id)?.reason.code, P2PErrorCode.MESSAGE_TOO_LARGE);
    assert.equal(a.p2p.isBanned(id), true);
  }
  assert.equal(a.messages.length, 0);
  await stopNode(a);
});

test('malformed packets and unknown channels disconnect and ban the peer', async () => {
  const a = await startNode();
  const cases: Array<[string, Buffer, string]> = [
    ['unknown packet type', Buffer.of(0x09), P2PErrorCode.MALFORMED_PACKET],
    ['truncated message header', Buffer.of(0x03, Channel.vote, 1), P2PErrorCode.MALFORMED_PACKET],
    ['chunk longer than the frame', Buffer.concat([msgPacket(Channel.vote, Buffer.alloc(4)).subarray(0, 7), Buffer.alloc(2)]), P2PErrorCode.MALFORMED_PACKET],
    ['unknown flag bits', (() => { const p = msgPacket(Channel.vote, Buffer.alloc(1)); p[2] = 0x81; return p; })(), P2PErrorCode.MALFORMED_PACKET],
    ['unknown channel', msgPacket(0x77, Buffer.from('x')), P2PErrorCode.UNKNOWN_CHANNEL],
  ];
  for (const [what, plaintext, code] of cases) {
    const key = generateEd25519Key();
    const id = nodeIdFromPublicKey(key.publicKey);
    const evil = await rawAuthenticated(a.port(), key);
    evil.socket.write(evil.session.sealer.seal(plaintext));
    await evil.closed;
    await waitFor(`${what}: disconnect reported`, () => lastDisconnect(a, id) !== undefined);
    assert.equal(lastDisconnect(a, id)?.reason.code, code, what);
    assert.equal(a.p2p.isBanned(id), true, what);
  }
  await stillServes(a);
  await stopNode(a);
});

test('garbage before the handshake is dropped; garbage after it is dropped and banned; the node carries on', async () => {
  const a = await startNode();
  const http = await rawConnect(a.port());
  http.socket.write('GET / HTTP/1.1\r\nHost: localhost\r\nUser-Agent: curl/8.0\r\n\r\n');
  await http.closed;
  await waitFor('refused as not our protocol', () => a.logged(P2PErrorCode.BAD_HELLO) === 1);

  const key = generateEd25519Key();
  const id = nodeIdFromPublicKey(key.publicKey);
  const evil = await rawAuthenticated(a.port(), key);
  evil.socket.write('GET / HTTP/1.1\r\nHost: localhost\r\n\r\n');
  await evil.closed;
  await waitFor('disconnect reported', () => lastDisconnect(a, id) !== undefined);
  assert.equal(lastDisconnect(a, id)?.reason.code, P2PErrorCode.FRAME_TOO_LARGE);
  await stillServes(a);
  await stopNode(a);
});

test('fuzz: random bytes at random points, before and after the handshake, never crash the node', async () => {
  const seed = Number(process.env.P2P_FUZZ_SEED ?? 0x5eed);
  const random = seededRandom(seed);
  const a = await startNode();
  for (let i = 0; i < 40; i++) {
    const garbage = Buffer.alloc(1 + Math.floor(random() * 300));
    for (let j = 0; j < garbage.length; j++) garbage[j] = Math.floor(random() * 256);
    let peer: RawPeer;
    if (random() < 0.5) {
      const authed = await rawAuthenticated(a.port());
      // Sometimes a valid frame (a ping) first, so the garbage lands mid-stream.
      if (random() < 0.5) authed.socket.write(authed.session.sealer.seal(Buffer.of(0x01)));
      peer = authed;
    } else {
      peer = await rawConnect(a.port());
    }
    peer.socket.write(garbage);
    // Short garbage may leave a frame or HELLO incomplete: then the node waits, so the test hangs up.
    setTimeout(() => peer.socket.destroy(), 50);
    await peer.closed;
  }
  await stillServes(a);
  await stopNode(a);
  assert.ok(true, `seed ${seed}`);
});
