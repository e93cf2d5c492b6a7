/**
 * Governance (reference/cybermiles.md §5, issue 5): validators propose and vote with their voting power
 * (the capped stake, the same weight that finalises blocks, ADR 0014). A proposal is approved as soon as
 * its yes votes reach 2/3 of the set's power and rejected as soon as its no votes do; otherwise it expires.
 * Votes can change until then; the tally is recomputed from the current set at every vote. Kinds:
 *
 * - change a parameter: named, typed and range-checked when proposed; applied on approval (the chain's
 *   parameters are genesis' overridden by what governance stored);
 * - transfer funds from the community pool (where slashed stake goes) to an address: CyberMiles let one
 *   validator freeze any account's money by proposing (§12.6); here only the pool can be spent, and only
 *   on approval;
 * - halt: at a height, every candidate not in the preserved list is deactivated (CyberMiles'
 *   retire_program), so the chain stops unless the preserved validators carry it on;
 * - software upgrade signal: a name and a height, recorded for operators and their tooling.
 *
 * Governance state lives in its own account's storage (0x…1002), read with the staking state in the same
 * world state.
 */
import { bytesToHex, equalBytes } from '../primitives/index.ts';
import type { WorldState } from '../state/index.ts';
import { refuse } from './errors.ts';
import { CANDIDATE, COMMUNITY_POOL_ADDRESS, FLAG_ACTIVE, GOVERNANCE_ADDRESS, LISTS, slot, validatorPower } from './layout.ts';
import type { StakingParams } from './params.ts';
import type { StakingEvent } from './rules.ts';
import { StakingStore, toWord } from './store.ts';

export const PROPOSAL_KIND = { changeParam: 1n, transferFund: 2n, halt: 3n, upgrade: 4n } as const;
export const PROPOSAL_STATUS = { open: 1n, approved: 2n, rejected: 3n, expired: 4n, failed: 5n } as const;
const FIXED_ONE = 10n ** 18n;

/** The parameters governance may change, their type and range; ratios are fixed-point with 18 decimals. */
const PARAMS: Record<string, { check: (v: bigint) => boolean; apply: (p: StakingParams, v: bigint) => void }> = {
  max_vals: { check: (v) => v >= 1n && v <= 100n, apply: (p, v) => void (p.maxValidators = Number(v)) },
  backup_vals: { check: (v) => v <= 100n, apply: (p, v) => void (p.backupValidators = Number(v)) },
  self_staking_ratio: { check: (v) => v > 0n && v <= FIXED_ONE, apply: (p, v) => void (p.selfStakeRatio = { num: v, den: FIXED_ONE }) },
  validator_size_threshold: { check: (v) => v > 0n && v <= FIXED_ONE, apply: (p, v) => void (p.sizeThreshold = { num: v, den: FIXED_ONE }) },
  validators_block_award_ratio: { check: (v) => v <= FIXED_ONE, apply: (p, v) => void (p.validatorsShare = { num: v, den: FIXED_ONE }) },
  slash_ratio: { check: (v) => v <= FIXED_ONE, apply: (p, v) => void (p.slashRatio = { num: v, den: FIXED_ONE }) },
  unstake_waiting_period: { check: (v) => v >= 1n && v <= 10_000_000n, apply: (p, v) => void (p.unbondingBlocks = v) },
  max_slash_blocks: { check: (v) => v >= 1n && v <= 10_000_000n, apply: (p, v) => void (p.maxMissedBlocks = v) },
  slash_enabled: { check: (v) => v <= 1n, apply: (p, v) => void (p.slashAbsence = v === 1n) },
  block_issuance: { check: (v) => v <= 10n ** 24n, apply: (p, v) => void (p.blockIssuance = v) },
  // an address as a uint256 (its 20 bytes right-aligned); the zero address would verify nobody, so refused
  foundation_address: { check: (v) => v > 0n && v < 1n << 160n, apply: (p, v) => void (p.foundation = toWord(v, 20)) },
  election_interval: { check: (v) => v >= 1n && v <= 100_000n, apply: (p, v) => void (p.electionInterval = v) },
  min_earning_stake: { check: (v) => v <= 10n ** 27n, apply: (p, v) => void (p.minEarningStake = v) },
  proposal_expire_period: { check: (v) => v >= 10n && v <= 10_000_000n, apply: (p, v) => void (p.proposalExpireBlocks = v) },
};

