// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {AccessControlDefaultAdminRules} from
    "@openzeppelin/contracts/access/extensions/AccessControlDefaultAdminRules.sol";

/// @title LoyaltyPoints
/// @notice A merchant's loyalty points (one contract per merchant): whole points (decimals 0) that the merchant's
///         point-of-sale systems (`MINTER_ROLE`) award to customers, and that customers redeem by burning them
///         against the merchant's reward catalogue (managed by `CATALOGUE_ROLE`). Points are non-transferable
///         between customers unless the merchant (default admin) switches transfers on.
///
///         **Expiry is by batch, first in first out.** Time is cut into epochs of `epochLength` seconds
///         (epoch `e` = `[e * epochLength, (e + 1) * epochLength)`, counted from the Unix epoch). All points a
///         customer earns during one epoch form one batch, which expires at the end of the `validityEpochs`-th
///         epoch after it: at `expiresAt(e) = (e + validityEpochs + 1) * epochLength`. So points live at least
///         `validityEpochs` whole epochs and less than `validityEpochs + 1` (with 30-day epochs and
///         validityEpochs = 12: "points expire at the end of the 12th month after the month you earned them").
///         Redemptions and transfers always consume the oldest unexpired batch first; a transferred point keeps
///         its batch (its expiry). Expired points simply stop counting: balances and the supply are computed
///         over the live window of `validityEpochs + 1` epochs, so nothing has to run at expiry (ERC-7818
///         style) and every operation touches at most `validityEpochs + 1` batches.
/// @dev Not a full ERC-20: `name`, `symbol`, `decimals`, `balanceOf`, `totalSupply` and `Transfer` events (mint
///      from and burn to the zero address) are ERC-20 compatible so wallets and indexers can show points, but
///      there are no allowances, and `transfer` works only while transfers are enabled. Roles use OpenZeppelin's
///      AccessControlDefaultAdminRules (two-step admin transfer with a delay).
contract LoyaltyPoints is AccessControlDefaultAdminRules {
    /// @notice One catalogue entry.
    struct Reward {
        /// Points per unit.
        uint128 cost;
        /// Units left.
        uint64 stock;
        /// Whether it can be redeemed now.
        bool active;
        /// Shown to customers.
        string name;
    }

    /// @notice Awards points.
    bytes32 public constant MINTER_ROLE = keccak256("MINTER_ROLE");
    /// @notice Adds and updates rewards.
    bytes32 public constant CATALOGUE_ROLE = keccak256("CATALOGUE_ROLE");
    /// @notice Shortest epoch.
    uint64 public constant MIN_EPOCH_LENGTH = 1 hours;
    /// @notice Longest epoch.
    uint64 public constant MAX_EPOCH_LENGTH = 366 days;
    /// @notice Most epochs a batch lives after its own (bounds the work of every operation).
    uint32 public constant MAX_VALIDITY_EPOCHS = 48;

    /// @notice Seconds per epoch.
    uint64 public immutable epochLength;
    /// @notice Whole epochs a batch lives after the epoch it was earned in.
    uint32 public immutable validityEpochs;

    string private _name;
    string private _symbol;

    /// @notice Whether customers may transfer points to each other.
    bool public transfersEnabled;
    /// @notice Points ever awarded.
    uint256 public totalEarned;
    /// @notice Points ever redeemed (burned).
    uint256 public totalRedeemed;
    /// @notice Number of redemptions; redemption ids are 1..redemptionCount.
    uint256 public redemptionCount;

    mapping(address account => mapping(uint256 epoch => uint256)) private _batches;
    mapping(uint256 epoch => uint256) private _supplyOfEpoch;
    /// @notice Whether an earn reference (e.g. an order id) was used, so a retried award cannot pay twice.
    mapping(bytes32 ref => bool) public referenceUsed;
    Reward[] private _rewards;

    /// @notice ERC-20 compatible: a mint (from zero), a burn (to zero) or a transfer of points.
    event Transfer(address indexed from, address indexed to, uint256 value);
    /// @notice `minter` awarded `amount` points to `customer` in batch `epoch`, expiring at `expiresAt`.
    event Earned(
        address indexed customer, uint256 amount, uint256 indexed epoch, uint256 expiresAt, bytes32 indexed ref, address minter
    );
    /// @notice `customer` redeemed `quantity` units of `rewardId` for `points` points (fulfil off chain by id).
    event Redeemed(
        uint256 indexed redemptionId, address indexed customer, uint256 indexed rewardId, uint256 quantity, uint256 points
    );
    /// @notice A reward was added to the catalogue.
    event RewardAdded(uint256 indexed rewardId, string name, uint256 cost, uint256 stock);
    /// @notice A reward's terms changed.
    event RewardUpdated(uint256 indexed rewardId, uint256 cost, uint256 stock, bool active);
    /// @notice Transfers between customers were switched on or off.
    event TransfersEnabledSet(bool enabled, address indexed by);

    /// @notice Epoch length outside [MIN_EPOCH_LENGTH, MAX_EPOCH_LENGTH] or validity above MAX_VALIDITY_EPOCHS.
    error BadExpiryConfig(uint64 epochLength, uint32 validityEpochs);
    /// @notice Empty name or symbol.
    error EmptyNameOrSymbol();
    /// @notice The zero address where an account is required.
    error ZeroAddress();
    /// @notice An amount, quantity or cost of zero.
    error ZeroAmount();
    /// @notice The earn reference was used before.
    error ReferenceUsed(bytes32 ref);
    /// @notice Only `available` unexpired points for `needed`.
    error InsufficientPoints(address account, uint256 available, uint256 needed);
    /// @notice Transfers between customers are off.
    error TransfersDisabled();
    /// @notice A transfer to oneself.
    error SelfTransfer();
    /// @notice No reward with this id.
    error UnknownReward(uint256 rewardId);
    /// @notice The reward is not redeemable now.
    error RewardInactive(uint256 rewardId);
    /// @notice Only `stock` units left.
    error OutOfStock(uint256 rewardId, uint256 stock, uint256 quantity);
    /// @notice The reward now costs more than the customer accepted.
    error CostAboveMax(uint256 rewardId, uint256 cost, uint256 maxCost);

    /// @notice Deploys a merchant's points.
    /// @param name_ Name (e.g. "Acme Points").
    /// @param symbol_ Symbol.
    /// @param admin The merchant: default admin, and initially minter and catalogue manager.
    /// @param adminDelay Delay (seconds) before a new default admin can accept the role.
    /// @param epochLength_ Seconds per epoch.
    /// @param validityEpochs_ Whole epochs a batch lives after its own.
    /// @param transfersEnabled_ Whether customers may transfer points from the start.
    constructor(
        string memory name_,
        string memory symbol_,
        address admin,
        uint48 adminDelay,
        uint64 epochLength_,
        uint32 validityEpochs_,
        bool transfersEnabled_
    ) AccessControlDefaultAdminRules(adminDelay, admin) {
        if (bytes(name_).length == 0 || bytes(symbol_).length == 0) revert EmptyNameOrSymbol();
        if (epochLength_ < MIN_EPOCH_LENGTH || epochLength_ > MAX_EPOCH_LENGTH || validityEpochs_ > MAX_VALIDITY_EPOCHS) {
            revert BadExpiryConfig(epochLength_, validityEpochs_);
        }
        _name = name_;
        _symbol = symbol_;
        epochLength = epochLength_;
        validityEpochs = validityEpochs_;
        transfersEnabled = transfersEnabled_;
        _grantRole(MINTER_ROLE, admin);
        _grantRole(CATALOGUE_ROLE, admin);
    }

    // ------------------------------------------------------------ earning, redeeming, moving

    /// @notice Awards `amount` points to `customer` in the current epoch's batch.
    /// @param customer The customer.
    /// @param amount Points, more than zero.
    /// @param ref An external reference (e.g. the order id); a non-zero reference can be used only once.
    function earn(address customer, uint256 amount, bytes32 ref) external onlyRole(MINTER_ROLE) {
        if (customer == address(0)) revert ZeroAddress();
        if (amount == 0) revert ZeroAmount();
        if (ref != bytes32(0)) {
            if (referenceUsed[ref]) revert ReferenceUsed(ref);
            referenceUsed[ref] = true;
        }
        uint256 epoch = currentEpoch();
        _batches[customer][epoch] += amount;
        _supplyOfEpoch[epoch] += amount;
        totalEarned += amount;
        emit Transfer(address(0), customer, amount);
        emit Earned(customer, amount, epoch, expiresAt(epoch), ref, msg.sender);
    }

    /// @notice Redeems `quantity` units of reward `rewardId`, burning `quantity * cost` of the caller's points,
    ///         oldest batch first.
    /// @param rewardId Catalogue id.
    /// @param quantity Units, more than zero.
    /// @param maxCost Highest cost per unit the caller accepts (protects against a cost change in between).
    /// @return redemptionId Id of this redemption, for fulfilment off chain.
    function redeem(uint256 rewardId, uint256 quantity, uint256 maxCost) external returns (uint256 redemptionId) {
        if (rewardId >= _rewards.length) revert UnknownReward(rewardId);
        if (quantity == 0) revert ZeroAmount();
        Reward storage reward = _rewards[rewardId];
        if (!reward.active) revert RewardInactive(rewardId);
        if (quantity > reward.stock) revert OutOfStock(rewardId, reward.stock, quantity);
        if (reward.cost > maxCost) revert CostAboveMax(rewardId, reward.cost, maxCost);
        uint256 points = uint256(reward.cost) * quantity; // cost < 2^128 and quantity <= stock < 2^64: no overflow
        // quantity <= stock was checked above.
        unchecked {
            reward.stock -= uint64(quantity);
        }
        _consume(msg.sender, address(0), points);
        totalRedeemed += points;
        redemptionId = ++redemptionCount;
        emit Transfer(msg.sender, address(0), points);
        emit Redeemed(redemptionId, msg.sender, rewardId, quantity, points);
    }

    /// @notice Moves `amount` of the caller's points to `to`, oldest batch first, each keeping its expiry. Only
    ///         while the merchant allows transfers.
    /// @param to Recipient.
    /// @param amount Points, more than zero.
    /// @return True.
    function transfer(address to, uint256 amount) external returns (bool) {
        if (!transfersEnabled) revert TransfersDisabled();
        if (to == address(0)) revert ZeroAddress();
        if (to == msg.sender) revert SelfTransfer();
        if (amount == 0) revert ZeroAmount();
        _consume(msg.sender, to, amount);
        emit Transfer(msg.sender, to, amount);
        return true;
    }

    // ------------------------------------------------------------ merchant settings

    /// @notice Switches transfers between customers on or off.
    /// @param enabled The new setting.
    function setTransfersEnabled(bool enabled) external onlyRole(DEFAULT_ADMIN_ROLE) {
        transfersEnabled = enabled;
        emit TransfersEnabledSet(enabled, msg.sender);
    }

    /// @notice Adds a reward (active) to the catalogue.
    /// @param name_ Shown to customers.
    /// @param cost Points per unit, more than zero.
    /// @param stock Units available.
    /// @return rewardId The new reward's id (0, 1, 2, ...).
    function addReward(string calldata name_, uint128 cost, uint64 stock)
        external
        onlyRole(CATALOGUE_ROLE)
        returns (uint256 rewardId)
    {
        if (cost == 0) revert ZeroAmount();
        rewardId = _rewards.length;
        _rewards.push(Reward({cost: cost, stock: stock, active: true, name: name_}));
        emit RewardAdded(rewardId, name_, cost, stock);
    }

    /// @notice Changes a reward's cost, stock and availability.
    /// @param rewardId Catalogue id.
    /// @param cost Points per unit, more than zero.
    /// @param stock Units available.
    /// @param active Whether it can be redeemed.
    function updateReward(uint256 rewardId, uint128 cost, uint64 stock, bool active) external onlyRole(CATALOGUE_ROLE) {
        if (rewardId >= _rewards.length) revert UnknownReward(rewardId);
        if (cost == 0) revert ZeroAmount();
        Reward storage reward = _rewards[rewardId];
        reward.cost = cost;
        reward.stock = stock;
        reward.active = active;
        emit RewardUpdated(rewardId, cost, stock, active);
    }

    // ------------------------------------------------------------ views

    /// @notice Token name.
    function name() external view returns (string memory) {
        return _name;
    }

    /// @notice Token symbol.
    function symbol() external view returns (string memory) {
        return _symbol;
    }

    /// @notice Points are whole numbers.
    function decimals() external pure returns (uint8) {
        return 0;
    }

    /// @notice The epoch `block.timestamp` falls in.
    function currentEpoch() public view returns (uint256) {
        return block.timestamp / epochLength;
    }

    /// @notice When points earned in `epoch` expire (they count while `block.timestamp < expiresAt(epoch)`).
    /// @param epoch An epoch.
    function expiresAt(uint256 epoch) public view returns (uint256) {
        return (epoch + validityEpochs + 1) * epochLength;
    }

    /// @notice Unexpired points of `account`.
    /// @param account The account.
    function balanceOf(address account) public view returns (uint256 balance) {
        (uint256 first, uint256 last) = _liveWindow();
        for (uint256 e = first; e <= last; ++e) balance += _batches[account][e];
    }

    /// @notice Unexpired points of everyone.
    function totalSupply() external view returns (uint256 supply) {
        (uint256 first, uint256 last) = _liveWindow();
        for (uint256 e = first; e <= last; ++e) supply += _supplyOfEpoch[e];
    }

    /// @notice The unexpired batches of `account`, oldest first.
    /// @param account The account.
    /// @return epochs Each batch's epoch.
    /// @return amounts Points left in each batch.
    /// @return expiries Each batch's expiry (`expiresAt(epoch)`).
    function batchesOf(address account)
        external
        view
        returns (uint256[] memory epochs, uint256[] memory amounts, uint256[] memory expiries)
    {
        (uint256 first, uint256 last) = _liveWindow();
        uint256 n;
        for (uint256 e = first; e <= last; ++e) if (_batches[account][e] != 0) ++n;
        epochs = new uint256[](n);
        amounts = new uint256[](n);
        expiries = new uint256[](n);
        uint256 i;
        for (uint256 e = first; e <= last; ++e) {
            uint256 amount = _batches[account][e];
            if (amount == 0) continue;
            (epochs[i], amounts[i], expiries[i]) = (e, amount, expiresAt(e));
            ++i;
        }
    }

    /// @notice Number of catalogue entries (ids 0..rewardCount-1).
    function rewardCount() external view returns (uint256) {
        return _rewards.length;
    }

    /// @notice Catalogue entry `rewardId`.
    /// @param rewardId Catalogue id.
    function rewardOf(uint256 rewardId) external view returns (Reward memory) {
        if (rewardId >= _rewards.length) revert UnknownReward(rewardId);
        return _rewards[rewardId];
    }

    // ------------------------------------------------------------ internals

    /// @dev First and last epoch whose batches are unexpired now.
    function _liveWindow() private view returns (uint256 first, uint256 last) {
        last = currentEpoch();
        first = last > validityEpochs ? last - validityEpochs : 0;
    }

    /// @dev Takes `amount` points from `from`, oldest live batch first; burns them (`to` zero, the epoch's
    ///      supply shrinks) or moves each part into `to`'s batch of the same epoch.
    function _consume(address from, address to, uint256 amount) private {
        (uint256 first, uint256 last) = _liveWindow();
        uint256 left = amount;
        for (uint256 e = first; e <= last && left != 0; ++e) {
            uint256 inBatch = _batches[from][e];
            if (inBatch == 0) continue;
            uint256 take = inBatch < left ? inBatch : left;
            // take <= inBatch, take <= left, and take <= _supplyOfEpoch[e] (which includes inBatch).
            unchecked {
                _batches[from][e] = inBatch - take;
                left -= take;
                if (to == address(0)) _supplyOfEpoch[e] -= take;
            }
            if (to != address(0)) _batches[to][e] += take;
        }
        if (left != 0) revert InsufficientPoints(from, amount - left, amount);
    }
}
