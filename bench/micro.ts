/**
 * The hot path measured piece by piece, in process (no RPC): decode + recover (validateRawTx), block
 * execution of N ETH transfers, the two ordered-trie roots, the atomic lmdb commit of the block, and block
 * execution of N ERC-20 transfers.
 * `npm run bench:micro [-- --txs 2000]`. Prints one table; figures go to docs/performance.md.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AbiCoder, Interface, Transaction, getCreateAddress } from 'ethers';
import type { HDNodeWallet } from 'ethers';
import { BENCH_RULES, benchGenesis, benchWallets } from './lib/benchChain.ts';
import { createAddressFromString } from '@ethereumjs/util';
import { loadTestToken } from '../test/utils/contracts.ts';
import { executeBlock, orderedTrieRoot, validateRawTx } from '../src/execution/index.ts';
import { createChainCommon, createExecutionVM, createTxCommon } from '../src/evm/index.ts';
import { applyGenesis } from '../src/execution/index.ts';
import { FEE_POOL_ADDRESS } from '../src/params/index.ts';
import { hexToBytes } from '../src/primitives/index.ts';
import { TrieNodeStore, createWorldState } from '../src/state/index.ts';
import { createChainStore, createLmdbStore } from '../src/storage/index.ts';
import { createBlock, hashHeader } from '../src/types/index.ts';
import { keccak256 } from '../src/crypto/index.ts';

const argTxs = process.argv.indexOf('--txs');
const N = argTxs > 0 ? Number(process.argv[argTxs + 1]) : 2000;
const SENDERS = 100;

const wallets = benchWallets(SENDERS);
const genesis = benchGenesis(wallets);

const dir = mkdtempSync(join(tmpdir(), 'cmt-bench-'));
const kv = createLmdbStore(join(dir, 'db'));
const common = createChainCommon(1234n, 'osaka');
const txCommon = createTxCommon(common);
const nodes = new TrieNodeStore(kv);
const state = createWorldState(nodes, common, undefined, { caches: true });
const genesisHeader = await applyGenesis(state, genesis);
await kv.write(nodes.takeWrites());
nodes.writesDurable();
const vm = await createExecutionVM(common, state, () => undefined, { allowUnlimitedContractSize: false });

const raws: Uint8Array[] = [];
for (let i = 0; i < N; i++) {
  const w = wallets[i % SENDERS] as HDNodeWallet;
  const tx = Transaction.from({ type: 0, to: `0x${(i + 0x100000).toString(16).padStart(40, '0')}`, value: 1n, nonce: Math.floor(i / SENDERS), gasLimit: 21000n, gasPrice: 2_000_000_000n, chainId: 1234n });
  raws.push(hexToBytes(await w.signTransaction(tx)));
}

// --profile: a V8 CPU profile of the timed part only (not the signing above), written to micro.cpuprofile
const profiling = process.argv.includes('--profile');
const { Session } = await import('node:inspector/promises');
const session = new Session();
if (profiling) {
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
}

const rules = BENCH_RULES;
const rows: Array<[string, string]> = [];
let t = performance.now();
const txs = raws.map((r) => validateRawTx(r, txCommon, rules));
const validateMs = performance.now() - t;
rows.push(['decode + recover sender (validateRawTx)', `${Math.round(N / (validateMs / 1000))} tx/s (${((validateMs * 1000) / N).toFixed(1)} µs/tx)`]);

t = performance.now();
const out = await executeBlock(vm, common, {
  parentHash: hashHeader(genesisHeader), height: 1n, timestamp: genesisHeader.timestamp + 1n, proposer: new Uint8Array(20),
  gasLimit: 1_000_000_000n, baseFeePerGas: 2_000_000_000n, validatorsHash: genesisHeader.validatorsHash, lastCommit: null, feePool: hexToBytes(FEE_POOL_ADDRESS),
}, txs, 'build');
const execMs = performance.now() - t;
rows.push([`executeBlock, ${N} ETH transfers to new accounts (incl. state root)`, `${Math.round(N / (execMs / 1000))} tx/s (${execMs.toFixed(0)} ms)`]);

t = performance.now();
orderedTrieRoot(raws);
rows.push([`one ordered trie root over ${N} txs`, `${(performance.now() - t).toFixed(1)} ms`]);

const store = createChainStore(kv);
const block = createBlock(out.header, out.transactions.map((x) => x.raw), null);
t = performance.now();
await kv.write([...nodes.takeWrites(), ...store.blockWrites(block, out.receipts, { height: 1n, round: 0, blockHash: block.hash, signatures: [] }, raws.map((r) => keccak256(r)))]);
rows.push(['atomic lmdb commit of block + receipts + state nodes', `${(performance.now() - t).toFixed(1)} ms`]);

if (profiling) {
  const { profile } = await session.post('Profiler.stop');
  (await import('node:fs')).writeFileSync('micro.cpuprofile', JSON.stringify(profile));
}
// ERC-20 transfers (the OpenZeppelin TestToken the RPC benchmark uses): deploy, give every sender tokens,
// then N transfers to new holders, timed like the ETH block (signing is not timed)
const erc20 = loadTestToken();
const token = new Interface(erc20.abi);
let height = 1n;
let parent = out.header;
const nonceOf = async (w: HDNodeWallet) => Number((await state.getAccount(createAddressFromString(w.address)))?.nonce ?? 0n);
const runBlock = async (txs: ReturnType<typeof validateRawTx>[]) => {
  height++;
  const block = await executeBlock(vm, common, {
    parentHash: hashHeader(parent), height, timestamp: parent.timestamp + 1n, proposer: new Uint8Array(20),
    gasLimit: 1_000_000_000n, baseFeePerGas: 2_000_000_000n, validatorsHash: parent.validatorsHash, lastCommit: null, feePool: hexToBytes(FEE_POOL_ADDRESS),
  }, txs, 'build');
  parent = block.header;
  return block;
};
const owner = wallets[0] as HDNodeWallet;
const deployNonce = await nonceOf(owner);
const deploy = await owner.signTransaction(Transaction.from({ type: 0, data: erc20.bytecode + AbiCoder.defaultAbiCoder().encode(['uint256'], [10n ** 30n]).slice(2), nonce: deployNonce, gasLimit: 5_000_000n, gasPrice: 2_000_000_000n, chainId: 1234n }));
const validate = (raw: Uint8Array[]) => raw.map((r) => validateRawTx(r, txCommon, rules));
await runBlock(validate([hexToBytes(deploy)]));
const tokenAddress = getCreateAddress({ from: owner.address, nonce: deployNonce });
const fund: Uint8Array[] = [];
for (let i = 1; i < SENDERS; i++) {
  const data = token.encodeFunctionData('transfer', [(wallets[i] as HDNodeWallet).address, 10n ** 24n]);
  fund.push(hexToBytes(await owner.signTransaction(Transaction.from({ type: 0, to: tokenAddress, data, nonce: deployNonce + i, gasLimit: 100_000n, gasPrice: 2_000_000_000n, chainId: 1234n }))));
}
await runBlock(validate(fund));
const next = new Map<HDNodeWallet, number>();
for (const w of wallets) next.set(w, await nonceOf(w));
const transfers: Uint8Array[] = [];
for (let i = 0; i < N; i++) {
  const w = wallets[i % SENDERS] as HDNodeWallet;
  const nonce = next.get(w) as number;
  next.set(w, nonce + 1);
  const data = token.encodeFunctionData('transfer', [`0x${(i + 0x200000).toString(16).padStart(40, '0')}`, 1n]);
  transfers.push(hexToBytes(await w.signTransaction(Transaction.from({ type: 0, to: tokenAddress, data, nonce, gasLimit: 100_000n, gasPrice: 2_000_000_000n, chainId: 1234n }))));
}
const erc20Txs = validate(transfers);
t = performance.now();
const erc20Block = await runBlock(erc20Txs);
const erc20Ms = performance.now() - t;
if (erc20Block.transactions.length !== N || erc20Block.receipts.some((r) => r.status !== 1)) throw new Error('ERC-20 block: not every transfer succeeded');
rows.push([`executeBlock, ${N} ERC-20 transfers to new holders (incl. state root)`, `${Math.round(N / (erc20Ms / 1000))} tx/s (${erc20Ms.toFixed(0)} ms)`]);

await kv.close();
rmSync(dir, { recursive: true, force: true });
console.log(`\nhot path, ${N} transactions from ${SENDERS} senders, one process (node ${process.versions.node})\n`);
for (const [k, v] of rows) console.log(`${k.padEnd(70)} ${v}`);
