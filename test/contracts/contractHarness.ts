/**
 * The harness the contract-library tests share: a dev node with the ten dev wallets, chain time control,
 * snapshots, transactions sent with a local nonce cache (two round trips each), reads, events, a gas report,
 * and `contractSet`: compiling a set of contract directories in one solc run (cached on disk) with deploy,
 * handles, and reverts checked by their exact custom error across every contract of the set. Everything
 * talks to the node through JSON-RPC with ethers v6.
 */
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Contract, ContractFactory, HDNodeWallet, Interface, Wallet, isCallException } from 'ethers';
import type { JsonFragment, JsonRpcProvider, LogDescription, TransactionReceipt } from 'ethers';
import { removeHome, startCmt } from '../utils/node.ts';
import type { CmtProcess } from '../utils/node.ts';
import { BASE_FEE_WEI, CHAIN_ID, ONE_CMT, createEthersProvider, toQuantity } from '../utils/e2e-clients.ts';
import { PROJECT_ROOT, compileSolidity } from '../utils/solc.ts';
import type { ContractArtifact } from '../utils/solc.ts';

export { CHAIN_ID, ONE_CMT };
export const ZERO_ADDRESS = '0x0000000000000000000000000000000000000000';
export const ZERO_HASH = `0x${'00'.repeat(32)}`;
export const HOUR = 3600;
export const DAY = 24 * HOUR;
export const MAX_UINT256 = 2n ** 256n - 1n;

const DEV_MNEMONIC = 'test test test test test test test test test test test junk';

// ---------------------------------------------------------------- the chain

export interface Chain {
  node: CmtProcess;
  provider: JsonRpcProvider;
  /** The ten funded dev accounts, connected to the provider. */
  wallets: Wallet[];
  stop(): Promise<void>;
}

/** Starts an automining dev node and derives the dev wallets. */
export async function startChain(): Promise<Chain> {
  const node = await startCmt(['--block-time', '0']);
  const provider = createEthersProvider(node.url);
  const root = HDNodeWallet.fromPhrase(DEV_MNEMONIC, undefined, "m/44'/60'/0'/0");
  const wallets = Array.from({ length: 10 }, (_, i) => new Wallet(root.deriveChild(i).privateKey, provider));
  return {
    node,
    provider,
    wallets,
    async stop() {
      provider.destroy();
      await node.stop();
      removeHome(node.home);
    },
  };
}

export async function latestTimestamp(chain: Chain): Promise<bigint> {
  const block = await chain.provider.getBlock('latest');
  assert.ok(block);
  return BigInt(block.timestamp);
}

/** The next block (mined by the next transaction or evm_mine) gets exactly `timestamp`. */
export async function setNextTimestamp(chain: Chain, timestamp: bigint | number): Promise<void> {
  await chain.node.rpc('evm_setNextBlockTimestamp', [toQuantity(BigInt(timestamp))]);
}

/** Mines an empty block at exactly `timestamp`; eth_call on "latest" then runs at that time. */
export async function mineAt(chain: Chain, timestamp: bigint | number): Promise<void> {
  await setNextTimestamp(chain, timestamp);
  await chain.node.rpc('evm_mine');
}

/** Mines a block `seconds` after the latest one; later blocks continue from there. */
export async function increaseTime(chain: Chain, seconds: number | bigint): Promise<void> {
  await mineAt(chain, (await latestTimestamp(chain)) + BigInt(seconds));
}

export async function snapshot(chain: Chain): Promise<string> {
  return chain.node.rpc<string>('evm_snapshot');
}

export async function revertTo(chain: Chain, id: string): Promise<void> {
  assert.equal(await chain.node.rpc('evm_revert', [id]), true);
  nonces.clear(); // the reverted blocks took their nonces with them
}

export async function blockTime(chain: Chain, receipt: TransactionReceipt): Promise<bigint> {
  const block = await chain.provider.getBlock(receipt.blockNumber);
  assert.ok(block);
  return BigInt(block.timestamp);
}

