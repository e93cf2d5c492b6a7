/**
 * The two workloads (ETH transfer, ERC-20 transfer of TestToken): untimed setup (fund fresh senders from dev
 * account 0, deploy the token) and untimed pre-signing of legacy EIP-155 transactions.
 */
import { randomBytes } from 'node:crypto';
import { HDNodeWallet, Interface, Transaction, getCreateAddress, hexlify } from 'ethers';
import type { SigningKey } from 'ethers';
import { loadTestToken } from '../../test/utils/contracts.ts';
import { DEV_MNEMONIC, sleep } from './peers.ts';
import { batchedCalls } from './rpc.ts';
import type { RpcClient } from './rpc.ts';

export const WORKLOADS = ['eth', 'erc20'] as const;
export type WorkloadName = (typeof WORKLOADS)[number];

export const GAS_LIMIT: Record<WorkloadName, bigint> = { eth: 21_000n, erc20: 100_000n };
const MIN_GAS_PRICE_WEI = 2_000_000_000n;
const DEPLOY_GAS_LIMIT = 3_000_000n;
const ETH_VALUE_WEI = 1_000_000_000n;
export const TOKEN_UNIT = 10n ** 18n;
const TOKEN_SUPPLY = 10n ** 9n * TOKEN_UNIT;
/** Index of the first sender in the dev mnemonic; 0..9 are the nodes' funded dev accounts. */
const FIRST_SENDER_INDEX = 100;

export interface Account {
  address: string;
  key: SigningKey;
}

export interface SignedTx {
  hash: string;
  raw: string;
  sender: number;
  nonce: number;
}

export interface ChainParams {
  chainId: bigint;
  gasPriceWei: bigint;
}

const erc20 = new Interface(['function transfer(address to, uint256 amount) returns (bool)']);

let accounts: Account[] = [];
let funderAccount: Account | undefined;

/** Dev account 0 pays for the setup. */
export function funder(): Account {
  funderAccount ??= toAccount(HDNodeWallet.fromPhrase(DEV_MNEMONIC, undefined, "m/44'/60'/0'/0/0"));
  return funderAccount;
}

/** Senders are the mnemonic's accounts 100, 101, ...; derived once per process. */
export function senderAccounts(count: number): Account[] {
  if (accounts.length < count) {
    const parent = HDNodeWallet.fromPhrase(DEV_MNEMONIC, undefined, "m/44'/60'/0'/0");
    for (let i = accounts.length; i < count; i++) accounts.push(toAccount(parent.deriveChild(FIRST_SENDER_INDEX + i)));
  }
  return accounts.slice(0, count);
}

function toAccount(w: HDNodeWallet): Account {
  return { address: w.address, key: w.signingKey };
}

interface TxFields {
  nonce: number;
  to: string | null;
  gasLimit: bigint;
  value?: bigint;
  data?: string;
}

/** Signs synchronously with the key: much cheaper than Wallet.signTransaction, which resolves fields first. */
function signLegacy(key: SigningKey, chain: ChainParams, f: TxFields): { hash: string; raw: string } {
  const tx = Transaction.from({
    type: 0,
    chainId: chain.chainId,
    gasPrice: chain.gasPriceWei,
    nonce: f.nonce,
    to: f.to,
    gasLimit: f.gasLimit,
    value: f.value ?? 0n,
    data: f.data ?? '0x',
  });
  tx.signature = key.sign(tx.unsignedHash);
  return { hash: tx.hash as string, raw: tx.serialized };
}

export async function chainParams(rpc: RpcClient): Promise<ChainParams> {
  const chainId = BigInt(await rpc.call<string>('eth_chainId'));
  const nodePrice = BigInt(await rpc.call<string>('eth_gasPrice'));
  return { chainId, gasPriceWei: nodePrice > MIN_GAS_PRICE_WEI ? nodePrice : MIN_GAS_PRICE_WEI };
}

/**
 * Funds `senders` with ETH (and, for erc20, deploys TestToken and gives them tokens), waiting for every
 * receipt. Returns the token address for erc20.
 */