/** The parameters above whose value is a ratio: JSON-RPC reads "0.1" or "1/10" for them, not a count. */
export const RATIO_PARAMS = ['self_staking_ratio', 'validator_size_threshold', 'validators_block_award_ratio', 'slash_ratio'] as const;

const G = {
  paramSet: (name: string) => slot('gov.param.set', nameKey(name)),
  paramValue: (name: string) => slot('gov.param.value', nameKey(name)),
  count: slot('gov.count'),
  open: 'gov.open',
  field: (id: bigint, f: number) => slot('gov.p', id, BigInt(f)),
  text: (id: bigint, f: number) => slot('gov.text', id, BigInt(f)),
  voters: (id: bigint) => ['gov.voters', id] as const,
  vote: (id: bigint, voter: Uint8Array) => slot('gov.vote', id, voter),
  preserved: (id: bigint) => ['gov.preserved', id] as const,
  haltHeight: slot('gov.halt.height'),
  haltProposal: slot('gov.halt.proposal'),
  upgradeHeight: slot('gov.upgrade.height'),
  upgradeProposal: slot('gov.upgrade.proposal'),
};
// proposal fields
const F = { kind: 0, proposer: 1, createdAt: 2, expireHeight: 3, status: 4, resolvedAt: 5, target: 6, amount: 7, height: 8, expireTimestamp: 9 } as const;
const T = { reason: 0, name: 1 } as const;

function nameKey(name: string): Uint8Array {
  return new Uint8Array(Buffer.from(name.padEnd(32, '\0').slice(0, 32), 'latin1'));
}

/** genesis parameters with governance's approved changes on top. */
export async function effectiveParams(state: WorldState, base: StakingParams): Promise<StakingParams> {
  const store = new StakingStore(state, GOVERNANCE_ADDRESS);
  const out: StakingParams = { ...base };
  for (const [name, def] of Object.entries(PARAMS)) {
    if ((await store.get(G.paramSet(name))) === 1n) def.apply(out, await store.get(G.paramValue(name)));
  }
  return out;
}

export interface GovContext {
  staking: StakingStore;
  gov: StakingStore;
  params: StakingParams;
  height: bigint;
  /** The block's timestamp, seconds (expiry by time). */
  timestamp: bigint;
  sender: Uint8Array;
}

/**
 * When a proposal stops taking votes: a height (0 = proposal_expire_period from now) or a block timestamp,
 * not both (CyberMiles allowed either; mixing both on one proposal only complicates the rule, §12.12). Time
 * expiry compares with the block's own timestamp (BFT time from the header), with no slack.
 */
export interface Expiry {
  height: bigint;
  timestamp: bigint;
}

async function members(staking: StakingStore): Promise<Array<{ owner: Uint8Array; power: bigint }>> {
  const out: Array<{ owner: Uint8Array; power: bigint }> = [];
  for (const owner of await staking.listAll(LISTS.validators)) out.push({ owner, power: await staking.get(validatorPower(owner)) });
  return out;
}

async function requireValidator(ctx: GovContext): Promise<void> {
  const set = await members(ctx.staking);
  if (!set.some((m) => equalBytes(m.owner, ctx.sender))) refuse('NotAValidator', [bytesToHex(ctx.sender)], 'only current validators propose and vote');
}

