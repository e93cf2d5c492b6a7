/**
 * Staking parameters (reference/cybermiles.md §3.1), exact integers throughout: ratios are num/den
 * bigints, amounts wei. Genesis may override any of them (app_state.stake.params, CyberMiles' JSON names).
 */
export interface Ratio {
  num: bigint;
  den: bigint;
}

export interface StakingParams {
  /** Validators (max_vals): the top candidates by capped stake. */
  maxValidators: number;
  /** Backup validators (backup_vals): the next ones. */
  backupValidators: number;
  /** Self-stake a candidate locks, as a share of its declared maximum (self_staking_ratio). */
  selfStakeRatio: Ratio;
  /** A candidate's share of the elected stake above this counts only up to it (validator_size_threshold). */
  sizeThreshold: Ratio;
  /** Blocks between a withdrawal and its payout (unstake_waiting_period). */
  unbondingBlocks: bigint;
  /** The only account that may mark candidates verified (foundation_address); 20 bytes. */
  foundation: Uint8Array;
  /** CMT minted every block, wei (mainnet: 1e9 CMT x 8% / 3,153,600 blocks, about 25.37 CMT). */
  blockIssuance: bigint;
  /** Share of each block's rewards for the validators when backups exist (validators_block_award_ratio). */
  validatorsShare: Ratio;
  /** Share of every delegation (and unbonding) of a candidate taken for a double-sign (slash_ratio). */
  slashRatio: Ratio;
  /** Consecutive blocks a validator may miss before it is deactivated (max_slash_blocks). */
  maxMissedBlocks: bigint;
  /** Whether missing max_slash_blocks also slashes (slash_enabled), not only deactivates. */
  slashAbsence: boolean;
  /**
   * A delegation earns rewards only while it holds at least this much, wei (CyberMiles: 1,000 CMT, whose
   * smaller delegations had no voting power). A change applies to each delegation when it next changes.
   */
  minEarningStake: bigint;
  /**
   * The validator set follows the election every this many blocks (heights divisible by it); in between,
   * a member that can no longer serve (deactivated, withdrawn, nothing bonded) makes the election apply at
   * once, so it never keeps signing. 1: every block.
   */
  electionInterval: bigint;
  /** Blocks a governance proposal stays open unless it names its own expiry (proposal_expire_period). */
  proposalExpireBlocks: bigint;
}

export const MAINNET_STAKING_PARAMS: StakingParams = {
  maxValidators: 19,
  backupValidators: 5,
  selfStakeRatio: { num: 1n, den: 10n },
  sizeThreshold: { num: 3n, den: 25n },
  unbondingBlocks: 60_480n,
  foundation: new Uint8Array(20),
  blockIssuance: (10n ** 27n * 8n) / 100n / 3_153_600n,
  validatorsShare: { num: 9n, den: 10n },
  slashRatio: { num: 1n, den: 1000n },
  maxMissedBlocks: 12n,
  slashAbsence: false,
  minEarningStake: 1_000n * 10n ** 18n,
  electionInterval: 1n,
  proposalExpireBlocks: 60_480n,
};

export { RATE_ONE } from '../params/index.ts';

/** Consensus voting power is the capped stake in whole CMT. */
export const POWER_UNIT_WEI = 10n ** 18n;
