// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {AccessControlDefaultAdminRules} from
    "@openzeppelin/contracts/access/extensions/AccessControlDefaultAdminRules.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {IArbitrable} from "./IArbitrable.sol";
import {IArbitrator} from "./IArbitrator.sol";

/// @title ArbitratorPool
/// @notice A curated pool of arbitrators who stake CMT to serve. Each dispute is assigned to one eligible
///         arbitrator (approved, not a party, enough free stake), whose `bond` is locked until they rule. An
///         arbitrator who does not rule before the deadline loses the bond, which is split between the two
///         parties as compensation for the delay; anyone can then push the dispute on: it is reassigned (at
///         most {MAX_ASSIGNMENTS} assignments in all) or, when nobody is left, closed with the arbitrable's
///         default outcome. A dispute that found nobody eligible at creation waits one ruling period first,
///         so no dispute stays open longer than `(MAX_ASSIGNMENTS + 1) * rulingPeriod` once anyone pushes it.
/// @dev The draw starts at a pseudo-random index from `block.prevrandao` and takes the first eligible
///      arbitrator after it. The block proposer can bias it; the pool being curated is what bounds the harm.
///      CMT leaves only through {unstake} (free stake, to its owner) and {withdraw} (compensation, pull).
contract ArbitratorPool is IArbitrator, AccessControlDefaultAdminRules, ReentrancyGuardTransient {
    enum DisputeStatus {
        None,
        Open,
        Ruled,
        Defaulted,
        Withdrawn
    }

    /// @notice A dispute. `arbitrator` is zero while nobody eligible was available.
    struct Dispute {
        address arbitrable;
        uint64 deadline;
        uint8 assignments;
        DisputeStatus status;
        address arbitrator;
        uint96 bond;
        address buyer;
        address seller;
        uint256 localId;
    }

    /// @notice An arbitrator's stake. `locked` is the sum of the bonds of the disputes they are assigned to.
    struct Stake {
        uint128 total;
        uint128 locked;
    }

    /// @notice May serve as arbitrator (granted and revoked by the default admin).
    bytes32 public constant ARBITRATOR_ROLE = keccak256("ARBITRATOR_ROLE");
    /// @notice May open disputes (the marketplace contracts that enforce rulings).
    bytes32 public constant ARBITRABLE_ROLE = keccak256("ARBITRABLE_ROLE");
    /// @notice 100% in basis points.
    uint16 public constant BPS = 10_000;
    /// @notice How many arbitrators one dispute can be assigned to, one after another.
    uint8 public constant MAX_ASSIGNMENTS = 3;
    /// @notice Shortest ruling period the admin can set.
    uint64 public constant MIN_RULING_PERIOD = 1 hours;
    /// @notice Longest ruling period the admin can set.
    uint64 public constant MAX_RULING_PERIOD = 30 days;

    /// @notice Most arbitrators with a stake at the same time (bounds the draw's loop).
    uint256 public immutable maxArbitrators;

    /// @notice CMT locked per assigned dispute and lost for not ruling (applies to new assignments).
    uint96 public bond;
    /// @notice Seconds an assigned arbitrator has to rule (applies to new assignments).
    uint64 public rulingPeriod;
    /// @notice Number of disputes created; ids run from 1 to this.
    uint256 public disputeCount;
    /// @notice Sum of all stakes.
    uint256 public totalStaked;
    /// @notice Sum of all compensation owed to parties.
    uint256 public totalOwed;
    /// @notice The dispute id of `localId` opened by `arbitrable` (0 if none).
    mapping(address arbitrable => mapping(uint256 localId => uint256)) public disputeOf;

    address[] private _staked;
    mapping(address arbitrator => uint256) private _indexPlusOne;
    mapping(address arbitrator => Stake) private _stakes;
    mapping(uint256 disputeId => Dispute) private _disputes;
    mapping(uint256 disputeId => mapping(address arbitrator => bool)) private _wasAssigned;
    mapping(address account => uint256) private _owed;

    /// @notice `arbitrator` added `amount` to their stake.
    event Staked(address indexed arbitrator, uint256 amount, uint256 total);
    /// @notice `arbitrator` took `amount` of free stake back.
    event Unstaked(address indexed arbitrator, uint256 amount, uint256 total);
    /// @notice A dispute was opened by `arbitrable` about its `localId`.
    event DisputeCreated(
        uint256 indexed disputeId, address indexed arbitrable, uint256 indexed localId, address buyer, address seller
    );
    /// @notice The dispute was assigned to `arbitrator` (zero: nobody available) who must rule before `deadline`.
    event DisputeAssigned(uint256 indexed disputeId, address indexed arbitrator, uint64 deadline, uint256 bond);
    /// @notice `arbitrator` ruled that `buyerBps` of the amount go to the buyer.
    event DisputeRuled(uint256 indexed disputeId, address indexed arbitrator, uint16 buyerBps);
    /// @notice `arbitrator` missed the deadline and lost `amount` of stake to the parties.
    event ArbitratorSlashed(uint256 indexed disputeId, address indexed arbitrator, uint256 amount);
    /// @notice Nobody ruled in time on any assignment: the arbitrable's default outcome applies.
    event DisputeDefaulted(uint256 indexed disputeId);
    /// @notice The arbitrable closed the dispute without a ruling.
    event DisputeWithdrawn(uint256 indexed disputeId);
    /// @notice `amount` of CMT became owed to `account`.
    event Credited(uint256 indexed disputeId, address indexed account, uint256 amount);
    /// @notice `account` withdrew `amount` of owed CMT to `to`.
    event Withdrawn(address indexed account, address to, uint256 amount);
    /// @notice The admin changed the bond or the ruling period (for new assignments).
    event ParamsUpdated(uint96 bond, uint64 rulingPeriod);

    /// @notice The caller does not hold {ARBITRATOR_ROLE}.
    error NotApprovedArbitrator(address account);
    /// @notice An amount of zero.
    error ZeroAmount();
    /// @notice {maxArbitrators} arbitrators already have a stake.
    error TooManyArbitrators(uint256 max);
    /// @notice Only `free` of the stake is not locked by assigned disputes.
    error InsufficientFreeStake(uint256 free, uint256 requested);
    /// @notice The caller already opened a dispute about this local id.
    error DisputeExists(address arbitrable, uint256 localId, uint256 disputeId);
    /// @notice No dispute has this id.
    error UnknownDispute(uint256 disputeId);
    /// @notice `arbitrable` has no dispute about `localId`.
    error NoDisputeFor(address arbitrable, uint256 localId);
    /// @notice The dispute is not open.
    error DisputeNotOpen(uint256 disputeId, DisputeStatus status);
    /// @notice Only the arbitrator currently assigned to the dispute may rule.
    error NotAssignedArbitrator(uint256 disputeId, address caller);
    /// @notice The ruling period ended at `deadline`.
    error RulingPeriodOver(uint256 disputeId, uint64 deadline);
    /// @notice The ruling period runs until `deadline`.
    error DeadlineNotReached(uint256 disputeId, uint64 deadline);
    /// @notice A ruling above 10000 basis points.
    error BadRuling(uint256 buyerBps);
    /// @notice The bond is zero.
    error BadBond(uint256 bond);
    /// @notice The ruling period is outside [{MIN_RULING_PERIOD}, {MAX_RULING_PERIOD}].
    error BadRulingPeriod(uint64 rulingPeriod);
    /// @notice `maxArbitrators` must be between 1 and 256.
    error BadMaxArbitrators(uint256 maxArbitrators);
    /// @notice Nothing is owed to the caller.
    error NothingOwed();
    /// @notice The zero address was given where an account is required.
    error ZeroAddress();
    /// @notice Sending CMT to `to` failed (it reverted).
    error CmtTransferFailed(address to, uint256 amount);
    /// @notice The pool holds less CMT than stakes plus compensation owed.
    error Insolvent(uint256 holdings, uint256 liabilities);

    /// @notice Deploys the pool.
    /// @param admin Default admin (two-step transfer after `adminDelay`): approves arbitrators and arbitrables
    ///        and sets the parameters.
    /// @param adminDelay Delay of a default-admin transfer, in seconds.
    /// @param bond_ CMT locked per assigned dispute (not zero).
    /// @param rulingPeriod_ Seconds to rule, within [{MIN_RULING_PERIOD}, {MAX_RULING_PERIOD}].
    /// @param maxArbitrators_ Most arbitrators with a stake at once, 1..256.
    constructor(address admin, uint48 adminDelay, uint96 bond_, uint64 rulingPeriod_, uint256 maxArbitrators_)
        AccessControlDefaultAdminRules(adminDelay, admin)
    {
        if (maxArbitrators_ == 0 || maxArbitrators_ > 256) revert BadMaxArbitrators(maxArbitrators_);
        maxArbitrators = maxArbitrators_;
        _setParams(bond_, rulingPeriod_);
    }

    // ---------------------------------------------------------------- arbitrators

    /// @notice Adds the CMT sent to the caller's stake; the caller must hold {ARBITRATOR_ROLE}. Each `bond`
    ///         of free stake lets the caller take one more dispute.
    function stake() external payable nonReentrant {
        if (!hasRole(ARBITRATOR_ROLE, msg.sender)) revert NotApprovedArbitrator(msg.sender);
        if (msg.value == 0) revert ZeroAmount();
        if (_indexPlusOne[msg.sender] == 0) {
            if (_staked.length >= maxArbitrators) revert TooManyArbitrators(maxArbitrators);
            _staked.push(msg.sender);
            _indexPlusOne[msg.sender] = _staked.length;
        }
        Stake storage s = _stakes[msg.sender];
        s.total += SafeCast.toUint128(msg.value);
        totalStaked += msg.value;
        emit Staked(msg.sender, msg.value, s.total);
        _assertSolvent();
    }

    /// @notice Sends `amount` of the caller's free stake (not locked by assigned disputes) back to the caller.
    ///         Works whether or not the caller is still approved.
    /// @param amount CMT to take back.
    function unstake(uint256 amount) external nonReentrant {
        Stake storage s = _stakes[msg.sender];
        uint256 free = s.total - s.locked;
        if (amount == 0) revert ZeroAmount();
        if (amount > free) revert InsufficientFreeStake(free, amount);
        s.total -= SafeCast.toUint128(amount);
        totalStaked -= amount;
        if (s.total == 0) _removeStaker(msg.sender);
        emit Unstaked(msg.sender, amount, s.total);
        _sendCmt(payable(msg.sender), amount);
        _assertSolvent();
    }

    // ---------------------------------------------------------------- disputes

    /// @inheritdoc IArbitrator
    /// @dev Only {ARBITRABLE_ROLE}. If nobody is eligible the dispute waits one ruling period unassigned;
    ///      {timeout} then tries again or applies the default.
    function createDispute(uint256 localId, address buyer, address seller)
        external
        nonReentrant
        onlyRole(ARBITRABLE_ROLE)
        returns (uint256 disputeId)
    {
        uint256 existing = disputeOf[msg.sender][localId];
        if (existing != 0) revert DisputeExists(msg.sender, localId, existing);
        disputeId = ++disputeCount;
        disputeOf[msg.sender][localId] = disputeId;
        Dispute storage d = _disputes[disputeId];
        d.arbitrable = msg.sender;
        d.status = DisputeStatus.Open;
        d.buyer = buyer;
        d.seller = seller;
        d.localId = localId;
        emit DisputeCreated(disputeId, msg.sender, localId, buyer, seller);
        if (!_assign(disputeId, d)) {
            d.deadline = uint64(block.timestamp) + rulingPeriod;
            emit DisputeAssigned(disputeId, address(0), d.deadline, 0);
        }
    }

    /// @notice The assigned arbitrator rules before the deadline: `buyerBps` of the disputed amount go to the
    ///         buyer, the rest to the seller. The bond is released and the arbitrable enforces the ruling.
    /// @param disputeId An open dispute assigned to the caller.
    /// @param buyerBps The buyer's share in basis points (0..10000).
    function rule(uint256 disputeId, uint16 buyerBps) external nonReentrant {
        Dispute storage d = _openDispute(disputeId);
        if (msg.sender != d.arbitrator) revert NotAssignedArbitrator(disputeId, msg.sender);
        if (block.timestamp >= d.deadline) revert RulingPeriodOver(disputeId, d.deadline);
        if (buyerBps > BPS) revert BadRuling(buyerBps);
        d.status = DisputeStatus.Ruled;
        _stakes[msg.sender].locked -= d.bond;
        emit DisputeRuled(disputeId, msg.sender, buyerBps);
        IArbitrable(d.arbitrable).onRuling(d.localId, buyerBps, msg.sender);
    }

    /// @notice After the deadline anyone pushes the dispute on: the assigned arbitrator (if any) loses the
    ///         bond to the parties, then the dispute goes to another eligible arbitrator, or, after
    ///         {MAX_ASSIGNMENTS} assignments or when nobody is eligible, to the arbitrable's default outcome.
    /// @param disputeId An open dispute whose deadline has passed.
    function timeout(uint256 disputeId) external nonReentrant {
        Dispute storage d = _openDispute(disputeId);
        if (block.timestamp < d.deadline) revert DeadlineNotReached(disputeId, d.deadline);
        if (d.arbitrator != address(0)) _slash(disputeId, d);
        _assertSolvent();
        if (d.assignments < MAX_ASSIGNMENTS && _assign(disputeId, d)) return;
        d.status = DisputeStatus.Defaulted;
        emit DisputeDefaulted(disputeId);
        IArbitrable(d.arbitrable).onDefault(d.localId);
    }

    /// @inheritdoc IArbitrator
    function withdrawDispute(uint256 localId) external nonReentrant {
        uint256 disputeId = disputeOf[msg.sender][localId];
        if (disputeId == 0) revert NoDisputeFor(msg.sender, localId);
        Dispute storage d = _openDispute(disputeId);
        d.status = DisputeStatus.Withdrawn;
        if (d.arbitrator != address(0)) _stakes[d.arbitrator].locked -= d.bond;
        emit DisputeWithdrawn(disputeId);
    }

    /// @notice Sends the compensation owed to the caller (from slashed bonds) to `to`.
    /// @param to The recipient.
    function withdraw(address payable to) external nonReentrant {
        if (to == address(0)) revert ZeroAddress();
        uint256 amount = _owed[msg.sender];
        if (amount == 0) revert NothingOwed();
        _owed[msg.sender] = 0;
        totalOwed -= amount;
        emit Withdrawn(msg.sender, to, amount);
        _sendCmt(to, amount);
        _assertSolvent();
    }

    // ---------------------------------------------------------------- admin

    /// @notice Sets the bond and the ruling period for assignments made from now on.
    /// @param newBond CMT locked per dispute (not zero).
    /// @param newRulingPeriod Seconds to rule, within [{MIN_RULING_PERIOD}, {MAX_RULING_PERIOD}].
    function setParams(uint96 newBond, uint64 newRulingPeriod) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _setParams(newBond, newRulingPeriod);
    }

    // ---------------------------------------------------------------- views

    /// @notice The dispute `disputeId` (status None if it does not exist).
    /// @param disputeId The dispute.
    /// @return The dispute.
    function getDispute(uint256 disputeId) external view returns (Dispute memory) {
        return _disputes[disputeId];
    }

    /// @notice The stake of `arbitrator_`.
    /// @param arbitrator_ Any address.
    /// @return total The whole stake.
    /// @return locked The part locked by assigned disputes.
    function stakeOf(address arbitrator_) external view returns (uint256 total, uint256 locked) {
        Stake memory s = _stakes[arbitrator_];
        return (s.total, s.locked);
    }

    /// @notice Every address that currently has a stake, in draw order.
    /// @return The list.
    function stakedArbitrators() external view returns (address[] memory) {
        return _staked;
    }

    /// @notice Compensation `account` can withdraw.
    /// @param account Any address.
    /// @return The owed CMT.
    function owedTo(address account) external view returns (uint256) {
        return _owed[account];
    }

    /// @notice Stakes plus owed compensation: the pool's CMT balance is never below this.
    /// @return The liabilities.
    function liabilities() external view nonReentrantView returns (uint256) {
        return totalStaked + totalOwed;
    }

    // ---------------------------------------------------------------- internals

    function _openDispute(uint256 disputeId) private view returns (Dispute storage d) {
        d = _disputes[disputeId];
        if (d.status == DisputeStatus.None) revert UnknownDispute(disputeId);
        if (d.status != DisputeStatus.Open) revert DisputeNotOpen(disputeId, d.status);
    }

    /// @dev Draws an eligible arbitrator and assigns the dispute; false (nothing changed) if nobody is eligible.
    function _assign(uint256 disputeId, Dispute storage d) private returns (bool) {
        address chosen = _draw(disputeId, d);
        if (chosen == address(0)) return false;
        uint96 bond_ = bond;
        uint64 deadline = uint64(block.timestamp) + rulingPeriod;
        d.arbitrator = chosen;
        d.bond = bond_;
        d.deadline = deadline;
        ++d.assignments;
        _wasAssigned[disputeId][chosen] = true;
        _stakes[chosen].locked += bond_;
        emit DisputeAssigned(disputeId, chosen, deadline, bond_);
        return true;
    }

    function _draw(uint256 disputeId, Dispute storage d) private view returns (address) {
        uint256 n = _staked.length;
        if (n == 0) return address(0);
        uint256 start = uint256(keccak256(abi.encode(block.prevrandao, disputeId, d.assignments))) % n;
        uint96 bond_ = bond;
        for (uint256 i = 0; i < n; ++i) {
            address a = _staked[(start + i) % n];
            if (a == d.buyer || a == d.seller || a == d.arbitrable || _wasAssigned[disputeId][a]) continue;
            Stake memory s = _stakes[a];
            if (s.total - s.locked < bond_ || !hasRole(ARBITRATOR_ROLE, a)) continue;
            return a;
        }
        return address(0);
    }

    /// @dev The assigned arbitrator missed the deadline: the bond leaves their stake and is owed to the
    ///      parties (the buyer gets the odd wei).
    function _slash(uint256 disputeId, Dispute storage d) private {
        address late = d.arbitrator;
        uint96 amount = d.bond;
        Stake storage s = _stakes[late];
        s.locked -= amount;
        s.total -= amount;
        totalStaked -= amount;
        d.arbitrator = address(0);
        if (s.total == 0) _removeStaker(late);
        emit ArbitratorSlashed(disputeId, late, amount);
        uint256 half = amount / 2;
        _credit(disputeId, d.seller, half);
        _credit(disputeId, d.buyer, amount - half);
    }

    function _credit(uint256 disputeId, address account, uint256 amount) private {
        if (amount == 0) return;
        _owed[account] += amount;
        totalOwed += amount;
        emit Credited(disputeId, account, amount);
    }

    function _removeStaker(address a) private {
        uint256 index = _indexPlusOne[a] - 1;
        address last = _staked[_staked.length - 1];
        _staked[index] = last;
        _indexPlusOne[last] = index + 1;
        _staked.pop();
        delete _indexPlusOne[a];
    }

    function _setParams(uint96 newBond, uint64 newRulingPeriod) private {
        if (newBond == 0) revert BadBond(newBond);
        if (newRulingPeriod < MIN_RULING_PERIOD || newRulingPeriod > MAX_RULING_PERIOD) {
            revert BadRulingPeriod(newRulingPeriod);
        }
        bond = newBond;
        rulingPeriod = newRulingPeriod;
        emit ParamsUpdated(newBond, newRulingPeriod);
    }

    function _sendCmt(address payable to, uint256 amount) private {
        (bool ok,) = to.call{value: amount}("");
        if (!ok) revert CmtTransferFailed(to, amount);
    }

    /// @dev The solvency gate every CMT-moving function ends with.
    function _assertSolvent() private view {
        uint256 liabilities_ = totalStaked + totalOwed;
        if (address(this).balance < liabilities_) revert Insolvent(address(this).balance, liabilities_);
    }
}
