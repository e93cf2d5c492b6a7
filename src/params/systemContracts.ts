/**
 * The system contracts as wallets and dApps see them: addresses, Solidity ABIs and the fixed-point unit of
 * rates. Values only, so that a client (src/client, a browser dApp) can import them without the staking
 * implementation, which keeps them beside its state layout (staking/layout.ts) and serves these ABIs.
 */

/** The staking contract, 0x…1000: low enough that the plain-transfer fast path never takes a call to it for a value transfer. */
export const STAKING_ADDRESS = new Uint8Array([...new Uint8Array(18), 0x10, 0x00]);

/** Where slashed stake goes (governance spends it): 0x…1001. */
export const COMMUNITY_POOL_ADDRESS = new Uint8Array([...new Uint8Array(18), 0x10, 0x01]);

/** Governance keeps its own account (proposals, votes, parameter changes): 0x…1002. */
export const GOVERNANCE_ADDRESS = new Uint8Array([...new Uint8Array(18), 0x10, 0x02]);

/** 1e18: commission rates are fixed-point with 18 decimals (0.2 = 2e17). */
export const RATE_ONE = 10n ** 18n;

/** The staking contract's interface as Solidity sees it. Rates are fixed-point with 18 decimals; amounts are wei. */
export const STAKING_ABI = [
  'function declareCandidacy(bytes32 pubKey, uint256 maxStake, uint256 commission, string description) payable',
  'function updateCandidacy(bytes32 pubKey, uint256 maxStake, uint256 commission, string description) payable',
  'function withdrawCandidacy()',
  'function activateCandidacy()',
  'function deactivateCandidacy()',
  'function verifyCandidacy(address candidate, bool verified)',
  'function delegate(address candidate) payable',
  'function withdraw(address candidate, uint256 amount)',
  'function claimRewards(address candidate)',
  'function restake(address candidate)',
  'function setCompRate(address delegator, uint256 compRate)',
  'function updateCandidacyAccount(address newOwner) returns (uint256 requestId)',
  'function acceptCandidacyAccountUpdate(uint256 requestId) payable',
  'function rewards(address candidate, address delegator) view returns (uint256 pending, uint256 settled)',
  'function totalMinted() view returns (uint256)',
  'function slashes(address owner) view returns (uint256 count, uint256 total)',
  'function slashAt(address owner, uint256 index) view returns (uint256 height, uint256 reason, uint256 amount)',
  'function candidate(address owner) view returns (bytes32 pubKey, uint256 maxStake, uint256 commission, uint256 bonded, bool active, bool verified, bool withdrawn, uint256 declaredAt, string description)',
  'function candidates() view returns (address[])',
  'function delegation(address candidate, address delegator) view returns (uint256)',
  'function pendingUnbonding(address delegator) view returns (uint256)',
  'function delegationInfo(address candidate, address delegator) view returns (uint256 amount, uint256 compRate, uint256 earning)',
  'function controllerOf(address candidate) view returns (address)',
  'function validators() view returns (address[] owners, uint256[] powers)',
  'function backups() view returns (address[] owners, uint256[] powers)',
  'event CandidateDeclared(address indexed candidate, bytes32 pubKey, uint256 maxStake, uint256 commission)',
  'event CandidateUpdated(address indexed candidate, bytes32 pubKey, uint256 maxStake, uint256 commission)',
  'event CandidacyWithdrawn(address indexed candidate)',
  'event CandidateActivated(address indexed candidate)',
  'event CandidateDeactivated(address indexed candidate)',
  'event CandidateVerified(address indexed candidate, bool verified)',
  'event Delegated(address indexed candidate, address indexed delegator, uint256 amount)',
  'event Unbonding(address indexed candidate, address indexed delegator, uint256 amount, uint256 maturity)',
  'event Unbonded(address indexed delegator, uint256 amount)',
  'event RewardsClaimed(address indexed delegator, uint256 amount)',
  'event CompRateSet(address indexed candidate, address indexed delegator, uint256 compRate)',
  'event OwnerChangeRequested(address indexed candidate, address indexed newOwner, uint256 requestId)',
  'event OwnerChanged(address indexed candidate, address indexed oldOwner, address indexed newOwner)',
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
  'error NotADelegator(address delegator)',
  'error NoSuchRequest(uint256 requestId)',
  'error NotRequested(address sender)',
  'error AccountInUse(address account)',
  'error ValueNotAccepted(uint256 value)',
  'error StaticCallWrite()',
  'error UnknownMethod(bytes4 selector)',
  'error BadInput()',
] as const;

/** The governance contract at GOVERNANCE_ADDRESS. Expiry: a height or a timestamp (0, 0 = the default period). */
export const GOVERNANCE_ABI = [
  'function proposeChangeParam(string name, uint256 value, string reason, uint256 expireHeight, uint256 expireTimestamp) returns (uint256 id)',
  'function proposeTransferFund(address to, uint256 amount, string reason, uint256 expireHeight, uint256 expireTimestamp) returns (uint256 id)',
  'function proposeHalt(uint256 haltHeight, address[] preserved, string reason, uint256 expireHeight, uint256 expireTimestamp) returns (uint256 id)',
  'function proposeUpgrade(string name, uint256 upgradeHeight, string info, uint256 expireHeight, uint256 expireTimestamp) returns (uint256 id)',
  'function vote(uint256 id, bool approve)',
  'function proposal(uint256 id) view returns (uint256 kind, address proposer, uint256 createdAt, uint256 expireHeight, uint256 status, uint256 resolvedAt, uint256 yes, uint256 no, string reason, uint256 expireTimestamp)',
  'function info() view returns (uint256 proposals, uint256 haltHeight, uint256 upgradeHeight)',
  'function params() view returns (uint256 maxValidators, uint256 backupValidators, uint256 unbondingBlocks, uint256 blockIssuance, uint256 maxMissedBlocks, uint256 proposalExpireBlocks)',
  'event ProposalCreated(uint256 indexed id, uint256 kind, address indexed proposer, uint256 expireHeight, uint256 expireTimestamp)',
  'event Voted(uint256 indexed id, address indexed voter, bool approve)',
  'event ProposalResolved(uint256 indexed id, uint256 status)',
  'error NotAValidator(address sender)',
  'error UnknownParam(string name)',
  'error BadParamValue(string name, uint256 value)',
  'error BadHeight(uint256 height)',
  'error BadExpiry(uint256 expireHeight, uint256 expireTimestamp)',
  'error ZeroAmount()',
  'error InsufficientPool(uint256 have, uint256 want)',
  'error NoSuchProposal(uint256 id)',
  'error ProposalClosed(uint256 id)',
  'error ValueNotAccepted(uint256 value)',
  'error StaticCallWrite()',
  'error UnknownMethod(bytes4 selector)',
  'error BadInput()',
] as const;