// ---------------------------------------------------------------- transactions

/** Next nonce per sender, kept here so that a transaction costs two round trips (send, receipt). */
const nonces = new Map<string, number>();

/**
 * Signs and sends a type-2 transaction from `from` and returns its receipt (status not checked). Gas fields are
 * fixed (the node's base fee is constant, the limit is far above any call here but below Osaka's per-tx cap),
 * so ethers asks the node for neither fee data nor an estimate.
 */
export async function sendRaw(from: Wallet, tx: { to: string | null; data: string; value: bigint }): Promise<TransactionReceipt> {
  const provider = from.provider as JsonRpcProvider;
  const nonce = nonces.get(from.address) ?? (await provider.getTransactionCount(from.address, 'pending'));
  const signed = await from.signTransaction({
    ...tx, nonce, chainId: CHAIN_ID, type: 2, gasLimit: 16_000_000n, maxFeePerGas: 2n * BASE_FEE_WEI, maxPriorityFeePerGas: 0n,
  });
  let hash: string;
  try {
    hash = await provider.send('eth_sendRawTransaction', [signed]);
  } catch (e) {
    nonces.delete(from.address);
    throw e;
  }
  nonces.set(from.address, nonce + 1);
  const receipt = (await provider.getTransactionReceipt(hash)) ?? (await provider.waitForTransaction(hash, 1, 30_000));
  assert.ok(receipt, `no receipt for ${hash}`);
  return receipt;
}

/** Total CMT `receipt`'s sender paid for gas. */
export function gasCost(receipt: TransactionReceipt): bigint {
  return receipt.gasUsed * receipt.gasPrice;
}

/** Reads `fn(...args)`. */
export async function read<T = unknown>(c: Contract, fn: string, args: unknown[] = []): Promise<T> {
  return (await c.getFunction(fn)(...args)) as T;
}

/** Reads a function returning one struct, as a plain object. */
export async function readStruct<T>(c: Contract, fn: string, args: unknown[] = []): Promise<T> {
  const r = (await c.getFunction(fn)(...args)) as { toObject(deep?: boolean): Record<string, unknown> };
  return r.toObject(true) as T;
}

/** The events named `name` that `c` emitted in `receipt`, in order. */
export function eventsOf(receipt: TransactionReceipt, c: Contract, name: string): LogDescription[] {
  const address = (c.target as string).toLowerCase();
  const out: LogDescription[] = [];
  for (const log of receipt.logs) {
    if (log.address.toLowerCase() !== address) continue;
    const parsed = c.interface.parseLog(log);
    if (parsed?.name === name) out.push(parsed);
  }
  return out;
}

/** Every event `c` emitted in `receipt`, in order. */
export function allEventsOf(receipt: TransactionReceipt, c: Contract): LogDescription[] {
  const address = (c.target as string).toLowerCase();
  const out: LogDescription[] = [];
  for (const log of receipt.logs) {
    if (log.address.toLowerCase() !== address) continue;
    const parsed = c.interface.parseLog(log);
    if (parsed) out.push(parsed);
  }
  return out;
}

/** fast-check runs for a property: `fallback` unless FC_RUNS overrides it. */
export function fcRuns(fallback: number): number {
  return Number(process.env['FC_RUNS'] ?? fallback);
}

/** fast-check seed: FC_SEED when set, else `fallback` (fixed, so CI runs are reproducible). */
export function fcSeed(fallback: number): number {
  return Number(process.env['FC_SEED'] ?? fallback);
}

/** Asserts that `c` emitted exactly one `name` event in `receipt` with exactly `args`; returns it. */
export function expectEvent(receipt: TransactionReceipt, c: Contract, name: string, args: unknown[]): LogDescription {
  const found = eventsOf(receipt, c, name);
  assert.equal(found.length, 1, `one ${name} event`);
  const ev = found[0]!;
  assert.deepEqual(toPlain([...ev.args]), toPlain(args), `${name} arguments`);
  return ev;
}

