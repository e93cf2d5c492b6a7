// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

/// @title IAttestationGate
/// @notice What a contract asks an identity registry before it lets an account in: "does `holder` have a valid
///         attestation of kind `kind` from an issuer in the trusted set `issuerSetId`?". Valid means attested to
///         the holder's current commitment, not expired, not revoked, and the issuer still trusted for the kind.
/// @dev Implementations must be pure reads (the caller uses STATICCALL through this `view` declaration), must
///      answer `false` rather than revert for unknown holders, kinds or sets, and must keep their cost bounded.
interface IAttestationGate {
    /// @notice Whether `holder` has a valid attestation of `kind` from a member of issuer set `issuerSetId`.
    /// @param holder The account to check.
    /// @param kind The attribute kind (for example keccak256("KYC_BASIC")).
    /// @param issuerSetId The trusted issuer set to accept attestations from.
    /// @return True when at least one issuer in the set currently vouches for the holder's commitment of `kind`.
    function hasValidAttestation(address holder, bytes32 kind, uint256 issuerSetId) external view returns (bool);
}
