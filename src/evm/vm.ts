/**
 * Builds @ethereumjs VMs over a world state. Our block hashes are not Ethereum header hashes, so the
 * BLOCKHASH opcode reads them through a small blockchain shim that asks the chain store.
 */
import { createBlock } from '@ethereumjs/block';
import type { Block as EvmBlock } from '@ethereumjs/block';
import type { Common } from '@ethereumjs/common';
import type { EVM, EVMMockBlockchainInterface } from '@ethereumjs/evm';
import { Address } from '@ethereumjs/util';
import { createVM } from '@ethereumjs/vm';
import type { VM } from '@ethereumjs/vm';
import type { WorldState } from '../state/index.ts';
import { nativePrecompiles, prepareNativeContracts } from './nativeContracts.ts';
import type { NativeContract } from './nativeContracts.ts';
import './jumpAnalysis.ts'; // installs the per-code jump analysis cache (PERF)
import { useFastOpcodes } from './stepLoop.ts'; // and the step loop that awaits only asynchronous steps (PERF)
import './frameResult.ts'; // a call frame's runState copy made only when read (PERF)

export type BlockHashLookup = (height: bigint) => Uint8Array | undefined;

export interface VMOptions {
  /** Dev option: lift the 24 KiB contract size limit (EIP-170), as Hardhat's allowUnlimitedContractSize. */
  allowUnlimitedContractSize: boolean;
  /** The chain's native contracts (staking), callable at their addresses (nativeContracts.ts). */
  nativeContracts?: readonly NativeContract[];
}

export async function createExecutionVM(
  common: Common,
  state: WorldState,
  blockHash: BlockHashLookup,
  opts: VMOptions,
): Promise<VM> {
  const zero = new Uint8Array(32);
  const blockchain: EVMMockBlockchainInterface = {
    async getBlock(height: number) {
      const hash = blockHash(BigInt(height)) ?? zero;
      return { hash: () => hash as Uint8Array<ArrayBuffer> };
    },
    async putBlock() {},
    shallowCopy() {
      return blockchain;
    },
  };
  const natives = opts.nativeContracts ?? [];
  // the precompiles need the VM's EVM, which exists only once the VM does
  let vm: VM | undefined;
  const created = await createVM({
    common,
    stateManager: state,
    blockchain,
    evmOpts: {
      allowUnlimitedContractSize: opts.allowUnlimitedContractSize,
      ...(natives.length === 0 ? {} : { customPrecompiles: nativePrecompiles(natives, () => (vm as VM).evm as EVM) }),
    },
  });
  vm = created;
  useFastOpcodes(created.evm);
  if (natives.length > 0) prepareNativeContracts(created.evm as EVM);
  return created;
}

/** The block environment a transaction executes in. */
export interface BlockEnv {
  height: bigint;
  timestamp: bigint;
  coinbase: Uint8Array;
  gasLimit: bigint;
  baseFeePerGas: bigint;
  prevRandao: Uint8Array;
}

/** @ethereumjs's block for `env`, made the library's way: its header copies `common` and rebuilds its params cache. */
export function buildEvmBlock(common: Common, env: BlockEnv): EvmBlock {
  return createBlock({ header: headerFields(env) }, { common, skipConsensusFormatValidation: true });
}

/** The header fields a block environment sets; the rest are the header's defaults. */
function headerFields(env: BlockEnv) {
  return {
    number: env.height,
    timestamp: env.timestamp,
    coinbase: new Address(env.coinbase),
    gasLimit: env.gasLimit,
    baseFeePerGas: env.baseFeePerGas,
    mixHash: env.prevRandao,
    difficulty: 0n,
  };
}

const templates = new WeakMap<Common, EvmBlock>();

/**
 * The block a transaction executes in: buildEvmBlock's block for `env`, copied from one template per Common.
 * PERF: BlockHeader's constructor copies the Common and rebuilds its params cache, ~0.2-0.4 ms, once per block
 * and for every eth_call that runs in the VM; an automined transaction waits for it. Every field that `env` does
 * not set is one of the constructor's defaults for the Common's (fixed) hardfork, so the template's are the
 * same; the classes keep no private state, and the copies get caches of their own (the hash's). vm.test.ts
 * compares copies with built blocks.
 */
export function createEvmBlock(common: Common, env: BlockEnv): EvmBlock {
  let template = templates.get(common);
  if (template === undefined) templates.set(common, (template = buildEvmBlock(common, env)));
  const header = Object.assign(Object.create(Object.getPrototypeOf(template.header) as object) as EvmBlock['header'], template.header, headerFields(env), { cache: { hash: undefined } });
  Object.freeze(header);
  const block: EvmBlock = Object.create(Object.getPrototypeOf(template) as object);
  Object.assign(block, template, { header, cache: {} });
  Object.freeze(block);
  return block;
}
