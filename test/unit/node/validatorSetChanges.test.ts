/**
 * Validator set changes from the execution layer, end to end inside one process: five nodes, each a real
 * chain (in-memory store), BlockProducer and ConsensusDriver with its own ed25519 signer, their consensus
 * messages delivered to each other directly (no sockets: test/e2e/network.test.ts covers the wire). The
 * genesis set is nodes 0-3; node 4 follows with a signer but no power. The chain's endBlock (the hook the
 * staking module will fill) adds node 4 in block 3 and removes node 3 in block 7; CometBFT's rule says they
 * take effect at heights 5 and 9. Checked: every node commits the same blocks, each header's validatorsHash
 * names its height's set, node 4 signs from height 5 on and node 3 stops at 9, and the chain keeps going
 * after node 3 is shut down once it has left.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { validatorSetHash } from '../../../src/consensus/index.ts';
import type { ValidatorSet } from '../../../src/consensus/index.ts';
import { DEV_TIMEOUTS } from '../../../src/consensus/index.ts';
import { ed25519KeyFromSeed } from '../../../src/crypto/index.ts';
import type { Ed25519Key } from '../../../src/crypto/index.ts';
import { openChain } from '../../../src/node/chain.ts';
import type { Chain } from '../../../src/node/chain.ts';
import { systemClock } from '../../../src/node/clock.ts';
import { EvidencePool } from '../../../src/node/evidencePool.ts';
import { createInProcessExecutor } from '../../../src/node/executor.ts';
import type { Logger } from '../../../src/node/logger.ts';
import { BlockProducer } from '../../../src/node/producer.ts';
import { createMemorySignerState, createSigner } from '../../../src/node/signer.ts';
import { bytesToHex, equalBytes } from '../../../src/primitives/index.ts';
import { createMemoryStore } from '../../../src/storage/index.ts';
import { createValidator } from '../../../src/types/index.ts';
import type { Block, Genesis, Validator } from '../../../src/types/index.ts';
import { testGenesis } from '../../utils/chain.ts';

const keys: Ed25519Key[] = [1, 2, 3, 4, 5].map((i) => ed25519KeyFromSeed(new Uint8Array(32).fill(40 + i)));
const POWER = 10n;
const JOIN_BLOCK = 3n; // node 4 joins: effective at 5
const LEAVE_BLOCK = 7n; // node 3 leaves: effective at 9
const TARGET_HEIGHT = 14n;

const quietLogger: Logger = { error() {}, warn() {}, info() {}, debug() {} };

function networkGenesis(): Genesis {
  const base = testGenesis(1);
  return {
    ...base,
    validators: keys.slice(0, 4).map((k, i) => ({ name: `v${i}`, publicKey: k.publicKey, power: POWER, shares: 0n, maxAmount: 0n, compRate: '1/5' })),
  };
}

/** The changes each block returns: what the staking module's election will compute. */
function changesOf(height: bigint): Validator[] {
  if (height === JOIN_BLOCK) return [createValidator((keys[4] as Ed25519Key).publicKey, POWER)];
  if (height === LEAVE_BLOCK) return [createValidator((keys[3] as Ed25519Key).publicKey, 0n)];
  return [];
}

interface TestNode {
  chain: Chain;
  producer: BlockProducer;
  committed: Block[];
  stopped: boolean;
}

