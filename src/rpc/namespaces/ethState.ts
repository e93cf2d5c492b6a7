/** eth_ state reads, calls and gas estimation, at any committed block (historical reads included). */
import { Account, Address } from '@ethereumjs/util';
import { estimateGas, simulateCall, throwIfFailed } from '../../execution/index.ts';
import type { CallRequest } from '../../execution/index.ts';
import type { BlockEnv, VM } from '../../evm/index.ts';
import { parseAddress, parseData, parseQuantity, toData, toQuantity } from '../../encoding/index.ts';
import { bytesToHex, padLeft } from '../../primitives/index.ts';
import type { Hex } from '../../primitives/index.ts';
import { getStateProof } from '../../state/index.ts';
import type { WorldState } from '../../state/index.ts';
import type { RpcBackend } from '../backend.ts';
import { invalidParams } from '../errors.ts';
import type { HandlerTable } from '../params.ts';
import { callBlockEnv, callGasCap, parseCallRequest, requireParam, resolveHeight } from '../params.ts';

function addressParam(params: unknown[]): Address {
  return new Address(parseAddress(requireParam(params, 0, 'address')));
}

async function applyOverrides(state: WorldState, overrides: unknown): Promise<void> {
  if (overrides === undefined || overrides === null) return;
  if (typeof overrides !== 'object') throw invalidParams('invalid state override set: expected an object');
  for (const [addr, raw] of Object.entries(overrides as Record<string, Record<string, unknown>>)) {
    const address = new Address(parseAddress(addr, 'override address'));
    const o = raw ?? {};
    const account = (await state.getAccount(address)) ?? new Account();
    if (o.balance != null) account.balance = parseQuantity(o.balance, 'override balance');
    if (o.nonce != null) account.nonce = parseQuantity(o.nonce, 'override nonce');
    await state.putAccount(address, account);
    if (o.code != null) await state.putCode(address, parseData(o.code, 'override code'));
    if (o.state != null && o.stateDiff != null) throw invalidParams(`account ${addr} has both 'state' and 'stateDiff'`);
    if (o.state != null) await state.clearStorage(address);
    for (const [k, v] of Object.entries((o.state ?? o.stateDiff ?? {}) as Record<string, unknown>)) {
      await state.putStorage(address, parseData(k, 'storage key', 32), stripZeros(parseData(v, 'storage value', 32)));
    }
  }
}

function stripZeros(bytes: Uint8Array): Uint8Array {
  let i = 0;
  while (i < bytes.length && bytes[i] === 0) i++;
  return bytes.subarray(i);
}

interface CallSite {
  req: CallRequest;
  vm: VM;
  env: BlockEnv;
  cap: bigint;
}

/**
 * Runs `fn` on the call's VM. Without a block tag, eth_call reads "latest" and eth_estimateGas "pending", as
 * Hardhat does. A call without state overrides shares the VM kept for its height; one with overrides gets a
 * state and VM of its own.
 */
async function withCall<T>(params: unknown[], backend: RpcBackend, defaultTag: 'latest' | 'pending', fn: (site: CallSite) => Promise<T>): Promise<T> {
  const req = parseCallRequest(requireParam(params, 0, 'transaction'));
  const tag = params[1] ?? defaultTag;
  const height = resolveHeight(tag, backend);
  // the environment is read when the call runs, as its state is: a queued call may outlive the block it named
  const site = (vm: VM): CallSite => {
    const env = callBlockEnv(backend, tag, height);
    return { req, vm, env, cap: callGasCap(backend, env) };
  };
  const overrides = params[2];
  if (overrides === undefined || overrides === null) return backend.withCallVM(height, (vm) => fn(site(vm)));
  const state = backend.stateAt(height);
  await applyOverrides(state, overrides);
  return fn(site(await backend.vmAt(height, state)));
}

export const ethStateHandlers: HandlerTable = {
  async eth_getBalance(params, backend) {
    const state = backend.readState(resolveHeight(params[1], backend));
    return toQuantity((await state.getAccount(addressParam(params)))?.balance ?? 0n);
  },
  async eth_getTransactionCount(params, backend) {
    const address = addressParam(params);
    const tag = params[1];
    const nonce = (await backend.readState(resolveHeight(tag, backend)).getAccount(address))?.nonce ?? 0n;
    if (tag !== 'pending') return toQuantity(nonce);
    return toQuantity(backend.pool.pendingNonce(address.toString() as Hex, nonce));
  },
  async eth_getCode(params, backend) {
    const state = backend.readState(resolveHeight(params[1], backend));
    return toData(await state.getCode(addressParam(params)));
  },
  async eth_getStorageAt(params, backend) {
    const slot = parseSlot(requireParam(params, 1, 'slot'));
    const state = backend.readState(resolveHeight(params[2], backend));
    const value = await state.getStorage(addressParam(params), slot);
    return bytesToHex(padLeft(value, 32));
  },
  async eth_call(params, backend) {
    const outcome = await withCall(params, backend, 'latest', ({ req, vm, env, cap }) => simulateCall(vm, backend.txCommon, env, req, req.gas !== undefined && req.gas < cap ? req.gas : cap));
    throwIfFailed(outcome);
    return toData(outcome.returnData);
  },
  async eth_estimateGas(params, backend) {
    return toQuantity(await withCall(params, backend, 'pending', ({ req, vm, env, cap }) => estimateGas(vm, backend.txCommon, env, req, cap)));
  },
  async eth_getProof(params, backend) {
    const address = addressParam(params);
    const keys = requireParam(params, 1, 'storageKeys');
    if (!Array.isArray(keys)) throw invalidParams('storageKeys must be an array');
    const state = backend.stateAt(resolveHeight(params[2], backend));
    const slots = keys.map((k) => parseSlot(k));
    const proof = await getStateProof(state, address, slots);
    return {
      address: proof.address,
      accountProof: proof.accountProof,
      balance: toQuantity(BigInt(proof.balance)),
      codeHash: proof.codeHash,
      nonce: toQuantity(BigInt(proof.nonce)),
      storageHash: proof.storageHash,
      storageProof: proof.storageProof.map((p: { key: string; value: string; proof: string[] }) => ({ key: p.key, value: toQuantity(BigInt(p.value)), proof: p.proof })),
    };
  },
};

/** A storage slot: up to 32 bytes of hex, as a quantity ("0x0") or as data ("0x00..00"). */
function parseSlot(value: unknown): Uint8Array {
  if (typeof value !== 'string' || !/^0x[0-9a-fA-F]{1,64}$/.test(value)) {
    throw invalidParams(`invalid storage key: expected at most 32 bytes of hex, got ${JSON.stringify(value)?.slice(0, 80)}`);
  }
  const even = value.length % 2 === 1 ? `0x0${value.slice(2)}` : value;
  return padLeft(parseData(even, 'storage key'), 32);
}