/** Asserts that `c` emitted no `name` event in `receipt`. */
export function expectNoEvent(receipt: TransactionReceipt, c: Contract, name: string): void {
  assert.equal(eventsOf(receipt, c, name).length, 0, `no ${name} event`);
}

/** ethers Results (structs in events) to plain arrays, so deepEqual compares values. */
export function toPlain(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(toPlain);
  if (v !== null && typeof v === 'object' && 'toArray' in v && typeof (v as { toArray: unknown }).toArray === 'function') {
    return (v as { toArray(): unknown[] }).toArray().map(toPlain);
  }
  return v;
}

// ---------------------------------------------------------------- gas report

/**
 * Collects gasUsed per labelled operation. When GAS_REPORT names a directory, `write(name)` stores the table as
 * `<dir>/<name>.md`; otherwise nothing is written or printed.
 */
export function createGasReport(): { record(label: string, gas: bigint | TransactionReceipt): void; write(name: string): void } {
  const rows = new Map<string, bigint>();
  return {
    record(label, gas) {
      if (!rows.has(label)) rows.set(label, typeof gas === 'bigint' ? gas : gas.gasUsed);
    },
    write(name) {
      const dir = process.env['GAS_REPORT'];
      if (!dir) return;
      const lines = ['| Operation | Gas used |', '|---|---:|', ...[...rows].map(([k, v]) => `| ${k} | ${v.toLocaleString('en-US')} |`)];
      writeFileSync(join(dir, `${name}.md`), `${lines.join('\n')}\n`);
    },
  };
}

// ---------------------------------------------------------------- a set of contracts

export interface ContractSet<N extends string> {
  /** Compiles the set's directories in one solc run (cached on disk); every name must be in the output. */
  loadArtifacts(): Record<N, ContractArtifact>;
  /** One interface holding every custom error of every contract of the set, to decode any revert. */
  allErrors(): Interface;
  errorSelector(name: string): string;
  errorData(name: string, args?: unknown[]): string;
  decodeRevert(e: unknown): { name: string; args: unknown[] };
  deploy(name: N, signer: Wallet, args?: unknown[]): Promise<{ contract: Contract; receipt: TransactionReceipt }>;
  at(name: N, address: string, signer: Wallet): Contract;
  /** Sends `fn(...args)` and returns the successful receipt; a revert fails with its decoded custom error. */
  send(c: Contract, from: Wallet, fn: string, args?: unknown[], value?: bigint): Promise<TransactionReceipt>;
  /** Sends `fn(...args)` and asserts the mined transaction failed (status 0). */
  sendFailing(c: Contract, from: Wallet, fn: string, args?: unknown[], value?: bigint): Promise<TransactionReceipt>;
  /** Asserts `fn(...args)` reverts (eth_call on the latest block) with `error`, and these arguments when given. */
  expectRevert(c: Contract, from: Wallet, fn: string, args: unknown[], error: string, errorArgs?: unknown[], value?: bigint): Promise<void>;
  expectDeployRevert(name: N, signer: Wallet, args: unknown[], error: string, errorArgs?: unknown[]): Promise<void>;
}

