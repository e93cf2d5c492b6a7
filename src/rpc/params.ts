/** Decoders for JSON-RPC parameters: block tags (incl. EIP-1898 objects) and call objects. */
import type { BlockEnv } from '../evm/index.ts';
import { blockEnvOf } from '../execution/index.ts';
import type { CallRequest } from '../execution/index.ts';
import { parseAddress, parseData, parseHash, parseQuantity } from '../encoding/index.ts';
import type { Block } from '../types/index.ts';
import type { RpcBackend } from './backend.ts';
import { RpcCode, RpcError, invalidParams } from './errors.ts';

export type Handler = (params: unknown[], backend: RpcBackend) => unknown;
export type HandlerTable = Record<string, Handler>;

export function param(params: unknown[], index: number): unknown {
  return params[index];
}

export function requireParam(params: unknown[], index: number, name: string): unknown {
  const v = params[index];
  if (v === undefined || v === null) throw invalidParams(`missing value for required argument ${index} (${name})`);
  return v;
}

/** Resolves a block tag or number to a committed block height. 'pending' reads the head state. */
export function resolveHeight(tag: unknown, backend: RpcBackend): bigint {
  const head = backend.head().header.height;
  if (tag === undefined || tag === null) return head;
  if (typeof tag === 'object') return resolveBlockObject(tag as Record<string, unknown>, backend);
  switch (tag) {
    case 'latest':
    case 'pending':
    case 'safe':
    case 'finalized': // instant finality: every committed block is final
      return head;
    case 'earliest':
      return 0n;
    default: {
      const n = parseQuantity(tag, 'block number');
      if (n > head) throw new RpcError(RpcCode.RESOURCE_NOT_FOUND, `header not found: block ${n} is beyond the head ${head}`);
      return n;
    }
  }
}

function resolveBlockObject(obj: Record<string, unknown>, backend: RpcBackend): bigint {
  if (obj.blockHash !== undefined) {
    const height = backend.store.heightByHash(parseHash(obj.blockHash, 'blockHash'));
    if (height === undefined) throw new RpcError(RpcCode.RESOURCE_NOT_FOUND, `header for hash ${String(obj.blockHash)} not found`);
    return height;
  }
  if (obj.blockNumber !== undefined) return resolveHeight(obj.blockNumber, backend);
  throw invalidParams('invalid block parameter: expected blockHash or blockNumber');
}

/**
 * The execution worker stores a block a moment before this thread adopts it as the head: until then it
 * does not exist for JSON-RPC, or a client could see a receipt while `latest` state is still the parent's.
 */
export function isVisible(height: bigint, backend: RpcBackend): boolean {
  return height <= backend.head().header.height;
}

/** Like resolveHeight but for lookups that answer null for an unknown block instead of an error. */
export function findBlock(tag: unknown, backend: RpcBackend): Block | undefined {
  if (typeof tag === 'string' && /^0x[0-9a-fA-F]{64}$/.test(tag)) {
    const height = backend.store.heightByHash(parseHash(tag, 'block hash'));
    return height === undefined || !isVisible(height, backend) ? undefined : backend.store.blockByHeight(height);
  }
  if (typeof tag === 'string' && /^0x[0-9a-fA-F]+$/.test(tag)) {
    const n = parseQuantity(tag, 'block number');
    return isVisible(n, backend) ? backend.store.blockByHeight(n) : undefined;
  }
  return backend.store.blockByHeight(resolveHeight(tag, backend));
}

export function parseCallRequest(value: unknown): CallRequest {
  if (typeof value !== 'object' || value === null) throw invalidParams('invalid call object: expected an object');
  const o = value as Record<string, unknown>;
  const req: CallRequest = {};
  if (o.from != null) req.from = parseAddress(o.from, 'from');
  if (o.to != null) req.to = parseAddress(o.to, 'to');
  if (o.gas != null) req.gas = parseQuantity(o.gas, 'gas');
  if (o.gasPrice != null) req.gasPrice = parseQuantity(o.gasPrice, 'gasPrice');
  if (o.maxFeePerGas != null) req.maxFeePerGas = parseQuantity(o.maxFeePerGas, 'maxFeePerGas');
  if (o.maxPriorityFeePerGas != null) req.maxPriorityFeePerGas = parseQuantity(o.maxPriorityFeePerGas, 'maxPriorityFeePerGas');
  if (o.value != null) req.value = parseQuantity(o.value, 'value');
  if (o.nonce != null) req.nonce = parseQuantity(o.nonce, 'nonce');
  const data = o.input ?? o.data;
  if (data != null) req.data = parseData(data, 'input');
  if (o.input != null && o.data != null && o.input !== o.data) {
    throw invalidParams('both "data" and "input" are set and not equal; please use "input" to pass transaction call data');
  }
  if (Array.isArray(o.accessList)) req.accessList = o.accessList as CallRequest['accessList'] & object;
  return req;
}

/**
 * The most gas a call or estimate may use at `env`: the node's RPC cap, the block's gas limit, and the
 * per-transaction limit of the hardfork (EIP-7825 in Osaka), whichever is lowest.
 */
/**
 * The block a call at `tag` runs in, as Hardhat and geth run it: "pending" is the next block (its number and
 * the timestamp it will have); "latest" and numbers are that block itself, so a view reading block.number or
 * block.timestamp at "latest" answers as the latest block does (OpenZeppelin's clock(), timelocks).
 */
export function callBlockEnv(backend: RpcBackend, tag: unknown, height: bigint): BlockEnv {
  if (tag === 'pending') return backend.pendingEnv();
  const block = backend.store.blockByHeight(height);
  if (block === undefined) throw new RpcError(RpcCode.RESOURCE_NOT_FOUND, `block #${height} not found`);
  return blockEnvOf(block.header);
}

export function callGasCap(backend: RpcBackend, env: BlockEnv): bigint {
  const txCap = backend.txCommon.param('maxTransactionGasLimit') as bigint | undefined;
  return [backend.gasCap, env.gasLimit, txCap ?? env.gasLimit].reduce((a, b) => (a < b ? a : b));
}
