/**
 * `cmt stake ...`: candidates and delegators through the staking contract (0x…1000), signed with a keystore
 * account, and the cmt_ staking queries as tables. Mirrors CmtClient (src/client), so a command and the
 * dApp call it stands for behave the same; a refusal prints the contract's custom error and exits 1.
 */
import { Command } from 'commander';
import { formatCmt, formatRate, parseAmount } from '../../client/index.ts';
import type { CmtClient, DelegationInfo, ChainParams, TxResult, ValidatorInfo } from '../../client/index.ts';
import { AMOUNT_RULE, formatFields, formatTable, fullIo, parseHeightFlag, parseWhole, printTx, queryCommand, toJson, withClient, writeCommand } from './clientCommand.ts';
import type { ClientCommandIo, ClientFlags } from './clientCommand.ts';

const PUBKEY_HELP = 'ed25519 consensus key: base64 (pub_key.value of priv_validator_key.json) or 0x-hex';
const RATE_HELP = 'a decimal in (0, 1): 0.2 keeps 20%';

export function createStakeCommand(io: Partial<ClientCommandIo> = {}): Command {
  const send = (flags: ClientFlags, tx: (c: CmtClient) => Promise<TxResult>): Promise<void> => {
    const env = fullIo(io);
    return withClient(flags, env, true, async (c) => printTx(env, flags, await tx(c)));
  };
  const query = <T>(flags: ClientFlags, read: (c: CmtClient) => Promise<T>, text: (r: T) => string): Promise<void> => {
    const env = fullIo(io);
    return withClient(flags, env, false, async (c) => {
      const r = await read(c);
      env.write(flags.json === true ? toJson(r) : text(r));
    });
  };
  const cmd = new Command('stake')
    .description('validator candidates and delegations (the staking contract at 0x…1000)')
    .addHelpText('after', `\nWrites sign with --from's keystore account. Amounts: ${AMOUNT_RULE}. Rates: decimals (0.2 = 20%).\n`);

  writeCommand(cmd, 'declare', "become a validator candidate, sending the self-stake it requires (the self_staking_ratio of --max)")
    .requiredOption('--pubkey <key>', PUBKEY_HELP)
    .requiredOption('--max <amount>', `the most stake the candidate accepts, its own included: ${AMOUNT_RULE}`)
    .requiredOption('--comp-rate <rate>', `commission kept from delegators' rewards, ${RATE_HELP}`)
    .option('--description <text>', 'shown in queries', '')
    .action((f: ClientFlags & { pubkey: string; max: string; compRate: string; description: string }) =>
      send(f, (c) => c.stake.declare({ pubKey: f.pubkey, maxStake: parseAmount(f.max), commission: f.compRate, description: f.description })),
    );

  writeCommand(cmd, 'update', "change the signer's candidacy; what is left out stays (a higher --max sends the extra self-stake)")
    .option('--pubkey <key>', `new ${PUBKEY_HELP} (takes effect at the next set change)`)
    .option('--max <amount>', `new maximum stake: ${AMOUNT_RULE}`)
    .option('--comp-rate <rate>', `new commission, ${RATE_HELP}`)
    .option('--description <text>', 'new description (clears verification)')
    .action((f: ClientFlags & { pubkey?: string; max?: string; compRate?: string; description?: string }) =>
      send(f, (c) =>
        c.stake.update({
          ...(f.pubkey === undefined ? {} : { pubKey: f.pubkey }),
          ...(f.max === undefined ? {} : { maxStake: parseAmount(f.max) }),
          ...(f.compRate === undefined ? {} : { commission: f.compRate }),
          ...(f.description === undefined ? {} : { description: f.description }),
        }),
      ),
    );

  writeCommand(cmd, 'withdraw-candidacy', "end the signer's candidacy: every delegation to it starts unbonding").action((f: ClientFlags) => send(f, (c) => c.stake.withdrawCandidacy()));
  writeCommand(cmd, 'activate', "put the signer's candidacy back into the election").action((f: ClientFlags) => send(f, (c) => c.stake.activate()));
  writeCommand(cmd, 'deactivate', "take the signer's candidacy out of the election (its stake stays)").action((f: ClientFlags) => send(f, (c) => c.stake.deactivate()));

  writeCommand(cmd, 'verify', 'mark a candidate verified (the foundation address only)')
    .argument('<candidate>', "the candidate's address")
    .option('--revoke', 'mark it unverified instead')
    .action((candidate: string, f: ClientFlags & { revoke?: boolean }) => send(f, (c) => c.stake.verify(candidate, f.revoke !== true)));

  writeCommand(cmd, 'delegate', 'stake CMT with a candidate')
    .requiredOption('--validator <address>', 'the candidate')
    .requiredOption('--amount <amount>', `how much to stake: ${AMOUNT_RULE}`)
    .action((f: ClientFlags & { validator: string; amount: string }) => send(f, (c) => c.stake.delegate(f.validator, parseAmount(f.amount))));

  writeCommand(cmd, 'withdraw', 'start unbonding stake from a candidate (paid after the unbonding period)')
    .requiredOption('--validator <address>', 'the candidate')
    .requiredOption('--amount <amount>', `how much to unbond: ${AMOUNT_RULE}`)
    .action((f: ClientFlags & { validator: string; amount: string }) => send(f, (c) => c.stake.withdraw(f.validator, parseAmount(f.amount))));

  writeCommand(cmd, 'claim', 'pay the rewards of a delegation (and any settled before) to the signer')
    .requiredOption('--validator <address>', 'the candidate')
    .action((f: ClientFlags & { validator: string }) => send(f, (c) => c.stake.claimRewards(f.validator)));

  writeCommand(cmd, 'restake', "add a delegation's rewards to its stake")
    .requiredOption('--validator <address>', 'the candidate')
    .action((f: ClientFlags & { validator: string }) => send(f, (c) => c.stake.restake(f.validator)));

  writeCommand(cmd, 'set-comp-rate', 'lower the commission the signer (a candidate) takes from one delegator')
    .requiredOption('--delegator <address>', 'the delegator')
    .requiredOption('--rate <rate>', `${RATE_HELP}, at most the candidate's own rate`)
    .action((f: ClientFlags & { delegator: string; rate: string }) => send(f, (c) => c.stake.setCompRate(f.delegator, f.rate)));

  writeCommand(cmd, 'update-account', "name a new account to control the signer's candidacy (step 1 of 2; prints the request id)")
    .requiredOption('--new-owner <address>', 'the account that will accept')
    .action((f: ClientFlags & { newOwner: string }) => send(f, (c) => c.stake.updateAccount(f.newOwner)));

  writeCommand(cmd, 'accept-account-update', 'take over a candidacy as the named account, sending its self-stake (step 2 of 2)')
    .argument('<request-id>', 'the id update-account printed')
    .action((id: string, f: ClientFlags) => send(f, (c) => c.stake.acceptAccountUpdate(parseWhole(id, 'request id'))));

  queryCommand(cmd, 'validators', 'every candidate: validators, backups and the rest').action((f: ClientFlags) =>
    query(f, (c) => c.validators(parseHeightFlag(f.height)), (r) => `height ${r.height}\n${r.data.length === 0 ? 'no candidates\n' : formatValidators(r.data)}`),
  );

  queryCommand(cmd, 'validator', 'one candidate')
    .argument('<address>', "the candidate's address")
    .action((address: string, f: ClientFlags) =>
      query(f, (c) => c.validator(address, parseHeightFlag(f.height)), (r) => `height ${r.height}\n${r.data === null ? `${address} is not a candidate\n` : formatValidator(r.data)}`),
    );

  queryCommand(cmd, 'delegator', "an address's delegations and pending rewards")
    .argument('<address>', "the delegator's address")
    .action((address: string, f: ClientFlags) =>
      query(f, (c) => c.delegator(address, parseHeightFlag(f.height)), (r) => `height ${r.height}\n${r.data.length === 0 ? `${address} has no delegations\n` : formatDelegations(r.data)}`),
    );

  queryCommand(cmd, 'params', 'the staking and governance parameters in force').action((f: ClientFlags) =>
    query(f, (c) => c.params(parseHeightFlag(f.height)), (r) => `height ${r.height}\n${formatParams(r.data)}`),
  );

  return cmd;
}