/** `sourceDirs`: directories (every .sol file in them) or single .sol files, relative to the project root. */
export function contractSet<N extends string>(sourceDirs: readonly string[], names: readonly N[]): ContractSet<N> {
  let artifacts: Record<N, ContractArtifact> | undefined;
  let errorsInterface: Interface | undefined;
  const loadArtifacts = (): Record<N, ContractArtifact> => {
    if (artifacts) return artifacts;
    const sources: Record<string, string> = {};
    for (const entry of sourceDirs) {
      // a directory's .sol files, or one .sol file
      const files = entry.endsWith('.sol') ? [entry] : readdirSync(join(PROJECT_ROOT, entry)).filter((x) => x.endsWith('.sol')).sort().map((f) => `${entry}/${f}`);
      for (const f of files) sources[f] = readFileSync(join(PROJECT_ROOT, f), 'utf8');
    }
    const compiled = compileSolidity(sources);
    const out = {} as Record<N, ContractArtifact>;
    for (const name of names) {
      const a = compiled[name];
      if (!a) throw new Error(`contract ${name} missing from the compiler output`);
      out[name] = a;
    }
    artifacts = out;
    return artifacts;
  };
  const allErrors = (): Interface => {
    if (errorsInterface) return errorsInterface;
    const bySignature = new Map<string, JsonFragment>();
    for (const a of Object.values(loadArtifacts()) as ContractArtifact[]) {
      for (const f of a.abi) {
        if (f.type !== 'error') continue;
        bySignature.set(`${f.name}(${(f.inputs ?? []).map((i) => i.type).join(',')})`, f);
      }
    }
    errorsInterface = new Interface([...bySignature.values()]);
    return errorsInterface;
  };
  const decodeRevert = (e: unknown): { name: string; args: unknown[] } => {
    assert.ok(isCallException(e), `expected a call exception, got ${String(e)}`);
    assert.ok(e.data, `no revert data in ${e.message}`);
    const parsed = allErrors().parseError(e.data);
    assert.ok(parsed, `unknown revert data ${e.data}`);
    return { name: parsed.name, args: [...parsed.args] };
  };
  return {
    loadArtifacts,
    allErrors,
    errorSelector(name) {
      const e = allErrors().getError(name);
      assert.ok(e, `unknown error ${name}`);
      return e.selector;
    },
    errorData: (name, args = []) => allErrors().encodeErrorResult(name, args),
    decodeRevert,
    async deploy(name, signer, args = []) {
      const { abi, bytecode } = loadArtifacts()[name];
      const { data } = await new ContractFactory(abi, bytecode).getDeployTransaction(...args);
      const receipt = await sendRaw(signer, { to: null, data, value: 0n });
      assert.ok(receipt.status === 1 && receipt.contractAddress, `deploy ${name}`);
      return { contract: new Contract(receipt.contractAddress, abi, signer), receipt };
    },
    at: (name, address, signer) => new Contract(address, loadArtifacts()[name].abi, signer),
    async send(c, from, fn, args = [], value = 0n) {
      const data = c.interface.encodeFunctionData(fn, args);
      const receipt = await sendRaw(from, { to: c.target as string, data, value });
      if (receipt.status !== 1) {
        const method = (c.connect(from) as Contract).getFunction(fn);
        const why = await method.staticCall(...args, { value }).then(() => 'no revert in a replay', (e: unknown) => {
          try {
            const d = decodeRevert(e);
            return `${d.name}(${d.args.join(', ')})`;
          } catch {
            return String(e);
          }
        });
        assert.fail(`${fn} failed: ${why}`);
      }
      return receipt;
    },
    async sendFailing(c, from, fn, args = [], value = 0n) {
      const data = c.interface.encodeFunctionData(fn, args);
      const receipt = await sendRaw(from, { to: c.target as string, data, value });
      assert.equal(receipt.status, 0, `${fn} was expected to fail`);
      return receipt;
    },
    async expectRevert(c, from, fn, args, error, errorArgs, value = 0n) {
      await assert.rejects((c.connect(from) as Contract).getFunction(fn).staticCall(...args, { value }), (e: unknown) => {
        const decoded = decodeRevert(e);
        assert.equal(decoded.name, error, `${fn} reverted with ${decoded.name}(${decoded.args.join(', ')})`);
        if (errorArgs) assert.deepEqual(decoded.args, errorArgs, `${fn}: arguments of ${error}`);
        return true;
      });
    },
    async expectDeployRevert(name, signer, args, error, errorArgs) {
      const { abi, bytecode } = loadArtifacts()[name];
      await assert.rejects(new ContractFactory(abi, bytecode, signer).deploy(...args), (e: unknown) => {
        const d = decodeRevert(e);
        assert.equal(d.name, error);
        if (errorArgs) assert.deepEqual(d.args, errorArgs);
        return true;
      });
    },
  };
}

