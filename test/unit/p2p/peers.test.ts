/** The peer manager over real sockets: redial, 4-node broadcast, duplicate resolution, limits, bans. */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { generateEd25519Key } from '../../../src/crypto/index.ts';
import { Channel, P2PErrorCode, nodeIdFromPublicKey } from '../../../src/p2p/index.ts';
import { connectedIds, keyWithIdBelow, lastDisconnect, offsetClock, rawAuthenticated, rawListener, startNode, stopAll, stopNode, waitFor } from './helpers.ts';
import type { RawPeer } from './helpers.ts';

after(stopAll);

test('a persistent peer is redialed with backoff while down and reconnected after it restarts', async () => {
  const bKey = generateEd25519Key();
  let b = await startNode({ key: bKey });
  const port = b.port();
  const a = await startNode({ persistentPeers: [b.address()] });
  await waitFor('connected', () => connectedIds(a).length === 1 && connectedIds(b).length === 1);
  assert.equal(a.p2p.peers()[0]?.persistent, true);

  await stopNode(b);
  await waitFor('a saw b go', () => lastDisconnect(a, b.p2p.nodeId) !== undefined);
  const failuresBefore = a.logs.filter((l) => l.msg === 'p2p dial failed').length;
  await waitFor('a kept redialing while b was down', () => a.logs.filter((l) => l.msg === 'p2p dial failed').length >= failuresBefore + 3);

  b = await startNode({ key: bKey, port });
  await waitFor('a reconnected to the restarted b', () => connectedIds(a).length === 1 && connectedIds(b).length === 1);
  assert.equal(b.p2p.peers()[0]?.direction, 'inbound', 'a dialed b again; b has no persistent peers of its own');
  a.p2p.send(b.p2p.nodeId, Channel.vote, Buffer.from('after restart'));
  await waitFor('message after restart', () => b.messages.length === 1);
  await stopNode(a);
  await stopNode(b);
});

test('broadcast among 4 nodes: every message reaches every other node, in order', async () => {
  const keys = Array.from({ length: 4 }, () => generateEd25519Key());
  const ids = keys.map((k) => nodeIdFromPublicKey(k.publicKey));
  // Node i dials every j > i, so each pair has one dialer and no connection is replaced mid-test (the
  // dial race is the next test's subject): every message queued after the mesh forms is delivered.
  const first = await Promise.all(keys.map((key) => startNode({ key })));
  const ports = first.map((n) => n.port());
  await Promise.all(first.map(stopNode));
  const nodes = await Promise.all(
    keys.map((key, i) => startNode({ key, port: ports[i] as number, persistentPeers: ids.flatMap((id, j) => (j > i ? [`${id}@127.0.0.1:${ports[j]}`] : [])) })),
  );
  // Until both ends of every pair agree on one connection, a message may go out on the one being dropped.
  const settled = () =>
    nodes.every((n) =>
      n.p2p.peers().length === 3 &&
      n.p2p.peers().every((p) => nodes[ids.indexOf(p.id)]?.p2p.peers().find((q) => q.id === n.p2p.nodeId)?.remoteAddress === p.localAddress),
    );
  await waitFor('full mesh, one agreed connection per pair', settled);
  for (const [i, n] of nodes.entries()) {
    for (let k = 0; k < 20; k++) assert.equal(n.p2p.broadcast(Channel.tx, Buffer.from(`${i}:${k}`)).queued, 3);
  }
  await waitFor('all delivered', () => nodes.every((n) => n.messages.length === 60));
  for (const [i, n] of nodes.entries()) {
    for (const [j, id] of ids.entries()) {
      const got = n.messages.filter((m) => m.from === id).map((m) => Buffer.from(m.bytes).toString());
      assert.deepEqual(got, j === i ? [] : Array.from({ length: 20 }, (_, k) => `${j}:${k}`));
    }
  }
  assert.ok(settled(), 'no connection churn while broadcasting');
  await Promise.all(nodes.map(stopNode));
});

test('two nodes that dial each other at once end with one connection, the same on both ends', async () => {
  for (let round = 0; round < 5; round++) {
    const [ka, kb] = [generateEd25519Key(), generateEd25519Key()];
    const [pa, pb] = await Promise.all([startNode({ key: ka }), startNode({ key: kb })]);
    const ports: [number, number] = [pa.port(), pb.port()];
    await Promise.all([stopNode(pa), stopNode(pb)]);
    const idA = nodeIdFromPublicKey(ka.publicKey);
    const idB = nodeIdFromPublicKey(kb.publicKey);
    const [a, b] = await Promise.all([
      startNode({ key: ka, port: ports[0], persistentPeers: [`${idB}@127.0.0.1:${ports[1]}`] }),
      startNode({ key: kb, port: ports[1], persistentPeers: [`${idA}@127.0.0.1:${ports[0]}`] }),
    ]);
    await waitFor(`round ${round}: one connection each, the same one`, () => {
      const [pa0, pb0] = [a.p2p.peers(), b.p2p.peers()];
      return pa0.length === 1 && pb0.length === 1 && pa0[0]?.localAddress === pb0[0]?.remoteAddress;
    });
    // Gossip-style: a dial still in flight may replace the connection once more, losing what was on it.
    await waitFor('a message gets through', () => {
      b.p2p.send(idA, Channel.vote, Buffer.from('x'));
      return a.messages.length > 0;
    });
    await Promise.all([stopNode(a), stopNode(b)]);
  }
});

