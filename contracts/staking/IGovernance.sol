// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @title IGovernance
/// @notice CyberMiles' governance, as the native contract at 0x…1002 (see {CyberMilesSystem}). The same
///         interface as `GOVERNANCE_ABI` in src/staking/abi.ts (test/contracts/system-interfaces.test.ts keeps
///         them equal). Validators propose and vote with their voting power (the capped stake that also
///         finalises blocks); a proposal is approved as soon as its yes votes reach 2/3 of the set's power,
///         rejected as soon as its no votes do, and otherwise expires. No method takes CMT
///         ({ValueNotAccepted}). Each proposal names when it expires: `expireHeight` or `expireTimestamp` (a
///         block time, Unix seconds), not both ({BadExpiry}); both 0 means the chain's default period
///         (proposal_expire_period blocks).
///         Proposal kinds: 1 change a parameter, 2 transfer from the community pool, 3 halt, 4 upgrade signal;
///         statuses: 1 open, 2 approved, 3 rejected, 4 expired, 5 failed (approved but not executable).
interface IGovernance {
    // ---------------------------------------------------------------- events

    event ProposalCreated(uint256 indexed id, uint256 kind, address indexed proposer, uint256 expireHeight, uint256 expireTimestamp);
    event Voted(uint256 indexed id, address indexed voter, bool approve);
    event ProposalResolved(uint256 indexed id, uint256 status);

    // ---------------------------------------------------------------- errors

    error NotAValidator(address sender);
    error UnknownParam(string name);
    error BadParamValue(string name, uint256 value);
    /// @notice A height (expiry, halt, upgrade) that is not after the current block.
    error BadHeight(uint256 height);
    /// @notice Both an expiry height and an expiry time, or an expiry time not after the current block's.
    error BadExpiry(uint256 expireHeight, uint256 expireTimestamp);
    error ZeroAmount();
    /// @notice The community pool holds less than the transfer asks for.
    error InsufficientPool(uint256 have, uint256 want);
    error NoSuchProposal(uint256 id);
    /// @notice The proposal is resolved or expired.
    error ProposalClosed(uint256 id);
    error ValueNotAccepted(uint256 value);
    error StaticCallWrite();
    error UnknownMethod(bytes4 selector);
    error BadInput();

    // ---------------------------------------------------------------- proposals

    /// @notice Proposes setting the chain parameter `name` (CyberMiles' names: max_vals, backup_vals,
    ///         self_staking_ratio, validator_size_threshold, validators_block_award_ratio, slash_ratio,
    ///         unstake_waiting_period, max_slash_blocks, slash_enabled, block_issuance, proposal_expire_period,
    ///         min_earning_stake, election_interval)
    ///         to `value`; ratios are fixed-point with 18 decimals, booleans 0 or 1, amounts wei.
    /// @dev A current validator only ({NotAValidator}). The name and range are checked now ({UnknownParam},
    ///      {BadParamValue}); the change applies on approval. Emits {ProposalCreated}.
    /// @return id The proposal's id (ids count from 0).
    function proposeChangeParam(string calldata name, uint256 value, string calldata reason, uint256 expireHeight, uint256 expireTimestamp)
        external
        returns (uint256 id);

    /// @notice Proposes paying `amount` wei from the community pool (slashed stake) to `to`.
    /// @dev A current validator only. Only the pool can be spent, and only on approval; refused when the pool
    ///      holds less now ({InsufficientPool}); an approved transfer the pool can no longer pay ends as failed.
    ///      Emits {ProposalCreated}.
    function proposeTransferFund(address to, uint256 amount, string calldata reason, uint256 expireHeight, uint256 expireTimestamp)
        external
        returns (uint256 id);

    /// @notice Proposes halting the chain at `haltHeight`: every candidate not in `preserved` is deactivated
    ///         there (CyberMiles' retire_program).
    /// @dev A current validator only; `haltHeight` must be in the future ({BadHeight}). Emits {ProposalCreated}.
    function proposeHalt(uint256 haltHeight, address[] calldata preserved, string calldata reason, uint256 expireHeight, uint256 expireTimestamp)
        external
        returns (uint256 id);

    /// @notice Proposes a software upgrade signal: release `name` at `upgradeHeight`, with `info` for operators.
    /// @dev A current validator only; `upgradeHeight` must be in the future ({BadHeight}). Recorded on approval
    ///      for operators and their tooling ({info}). Emits {ProposalCreated}.
    function proposeUpgrade(string calldata name, uint256 upgradeHeight, string calldata info, uint256 expireHeight, uint256 expireTimestamp)
        external
        returns (uint256 id);

    /// @notice Votes on proposal `id`; a later vote replaces the caller's earlier one until the proposal resolves.
    /// @dev A current validator only; the proposal must be open ({NoSuchProposal}, {ProposalClosed}). The tally
    ///      uses the set's current powers. Emits {Voted}, and {ProposalResolved} when 2/3 is reached.
    function vote(uint256 id, bool approve) external;

    // ---------------------------------------------------------------- views

    /// @notice Proposal `id` (reverts with {NoSuchProposal}); `yes` and `no` weigh its voters by their power in
    ///         the current set.
    function proposal(uint256 id)
        external
        view
        returns (
            uint256 kind,
            address proposer,
            uint256 createdAt,
            uint256 expireHeight,
            uint256 status,
            uint256 resolvedAt,
            uint256 yes,
            uint256 no,
            string memory reason,
            uint256 expireTimestamp
        );

    /// @notice How many proposals exist, and the approved halt and upgrade heights (0 = none).
    function info() external view returns (uint256 proposals, uint256 haltHeight, uint256 upgradeHeight);

    /// @notice The parameters in force (genesis' with approved changes).
    function params()
        external
        view
        returns (
            uint256 maxValidators,
            uint256 backupValidators,
            uint256 unbondingBlocks,
            uint256 blockIssuance,
            uint256 maxMissedBlocks,
            uint256 proposalExpireBlocks
        );
}