async function create(ctx: GovContext, kind: bigint, expiry: Expiry, reason: string): Promise<{ id: bigint; events: StakingEvent[] }> {
  await requireValidator(ctx);
  if (expiry.height !== 0n && expiry.timestamp !== 0n) refuse('BadExpiry', [expiry.height, expiry.timestamp], 'name an expiry height or an expiry time, not both');
  if (expiry.timestamp !== 0n && expiry.timestamp <= ctx.timestamp) refuse('BadExpiry', [expiry.height, expiry.timestamp], 'the expiry time must be after this block\'s');
  const expires = expiry.timestamp !== 0n ? 0n : expiry.height === 0n ? ctx.height + ctx.params.proposalExpireBlocks : expiry.height;
  if (expiry.timestamp === 0n && expires <= ctx.height) refuse('BadHeight', [expires], 'the expiry must be after this block');
  const id = (await ctx.gov.add(G.count, 1n)) - 1n;
  await ctx.gov.set(G.field(id, F.kind), kind);
  await ctx.gov.set(G.field(id, F.proposer), BigInt(bytesToHex(ctx.sender)));
  await ctx.gov.set(G.field(id, F.createdAt), ctx.height);
  await ctx.gov.set(G.field(id, F.expireHeight), expires);
  if (expiry.timestamp !== 0n) await ctx.gov.set(G.field(id, F.expireTimestamp), expiry.timestamp);
  await ctx.gov.set(G.field(id, F.status), PROPOSAL_STATUS.open);
  await ctx.gov.setText(G.text(id, T.reason), reason);
  await ctx.gov.listPush(G.open, [], toWord(id, 20));
  return { id, events: [{ name: 'ProposalCreated', args: [id, kind, bytesToHex(ctx.sender), expires, expiry.timestamp] }] };
}

export async function proposeChangeParam(ctx: GovContext, name: string, value: bigint, reason: string, expiry: Expiry) {
  const def = PARAMS[name];
  if (def === undefined) refuse('UnknownParam', [name], `no parameter ${name}`);
  if (!def.check(value)) refuse('BadParamValue', [name, value], `${value} is out of range for ${name}`);
  const r = await create(ctx, PROPOSAL_KIND.changeParam, expiry, reason);
  await ctx.gov.setText(G.text(r.id, T.name), name);
  await ctx.gov.set(G.field(r.id, F.amount), value);
  return r;
}

export async function proposeTransferFund(ctx: GovContext, to: Uint8Array, amount: bigint, reason: string, expiry: Expiry) {
  if (amount === 0n) refuse('ZeroAmount', [], 'the amount must be above 0');
  const pool = await ctx.staking.balanceOf(COMMUNITY_POOL_ADDRESS);
  if (amount > pool) refuse('InsufficientPool', [pool, amount], `the community pool holds ${pool} wei`);
  const r = await create(ctx, PROPOSAL_KIND.transferFund, expiry, reason);
  await ctx.gov.set(G.field(r.id, F.target), BigInt(bytesToHex(to)));
  await ctx.gov.set(G.field(r.id, F.amount), amount);
  return r;
}

export async function proposeHalt(ctx: GovContext, haltHeight: bigint, preserved: Uint8Array[], reason: string, expiry: Expiry) {
  if (haltHeight <= ctx.height) refuse('BadHeight', [haltHeight], 'the halt height must be in the future');
  const r = await create(ctx, PROPOSAL_KIND.halt, expiry, reason);
  await ctx.gov.set(G.field(r.id, F.height), haltHeight);
  for (const p of preserved) await ctx.gov.listPush(G.preserved(r.id)[0], [r.id], p);
  return r;
}

export async function proposeUpgrade(ctx: GovContext, name: string, upgradeHeight: bigint, info: string, expiry: Expiry) {
  if (upgradeHeight <= ctx.height) refuse('BadHeight', [upgradeHeight], 'the upgrade height must be in the future');
  const r = await create(ctx, PROPOSAL_KIND.upgrade, expiry, info);
  await ctx.gov.setText(G.text(r.id, T.name), name);
  await ctx.gov.set(G.field(r.id, F.height), upgradeHeight);
  return r;
}

