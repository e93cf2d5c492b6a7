// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.26;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";
import {ERC3009} from "@openzeppelin/contracts/token/ERC20/extensions/draft-ERC3009.sol";
import {AccessControlDefaultAdminRules} from
    "@openzeppelin/contracts/access/extensions/AccessControlDefaultAdminRules.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";

/// @title StableCoin
/// @notice A fiat-backed stable coin in the manner of Circle's FiatToken (and CyberMiles' StableCoinCMTD): an
///         ERC-20 whose supply an issuer controls through roles.
///         - `MINTER_ADMIN_ROLE` (FiatToken's master minter) configures minters, each with a **minting
///           allowance** that every mint consumes; it can raise, lower or remove it at any time.
///         - `MINTER_ROLE` mints to any account within its allowance.
///         - `BURNER_ROLE` burns from its own balance (redemptions: a customer sends coins to the issuer, which
///           burns them when it pays out fiat).
///         - `PAUSER_ROLE` pauses and unpauses every transfer, mint, burn, approval and authorization.
///         - `BLOCKLISTER_ROLE` blocks and unblocks accounts: a blocked account can neither send, receive,
///           approve, be approved, spend an allowance, mint, nor burn.
///         - the default admin (two-step transfer with a delay, OpenZeppelin AccessControlDefaultAdminRules)
///           grants and revokes the roles.
///         Holders can approve by signature (EIP-2612 {permit}) and transfer by signed authorization (EIP-3009
///         {transferWithAuthorization}, {receiveWithAuthorization}, {cancelAuthorization}, random 32-byte nonces,
///         validAfter/validBefore), both bound to this chain and contract by EIP-712 (domain: the token's name,
///         version "1").
/// @dev Invariant: `totalSupply() == totalMinted - totalBurned` (both counters only grow). Blocked balances
///      stay frozen where they are: nobody (not even the issuer) can move or burn them.
contract StableCoin is ERC20Permit, ERC3009, AccessControlDefaultAdminRules, Pausable {
    /// @notice Configures minters and their allowances.
    bytes32 public constant MINTER_ADMIN_ROLE = keccak256("MINTER_ADMIN_ROLE");
    /// @notice Mints within its allowance.
    bytes32 public constant MINTER_ROLE = keccak256("MINTER_ROLE");
    /// @notice Burns from its own balance.
    bytes32 public constant BURNER_ROLE = keccak256("BURNER_ROLE");
    /// @notice Pauses and unpauses.
    bytes32 public constant PAUSER_ROLE = keccak256("PAUSER_ROLE");
    /// @notice Blocks and unblocks accounts.
    bytes32 public constant BLOCKLISTER_ROLE = keccak256("BLOCKLISTER_ROLE");

    uint8 private immutable _decimals;

    /// @notice Remaining amount each minter may mint.
    mapping(address minter => uint256) public minterAllowance;
    /// @notice Whether an account is blocked.
    mapping(address account => bool) public isBlocklisted;
    /// @notice Everything ever minted.
    uint256 public totalMinted;
    /// @notice Everything ever burned.
    uint256 public totalBurned;

    /// @notice `minter` may now mint `allowance` (replacing its previous allowance).
    event MinterConfigured(address indexed minter, uint256 allowance, address indexed by);
    /// @notice `minter` lost the minter role and its allowance.
    event MinterRemoved(address indexed minter, address indexed by);
    /// @notice `minter` minted `amount` to `to`; its allowance is now `remainingAllowance`.
    event Mint(address indexed minter, address indexed to, uint256 amount, uint256 remainingAllowance);
    /// @notice `burner` burned `amount` of its own coins.
    event Burn(address indexed burner, uint256 amount);
    /// @notice `account` was blocked.
    event Blocklisted(address indexed account, address indexed by);
    /// @notice `account` was unblocked.
    event Unblocklisted(address indexed account, address indexed by);

    /// @notice The zero address where an account is required.
    error ZeroAddress();
    /// @notice A mint or burn of nothing.
    error ZeroAmount();
    /// @notice The minter may mint only `allowance` more.
    error MinterAllowanceExceeded(address minter, uint256 allowance, uint256 amount);
    /// @notice `account` is blocked.
    error AccountBlocklisted(address account);
    /// @notice `account` is already blocked.
    error AlreadyBlocklisted(address account);
    /// @notice `account` is not blocked.
    error NotBlocklisted(address account);
    /// @notice `account` does not hold the minter role.
    error NotMinter(address account);
    /// @notice Decimals above 18.
    error BadDecimals(uint8 decimals);

    /// @notice Deploys the coin with `admin` as default admin; no other role is granted (the admin grants them).
    /// @param name_ Token name (also the EIP-712 domain name).
    /// @param symbol_ Token symbol.
    /// @param decimals_ Decimals (at most 18; fiat coins usually use 6).
    /// @param admin Default admin.
    /// @param adminDelay Delay (seconds) before a new default admin can accept the role.
    constructor(string memory name_, string memory symbol_, uint8 decimals_, address admin, uint48 adminDelay)
        ERC20(name_, symbol_)
        ERC20Permit(name_)
        AccessControlDefaultAdminRules(adminDelay, admin)
    {
        if (decimals_ > 18) revert BadDecimals(decimals_);
        _decimals = decimals_;
        _setRoleAdmin(MINTER_ROLE, MINTER_ADMIN_ROLE);
    }

    // ------------------------------------------------------------ issuer

    /// @notice Makes `minter` a minter (if it is not one) able to mint `allowance` from now on.
    /// @param minter The minter.
    /// @param allowance Its new allowance (replaces the old one).
    function configureMinter(address minter, uint256 allowance) external onlyRole(MINTER_ADMIN_ROLE) {
        if (minter == address(0)) revert ZeroAddress();
        minterAllowance[minter] = allowance;
        emit MinterConfigured(minter, allowance, msg.sender);
        _grantRole(MINTER_ROLE, minter);
    }

    /// @notice Takes the minter role and the allowance from `minter`.
    /// @param minter The minter.
    function removeMinter(address minter) external onlyRole(MINTER_ADMIN_ROLE) {
        if (!hasRole(MINTER_ROLE, minter)) revert NotMinter(minter);
        minterAllowance[minter] = 0;
        emit MinterRemoved(minter, msg.sender);
        _revokeRole(MINTER_ROLE, minter);
    }

    /// @notice Mints `amount` to `to`, consuming as much of the caller's allowance.
    /// @param to Recipient (not blocked).
    /// @param amount Smallest units, more than zero.
    function mint(address to, uint256 amount) external onlyRole(MINTER_ROLE) {
        if (amount == 0) revert ZeroAmount();
        _requireNotBlocklisted(msg.sender);
        uint256 allowance = minterAllowance[msg.sender];
        if (amount > allowance) revert MinterAllowanceExceeded(msg.sender, allowance, amount);
        // amount <= allowance was checked just above.
        unchecked {
            allowance -= amount;
        }
        minterAllowance[msg.sender] = allowance;
        totalMinted += amount;
        // _update checks the pause, `to` (zero address, blocklist).
        _mint(to, amount);
        emit Mint(msg.sender, to, amount, allowance);
    }

    /// @notice Burns `amount` of the caller's own coins.
    /// @param amount Smallest units, more than zero.
    function burn(uint256 amount) external onlyRole(BURNER_ROLE) {
        if (amount == 0) revert ZeroAmount();
        totalBurned += amount;
        // _update checks the pause, the caller's blocklisting and balance.
        _burn(msg.sender, amount);
        emit Burn(msg.sender, amount);
    }

    /// @notice Pauses transfers, mints, burns, approvals and authorizations.
    function pause() external onlyRole(PAUSER_ROLE) {
        _pause();
    }

    /// @notice Lifts the pause.
    function unpause() external onlyRole(PAUSER_ROLE) {
        _unpause();
    }

    /// @notice Blocks `account`.
    /// @param account The account.
    function blocklist(address account) external onlyRole(BLOCKLISTER_ROLE) {
        if (account == address(0)) revert ZeroAddress();
        if (isBlocklisted[account]) revert AlreadyBlocklisted(account);
        isBlocklisted[account] = true;
        emit Blocklisted(account, msg.sender);
    }

    /// @notice Unblocks `account`.
    /// @param account The account.
    function unblocklist(address account) external onlyRole(BLOCKLISTER_ROLE) {
        if (!isBlocklisted[account]) revert NotBlocklisted(account);
        isBlocklisted[account] = false;
        emit Unblocklisted(account, msg.sender);
    }

    // ------------------------------------------------------------ ERC-20

    /// @notice Decimals of the coin.
    function decimals() public view override returns (uint8) {
        return _decimals;
    }

    /// @notice ERC-20 transferFrom; the spender (caller) must not be blocked either.
    /// @param from Holder.
    /// @param to Recipient.
    /// @param value Amount.
    /// @return True.
    function transferFrom(address from, address to, uint256 value) public override returns (bool) {
        _requireNotBlocklisted(msg.sender);
        return super.transferFrom(from, to, value);
    }

    /// @dev Every balance change: not while paused, never from or to a blocked account.
    function _update(address from, address to, uint256 value) internal override whenNotPaused {
        _requireNotBlocklisted(from);
        _requireNotBlocklisted(to);
        super._update(from, to, value);
    }

    /// @dev Approvals (approve, permit) are refused while paused and for blocked owners or spenders; spending an
    ///      allowance (emitEvent false) is checked by transferFrom and _update instead.
    function _approve(address owner, address spender, uint256 value, bool emitEvent) internal override {
        if (emitEvent) {
            _requireNotPaused();
            _requireNotBlocklisted(owner);
            _requireNotBlocklisted(spender);
        }
        super._approve(owner, spender, value, emitEvent);
    }

    /// @dev Cancelling an EIP-3009 authorization is refused while paused, like using one.
    function _cancelAuthorization(address authorizer, bytes32 nonce) internal override whenNotPaused {
        super._cancelAuthorization(authorizer, nonce);
    }

    function _requireNotBlocklisted(address account) private view {
        if (isBlocklisted[account]) revert AccountBlocklisted(account);
    }
}
