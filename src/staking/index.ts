/**
 * staking: CyberMiles' delegated proof of stake as rules over the staking account's storage (one state,
 * under the block's state root): candidates, delegations, unbonding, the election and its changes to the
 * validator set, block rewards with lazy accounting, slashing, governance, and the staking and governance
 * contracts that transactions call (ADR 0014).
 */
export { GOVERNANCE_ABI, STAKING_ABI, governanceInterface, stakingInterface } from './abi.ts';
export { STAKING_METHODS, runStakingCall } from './contract.ts';
export { GOVERNANCE_METHODS, runGovernanceCall } from './governanceContract.ts';
export { PROPOSAL_KIND, PROPOSAL_STATUS, RATIO_PARAMS, effectiveParams } from './governance.ts';
export type { StakingCall, StakingOutcome } from './contract.ts';
export { applyElection, elect, seatOf } from './election.ts';
export type { ElectedValidator, Election, SetChange } from './election.ts';
export { stakingEndBlock, stakingGenesis } from './blocks.ts';
export type { EndBlockInputs, GenesisCandidate } from './blocks.ts';
export { REWARD_SCALE, lastAwards, pendingRewards } from './rewards.ts';
export { COMMUNITY_POOL_ADDRESS, GOVERNANCE_ADDRESS, STAKING_ADDRESS } from './layout.ts';
export { SLASH_ABSENCE, SLASH_DOUBLE_SIGN } from './slashing.ts';
export type { DoubleSign } from './slashing.ts';
export { MAINNET_STAKING_PARAMS, POWER_UNIT_WEI, RATE_ONE } from './params.ts';
export type { Ratio, StakingParams } from './params.ts';
export { actingAs, controllerOf, extraSelfStake, readCandidate, selfStakeFor } from './rules.ts';
export { ownerRequestCandidate } from './owners.ts';
export type { CandidateView } from './rules.ts';
export { StakingStore, toWord } from './store.ts';
export { StakingError, refuse } from './errors.ts';
export { abiAddress, runAbiCall } from './dispatch.ts';
export type { MethodSpec, NativeCallInput, NativeCallOutcome } from './dispatch.ts';

/** Storage locations queries need (the RPC reads staking state directly). */
export { LISTS_VIEW } from './queries.ts';
export { governanceInfo, readProposal } from './governance.ts';
