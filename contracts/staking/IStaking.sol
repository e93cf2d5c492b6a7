// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @title IStaking
/// @notice CyberMiles' delegated proof of stake, as the native contract at 0x…1000 (see {CyberMilesSystem}).
///         The same interface as `STAKING_ABI` in src/staking/abi.ts (test/contracts/system-interfaces.test.ts
///         keeps them equal). Amounts are wei; rates (commissions) are fixed-point with 18 decimals
///         (1e18 = 1, 0.2 = 2e17). A refusal reverts with one of the custom errors below; every change
///         emits an event. The contract is native code: DELEGATECALL and CALLCODE to it are refused, and a
///         write through STATICCALL reverts with {StaticCallWrite}. Gas is a fixed amount per method.
interface IStaking {
    // ---------------------------------------------------------------- events

    event CandidateDeclared(address indexed candidate, bytes32 pubKey, uint256 maxStake, uint256 commission);
    event CandidateUpdated(address indexed candidate, bytes32 pubKey, uint256 maxStake, uint256 commission);
    event CandidacyWithdrawn(address indexed candidate);
    event CandidateActivated(address indexed candidate);
    event CandidateDeactivated(address indexed candidate);
    event CandidateVerified(address indexed candidate, bool verified);
    event Delegated(address indexed candidate, address indexed delegator, uint256 amount);
    /// @notice Stake left a delegation; it is paid to the delegator at block `maturity` (slashable until then).
    event Unbonding(address indexed candidate, address indexed delegator, uint256 amount, uint256 maturity);
    event Unbonded(address indexed delegator, uint256 amount);
    event RewardsClaimed(address indexed delegator, uint256 amount);
    event CompRateSet(address indexed candidate, address indexed delegator, uint256 compRate);
    /// @notice Step 1 of an owner change: `newOwner` may take over `candidate` with request `requestId`.
    event OwnerChangeRequested(address indexed candidate, address indexed newOwner, uint256 requestId);
    /// @notice Step 2: `newOwner` controls `candidate` (its id, the declaring address, stays the same).
    event OwnerChanged(address indexed candidate, address indexed oldOwner, address indexed newOwner);

    // ---------------------------------------------------------------- errors

    error NotACandidate(address owner);
    error AlreadyCandidate(address owner);
    /// @notice The consensus key is not 32 bytes of a non-zero ed25519 public key.
    error BadPubKey(bytes32 pubKey);
    error PubKeyInUse(bytes32 pubKey);
    error ZeroAmount();
    /// @notice A commission outside (0, 1e18).
    error BadCommission(uint256 commission);
    /// @notice The call's value is not the self-stake the call requires.
    error WrongSelfStake(uint256 expected, uint256 sent);
    error CandidateWithdrawn(address owner);
    /// @notice The candidate's stake would exceed its declared maximum (or a new maximum is below the bonded stake).
    error AboveMaxStake(uint256 maxStake, uint256 wouldBe);
    error InsufficientDelegation(uint256 have, uint256 want);
    /// @notice A candidate withdrawing its own stake must keep the self-stake its maximum requires.
    error BelowSelfStake(uint256 required, uint256 remaining);
    error NotFoundation(address sender);
    /// @notice The address has no stake with the candidate.
    error NotADelegator(address delegator);
    /// @notice No open owner-change request has this id (never made, accepted, or replaced by a later one).
    error NoSuchRequest(uint256 requestId);
    /// @notice The request names another account.
    error NotRequested(address sender);
    /// @notice The account already controls or is a candidate, or delegates to this one.
    error AccountInUse(address account);
    /// @notice CMT sent to a method that takes none.
    error ValueNotAccepted(uint256 value);
    error StaticCallWrite();
    error UnknownMethod(bytes4 selector);
    /// @notice The calldata does not decode as the method's arguments.
    error BadInput();

    // ---------------------------------------------------------------- candidates
    //
    // A candidate is identified by the address that declared it; its own actions (update, withdraw, activate,
    // deactivate, setCompRate, updateCandidacyAccount) come from the account controlling it: that address,
    // unless an owner change handed it to another ({controllerOf}).

    /// @notice Makes the caller a candidate with consensus key `pubKey`, a declared maximum stake and a commission.
    /// @dev Anyone not yet a candidate. The call's value must be exactly the self-stake, `maxStake` times the
    ///      self-staking ratio (10% by default), else {WrongSelfStake}. Emits {CandidateDeclared} and {Delegated}.
    /// @param pubKey The ed25519 public key that will sign blocks (unique among candidates).
    /// @param maxStake The most stake (wei) the candidate accepts, its own included.
    /// @param commission The share of its delegators' rewards the candidate keeps, in (0, 1e18).
    /// @param description Free text shown in queries (CyberMiles: name, website, location, ...).
    function declareCandidacy(bytes32 pubKey, uint256 maxStake, uint256 commission, string calldata description) external payable;

    /// @notice Changes the caller's candidacy; a zero `pubKey`, `maxStake` or `commission` and an empty
    ///         `description` keep the current value.
    /// @dev The candidate's controller only. Raising the maximum takes the extra self-stake it requires as the call's value
    ///      (exactly, else {WrongSelfStake}; otherwise the value must be 0); a maximum below the bonded stake is
    ///      refused. A new key takes effect at the next set change; a new description clears verification.
    ///      Emits {CandidateUpdated} (and {Delegated} for extra self-stake).
    function updateCandidacy(bytes32 pubKey, uint256 maxStake, uint256 commission, string calldata description) external payable;

    /// @notice Ends the caller's candidacy: every delegation to it starts unbonding and it leaves the election.
    /// @dev The candidate's controller only; no value. Emits {Unbonding} per delegation and {CandidacyWithdrawn}.
    function withdrawCandidacy() external;

