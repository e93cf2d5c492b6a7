/**
 * The fixed chain the JSON-RPC conformance fixtures (test/fixtures/rpc) are written against.
 *
 * A fresh home is made with `cmt init --dev`, its genesis_time is pinned, and the node runs with
 * `--block-time 0` (automine). A fixed script of transactions signed locally with ethers from the dev
 * mnemonic's keys is then sent with `eth_sendRawTransaction`, each block's timestamp pinned with
 * `evm_setNextBlockTimestamp` / `evm_mine`. Signatures are deterministic (RFC 6979), so every transaction,
 * its hash, the contract address, balances, nonces, storage, logs, gas and state are the same on every run.
 * What is NOT reproducible: the validator key (random per home), hence the genesis and block hashes, the
 * `proposer`, and `mixHash` (derived from the parent hash and the commit, whose signatures carry wall-clock
 * timestamps). Fixtures refer to those through placeholders (see conformance.ts).
 *
 *   block  timestamp    transactions
 *   0      0x6955b900   genesis: 10 dev accounts with 1,000,000 CMT each
 *   1      0x6955b910   tx0  dev0 nonce 0, legacy (EIP-155), deploys the Store contract → CONTRACT (slot 0 = 0x2a)
 *   2      0x6955b920   tx1  dev1 nonce 0, EIP-1559, 1 CMT to RECIPIENT
 *   3      0x6955b930   tx2  dev0 nonce 1, EIP-1559, CONTRACT.store(7): slot 0 = 7, emits Stored(dev0, 7)
 *   4      0x6955b940   tx3  dev2 nonce 0, EIP-2930 with an access list, CONTRACT.fail(): reverts (status 0)
 *   5      0x6955b950   tx4  dev0 nonce 2, EIP-1559, CONTRACT.store(8), log index 0
 *                       tx5  dev1 nonce 1, legacy, CONTRACT.store(9), log index 1 (two transactions, one block)
 *   6      0x6955b960   (empty block, evm_mine)
 *
 * The Store contract is hand-assembled below so its bytes never change with a compiler version:
 *   calldata[0] == 0x01        revert with Error(string) "user error" (the data execution-apis' fixtures use)
 *   calldata[0] == 0x02        slot 0 = calldata[1..33]; emit LOG2(topics [STORED_TOPIC, caller], data = value)
 *   anything else (or empty)   return slot 0 as one 32-byte word
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { HDNodeWallet, Mnemonic, Transaction, getCreateAddress, id as keccakUtf8, keccak256 } from 'ethers';
import type { TransactionLike } from 'ethers';
import { removeHome, startCmt, tempHome } from './node.ts';
import type { CmtProcess } from './node.ts';

const BIN = resolve(import.meta.dirname, '../../bin/cmt.js');
const MNEMONIC = 'test test test test test test test test test test test junk';

export const CHAIN_ID = 1234n;
export const GENESIS_TIME = '2026-01-01T00:00:00.000Z';
export const GENESIS_TIMESTAMP = 0x6955b900n;
/** Block n (1..6) gets timestamp GENESIS_TIMESTAMP + n * BLOCK_INTERVAL. */
export const BLOCK_INTERVAL = 0x10n;
export const RECIPIENT = '0x000000000000000000000000000000000000c0de';
export const STORED_TOPIC = keccakUtf8('Stored(address,uint256)');
const GWEI = 1_000_000_000n;

// ---------------------------------------------------------------------------------------------------
// A tiny assembler: opcode names, `PUSHn 0x..` (or PUSHn "ascii"), `:label` (emits JUMPDEST), `@label`
// as the operand of a PUSH1 (resolved after the pass).
const OPCODES: Record<string, number> = {
  STOP: 0x00, EQ: 0x14, SHL: 0x1b, SHR: 0x1c, CALLER: 0x33, CALLDATALOAD: 0x35, CODECOPY: 0x39,
  MSTORE: 0x52, SLOAD: 0x54, SSTORE: 0x55, JUMPI: 0x57, JUMPDEST: 0x5b, DUP1: 0x80, LOG2: 0xa2,
  RETURN: 0xf3, REVERT: 0xfd,
};