const yesNo = (b: boolean): string => (b ? 'yes' : 'no');

export function formatValidators(list: readonly ValidatorInfo[]): string {
  const rows = list.map((v) => [
    v.owner,
    v.state,
    v.rank === null ? '-' : String(v.rank),
    formatCmt(v.bonded),
    formatCmt(v.maxStake),
    v.votingPower.toString(),
    formatRate(v.commission),
    yesNo(v.active),
    yesNo(v.verified),
    String(v.delegators),
    v.description,
  ]);
  return formatTable(['address', 'state', 'rank', 'stake (CMT)', 'max (CMT)', 'power', 'comp rate', 'active', 'verified', 'delegators', 'description'], rows, [2, 3, 4, 5, 6, 9]);
}

function formatValidator(v: ValidatorInfo): string {
  return formatFields([
    ['address', v.owner],
    ['state', v.rank === null ? v.state : `${v.state} (rank ${v.rank})`],
    ['consensus key', v.pubKey],
    ['stake', `${formatCmt(v.bonded)} CMT`],
    ['max stake', `${formatCmt(v.maxStake)} CMT`],
    ['voting power', v.votingPower.toString()],
    ['comp rate', formatRate(v.commission)],
    ['active', yesNo(v.active)],
    ['verified', yesNo(v.verified)],
    ['withdrawn', yesNo(v.withdrawn)],
    ['declared at', String(v.declaredAt)],
    ['delegators', String(v.delegators)],
    ['description', v.description],
  ]);
}

export function formatDelegations(list: readonly DelegationInfo[]): string {
  const rows = list.map((d) => [d.validator, formatCmt(d.amount), formatRate(d.compRate), formatCmt(d.pendingRewards)]);
  return formatTable(['validator', 'stake (CMT)', 'comp rate', 'pending rewards (CMT)'], rows, [1, 2, 3]);
}

function formatParams(p: ChainParams): string {
  return formatFields([
    ['max_vals', String(p.maxValidators)],
    ['backup_vals', String(p.backupValidators)],
    ['self_staking_ratio', formatRate(p.selfStakeRatio)],
    ['validator_size_threshold', formatRate(p.sizeThreshold)],
    ['unstake_waiting_period', `${p.unbondingBlocks} blocks`],
    ['block_issuance', `${formatCmt(p.blockIssuance)} CMT`],
    ['validators_block_award_ratio', formatRate(p.validatorsShare)],
    ['slash_ratio', formatRate(p.slashRatio)],
    ['max_slash_blocks', `${p.maxMissedBlocks} blocks`],
    ['slash_enabled', yesNo(p.slashEnabled)],
    ['proposal_expire_period', `${p.proposalExpireBlocks} blocks`],
    ['min_earning_stake', `${formatCmt(p.minEarningStake)} CMT`],
    ['election_interval', `${p.electionInterval} blocks`],
    ['foundation_address', p.foundation],
  ]);
}
