/**
 * eth_sendTransaction's signing (signDevTransaction: @ethereumjs builds, the native secp256k1 signs) against ethers'
 * Wallet, which signed before: both use RFC 6979, so over random filled transactions of every kind (legacy,
 * EIP-2930 with access lists, EIP-1559; calls, transfers and creations; any nonce, gas, value and data) the raw
 * bytes must be the same, and the sender recovered from them must be the account. Seeded: SEED=<n> replays.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Transaction, Wallet } from 'ethers';
import type { TransactionRequest } from 'ethers';
import { createChainCommon, createTxCommon } from '../../../src/evm/index.ts';
import { bytesToHex, hexToBytes, isChainError } from '../../../src/primitives/index.ts';
import type { Hex } from '../../../src/primitives/index.ts';
import type { RpcBackend } from '../../../src/rpc/index.ts';
import { toRpcError } from '../../../src/rpc/errors.ts';
import { parseCallRequest } from '../../../src/rpc/params.ts';
import { signDevTransaction } from '../../../src/rpc/namespaces/ethSend.ts';
import type { FilledTransaction } from '../../../src/rpc/namespaces/ethSend.ts';
import { pick, randomBytes } from '../../utils/evmPrograms.ts';
import { seededRandom } from '../../utils/random.ts';

const SEEDS = process.env.SEED === undefined ? [21, 22] : [Number(process.env.SEED)];
const CHAIN_ID = 1234n;
const txCommon = createTxCommon(createChainCommon(CHAIN_ID, 'osaka'));

test('dev-account transactions are signed to the same bytes as ethers\' Wallet signs them', async () => {
  for (const seed of SEEDS) {
    const rand = seededRandom(seed);
    for (let i = 0; i < 150; i++) {
      const key = hexToBytes(`0x${(1 + Math.floor(rand() * 0x7e)).toString(16).padStart(2, '0')}${randomBytes(rand, 31)}`); // below the curve order
      const wallet = new Wallet(bytesToHex(key));
      const from = wallet.address.toLowerCase() as Hex;
      const backend = { chainId: CHAIN_ID, txCommon, signingKey: (a: string) => (a.toLowerCase() === from ? key : undefined) } as unknown as RpcBackend;
      const kind = pick(rand, [0, 1, 2]);
      const to = rand() < 0.15 ? undefined : `0x${randomBytes(rand, 20)}`;
      const accessList = kind === 0 || rand() < 0.3 ? undefined : [{ address: `0x${randomBytes(rand, 20)}`, storageKeys: rand() < 0.5 ? [] : [`0x${randomBytes(rand, 32)}`] }];
      const o: Record<string, unknown> = {
        ...(to === undefined ? {} : { to }),
        value: `0x${BigInt(Math.floor(rand() * 2 ** 40)).toString(16)}`,
        data: `0x${randomBytes(rand, Math.floor(rand() * 80))}`,
        ...(accessList === undefined ? {} : { accessList }),
      };
      const req = parseCallRequest(o);
      const nonce = BigInt(Math.floor(rand() * 2 ** 32));
      const gas = 21_000n + BigInt(Math.floor(rand() * 5_000_000));
      const price = BigInt(Math.floor(rand() * 2 ** 45));
      const tip = BigInt(Math.floor(rand() * 2 ** 30));
      const fees: FilledTransaction['fees'] = kind === 2 ? { type: 2, maxPriorityFeePerGas: tip, maxFeePerGas: price + tip } : { type: accessList === undefined ? 0 : 1, gasPrice: price };
      const filled: FilledTransaction = { req, nonce, gas, fees };
      const ours = signDevTransaction(backend, from, filled);
      const request: TransactionRequest = {
        ...fees,
        chainId: CHAIN_ID,
        nonce: Number(nonce),
        gasLimit: gas,
        value: req.value ?? 0n,
        data: req.data === undefined ? '0x' : bytesToHex(req.data),
        ...(to === undefined ? {} : { to }),
        ...(accessList === undefined ? {} : { accessList }),
      };
      const theirs = await wallet.signTransaction(request);
      assert.equal(bytesToHex(ours), theirs, `seed ${seed}, transaction ${i}: ${JSON.stringify(request, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))}`);
      assert.equal(Transaction.from(bytesToHex(ours)).from?.toLowerCase(), from, 'the sender recovered is the account');
    }
  }
});

test('an account the node does not hold is refused', () => {
  const backend = { chainId: CHAIN_ID, txCommon, signingKey: () => undefined } as unknown as RpcBackend;
  const filled: FilledTransaction = { req: parseCallRequest({ to: bytesToHex(new Uint8Array(20)) }), nonce: 0n, gas: 21_000n, fees: { type: 2, maxPriorityFeePerGas: 0n, maxFeePerGas: 1n } };
  assert.throws(() => signDevTransaction(backend, '0x00000000000000000000000000000000000000aa', filled), /not one of the node's unlocked accounts/);
});

test('a field no transaction can have is an invalid transaction (-32000 with the reason), not an internal error', () => {
  const key = hexToBytes(`0x${'11'.repeat(32)}`);
  const from = new Wallet(bytesToHex(key)).address.toLowerCase() as Hex;
  const backend = { chainId: CHAIN_ID, txCommon, signingKey: () => key } as unknown as RpcBackend;
  const req = parseCallRequest({ to: bytesToHex(new Uint8Array(20)) });
  const fees: FilledTransaction['fees'] = { type: 2, maxPriorityFeePerGas: 0n, maxFeePerGas: 1n };
  const refused = (filled: FilledTransaction, reason: RegExp) =>
    assert.throws(() => signDevTransaction(backend, from, filled), (err: unknown) => isChainError(err) && err.code === 'TX_MALFORMED' && reason.test(err.message) && toRpcError(err).code === -32000);
  refused({ req, nonce: 0n, gas: 2n ** 25n, fees }, /^invalid transaction: .*EIP-7825/);
  refused({ req, nonce: 2n ** 64n - 1n, gas: 21_000n, fees }, /^invalid transaction: nonce/);
});