test('duplicate connections: a node keeps the one the smaller node id dialed, whichever came first (both ends apply the same rule)', async () => {
  for (const nodeIsSmaller of [true, false]) {
    for (const outboundFirst of [true, false]) {
      const label = `node ${nodeIsSmaller ? 'smaller' : 'larger'}, ${outboundFirst ? 'outbound' : 'inbound'} first`;
      const a = await startNode();
      const remoteKey = keyWithIdBelow(a.p2p.nodeId, !nodeIsSmaller);
      const remoteId = nodeIdFromPublicKey(remoteKey.publicKey);
      const listener = await rawListener(remoteKey);
      a.p2p.dial(`${remoteId}@127.0.0.1:${listener.port}`);
      const dialedSocket = await listener.nextSocket();
      let outbound: RawPeer;
      let inbound: RawPeer;
      if (outboundFirst) {
        outbound = await listener.handshake(dialedSocket);
        await waitFor(`${label}: outbound admitted`, () => a.p2p.peers()[0]?.direction === 'outbound');
        inbound = await rawAuthenticated(a.port(), remoteKey);
      } else {
        inbound = await rawAuthenticated(a.port(), remoteKey);
        await waitFor(`${label}: inbound admitted`, () => a.p2p.peers()[0]?.direction === 'inbound');
        outbound = await listener.handshake(dialedSocket);
      }
      const [kept, dropped] = nodeIsSmaller ? [outbound, inbound] : [inbound, outbound];
      await dropped.closed;
      await waitFor(`${label}: settled`, () => a.p2p.peers().length === 1 && a.p2p.peers()[0]?.direction === (nodeIsSmaller ? 'outbound' : 'inbound'));
      assert.equal(kept.isClosed(), false, label);
      assert.equal(a.p2p.isBanned(remoteId), false, label);
      kept.socket.destroy();
      listener.close();
      await stopNode(a);
    }
  }
});

test('a second connection from the same dialer replaces the first (it lost the old one)', async () => {
  const a = await startNode();
  const key = generateEd25519Key();
  const id = nodeIdFromPublicKey(key.publicKey);
  const first = await rawAuthenticated(a.port(), key);
  await waitFor('first admitted', () => connectedIds(a).includes(id));
  const second = await rawAuthenticated(a.port(), key);
  await first.closed;
  await waitFor('second is the peer', () => a.p2p.peers()[0]?.remoteAddress === `127.0.0.1:${second.socket.localPort}`);
  assert.equal(lastDisconnect(a, id)?.reason.code, P2PErrorCode.DUPLICATE_PEER);
  assert.equal(a.p2p.isBanned(id), false);
  second.socket.destroy();
  await stopNode(a);
});

test('peer limits: inbound beyond maxInboundPeers is refused, persistent peers are exempt', async () => {
  const persistentKey = generateEd25519Key();
  const a = await startNode({ limits: { maxInboundPeers: 2 } });
  const raws = [];
  for (let i = 0; i < 2; i++) raws.push(await rawAuthenticated(a.port()));
  await waitFor('two admitted', () => connectedIds(a).length === 2);
  const third = await rawAuthenticated(a.port());
  await third.closed;
  assert.ok(a.logged(P2PErrorCode.TOO_MANY_PEERS) >= 1);
  assert.equal(connectedIds(a).length, 2);
  await stopNode(a);

  // A node that lists the peer as persistent admits it over the limit.
  const b = await startNode({ key: persistentKey });
  const c = await startNode({ limits: { maxInboundPeers: 0, maxOutboundPeers: 0 }, persistentPeers: [b.address()] });
  await waitFor('persistent peer connected despite zero limits', () => connectedIds(c).length === 1);
  await stopNode(b);
  await stopNode(c);
  for (const r of raws) r.socket.destroy();
});

test('seeds are dialed once; a seed that is down is not retried (a persistent peer that is down is)', async () => {
  const [seed, persistent] = await Promise.all([startNode(), startNode()]);
  const [seedAddress, persistentAddress] = [seed.address(), persistent.address()];
  await Promise.all([stopNode(seed), stopNode(persistent)]);
  const a = await startNode({ seeds: [seedAddress], persistentPeers: [persistentAddress] });
  const failures = (address: string) => a.logs.filter((l) => l.msg === 'p2p dial failed' && l.ctx.address === address).length;
  await waitFor('the persistent peer was retried 4 times', () => failures(persistentAddress) >= 5);
  assert.equal(failures(seedAddress), 1);
  await stopNode(a);
});

test('the node bans a peer whose message it found invalid; a banned persistent peer is redialed only after the ban', async () => {
  const { clock, advance } = offsetClock();
  const b = await startNode();
  const a = await startNode({ clock, persistentPeers: [b.address()], limits: { banDurationMs: 30_000 } });
  await waitFor('connected', () => connectedIds(a).length === 1);
  a.p2p.ban(b.p2p.nodeId, 'vote with a bad signature');
  await waitFor('both saw the disconnect', () => lastDisconnect(a, b.p2p.nodeId) !== undefined && lastDisconnect(b, a.p2p.nodeId) !== undefined);
  assert.equal(lastDisconnect(a, b.p2p.nodeId)?.reason.code, P2PErrorCode.INVALID_MESSAGE);
  assert.equal(a.p2p.isBanned(b.p2p.nodeId), true);
  // b (which does not ban a) dials in; a refuses it while the ban lasts, and does not redial b itself.
  b.p2p.dial(a.address());
  await waitFor('b refused', () => a.logged(P2PErrorCode.BANNED) >= 1);
  assert.deepEqual(connectedIds(a), []);
  assert.equal(a.logs.filter((l) => l.msg === 'p2p dial failed').length, 0);
  // a's redial waits on the ban's end: moving the clock past it fires the redial.
  advance(30_001);
  await waitFor('a redialed b after the ban', () => connectedIds(a).length === 1);
  assert.equal(a.p2p.peers()[0]?.direction, 'outbound');
  await stopNode(a);
  await stopNode(b);
});
