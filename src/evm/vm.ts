/**
 * Builds @ethereumjs VMs over a world state. Our block hashes are not Ethereum header hashes, so the
 * BLOCKHASH opcode reads them through a small blockchain shim that asks the chain store.
 */
import { createBlock } from '@ethereumjs/block';
import type { Block as EvmBlock } from '@ethereumjs/block';
import type { Common } from '@ethereumjs/common';
import type { EVMMockBlockchainInterface } from '@ethereumjs/evm';
import { Address } from '@ethereumjs/util';
import { createVM } from '@ethereumjs/vm';
import type { VM } from '@ethereumjs/vm';
import type { WorldState } from '../state/index.ts';
import './jumpAnalysis.ts'; // installs the per-code jump analysis cache (PERF)

export type BlockHashLookup = (height: bigint) => Uint8Array | undefined;

export interface VMOptions {
  /** Dev option: lift the 24 KiB contract size limit (EIP-170), as Hardhat's allowUnlimitedContractSize. */
  allowUnlimitedContractSize: boolean;
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
  return createVM({
    common,
    stateManager: state,
    blockchain,
    evmOpts: { allowUnlimitedContractSize: opts.allowUnlimitedContractSize },
  });
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

export function createEvmBlock(common: Common, env: BlockEnv): EvmBlock {
  return createBlock(
    {
      header: {
        number: env.height,
        timestamp: env.timestamp,
        coinbase: new Address(env.coinbase),
        gasLimit: env.gasLimit,
        baseFeePerGas: env.baseFeePerGas,
        mixHash: env.prevRandao,
        difficulty: 0n,
      },
    },
    { common, skipConsensusFormatValidation: true },
  );
}
