/**
 * TxGossip against a recording P2P double: a peer that connects gets the pool (found by
 * test/e2e/network.test.ts: a transaction sent to a full node before it had peers never left it), in
 * batches under the message bound, waiting for a full send queue, and stopping when the peer goes.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { RLP } from '../../../src/encoding/index.ts';
import { Channel } from '../../../src/p2p/index.ts';
import type { ChannelId, P2P, P2PEvents, PeerEvent, PeerId, PeerInfo, SendResult } from '../../../src/p2p/index.ts';
import { TxGossip } from '../../../src/node/txGossip.ts';

interface Sent {
  peer: PeerId;
  channel: ChannelId;
  txs: Uint8Array[];
}

/** Just enough of P2P for TxGossip: peers, send (with scripted results), drained, events. */
function fakeP2P(results: SendResult[] = []) {
  const sent: Sent[] = [];
  const peers = new Map<PeerId, PeerInfo>();
  const listeners: { [E in keyof P2PEvents]: Array<P2PEvents[E]> } = { message: [], peer: [] };
  let drains = 0;
  const p2p = {
    peers: () => [...peers.values()],
    send(peer: PeerId, channel: ChannelId, bytes: Uint8Array): SendResult {
      const r = results.shift() ?? (peers.has(peer) ? 'queued' : 'no-peer');
      if (r === 'queued') sent.push({ peer, channel, txs: RLP.decode(bytes) as Uint8Array[] });
      return r;
    },
    async drained() {
      drains++;
    },
    on<E extends keyof P2PEvents>(event: E, listener: P2PEvents[E]) {
      listeners[event].push(listener);
      return () => {};
    },
    ban() {},
  };
  const info = (id: PeerId): PeerInfo => ({ id, direction: 'inbound', remoteAddress: '', localAddress: '', persistent: false, connectedAtMs: 0 });
  return {
    p2p: p2p as unknown as P2P,
    sent,
    drains: () => drains,
    listeners,
    connect(id: PeerId) {
      peers.set(id, info(id));
      const e: PeerEvent = { kind: 'connected', peer: info(id) };
      for (const l of listeners.peer) l(e);
    },
  };
}

const tx = (n: number, size = 110): Uint8Array => new Uint8Array(size).fill(n % 256);
const settle = () => new Promise((r) => setImmediate(r));

describe('TxGossip: a peer that connects gets the pool', () => {
  test('the executable transactions go to the new peer only, in one message', async () => {
    const net = fakeP2P();
    const pool = [tx(1), tx(2), tx(3)];
    const gossip = new TxGossip(net.p2p, async () => true, () => pool);
    gossip.start();
    net.connect('a');
    await settle();
    assert.deepEqual(net.sent, [{ peer: 'a', channel: Channel.tx, txs: pool }]);
    net.connect('b');
    await settle();
    assert.deepEqual(net.sent.map((s) => s.peer), ['a', 'b']);
  });

  test('an empty pool sends nothing', async () => {
    const net = fakeP2P();
    new TxGossip(net.p2p, async () => true, () => []).start();
    net.connect('a');
    await settle();
    assert.deepEqual(net.sent, []);
  });

  test('a big pool goes in batches under 512 KiB, all of it, in pool order', async () => {
    const net = fakeP2P();
    const pool = Array.from({ length: 300 }, (_, i) => tx(i, 4096)); // 1.2 MB
    new TxGossip(net.p2p, async () => true, () => pool).start();
    net.connect('a');
    await settle();
    assert.ok(net.sent.length >= 3, `${net.sent.length} messages`);
    for (const s of net.sent) assert.ok(s.txs.reduce((n, t) => n + t.length, 0) <= 512 * 1024);
    assert.deepEqual(net.sent.flatMap((s) => s.txs), pool);
  });

  test('a full send queue is waited for and the batch sent again; a peer that is gone ends it', async () => {
    const full = fakeP2P(['full', 'full']);
    new TxGossip(full.p2p, async () => true, () => [tx(1)]).start();
    full.connect('a');
    await settle();
    assert.equal(full.drains(), 2);
    assert.deepEqual(full.sent.map((s) => s.txs), [[tx(1)]]);

    const gone = fakeP2P(['no-peer']);
    new TxGossip(gone.p2p, async () => true, () => Array.from({ length: 300 }, (_, i) => tx(i, 4096))).start();
    gone.connect('a');
    await settle();
    assert.equal(gone.drains(), 0);
    assert.deepEqual(gone.sent, [], 'after the first batch found the peer gone, the rest is not sent');
  });
});

describe('TxGossip: copies of a transaction already taken', () => {
  test('a copy that arrives after the transaction left the pool is dropped without admitting it again', async () => {
    const net = fakeP2P();
    const pool = new Set<string>();
    const admitted: number[] = [];
    // the pool's own rule: new -> true; a transaction it holds -> false
    const gossip = new TxGossip(net.p2p, async (raw) => {
      admitted.push(raw[0] as number);
      const key = String(raw[0]);
      if (pool.has(key)) return false;
      pool.add(key);
      return true;
    }, () => []);
    gossip.start();
    net.connect('a');
    net.connect('b');
    const deliver = async (from: PeerId, txs: Uint8Array[]) => {
      for (const l of net.listeners.message) l(from, Channel.tx, RLP.encode(txs));
      await settle(); // admitted
      await settle(); // the relay batch flushed
    };
    await deliver('a', [tx(1), tx(2)]);
    assert.deepEqual(admitted, [1, 2]);
    assert.deepEqual(net.sent.map((s) => [s.peer, s.txs.length]), [['b', 2]], 'relayed to the other peer only');
    pool.clear(); // committed: gone from the pool
    await deliver('b', [tx(1), tx(2), tx(3)]);
    assert.deepEqual(admitted, [1, 2, 3], 'the committed copies were never admitted again; the new one was');
  });
});
