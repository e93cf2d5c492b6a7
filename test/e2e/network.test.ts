/**
 * A 4-validator network of real `cmt start` processes on 127.0.0.1, observed through JSON-RPC only (issue 4):
 * blocks with transactions sent to one node, agreed by all; a validator killed (the chain goes on), then
 * restarted (it catches up by block sync); 2 of 4 stopped (the chain halts without forking, and resumes when
 * they return); a new full node syncing from genesis to the same state root (and relaying a transaction it
 * took before it had peers); a partition of the validators into two halves (neither has +2/3: both halt,
 * no fork; healed: they resume); raw TCP peers that send garbage or nothing (dropped), and authenticated
 * peers that send undecodable or forged messages (banned), while the network goes on. The authenticated
 * peer is this repository's p2p implementation with a fresh key: the only way to reach the checks behind
 * the handshake.
 *
 * One network serves every test, in this order; each test first brings stopped validators back, so a failed
 * test does not take the next ones with it. The cross-group links ({0,1} <-> {2,3}) run through TCP proxies
 * from the start, idle until the partition test cuts them.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { copyFileSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { JsonRpcProvider, Wallet } from 'ethers';
import type { TransactionReceipt } from 'ethers';
import { generateEd25519Key } from '../../src/crypto/index.ts';
import { Channel, createP2P, defaultP2PLimits } from '../../src/p2p/index.ts';
import type { ChannelId, P2P, PeerEvent } from '../../src/p2p/index.ts';
import { hexToBytes } from '../../src/primitives/index.ts';
import { encodeConsensusMessage } from '../../src/types/index.ts';
import { CHAIN_ID, devWallet, freePort, runCmtAsync, signTransfer } from '../utils/e2e2-helpers.ts';
import { spawnCmt } from '../utils/node.ts';
import { LocalNet, rpcCall } from '../utils/localNet.ts';
import { startTcpProxy } from '../utils/tcpProxy.ts';

const ALL = [0, 1, 2, 3];
/**
 * Dev timeouts make a block every ~0.2 s with all four up, ~1.5 s when the proposer of round 0 is down; no
 * block for this long means the chain halted.
 */
const QUIET_MS = 3000;

