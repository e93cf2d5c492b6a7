/** eth_ submission and signing: raw transactions, and transactions/messages from unlocked dev accounts. */
import { Wallet } from 'ethers';
import type { TypedDataField } from 'ethers';
import { signHash } from '../../crypto/index.ts';
import { estimateGas } from '../../execution/index.ts';
import { Address } from '@ethereumjs/util';
import { parseAddress, parseData } from '../../encoding/index.ts';
import { bytesToHex, hexToBytes } from '../../primitives/index.ts';
import type { Hex } from '../../primitives/index.ts';
import type { RpcBackend } from '../backend.ts';
import { RpcCode, RpcError, invalidParams } from '../errors.ts';
import type { HandlerTable } from '../params.ts';
import { callGasCap, parseCallRequest, requireParam } from '../params.ts';
import { createFilledTx, filledTxData } from './devTx.ts';
import { buildImpersonatedTx } from './impersonation.ts';

/** The private key of an unlocked node account. */
function unlockedKey(address: Hex, backend: RpcBackend): Uint8Array {
  const key = backend.signingKey(address);
  if (key === undefined) throw new RpcError(RpcCode.UNSUPPORTED, `unknown account ${address}: it is not one of the node's unlocked accounts`);
  return key;
}

/** The wallet of an unlocked node account: messages and typed data (transactions: signDevTransaction). */
function walletFor(address: Hex, backend: RpcBackend): Wallet {
  return new Wallet(bytesToHex(unlockedKey(address, backend)));
}

/** Fills nonce, gas and fees the way anvil and Hardhat do for eth_sendTransaction. */
export async function fillTransaction(o: Record<string, unknown>, from: Hex, backend: RpcBackend) {
  const req = parseCallRequest(o);
  const head = backend.head().header.height;
  const accountNonce = (await backend.readState(head).getAccount(new Address(hexToBytes(from))))?.nonce ?? 0n;
  const nonce = req.nonce ?? backend.pool.pendingNonce(from, accountNonce);
  let gas = req.gas;
  if (gas === undefined) {
    const call = { ...req, from: hexToBytes(from), nonce };
    // the environment is read when the queued call runs, as its state is (ethState.ts, withCall)
    gas = await backend.withCallVM(head, (vm) => {
      const env = backend.pendingEnv();
      return estimateGas(vm, backend.txCommon, env, call, callGasCap(backend, env));
    });
  }
  const legacy = req.gasPrice !== undefined;
  const tip = req.maxPriorityFeePerGas ?? 0n;
  return {
    req,
    nonce,
    gas,
    fees: legacy
      ? { type: o.accessList === undefined ? 0 : 1, gasPrice: req.gasPrice as bigint }
      : { type: 2, maxPriorityFeePerGas: tip, maxFeePerGas: req.maxFeePerGas ?? backend.minGasPriceWei * 2n + tip },
  };
}

export type FilledTransaction = Awaited<ReturnType<typeof fillTransaction>>;

/**
 * A filled transaction of an unlocked account, signed here: built by @ethereumjs, signed by the native secp256k1
 * (RFC 6979, as ethers' Wallet: the same bytes, test/unit/rpc/devSigning.test.ts). PERF: a Wallet per request
 * derived the public key (~0.3 ms) and signed in JavaScript (~0.45 ms); a Hardhat suite whose accounts are the
 * node's sends every transaction this way (ADR 0027).
 */
export function signDevTransaction(backend: RpcBackend, from: Hex, { req, nonce, gas, fees }: FilledTransaction): Uint8Array {
  const key = unlockedKey(from, backend);
  const unsigned = createFilledTx(backend, filledTxData(backend, req, nonce, gas, fees));
  const { r, s, recovery } = signHash(unsigned.getHashedMessageToSign(), key);
  return unsigned.addSignature(BigInt(recovery), r, s, true).serialize();
}

export const ethSendHandlers: HandlerTable = {
  async eth_sendRawTransaction(params, backend) {
    const raw = parseData(requireParam(params, 0, 'transaction'), 'transaction');
    return backend.submitTransaction(raw);
  },
  async eth_sendTransaction(params, backend) {
    const o = requireParam(params, 0, 'transaction');
    if (typeof o !== 'object') throw invalidParams('invalid transaction object');
    const obj = o as Record<string, unknown>;
    if (obj.from == null) throw invalidParams('missing "from" in transaction object');
    const from = bytesToHex(parseAddress(obj.from, 'from'));
    const filled = await fillTransaction(obj, from, backend);
    if (backend.signingKey(from) === undefined && backend.isImpersonated(from)) {
      const { req, nonce, gas, fees } = filled;
      return backend.submitImpersonated(buildImpersonatedTx(backend, from, req, nonce, gas, fees));
    }
    return backend.submitTransaction(signDevTransaction(backend, from, filled), true);
  },
  async eth_sign(params, backend) {
    const from = bytesToHex(parseAddress(requireParam(params, 0, 'address')));
    const message = parseData(requireParam(params, 1, 'message'), 'message');
    return walletFor(from, backend).signMessage(message);
  },
  async personal_sign(params, backend) {
    const message = parseData(requireParam(params, 0, 'message'), 'message');
    const from = bytesToHex(parseAddress(requireParam(params, 1, 'address')));
    return walletFor(from, backend).signMessage(message);
  },
  async eth_signTypedData_v4(params, backend) {
    const from = bytesToHex(parseAddress(requireParam(params, 0, 'address')));
    const raw = requireParam(params, 1, 'typedData');
    let typed: { domain?: Record<string, unknown>; types?: Record<string, TypedDataField[]>; message?: Record<string, unknown> };
    try {
      typed = typeof raw === 'string' ? JSON.parse(raw) : (raw as typeof typed);
    } catch {
      throw invalidParams('typedData is not valid JSON');
    }
    if (typed.types === undefined || typed.message === undefined) throw invalidParams('typedData needs types and message');
    const { EIP712Domain: _domain, ...types } = typed.types;
    void _domain;
    try {
      return await walletFor(from, backend).signTypedData(typed.domain ?? {}, types, typed.message);
    } catch (err) {
      if (err instanceof RpcError) throw err;
      throw invalidParams(`invalid typed data: ${(err as Error).message}`);
    }
  },
};