    /// @notice Puts the caller's candidacy back into the election (after a deactivation or a slash).
    /// @dev The candidate's controller only; no value. Emits {CandidateActivated}.
    function activateCandidacy() external;

    /// @notice Takes the caller's candidacy out of the election; its stake stays bonded.
    /// @dev The candidate's controller only; no value. Emits {CandidateDeactivated}.
    function deactivateCandidacy() external;

    /// @notice Marks `candidate` verified (or not) by the foundation.
    /// @dev The chain's foundation address only, else {NotFoundation}; no value. Emits {CandidateVerified}.
    function verifyCandidacy(address candidate, bool verified) external;

    /// @notice Lowers the commission the caller's candidate takes from `delegator`'s rewards (CyberMiles'
    ///         per-delegator rate); rewards up to now are settled at the old rate.
    /// @dev The candidate's controller only; no value. `compRate` in (0, the candidate's own rate]
    ///      ({BadCommission}); `delegator` must have stake with it ({NotADelegator}). Emits {CompRateSet}.
    function setCompRate(address delegator, uint256 compRate) external;

    /// @notice Step 1 of the two-step owner change: names the account that may take over the caller's
    ///         candidate. A later request replaces an open one.
    /// @dev The candidate's controller only; no value. `newOwner` must not control or be another candidate,
    ///      nor delegate to this one ({AccountInUse}). Emits {OwnerChangeRequested}.
    /// @return requestId The id `newOwner` passes to {acceptCandidacyAccountUpdate}.
    function updateCandidacyAccount(address newOwner) external returns (uint256 requestId);

    /// @notice Step 2: the named account takes over the candidate. Its value replaces the old controller's
    ///         self-stake, which is paid back to the old controller at once (the stake stays bonded and the
    ///         validator keeps its seat); commission and the candidate's actions go to the caller from now on.
    /// @dev The account the request names only ({NoSuchRequest}, {NotRequested}). The value must be exactly the
    ///      old controller's self-stake ({WrongSelfStake}). Emits {OwnerChanged}.
    function acceptCandidacyAccountUpdate(uint256 requestId) external payable;

    // ---------------------------------------------------------------- delegators

    /// @notice Stakes the call's value with `candidate`; the caller is the delegator.
    /// @dev Anyone, contracts included. The value must be above 0 and keep the candidate's stake within its
    ///      maximum ({AboveMaxStake}). A delegation below the minimum earning stake (1,000 CMT by default)
    ///      earns no rewards. A new delegation pays the candidate's commission rate. Emits {Delegated}.
    function delegate(address candidate) external payable;

    /// @notice Starts unbonding `amount` of the caller's stake with `candidate`; paid after the unbonding period.
    /// @dev The delegator; no value. A candidate keeps its required self-stake ({BelowSelfStake}) until it
    ///      withdraws its candidacy. Emits {Unbonding} (and {Unbonded} at maturity).
    function withdraw(address candidate, uint256 amount) external;

    /// @notice Pays the caller the rewards of its delegation to `candidate` and any settled before
    ///         (the zero address claims only the settled ones).
    /// @dev The delegator; no value. Emits {RewardsClaimed}.
    function claimRewards(address candidate) external;

    /// @notice Adds the caller's rewards from `candidate` to its stake with `candidate`.
    /// @dev The delegator; no value. Refused without rewards ({ZeroAmount}) or above the maximum. Emits {Delegated}.
    function restake(address candidate) external;

    // ---------------------------------------------------------------- views

    /// @notice Rewards of `delegator`'s stake with `candidate` not yet settled, and all settled rewards of `delegator`.
    function rewards(address candidate, address delegator) external view returns (uint256 pending, uint256 settled);

    /// @notice CMT minted by block rewards since genesis (wei).
    function totalMinted() external view returns (uint256);

    /// @notice How often `owner` was slashed and the total taken (wei).
    function slashes(address owner) external view returns (uint256 count, uint256 total);

    /// @notice The `index`th slash of `owner`: its block, reason (1 double sign, 2 absence) and amount.
    function slashAt(address owner, uint256 index) external view returns (uint256 height, uint256 reason, uint256 amount);

    /// @notice The candidacy of `owner`; reverts with {NotACandidate} if there is none.
    function candidate(address owner)
        external
        view
        returns (
            bytes32 pubKey,
            uint256 maxStake,
            uint256 commission,
            uint256 bonded,
            bool active,
            bool verified,
            bool withdrawn,
            uint256 declaredAt,
            string memory description
        );

    /// @notice Every candidate ever declared, in declaration order.
    function candidates() external view returns (address[] memory);

    /// @notice `delegator`'s bonded stake with `candidate` (wei).
    function delegation(address candidate, address delegator) external view returns (uint256);

    /// @notice `delegator`'s stake that is unbonding, not yet paid (wei).
    function pendingUnbonding(address delegator) external view returns (uint256);

    /// @notice `delegator`'s stake with `candidate`, the commission rate it pays, and its earning stake (the
    ///         amount when it is at least the minimum that earns rewards, else 0).
    function delegationInfo(address candidate, address delegator)
        external
        view
        returns (uint256 amount, uint256 compRate, uint256 earning);

    /// @notice The account controlling `candidate`: the declaring address unless an owner change moved it.
    function controllerOf(address candidate) external view returns (address);

    /// @notice The validator set consensus has now, with voting powers (capped stake in whole CMT).
    function validators() external view returns (address[] memory owners, uint256[] memory powers);

    /// @notice The backup validators the election would choose now, with their powers.
    function backups() external view returns (address[] memory owners, uint256[] memory powers);
}
