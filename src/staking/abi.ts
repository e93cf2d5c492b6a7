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
