// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Burnable} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Burnable.sol";
import {AccessControlDefaultAdminRules} from
    "@openzeppelin/contracts/access/extensions/AccessControlDefaultAdminRules.sol";
import {Initializable} from "@openzeppelin/contracts/proxy/utils/Initializable.sol";

/// @title IssuedToken
/// @notice The ERC-20 that {TokenFactory} issues, as an ERC-1167 clone initialised in the same transaction that
///         creates it. Every token is burnable (holders burn their own, or an allowance). At creation it is
///         either fixed-supply (everything minted to the initial allocations, minting impossible forever) or
///         mintable by `MINTER_ROLE`, optionally under a cap; the admin can end minting for good
///         ({finishMinting}). A pausable token can be paused by `PAUSER_ROLE` for at most
///         {MAX_PAUSE_DURATION} at a time: the pause lapses by itself, so holders are never locked in for good.
/// @dev The implementation contract disables its initialisers in its constructor; only clones are used. Roles
///      use OpenZeppelin's AccessControlDefaultAdminRules: the default admin changes hands in two steps (the
///      new admin accepts); in a clone the transfer delay starts at 0 and the admin may raise it
///      ({changeDefaultAdminDelay}). {owner} returns the default admin (used by SymbolRegistry to recognise the
///      token's controller). The name, symbol and decimals live in storage because a clone has no constructor.
contract IssuedToken is ERC20Burnable, AccessControlDefaultAdminRules, Initializable {
    /// @notice How a token is set up at creation.
    struct Config {
        string name;
        string symbol;
        uint8 decimals;
        /// Maximum total supply; 0 = no cap. Only meaningful together with `mintable`.
        uint256 cap;
        /// Whether `MINTER_ROLE` may mint after creation.
        bool mintable;
        /// Whether `PAUSER_ROLE` may pause transfers.
        bool pausable;
        /// Gets the default admin role, plus the minter and pauser roles when those features are on.
        address admin;
    }

    /// @notice `amount` (smallest units) minted to `to` at creation.
    struct Allocation {
        address to;
        uint256 amount;
    }

    /// @notice May mint, while the token is mintable and under its cap.
    bytes32 public constant MINTER_ROLE = keccak256("MINTER_ROLE");
    /// @notice May pause transfers for a bounded time and unpause them.
    bytes32 public constant PAUSER_ROLE = keccak256("PAUSER_ROLE");
    /// @notice Longest single pause.
    uint64 public constant MAX_PAUSE_DURATION = 30 days;
    /// @notice Most decimals a token may have.
    uint8 public constant MAX_DECIMALS = 18;

    string private _tokenName;
    string private _tokenSymbol;
    uint8 private _tokenDecimals;
    /// @notice Whether minting is (still) possible.
    bool public mintable;
    /// @notice Whether the token can be paused.
    bool public pausable;
    /// @notice Transfers, mints and burns are refused while `block.timestamp < pausedUntil`.
    uint64 public pausedUntil;
    uint256 private _cap;

    /// @notice The token was set up (emitted once, by the clone's initialisation; name and symbol are in
    ///         the factory's TokenCreated event and the views).
    event TokenInitialized(address indexed admin, uint8 decimals, uint256 cap, bool mintable, bool pausable);
    /// @notice Minting was switched off for good.
    event MintingFinished(address indexed by);
    /// @notice Transfers are paused until `until` (exclusive) unless unpaused earlier.
    event Paused(address indexed by, uint64 until);
    /// @notice The pause was lifted before it lapsed.
    event Unpaused(address indexed by);

    /// @notice The name or symbol is empty.
    error EmptyNameOrSymbol();
    /// @notice More than {MAX_DECIMALS} decimals.
    error BadDecimals(uint8 decimals);
    /// @notice The zero address was given where an account is required.
    error ZeroAddress();
    /// @notice A fixed-supply token must mint something at creation.
    error NoSupply();
    /// @notice A cap was given for a token that cannot mint (the supply is fixed anyway).
    error CapWithoutMinting();
    /// @notice The total supply would exceed the cap.
    error CapExceeded(uint256 supply, uint256 cap);
    /// @notice The token is not (or no longer) mintable.
    error MintingDisabled();
    /// @notice The token was created without the pause feature.
    error NotPausable();
    /// @notice The pause duration is 0 or above {MAX_PAUSE_DURATION}.
    error BadPauseDuration(uint64 duration);
    /// @notice The token is paused.
    error EnforcedPause();
    /// @notice The token is not paused.
    error ExpectedPause();

    /// @notice Deploys the implementation; it can never be initialised (clones are).
    constructor() ERC20("", "") AccessControlDefaultAdminRules(0, address(this)) {
        _disableInitializers();
    }

    /// @notice Sets the clone up and mints the initial allocations. Called once, by the factory, in the
    ///         transaction that creates the clone.
    /// @param config Name, symbol, decimals, cap, features and admin.
    /// @param allocations Initial mints (the factory bounds their number).
    function initialize(Config calldata config, Allocation[] calldata allocations) external initializer {
        if (bytes(config.name).length == 0 || bytes(config.symbol).length == 0) revert EmptyNameOrSymbol();
        if (config.decimals > MAX_DECIMALS) revert BadDecimals(config.decimals);
        if (config.admin == address(0)) revert ZeroAddress();
        if (!config.mintable && config.cap != 0) revert CapWithoutMinting();
        _tokenName = config.name;
        _tokenSymbol = config.symbol;
        _tokenDecimals = config.decimals;
        _cap = config.cap;
        mintable = config.mintable;
        pausable = config.pausable;
        emit TokenInitialized(config.admin, config.decimals, config.cap, config.mintable, config.pausable);
        _grantRole(DEFAULT_ADMIN_ROLE, config.admin);
        if (config.mintable) _grantRole(MINTER_ROLE, config.admin);
        if (config.pausable) _grantRole(PAUSER_ROLE, config.admin);
        for (uint256 i = 0; i < allocations.length; ++i) {
            // _mint rejects the zero address (ERC20InvalidReceiver); the cap is checked in _update.
            _mint(allocations[i].to, allocations[i].amount);
        }
        if (!config.mintable && totalSupply() == 0) revert NoSupply();
    }

    /// @notice Mints `amount` to `to`, within the cap.
    /// @param to The recipient.
    /// @param amount Smallest units.
    function mint(address to, uint256 amount) external onlyRole(MINTER_ROLE) {
        if (!mintable) revert MintingDisabled();
        _mint(to, amount);
    }

    /// @notice Ends minting for good; the supply can then only shrink (by burning).
    function finishMinting() external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (!mintable) revert MintingDisabled();
        mintable = false;
        emit MintingFinished(msg.sender);
    }

    /// @notice Pauses transfers, mints and burns for `duration` seconds (at most {MAX_PAUSE_DURATION}); the pause
    ///         lapses by itself. A new pause can only start once the current one is over or lifted.
    /// @param duration Seconds.
    function pause(uint64 duration) external onlyRole(PAUSER_ROLE) {
        if (!pausable) revert NotPausable();
        if (duration == 0 || duration > MAX_PAUSE_DURATION) revert BadPauseDuration(duration);
        if (paused()) revert EnforcedPause();
        // block.timestamp fits in uint64 for billions of years; duration is at most 30 days.
        uint64 until = uint64(block.timestamp) + duration;
        pausedUntil = until;
        emit Paused(msg.sender, until);
    }

    /// @notice Lifts the current pause.
    function unpause() external onlyRole(PAUSER_ROLE) {
        if (!paused()) revert ExpectedPause();
        pausedUntil = 0;
        emit Unpaused(msg.sender);
    }

    /// @notice Whether transfers are paused now.
    /// @return True while `block.timestamp < pausedUntil`.
    function paused() public view returns (bool) {
        return block.timestamp < pausedUntil;
    }

    /// @notice The maximum total supply (0 = none).
    /// @return The cap.
    function cap() external view returns (uint256) {
        return _cap;
    }

    /// @inheritdoc ERC20
    function name() public view override returns (string memory) {
        return _tokenName;
    }

    /// @inheritdoc ERC20
    function symbol() public view override returns (string memory) {
        return _tokenSymbol;
    }

    /// @inheritdoc ERC20
    function decimals() public view override returns (uint8) {
        return _tokenDecimals;
    }

    /// @dev Every balance change passes here: refused while paused; mints checked against the cap.
    function _update(address from, address to, uint256 value) internal override {
        if (paused()) revert EnforcedPause();
        super._update(from, to, value);
        if (from == address(0)) {
            uint256 supplyCap = _cap;
            if (supplyCap != 0 && totalSupply() > supplyCap) revert CapExceeded(totalSupply(), supplyCap);
        }
    }
}
