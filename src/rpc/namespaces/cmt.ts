/**
 * cmt_ methods in CyberMiles' shapes (reference/cybermiles.md §6.2): status and the pool, for tools written
 * against the original (web3-cmt's `cmt.syncing`, `cmt.pendingTransactionCount`), and the staking and
 * governance queries (cmt_queryValidators, cmt_queryValidator, cmt_queryDelegator, cmt_queryParams,
 * cmt_queryProposals): `{height, data}` at a block (default latest), read from the staking state. The write methods
 * are in cmtWrites.ts, the transaction reads and cmt_queryAbsentValidators in cmtTx.ts.
 */
import { parseQuantity, toQuantity } from '../../encoding/index.ts';
import { bytesToHex } from '../../primitives/index.ts';
import { invalidParams } from '../errors.ts';
import { formatTx } from '../format.ts';
import type { HandlerTable } from '../params.ts';
import { parseAddress } from '../../encoding/index.ts';
import { LISTS_VIEW, lastAwards, PROPOSAL_KIND, PROPOSAL_STATUS, RATE_ONE, elect, pendingRewards, readCandidate, readProposal, governanceInfo } from '../../staking/index.ts';
import type { StakingParams, StakingStore } from '../../staking/index.ts';
import { ratio, stakingQuery } from './cmtShared.ts';

/** The original's default and cap for cmt_getPendingTransactions. */
const DEFAULT_PENDING_LIMIT = 30;
const MAX_PENDING_LIMIT = 100;

export const cmtHandlers: HandlerTable = {
  /** The original's snake_case object (CometBFT's sync_info); catching_up while block sync has blocks to fetch. */
  cmt_syncing: (_p, backend) => {
    const head = backend.head();
    return {
      latest_block_hash: bytesToHex(head.hash),
      latest_app_hash: bytesToHex(head.header.stateRoot),
      latest_block_height: Number(head.header.height),
      latest_block_time: new Date(Number(head.header.timestamp) * 1000).toISOString(),
      catching_up: backend.catchingUp(),
    };
  },
  /** Executable and queued transactions in the pool, as a quantity. */
  cmt_pendingTransactionCount: (_p, backend) => {
    const s = backend.pool.stats();
    return toQuantity(s.pending + s.queued);
  },
  /** Up to `limit` (default 30, at most 100) pool transactions, executable ones first, in eth_ transaction form. */
  cmt_getPendingTransactions: (params, backend) => {
    const limit = params[0] == null ? DEFAULT_PENDING_LIMIT : Number(parseQuantity(params[0], 'limit'));
    if (limit < 1 || limit > MAX_PENDING_LIMIT) throw invalidParams(`limit must be between 1 and ${MAX_PENDING_LIMIT}, got ${limit}`);
    const { pending, queued } = backend.pool.content();
    const txs = [...pending.values(), ...queued.values()].flat().slice(0, limit);
    return txs.map((tx) => formatTx(tx.tx, tx.sender, undefined));
  },
  cmt_queryValidators: (params, backend) => stakingQuery(backend, params[0], async (store, p) => {
    const rank = await ranks(store, p);
    const out = [];
    for (const owner of await store.listAll(LISTS_VIEW.candidates)) out.push(await candidateJson(store, owner, rank));
    return out;
  }),
  cmt_queryValidator: (params, backend) => {
    const owner = parseAddress(params[0], 'address');
    return stakingQuery(backend, params[1], async (store, p) => {
      const rank = await ranks(store, p);
      return (await readCandidate(store, owner)) === undefined ? null : candidateJson(store, owner, rank);
    });
  },
  /** Every delegation of an address, with its candidate and the rewards it can claim. */
  cmt_queryDelegator: (params, backend) => {
    const delegator = parseAddress(params[0], 'address');
    return stakingQuery(backend, params[1], async (store) => {
      const out = [];
      for (const owner of await store.listAll(LISTS_VIEW.candidates)) {
        const amount = await store.get(LISTS_VIEW.delegation(owner, delegator));
        if (amount === 0n) continue;
        const c = await readCandidate(store, owner);
        out.push({
          delegator_address: bytesToHex(delegator),
          validator_address: bytesToHex(owner),
          pub_key: c === undefined ? null : Buffer.from(c.pubKey).toString('base64'),
          delegate_amount: amount.toString(),
          award_amount: (await pendingRewards(store, owner, delegator)).toString(),
          comp_rate: ratio({ num: await store.get(LISTS_VIEW.delegationRate(owner, delegator)), den: RATE_ONE }),
        });
      }
      return out;
    });
  },
  /** What the block paid each validator and backup (its share before commission), CyberMiles' award infos. */
  cmt_queryAwardInfos: (params, backend) =>
    stakingQuery(backend, params[0], async (store) =>
      (await lastAwards(store)).map((a) => ({ address: bytesToHex(a.owner), state: a.validator ? 'Validator' : 'Backup Validator', amount: a.amount.toString() })),
    ),
  /** The parameters in force (genesis with governance's changes), in CyberMiles' names; ratios as decimals. */
  cmt_queryParams: (params, backend) =>
    stakingQuery(backend, params[0], async (_store, p) => ({
      max_vals: p.maxValidators,
      backup_vals: p.backupValidators,
      self_staking_ratio: ratio(p.selfStakeRatio),
      validator_size_threshold: ratio(p.sizeThreshold),
      unstake_waiting_period: Number(p.unbondingBlocks),
      block_issuance: p.blockIssuance.toString(),
      validators_block_award_ratio: ratio(p.validatorsShare),
      slash_ratio: ratio(p.slashRatio),
      max_slash_blocks: Number(p.maxMissedBlocks),
      slash_enabled: p.slashAbsence,
      proposal_expire_period: Number(p.proposalExpireBlocks),
      min_earning_stake: p.minEarningStake.toString(),
      election_interval: Number(p.electionInterval),
      foundation_address: bytesToHex(p.foundation),
    })),
  cmt_queryProposals: (params, backend) =>
    stakingQuery(backend, params[0], async (store) => {
      const { proposals } = await governanceInfo(store.state);
      const kinds = Object.fromEntries(Object.entries(PROPOSAL_KIND).map(([k, v]) => [v.toString(), k]));
      const statuses = Object.fromEntries(Object.entries(PROPOSAL_STATUS).map(([k, v]) => [v.toString(), k]));
      const out = [];
      for (let id = 0n; id < proposals; id++) {
        const p = await readProposal(store.state, id);
        if (p === undefined) continue;
        out.push({
          id: Number(id),
          type: kinds[p.kind.toString()],
          proposer: bytesToHex(p.proposer),
          block_height: Number(p.createdAt),
          expire_block_height: Number(p.expireHeight),
          expire_timestamp: Number(p.expireTimestamp),
          result: statuses[p.status.toString()],
          result_block_height: Number(p.resolvedAt),
          yes: p.yes.toString(),
          no: p.no.toString(),
          reason: p.reason,
        });
      }
      return out;
    }),
};

