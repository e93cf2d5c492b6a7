/** Sending: back-pressure from a peer that stops reading, chunked large messages, keepalive, local misuse. */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, test } from 'node:test';
import { generateEd25519Key } from '../../../src/crypto/index.ts';
import { Channel, P2PErrorCode, nodeIdFromPublicKey } from '../../../src/p2p/index.ts';
import type { SendResult } from '../../../src/p2p/index.ts';
import { connectedIds, lastDisconnect, rawAuthenticated, readAsPeer, startNode, stopAll, stopNode, waitFor } from './helpers.ts';

after(stopAll);

const turn = () => new Promise((r) => setImmediate(r));

test('back-pressure: a peer that stops reading fills its queue, send reports full (and drops), drained resumes it', async () => {
  const a = await startNode({
    limits: { pingIntervalMs: 60_000, pongTimeoutMs: 60_000, channels: { [Channel.blockSync]: { maxMessageBytes: 65_536, sendQueueMessages: 8, sendQueueBytes: 1 << 20 } } },
  });
  const key = generateEd25519Key();
  const id = nodeIdFromPublicKey(key.publicKey);
  const slow = await rawAuthenticated(a.port(), key, undefined, false);
  await waitFor('admitted', () => connectedIds(a).includes(id));

  // Queue 16 KiB messages, yielding so frames go out, until the kernel buffers are full and the queue too.
  const results: SendResult[] = [];
  let seq = 0;
  while (results[results.length - 1] !== 'full') {
    const msg = Buffer.alloc(16 * 1024);
    msg.writeUInt32BE(seq, 0);
    const r = a.p2p.send(id, Channel.blockSync, msg);
    results.push(r);
    if (r === 'queued') seq++;
    if (seq % 4 === 0) await turn();
    assert.ok(seq < 100_000, 'the queue never filled');
  }
  const queued = seq;
  // Full is full: more sends in the same state are refused too, and nothing waits.
  assert.equal(a.p2p.send(id, Channel.blockSync, Buffer.alloc(1)), 'full');
  // Another channel has its own queue.
  assert.equal(a.p2p.send(id, Channel.vote, Buffer.from('vote')), 'queued');
  let drained = false;
  const drainedPromise = a.p2p.drained(id, Channel.blockSync).then(() => {
    drained = true;
  });
  await turn();
  assert.equal(drained, false, 'still full while the peer does not read');

  const inbox = readAsPeer(slow, true);
  await drainedPromise;
  assert.equal(a.p2p.send(id, Channel.blockSync, Buffer.alloc(4)), 'queued', 'room again after drain');
  await waitFor('everything queued arrived', () => inbox.messages.filter((m) => m.channel === Channel.blockSync).length === queued + 1);
  const seqs = inbox.messages.filter((m) => m.channel === Channel.blockSync && m.bytes.length === 16 * 1024).map((m) => m.bytes.readUInt32BE(0));
  assert.deepEqual(seqs, Array.from({ length: queued }, (_, i) => i), 'in order, none of the refused ones');
  assert.equal(inbox.error, undefined);
  assert.equal(inbox.messages.filter((m) => m.channel === Channel.vote).length, 1);
  slow.socket.destroy();
  await stopNode(a);
});

test('a 3 MiB message crosses many frames intact, and a vote sent after it is not stuck behind it', async () => {
  const a = await startNode();
  const b = await startNode({ seeds: [a.address()] });
  await waitFor('connected', () => connectedIds(a).length === 1 && connectedIds(b).length === 1);
  const big = Buffer.alloc(3 * 1024 * 1024);
  for (let i = 0; i < big.length; i += 4) big.writeUInt32LE(i * 2654435761 >>> 0, i);
  assert.equal(b.p2p.send(a.p2p.nodeId, Channel.blockSync, big), 'queued');
  assert.equal(b.p2p.send(a.p2p.nodeId, Channel.vote, Buffer.from('vote')), 'queued');
  await waitFor('both arrived', () => a.messages.length === 2);
  assert.equal(a.messages[0]?.channel, Channel.vote, 'the vote went out in the first frame');
  const got = a.messages[1]?.bytes ?? new Uint8Array();
  assert.equal(createHash('sha256').update(got).digest('hex'), createHash('sha256').update(big).digest('hex'));
  await stopNode(a);
  await stopNode(b);
});