describe('a 4-validator network', { timeout: 240_000 }, () => {
  let net: LocalNet;
  /** Recipients of test 1's transfers and what they received, re-checked on the full node. */
  const received = new Map<string, bigint>();

  before(async () => {
    net = await LocalNet.create({ validators: 4, groups: [[0, 1], [2, 3]] });
    if (process.env.CMT_NETWORK_TEST_LOGS) net.startFlags = ['--log-level', 'debug'];
    await net.startAll();
  });

  after(async () => {
    // CMT_NETWORK_TEST_LOGS=dir keeps the validators' debug logs for a look at what they did
    const logs = process.env.CMT_NETWORK_TEST_LOGS;
    if (logs) net?.saveLogs(logs);
    await net?.close();
  });

  /** Starts every validator that is down and waits until all four commit a new block together. */
  async function allRunning(): Promise<number> {
    await Promise.all(ALL.filter((i) => !net.isRunning(i)).map((i) => net.start(i)));
    const hs = await net.waitFor('all four validators to answer', async () => {
      const hs = await net.heights();
      return hs.every((h) => h !== undefined) ? (hs as number[]) : undefined;
    }, 30_000);
    const target = Math.max(...hs) + 1;
    await net.waitForHeight(ALL, target, 30_000, 'all four validators committing');
    return target;
  }

  it('commits blocks with ETH transfers sent to node1, and all four nodes have the same blocks', async () => {
    await net.waitForHeight(ALL, 1, 60_000, 'the first block');
    const provider = new JsonRpcProvider(`http://127.0.0.1:${net.node(1).rpcPort}`, CHAIN_ID, { staticNetwork: true, pollingInterval: 100 });
    try {
      const senders = [devWallet(0).connect(provider), devWallet(1).connect(provider)];
      const hashes: string[] = [];
      for (const [s, sender] of senders.entries()) {
        const nonce = await provider.getTransactionCount(sender.address, 'pending');
        for (let k = 0; k < 3; k++) {
          const to = Wallet.createRandom().address;
          const value = BigInt(1000 * (s + 1) + k);
          const tx = await sender.sendTransaction({ to, value, nonce: nonce + k, gasLimit: 21_000n });
          received.set(to, value);
          hashes.push(tx.hash);
        }
      }
      const receipts = await net.waitFor('the receipts of 6 transfers on node1', async () => {
        const rs = await Promise.all(hashes.map((h) => provider.getTransactionReceipt(h)));
        return rs.every((r) => r !== null) ? (rs as TransactionReceipt[]) : undefined;
      }, 30_000);
      for (const r of receipts) assert.equal(r.status, 1, `transfer ${r.hash} succeeded`);

      const heights = [...new Set(receipts.map((r) => r.blockNumber))];
      for (const h of heights) {
        const block = await net.sameBlockAt(ALL, h, 15_000);
        for (const r of receipts.filter((x) => x.blockNumber === h)) assert.equal(r.blockHash, block.hash, `receipt of ${r.hash} names the agreed block`);
      }
      const last = Math.max(...heights);
      for (const i of ALL) {
        for (const [to, value] of received) {
          const balance = BigInt(await rpcCall<string>(net.node(i).rpcPort, 'eth_getBalance', [to, `0x${last.toString(16)}`]));
          assert.equal(balance, value, `node${i}: balance of ${to} at block ${last}`);
        }
      }
    } finally {
      provider.destroy();
    }
  });

  let killedAt: number | undefined;

  it('goes on when one validator is killed with SIGKILL', async () => {
    await allRunning();
    await net.kill9(3);
    const hs = await net.heights([0, 1, 2]);
    killedAt = Math.max(...hs.map((h) => h ?? 0));
    await net.waitForHeight([0, 1, 2], killedAt + 3, 20_000, 'the chain continues without node3');
    await net.sameBlockAt([0, 1, 2], killedAt + 3, 5_000);
  });

  it('catches a restarted validator up by block sync: it reaches the others\u2019 height with the same blocks', async () => {
    if (killedAt === undefined || net.isRunning(3)) {
      await allRunning();
      await net.kill9(3);
      killedAt = Math.max(...(await net.heights([0, 1, 2])).map((h) => h ?? 0));
    }
    await net.waitForHeight([0, 1, 2], killedAt + 10, 30_000, '10 blocks without node3');
    const target = Math.max(...(await net.heights([0, 1, 2])).map((h) => h ?? 0));
    await net.start(3);
    await net.waitForHeight([3], target, 30_000, 'node3 catching up');
    for (const h of [killedAt + 1, killedAt + 5, target]) await net.sameBlockAt(ALL, h, 5_000);
    // and it takes part again: blocks after the catch-up reach every node
    await net.sameBlockAt(ALL, target + 3, 20_000);
  });

  it('halts without forking when 2 of 4 validators stop (and one of the others crashes meanwhile), and resumes when they return', async () => {
    await allRunning();
    const codes = await Promise.all([net.stop(2), net.stop(3)]);
    assert.deepEqual(codes, [0, 0], 'node2 and node3 stop cleanly on SIGINT');
    const halted = await net.waitForHalt([0, 1], QUIET_MS, 20_000);
    await net.sameBlockAt([0, 1], halted, 1_000);
    // a validator that crashes meanwhile comes back to the same head, replaying the height it was deciding
    await net.kill9(1);
    await net.start(1);
    assert.equal(await net.height(1), halted, 'node1 after its restart');

    await Promise.all([net.start(2), net.start(3)]);
    await net.waitForHeight(ALL, halted + 3, 40_000, 'the chain resuming with all four');
    await net.sameBlockAt(ALL, halted, 5_000);
    await net.sameBlockAt(ALL, halted + 3, 5_000);
  });

  it('syncs a new full node from genesis to the validators\u2019 state root, and relays a transaction it took before it had peers', async () => {
    await allRunning();
    const home = join(net.root, 'full');
    const init = await runCmtAsync(['init', '--home', home]);
    assert.equal(init.code, 0, init.stderr);
    copyFileSync(join(net.node(0).home, 'config', 'genesis.json'), join(home, 'config', 'genesis.json'));
    const rpcPort = await freePort();
    let p2pPort = await freePort();
    while (p2pPort === rpcPort) p2pPort = await freePort();
    // its links to the validators go through proxies, cut until the transaction below is in its pool
    const proxies = await Promise.all(net.nodes.map((n) => startTcpProxy({ target: { host: '127.0.0.1', port: n.p2pPort } })));
    for (const p of proxies) p.partition();
    const peers = net.nodes.map((n, k) => `${n.nodeId}@127.0.0.1:${proxies[k]?.port}`).join(',');
    const full = net.adopt(
      spawnCmt(['start', '--home', home, '--silent', '--rpc.port', String(rpcPort), '--p2p.laddr', `127.0.0.1:${p2pPort}`, '--p2p.persistent-peers', peers], {}, 60_000),
    );
    try {
      await full.listening;
      assert.equal(Number(await rpcCall<string>(rpcPort, 'net_peerCount')), 0, 'no peers yet');
      // dev account 2 has sent nothing: its nonce 0 is valid at genesis (all the full node knows) and at the head
      const to = Wallet.createRandom().address;
      const raw = await signTransfer(devWallet(2), { nonce: 0, to, value: 777n });
      const hash = await rpcCall<string>(rpcPort, 'eth_sendRawTransaction', [raw]);
      for (const p of proxies) p.heal();
      const target = Math.max(...(await net.heights()).map((h) => h ?? 0));
      await net.waitFor(`the full node to reach height ${target}`, async () => Number(await rpcCall<string>(rpcPort, 'eth_blockNumber')) >= target, 30_000);
      const sync = await rpcCall<{ latest_block_height: number; latest_block_hash: string; latest_app_hash: string }>(rpcPort, 'cmt_syncing');
      const agreed = await net.sameBlockAt(ALL, sync.latest_block_height, 10_000);
      assert.equal(sync.latest_block_hash, agreed.hash, `block hash at ${sync.latest_block_height}`);
      assert.equal(sync.latest_app_hash, agreed.stateRoot, `state root at ${sync.latest_block_height}`);
      const atTarget = await rpcCall<{ hash: string; stateRoot: string }>(rpcPort, 'eth_getBlockByNumber', [`0x${target.toString(16)}`, false]);
      const validators = await net.block(0, target);
      assert.equal(atTarget.stateRoot, validators?.stateRoot, `state root at ${target}`);
      for (const [addr, value] of received) assert.equal(BigInt(await rpcCall<string>(rpcPort, 'eth_getBalance', [addr, 'latest'])), value, `full node: balance of ${addr}`);
      await net.waitFor('the full node to report catching_up false', async () => !(await rpcCall<{ catching_up: boolean }>(rpcPort, 'cmt_syncing')).catching_up, 10_000);

      // the transaction reaches a proposer once the full node has peers, and its receipt every node
      const receipt = await net.waitFor(`the receipt of ${hash} (sent to the full node before it had peers) on node0`, () => rpcCall<{ blockHash: string; blockNumber: string; status: string } | null>(net.node(0).rpcPort, 'eth_getTransactionReceipt', [hash]), 20_000);
      assert.equal(receipt.status, '0x1');
      const included = (await net.sameBlockAt(ALL, Number(receipt.blockNumber), 5_000)).hash;
      assert.equal(receipt.blockHash, included);
      const onFull = await net.waitFor('the receipt on the full node', () => rpcCall<{ blockHash: string } | null>(rpcPort, 'eth_getTransactionReceipt', [hash]), 10_000);
      assert.equal(onFull.blockHash, included);
      assert.equal(BigInt(await rpcCall<string>(rpcPort, 'eth_getBalance', [to, 'latest'])), 777n);
    } finally {
      // it is connected to both halves of the coming partition: it must not bridge them
      if (full.proc.exitCode === null && full.proc.signalCode === null) {
        full.proc.kill('SIGKILL');
        await full.exited;
      }
      await Promise.all(proxies.map((p) => p.close()));
    }
  });

  it('halts both halves of a partition {0,1} | {2,3} without forking, and resumes when it heals', async () => {
    await allRunning();
    net.partition();
    let healed = false;
    try {
      const [a, b] = await Promise.all([net.waitForHalt([0, 1], QUIET_MS, 20_000), net.waitForHalt([2, 3], QUIET_MS, 20_000)]);
      // a block whose precommits had reached one side before the cut can be one height ahead, never more
      assert.ok(Math.abs(a - b) <= 1, `halves halted at ${a} and ${b}`);
      await net.sameBlockAt(ALL, Math.min(a, b), 1_000);
      net.heal();
      healed = true;
      const top = Math.max(a, b);
      await net.waitForHeight(ALL, top + 2, 40_000, 'the chain resuming after the partition healed');
      await net.sameBlockAt(ALL, top, 5_000);
      await net.sameBlockAt(ALL, top + 2, 5_000);
    } finally {
      if (!healed) net.heal();
    }
  });

  it('drops peers that send garbage or nothing, and keeps committing blocks', async () => {
    const start = await allRunning();
    const [random, lookalike, silent] = await Promise.all([
      // bytes that are not our protocol at all
      rawPeer(net.node(0).p2pPort, () => garbage('random', 4096), 15_000),
      // a hello that copies the node's own magic and version, then junk where the sealed AUTH frame goes
      rawPeer(net.node(1).p2pPort, (hello) => Buffer.concat([hello.subarray(0, 8), garbage('key', 32), garbage('frames', 4096)]), 15_000),
      // a connection that never sends a byte: dropped by the handshake timeout
      rawPeer(net.node(2).p2pPort, undefined, 15_000),
    ]);
    for (const [what, r] of [['random bytes', random], ['a fake hello', lookalike], ['silence', silent]] as const) {
      assert.equal(r, 'closed by the node', `a peer sending ${what}`);
    }
    for (const i of ALL) assert.ok(net.isRunning(i), `node${i} is still running`);
    await net.waitFor('every validator to keep its 3 peers', async () => {
      const counts = await Promise.all(ALL.map((i) => rpcCall<string>(net.node(i).rpcPort, 'net_peerCount')));
      return counts.every((c) => Number(c) === 3);
    }, 10_000);
    await net.sameBlockAt(ALL, start + 5, 20_000);
  });

  it('bans an authenticated peer that sends undecodable or forged messages, and keeps committing', async () => {
    const start = await allRunning();
    const genesis = JSON.parse(readFileSync(join(net.node(0).home, 'config', 'genesis.json'), 'utf8')) as { chain_id: string; validators: Array<{ address: string }> };
    const node0 = `${net.node(0).nodeId}@127.0.0.1:${net.node(0).p2pPort}`;
    // prevotes "of validator1" with a zero signature, for heights around node0's (only the current and last verify)
    const forgedVotes = async (): Promise<Uint8Array[]> => {
      const head = BigInt(await net.height(0));
      return [-1n, 0n, 1n, 2n, 3n].map((d) =>
        encodeConsensusMessage({
          kind: 'vote',
          vote: { type: 'prevote', height: head + d, round: 0, blockHash: null, validatorAddress: hexToBytes(genesis.validators[1]?.address as `0x${string}`), timestampMs: 0n, signature: new Uint8Array(64) },
        }),
      );
    };
    const cases: Array<[string, ChannelId, () => Promise<Uint8Array[]>]> = [
      ['an undecodable consensus message', Channel.vote, async () => [garbage('vote', 200)]],
      ['an undecodable block part', Channel.blockPart, async () => [garbage('part', 200)]],
      ['a transaction message that is not a list of transactions', Channel.tx, async () => [garbage('tx', 200)]],
      ['an undecodable block-sync message', Channel.blockSync, async () => [garbage('sync', 200)]],
      ['a vote with a forged signature', Channel.vote, forgedVotes],
    ];
    for (const [what, channel, messages] of cases) {
      const peer = await fakePeer(genesis.chain_id);
      try {
        const id = await peer.connect(node0);
        for (const m of await messages()) peer.p2p.send(id, channel, m);
        await peer.disconnected(id, `node0 to drop a peer that sent ${what}`);
        // banned, not merely dropped: dialed again, it is refused right after the handshake
        await peer.refused(node0, id, `node0 to refuse the peer that sent ${what}`);
      } finally {
        await peer.p2p.stop();
      }
    }
    await net.waitFor('every validator to keep its 3 peers', async () => {
      const counts = await Promise.all(ALL.map((i) => rpcCall<string>(net.node(i).rpcPort, 'net_peerCount')));
      return counts.every((c) => Number(c) === 3);
    }, 10_000);
    await net.sameBlockAt(ALL, start + 5, 20_000);
  });
});

