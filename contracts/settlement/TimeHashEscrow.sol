// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {SettlementVault} from "./SettlementVault.sol";

/// @title TimeHashEscrow
/// @notice XRP Ledger style escrows (EscrowCreate / EscrowFinish / EscrowCancel) of CMT or an ERC-20, released
///         to a destination by time (`finishAfter`) and/or a hash condition (the sha256 preimage of
///         `condition`), or returned to the owner after `cancelAfter`.
/// @dev State machine: Held -> Finished (anyone, `finishAfter <= now < cancelAfter`, matching preimage) or
///      Held -> Cancelled (anyone, `now >= cancelAfter`). Unlike XRPL, `cancelAfter` is mandatory, so every
///      escrow has a deadline after which anyone can push it to its default outcome (back to the owner).
///      `condition` is sha256(preimage) of a raw preimage, not the DER-encoded PREIMAGE-SHA-256
///      crypto-condition of the IETF draft. Keep the preimage secret until release: anyone who learns it
///      can finish the escrow (the funds still only go to the destination).
contract TimeHashEscrow is SettlementVault {
    /// @notice Lifecycle of an escrow.
    enum Status {
        None,
        Held,
        Finished,
        Cancelled
    }

    /// @notice One escrow; immutable except for `status`.
    struct Escrow {
        address owner;
        uint64 finishAfter; // 0 = no time lock (then `condition` is required)
        Status status;
        address destination;
        uint64 cancelAfter; // always set
        address asset;
        uint256 amount;
        bytes32 condition; // sha256(preimage); 0 = no hash condition
    }

    /// @notice Number of escrows created; escrow ids are 1..escrowCount.
    uint256 public escrowCount;

    mapping(uint256 id => Escrow) private _escrows;

    /// @notice `cancelAfter` is not in the future.
    error InvalidCancelAfter(uint64 cancelAfter);
    /// @notice `finishAfter` is set but not in the future, or not before `cancelAfter`.
    error InvalidFinishAfter(uint64 finishAfter, uint64 cancelAfter);
    /// @notice Neither `finishAfter` nor `condition` is set: the escrow would be an ordinary payment.
    error NoReleaseCondition();
    /// @notice The escrow `id` is not held (unknown, finished or cancelled).
    error EscrowNotHeld(uint256 id, Status status);
    /// @notice Finishing before `finishAfter`.
    error TooEarly(uint256 id, uint64 finishAfter);
    /// @notice Finishing at or after `cancelAfter`: the escrow can only be cancelled now.
    error EscrowExpired(uint256 id, uint64 cancelAfter);
    /// @notice Cancelling before `cancelAfter`.
    error NotYetCancellable(uint256 id, uint64 cancelAfter);
    /// @notice The fulfillment does not hash to the condition (or one was given for an escrow without one).
    error WrongFulfillment(uint256 id);

    /// @notice Escrow `id` now holds `amount` of `asset` from `owner` for `destination`.
    event EscrowCreated(
        uint256 indexed id,
        address indexed owner,
        address indexed destination,
        address asset,
        uint256 amount,
        uint64 finishAfter,
        uint64 cancelAfter,
        bytes32 condition
    );
    /// @notice Escrow `id` was released to `destination` by `caller`.
    event EscrowFinished(uint256 indexed id, address indexed caller, address indexed destination, uint256 amount);
    /// @notice Escrow `id` was returned to `owner` by `caller`.
    event EscrowCancelled(uint256 indexed id, address indexed caller, address indexed owner, uint256 amount);

    /// @notice Locks `amount` of `asset` (send it as `msg.value` for CMT, approve it for a token) for `destination`.
    /// @param destination Who receives the funds when the escrow finishes.
    /// @param asset NATIVE (address(0)) for CMT or an ERC-20.
    /// @param amount The amount locked; must be non-zero.
    /// @param finishAfter Earliest finishing time (unix seconds), in the future and before `cancelAfter`; 0 for none.
    /// @param cancelAfter Time from which the escrow can only be cancelled (unix seconds, in the future).
    /// @param condition sha256 of the secret preimage that finishing requires; 0 for none. At least one of
    ///        `finishAfter` and `condition` must be set.
    /// @return id The new escrow's id.
    function create(
        address destination,
        address asset,
        uint256 amount,
        uint64 finishAfter,
        uint64 cancelAfter,
        bytes32 condition
    ) external payable nonReentrant returns (uint256 id) {
        if (destination == address(0)) revert ZeroAddress();
        if (amount == 0) revert ZeroAmount();
        _requireAsset(asset);
        if (cancelAfter <= block.timestamp) revert InvalidCancelAfter(cancelAfter);
        if (finishAfter != 0 && (finishAfter <= block.timestamp || finishAfter >= cancelAfter)) {
            revert InvalidFinishAfter(finishAfter, cancelAfter);
        }
        if (finishAfter == 0 && condition == bytes32(0)) revert NoReleaseCondition();

        id = ++escrowCount;
        _escrows[id] = Escrow({
            owner: msg.sender,
            finishAfter: finishAfter,
            status: Status.Held,
            destination: destination,
            cancelAfter: cancelAfter,
            asset: asset,
            amount: amount,
            condition: condition
        });
        liabilities[asset] += amount;
        emit EscrowCreated(id, msg.sender, destination, asset, amount, finishAfter, cancelAfter, condition);
        _collect(asset, amount);
        _assertSolvent(asset);
    }

    /// @notice Releases escrow `id` to its destination. Anyone may call it once `finishAfter` has passed and
    ///         before `cancelAfter`, with the preimage if the escrow has a condition. Paid straight to the
    ///         destination when it calls, otherwise credited to its {owed} balance.
    /// @param id The escrow.
    /// @param fulfillment The preimage whose sha256 is the condition; empty when the escrow has no condition.
    function finish(uint256 id, bytes calldata fulfillment) external nonReentrant {
        Escrow storage e = _escrows[id];
        if (e.status != Status.Held) revert EscrowNotHeld(id, e.status);
        if (block.timestamp >= e.cancelAfter) revert EscrowExpired(id, e.cancelAfter);
        if (block.timestamp < e.finishAfter) revert TooEarly(id, e.finishAfter);
        if (e.condition == bytes32(0) ? fulfillment.length != 0 : sha256(fulfillment) != e.condition) {
            revert WrongFulfillment(id);
        }
        e.status = Status.Finished;
        (address destination, address asset, uint256 amount) = (e.destination, e.asset, e.amount);
        liabilities[asset] -= amount;
        emit EscrowFinished(id, msg.sender, destination, amount);
        _payOrCredit(destination, asset, amount);
        _assertSolvent(asset);
    }

    /// @notice Returns escrow `id` to its owner. Anyone may call it from `cancelAfter` on. Paid straight to the
    ///         owner when it calls, otherwise credited to its {owed} balance.
    /// @param id The escrow.
    function cancel(uint256 id) external nonReentrant {
        Escrow storage e = _escrows[id];
        if (e.status != Status.Held) revert EscrowNotHeld(id, e.status);
        if (block.timestamp < e.cancelAfter) revert NotYetCancellable(id, e.cancelAfter);
        e.status = Status.Cancelled;
        (address owner, address asset, uint256 amount) = (e.owner, e.asset, e.amount);
        liabilities[asset] -= amount;
        emit EscrowCancelled(id, msg.sender, owner, amount);
        _payOrCredit(owner, asset, amount);
        _assertSolvent(asset);
    }

    /// @notice The escrow `id` (all zero for an unknown id).
    /// @param id The escrow.
    /// @return The stored escrow.
    function getEscrow(uint256 id) external view returns (Escrow memory) {
        return _escrows[id];
    }
}