/** Each elected candidate's rank and state (validators first, then backups), by owner address. */
async function ranks(store: StakingStore, params: StakingParams): Promise<Map<string, [number, string]>> {
  const elected = await elect(store, params);
  const rank = new Map<string, [number, string]>();
  elected.validators.forEach((v, i) => rank.set(bytesToHex(v.owner), [i, 'Validator']));
  elected.backups.forEach((v, i) => rank.set(bytesToHex(v.owner), [elected.validators.length + i, 'Backup Validator']));
  return rank;
}

async function candidateJson(store: StakingStore, owner: Uint8Array, rank: Map<string, [number, string]>) {
  const c = await readCandidate(store, owner);
  if (c === undefined) return null;
  const r = rank.get(bytesToHex(owner));
  return {
    owner_address: bytesToHex(owner),
    pub_key: { type: 'tendermint/PubKeyEd25519', value: Buffer.from(c.pubKey).toString('base64') },
    shares: c.bonded.toString(),
    voting_power: (await store.get(LISTS_VIEW.validatorPower(owner))).toString(),
    max_shares: c.maxStake.toString(),
    comp_rate: ratio({ num: c.commission, den: RATE_ONE }),
    description: c.description,
    verified: c.verified ? 'Y' : 'N',
    active: c.active ? 'Y' : 'N',
    withdrawn: c.withdrawn,
    block_height: Number(c.declaredAt),
    rank: r?.[0] ?? null,
    state: r?.[1] ?? 'Candidate',
    num_of_delegators: Number(await store.listLength(LISTS_VIEW.delegators, owner)),
  };
}
