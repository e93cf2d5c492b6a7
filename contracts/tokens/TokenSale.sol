// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Initializable} from "@openzeppelin/contracts/proxy/utils/Initializable.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {IAttestationGate} from "../identity/IAttestationGate.sol";

/// @title TokenSale
/// @notice A token sale (ICO) priced in CMT. The issuer's tokens for the whole hard cap are in the contract
///         before the sale opens. Between `start` and `end` anyone (or, with an allow list, any account with a
///         valid identity attestation of the configured kind from the configured issuer set) contributes CMT,
///         up to the hard cap and an optional per-address cap. After `end`, or as soon as the hard cap is
///         reached, anyone finalises:
///         - soft cap reached: the sale succeeded; each contributor claims its tokens, the beneficiary withdraws
///           the CMT raised, and the unsold tokens go back to the issuer;
///         - soft cap missed: the sale failed; each contributor pulls back exactly what it paid and all tokens
///           go back to the issuer.
///         Refunds, claims, the proceeds and the unsold tokens each finalise the sale first when it is due, so
///         no money waits on a finaliser. Tokens are delivered only after success (never transferable while a
///         refund is still possible). Before `start` the issuer may cancel (no contribution exists then).
/// @dev Price: `tokensPerCmt` token units per 10^18 wei, rounded down per contributor on its total
///      contribution (so the sum of all claims never exceeds the tokens held). An ERC-1167 clone, set up by
///      {TokenFactory} after the tokens were transferred in; the implementation disables its initialisers.
///      Pull payments only; every value-moving function is nonReentrant and ends with a solvency check of
///      CMT (raised − refunded − withdrawn) and tokens (for sale − claimed − reclaimed).
contract TokenSale is Initializable, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    /// @notice How a sale ended; `None` while it has not been finalised.
    enum Outcome {
        None,
        Succeeded,
        Failed,
        Canceled
    }

    /// @notice Where the sale stands now (derived from time, the amount raised and the outcome).
    enum Phase {
        Pending,
        Active,
        AwaitingFinalization,
        Succeeded,
        Failed,
        Canceled
    }

    /// @notice The sale's terms, fixed at creation.
    struct Config {
        /// The token sold.
        IERC20 token;
        /// Receives the CMT raised after a success.
        address payable beneficiary;
        /// First second contributions are accepted.
        uint64 start;
        /// First second contributions are refused (the sale can be finalised from then on).
        uint64 end;
        /// Token units per 10^18 wei (1 CMT).
        uint256 tokensPerCmt;
        /// Minimum raised (wei) for success; 0 = always succeeds.
        uint256 softCap;
        /// Maximum raised (wei).
        uint256 hardCap;
        /// Maximum one address may contribute (wei); 0 = no limit.
        uint256 maxPerAddress;
        /// Identity allow list: zero = open to anyone.
        IAttestationGate gate;
        /// Attestation kind the gate must confirm.
        bytes32 kind;
        /// Issuer set the gate must accept attestations from.
        uint256 issuerSetId;
    }

    /// @notice `tokensPerCmt` is per this many wei.
    uint256 public constant PRICE_UNIT = 1e18;
    /// @notice Longest sale window.
    uint64 public constant MAX_DURATION = 365 days;
    /// @notice Latest start, counted from creation.
    uint64 public constant MAX_START_DELAY = 365 days;

    /// @notice Who created (and funded) the sale; gets the unsold tokens back; may cancel before the start.
    address public issuer;
    /// @notice Tokens held for the sale: enough for the whole hard cap.
    uint256 public tokensForSale;
    /// @notice How the sale ended (None until finalised).
    Outcome public outcome;
    /// @notice CMT contributed in total (wei).
    uint256 public totalRaised;
    /// @notice Tokens bought in total (sum of every contributor's entitlement).
    uint256 public tokensSold;
    /// @notice CMT refunded in total (wei).
    uint256 public totalRefunded;
    /// @notice Tokens claimed in total.
    uint256 public tokensClaimed;
    /// @notice Unsold tokens sent back to the issuer.
    uint256 public tokensReclaimed;
    /// @notice Whether the beneficiary took the proceeds.
    bool public proceedsWithdrawn;
    /// @notice Whether the unsold tokens were sent back to the issuer.
    bool public reclaimDone;
    /// @notice CMT each address contributed (wei), until refunded.
    mapping(address contributor => uint256) public contributionOf;
    /// @notice Tokens each address is entitled to after a success, until claimed.
    mapping(address contributor => uint256) public tokensOf;

    Config private _config;

    /// @notice The sale was set up with these terms, holding `tokensForSale` tokens.
    event SaleInitialized(address indexed issuer, uint256 tokensForSale, Config config);
    /// @notice `contributor` paid `amount` wei and is entitled to `tokens` more tokens if the sale succeeds.
    event Contributed(address indexed contributor, uint256 amount, uint256 tokens);
    /// @notice The sale was finalised.
    event Finalized(Outcome outcome, uint256 totalRaised, uint256 tokensSold);
    /// @notice The issuer canceled the sale before it started.
    event Canceled(address indexed by);
    /// @notice `contributor` got `amount` wei back, sent to `to`.
    event Refunded(address indexed contributor, address indexed to, uint256 amount);
    /// @notice `contributor` received its `tokens`.
    event Claimed(address indexed contributor, uint256 tokens);
    /// @notice The CMT raised was sent to `to` (the beneficiary or where it chose).
    event ProceedsWithdrawn(address indexed to, uint256 amount);
    /// @notice Unsold (or, after a failure, all) tokens were sent back to the issuer.
    event TokensReclaimed(address indexed issuer, uint256 amount);

    /// @notice `token` has no code.
    error NotAToken(address token);
    /// @notice The zero address was given where an account is required.
    error ZeroAddress();
    /// @notice The window is empty, over, too long or starts too late.
    error BadWindow(uint64 start, uint64 end);
    /// @notice The hard cap is 0 or below the soft cap.
    error BadCaps(uint256 softCap, uint256 hardCap);
    /// @notice The price yields no tokens for the hard cap.
    error BadRate(uint256 tokensPerCmt);
    /// @notice The gate has no code, or no kind was given for it.
    error BadGate(address gate, bytes32 kind);
    /// @notice The sale holds fewer tokens than the hard cap needs.
    error Unfunded(uint256 balance, uint256 required);
    /// @notice The sale has not started yet.
    error SaleNotStarted(uint64 start);
    /// @notice The sale window is over.
    error SaleEnded(uint64 end);
    /// @notice The sale was finalised or canceled.
    error SaleClosed(Outcome outcome);
    /// @notice The sale can only be finalised at or after `end` or once the hard cap is reached.
    error SaleNotEnded(uint64 end);
    /// @notice The sale already started, so it can no longer be canceled.
    error SaleStarted(uint64 start);
    /// @notice A contribution of 0.
    error ZeroContribution();
    /// @notice The contribution would pass the hard cap; at most `remaining` wei can still be taken.
    error HardCapExceeded(uint256 remaining);
    /// @notice The contribution would pass the per-address cap; at most `remaining` wei more from this address.
    error AddressCapExceeded(uint256 remaining);
    /// @notice The contribution buys no token (too small for the price).
    error ZeroTokens();
    /// @notice The identity gate has no valid attestation for `account`.
    error NotAllowed(address account);
    /// @notice Only the issuer may do this.
    error NotIssuer(address caller);
    /// @notice Only the beneficiary may send the proceeds anywhere but to itself.
    error NotBeneficiary(address caller);
    /// @notice This needs another outcome (refunds need a failed or canceled sale; claims a successful one).
    error WrongOutcome(Outcome outcome);
    /// @notice The caller has nothing to refund.
    error NothingToRefund();
    /// @notice The caller has nothing to claim.
    error NothingToClaim();
    /// @notice The proceeds were already withdrawn.
    error NothingToWithdraw();
    /// @notice No tokens are left to send back to the issuer.
    error NothingToReclaim();
    /// @notice Sending CMT to `to` failed; refund to another address.
    error CmtTransferFailed(address to, uint256 amount);
    /// @notice The contract holds less than it owes (of CMT when `token` is zero): refused.
    error Insolvent(address token, uint256 holdings, uint256 liabilities);

    /// @notice Deploys the implementation; it can never be initialised (clones are).
    constructor() {
        _disableInitializers();
    }

    /// @notice Sets the clone up; the tokens for the hard cap must already be here. Called once, in the
    ///         creating transaction.
    /// @param cfg The sale's terms.
    /// @param issuer_ The account that funded the sale.
    function initialize(Config calldata cfg, address issuer_) external initializer {
        if (address(cfg.token).code.length == 0) revert NotAToken(address(cfg.token));
        if (cfg.beneficiary == address(0) || issuer_ == address(0)) revert ZeroAddress();
        if (
            cfg.start >= cfg.end || cfg.end <= block.timestamp || cfg.end - cfg.start > MAX_DURATION
                || cfg.start > block.timestamp + MAX_START_DELAY
        ) revert BadWindow(cfg.start, cfg.end);
        if (cfg.hardCap == 0 || cfg.softCap > cfg.hardCap) revert BadCaps(cfg.softCap, cfg.hardCap);
        uint256 needed = tokensFor(cfg.hardCap, cfg.tokensPerCmt);
        if (needed == 0) revert BadRate(cfg.tokensPerCmt);
        if (
            address(cfg.gate) != address(0)
                && (address(cfg.gate).code.length == 0 || cfg.kind == bytes32(0))
        ) revert BadGate(address(cfg.gate), cfg.kind);
        uint256 balance = cfg.token.balanceOf(address(this));
        if (balance < needed) revert Unfunded(balance, needed);
        _config = cfg;
        issuer = issuer_;
        tokensForSale = needed;
        emit SaleInitialized(issuer_, needed, cfg);
    }

    // ---------------------------------------------------------------- contributing

    /// @notice Contributes `msg.value` wei. Refused before `start`, from `end` on, above the hard cap or the
    ///         per-address cap, for an amount that buys no token, and (with an allow list) for an account
    ///         without a valid attestation.
    function contribute() external payable nonReentrant {
        Config storage c = _config;
        Outcome o = outcome;
        if (o != Outcome.None) revert SaleClosed(o);
        if (block.timestamp < c.start) revert SaleNotStarted(c.start);
        if (block.timestamp >= c.end) revert SaleEnded(c.end);
        uint256 amount = msg.value;
        if (amount == 0) revert ZeroContribution();
        uint256 room = c.hardCap - totalRaised;
        if (amount > room) revert HardCapExceeded(room);
        uint256 before = contributionOf[msg.sender];
        uint256 perAddress = c.maxPerAddress;
        if (perAddress != 0 && before + amount > perAddress) {
            // before <= perAddress always holds: every earlier contribution passed this check.
            revert AddressCapExceeded(perAddress - before);
        }
        IAttestationGate gate = c.gate;
        if (address(gate) != address(0) && !gate.hasValidAttestation(msg.sender, c.kind, c.issuerSetId)) {
            revert NotAllowed(msg.sender);
        }
        uint256 entitlement = tokensFor(before + amount, c.tokensPerCmt);
        uint256 tokens = entitlement - tokensOf[msg.sender];
        if (tokens == 0) revert ZeroTokens();

        contributionOf[msg.sender] = before + amount;
        tokensOf[msg.sender] = entitlement;
        totalRaised += amount;
        tokensSold += tokens;
        emit Contributed(msg.sender, amount, tokens);
        _assertCmtSolvent();
    }

    // ---------------------------------------------------------------- ending

    /// @notice Finalises the sale: anyone, at or after `end`, or as soon as the hard cap is reached. Succeeded
    ///         when the soft cap was reached, Failed otherwise.
    /// @return The outcome.
    function finalize() external nonReentrant returns (Outcome) {
        Outcome o = outcome;
        if (o != Outcome.None) revert SaleClosed(o);
        return _settle();
    }

    /// @notice The issuer cancels the sale before it starts; all tokens can then go back to it.
    function cancel() external {
        if (msg.sender != issuer) revert NotIssuer(msg.sender);
        Outcome o = outcome;
        if (o != Outcome.None) revert SaleClosed(o);
        if (block.timestamp >= _config.start) revert SaleStarted(_config.start);
        outcome = Outcome.Canceled;
        emit Canceled(msg.sender);
    }

    /// @notice After a failure, sends the caller's whole contribution to `to` (finalising first when due).
    /// @param to Where to send the CMT (a contract that cannot receive CMT names another address).
    function refund(address payable to) external nonReentrant {
        Outcome o = _settle();
        if (o != Outcome.Failed && o != Outcome.Canceled) revert WrongOutcome(o);
        if (to == address(0)) revert ZeroAddress();
        uint256 amount = contributionOf[msg.sender];
        if (amount == 0) revert NothingToRefund();
        contributionOf[msg.sender] = 0;
        tokensOf[msg.sender] = 0;
        totalRefunded += amount;
        emit Refunded(msg.sender, to, amount);
        _sendCmt(to, amount);
        _assertCmtSolvent();
    }

    /// @notice After a success, sends the caller its tokens (finalising first when due).
    function claim() external nonReentrant {
        Outcome o = _settle();
        if (o != Outcome.Succeeded) revert WrongOutcome(o);
        uint256 amount = tokensOf[msg.sender];
        if (amount == 0) revert NothingToClaim();
        tokensOf[msg.sender] = 0;
        tokensClaimed += amount;
        emit Claimed(msg.sender, amount);
        _config.token.safeTransfer(msg.sender, amount);
        _assertTokenSolvent();
    }

    /// @notice After a success, sends all the CMT raised to `to` (finalising first when due). The beneficiary may
    ///         name any address; anyone else may only push the proceeds to the beneficiary.
    /// @param to The recipient.
    function withdrawProceeds(address payable to) external nonReentrant {
        address payable beneficiary = _config.beneficiary;
        if (msg.sender != beneficiary && to != beneficiary) revert NotBeneficiary(msg.sender);
        if (to == address(0)) revert ZeroAddress();
        Outcome o = _settle();
        if (o != Outcome.Succeeded) revert WrongOutcome(o);
        if (proceedsWithdrawn) revert NothingToWithdraw();
        proceedsWithdrawn = true;
        uint256 amount = totalRaised;
        emit ProceedsWithdrawn(to, amount);
        _sendCmt(to, amount);
        _assertCmtSolvent();
    }

    /// @notice Sends the tokens not owed to contributors back to the issuer: the unsold ones after a success,
    ///         all of them after a failure or cancellation (finalising first when due). Anyone may call it.
    function reclaimTokens() external nonReentrant {
        Outcome o = _settle();
        if (reclaimDone) revert NothingToReclaim();
        uint256 amount = o == Outcome.Succeeded ? tokensForSale - tokensSold : tokensForSale;
        if (amount == 0) revert NothingToReclaim();
        reclaimDone = true;
        tokensReclaimed = amount;
        address issuer_ = issuer;
        emit TokensReclaimed(issuer_, amount);
        _config.token.safeTransfer(issuer_, amount);
        _assertTokenSolvent();
    }

    // ---------------------------------------------------------------- views

    /// @notice The sale's terms.
    /// @return The configuration.
    function config() external view returns (Config memory) {
        return _config;
    }

    /// @notice Where the sale stands now.
    /// @return The phase.
    function phase() external view returns (Phase) {
        Outcome o = outcome;
        if (o == Outcome.Succeeded) return Phase.Succeeded;
        if (o == Outcome.Failed) return Phase.Failed;
        if (o == Outcome.Canceled) return Phase.Canceled;
        if (block.timestamp < _config.start) return Phase.Pending;
        if (block.timestamp >= _config.end || totalRaised == _config.hardCap) return Phase.AwaitingFinalization;
        return Phase.Active;
    }

    /// @notice How much CMT (wei) the sale can still take in total.
    /// @return Hard cap minus raised.
    function remaining() external view returns (uint256) {
        return _config.hardCap - totalRaised;
    }

    /// @notice What the contract owes in CMT: contributions not refunded and proceeds not withdrawn.
    /// @return Wei.
    function cmtLiabilities() public view returns (uint256) {
        return totalRaised - totalRefunded - (proceedsWithdrawn ? totalRaised : 0);
    }

    /// @notice What the contract must still hold in tokens: for sale, minus claimed, minus reclaimed.
    /// @return Token units.
    function tokenLiabilities() public view returns (uint256) {
        return tokensForSale - tokensClaimed - tokensReclaimed;
    }

    /// @notice Token units bought by `weiAmount` at `tokensPerCmt` (rounded down).
    /// @param weiAmount The contribution.
    /// @param tokensPerCmt Token units per 10^18 wei.
    /// @return The token units.
    function tokensFor(uint256 weiAmount, uint256 tokensPerCmt) public pure returns (uint256) {
        return Math.mulDiv(weiAmount, tokensPerCmt, PRICE_UNIT);
    }

    // ---------------------------------------------------------------- internals

    /// @dev The outcome, finalising first when the sale is due (the permissionless default exit).
    function _settle() private returns (Outcome o) {
        o = outcome;
        if (o != Outcome.None) return o;
        Config storage c = _config;
        if (block.timestamp < c.end && totalRaised < c.hardCap) revert SaleNotEnded(c.end);
        o = totalRaised >= c.softCap ? Outcome.Succeeded : Outcome.Failed;
        outcome = o;
        emit Finalized(o, totalRaised, tokensSold);
    }

    function _sendCmt(address payable to, uint256 amount) private {
        (bool ok,) = to.call{value: amount}("");
        if (!ok) revert CmtTransferFailed(to, amount);
    }

    function _assertCmtSolvent() private view {
        uint256 liabilities = cmtLiabilities();
        if (address(this).balance < liabilities) revert Insolvent(address(0), address(this).balance, liabilities);
    }

    function _assertTokenSolvent() private view {
        uint256 held = _config.token.balanceOf(address(this));
        uint256 liabilities = tokenLiabilities();
        if (held < liabilities) revert Insolvent(address(_config.token), held, liabilities);
    }
}
