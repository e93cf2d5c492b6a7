/**
 * A real chain (in-memory store) whose genesis turns staking on, driven like a node drives it: signed
 * transactions to the native contracts, blocks built and committed with a chosen previous-block commit
 * (which validators signed) and evidence, and calls simulated on the head to read views and custom errors.
 */
import { Address } from '@ethereumjs/util';
import { Transaction } from 'ethers';
import type { Interface, Result } from 'ethers';
import { ed25519Address, ed25519KeyFromSeed } from '../../../src/crypto/index.ts';
import { runCall, validateRawTx } from '../../../src/execution/index.ts';
import type { ExecutedBlock } from '../../../src/execution/index.ts';
import { openChain } from '../../../src/node/chain.ts';
import type { Chain } from '../../../src/node/chain.ts';
import { bytesToHex, hexToBytes } from '../../../src/primitives/index.ts';
import { createMemoryStore } from '../../../src/storage/index.ts';
import { parseGenesis } from '../../../src/types/index.ts';
import type { Commit, DuplicateVoteEvidence, Genesis } from '../../../src/types/index.ts';
import { CHAIN_ID, ONE, devWallet, nextBlockContext } from '../../utils/chain.ts';

export const GENESIS_BALANCE = 100_000n * ONE;
export const GENESIS_SHARES = 1_000n * ONE;

/** Consensus keys: genesis validator i has keys[i]; the rest are for candidates declared later. */
export const keys = [1, 2, 3, 4].map((i) => ed25519KeyFromSeed(new Uint8Array(32).fill(60 + i)));
export const pubKeyHex = (i: number): string => bytesToHex((keys[i] as { publicKey: Uint8Array }).publicKey);

export interface StakingChainOptions {
  validators: number;
  params: Record<string, string | number | boolean>;
  /** Extra genesis balances (address -> wei), e.g. the community pool. */
  alloc?: Record<string, bigint>;
}

export function stakingGenesis(o: StakingChainOptions): Genesis {
  const alloc: Record<string, { balance: string }> = {};
  for (let i = 0; i < 6; i++) alloc[devWallet(i).address] = { balance: GENESIS_BALANCE.toString() };
  for (const [a, b] of Object.entries(o.alloc ?? {})) alloc[a] = { balance: b.toString() };
  return parseGenesis({
    genesis_time: '2026-01-01T00:00:00Z',
    chain_id: 'staking-test',
    consensus_params: { block: { max_gas: '30000000', max_tx_bytes: 131072 } },
    validators: Array.from({ length: o.validators }, (_, i) => ({
      name: `v${i}`,
      pub_key: { type: 'tendermint/PubKeyEd25519', value: Buffer.from((keys[i] as { publicKey: Uint8Array }).publicKey).toString('base64') },
      power: '10',
      shares: GENESIS_SHARES.toString(),
      max_amount: (10n * GENESIS_SHARES).toString(),
      comp_rate: '1/5',
      owner: devWallet(i).address,
    })),
    app_state: { evm: { chain_id: Number(CHAIN_ID), min_gas_price: '2000000000', alloc }, stake: { params: o.params } },
  });
}

export interface CallResult {
  ok: boolean;
  result: Result | undefined;
  error?: { name: string; args: unknown[] };
}

export class StakingChain {
  private readonly nonces = new Map<number, number>();

  private constructor(
    readonly chain: Chain,
    readonly genesis: Genesis,
  ) {}

  static async open(o: StakingChainOptions): Promise<StakingChain> {
    const genesis = stakingGenesis(o);
    return new StakingChain(await openChain(createMemoryStore(), genesis, { allowUnlimitedContractSize: false }), genesis);
  }

  height(): bigint {
    return this.chain.head().header.height;
  }

  /** A signed transaction from dev account `from` calling `method` of the contract at `to`. */
  async tx(from: number, to: Uint8Array, iface: Interface, method: string, args: unknown[], value = 0n): Promise<Uint8Array> {
    const nonce = this.nonces.get(from) ?? 0;
    this.nonces.set(from, nonce + 1);
    const tx = Transaction.from({ type: 2, to: bytesToHex(to), value, nonce, gasLimit: 500_000n, chainId: CHAIN_ID, maxFeePerGas: 3_000_000_000n, maxPriorityFeePerGas: 0n, data: iface.encodeFunctionData(method, args) });
    return hexToBytes(await devWallet(from).signTransaction(tx));
  }

  /** Builds and commits the next block; `signedBy` are the keys[] indices that signed the previous one. */
  async mine(raws: Uint8Array[] = [], signedBy: number[] = [0, 1, 2, 3], evidence: DuplicateVoteEvidence[] = []): Promise<ExecutedBlock> {
    const rules = { chainId: this.genesis.chainId, maxTxSizeBytes: 131072, blockGasLimit: 30_000_000n, minGasPriceWei: 2_000_000_000n };
    const txs = raws.map((r) => validateRawTx(r, this.chain.txCommon, rules));
    const head = this.chain.head();
    const lastCommit: Commit = {
      height: head.header.height,
      round: 0,
      blockHash: head.hash,
      signatures: signedBy.map((i) => ({ validatorAddress: ed25519Address((keys[i] as { publicKey: Uint8Array }).publicKey), timestampMs: 0n, signature: new Uint8Array(64) })),
    };
    const ctx = { ...nextBlockContext(head), lastCommit: signedBy.length === 0 ? null : lastCommit, ...(evidence.length === 0 ? {} : { evidence }) };
    const { block, executed } = await this.chain.buildBlock(ctx, txs);
    await this.chain.commitBlock(block, executed, { height: block.header.height, round: 0, blockHash: block.hash, signatures: [] });
    return executed;
  }

  /** The call simulated on the head: decoded return data, or the custom error it reverts with. */
  async call(from: number, to: Uint8Array, iface: Interface, method: string, args: unknown[], value = 0n): Promise<CallResult> {
    return this.callData(from, to, iface, method, hexToBytes(iface.encodeFunctionData(method, args)), value);
  }

  async callData(from: number, to: Uint8Array, iface: Interface, method: string | undefined, data: Uint8Array, value = 0n): Promise<CallResult> {
    const head = this.chain.head();
    const vm = await this.chain.vmAt(head.header.height);
    const env = { height: head.header.height + 1n, timestamp: head.header.timestamp + 1n, coinbase: new Uint8Array(20), gasLimit: 30_000_000n, baseFeePerGas: 0n, prevRandao: new Uint8Array(32) };
    const out = await runCall(vm, this.chain.txCommon, env, { from: hexToBytes(devWallet(from).address), to, data, value }, 1_000_000n);
    if (out.error === undefined) return { ok: true, result: method === undefined ? undefined : iface.decodeFunctionResult(method, out.returnData) };
    const parsed = iface.parseError(out.returnData);
    return { ok: false, result: undefined, error: { name: parsed?.name ?? '?', args: parsed === null ? [] : [...parsed.args] } };
  }

  async balance(address: string | Uint8Array): Promise<bigint> {
    const a = new Address(typeof address === 'string' ? hexToBytes(address.toLowerCase()) : address);
    return (await this.chain.readState(this.height()).getAccount(a))?.balance ?? 0n;
  }

  /** Event names of a receipt's logs, decoded with `iface`. */
  static eventNames(executed: ExecutedBlock, index: number, iface: Interface): Array<string | undefined> {
    return (executed.receipts[index]?.logs ?? []).map((l) => iface.parseLog({ topics: l.topics.map((t) => bytesToHex(t)), data: bytesToHex(l.data) })?.name);
  }
}

export { ONE, devWallet };