/** Deterministic junk: SHA-256 in counter mode over `seed`. */
function garbage(seed: string, bytes: number): Buffer {
  const out: Buffer[] = [];
  for (let k = 0; out.length * 32 < bytes; k++) out.push(createHash('sha256').update(`${seed}/${k}`).digest());
  return Buffer.concat(out).subarray(0, bytes);
}

/** Waits for `what` to happen (an event resolving the returned promise), failing after `timeoutMs`. */
function within<T>(what: string, timeoutMs: number, setup: (done: (v: T) => void) => () => void): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
    }, timeoutMs);
    const off = setup((v) => {
      clearTimeout(timer);
      off();
      resolve(v);
    });
  });
}

/**
 * A peer that speaks the p2p protocol (this repository's implementation, with a fresh node key) but is no
 * validator: it connects to a node and sends what a test tells it to.
 */
async function fakePeer(network: string): Promise<{
  p2p: P2P;
  connect(address: string): Promise<string>;
  disconnected(id: string, what: string): Promise<void>;
  /** Dials `address` and waits until the node closes the connection, during or right after the handshake. */
  refused(address: string, id: string, what: string): Promise<void>;
}> {
  const handshakeFailures = new Set<() => void>();
  const logger = {
    error() {},
    warn() {},
    info() {},
    debug(msg: string) {
      if (msg === 'p2p handshake failed') for (const f of handshakeFailures) f();
    },
  };
  const p2p = createP2P({ nodeKey: generateEd25519Key(), network, persistentPeers: [], seeds: [], limits: defaultP2PLimits }, { logger });
  await p2p.start();
  const onPeer = (kind: PeerEvent['kind'], id: string | undefined, done: (peerId: string) => void) =>
    p2p.on('peer', (e) => {
      if (e.kind === kind && (id === undefined || e.peer.id === id)) done(e.peer.id);
    });
  return {
    p2p,
    connect(address) {
      const connected = within<string>(`a connection to ${address}`, 10_000, (done) => onPeer('connected', undefined, done));
      p2p.dial(address);
      return connected;
    },
    disconnected(id, what) {
      if (!p2p.peers().some((p) => p.id === id)) return Promise.resolve();
      return within<void>(what, 10_000, (done) => onPeer('disconnected', id, () => done()));
    },
    refused(address, id, what) {
      const closed = within<void>(what, 10_000, (done) => {
        const f = (): void => done();
        handshakeFailures.add(f);
        const off = onPeer('disconnected', id, f);
        return () => {
          handshakeFailures.delete(f);
          off();
        };
      });
      p2p.dial(address);
      return closed;
    },
  };
}

/**
 * A raw TCP client of a p2p port: waits for the node's first bytes (its hello, up to 500 ms), sends what
 * `payload` makes of them (nothing when undefined), and resolves once the node closes the connection.
 */
function rawPeer(port: number, payload: ((hello: Buffer) => Buffer) | undefined, timeoutMs: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    let received = Buffer.alloc(0);
    let sent = false;
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(`still open after ${timeoutMs} ms`);
    }, timeoutMs);
    const send = (): void => {
      if (sent || payload === undefined) return;
      sent = true;
      socket.write(payload(received));
    };
    socket.on('data', (d: Buffer) => {
      received = Buffer.concat([received, d]);
      if (received.length >= 8) send();
    });
    socket.on('connect', () => setTimeout(send, 500));
    socket.on('error', () => {}); // ECONNRESET or EPIPE: the node hung up on us
    socket.on('close', () => {
      clearTimeout(timer);
      resolve('closed by the node');
    });
  });
}