export async function setupWorkload(
  rpc: RpcClient,
  workload: WorkloadName,
  chain: ChainParams,
  senders: Account[],
  txsPerSender: number,
  timeoutMs: number,
): Promise<string | undefined> {
  const from = funder();
  let nonce = Number(BigInt(await rpc.call<string>('eth_getTransactionCount', [from.address, 'pending'])));
  const signed: { hash: string; raw: string }[] = [];
  let token: string | undefined;
  if (workload === 'erc20') {
    const artifact = loadTestToken();
    const args = new Interface(artifact.abi).encodeDeploy([TOKEN_SUPPLY]);
    token = getCreateAddress({ from: from.address, nonce });
    signed.push(signLegacy(from.key, chain, { nonce: nonce++, to: null, gasLimit: DEPLOY_GAS_LIMIT, data: artifact.bytecode + args.slice(2) }));
  }
  const k = BigInt(txsPerSender);
  const ethEach = k * (GAS_LIMIT[workload] * chain.gasPriceWei + ETH_VALUE_WEI) * 2n + 10n ** 16n;
  for (const s of senders) signed.push(signLegacy(from.key, chain, { nonce: nonce++, to: s.address, gasLimit: 21_000n, value: ethEach }));
  if (token) {
    for (const s of senders) {
      const data = erc20.encodeFunctionData('transfer', [s.address, k * TOKEN_UNIT]);
      signed.push(signLegacy(from.key, chain, { nonce: nonce++, to: token, gasLimit: GAS_LIMIT.erc20, data }));
    }
  }
  for (const tx of signed) await rpc.call('eth_sendRawTransaction', [tx.raw]);
  await waitForReceipts(rpc, signed.map((t) => t.hash), Date.now() + timeoutMs);
  return token;
}

async function waitForReceipts(rpc: RpcClient, hashes: string[], deadline: number): Promise<void> {
  let waiting = hashes;
  while (waiting.length > 0) {
    if (Date.now() > deadline) throw new Error(`setup: ${waiting.length} of ${hashes.length} receipts missing at the deadline`);
    await sleep(200);
    const receipts = await batchedCalls(rpc, waiting.map((h) => ({ method: 'eth_getTransactionReceipt', params: [h] })));
    const next: string[] = [];
    receipts.forEach((r, i) => {
      const receipt = r.result as { status?: string } | null | undefined;
      if (!receipt) next.push(waiting[i] as string);
      else if (receipt.status !== '0x1') throw new Error(`setup transaction ${waiting[i]} failed (status ${receipt.status})`);
    });
    waiting = next;
  }
}

/**
 * Signs `count` transactions: tx i is sent by sender i mod S with that sender's next nonce, to a random new
 * address (1 gwei, or 1 token for erc20).
 */
export async function presign(
  rpc: RpcClient,
  workload: WorkloadName,
  chain: ChainParams,
  senders: Account[],
  count: number,
  token: string | undefined,
): Promise<SignedTx[]> {
  const calls = senders.map((s) => ({ method: 'eth_getTransactionCount', params: [s.address, 'pending'] }));
  const nonces = (await batchedCalls(rpc, calls)).map((r) => {
    if (typeof r.result !== 'string') throw new Error(`eth_getTransactionCount: ${r.error?.message ?? 'no result'}`);
    return Number(BigInt(r.result));
  });
  const txs: SignedTx[] = [];
  for (let i = 0; i < count; i++) {
    const sender = i % senders.length;
    const nonce = (nonces[sender] as number) + Math.floor(i / senders.length);
    const recipient = hexlify(randomBytes(20));
    const fields: TxFields =
      workload === 'eth'
        ? { nonce, to: recipient, gasLimit: GAS_LIMIT.eth, value: ETH_VALUE_WEI }
        : { nonce, to: token ?? null, gasLimit: GAS_LIMIT.erc20, data: erc20.encodeFunctionData('transfer', [recipient, TOKEN_UNIT]) };
    const { hash, raw } = signLegacy((senders[sender] as Account).key, chain, fields);
    txs.push({ hash: hash.toLowerCase(), raw, sender, nonce });
  }
  return txs;
}