/** Records (or changes) the sender's vote, then resolves the proposal if either side reached 2/3. */
export async function vote(ctx: GovContext, id: bigint, approve: boolean): Promise<StakingEvent[]> {
  await requireValidator(ctx);
  if (id >= (await ctx.gov.get(G.count))) refuse('NoSuchProposal', [id], `no proposal ${id}`);
  if ((await ctx.gov.get(G.field(id, F.status))) !== PROPOSAL_STATUS.open) refuse('ProposalClosed', [id], `proposal ${id} is resolved`);
  if (await expired(ctx.gov, id, ctx.height, ctx.timestamp)) refuse('ProposalClosed', [id], `proposal ${id} has expired`);
  const [votersName] = G.voters(id);
  if ((await ctx.gov.get(G.vote(id, ctx.sender))) === 0n) await ctx.gov.listPush(votersName, [id], ctx.sender);
  await ctx.gov.set(G.vote(id, ctx.sender), approve ? 1n : 2n);
  const events: StakingEvent[] = [{ name: 'Voted', args: [id, bytesToHex(ctx.sender), approve] }];
  const { yes, no, total } = await tally(ctx.staking, ctx.gov, id);
  if (3n * yes >= 2n * total) events.push(...(await resolve(ctx, id, await execute(ctx, id))));
  else if (3n * no >= 2n * total) events.push(...(await resolve(ctx, id, PROPOSAL_STATUS.rejected)));
  return events;
}

/** A proposal's yes and no votes weighed by the voters' power in the current set, and the set's total power. */
async function tally(staking: StakingStore, gov: StakingStore, id: bigint): Promise<{ yes: bigint; no: bigint; total: bigint }> {
  const set = await members(staking);
  const power = new Map(set.map((m) => [bytesToHex(m.owner), m.power]));
  let yes = 0n;
  let no = 0n;
  for (const voter of await gov.listAll(G.voters(id)[0], id)) {
    const w = power.get(bytesToHex(voter)) ?? 0n; // a voter who left the set no longer weighs
    const v = await gov.get(G.vote(id, voter));
    if (v === 1n) yes += w;
    else if (v === 2n) no += w;
  }
  return { yes, no, total: set.reduce((s, m) => s + m.power, 0n) };
}

/** Applies an approved proposal; a transfer the pool can no longer pay fails instead. */
async function execute(ctx: GovContext, id: bigint): Promise<bigint> {
  const kind = await ctx.gov.get(G.field(id, F.kind));
  if (kind === PROPOSAL_KIND.changeParam) {
    const name = Buffer.from(await ctx.gov.bytes(G.text(id, T.name))).toString('utf8');
    await ctx.gov.set(G.paramSet(name), 1n);
    await ctx.gov.set(G.paramValue(name), await ctx.gov.get(G.field(id, F.amount)));
  } else if (kind === PROPOSAL_KIND.transferFund) {
    const amount = await ctx.gov.get(G.field(id, F.amount));
    const pool = new StakingStore(ctx.staking.state, COMMUNITY_POOL_ADDRESS);
    if ((await pool.balanceOf(COMMUNITY_POOL_ADDRESS)) < amount) return PROPOSAL_STATUS.failed;
    await pool.pay((await ctx.gov.address(G.field(id, F.target))) as Uint8Array, amount);
  } else if (kind === PROPOSAL_KIND.halt) {
    await ctx.gov.set(G.haltHeight, await ctx.gov.get(G.field(id, F.height)));
    await ctx.gov.set(G.haltProposal, id + 1n);
  } else if (kind === PROPOSAL_KIND.upgrade) {
    await ctx.gov.set(G.upgradeHeight, await ctx.gov.get(G.field(id, F.height)));
    await ctx.gov.set(G.upgradeProposal, id + 1n);
  }
  return PROPOSAL_STATUS.approved;
}

