/** The genesis flags `cmt init` and `cmt testnet init` share, and their translation into InitOptions. */
import type { Command } from 'commander';
import { defaultInitOptions, deriveDevAccounts } from '../../node/index.ts';
import type { InitOptions } from '../../node/index.ts';
import { DEV_ACCOUNT_BALANCE_WEI, DEV_ACCOUNT_COUNT, DEV_MNEMONIC, ONE_CMT_WEI } from '../../params/index.ts';
import { ChainError } from '../../primitives/index.ts';

export type Flags = Record<string, string | boolean | string[] | undefined>;

export function positive(name: string, v: string): bigint {
  if (!/^\d+$/.test(v)) throw new ChainError('BAD_OPTION', `invalid ${name}: expected a positive integer, got "${v}"`);
  return BigInt(v);
}

export function addGenesisOptions(cmd: Command): Command {
  return cmd
    .option('--chain-id <id>', 'EVM chain id (CyberMiles: 18 mainnet, 19 testnet, 1234 private)', '1234')
    .option('--consensus-chain-id <name>', 'consensus chain id string', 'cybermiles-dev')
    .option('--gas-limit <gas>', 'block gas limit', '1000000000')
    .option('--dev', `fund the ${DEV_ACCOUNT_COUNT} dev accounts of the standard test mnemonic`)
    .option('--accounts <n>', 'with --dev: how many dev accounts', String(DEV_ACCOUNT_COUNT))
    .option('--balance <cmt>', 'with --dev: CMT per dev account', (DEV_ACCOUNT_BALANCE_WEI / ONE_CMT_WEI).toString())
    .option('--alloc <address=cmt...>', 'fund an address in genesis (repeatable)', (v: string, acc: string[]) => [...acc, v], [] as string[]);
}

export function initOptionsFromFlags(flags: Flags): InitOptions {
  const init = defaultInitOptions();
  init.chainId = positive('chain-id', String(flags.chainId));
  init.consensusChainId = String(flags.consensusChainId);
  init.blockGasLimit = positive('gas-limit', String(flags.gasLimit));
  if (flags.dev === true) {
    const balance = positive('balance', String(flags.balance)) * ONE_CMT_WEI;
    const accounts = deriveDevAccounts(DEV_MNEMONIC, Number(positive('accounts', String(flags.accounts))));
    for (const a of accounts) init.alloc.push({ address: a.address, balanceWei: balance });
    // dev account i owns validator i's candidacy, so a dev network's stake can be withdrawn and moved
    init.validatorOwners = accounts.map((a) => a.address);
  }
  for (const entry of flags.alloc as string[]) {
    const [address, cmt] = entry.split('=');
    if (address === undefined || !/^0x[0-9a-fA-F]{40}$/.test(address) || cmt === undefined) {
      throw new ChainError('BAD_OPTION', `invalid --alloc "${entry}": expected 0xADDRESS=CMT`);
    }
    init.alloc.push({ address, balanceWei: positive('alloc amount', cmt) * ONE_CMT_WEI });
  }
  return init;
}
