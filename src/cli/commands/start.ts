/** `cmt start`: run a node from a home directory; with --dev, create a funded dev chain on first start. */
import { Command } from 'commander';
import {
  DEV_STAKING_PARAMS,
  DEV_VALIDATOR_STAKE_WEI,
  createLogger,
  defaultInitOptions,
  defaultNodeOptions,
  deriveDevAccounts,
  initHome,
  isInitialised,
  startNode,
  systemClock,
  validateNodeOptions,
} from '../../node/index.ts';
import type { Node, NodeOptions } from '../../node/index.ts';
import { ChainError } from '../../primitives/index.ts';
import { OPTIONS, defaultConfigToml, resolveOptions } from '../config.ts';
import { resolveHome } from '../home.ts';
import { printBanner } from '../banner.ts';

export function addNodeOptions(cmd: Command): Command {
  for (const spec of OPTIONS) {
    const takesValue = spec.flag !== 'allow-unlimited-contract-size';
    cmd.option(`--${spec.flag}${takesValue ? ' <value>' : ''}`, `${spec.description} [env ${spec.env}, file ${spec.file}]`);
  }
  return cmd;
}

export function createStartCommand(): Command {
  const cmd = new Command('start')
    .description('start a node (with --dev: a single-validator development chain with funded accounts)')
    .option('--home <dir>', 'home directory [env CMT_HOME] (default ~/.cybermiles)')
    .option('--dev', 'development mode: create a funded dev chain on first start, enable evm_/hardhat_/anvil_ methods')
    .option('--silent', 'do not print the accounts banner');
  addNodeOptions(cmd);
  cmd.action(async (flags: Record<string, unknown>) => {
    const opts = buildOptions(flags);
    ensureHome(opts);
    const logger = createLogger(opts.logLevel);
    const node = await startNode(opts, { logger, clock: systemClock });
    if (opts.banner) await printBanner(node, opts);
    else logger.info('JSON-RPC listening', { url: node.rpc.url(), ...(node.metricsUrl === undefined ? {} : { metrics: node.metricsUrl }) });
    handleSignals(node);
  });
  return cmd;
}

function buildOptions(flags: Record<string, unknown>): NodeOptions {
  const base = defaultNodeOptions();
  base.home = resolveHome(flags.home as string | undefined);
  base.dev.enabled = flags.dev === true || process.env.CMT_DEV === 'true';
  base.banner = flags.silent !== true;
  return validateNodeOptions(resolveOptions(base, flags, process.env));
}

function ensureHome(opts: NodeOptions): void {
  if (isInitialised(opts.home)) return;
  if (!opts.dev.enabled) {
    throw new ChainError('NOT_INITIALISED', `no chain in ${opts.home}: run "cmt init --home ${opts.home}" first, or start with --dev`);
  }
  const init = defaultInitOptions();
  init.blockGasLimit = opts.dev.gasLimit;
  const accounts = deriveDevAccounts(opts.dev.mnemonic, opts.dev.accounts);
  init.alloc = accounts.map((a) => ({ address: a.address, balanceWei: opts.dev.balanceWei }));
  // dev account 0 owns the dev validator's candidacy (and earns its rewards)
  Object.assign(init, { validatorOwners: accounts.slice(0, 1).map((a) => a.address), stakingParams: DEV_STAKING_PARAMS, validatorStakeWei: DEV_VALIDATOR_STAKE_WEI });
  initHome(opts.home, init, defaultConfigToml());
}

function handleSignals(node: Node): void {
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    node.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