export function assemble(source: string): string {
  const tokens = source.match(/"[^"]*"|\S+/g) ?? [];
  const out: number[] = [];
  const labels = new Map<string, number>();
  const fixups: Array<{ at: number; label: string }> = [];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i] as string;
    if (t.startsWith(':')) {
      labels.set(t.slice(1), out.length);
      out.push(OPCODES.JUMPDEST as number);
    } else if (/^PUSH\d+$/.test(t)) {
      const n = Number(t.slice(4));
      const arg = tokens[++i] as string;
      out.push(0x5f + n);
      if (arg.startsWith('@')) {
        if (n !== 1) throw new Error('labels are PUSH1 operands');
        fixups.push({ at: out.length, label: arg.slice(1) });
        out.push(0);
        continue;
      }
      const hex = arg.startsWith('"') ? Buffer.from(arg.slice(1, -1), 'ascii').toString('hex') : arg.slice(2);
      if (hex.length !== n * 2) throw new Error(`${t} ${arg}: operand must be ${n} bytes`);
      for (let j = 0; j < n; j++) out.push(parseInt(hex.slice(j * 2, j * 2 + 2), 16));
    } else {
      const op = OPCODES[t];
      if (op === undefined) throw new Error(`unknown opcode ${t}`);
      out.push(op);
    }
  }
  for (const f of fixups) {
    const at = labels.get(f.label);
    if (at === undefined || at > 0xff) throw new Error(`bad label ${f.label}`);
    out[f.at] = at;
  }
  return `0x${Buffer.from(out).toString('hex')}`;
}

export const STORE_RUNTIME = assemble(`
  PUSH1 0x00 CALLDATALOAD PUSH1 0xf8 SHR
  DUP1 PUSH1 0x01 EQ PUSH1 @fail JUMPI
  PUSH1 0x02 EQ PUSH1 @store JUMPI
  PUSH1 0x00 SLOAD PUSH1 0x00 MSTORE PUSH1 0x20 PUSH1 0x00 RETURN
  :fail
  PUSH4 0x08c379a0 PUSH1 0xe0 SHL PUSH1 0x00 MSTORE
  PUSH1 0x20 PUSH1 0x04 MSTORE
  PUSH1 0x0a PUSH1 0x24 MSTORE
  PUSH10 "user error" PUSH1 0xb0 SHL PUSH1 0x44 MSTORE
  PUSH1 0x64 PUSH1 0x00 REVERT
  :store
  PUSH1 0x01 CALLDATALOAD DUP1 PUSH1 0x00 SSTORE
  PUSH1 0x00 MSTORE
  CALLER PUSH32 ${STORED_TOPIC} PUSH1 0x20 PUSH1 0x00 LOG2
  STOP
`);

const runtimeLength = (STORE_RUNTIME.length - 2) / 2;
/** Constructor: slot 0 = 0x2a, then return the runtime that follows the 17-byte prefix. */
export const STORE_INITCODE =
  assemble(`
  PUSH1 0x2a PUSH1 0x00 SSTORE
  PUSH1 0x${runtimeLength.toString(16).padStart(2, '0')} PUSH1 0x11 PUSH1 0x00 CODECOPY
  PUSH1 0x${runtimeLength.toString(16).padStart(2, '0')} PUSH1 0x00 RETURN
`) + STORE_RUNTIME.slice(2);

/** The revert data of the fail() path: Error(string) "user error". */
export const USER_ERROR_DATA =
  '0x08c379a0' +
  '0000000000000000000000000000000000000000000000000000000000000020' +
  '000000000000000000000000000000000000000000000000000000000000000a' +
  Buffer.from('user error', 'ascii').toString('hex').padEnd(64, '0');

export const storeCall = (value: bigint): string => `0x02${value.toString(16).padStart(64, '0')}`;

// ---------------------------------------------------------------------------------------------------

export function devWallet(index: number): HDNodeWallet {
  return HDNodeWallet.fromMnemonic(Mnemonic.fromPhrase(MNEMONIC), `m/44'/60'/0'/0/${index}`);
}

export interface ScriptTx {
  from: number;
  tx: TransactionLike<string>;
}

export const CONTRACT = getCreateAddress({ from: devWallet(0).address, nonce: 0 }).toLowerCase();

/** The script's transactions in order (tx0..tx5); tx4 and tx5 share block 5. */
export const SCRIPT: ScriptTx[] = [
  { from: 0, tx: { type: 0, nonce: 0, gasPrice: 2n * GWEI, gasLimit: 200_000n, data: STORE_INITCODE, value: 0n } },
  { from: 1, tx: { type: 2, nonce: 0, maxFeePerGas: 3n * GWEI, maxPriorityFeePerGas: 1n * GWEI, gasLimit: 21_000n, to: RECIPIENT, value: 10n ** 18n } },
  { from: 0, tx: { type: 2, nonce: 1, maxFeePerGas: 3n * GWEI, maxPriorityFeePerGas: 1n * GWEI, gasLimit: 100_000n, to: CONTRACT, data: storeCall(7n) } },
  {
    from: 2,
    tx: { type: 1, nonce: 0, gasPrice: 2n * GWEI, gasLimit: 60_000n, to: CONTRACT, data: '0x01', accessList: [{ address: CONTRACT, storageKeys: [`0x${'00'.repeat(32)}`] }] },
  },
  { from: 0, tx: { type: 2, nonce: 2, maxFeePerGas: 3n * GWEI, maxPriorityFeePerGas: 1n * GWEI, gasLimit: 100_000n, to: CONTRACT, data: storeCall(8n) } },
  { from: 1, tx: { type: 0, nonce: 1, gasPrice: 2n * GWEI, gasLimit: 100_000n, to: CONTRACT, data: storeCall(9n) } },
];

