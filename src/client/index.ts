/**
 * client: what a dApp or script imports to use CyberMiles' staking and governance (the role web3-cmt.js
 * played for the original): `CmtClient` over an ethers JsonRpcProvider and an optional Signer, with typed
 * wrappers of every staking and governance write (each returns the mined receipt and decoded events, or
 * throws the contract's custom error as a ContractRevertError before anything is signed) and the cmt_
 * queries with typed results. It owns no protocol rule: the contracts and their ABIs are the staking
 * module's, the query shapes the RPC's. Amounts are bigint wei, rates 1e18 fixed-point bigints or decimal
 * strings; convert.ts turns people's input ("1000", "5wei", "0.2", a base64 key) into those.
 *
 *   const client = new CmtClient(provider, wallet);
 *   await client.stake.delegate(validator, 1000n * 10n ** 18n);
 *   const { data } = await client.delegator(wallet.address);
 */
export { CmtClient } from './client.ts';
export { StakingClient } from './staking.ts';
export type { AccountUpdateResult, DeclareCandidacy, Rate, UpdateCandidacy } from './staking.ts';
export { GovernanceClient } from './governance.ts';
export type { ChangeParamProposal, HaltProposal, ProposalResult, TransferFundProposal, UpgradeProposal } from './governance.ts';
export type { AtHeight, CandidateState, ChainParams, DelegationInfo, ProposalInfo, ProposalResultName, ProposalType, QueryOptions, SyncInfo, ValidatorInfo } from './queries.ts';
export type { SystemEvent, TxResult } from './transact.ts';
export { ClientError, ContractRevertError } from './errors.ts';
export type { ClientErrorCode } from './errors.ts';
export { formatCmt, formatRate, parseAddress, parseAmount, parsePubKey, parseRate } from './convert.ts';

/** The system contracts' ABIs and addresses, for callers that use ethers or viem directly. */
export { SYSTEM_ADDRESSES } from './addresses.ts';
export { GOVERNANCE_ABI, RATE_ONE, STAKING_ABI } from '../params/index.ts';
