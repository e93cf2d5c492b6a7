/**
 * What the in-process benchmarks (micro.ts, blocks.ts) start from: funded senders derived from the dev
 * mnemonic, and a one-validator genesis whose blocks take 1e9 gas, so that one block holds thousands of
 * transactions.
 */
import { HDNodeWallet, Mnemonic } from 'ethers';
import { generateEd25519Key } from '../../src/crypto/index.ts';
import type { AdmissionRules } from '../../src/execution/index.ts';
import { DEV_MNEMONIC } from '../../src/params/index.ts';
import { parseGenesis } from '../../src/types/index.ts';
import type { Genesis } from '../../src/types/index.ts';

export const BENCH_CHAIN_ID = 1234n;
export const BENCH_GAS_PRICE = 2_000_000_000n;
export const BENCH_RULES: AdmissionRules = { chainId: BENCH_CHAIN_ID, maxTxSizeBytes: 131072, blockGasLimit: 1_000_000_000n, minGasPriceWei: BENCH_GAS_PRICE };

/** `count` senders at m/44'/60'/0'/0/1000+i (apart from the ten dev accounts). */
export function benchWallets(count: number): HDNodeWallet[] {
  const root = HDNodeWallet.fromMnemonic(Mnemonic.fromPhrase(DEV_MNEMONIC), "m/44'/60'/0'/0");
  return Array.from({ length: count }, (_, i) => root.deriveChild(1000 + i));
}

/** A genesis funding each of `wallets` with 1,000,000 CMT. */
export function benchGenesis(wallets: readonly HDNodeWallet[]): Genesis {
  const alloc: Record<string, { balance: string }> = {};
  for (const w of wallets) alloc[w.address] = { balance: (10n ** 24n).toString() };
  return parseGenesis({
    genesis_time: '2026-01-01T00:00:00Z',
    chain_id: 'bench',
    consensus_params: { block: { max_gas: '1000000000', max_tx_bytes: 131072 } },
    validators: [{ name: 'v', pub_key: { type: 'tendermint/PubKeyEd25519', value: Buffer.from(generateEd25519Key().publicKey).toString('base64') }, power: '1', shares: '0', max_amount: '0', comp_rate: '1/5' }],
    app_state: { evm: { chain_id: Number(BENCH_CHAIN_ID), min_gas_price: BENCH_GAS_PRICE.toString(), alloc } },
  });
}
