// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;

import {AccessControlDefaultAdminRules} from
    "@openzeppelin/contracts/access/extensions/AccessControlDefaultAdminRules.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {Nonces} from "@openzeppelin/contracts/utils/Nonces.sol";
import {EnumerableSet} from "@openzeppelin/contracts/utils/structs/EnumerableSet.sol";
import {IAttestationGate} from "./IAttestationGate.sol";

/// @title AttestationRegistry
/// @notice Identity without a central store. An account (the holder) registers, per attribute kind, a salted
///         hash commitment of the attribute — never the attribute itself:
///
///             commitment = keccak256(abi.encode(kind, value, salt, holder))
///
///         with `kind` a bytes32 label (for example keccak256("KYC_BASIC")), `value` the attribute's bytes (for
///         example the UTF-8 of "country=DE" or an ABI-encoded number), `salt` 32 random bytes kept by the
///         holder (at least 128 bits of entropy, never reused: low-entropy values such as a birth date could
///         otherwise be found by trying them all) and `holder` the account itself, so a commitment can never be
///         replayed by another account. Trusted issuers (a KYC provider, a marketplace) check the value off
///         chain and attest to the commitment with an expiry; they can revoke. To prove the attribute to a
///         counterparty the holder reveals `value` and `salt` off chain, and the counterparty calls {verify}.
///         Contracts ask the narrower question of {IAttestationGate-hasValidAttestation}.
/// @dev Two layers of trust. The registry's issuer admins (`ISSUER_ADMIN_ROLE`) accredit issuers per kind and
///      can distrust everything an issuer signed from a cut-off time on (a compromised key). On top of that,
///      anyone can curate an issuer set (at most {MAX_SET_SIZE} issuers, owned by its creator, transferable in
///      two steps); a consumer chooses the set it trusts. An attestation counts only while the issuer is
///      accredited for the kind and in the consumer's set, it was made to the holder's current commitment,
///      `block.timestamp < expiresAt`, and it has not been revoked. Issuers can also attest and revoke by
///      EIP-712 signature (domain bound to this chain id and contract, per-issuer sequential nonce, deadline),
///      relayed by anyone; ERC-1271 contract issuers are supported through OpenZeppelin's SignatureChecker.
///      The registry holds no money.
contract AttestationRegistry is IAttestationGate, AccessControlDefaultAdminRules, EIP712, Nonces {
    using EnumerableSet for EnumerableSet.AddressSet;

    /// @notice An issuer's statement about a holder's commitment of one kind; `commitment == 0` means none.
    struct Attestation {
        bytes32 commitment;
        uint64 issuedAt;
        uint64 expiresAt;
        uint64 revokedAt;
    }

    /// @notice An issuer's standing for one kind. With a non-zero `cutoff`, attestations issued at or after
    ///         `cutoff` are not trusted (earlier ones still are, while `authorized`).
    struct IssuerStatus {
        bool authorized;
        uint64 cutoff;
    }

    /// @notice What an issuer signs to attest by signature ({attestBySig}).
    struct AttestRequest {
        address issuer;
        address holder;
        bytes32 kind;
        bytes32 commitment;
        uint64 expiresAt;
        uint256 nonce;
        uint256 deadline;
    }

    /// @notice What an issuer signs to revoke by signature ({revokeBySig}).
    struct RevokeRequest {
        address issuer;
        address holder;
        bytes32 kind;
        uint256 nonce;
        uint256 deadline;
    }

    /// @notice May accredit issuers per kind and set their cut-off times.
    bytes32 public constant ISSUER_ADMIN_ROLE = keccak256("ISSUER_ADMIN_ROLE");
    /// @notice Most issuers one set may hold; bounds the cost of {hasValidAttestation}.
    uint256 public constant MAX_SET_SIZE = 16;
    /// @notice EIP-712 type hash of {AttestRequest}.
    bytes32 public constant ATTEST_TYPEHASH = keccak256(
        "Attest(address issuer,address holder,bytes32 kind,bytes32 commitment,uint64 expiresAt,uint256 nonce,uint256 deadline)"
    );
    /// @notice EIP-712 type hash of {RevokeRequest}.
    bytes32 public constant REVOKE_TYPEHASH =
        keccak256("Revoke(address issuer,address holder,bytes32 kind,uint256 nonce,uint256 deadline)");

    /// @notice Number of issuer sets created; set ids run from 1 to this.
    uint256 public issuerSetCount;

    mapping(address holder => mapping(bytes32 kind => bytes32 commitment)) private _commitments;
    mapping(address holder => mapping(bytes32 kind => mapping(address issuer => Attestation))) private _attestations;
    mapping(bytes32 kind => mapping(address issuer => IssuerStatus)) private _issuers;
    mapping(uint256 setId => address) private _setOwners;
    mapping(uint256 setId => address) private _pendingSetOwners;
    mapping(uint256 setId => EnumerableSet.AddressSet) private _setMembers;

    /// @notice `holder` registered (or replaced) its commitment of `kind`; attestations to an older one lapse.
    event CommitmentRegistered(address indexed holder, bytes32 indexed kind, bytes32 commitment);
    /// @notice `holder` withdrew its commitment of `kind`; every attestation to it lapses.
    event CommitmentWithdrawn(address indexed holder, bytes32 indexed kind, bytes32 commitment);
    /// @notice `issuer` attested to `holder`'s commitment of `kind`, valid until `expiresAt` (exclusive).
    event Attested(
        address indexed holder, bytes32 indexed kind, address indexed issuer, bytes32 commitment, uint64 expiresAt
    );
    /// @notice `issuer` revoked its attestation of `holder`'s commitment of `kind`.
    event Revoked(address indexed holder, bytes32 indexed kind, address indexed issuer, bytes32 commitment);
    /// @notice An issuer admin accredited (`authorized`) or withdrew accreditation of `issuer` for `kind`.
    event IssuerUpdated(bytes32 indexed kind, address indexed issuer, bool authorized);
    /// @notice Attestations of `kind` by `issuer` issued at or after `cutoff` are no longer trusted (0: none).
    event IssuerCutoffSet(bytes32 indexed kind, address indexed issuer, uint64 cutoff);
    /// @notice Issuer set `setId` was created by `owner`.
    event IssuerSetCreated(uint256 indexed setId, address indexed owner);
    /// @notice `issuer` joined issuer set `setId`.
    event IssuerAddedToSet(uint256 indexed setId, address indexed issuer);
    /// @notice `issuer` left issuer set `setId`.
    event IssuerRemovedFromSet(uint256 indexed setId, address indexed issuer);
    /// @notice The owner of set `setId` offered it to `pendingOwner` (zero: offer withdrawn).
    event SetOwnershipTransferStarted(uint256 indexed setId, address indexed owner, address indexed pendingOwner);
    /// @notice `newOwner` accepted set `setId`.
    event SetOwnershipTransferred(uint256 indexed setId, address indexed previousOwner, address indexed newOwner);

    /// @notice The zero address was given where an account is required.
    error ZeroAddress();
    /// @notice A kind of 0 was given.
    error ZeroKind();
    /// @notice A commitment of 0 was given.
    error ZeroCommitment();
    /// @notice The holder already has exactly this commitment for the kind.
    error CommitmentUnchanged(bytes32 commitment);
    /// @notice `holder` has no commitment of `kind`.
    error NoCommitment(address holder, bytes32 kind);
    /// @notice The commitment attested to is not `holder`'s current commitment of the kind (`current`).
    error CommitmentMismatch(address holder, bytes32 kind, bytes32 current);
    /// @notice `issuer` is not (or no longer) trusted to attest `kind`.
    error NotAuthorizedIssuer(bytes32 kind, address issuer);
    /// @notice The expiry is not in the future.
    error BadExpiry(uint64 expiresAt);
    /// @notice `issuer` has no attestation of `holder`'s `kind`.
    error NoAttestation(address holder, bytes32 kind, address issuer);
    /// @notice The attestation was already revoked.
    error AlreadyRevoked(address holder, bytes32 kind, address issuer);
    /// @notice The signed request's deadline has passed.
    error SignatureExpired(uint256 deadline);
    /// @notice The signature is not `issuer`'s over the request.
    error InvalidSignature(address issuer);
    /// @notice No issuer set has this id.
    error UnknownSet(uint256 setId);
    /// @notice Only the set's owner may do this.
    error NotSetOwner(uint256 setId);
    /// @notice Only the set's pending owner may accept it.
    error NotPendingSetOwner(uint256 setId);
    /// @notice The set already has {MAX_SET_SIZE} issuers.
    error SetFull(uint256 setId);
    /// @notice `issuer` is already in set `setId`.
    error AlreadyInSet(uint256 setId, address issuer);
    /// @notice `issuer` is not in set `setId`.
    error NotInSet(uint256 setId, address issuer);

    /// @notice Deploys the registry.
    /// @param admin Default admin (two-step transfer after `adminDelay`); also gets {ISSUER_ADMIN_ROLE}.
    /// @param adminDelay Delay of a default-admin transfer, in seconds.
    constructor(address admin, uint48 adminDelay)
        AccessControlDefaultAdminRules(adminDelay, admin)
        EIP712("CyberMiles AttestationRegistry", "1")
    {
        _grantRole(ISSUER_ADMIN_ROLE, admin);
    }

    // ---------------------------------------------------------------- holders

    /// @notice Registers the caller's commitment of `kind`, replacing any earlier one (attestations to the earlier
    ///         one then lapse: an issuer has to attest the new one).
    /// @param kind The attribute kind (not zero).
    /// @param commitment keccak256(abi.encode(kind, value, salt, msg.sender)), see {computeCommitment}.
    function registerCommitment(bytes32 kind, bytes32 commitment) external {
        if (kind == bytes32(0)) revert ZeroKind();
        if (commitment == bytes32(0)) revert ZeroCommitment();
        if (_commitments[msg.sender][kind] == commitment) revert CommitmentUnchanged(commitment);
        _commitments[msg.sender][kind] = commitment;
        emit CommitmentRegistered(msg.sender, kind, commitment);
    }

    /// @notice Withdraws the caller's commitment of `kind`; every attestation to it stops counting.
    /// @param kind The attribute kind.
    function withdrawCommitment(bytes32 kind) external {
        bytes32 commitment = _commitments[msg.sender][kind];
        if (commitment == bytes32(0)) revert NoCommitment(msg.sender, kind);
        delete _commitments[msg.sender][kind];
        emit CommitmentWithdrawn(msg.sender, kind, commitment);
    }

    // ---------------------------------------------------------------- issuers

    /// @notice The caller, an issuer accredited for `kind`, attests to `holder`'s current commitment of `kind`
    ///         (after checking the revealed value and salt off chain). Attesting again renews: the new expiry
    ///         replaces the old one and a revocation is lifted.
    /// @param holder The holder.
    /// @param kind The attribute kind.
    /// @param commitment The holder's current commitment of `kind` (guards against a replacement in between).
    /// @param expiresAt When the attestation stops counting (exclusive); must be in the future.
    function attest(address holder, bytes32 kind, bytes32 commitment, uint64 expiresAt) external {
        _attest(msg.sender, holder, kind, commitment, expiresAt);
    }

    /// @notice The caller revokes its attestation of `holder`'s `kind`. Always possible for the issuer, even
    ///         after its accreditation ended.
    /// @param holder The holder.
    /// @param kind The attribute kind.
    function revoke(address holder, bytes32 kind) external {
        _revoke(msg.sender, holder, kind);
    }

    /// @notice Submits an attestation signed by its issuer (EIP-712, see {ATTEST_TYPEHASH}); anyone may relay it.
    ///         The nonce must be the issuer's next one ({nonces}), and the call must come by `deadline`.
    /// @param request The signed request.
    /// @param signature The issuer's signature (65-byte ECDSA, or whatever its ERC-1271 contract accepts).
    function attestBySig(AttestRequest calldata request, bytes calldata signature) external {
        _checkSignature(request.issuer, request.deadline, attestDigest(request), signature);
        _useCheckedNonce(request.issuer, request.nonce);
        _attest(request.issuer, request.holder, request.kind, request.commitment, request.expiresAt);
    }

    /// @notice Submits a revocation signed by its issuer (EIP-712, see {REVOKE_TYPEHASH}); anyone may relay it.
    /// @param request The signed request.
    /// @param signature The issuer's signature.
    function revokeBySig(RevokeRequest calldata request, bytes calldata signature) external {
        _checkSignature(request.issuer, request.deadline, revokeDigest(request), signature);
        _useCheckedNonce(request.issuer, request.nonce);
        _revoke(request.issuer, request.holder, request.kind);
    }

    // ---------------------------------------------------------------- issuer admins

    /// @notice Accredits `issuer` for `kind`, or withdraws the accreditation (all its attestations of `kind`
    ///         stop counting until it is accredited again).
    /// @param kind The attribute kind.
    /// @param issuer The issuer.
    /// @param authorized Whether it may attest `kind`.
    function setIssuer(bytes32 kind, address issuer, bool authorized) external onlyRole(ISSUER_ADMIN_ROLE) {
        if (kind == bytes32(0)) revert ZeroKind();
        if (issuer == address(0)) revert ZeroAddress();
        _issuers[kind][issuer].authorized = authorized;
        emit IssuerUpdated(kind, issuer, authorized);
    }

    /// @notice Distrusts every attestation of `kind` that `issuer` made at or after `cutoff` (for a key known to
    ///         be compromised since then); earlier ones keep counting. 0 removes the cut-off.
    /// @param kind The attribute kind.
    /// @param issuer The issuer.
    /// @param cutoff A timestamp, or 0.
    function setIssuerCutoff(bytes32 kind, address issuer, uint64 cutoff) external onlyRole(ISSUER_ADMIN_ROLE) {
        if (kind == bytes32(0)) revert ZeroKind();
        if (issuer == address(0)) revert ZeroAddress();
        _issuers[kind][issuer].cutoff = cutoff;
        emit IssuerCutoffSet(kind, issuer, cutoff);
    }

    // ---------------------------------------------------------------- issuer sets

    /// @notice Creates an issuer set owned by the caller (a consumer's list of issuers it trusts).
    /// @param issuers The initial members (at most {MAX_SET_SIZE}, no duplicates, not zero).
    /// @return setId The new set's id.
    function createIssuerSet(address[] calldata issuers) external returns (uint256 setId) {
        setId = ++issuerSetCount;
        _setOwners[setId] = msg.sender;
        emit IssuerSetCreated(setId, msg.sender);
        for (uint256 i = 0; i < issuers.length; ++i) {
            _addToSet(setId, issuers[i]);
        }
    }

    /// @notice The set's owner adds `issuer`.
    /// @param setId The set.
    /// @param issuer The issuer to add.
    function addIssuerToSet(uint256 setId, address issuer) external {
        _requireSetOwner(setId);
        _addToSet(setId, issuer);
    }

    /// @notice The set's owner removes `issuer`; its attestations stop counting for this set at once.
    /// @param setId The set.
    /// @param issuer The issuer to remove.
    function removeIssuerFromSet(uint256 setId, address issuer) external {
        _requireSetOwner(setId);
        if (!_setMembers[setId].remove(issuer)) revert NotInSet(setId, issuer);
        emit IssuerRemovedFromSet(setId, issuer);
    }

    /// @notice The set's owner offers the set to `newOwner`, who must accept; zero withdraws the offer.
    /// @param setId The set.
    /// @param newOwner The proposed owner.
    function transferSetOwnership(uint256 setId, address newOwner) external {
        _requireSetOwner(setId);
        _pendingSetOwners[setId] = newOwner;
        emit SetOwnershipTransferStarted(setId, msg.sender, newOwner);
    }

    /// @notice The pending owner of set `setId` accepts it.
    /// @param setId The set.
    function acceptSetOwnership(uint256 setId) external {
        if (msg.sender != _pendingSetOwners[setId]) revert NotPendingSetOwner(setId);
        address previous = _setOwners[setId];
        _setOwners[setId] = msg.sender;
        delete _pendingSetOwners[setId];
        emit SetOwnershipTransferred(setId, previous, msg.sender);
    }

    // ---------------------------------------------------------------- views

    /// @inheritdoc IAttestationGate
    function hasValidAttestation(address holder, bytes32 kind, uint256 issuerSetId) external view returns (bool) {
        return validIssuerOf(holder, kind, issuerSetId) != address(0);
    }

    /// @notice Checks a disclosed attribute against the chain: whether `value` and `salt` open `holder`'s current
    ///         commitment of `kind` and an issuer of set `issuerSetId` has a valid attestation of it. The proof
    ///         is about `holder` only: the counterparty should also make sure it talks to `holder` (for
    ///         example with a signature by `holder` over a fresh challenge), since revealed values can be copied.
    /// @param holder The account the attribute belongs to.
    /// @param kind The attribute kind.
    /// @param value The disclosed value.
    /// @param salt The disclosed salt.
    /// @param issuerSetId The issuer set the counterparty trusts.
    /// @return True when the opening matches and a valid attestation exists.
    function verify(address holder, bytes32 kind, bytes calldata value, bytes32 salt, uint256 issuerSetId)
        external
        view
        returns (bool)
    {
        bytes32 current = _commitments[holder][kind];
        if (current == bytes32(0) || current != computeCommitment(kind, value, salt, holder)) return false;
        return validIssuerOf(holder, kind, issuerSetId) != address(0);
    }

    /// @notice The first issuer of set `issuerSetId` (in set order) with a valid attestation of `holder`'s
    ///         current commitment of `kind`, or zero when there is none (also for an unknown set).
    /// @param holder The holder.
    /// @param kind The attribute kind.
    /// @param issuerSetId The issuer set.
    /// @return issuer The vouching issuer, or zero.
    function validIssuerOf(address holder, bytes32 kind, uint256 issuerSetId) public view returns (address issuer) {
        EnumerableSet.AddressSet storage members = _setMembers[issuerSetId];
        uint256 n = members.length(); // at most MAX_SET_SIZE
        for (uint256 i = 0; i < n; ++i) {
            address candidate = members.at(i);
            if (isValid(holder, kind, candidate)) return candidate;
        }
        return address(0);
    }

    /// @notice Whether `issuer`'s attestation of `holder`'s `kind` counts now: made to the current commitment,
    ///         unexpired (`block.timestamp < expiresAt`), unrevoked, and the issuer trusted for the kind at the
    ///         time it attested.
    /// @param holder The holder.
    /// @param kind The attribute kind.
    /// @param issuer The issuer.
    /// @return Whether the attestation is valid.
    function isValid(address holder, bytes32 kind, address issuer) public view returns (bool) {
        Attestation storage a = _attestations[holder][kind][issuer];
        bytes32 commitment = a.commitment;
        return commitment != bytes32(0) && commitment == _commitments[holder][kind] && a.revokedAt == 0
            && block.timestamp < a.expiresAt && _trusted(kind, issuer, a.issuedAt);
    }

    /// @notice The commitment of this opening: keccak256(abi.encode(kind, value, salt, holder)).
    /// @param kind The attribute kind.
    /// @param value The attribute's bytes.
    /// @param salt The holder's random salt.
    /// @param holder The holder's account.
    /// @return The commitment.
    function computeCommitment(bytes32 kind, bytes calldata value, bytes32 salt, address holder)
        public
        pure
        returns (bytes32)
    {
        return keccak256(abi.encode(kind, value, salt, holder));
    }

    /// @notice `holder`'s current commitment of `kind` (zero: none).
    /// @param holder The holder.
    /// @param kind The attribute kind.
    /// @return The commitment.
    function commitmentOf(address holder, bytes32 kind) external view returns (bytes32) {
        return _commitments[holder][kind];
    }

    /// @notice `issuer`'s attestation record of `holder`'s `kind` (commitment zero: none). It may be stale; use
    ///         {isValid} to know whether it counts.
    /// @param holder The holder.
    /// @param kind The attribute kind.
    /// @param issuer The issuer.
    /// @return The record.
    function getAttestation(address holder, bytes32 kind, address issuer) external view returns (Attestation memory) {
        return _attestations[holder][kind][issuer];
    }

    /// @notice `issuer`'s accreditation for `kind`.
    /// @param kind The attribute kind.
    /// @param issuer The issuer.
    /// @return The accreditation flag and cut-off.
    function issuerStatus(bytes32 kind, address issuer) external view returns (IssuerStatus memory) {
        return _issuers[kind][issuer];
    }

    /// @notice The members of issuer set `setId`, in the order {validIssuerOf} checks them.
    /// @param setId The set.
    /// @return The issuers.
    function issuersOf(uint256 setId) external view returns (address[] memory) {
        return _setMembers[setId].values();
    }

    /// @notice Whether `issuer` is in set `setId`.
    /// @param setId The set.
    /// @param issuer The issuer.
    /// @return Membership.
    function isInSet(uint256 setId, address issuer) external view returns (bool) {
        return _setMembers[setId].contains(issuer);
    }

    /// @notice The owner and pending owner of set `setId` (owner zero: no such set).
    /// @param setId The set.
    /// @return owner The owner.
    /// @return pendingOwner The account the set was offered to (zero: none).
    function setOwnerOf(uint256 setId) external view returns (address owner, address pendingOwner) {
        return (_setOwners[setId], _pendingSetOwners[setId]);
    }

    /// @notice The EIP-712 digest an issuer signs for `request`.
    /// @param request The request.
    /// @return The digest.
    function attestDigest(AttestRequest calldata request) public view returns (bytes32) {
        return _hashTypedDataV4(
            keccak256(
                abi.encode(
                    ATTEST_TYPEHASH,
                    request.issuer,
                    request.holder,
                    request.kind,
                    request.commitment,
                    request.expiresAt,
                    request.nonce,
                    request.deadline
                )
            )
        );
    }

    /// @notice The EIP-712 digest an issuer signs for `request`.
    /// @param request The request.
    /// @return The digest.
    function revokeDigest(RevokeRequest calldata request) public view returns (bytes32) {
        return _hashTypedDataV4(
            keccak256(
                abi.encode(
                    REVOKE_TYPEHASH, request.issuer, request.holder, request.kind, request.nonce, request.deadline
                )
            )
        );
    }

    /// @notice The EIP-712 domain separator (name "CyberMiles AttestationRegistry", version "1", this chain id,
    ///         this contract).
    /// @return The separator.
    function DOMAIN_SEPARATOR() external view returns (bytes32) {
        return _domainSeparatorV4();
    }

    // ---------------------------------------------------------------- internals

    function _attest(address issuer, address holder, bytes32 kind, bytes32 commitment, uint64 expiresAt) private {
        if (!_trusted(kind, issuer, block.timestamp)) revert NotAuthorizedIssuer(kind, issuer);
        bytes32 current = _commitments[holder][kind];
        if (current == bytes32(0)) revert NoCommitment(holder, kind);
        if (current != commitment) revert CommitmentMismatch(holder, kind, current);
        if (expiresAt <= block.timestamp) revert BadExpiry(expiresAt);
        _attestations[holder][kind][issuer] = Attestation({
            commitment: commitment,
            issuedAt: uint64(block.timestamp),
            expiresAt: expiresAt,
            revokedAt: 0
        });
        emit Attested(holder, kind, issuer, commitment, expiresAt);
    }

    function _revoke(address issuer, address holder, bytes32 kind) private {
        Attestation storage a = _attestations[holder][kind][issuer];
        if (a.commitment == bytes32(0)) revert NoAttestation(holder, kind, issuer);
        if (a.revokedAt != 0) revert AlreadyRevoked(holder, kind, issuer);
        a.revokedAt = uint64(block.timestamp);
        emit Revoked(holder, kind, issuer, a.commitment);
    }

    function _checkSignature(address issuer, uint256 deadline, bytes32 digest, bytes calldata signature)
        private
        view
    {
        if (block.timestamp > deadline) revert SignatureExpired(deadline);
        if (!SignatureChecker.isValidSignatureNowCalldata(issuer, digest, signature)) {
            revert InvalidSignature(issuer);
        }
    }

    function _trusted(bytes32 kind, address issuer, uint256 issuedAt) private view returns (bool) {
        IssuerStatus storage s = _issuers[kind][issuer];
        return s.authorized && (s.cutoff == 0 || issuedAt < s.cutoff);
    }

    function _requireSetOwner(uint256 setId) private view {
        address owner = _setOwners[setId];
        if (owner == address(0)) revert UnknownSet(setId);
        if (owner != msg.sender) revert NotSetOwner(setId);
    }

    function _addToSet(uint256 setId, address issuer) private {
        if (issuer == address(0)) revert ZeroAddress();
        EnumerableSet.AddressSet storage members = _setMembers[setId];
        if (members.length() >= MAX_SET_SIZE) revert SetFull(setId);
        if (!members.add(issuer)) revert AlreadyInSet(setId, issuer);
        emit IssuerAddedToSet(setId, issuer);
    }
}