async function resolve(ctx: { gov: StakingStore; height: bigint }, id: bigint, status: bigint): Promise<StakingEvent[]> {
  await ctx.gov.set(G.field(id, F.status), status);
  await ctx.gov.set(G.field(id, F.resolvedAt), ctx.height);
  // the open list is pruned at the end of the block (expiries walk it)
  return [{ name: 'ProposalResolved', args: [id, status] }];
}

/** Whether a proposal is past its expiry at a block: its height, or its time when it named one. */
async function expired(gov: StakingStore, id: bigint, height: bigint, timestamp: bigint): Promise<boolean> {
  const at = await gov.get(G.field(id, F.expireTimestamp));
  return at !== 0n ? timestamp > at : height > (await gov.get(G.field(id, F.expireHeight)));
}

/** End of block: open proposals past their expiry expire; a halt height reached deactivates the others. */
export async function governanceEndBlock(state: WorldState, height: bigint, timestamp: bigint): Promise<void> {
  const gov = new StakingStore(state, GOVERNANCE_ADDRESS);
  const staking = new StakingStore(state);
  const open = await gov.listAll(G.open);
  const still: Uint8Array[] = [];
  for (const word of open) {
    const id = BigInt(bytesToHex(word));
    const status = await gov.get(G.field(id, F.status));
    if (status !== PROPOSAL_STATUS.open) continue;
    if (await expired(gov, id, height, timestamp)) await resolve({ gov, height }, id, PROPOSAL_STATUS.expired);
    else still.push(word);
  }
  if (still.length !== open.length) await gov.listReplace(G.open, [], still);
  const halt = await gov.get(G.haltHeight);
  if (halt !== 0n && halt === height) {
    const id = (await gov.get(G.haltProposal)) - 1n;
    const preserved = new Set((await gov.listAll(G.preserved(id)[0], id)).map((p) => bytesToHex(p)));
    for (const owner of await staking.listAll(LISTS.candidates)) {
      if (preserved.has(bytesToHex(owner))) continue;
      const flags = await staking.get(CANDIDATE.flags(owner));
      await staking.set(CANDIDATE.flags(owner), flags & ~FLAG_ACTIVE);
    }
  }
}

export interface ProposalView {
  kind: bigint;
  proposer: Uint8Array;
  createdAt: bigint;
  /** 0 when the proposal expires by time. */
  expireHeight: bigint;
  /** 0 when the proposal expires by height. */
  expireTimestamp: bigint;
  status: bigint;
  resolvedAt: bigint;
  yes: bigint;
  no: bigint;
  reason: string;
}

export async function readProposal(state: WorldState, id: bigint): Promise<ProposalView | undefined> {
  const gov = new StakingStore(state, GOVERNANCE_ADDRESS);
  if (id >= (await gov.get(G.count))) return undefined;
  const { yes, no } = await tally(new StakingStore(state), gov, id);
  return {
    kind: await gov.get(G.field(id, F.kind)),
    proposer: (await gov.address(G.field(id, F.proposer))) ?? new Uint8Array(20),
    createdAt: await gov.get(G.field(id, F.createdAt)),
    expireHeight: await gov.get(G.field(id, F.expireHeight)),
    expireTimestamp: await gov.get(G.field(id, F.expireTimestamp)),
    status: await gov.get(G.field(id, F.status)),
    resolvedAt: await gov.get(G.field(id, F.resolvedAt)),
    yes,
    no,
    reason: Buffer.from(await gov.bytes(G.text(id, T.reason))).toString('utf8'),
  };
}

export async function governanceInfo(state: WorldState): Promise<{ proposals: bigint; haltHeight: bigint; upgradeHeight: bigint }> {
  const gov = new StakingStore(state, GOVERNANCE_ADDRESS);
  return { proposals: await gov.get(G.count), haltHeight: await gov.get(G.haltHeight), upgradeHeight: await gov.get(G.upgradeHeight) };
}