export async function signScriptTx(s: ScriptTx): Promise<string> {
  return devWallet(s.from).signTransaction(Transaction.from({ chainId: CHAIN_ID, ...s.tx }));
}

export const blockTimestamp = (n: number): bigint => GENESIS_TIMESTAMP + BigInt(n) * BLOCK_INTERVAL;

/** What fixtures' placeholders resolve to (see conformance.ts). */
export interface ChainFacts {
  node: CmtProcess;
  head: number;
  blockHashes: string[];
  txHashes: string[];
  rawTxs: string[];
  contract: string;
  proposer: string;
  /** Named addresses ($DEV(n) is dev account n). */
  devAddresses: string[];
}

async function rpc<T>(node: CmtProcess, method: string, params: unknown[] = []): Promise<T> {
  return node.rpc<T>(method, params);
}

/** Creates the home, starts the node, runs the script. The caller stops the node (facts.node.stop()). */
export async function buildConformanceChain(): Promise<ChainFacts> {
  const home = tempHome('cmt-conformance-');
  execFileSync(process.execPath, [BIN, 'init', '--dev', '--home', home], { stdio: 'pipe', env: { ...process.env, CMT_HOME: '' } });
  const genesisPath = join(home, 'config', 'genesis.json');
  const genesis = JSON.parse(readFileSync(genesisPath, 'utf8')) as { genesis_time: string; validators: Array<{ address: string }>; app_state: { stake?: unknown } };
  genesis.genesis_time = GENESIS_TIME;
  // a plain EVM chain, as the execution-apis fixtures assume: staking (its genesis state, rewards minted
  // every block, fees moved out of the fee pool) has its own tests (test/unit/staking, test/e2e/staking-*)
  delete genesis.app_state.stake;
  writeFileSync(genesisPath, `${JSON.stringify(genesis, null, 2)}\n`);
  let node: CmtProcess;
  try {
    node = await startCmt(['--block-time', '0', '--silent'], { home });
  } catch (err) {
    removeHome(home);
    throw err;
  }
  try {
    const rawTxs = await Promise.all(SCRIPT.map(signScriptTx));
    const txHashes = rawTxs.map((raw) => keccak256(raw));
    const send = async (i: number): Promise<void> => {
      const hash = await rpc<string>(node, 'eth_sendRawTransaction', [rawTxs[i]]);
      if (hash !== txHashes[i]) throw new Error(`tx${i}: node answered hash ${hash}, expected ${txHashes[i]}`);
    };
    for (let n = 1; n <= 4; n++) {
      await rpc(node, 'evm_setNextBlockTimestamp', [`0x${blockTimestamp(n).toString(16)}`]);
      await send(n - 1);
    }
    await rpc(node, 'evm_setAutomine', [false]);
    await send(4);
    await send(5);
    await rpc(node, 'evm_mine', [`0x${blockTimestamp(5).toString(16)}`]);
    await rpc(node, 'evm_setAutomine', [true]);
    await rpc(node, 'evm_mine', [`0x${blockTimestamp(6).toString(16)}`]);

    const head = Number(BigInt(await rpc<string>(node, 'eth_blockNumber')));
    if (head !== 6) throw new Error(`the conformance chain should end at block 6, the node is at ${head}`);
    const blockHashes: string[] = [];
    const layout: number[][] = [[], [0], [1], [2], [3], [4, 5], []];
    for (let n = 0; n <= head; n++) {
      const b = await rpc<{ hash: string; timestamp: string; transactions: string[] }>(node, 'eth_getBlockByNumber', [`0x${n.toString(16)}`, false]);
      const wantTime = n === 0 ? GENESIS_TIMESTAMP : blockTimestamp(n);
      if (BigInt(b.timestamp) !== wantTime) throw new Error(`block ${n}: timestamp ${b.timestamp}, expected 0x${wantTime.toString(16)}`);
      const want = (layout[n] as number[]).map((i) => txHashes[i]);
      if (JSON.stringify(b.transactions) !== JSON.stringify(want)) {
        throw new Error(`block ${n}: transactions ${JSON.stringify(b.transactions)}, expected ${JSON.stringify(want)}`);
      }
      blockHashes.push(b.hash);
    }
    const proposer = (genesis.validators[0]?.address ?? '').toLowerCase();
    return {
      node,
      head,
      blockHashes,
      txHashes,
      rawTxs,
      contract: CONTRACT,
      proposer,
      devAddresses: Array.from({ length: 10 }, (_, i) => devWallet(i).address.toLowerCase()),
    };
  } catch (err) {
    await node.stop();
    removeHome(home);
    throw err;
  }
}
