/**
 * `cmt gov ...`: governance proposals and votes through the governance contract (0x…1002), signed with a
 * current validator's keystore account, and the proposals as a table. Mirrors CmtClient's `gov`.
 */
import { Command } from 'commander';
import { parseAmount, parseRate } from '../../client/index.ts';
import type { CmtClient, ProposalInfo, TxResult } from '../../client/index.ts';
import { ChainError } from '../../primitives/index.ts';
import { AMOUNT_RULE, formatTable, fullIo, parseHeightFlag, parseWhole, printTx, queryCommand, toJson, withClient, writeCommand } from './clientCommand.ts';
import type { ClientCommandIo, ClientFlags } from './clientCommand.ts';

/** How --value is read for each parameter: the contract stores ratios 1e18-fixed, booleans 0/1, amounts wei. */
const RATIO_PARAMS = ['self_staking_ratio', 'validator_size_threshold', 'validators_block_award_ratio', 'slash_ratio'];
const AMOUNT_PARAMS = ['block_issuance', 'min_earning_stake'];
const BOOLEAN_PARAMS = ['slash_enabled'];

const EXPIRE_HELP = 'block at which the proposal expires unless decided (default: proposal_expire_period blocks from now)';
const EXPIRE_TIME_HELP = 'or the block time at which it expires: Unix seconds or an ISO date (not with --expire-height)';

type ProposeFlags = ClientFlags & { reason: string; expireHeight?: string; expireTime?: string };

export function createGovCommand(io: Partial<ClientCommandIo> = {}): Command {
  const send = (flags: ClientFlags, tx: (c: CmtClient) => Promise<TxResult>): Promise<void> => {
    const env = fullIo(io);
    return withClient(flags, env, true, async (c) => printTx(env, flags, await tx(c)));
  };
  const cmd = new Command('gov')
    .description('governance: validators propose and vote with their voting power (the contract at 0x…1002)')
    .addHelpText('after', '\nA proposal passes or fails as soon as 2/3 of the validators\' power votes yes or no, else it expires.\nWrites sign with --from\'s keystore account, which must be a current validator\'s.\n');
  const propose = (name: string, description: string): Command =>
    writeCommand(cmd, name, description).requiredOption('--reason <text>', 'why (stored with the proposal)').option('--expire-height <n>', EXPIRE_HELP).option('--expire-time <time>', EXPIRE_TIME_HELP);

  propose('propose-param', 'propose changing a chain parameter')
    .requiredOption('--name <param>', 'CyberMiles\' name: max_vals, backup_vals, self_staking_ratio, validator_size_threshold, validators_block_award_ratio, slash_ratio, unstake_waiting_period, max_slash_blocks, slash_enabled, block_issuance, proposal_expire_period, min_earning_stake, election_interval')
    .requiredOption('--value <value>', `ratios as decimals (0.05), slash_enabled true|false, block_issuance and min_earning_stake amounts (${AMOUNT_RULE}), the others whole numbers`)
    .action((f: ProposeFlags & { name: string; value: string }) =>
      send(f, (c) => c.gov.proposeChangeParam({ name: f.name, value: paramValue(f.name, f.value), reason: f.reason, ...expiry(f) })),
    );

  propose('propose-transfer', 'propose paying CMT from the community pool (slashed stake) to an address')
    .requiredOption('--to <address>', 'the recipient')
    .requiredOption('--amount <amount>', `how much: ${AMOUNT_RULE}`)
    .action((f: ProposeFlags & { to: string; amount: string }) =>
      send(f, (c) => c.gov.proposeTransferFund({ to: f.to, amountWei: parseAmount(f.amount), reason: f.reason, ...expiry(f) })),
    );

  propose('propose-halt', 'propose halting the chain at a height: every candidate not preserved is deactivated there')
    .requiredOption('--height <n>', 'the halt height')
    .option('--preserved <addresses>', 'comma-separated candidates that stay active', '')
    .action((f: ProposeFlags & { height: string; preserved: string }) =>
      send(f, (c) =>
        c.gov.proposeHalt({ height: parseWhole(f.height, '--height'), preserved: f.preserved.split(',').map((a) => a.trim()).filter((a) => a !== ''), reason: f.reason, ...expiry(f) }),
      ),
    );

  writeCommand(cmd, 'propose-upgrade', 'propose a software upgrade signal: a release name at a height, for operators')
    .requiredOption('--name <name>', 'the release')
    .requiredOption('--height <n>', 'the upgrade height')
    .requiredOption('--info <text>', 'what operators need (where to get it, checksum)')
    .option('--expire-height <n>', EXPIRE_HELP)
    .option('--expire-time <time>', EXPIRE_TIME_HELP)
    .action((f: ClientFlags & { name: string; height: string; info: string; expireHeight?: string; expireTime?: string }) =>
      send(f, (c) => c.gov.proposeUpgrade({ name: f.name, height: parseWhole(f.height, '--height'), info: f.info, ...expiry(f) })),
    );

  writeCommand(cmd, 'vote', 'vote on a proposal (a later vote replaces yours until it is decided)')
    .argument('<id>', 'the proposal id')
    .argument('<answer>', 'yes or no')
    .action((id: string, answer: string, f: ClientFlags) => send(f, (c) => c.gov.vote(parseWhole(id, 'proposal id'), voteAnswer(answer))));

  queryCommand(cmd, 'proposals', 'every proposal with its result and tally').action((f: ClientFlags) => {
    const env = fullIo(io);
    return withClient(f, env, false, async (c) => {
      const r = await c.proposals(parseHeightFlag(f.height));
      env.write(f.json === true ? toJson(r) : `height ${r.height}\n${r.data.length === 0 ? 'no proposals\n' : formatProposals(r.data)}`);
    });
  });

  return cmd;
}

