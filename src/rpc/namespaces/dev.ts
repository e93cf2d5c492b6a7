/**
 * Development methods (only with --dev): mining control, time travel, snapshots, state editing and
 * impersonation, under the evm_, hardhat_ and anvil_ names that Hardhat, Foundry and viem use.
 */
import { parseAddress, parseData, parseQuantity, toQuantity } from '../../encoding/index.ts';
import { bytesToHex, padLeft } from '../../primitives/index.ts';
import type { DevControls, RpcBackend } from '../backend.ts';
import { RpcCode, RpcError, invalidParams } from '../errors.ts';
import type { Handler, HandlerTable } from '../params.ts';
import { requireParam } from '../params.ts';

function dev(backend: RpcBackend): DevControls {
  if (backend.dev === undefined) throw new RpcError(RpcCode.METHOD_NOT_FOUND, 'development methods are available only with --dev');
  return backend.dev;
}

function addressOf(params: unknown[]): Uint8Array {
  return parseAddress(requireParam(params, 0, 'address'));
}

const setBalance: Handler = async (params, backend) => {
  const value = parseQuantity(requireParam(params, 1, 'balance'), 'balance');
  await dev(backend).editState({ kind: 'balance', address: addressOf(params), value });
  return true;
};

const setNonce: Handler = async (params, backend) => {
  const value = parseQuantity(requireParam(params, 1, 'nonce'), 'nonce');
  await dev(backend).editState({ kind: 'nonce', address: addressOf(params), value });
  return true;
};

const setCode: Handler = async (params, backend) => {
  const code = parseData(requireParam(params, 1, 'code'), 'code');
  await dev(backend).editState({ kind: 'code', address: addressOf(params), code });
  return true;
};

const setStorageAt: Handler = async (params, backend) => {
  const slot = padLeft(parseData(normalise(requireParam(params, 1, 'slot')), 'slot'), 32);
  const value = parseData(requireParam(params, 2, 'value'), 'value', 32);
  await dev(backend).editState({ kind: 'storage', address: addressOf(params), slot, value });
  return true;
};

function normalise(v: unknown): unknown {
  return typeof v === 'string' && v.length % 2 === 1 ? `0x0${v.slice(2)}` : v;
}

/** hardhat_setPrevRandao(bytes32): the next block's prevRandao (mixHash), what PREVRANDAO reads in it. */
const setPrevRandao: Handler = (params, backend) => {
  dev(backend).setPrevRandao(parseData(requireParam(params, 0, 'prevRandao'), 'prevRandao', 32));
  return true;
};

const impersonate = (enabled: boolean): Handler => (params, backend) => {
  dev(backend).impersonate(bytesToHex(parseAddress(requireParam(params, 0, 'address'))), enabled);
  return true;
};

/**
 * Any count is mined in constant time (runs of empty blocks are one stored range, ADR 0009); the bound
 * only keeps block numbers exact in the JavaScript numbers most clients turn them into.
 */
const MAX_BLOCKS_PER_CALL = 2n ** 48n;

function blockCount(value: unknown): bigint {
  const blocks = value == null ? 1n : parseQuantity(value, 'blocks');
  if (blocks > MAX_BLOCKS_PER_CALL) throw invalidParams(`too many blocks: ${blocks}; at most 2^48 per call`);
  return blocks;
}

const mine: Handler = async (params, backend) => {
  const blocks = blockCount(params[0]);
  const interval = params[1] == null ? undefined : parseQuantity(params[1], 'interval');
  await dev(backend).mine(blocks, interval, undefined);
  return true;
};

function both(name: string, handler: Handler): HandlerTable {
  return { [`hardhat_${name}`]: handler, [`anvil_${name}`]: handler };
}

export const devHandlers: HandlerTable = {
  async evm_mine(params, backend) {
    const p = params[0];
    const timestamp = p == null ? undefined : typeof p === 'object' ? undefined : parseQuantity(p, 'timestamp');
    const blocks = typeof p === 'object' && p !== null && 'blocks' in p ? blockCount((p as { blocks: unknown }).blocks) : 1n;
    await dev(backend).mine(blocks, undefined, timestamp);
    return '0x0';
  },
  evm_snapshot: (_p, backend) => dev(backend).snapshot(),
  evm_revert: (params, backend) => dev(backend).revert(requireParam(params, 0, 'snapshot id') as `0x${string}`),
  evm_increaseTime(params, backend) {
    const v = requireParam(params, 0, 'seconds');
    const seconds = typeof v === 'number' ? BigInt(v) : parseQuantity(v, 'seconds');
    return toQuantity(dev(backend).increaseTime(seconds));
  },
  evm_setNextBlockTimestamp(params, backend) {
    const v = requireParam(params, 0, 'timestamp');
    const t = typeof v === 'number' ? BigInt(v) : parseQuantity(v, 'timestamp');
    if (t <= backend.head().header.timestamp) {
      throw invalidParams(`timestamp ${t} is lower than or equal to the previous block's timestamp ${backend.head().header.timestamp}`);
    }
    dev(backend).setNextBlockTimestamp(t);
    return null;
  },
  evm_setBlockGasLimit(params, backend) {
    dev(backend).setBlockGasLimit(parseQuantity(requireParam(params, 0, 'gas limit'), 'gas limit'));
    return true;
  },
  async evm_setAutomine(params, backend) {
    await dev(backend).setAutomine(requireParam(params, 0, 'enabled') === true);
    return true;
  },
  async evm_setIntervalMining(params, backend) {
    const v = requireParam(params, 0, 'interval');
    const ms = typeof v === 'number' ? v : Number(parseQuantity(v, 'interval'));
    await dev(backend).setIntervalMining(ms);
    return true;
  },
  hardhat_getAutomine: (_p, backend) => dev(backend).getAutomine(),
  anvil_getAutomine: (_p, backend) => dev(backend).getAutomine(),
  anvil_setAutomine: (params, backend) => devHandlers.evm_setAutomine?.(params, backend),
  anvil_setIntervalMining: (params, backend) => devHandlers.evm_setIntervalMining?.(params, backend),
  anvil_snapshot: (_p, backend) => dev(backend).snapshot(),
  anvil_revert: (params, backend) => devHandlers.evm_revert?.(params, backend),
  anvil_increaseTime: (params, backend) => devHandlers.evm_increaseTime?.(params, backend),
  anvil_setNextBlockTimestamp: (params, backend) => devHandlers.evm_setNextBlockTimestamp?.(params, backend),
  anvil_setBlockGasLimit: (params, backend) => devHandlers.evm_setBlockGasLimit?.(params, backend),
  ...both('setBalance', setBalance),
  ...both('setNonce', setNonce),
  ...both('setCode', setCode),
  ...both('setStorageAt', setStorageAt),
  ...both('mine', mine),
  hardhat_setPrevRandao: setPrevRandao,
  ...both('impersonateAccount', impersonate(true)),
  ...both('stopImpersonatingAccount', impersonate(false)),
  hardhat_dropTransaction: (params, backend) => {
    dev(backend);
    return backend.pool.remove(String(requireParam(params, 0, 'hash')).toLowerCase() as `0x${string}`);
  },
  anvil_dropTransaction: (params, backend) => devHandlers.hardhat_dropTransaction?.(params, backend),
};
