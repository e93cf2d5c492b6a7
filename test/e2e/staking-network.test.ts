/**
 * Staking decides who signs, on a real network: four validators of `cmt testnet init --dev` (each
 * genesis candidate self-stakes 1,000,000 CMT) and a fifth node started as a full node. A dev account
 * declares the fifth node's consensus key as a candidate with 500,000 CMT through the staking contract
 * (ethers, JSON-RPC). The election caps each stake at 12% of the total (540,000 CMT of 4,500,000), so the
 * five voting powers are 540,000 x 4 and 500,000: +2/3 needs 1,773,334. After the change takes effect,
 * the chain keeps committing with node3 stopped (3 x 540,000 + 500,000 = 2,120,000), which it can only
 * do with the fifth node's precommits, and halts once the fifth node stops too (1,620,000). With the fifth
 * back, node3 keeps missing blocks and is deactivated after max_slash_blocks (40 on this network). Finally node2's key signs two
 * conflicting prevotes (the harness holds it): the evidence is committed, node2's candidacy is slashed and
 * deactivated, and the chain goes on.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Contract, JsonRpcProvider } from 'ethers';
import { readFileSync } from 'node:fs';
import { ed25519Address, ed25519Sign, generateEd25519Key } from '../../src/crypto/index.ts';
import { Channel, createP2P, defaultP2PLimits } from '../../src/p2p/index.ts';
import { encodeConsensusMessage, voteSignBytes } from '../../src/types/index.ts';
import { loadKeyFile } from '../../src/node/home.ts';
import { bytesToHex } from '../../src/primitives/index.ts';
import { STAKING_ABI, STAKING_ADDRESS } from '../../src/staking/index.ts';
import { devWallet, freePort, runCmtAsync } from '../utils/e2e2-helpers.ts';
import { spawnCmt } from '../utils/node.ts';
import { LocalNet, rpcCall } from '../utils/localNet.ts';

const CMT = 10n ** 18n;

describe('staking changes the validator set of a running network', () => {
  let net: LocalNet;
  let provider: JsonRpcProvider;
  let fifthRpc = 0;
  let stopFifth: () => Promise<unknown> = async () => undefined;

  before(async () => {
    net = await LocalNet.create({ validators: 4 });
    // 40 missed blocks before an absent validator is deactivated (12 by default): the halt below must come
    // from the fifth validator stopping, not race with node3 being voted out for its absence
    for (const n of net.nodes) {
      const path = join(n.home, 'config', 'genesis.json');
      const genesis = JSON.parse(readFileSync(path, 'utf8')) as { app_state: { stake: { params: Record<string, unknown> } } };
      genesis.app_state.stake.params.max_slash_blocks = '40';
      writeFileSync(path, `${JSON.stringify(genesis, null, 2)}\n`);
    }
    await net.startAll();
    provider = new JsonRpcProvider(`http://127.0.0.1:${net.node(0).rpcPort}`, undefined, { staticNetwork: true, pollingInterval: 100 });
  });

  after(async () => {
    provider?.destroy();
    await net?.close();
  });

  it('a declared candidate with enough stake becomes a validator whose signatures the chain needs', async () => {
    await net.waitForHeight([0, 1, 2, 3], 2, 30_000, 'the network to start');
    // the fifth node: a fresh home on the same genesis, following as a full node
    const home = join(net.root, 'fifth');
    const init = await runCmtAsync(['init', '--home', home]);
    assert.equal(init.code, 0, init.stderr);
    copyFileSync(join(net.node(0).home, 'config', 'genesis.json'), join(home, 'config', 'genesis.json'));
    fifthRpc = await freePort();
    let p2pPort = await freePort();
    while (p2pPort === fifthRpc) p2pPort = await freePort();
    const peers = net.nodes.map((n) => `${n.nodeId}@127.0.0.1:${n.p2pPort}`).join(',');
    // the dev consensus timeouts of the testnet homes (cmt init writes the mainnet ones: a 10 s commit timeout)
    const startFifth = () => net.adopt(spawnCmt(['start', '--home', home, '--silent', '--consensus.timeouts', 'dev', '--rpc.port', String(fifthRpc), '--p2p.laddr', `127.0.0.1:${p2pPort}`, '--p2p.persistent-peers', peers], {}, 60_000));
    const fifth = startFifth();
    stopFifth = () => fifth.stop();
    await fifth.listening;

    const staking = new Contract(bytesToHex(STAKING_ADDRESS), STAKING_ABI, devWallet(4).connect(provider));
    const pubKey = bytesToHex(loadKeyFile(join(home, 'config', 'priv_validator_key.json')).publicKey);
    const tx = await staking.getFunction('declareCandidacy')(pubKey, 5_000_000n * CMT, 10n ** 17n, 'the fifth validator', { value: 500_000n * CMT });
    const receipt = await tx.wait();
    assert.equal(receipt?.status, 1);
    const declaredAt = Number(receipt?.blockNumber);

    const [owners, powers] = (await staking.getFunction('validators')()) as [string[], bigint[]];
    assert.equal(owners.length, 5, 'the election after the declaration has five validators');
    assert.deepEqual([...powers].map(Number).sort((a, b) => a - b), [500_000, 540_000, 540_000, 540_000, 540_000]);

    // the set changes two heights after the declaring block; the fifth node follows meanwhile
    const effective = declaredAt + 2;
    await net.waitForHeight([0, 1, 2, 3], effective + 2, 30_000, 'the new set to take effect');
    await net.waitFor('the fifth node to follow', async () => Number(await rpcCall<string>(fifthRpc, 'eth_blockNumber')) >= effective, 30_000);

    await net.stop(3);
    const h0 = await net.height(0);
    await net.waitForHeight([0, 1, 2], h0 + 3, 30_000, 'the chain without node3 (it needs the fifth validator)');

    await stopFifth();
    const halted = await net.waitForHalt([0, 1, 2], 3000, 30_000);
    assert.ok(halted >= h0 + 3, `halted at ${halted}`);

    // back with the fifth: node3 (owned by dev account 3) keeps missing blocks and is deactivated after
    // max_slash_blocks (40 here) in a row; slash_enabled is off, so it keeps its stake
    await startFifth().listening;
    const owner3 = devWallet(3).address;
    const bondedBefore = ((await staking.getFunction('candidate')(owner3)) as { bonded: bigint }).bonded;
    await net.waitFor('node3 to be deactivated for missing blocks', async () => !((await staking.getFunction('candidate')(owner3)) as { active: boolean }).active, 60_000);
    assert.equal(((await staking.getFunction('candidate')(owner3)) as { bonded: bigint }).bonded, bondedBefore, 'deactivated, not slashed');
    const [after] = (await staking.getFunction('validators')()) as [string[]];
    assert.ok(!after.map((a) => a.toLowerCase()).includes(owner3.toLowerCase()), 'node3 left the election');
  });

  it('a validator that double-signs is slashed and deactivated through evidence, and the chain goes on', async () => {
    // the harness holds node2's consensus key and sends two conflicting prevotes in its name: honest nodes
    // see the equivocation, gossip the evidence, a block commits it, staking slashes dev account 2's candidacy
    const genesis = JSON.parse(readFileSync(join(net.node(0).home, 'config', 'genesis.json'), 'utf8')) as { chain_id: string };
    const key = loadKeyFile(join(net.node(2).home, 'config', 'priv_validator_key.json'));
    const validatorAddress = ed25519Address(key.publicKey);
    const staking = new Contract(bytesToHex(STAKING_ADDRESS), STAKING_ABI, provider);
    const owner2 = devWallet(2).address;
    const bondedBefore = ((await staking.getFunction('candidate')(owner2)) as { bonded: bigint }).bonded;
    const p2p = createP2P({ nodeKey: generateEd25519Key(), network: genesis.chain_id, persistentPeers: [], seeds: [], limits: defaultP2PLimits }, { logger: { error() {}, warn() {}, info() {}, debug() {} } });
    await p2p.start();
    try {
      const vote = (height: bigint, fill: number) => {
        const blockHash = new Uint8Array(32).fill(fill);
        const timestampMs = BigInt(Date.now());
        const signature = ed25519Sign(key.seed, voteSignBytes(genesis.chain_id, 'prevote', height, 0, blockHash, timestampMs));
        return encodeConsensusMessage({ kind: 'vote', vote: { type: 'prevote', height, round: 0, blockHash, validatorAddress, timestampMs, signature } });
      };
      await net.waitFor('the evidence to be committed and slashed', async () => {
        if (p2p.peers().length === 0) p2p.dial(`${net.node(0).nodeId}@127.0.0.1:${net.node(0).p2pPort}`);
        const peer = p2p.peers()[0];
        if (peer !== undefined) {
          const height = BigInt(await net.height(0)) + 1n; // the height node0 is deciding
          p2p.send(peer.id, Channel.vote, vote(height, 0xa1));
          p2p.send(peer.id, Channel.vote, vote(height, 0xb2));
        }
        const { count } = (await staking.getFunction('slashes')(owner2)) as { count: bigint };
        return count > 0n;
      }, 60_000);
    } finally {
      await p2p.stop();
    }
    // the harness may have equivocated at more than one height before it saw the first slash: each piece of
    // evidence is its own slash of slash_ratio (1/1000) of what is left, and a later one can still be committed
    // now, so the stake and the slash count are read at one height
    const blockTag = await provider.getBlockNumber();
    const c = (await staking.getFunction('candidate')(owner2, { blockTag })) as { bonded: bigint; active: boolean };
    assert.equal(c.active, false, 'deactivated');
    const { count } = (await staking.getFunction('slashes')(owner2, { blockTag })) as { count: bigint };
    let expected = bondedBefore;
    for (let i = 0n; i < count; i++) expected -= expected / 1000n;
    assert.equal(c.bonded, expected, `slashed ${count} time(s) by slash_ratio`);
    const [, , amount] = (await staking.getFunction('slashAt')(owner2, 0n)) as [bigint, bigint, bigint];
    assert.equal(amount, bondedBefore / 1000n, 'the first slash took 1/1000 of the stake');
    const h = await net.height(0);
    await net.waitForHeight([0, 1], h + 3, 30_000, 'the chain after the slash');
  });
});

