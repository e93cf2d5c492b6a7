// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @title MintableTestToken
/// @notice Test-only ERC-20 that anyone can mint, with configurable decimals.
contract MintableTestToken is ERC20 {
    uint8 private immutable _decimals;

    /// @notice A token named `name_`/`symbol_` with `decimals_` decimals and no supply.
    constructor(string memory name_, string memory symbol_, uint8 decimals_) ERC20(name_, symbol_) {
        _decimals = decimals_;
    }

    /// @notice Mints `amount` to `to` (test only: no access control).
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    /// @notice Burns `amount` from `from` without its consent, like a negative rebase (test only: no access
    ///         control), so tests can show that a settlement contract stops when it is no longer fully backed.
    function slash(address from, uint256 amount) external {
        _burn(from, amount);
    }

    /// @inheritdoc ERC20
    function decimals() public view override returns (uint8) {
        return _decimals;
    }
}

/// @title FeeOnTransferToken
/// @notice Test-only ERC-20 that burns 1% of every transfer between two accounts (mints are exact), so the
///         receiver gets less than was sent.
contract FeeOnTransferToken is ERC20 {
    constructor() ERC20("Fee Token", "FEE") {}

    /// @notice Mints `amount` to `to` (test only: no access control).
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    /// @dev Burns 1% of transfers between two non-zero accounts.
    function _update(address from, address to, uint256 value) internal override {
        if (from != address(0) && to != address(0)) {
            uint256 fee = value / 100;
            super._update(from, address(0), fee);
            super._update(from, to, value - fee);
        } else {
            super._update(from, to, value);
        }
    }
}

/// @title ReentrantToken
/// @notice Test-only ERC-20 that, once armed, makes one call to a configured target with configured calldata in
///         the middle of its next transfer (a token hook re-entering the contract that moves it). The call's
///         outcome is recorded and emitted, not bubbled, so a test can see that the attempt happened and how it
///         failed while the outer operation carries on.
contract ReentrantToken is ERC20 {
    address public target;
    bytes public payload;
    bool public armed;
    bool public attempted;
    bool public lastOk;
    bytes public lastReturn;

    /// @notice The hook called `target`; `ok` and `returnData` are its outcome.
    event ReentryAttempt(address target, bool ok, bytes returnData);

    constructor() ERC20("Reentrant Token", "REE") {}

    /// @notice Mints `amount` to `to` (test only: no access control).
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    /// @notice Arms the hook: the next transfer calls `target_` with `payload_`.
    function arm(address target_, bytes calldata payload_) external {
        target = target_;
        payload = payload_;
        armed = true;
        attempted = false;
    }

    /// @dev After moving the balances, makes the armed call once.
    function _update(address from, address to, uint256 value) internal override {
        super._update(from, to, value);
        if (armed) {
            armed = false;
            attempted = true;
            (bool ok, bytes memory ret) = target.call(payload);
            lastOk = ok;
            lastReturn = ret;
            emit ReentryAttempt(target, ok, ret);
        }
    }
}
