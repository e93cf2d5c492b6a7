/**
 * The staking contract's interface as Solidity sees it (ethers, viem and other contracts call it like any
 * contract at STAKING_ADDRESS). Rates are fixed-point with 18 decimals; amounts are wei.
 */
import { Interface } from 'ethers';

export const STAKING_ABI = [
  'function declareCandidacy(bytes32 pubKey, uint256 maxStake, uint256 commission, string description) payable',
  'function withdrawCandidacy()',
  'function activateCandidacy()',
  'function deactivateCandidacy()',
  'function verifyCandidacy(address candidate, bool verified)',
  'function delegate(address candidate) payable',
  'function withdraw(address candidate, uint256 amount)',
  'function claimRewards(address candidate)',
  'function restake(address candidate)',
  'function rewards(address candidate, address delegator) view returns (uint256 pending, uint256 settled)',
  'function totalMinted() view returns (uint256)',
  'function slashes(address owner) view returns (uint256 count, uint256 total)',
  'function slashAt(address owner, uint256 index) view returns (uint256 height, uint256 reason, uint256 amount)',
  'function candidate(address owner) view returns (bytes32 pubKey, uint256 maxStake, uint256 commission, uint256 bonded, bool active, bool verified, bool withdrawn, uint256 declaredAt, string description)',
  'function candidates() view returns (address[])',
  'function delegation(address candidate, address delegator) view returns (uint256)',
  'function pendingUnbonding(address delegator) view returns (uint256)',
  'function validators() view returns (address[] owners, uint256[] powers)',
  'function backups() view returns (address[] owners, uint256[] powers)',
  'event CandidateDeclared(address indexed candidate, bytes32 pubKey, uint256 maxStake, uint256 commission)',
  'event CandidacyWithdrawn(address indexed candidate)',
  'event CandidateActivated(address indexed candidate)',
  'event CandidateDeactivated(address indexed candidate)',
  'event CandidateVerified(address indexed candidate, bool verified)',
  'event Delegated(address indexed candidate, address indexed delegator, uint256 amount)',
  'event Unbonding(address indexed candidate, address indexed delegator, uint256 amount, uint256 maturity)',
  'event Unbonded(address indexed delegator, uint256 amount)',
  'event RewardsClaimed(address indexed delegator, uint256 amount)',
  'error NotACandidate(address owner)',
  'error AlreadyCandidate(address owner)',
  'error BadPubKey(bytes32 pubKey)',
  'error PubKeyInUse(bytes32 pubKey)',
  'error ZeroAmount()',
  'error BadCommission(uint256 commission)',
  'error WrongSelfStake(uint256 expected, uint256 sent)',
  'error CandidateWithdrawn(address owner)',
  'error AboveMaxStake(uint256 maxStake, uint256 wouldBe)',
  'error InsufficientDelegation(uint256 have, uint256 want)',
  'error BelowSelfStake(uint256 required, uint256 remaining)',
  'error NotFoundation(address sender)',
  'error ValueNotAccepted(uint256 value)',
  'error StaticCallWrite()',
  'error UnknownMethod(bytes4 selector)',
  'error BadInput()',
] as const;

export const stakingInterface = new Interface(STAKING_ABI);

/** The governance contract at GOVERNANCE_ADDRESS (governance.ts). Expiry 0 = the default period. */
export const GOVERNANCE_ABI = [
  'function proposeChangeParam(string name, uint256 value, string reason, uint256 expireHeight) returns (uint256 id)',
  'function proposeTransferFund(address to, uint256 amount, string reason, uint256 expireHeight) returns (uint256 id)',
  'function proposeHalt(uint256 haltHeight, address[] preserved, string reason, uint256 expireHeight) returns (uint256 id)',
  'function proposeUpgrade(string name, uint256 upgradeHeight, string info, uint256 expireHeight) returns (uint256 id)',
  'function vote(uint256 id, bool approve)',
  'function proposal(uint256 id) view returns (uint256 kind, address proposer, uint256 createdAt, uint256 expireHeight, uint256 status, uint256 resolvedAt, uint256 yes, uint256 no, string reason)',
  'function info() view returns (uint256 proposals, uint256 haltHeight, uint256 upgradeHeight)',
  'function params() view returns (uint256 maxValidators, uint256 backupValidators, uint256 unbondingBlocks, uint256 blockIssuance, uint256 maxMissedBlocks, uint256 proposalExpireBlocks)',
  'event ProposalCreated(uint256 indexed id, uint256 kind, address indexed proposer, uint256 expireHeight)',
  'event Voted(uint256 indexed id, address indexed voter, bool approve)',
  'event ProposalResolved(uint256 indexed id, uint256 status)',
  'error NotAValidator(address sender)',
  'error UnknownParam(string name)',
  'error BadParamValue(string name, uint256 value)',
  'error BadHeight(uint256 height)',
  'error ZeroAmount()',
  'error InsufficientPool(uint256 have, uint256 want)',
  'error NoSuchProposal(uint256 id)',
  'error ProposalClosed(uint256 id)',
  'error ValueNotAccepted(uint256 value)',
  'error StaticCallWrite()',
  'error UnknownMethod(bytes4 selector)',
  'error BadInput()',
] as const;

export const governanceInterface = new Interface(GOVERNANCE_ABI);
