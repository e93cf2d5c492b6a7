/** `cmt init`: write a new home (genesis, config, validator key, node key). */
import { Command } from 'commander';
import { DEV_STAKING_PARAMS, DEV_VALIDATOR_STAKE_WEI, homePaths, initHome } from '../../node/index.ts';
import { defaultConfigToml } from '../config.ts';
import { resolveHome } from '../home.ts';
import { addGenesisOptions, initOptionsFromFlags } from './genesisFlags.ts';
import type { Flags } from './genesisFlags.ts';

export function createInitCommand(): Command {
  const cmd = new Command('init')
    .description('create a home directory: genesis.json, config.toml, validator and node keys')
    .option('--home <dir>', 'home directory [env CMT_HOME] (default ~/.cybermiles)');
  return addGenesisOptions(cmd).action((flags: Flags) => {
    const home = resolveHome(flags.home as string | undefined);
    const init = initOptionsFromFlags(flags);
    // a dev home is a single-validator dev chain: its staking preset and a validator stake no dev account can outbid alone
    if (flags.dev === true) Object.assign(init, { stakingParams: DEV_STAKING_PARAMS, validatorStakeWei: DEV_VALIDATOR_STAKE_WEI });
    initHome(home, init, defaultConfigToml());
    const p = homePaths(home);
    process.stdout.write(`Initialised ${home}\n  genesis: ${p.genesis}\n  config:  ${p.configFile}\n  validator key: ${p.validatorKey}\n  node key: ${p.nodeKey}\n`);
  });
}
