/** Real-socket handshakes: success both ways, the dialer's id check, self-connection, network, timeouts. */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { generateEd25519Key } from '../../../src/crypto/index.ts';
import { Channel, P2PErrorCode, nodeIdFromPublicKey } from '../../../src/p2p/index.ts';
import type { P2PError } from '../../../src/p2p/index.ts';
import { secretHandshake } from '../../../src/p2p/secretHandshake.ts';
import { NETWORK, connectedIds, lastDisconnect, offsetClock, rawAuthenticated, rawConnect, startNode, stopAll, stopNode, waitFor } from './helpers.ts';

after(stopAll);

test('a dialer and a listener authenticate each other and exchange messages both ways', async () => {
  const a = await startNode();
  const b = await startNode({ seeds: [a.address()] });
  await waitFor('both connected', () => a.p2p.peers().length === 1 && b.p2p.peers().length === 1);
  assert.equal(b.p2p.peers()[0]?.id, a.p2p.nodeId);
  assert.equal(b.p2p.peers()[0]?.direction, 'outbound');
  // The listener accepts any id and reports the one the dialer proved.
  assert.equal(a.p2p.peers()[0]?.id, nodeIdFromPublicKey(b.key.publicKey));
  assert.equal(a.p2p.peers()[0]?.direction, 'inbound');
  assert.equal(a.p2p.send(b.p2p.nodeId, Channel.vote, Buffer.from('to b')), 'queued');
  assert.equal(b.p2p.send(a.p2p.nodeId, Channel.tx, Buffer.from('to a')), 'queued');
  await waitFor('messages', () => a.messages.length === 1 && b.messages.length === 1);
  assert.equal(b.messages[0]?.from, a.p2p.nodeId);
  assert.equal(b.messages[0]?.channel, Channel.vote);
  assert.equal(Buffer.from(b.messages[0]?.bytes ?? []).toString(), 'to b');
  assert.equal(Buffer.from(a.messages[0]?.bytes ?? []).toString(), 'to a');
  assert.equal(a.messages[0]?.channel, Channel.tx);
  await stopNode(a);
  await stopNode(b);
});

test('the dialer aborts when the peer proves another id than the one it dialed', async () => {
  const a = await startNode();
  const impostorId = nodeIdFromPublicKey(generateEd25519Key().publicKey);
  const raw = await rawConnect(a.port(), false);
  const outcome = await secretHandshake(raw.socket, { nodeKey: generateEd25519Key(), network: NETWORK, expectedPeerId: impostorId, timeoutMs: 2_000, clock: offsetClock().clock }).then(
    () => undefined,
    (err: P2PError) => err,
  );
  assert.equal(outcome?.code, P2PErrorCode.WRONG_PEER_ID);
  raw.socket.destroy();
  // Through the service: b dials a under the wrong id; b never reports a peer, a loses the connection.
  const b = await startNode({ seeds: [`${impostorId}@127.0.0.1:${a.port()}`] });
  await waitFor('a sees b come and go', () => lastDisconnect(a, b.p2p.nodeId) !== undefined);
  assert.deepEqual(connectedIds(a), []);
  assert.deepEqual(connectedIds(b), []);
  assert.equal(b.events.length, 0, 'b never reports the impostor as a peer');
  assert.equal(a.p2p.isBanned(b.p2p.nodeId), false);
  await stopNode(a);
  await stopNode(b);
});

test('a node never connects to itself, by its own address or under another id', async () => {
  const key = generateEd25519Key();
  const a = await startNode({ key });
  a.p2p.dial(a.address());
  // Dial our own port under a different expected id: the handshake proves our own id and is refused.
  a.p2p.dial(`${'ab'.repeat(20)}@127.0.0.1:${a.port()}`);
  const raw = await rawAuthenticated(a.port(), key);
  await raw.closed;
  await waitFor('both self-connections refused', () => a.logged(P2PErrorCode.SELF_CONNECTION) >= 2 && a.logged(P2PErrorCode.WRONG_PEER_ID) >= 1);
  assert.deepEqual(connectedIds(a), []);
  assert.equal(a.events.length, 0);
  await stopNode(a);
});

test('a peer on another network is refused', async () => {
  const a = await startNode();
  const outcome = await rawAuthenticated(a.port(), generateEd25519Key(), 'other-chain').then(
    () => undefined,
    (err: P2PError) => err,
  );
  assert.equal(outcome?.code, P2PErrorCode.WRONG_NETWORK);
  const c = await startNode({ network: 'other-chain', persistentPeers: [a.address()] });
  await waitFor('c was refused twice', () => c.logged(P2PErrorCode.WRONG_NETWORK) >= 2 && a.logged(P2PErrorCode.WRONG_NETWORK) >= 2);
  assert.deepEqual(connectedIds(a), []);
  assert.deepEqual(connectedIds(c), []);
  assert.equal(a.events.length, 0);
  await stopNode(a);
  await stopNode(c);
});

test('slow-loris: a connection that says nothing is dropped at the handshake timeout', async () => {
  const a = await startNode({ limits: { handshakeTimeoutMs: 150 } });
  const silent = await rawConnect(a.port());
  const started = Date.now();
  await silent.closed;
  const elapsed = Date.now() - started;
  assert.ok(elapsed >= 100 && elapsed < 2_000, `dropped after ${elapsed} ms`);
  // So does one that sends a partial HELLO and stalls.
  const partial = await rawConnect(a.port());
  partial.socket.write(Buffer.from('cmtp2p\x01\x00'));
  await partial.closed;
  await stopNode(a);
});

test('pending handshakes are bounded: over the limit, new connections are closed at once', async () => {
  const a = await startNode({ limits: { maxPendingHandshakes: 2, handshakeTimeoutMs: 2_000 } });
  const s1 = await rawConnect(a.port());
  const s2 = await rawConnect(a.port());
  await new Promise((r) => setTimeout(r, 50));
  const s3 = await rawConnect(a.port());
  await s3.closed;
  assert.equal(s1.isClosed() || s2.isClosed(), false);
  s1.socket.destroy();
  s2.socket.destroy();
  // Once they are gone, a real peer gets in (persistent: its first dial may still find the slots taken).
  const b = await startNode({ persistentPeers: [a.address()] });
  await waitFor('b connects', () => connectedIds(a).length === 1);
  assert.equal(lastDisconnect(a, b.p2p.nodeId), undefined);
  await stopNode(a);
  await stopNode(b);
});
