/**
 * Genesis: write the allocations into an empty state and build block 0's header. Deterministic: the
 * same genesis.json gives the same genesis hash on every node.
 */
import { Account, Address } from '@ethereumjs/util';
import { hexToBytes } from '../primitives/index.ts';
import { EMPTY_TRIE_ROOT } from '../state/index.ts';
import type { WorldState } from '../state/index.ts';
import type { Genesis, Header, Validator } from '../types/index.ts';
import { createValidator, hashValidatorSet } from '../types/index.ts';
import { applyStakingGenesis } from './chainSystem.ts';

export function genesisValidators(genesis: Genesis): Validator[] {
  return genesis.validators.map((v) => createValidator(v.publicKey, v.power));
}

export async function applyGenesis(state: WorldState, genesis: Genesis): Promise<Header> {
  for (const [addr, acc] of genesis.alloc) {
    const address = new Address(hexToBytes(addr));
    await state.putAccount(address, new Account(acc.nonce ?? 0n, acc.balance));
    if (acc.code !== undefined) await state.putCode(address, acc.code);
    for (const [key, value] of acc.storage ?? []) await state.putStorage(address, key, value);
  }
  await applyStakingGenesis(state, genesis);
  const stateRoot = await state.getStateRoot();
  return {
    height: 0n,
    timestamp: genesis.genesisTimeSec,
    parentHash: new Uint8Array(32),
    proposer: new Uint8Array(20),
    stateRoot,
    transactionsRoot: EMPTY_TRIE_ROOT,
    receiptsRoot: EMPTY_TRIE_ROOT,
    logsBloom: new Uint8Array(256),
    gasUsed: 0n,
    gasLimit: genesis.blockGasLimit,
    baseFeePerGas: genesis.minGasPriceWei,
    prevRandao: new Uint8Array(32),
    validatorsHash: hashValidatorSet(genesisValidators(genesis)),
    lastCommitHash: new Uint8Array(32),
    evidenceHash: new Uint8Array(32),
  };
}
