/** Test builders: a dev genesis over the memory store, signed transactions from the dev mnemonic. */
import { HDNodeWallet, Mnemonic, Transaction } from 'ethers';
import { createChainCommon, createExecutionVM, createTxCommon } from '../../src/evm/index.ts';
import type { Common, VM } from '../../src/evm/index.ts';
import { applyGenesis } from '../../src/execution/index.ts';
import type { AdmissionRules, BlockContext } from '../../src/execution/index.ts';
import { DEV_MNEMONIC, FEE_POOL_ADDRESS } from '../../src/params/index.ts';
import { hexToBytes } from '../../src/primitives/index.ts';
import { TrieNodeStore, createWorldState } from '../../src/state/index.ts';
import type { WorldState } from '../../src/state/index.ts';
import { createMemoryStore } from '../../src/storage/index.ts';
import { generateEd25519Key } from '../../src/crypto/index.ts';
import { hashHeader, parseGenesis } from '../../src/types/index.ts';
import type { Block, Genesis, Header } from '../../src/types/index.ts';

export const CHAIN_ID = 1234n;
export const ONE = 10n ** 18n;

export function devWallet(index: number): HDNodeWallet {
  return HDNodeWallet.fromMnemonic(Mnemonic.fromPhrase(DEV_MNEMONIC), `m/44'/60'/0'/0/${index}`);
}

export function testGenesis(accounts = 3): Genesis {
  const alloc: Record<string, { balance: string }> = {};
  for (let i = 0; i < accounts; i++) alloc[devWallet(i).address] = { balance: (1000n * ONE).toString() };
  return parseGenesis({
    genesis_time: '2026-01-01T00:00:00Z',
    chain_id: 'test',
    consensus_params: { block: { max_gas: '30000000', max_tx_bytes: 131072 } },
    validators: [
      {
        name: 'v0',
        pub_key: { type: 'tendermint/PubKeyEd25519', value: Buffer.from(generateEd25519Key().publicKey).toString('base64') },
        power: '10',
        shares: '0',
        max_amount: '0',
        comp_rate: '1/5',
      },
    ],
    app_state: { evm: { chain_id: Number(CHAIN_ID), min_gas_price: '2000000000', alloc } },
  });
}

export interface TestChain {
  common: Common;
  txCommon: Common;
  nodes: TrieNodeStore;
  state: WorldState;
  vm: VM;
  genesis: Genesis;
  genesisHeader: Header;
  rules: AdmissionRules;
  feePool: Uint8Array;
}

export async function createTestChain(accounts = 3): Promise<TestChain> {
  const genesis = testGenesis(accounts);
  const common = createChainCommon(genesis.chainId, 'osaka');
  const nodes = new TrieNodeStore(createMemoryStore());
  const state = createWorldState(nodes, common, undefined, { caches: true });
  const genesisHeader = await applyGenesis(state, genesis);
  const vm = await createExecutionVM(common, state, () => undefined, { allowUnlimitedContractSize: false });
  return {
    common,
    txCommon: createTxCommon(common),
    nodes,
    state,
    vm,
    genesis,
    genesisHeader,
    rules: { chainId: genesis.chainId, maxTxSizeBytes: 131072, blockGasLimit: 30_000_000n, minGasPriceWei: 2_000_000_000n },
    feePool: hexToBytes(FEE_POOL_ADDRESS),
  };
}

export async function signTransfer(
  from: number,
  nonce: number,
  to: string,
  value: bigint,
  extra: Partial<{ gasPrice: bigint; chainId: bigint; gasLimit: bigint; type: number; maxFeePerGas: bigint; maxPriorityFeePerGas: bigint; data: string }> = {},
): Promise<Uint8Array> {
  const tx = Transaction.from({
    type: extra.type ?? 0,
    to,
    value,
    nonce,
    gasLimit: extra.gasLimit ?? 21000n,
    chainId: extra.chainId ?? CHAIN_ID,
    data: extra.data ?? '0x',
    ...(extra.type === 2
      ? { maxFeePerGas: extra.maxFeePerGas ?? 3_000_000_000n, maxPriorityFeePerGas: extra.maxPriorityFeePerGas ?? 1_000_000_000n }
      : { gasPrice: extra.gasPrice ?? 2_000_000_000n }),
  });
  const signed = await devWallet(from).signTransaction(tx);
  return hexToBytes(signed);
}

/** The context of block 1 on top of the test chain's genesis (30M gas, 2 gwei base fee, fees to the pool). */
export function firstBlockContext(chain: TestChain): BlockContext {
  return {
    parentHash: hashHeader(chain.genesisHeader),
    height: 1n,
    timestamp: chain.genesisHeader.timestamp + 1n,
    proposer: new Uint8Array(20),
    gasLimit: 30_000_000n,
    baseFeePerGas: 2_000_000_000n,
    validatorsHash: chain.genesisHeader.validatorsHash,
    lastCommit: null,
    feePool: chain.feePool,
  };
}

/** The context of the next block on top of `head` (1 s later, 30M gas, 2 gwei base fee, no commit). */
export function nextBlockContext(head: Block, feePool: Uint8Array = new Uint8Array(20)): BlockContext {
  return {
    parentHash: head.hash,
    height: head.header.height + 1n,
    timestamp: head.header.timestamp + 1n,
    proposer: head.header.proposer,
    gasLimit: 30_000_000n,
    baseFeePerGas: 2_000_000_000n,
    validatorsHash: head.header.validatorsHash,
    lastCommit: null,
    feePool,
  };
}