test('keepalive: pings are answered and keep a peer; a peer that stops answering is dropped at the pong timeout', async () => {
  const a = await startNode({ limits: { pingIntervalMs: 100, pongTimeoutMs: 500 } });
  const goodKey = generateEd25519Key();
  const good = await rawAuthenticated(a.port(), goodKey, undefined, false);
  const goodInbox = readAsPeer(good, true);
  const badKey = generateEd25519Key();
  const bad = await rawAuthenticated(a.port(), badKey, undefined, false);
  const badInbox = readAsPeer(bad, false);
  await bad.closed;
  const badId = nodeIdFromPublicKey(badKey.publicKey);
  await waitFor('reported', () => lastDisconnect(a, badId) !== undefined);
  assert.equal(lastDisconnect(a, badId)?.reason.code, P2PErrorCode.PONG_TIMEOUT);
  assert.equal(a.p2p.isBanned(badId), false, 'silence is not misbehaviour');
  assert.ok(badInbox.pings >= 1);
  await waitFor('the answering peer saw several pings', () => goodInbox.pings >= 6);
  assert.ok(connectedIds(a).includes(nodeIdFromPublicKey(goodKey.publicKey)), 'and is still connected');
  // A ping from the peer gets a pong.
  good.socket.write(good.session.sealer.seal(Buffer.of(0x01)));
  await waitFor('pong', () => goodInbox.pongs >= 1);
  good.socket.destroy();
  await stopNode(a);
});

test('local misuse is the caller\'s error, never a peer\'s: unknown channel and oversized sends throw; unknown peers get no-peer; a taken port fails start', async () => {
  const a = await startNode();
  assert.throws(() => a.p2p.send('00'.repeat(20), 0x99, Buffer.alloc(1)), { code: P2PErrorCode.UNCONFIGURED_CHANNEL });
  assert.throws(() => a.p2p.broadcast(Channel.vote, Buffer.alloc(64 * 1024 + 1)), { code: P2PErrorCode.OVERSIZED_SEND });
  assert.equal(a.p2p.send('00'.repeat(20), Channel.vote, Buffer.alloc(1)), 'no-peer');
  assert.deepEqual(a.p2p.broadcast(Channel.vote, Buffer.alloc(1)), { queued: 0, full: [] });
  await a.p2p.drained('00'.repeat(20), Channel.vote);
  await assert.rejects(startNode({ port: a.port() }), { code: P2PErrorCode.LISTEN_FAILED });
  await stopNode(a);
});

test('a listener that throws is logged and does not cost the peer its connection', async () => {
  const a = await startNode();
  const b = await startNode({ seeds: [a.address()] });
  a.p2p.on('message', () => {
    throw new Error('consumer bug');
  });
  await waitFor('connected', () => connectedIds(a).length === 1 && connectedIds(b).length === 1);
  b.p2p.send(a.p2p.nodeId, Channel.vote, Buffer.from('1'));
  b.p2p.send(a.p2p.nodeId, Channel.vote, Buffer.from('2'));
  await waitFor('both delivered to the other listener', () => a.messages.length === 2);
  assert.equal(a.logs.filter((l) => l.level === 'error' && l.msg === 'p2p event listener threw').length, 2);
  assert.equal(connectedIds(a).length, 1);
  await stopNode(a);
  await stopNode(b);
});

test('stop closes everything and is idempotent; peers see the disconnect', async () => {
  const a = await startNode();
  const b = await startNode({ persistentPeers: [a.address()] });
  await waitFor('connected', () => connectedIds(a).length === 1 && connectedIds(b).length === 1);
  await stopNode(a);
  await a.p2p.stop();
  assert.deepEqual(connectedIds(a), []);
  assert.equal(lastDisconnect(a, b.p2p.nodeId)?.reason.code, P2PErrorCode.LOCAL_CLOSE);
  await waitFor('b saw it', () => lastDisconnect(b, a.p2p.nodeId) !== undefined);
  await stopNode(b);
});