/** A parameter's --value as the contract stores it (see RATIO_PARAMS and the others above). */
export function paramValue(name: string, text: string): bigint {
  if (RATIO_PARAMS.includes(name)) return parseRate(text);
  if (AMOUNT_PARAMS.includes(name)) return parseAmount(text);
  if (BOOLEAN_PARAMS.includes(name)) {
    if (/^(true|yes|1)$/i.test(text)) return 1n;
    if (/^(false|no|0)$/i.test(text)) return 0n;
    throw new ChainError('BAD_OPTION', `invalid --value "${text}" for ${name}: expected true or false`);
  }
  return parseWhole(text, '--value');
}

function voteAnswer(text: string): boolean {
  if (/^(yes|y|approve)$/i.test(text)) return true;
  if (/^(no|n|reject)$/i.test(text)) return false;
  throw new ChainError('BAD_OPTION', `invalid answer "${text}": expected yes or no`);
}

function expiry(f: { expireHeight?: string; expireTime?: string }): { expireHeight?: bigint; expireTimestamp?: bigint } {
  if (f.expireHeight !== undefined && f.expireTime !== undefined) throw new ChainError('BAD_OPTION', 'name --expire-height or --expire-time, not both');
  if (f.expireTime !== undefined) return { expireTimestamp: parseTime(f.expireTime) };
  return f.expireHeight === undefined ? {} : { expireHeight: parseWhole(f.expireHeight, '--expire-height') };
}

/** Unix seconds, or a date Date.parse reads (ISO 8601). */
function parseTime(text: string): bigint {
  if (/^\d+$/.test(text)) return BigInt(text);
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) throw new ChainError('BAD_OPTION', `--expire-time: expected Unix seconds or an ISO date, got ${text}`);
  return BigInt(Math.floor(ms / 1000));
}

export function formatProposals(list: readonly ProposalInfo[]): string {
  const rows = list.map((p) => [String(p.id), p.type, p.proposer, String(p.createdAt), p.expireTimestamp !== 0 ? new Date(p.expireTimestamp * 1000).toISOString() : String(p.expireHeight), p.result, p.resolvedAt === 0 ? '-' : String(p.resolvedAt), p.yes.toString(), p.no.toString(), p.reason]);
  return formatTable(['id', 'type', 'proposer', 'created', 'expires', 'result', 'resolved', 'yes', 'no', 'reason'], rows, [0, 3, 4, 6, 7, 8]);
}