describe('validator set changes from the execution layer', () => {
  const nodes: TestNode[] = [];
  const genesis = networkGenesis();
  const address = (i: number) => createValidator((keys[i] as Ed25519Key).publicKey, POWER).address;
  const deliver = (from: number, send: (n: TestNode) => Promise<void>): void => {
    for (const [i, n] of nodes.entries()) if (i !== from && !n.stopped) setImmediate(() => void send(n).catch(() => undefined));
  };

  before(async () => {
    for (let i = 0; i < keys.length; i++) {
      const chain = await openChain(createMemoryStore(), genesis, {
        allowUnlimitedContractSize: false,
        system: { endBlock: async (_state, ctx) => changesOf(ctx.height) },
      });
      const committed: Block[] = [];
      const node = { chain, committed, stopped: false } as TestNode;
      node.producer = new BlockProducer(
        1000,
        {
          chain,
          executor: createInProcessExecutor(chain),
          clock: systemClock,
          logger: quietLogger,
          feePool: new Uint8Array(20).fill(0xfe),
          candidates: () => [],
          blockTransactions: () => [],
          evidence: new EvidencePool(),
          async onCommitted(block) {
            committed.push(block);
          },
          onHalted: () => undefined, // no governance halt here
        },
        {
          mode: 'network',
          signer: createSigner((keys[i] as Ed25519Key).seed, genesis.consensusChainId, createMemorySignerState(), () => undefined),
          wal: undefined,
          timeouts: DEV_TIMEOUTS,
          outbox: {
            proposal: (proposal, block) =>
              deliver(i, async (n) => {
                await n.producer.consensus.receiveProposal(proposal);
                await n.producer.consensus.receiveBlock(block);
              }),
            vote: (vote) => deliver(i, (n) => n.producer.consensus.receiveVote(vote)),
            evidence() {},
            progress() {},
          },
        },
      );
      nodes.push(node);
    }
    for (const n of nodes) n.producer.start();
    const deadline = Date.now() + 30_000;
    while (nodes.some((n) => !n.stopped && n.chain.head().header.height < TARGET_HEIGHT) && Date.now() < deadline) {
      // node 3 leaves the set at height 9: once height 10 is committed everywhere, shut it down
      const leaver = nodes[3] as TestNode;
      if (!leaver.stopped && nodes.every((n) => n.chain.head().header.height >= 10n)) {
        leaver.stopped = true;
        await leaver.producer.stop();
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  });

  after(async () => {
    for (const n of nodes) if (!n.stopped) await n.producer.stop();
  });

  it('every node reaches the target height after the changes and node 3 leaving', () => {
    for (const [i, n] of nodes.entries()) {
      if (i === 3) continue;
      assert.ok(n.chain.head().header.height >= TARGET_HEIGHT, `node ${i} is at ${n.chain.head().header.height}`);
    }
  });

  it('all nodes committed the same block at every height', () => {
    const reference = nodes[0] as TestNode;
    for (const [i, n] of nodes.entries()) {
      for (let h = 1n; h <= n.chain.head().header.height && h <= reference.chain.head().header.height; h++) {
        assert.ok(equalBytes((n.chain.store.blockByHeight(h) as Block).hash, (reference.chain.store.blockByHeight(h) as Block).hash), `node ${i} differs at ${h}`);
      }
    }
  });

  it('the changes are stored with the blocks that returned them', () => {
    const store = (nodes[0] as TestNode).chain.store;
    assert.deepEqual(store.validatorUpdateHeights(), [JOIN_BLOCK, LEAVE_BLOCK]);
    assert.deepEqual(store.validatorUpdates(JOIN_BLOCK).map((u) => [bytesToHex(u.address), u.power]), [[bytesToHex(address(4)), POWER]]);
    assert.deepEqual(store.validatorUpdates(LEAVE_BLOCK).map((u) => [bytesToHex(u.address), u.power]), [[bytesToHex(address(3)), 0n]]);
    assert.deepEqual(store.validatorUpdates(JOIN_BLOCK + 1n), []);
  });

  it('the set changes two heights after the block that returned the change, and each header names its set', () => {
    const n = nodes[0] as TestNode;
    const members = (set: ValidatorSet) => set.validators.map((v) => bytesToHex(v.address)).sort();
    const genesisMembers = [0, 1, 2, 3].map((i) => bytesToHex(address(i))).sort();
    const withFour = [0, 1, 2, 3, 4].map((i) => bytesToHex(address(i))).sort();
    const withoutThree = [0, 1, 2, 4].map((i) => bytesToHex(address(i))).sort();
    for (let h = 1n; h <= TARGET_HEIGHT; h++) {
      const set = n.producer.validatorSets.at(h);
      const expected = h < JOIN_BLOCK + 2n ? genesisMembers : h < LEAVE_BLOCK + 2n ? withFour : withoutThree;
      assert.deepEqual(members(set), expected, `set of height ${h}`);
      const header = (n.chain.store.blockByHeight(h) as Block).header;
      assert.ok(equalBytes(header.validatorsHash, validatorSetHash(set)), `validatorsHash of block ${h}`);
    }
  });

  it('node 4 signs certificates from height 5 on, node 3 only before height 9', () => {
    const store = (nodes[0] as TestNode).chain.store;
    const signersOf = (h: bigint) => new Set((store.commit(h)?.signatures ?? []).map((s) => bytesToHex(s.validatorAddress)));
    for (let h = 1n; h < TARGET_HEIGHT; h++) {
      const signers = signersOf(h);
      assert.ok(signers.size >= 3, `certificate of ${h} has ${signers.size} signatures`);
      if (h < JOIN_BLOCK + 2n) assert.ok(!signers.has(bytesToHex(address(4))), `node 4 signed ${h} before it joined`);
      if (h >= LEAVE_BLOCK + 2n) assert.ok(!signers.has(bytesToHex(address(3))), `node 3 signed ${h} after it left`);
    }
    // a certificate holds whichever +2/3 arrived first, so node 4 need not be in each one, but it does sign
    const withFour = [...Array(Number(TARGET_HEIGHT - JOIN_BLOCK - 2n)).keys()].map((k) => JOIN_BLOCK + 2n + BigInt(k)).filter((h) => signersOf(h).has(bytesToHex(address(4))));
    assert.ok(withFour.length > 0, 'node 4 is in no certificate after it joined');
  });
});
