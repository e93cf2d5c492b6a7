// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {SettlementVault} from "./SettlementVault.sol";

/// @title PaymentChannels
/// @notice XRP Ledger style unidirectional payment channels of CMT or an ERC-20. The payer deposits funds and signs
///         off-chain claims of a cumulative amount; the recipient redeems the latest claim whenever it likes.
/// @dev Claims are EIP-712 typed data `Claim(uint256 channelId,uint256 amount)` under the domain
///      {name: "CMT PaymentChannels", version: "1", chainId, verifyingContract}, so a claim is valid for one
///      channel of one contract on one chain. The signer is the payer or a key the payer named at opening (an
///      EOA or an ERC-1271 contract, checked with OpenZeppelin's SignatureChecker).
///
///      State machine: Open -> Closed. Every channel has an `expiration` from the start (at least `settleDelay`
///      ahead), which the payer moves with {topUp} (as XRPL's PaymentChannelFund does) and pulls in to
///      `now + settleDelay` with {requestClose} (or closes at once when nothing is left unclaimed); an optional
///      immutable `cancelAfter` caps it. While open and not expired the recipient claims (channel stays open)
///      or closes (claims, then the rest goes back to the payer). The channel expires at the earlier of
///      `expiration` and `cancelAfter`; from then on no claim is accepted and anyone can {settle} it, returning
///      the unclaimed deposit to the payer. No change of expiration can leave the recipient less than the
///      settle delay to redeem its latest claim.
contract PaymentChannels is SettlementVault, EIP712 {
    /// @notice EIP-712 type hash of a claim.
    bytes32 public constant CLAIM_TYPEHASH = keccak256("Claim(uint256 channelId,uint256 amount)");
    /// @notice Longest settle delay a channel may have.
    uint64 public constant MAX_SETTLE_DELAY = 365 days;

    /// @notice One channel. `paid` is the cumulative amount the recipient has redeemed, never above `deposit`.
    struct Channel {
        address payer;
        uint64 settleDelay;
        bool open;
        address recipient;
        uint64 expiration; // always set; moved by topUp, pulled in by requestClose
        address signer;
        uint64 cancelAfter; // 0 = no hard deadline
        address asset;
        uint256 deposit;
        uint256 paid;
    }

    /// @notice Number of channels opened; channel ids are 1..channelCount.
    uint256 public channelCount;

    mapping(uint256 id => Channel) private _channels;

    /// @notice The recipient is the payer.
    error SelfChannel();
    /// @notice The settle delay is zero or above MAX_SETTLE_DELAY.
    error InvalidSettleDelay(uint64 settleDelay);
    /// @notice `cancelAfter` is set but not in the future.
    error InvalidCancelAfter(uint64 cancelAfter);
    /// @notice Channel `id` is unknown or already closed.
    error ChannelNotOpen(uint256 id);
    /// @notice Only the payer may do this.
    error NotPayer(uint256 id, address caller);
    /// @notice Only the recipient may do this.
    error NotRecipient(uint256 id, address caller);
    /// @notice The channel expired at `closesAt`; it can only be settled.
    error ChannelExpired(uint256 id, uint64 closesAt);
    /// @notice The channel has not expired yet; it expires at `closesAt`.
    error NotExpired(uint256 id, uint64 closesAt);
    /// @notice A claim must be above what was already paid.
    error ClaimNotIncreasing(uint256 id, uint256 amount, uint256 paid);
    /// @notice A claim can never exceed the deposit.
    error ClaimExceedsDeposit(uint256 id, uint256 amount, uint256 deposit);
    /// @notice The claim was not signed by the channel's signer for this channel, amount, contract and chain.
    error InvalidSignature(uint256 id);
    /// @notice An expiration must leave the recipient at least the settle delay.
    error ExpirationTooSoon(uint64 expiration, uint256 earliest);

    /// @notice Channel `id` was opened with `deposit` of `asset`.
    event ChannelOpened(
        uint256 indexed id,
        address indexed payer,
        address indexed recipient,
        address signer,
        address asset,
        uint256 deposit,
        uint64 settleDelay,
        uint64 expiration,
        uint64 cancelAfter
    );
    /// @notice The payer added `amount`; the deposit is now `deposit` and the expiration `expiration`.
    event ChannelFunded(uint256 indexed id, uint256 amount, uint256 deposit, uint64 expiration);
    /// @notice The recipient redeemed a claim of cumulative `amount`, receiving `payout` now.
    event Claimed(uint256 indexed id, address indexed recipient, uint256 amount, uint256 payout);
    /// @notice The payer asked to close; the channel expires at `expiration`.
    event CloseRequested(uint256 indexed id, uint64 expiration);
    /// @notice The channel closed: the recipient got `paid` in total, the payer `refund`.
    event ChannelClosed(uint256 indexed id, address indexed caller, uint256 paid, uint256 refund);

    constructor() EIP712("CMT PaymentChannels", "1") {}

    /// @notice Opens a channel from the caller to `recipient` funded with `amount` of `asset` (send it as
    ///         `msg.value` for CMT, approve it for a token).
    /// @param recipient Who redeems claims.
    /// @param signer The key whose EIP-712 signatures authorise claims; address(0) means the caller.
    /// @param asset NATIVE (address(0)) for CMT or an ERC-20.
    /// @param amount The initial deposit.
    /// @param settleDelay Seconds between a payer's close request and the channel's expiry (1..MAX_SETTLE_DELAY).
    /// @param expiration When the channel expires unless the payer moves it (unix seconds, at least `settleDelay`
    ///        from now).
    /// @param cancelAfter Immutable hard expiry (unix seconds, in the future), or 0 for none.
    /// @return id The new channel's id.
    function open(
        address recipient,
        address signer,
        address asset,
        uint256 amount,
        uint64 settleDelay,
        uint64 expiration,
        uint64 cancelAfter
    ) external payable nonReentrant returns (uint256 id) {
        if (recipient == address(0)) revert ZeroAddress();
        if (recipient == msg.sender) revert SelfChannel();
        if (amount == 0) revert ZeroAmount();
        _requireAsset(asset);
        if (settleDelay == 0 || settleDelay > MAX_SETTLE_DELAY) revert InvalidSettleDelay(settleDelay);
        if (expiration < block.timestamp + settleDelay) revert ExpirationTooSoon(expiration, block.timestamp + settleDelay);
        if (cancelAfter != 0 && cancelAfter <= block.timestamp) revert InvalidCancelAfter(cancelAfter);
        if (signer == address(0)) signer = msg.sender;

        id = ++channelCount;
        _channels[id] = Channel({
            payer: msg.sender,
            settleDelay: settleDelay,
            open: true,
            recipient: recipient,
            expiration: expiration,
            signer: signer,
            cancelAfter: cancelAfter,
            asset: asset,
            deposit: amount,
            paid: 0
        });
        liabilities[asset] += amount;
        emit ChannelOpened(id, msg.sender, recipient, signer, asset, amount, settleDelay, expiration, cancelAfter);
        _collect(asset, amount);
        _assertSolvent(asset);
    }

    /// @notice Adds `amount` to channel `id` and/or moves its expiration (payer only, before it expires).
    /// @param id The channel.
    /// @param amount Funds to add (`msg.value` for CMT); may be 0 when only the expiration moves.
    /// @param newExpiration 0 to keep the current expiration, otherwise a time at least `settleDelay` from now.
    function topUp(uint256 id, uint256 amount, uint64 newExpiration) external payable nonReentrant {
        Channel storage c = _openChannel(id);
        if (msg.sender != c.payer) revert NotPayer(id, msg.sender);
        _requireNotExpired(id, c);
        if (amount == 0 && newExpiration == 0) revert ZeroAmount();
        if (newExpiration != 0) {
            uint256 earliest = block.timestamp + c.settleDelay;
            if (newExpiration < earliest) revert ExpirationTooSoon(newExpiration, earliest);
            c.expiration = newExpiration;
        }
        c.deposit += amount;
        address asset = c.asset;
        liabilities[asset] += amount;
        emit ChannelFunded(id, amount, c.deposit, c.expiration);
        _collect(asset, amount);
        _assertSolvent(asset);
    }

    /// @notice Redeems a signed claim of cumulative `amount`: the recipient receives `amount` minus what it was
    ///         already paid. Recipient only, before the channel expires. The channel stays open.
    /// @param id The channel.
    /// @param amount The cumulative amount the claim grants (above what was paid, at most the deposit).
    /// @param signature The signer's EIP-712 signature of Claim(id, amount).
    /// @return payout What was sent to the recipient.
    function claim(uint256 id, uint256 amount, bytes calldata signature) external nonReentrant returns (uint256 payout) {
        Channel storage c = _openChannel(id);
        if (msg.sender != c.recipient) revert NotRecipient(id, msg.sender);
        _requireNotExpired(id, c);
        payout = _redeem(id, c, amount, signature);
        address asset = c.asset;
        _push(msg.sender, asset, payout);
        _assertSolvent(asset);
    }

    /// @notice Recipient closes the channel, first redeeming a claim of cumulative `amount` when it is above what
    ///         was paid (pass 0 and an empty signature to close without a new claim). The unclaimed rest is
    ///         credited to the payer.
    /// @param id The channel.
    /// @param amount Cumulative claim amount, or anything not above `paid` to skip redeeming.
    /// @param signature The signer's signature of Claim(id, amount) when redeeming.
    /// @return payout What was sent to the recipient.
    function close(uint256 id, uint256 amount, bytes calldata signature) external nonReentrant returns (uint256 payout) {
        Channel storage c = _openChannel(id);
        if (msg.sender != c.recipient) revert NotRecipient(id, msg.sender);
        _requireNotExpired(id, c);
        if (amount > c.paid) payout = _redeem(id, c, amount, signature);
        _closeChannel(id, c);
        address asset = c.asset;
        _push(msg.sender, asset, payout);
        _assertSolvent(asset);
    }

    /// @notice Payer asks to close channel `id`: it expires `settleDelay` seconds from now (or keeps an earlier
    ///         expiration), giving the recipient time to redeem its latest claim. Closes at once when nothing
    ///         is left unclaimed.
    /// @param id The channel.
    function requestClose(uint256 id) external nonReentrant {
        Channel storage c = _openChannel(id);
        if (msg.sender != c.payer) revert NotPayer(id, msg.sender);
        _requireNotExpired(id, c);
        if (c.paid == c.deposit) {
            _closeChannel(id, c); // refund is 0: nothing moves
            return;
        }
        uint64 expiration = uint64(block.timestamp) + c.settleDelay;
        if (expiration < c.expiration) c.expiration = expiration;
        emit CloseRequested(id, c.expiration);
    }

    /// @notice Closes an expired channel (anyone may call): the unclaimed deposit goes back to the payer, pushed
    ///         when the payer calls and credited to its {owed} balance otherwise.
    /// @param id The channel.
    function settle(uint256 id) external nonReentrant {
        Channel storage c = _openChannel(id);
        uint64 closesAt_ = _closesAt(c);
        if (block.timestamp < closesAt_) revert NotExpired(id, closesAt_);
        uint256 refund = c.deposit - c.paid;
        c.open = false;
        address asset = c.asset;
        liabilities[asset] -= refund;
        emit ChannelClosed(id, msg.sender, c.paid, refund);
        _payOrCredit(c.payer, asset, refund);
        _assertSolvent(asset);
    }

    /// @notice Channel `id` (all zero for an unknown id).
    /// @param id The channel.
    /// @return The stored channel.
    function getChannel(uint256 id) external view returns (Channel memory) {
        return _channels[id];
    }

    /// @notice When channel `id` expires: the earlier of its expiration and cancelAfter (0 for an unknown id).
    /// @param id The channel.
    /// @return The expiry time (unix seconds).
    function closesAt(uint256 id) external view returns (uint64) {
        return _closesAt(_channels[id]);
    }

    /// @notice The EIP-712 digest a signer signs to grant cumulative `amount` on channel `id`.
    /// @param id The channel.
    /// @param amount The cumulative amount.
    /// @return The digest.
    function claimDigest(uint256 id, uint256 amount) public view returns (bytes32) {
        return _hashTypedDataV4(keccak256(abi.encode(CLAIM_TYPEHASH, id, amount)));
    }

    function _openChannel(uint256 id) private view returns (Channel storage c) {
        c = _channels[id];
        if (!c.open) revert ChannelNotOpen(id);
    }

    function _requireNotExpired(uint256 id, Channel storage c) private view {
        uint64 closesAt_ = _closesAt(c);
        if (block.timestamp >= closesAt_) revert ChannelExpired(id, closesAt_);
    }

    function _closesAt(Channel storage c) private view returns (uint64) {
        (uint64 e, uint64 k) = (c.expiration, c.cancelAfter);
        return k != 0 && k < e ? k : e;
    }

    /// @dev Checks a claim and records it as paid; the caller sends `payout` to the recipient.
    function _redeem(uint256 id, Channel storage c, uint256 amount, bytes calldata signature) private returns (uint256 payout) {
        uint256 paid = c.paid;
        if (amount <= paid) revert ClaimNotIncreasing(id, amount, paid);
        if (amount > c.deposit) revert ClaimExceedsDeposit(id, amount, c.deposit);
        if (!SignatureChecker.isValidSignatureNow(c.signer, claimDigest(id, amount), signature)) revert InvalidSignature(id);
        // amount > paid was checked above, so this cannot underflow.
        unchecked {
            payout = amount - paid;
        }
        c.paid = amount;
        liabilities[c.asset] -= payout;
        emit Claimed(id, c.recipient, amount, payout);
    }

    /// @dev Marks the channel closed and credits the unclaimed rest to the payer (who is not the caller here).
    function _closeChannel(uint256 id, Channel storage c) private {
        uint256 refund = c.deposit - c.paid;
        c.open = false;
        liabilities[c.asset] -= refund;
        emit ChannelClosed(id, msg.sender, c.paid, refund);
        _credit(c.payer, c.asset, refund);
    }
}
