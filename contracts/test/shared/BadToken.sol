// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @title BadToken
/// @notice Test-only ERC-20 with the two behaviours escrow and loan contracts get wrong: a fee on transfer (the recipient
///         receives less than was sent; the fee is burned) and a balance that can shrink without any transfer by
///         its holder (a negative rebase or an issuer's seizure, through {seize}).
contract BadToken is ERC20 {
    /// @notice Fee on every transfer between two accounts, in basis points.
    uint16 public transferFeeBps;

    /// @notice Mints `supply` to the deployer.
    /// @param supply Amount minted.
    constructor(uint256 supply) ERC20("Bad Token", "BAD") {
        _mint(msg.sender, supply);
    }

    /// @notice Sets the transfer fee.
    /// @param bps Fee in basis points.
    function setTransferFee(uint16 bps) external {
        transferFeeBps = bps;
    }

    /// @notice Burns `amount` from `holder` without their consent.
    /// @param holder The account that loses balance.
    /// @param amount How much.
    function seize(address holder, uint256 amount) external {
        _burn(holder, amount);
    }

    function _update(address from, address to, uint256 value) internal override {
        if (from == address(0) || to == address(0) || transferFeeBps == 0) {
            super._update(from, to, value);
            return;
        }
        uint256 fee = value * transferFeeBps / 10_000;
        super._update(from, to, value - fee);
        super._update(from, address(0), fee);
    }
}
