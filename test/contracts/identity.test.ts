/**
 * AttestationRegistry (identity without a central store) deployed on a real automining dev node: holders'
 * salted commitments, accredited issuers' attestations with expiry and revocation, issuer cut-offs, curated
 * issuer sets with two-step ownership, EIP-712 attestations and revocations relayed by anyone (replay on
 * another chain or contract, expired deadlines, reused nonces, ERC-1271 contract issuers that misbehave), the
 * off-chain disclosure check `verify` and the `IAttestationGate` view. Every external function's success path
 * and each revert with its exact custom error; a fast-check property of `verify` against a TypeScript
 * reference. Each test starts from the same deployed state (evm_snapshot / evm_revert).
 *
 * GAS_REPORT=<dir> writes the gas used by the main functions to <dir>/identity.md.
 */
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Contract, Signature, TypedDataEncoder, Wallet, hexlify, randomBytes, toUtf8Bytes } from 'ethers';
import type { TransactionReceipt } from 'ethers';
import fc from 'fast-check';
import {
  CHAIN_ID, DAY, ZERO_ADDRESS, ZERO_HASH, blockTime, commitment, createGasReport, deploy, eventsOf, expectEvent,
  expectRevert, increaseTime, kindOf, latestTimestamp, mineAt, read, readStruct, revertTo, send, snapshot, startChain,
} from './identityTokenFixtures.ts';
import type { Chain } from './identityTokenFixtures.ts';

const KYC = kindOf('KYC_BASIC');
const COUNTRY = kindOf('COUNTRY');
const KYC_VALUE = 'level=2;name-hash=0x1234';
const COUNTRY_VALUE = 'country=DE';

const ATTEST_TYPES = {
  Attest: [
    { name: 'issuer', type: 'address' }, { name: 'holder', type: 'address' }, { name: 'kind', type: 'bytes32' },
    { name: 'commitment', type: 'bytes32' }, { name: 'expiresAt', type: 'uint64' }, { name: 'nonce', type: 'uint256' },
    { name: 'deadline', type: 'uint256' },
  ],
};
const REVOKE_TYPES = {
  Revoke: [
    { name: 'issuer', type: 'address' }, { name: 'holder', type: 'address' }, { name: 'kind', type: 'bytes32' },
    { name: 'nonce', type: 'uint256' }, { name: 'deadline', type: 'uint256' },
  ],
};

interface AttestationView {
  commitment: string;
  issuedAt: bigint;
  expiresAt: bigint;
  revokedAt: bigint;
}

interface AttestRequest {
  issuer: string;
  holder: string;
  kind: string;
  commitment: string;
  expiresAt: bigint;
  nonce: bigint;
  deadline: bigint;
}

interface RevokeRequest {
  issuer: string;
  holder: string;
  kind: string;
  nonce: bigint;
  deadline: bigint;
}

describe('AttestationRegistry on a dev node', () => {
  let chain: Chain;
  let reg: Contract;
  let regAddr: string;
  let admin: Wallet;
  let holder: Wallet;
  let holder2: Wallet;
  let kycIssuer: Wallet;
  let marketIssuer: Wallet;
  let stranger: Wallet;
  let setOwner: Wallet;
  let relayer: Wallet;
  let spare: Wallet;
  let setId: bigint;
  let salt: string;
  let salt2: string;
  let issuerAdminRole: string;
  let snap = '';
  const gas = createGasReport();

  before(async () => {
    chain = await startChain();
    [admin, holder, holder2, kycIssuer, marketIssuer, stranger, setOwner, relayer, spare] = chain.wallets as [
      Wallet, Wallet, Wallet, Wallet, Wallet, Wallet, Wallet, Wallet, Wallet,
    ];
    const { contract, receipt } = await deploy('AttestationRegistry', admin, [admin.address, 0]);
    gas.record('deploy AttestationRegistry', receipt);
    reg = contract;
    regAddr = await reg.getAddress();
    issuerAdminRole = await read<string>(reg, 'ISSUER_ADMIN_ROLE');
    gas.record('setIssuer', await send(reg, admin, 'setIssuer', [KYC, kycIssuer.address, true]));
    await send(reg, admin, 'setIssuer', [KYC, marketIssuer.address, true]);
    await send(reg, admin, 'setIssuer', [COUNTRY, kycIssuer.address, true]);
    const r = await send(reg, setOwner, 'createIssuerSet', [[kycIssuer.address, marketIssuer.address]]);
    gas.record('createIssuerSet (two issuers)', r);
    setId = eventsOf(r, reg, 'IssuerSetCreated')[0]!.args[0] as bigint;
    salt = hexlify(randomBytes(32));
    salt2 = hexlify(randomBytes(32));
  });

  after(async () => {
    gas.write('identity');
    await chain?.stop();
  });

  beforeEach(async () => {
    snap = await snapshot(chain);
  });

  afterEach(async () => {
    await revertTo(chain, snap);
  });

  // ------------------------------------------------------------ helpers

  async function register(who: Wallet, kind = KYC, value = KYC_VALUE, s = salt): Promise<string> {
    const c = commitment(kind, value, s, who.address);
    await send(reg, who, 'registerCommitment', [kind, c]);
    return c;
  }

  async function attested(who = holder, issuer = kycIssuer, kind = KYC, value = KYC_VALUE, ttl = 30 * DAY): Promise<{ c: string; expiresAt: bigint; receipt: TransactionReceipt }> {
    const c = await register(who, kind, value);
    const expiresAt = (await latestTimestamp(chain)) + BigInt(ttl);
    const receipt = await send(reg, issuer, 'attest', [who.address, kind, c, expiresAt]);
    return { c, expiresAt, receipt };
  }

  async function attestation(who: string, kind: string, issuer: string): Promise<AttestationView> {
    return readStruct<AttestationView>(reg, 'getAttestation', [who, kind, issuer]);
  }

  function domain(overrides: Partial<{ chainId: number; verifyingContract: string; name: string }> = {}): Record<string, unknown> {
    return { name: 'CyberMiles AttestationRegistry', version: '1', chainId: CHAIN_ID, verifyingContract: regAddr, ...overrides };
  }

  async function signAttest(signer: Wallet, req: AttestRequest, dom = domain()): Promise<string> {
    return signer.signTypedData(dom, ATTEST_TYPES, req);
  }

  async function signRevoke(signer: Wallet, req: RevokeRequest, dom = domain()): Promise<string> {
    return signer.signTypedData(dom, REVOKE_TYPES, req);
  }

  function tuple(req: AttestRequest): unknown[] {
    return [req.issuer, req.holder, req.kind, req.commitment, req.expiresAt, req.nonce, req.deadline];
  }

  function rtuple(req: RevokeRequest): unknown[] {
    return [req.issuer, req.holder, req.kind, req.nonce, req.deadline];
  }

  async function attestRequest(issuer: string, who = holder, c?: string): Promise<AttestRequest> {
    const now = await latestTimestamp(chain);
    return {
      issuer, holder: who.address, kind: KYC, commitment: c ?? commitment(KYC, KYC_VALUE, salt, who.address),
      expiresAt: now + BigInt(30 * DAY), nonce: await read<bigint>(reg, 'nonces', [issuer]), deadline: now + 3600n,
    };
  }

  async function gate(who: string, kind = KYC, set = setId): Promise<boolean> {
    return read<boolean>(reg, 'hasValidAttestation', [who, kind, set]);
  }

  async function verify(who: string, value: string, s: string, kind = KYC, set = setId): Promise<boolean> {
    return read<boolean>(reg, 'verify', [who, kind, toUtf8Bytes(value), s, set]);
  }

  // ------------------------------------------------------------ deployment and admin

  describe('deployment and issuer admins', () => {
    test('the constructor grants the admin its roles and binds the EIP-712 domain to this chain and contract', async () => {
      assert.equal(await read(reg, 'defaultAdmin'), admin.address);
      assert.equal(await read(reg, 'hasRole', [issuerAdminRole, admin.address]), true);
      assert.equal(await read(reg, 'defaultAdminDelay'), 0n);
      assert.equal(await read(reg, 'MAX_SET_SIZE'), 16n);
      assert.equal(await read(reg, 'DOMAIN_SEPARATOR'), TypedDataEncoder.hashDomain(domain()));
      const d = await read<unknown[]>(reg, 'eip712Domain');
      assert.equal(d[1], 'CyberMiles AttestationRegistry');
      assert.equal(d[2], '1');
      assert.equal(d[3], BigInt(CHAIN_ID));
      assert.equal(d[4], regAddr);
      assert.equal(await read(reg, 'ATTEST_TYPEHASH'), kindOf(TypedDataEncoder.from(ATTEST_TYPES).encodeType('Attest')));
      assert.equal(await read(reg, 'REVOKE_TYPEHASH'), kindOf(TypedDataEncoder.from(REVOKE_TYPES).encodeType('Revoke')));
      assert.deepEqual(await readStruct(reg, 'issuerStatus', [KYC, kycIssuer.address]), { authorized: true, cutoff: 0n });
      assert.deepEqual(await readStruct(reg, 'issuerStatus', [COUNTRY, marketIssuer.address]), { authorized: false, cutoff: 0n });
    });

    test('setIssuer and setIssuerCutoff: events, and only issuer admins with a kind and an address', async () => {
      const r = await send(reg, admin, 'setIssuer', [COUNTRY, marketIssuer.address, true]);
      expectEvent(r, reg, 'IssuerUpdated', [COUNTRY, marketIssuer.address, true]);
      const r2 = await send(reg, admin, 'setIssuerCutoff', [COUNTRY, marketIssuer.address, 12345n]);
      gas.record('setIssuerCutoff', r2);
      expectEvent(r2, reg, 'IssuerCutoffSet', [COUNTRY, marketIssuer.address, 12345n]);
      assert.deepEqual(await readStruct(reg, 'issuerStatus', [COUNTRY, marketIssuer.address]), { authorized: true, cutoff: 12345n });
      const r3 = await send(reg, admin, 'setIssuer', [COUNTRY, marketIssuer.address, false]);
      expectEvent(r3, reg, 'IssuerUpdated', [COUNTRY, marketIssuer.address, false]);
      for (const fn of ['setIssuer', 'setIssuerCutoff']) {
        const third = fn === 'setIssuer' ? true : 1n;
        await expectRevert(reg, stranger, fn, [KYC, stranger.address, third], 'AccessControlUnauthorizedAccount', [stranger.address, issuerAdminRole]);
        await expectRevert(reg, admin, fn, [ZERO_HASH, stranger.address, third], 'ZeroKind', []);
        await expectRevert(reg, admin, fn, [KYC, ZERO_ADDRESS, third], 'ZeroAddress', []);
      }
    });

    test('the default admin changes hands in two steps; the old admin loses the power to grant roles', async () => {
      await send(reg, admin, 'beginDefaultAdminTransfer', [spare.address]);
      const [pending] = await read<[string, bigint]>(reg, 'pendingDefaultAdmin');
      assert.equal(pending, spare.address);
      await expectRevert(reg, stranger, 'acceptDefaultAdminTransfer', [], 'AccessControlInvalidDefaultAdmin', [stranger.address]);
      await send(reg, spare, 'acceptDefaultAdminTransfer');
      assert.equal(await read(reg, 'defaultAdmin'), spare.address);
      await send(reg, spare, 'grantRole', [issuerAdminRole, stranger.address]);
      await send(reg, stranger, 'setIssuer', [KYC, stranger.address, true]);
      await expectRevert(reg, admin, 'grantRole', [issuerAdminRole, admin.address], 'AccessControlUnauthorizedAccount', [admin.address, ZERO_HASH]);
      // the role the old admin held in its own right stays until revoked
      await send(reg, spare, 'revokeRole', [issuerAdminRole, admin.address]);
      await expectRevert(reg, admin, 'setIssuer', [KYC, admin.address, true], 'AccessControlUnauthorizedAccount', [admin.address, issuerAdminRole]);
    });
  });

  // ------------------------------------------------------------ commitments

  describe('commitments', () => {
    test('computeCommitment is keccak256(abi.encode(kind, value, salt, holder)) and binds every input', async () => {
      const c = commitment(KYC, KYC_VALUE, salt, holder.address);
      assert.equal(await read(reg, 'computeCommitment', [KYC, toUtf8Bytes(KYC_VALUE), salt, holder.address]), c);
      const variants = [
        [COUNTRY, KYC_VALUE, salt, holder.address], [KYC, `${KYC_VALUE} `, salt, holder.address],
        [KYC, KYC_VALUE, salt2, holder.address], [KYC, KYC_VALUE, salt, holder2.address],
      ] as const;
      for (const [k, v, s, h] of variants) {
        const other = await read<string>(reg, 'computeCommitment', [k, toUtf8Bytes(v), s, h]);
        assert.equal(other, commitment(k, v, s, h));
        assert.notEqual(other, c);
      }
    });

    test('register, replace and withdraw a commitment, with events', async () => {
      const c1 = commitment(KYC, KYC_VALUE, salt, holder.address);
      const r1 = await send(reg, holder, 'registerCommitment', [KYC, c1]);
      gas.record('registerCommitment', r1);
      expectEvent(r1, reg, 'CommitmentRegistered', [holder.address, KYC, c1]);
      assert.equal(await read(reg, 'commitmentOf', [holder.address, KYC]), c1);
      const c2 = commitment(KYC, 'level=3', salt2, holder.address);
      const r2 = await send(reg, holder, 'registerCommitment', [KYC, c2]);
      expectEvent(r2, reg, 'CommitmentRegistered', [holder.address, KYC, c2]);
      assert.equal(await read(reg, 'commitmentOf', [holder.address, KYC]), c2);
      assert.equal(await read(reg, 'commitmentOf', [holder.address, COUNTRY]), ZERO_HASH);
      const r3 = await send(reg, holder, 'withdrawCommitment', [KYC]);
      gas.record('withdrawCommitment', r3);
      expectEvent(r3, reg, 'CommitmentWithdrawn', [holder.address, KYC, c2]);
      assert.equal(await read(reg, 'commitmentOf', [holder.address, KYC]), ZERO_HASH);
    });

    test('registerCommitment and withdrawCommitment revert with their errors', async () => {
      const c = commitment(KYC, KYC_VALUE, salt, holder.address);
      await expectRevert(reg, holder, 'registerCommitment', [ZERO_HASH, c], 'ZeroKind', []);
      await expectRevert(reg, holder, 'registerCommitment', [KYC, ZERO_HASH], 'ZeroCommitment', []);
      await send(reg, holder, 'registerCommitment', [KYC, c]);
      await expectRevert(reg, holder, 'registerCommitment', [KYC, c], 'CommitmentUnchanged', [c]);
      await expectRevert(reg, holder, 'withdrawCommitment', [COUNTRY], 'NoCommitment', [holder.address, COUNTRY]);
      await expectRevert(reg, holder2, 'withdrawCommitment', [KYC], 'NoCommitment', [holder2.address, KYC]);
    });
  });

  // ------------------------------------------------------------ attestations

  describe('attest, verify and revoke', () => {
    test('an accredited issuer attests; the record, isValid, the gate, validIssuerOf and verify agree', async () => {
      const c = await register(holder);
      const expiresAt = (await latestTimestamp(chain)) + BigInt(30 * DAY);
      assert.equal(await gate(holder.address), false);
      assert.equal(await verify(holder.address, KYC_VALUE, salt), false, 'registered but not attested');
      const r = await send(reg, kycIssuer, 'attest', [holder.address, KYC, c, expiresAt]);
      gas.record('attest', r);
      expectEvent(r, reg, 'Attested', [holder.address, KYC, kycIssuer.address, c, expiresAt]);
      assert.deepEqual(await attestation(holder.address, KYC, kycIssuer.address), {
        commitment: c, issuedAt: await blockTime(chain, r), expiresAt, revokedAt: 0n,
      });
      assert.equal(await read(reg, 'isValid', [holder.address, KYC, kycIssuer.address]), true);
      assert.equal(await read(reg, 'isValid', [holder.address, KYC, marketIssuer.address]), false);
      assert.equal(await gate(holder.address), true);
      assert.equal(await read(reg, 'validIssuerOf', [holder.address, KYC, setId]), kycIssuer.address);
      assert.equal(await verify(holder.address, KYC_VALUE, salt), true);
      gas.record('hasValidAttestation (eth_estimateGas, first issuer of the set)', await reg.getFunction('hasValidAttestation').estimateGas(holder.address, KYC, setId));
      gas.record('verify (eth_estimateGas)', await reg.getFunction('verify').estimateGas(holder.address, KYC, toUtf8Bytes(KYC_VALUE), salt, setId));
      // kinds are independent: a second attribute has its own commitment and attestation
      assert.equal(await gate(holder.address, COUNTRY), false);
      await attested(holder, kycIssuer, COUNTRY, COUNTRY_VALUE);
      assert.equal(await verify(holder.address, COUNTRY_VALUE, salt, COUNTRY), true);
      assert.equal(await verify(holder.address, KYC_VALUE, salt, COUNTRY), false);
      assert.equal(await verify(holder.address, COUNTRY_VALUE, salt, KYC), false);
      await send(reg, kycIssuer, 'revoke', [holder.address, COUNTRY]);
      assert.equal(await gate(holder.address, KYC), true);
    });

    test('verify is false for a wrong value, salt, kind, holder, an unknown set or a set without the issuer', async () => {
      await attested();
      const { c: c2 } = await attested(holder2);
      assert.ok(c2);
      assert.equal(await verify(holder.address, KYC_VALUE, salt), true);
      assert.equal(await verify(holder.address, 'level=3;name-hash=0x1234', salt), false);
      assert.equal(await verify(holder.address, KYC_VALUE, salt2), false);
      assert.equal(await verify(holder.address, KYC_VALUE, salt, COUNTRY), false);
      assert.equal(await verify(holder.address, KYC_VALUE, salt, KYC, 99n), false);
      assert.equal(await gate(holder.address, KYC, 99n), false);
      assert.equal(await read(reg, 'validIssuerOf', [holder.address, KYC, 99n]), ZERO_ADDRESS);
      // holder2 registered the same value with the same salt: its commitment differs (the holder is hashed in)
      assert.notEqual(c2, commitment(KYC, KYC_VALUE, salt, holder.address));
      assert.equal(await verify(holder2.address, KYC_VALUE, salt), true);
      const r = await send(reg, setOwner, 'createIssuerSet', [[marketIssuer.address]]);
      const marketOnly = eventsOf(r, reg, 'IssuerSetCreated')[0]!.args[0] as bigint;
      assert.equal(await verify(holder.address, KYC_VALUE, salt, KYC, marketOnly), false);
      assert.equal(await gate(holder.address, KYC, marketOnly), false);
    });

    test('a commitment copied by another account gains nothing: the attestation is per holder', async () => {
      const { c } = await attested();
      await send(reg, holder2, 'registerCommitment', [KYC, c]);
      assert.equal(await gate(holder2.address), false);
      assert.equal(await verify(holder2.address, KYC_VALUE, salt), false, 'the opening names holder, not holder2');
      // an issuer that checks the opening cannot attest it for holder2 either: holder's salt opens only holder's commitment
      assert.notEqual(await read(reg, 'computeCommitment', [KYC, toUtf8Bytes(KYC_VALUE), salt, holder2.address]), c);
    });

    test('attest reverts for an unaccredited issuer, a missing or stale commitment and a past expiry', async () => {
      const c = commitment(KYC, KYC_VALUE, salt, holder.address);
      const later = (await latestTimestamp(chain)) + BigInt(DAY);
      await expectRevert(reg, kycIssuer, 'attest', [holder.address, KYC, c, later], 'NoCommitment', [holder.address, KYC]);
      await send(reg, holder, 'registerCommitment', [KYC, c]);
      await expectRevert(reg, stranger, 'attest', [holder.address, KYC, c, later], 'NotAuthorizedIssuer', [KYC, stranger.address]);
      await expectRevert(reg, marketIssuer, 'attest', [holder.address, COUNTRY, c, later], 'NotAuthorizedIssuer', [COUNTRY, marketIssuer.address]);
      const stale = commitment(KYC, 'old', salt, holder.address);
      await expectRevert(reg, kycIssuer, 'attest', [holder.address, KYC, stale, later], 'CommitmentMismatch', [holder.address, KYC, c]);
      const now = await latestTimestamp(chain);
      await expectRevert(reg, kycIssuer, 'attest', [holder.address, KYC, c, now], 'BadExpiry', [now]);
      await expectRevert(reg, kycIssuer, 'attest', [holder.address, KYC, c, 0n], 'BadExpiry', [0n]);
    });

    test('expiry boundary: valid one second before expiresAt, invalid at expiresAt for every view', async () => {
      const { expiresAt } = await attested(holder, kycIssuer, KYC, KYC_VALUE, 1000);
      await mineAt(chain, expiresAt - 1n);
      assert.equal(await read(reg, 'isValid', [holder.address, KYC, kycIssuer.address]), true);
      assert.equal(await gate(holder.address), true);
      assert.equal(await verify(holder.address, KYC_VALUE, salt), true);
      await mineAt(chain, expiresAt);
      assert.equal(await read(reg, 'isValid', [holder.address, KYC, kycIssuer.address]), false);
      assert.equal(await gate(holder.address), false);
      assert.equal(await verify(holder.address, KYC_VALUE, salt), false);
      // renewal by attesting again
      await send(reg, kycIssuer, 'attest', [holder.address, KYC, commitment(KYC, KYC_VALUE, salt, holder.address), expiresAt + 1000n]);
      assert.equal(await gate(holder.address), true);
    });

    test('revoke: event, the attestation stops counting, twice reverts; re-attesting lifts it', async () => {
      const { c, expiresAt } = await attested();
      const r = await send(reg, kycIssuer, 'revoke', [holder.address, KYC]);
      gas.record('revoke', r);
      expectEvent(r, reg, 'Revoked', [holder.address, KYC, kycIssuer.address, c]);
      const a = await attestation(holder.address, KYC, kycIssuer.address);
      assert.equal(a.revokedAt, await blockTime(chain, r));
      assert.equal(a.expiresAt, expiresAt);
      assert.equal(await read(reg, 'isValid', [holder.address, KYC, kycIssuer.address]), false);
      assert.equal(await gate(holder.address), false);
      assert.equal(await verify(holder.address, KYC_VALUE, salt), false);
      await expectRevert(reg, kycIssuer, 'revoke', [holder.address, KYC], 'AlreadyRevoked', [holder.address, KYC, kycIssuer.address]);
      await expectRevert(reg, marketIssuer, 'revoke', [holder.address, KYC], 'NoAttestation', [holder.address, KYC, marketIssuer.address]);
      await expectRevert(reg, kycIssuer, 'revoke', [holder2.address, KYC], 'NoAttestation', [holder2.address, KYC, kycIssuer.address]);
      await send(reg, kycIssuer, 'attest', [holder.address, KYC, c, expiresAt]);
      assert.equal((await attestation(holder.address, KYC, kycIssuer.address)).revokedAt, 0n);
      assert.equal(await gate(holder.address), true);
    });

    test('another issuer of the set still vouches when one revokes; validIssuerOf names it', async () => {
      const { c } = await attested();
      await send(reg, marketIssuer, 'attest', [holder.address, KYC, c, (await latestTimestamp(chain)) + 1000n]);
      assert.equal(await read(reg, 'validIssuerOf', [holder.address, KYC, setId]), kycIssuer.address);
      await send(reg, kycIssuer, 'revoke', [holder.address, KYC]);
      assert.equal(await read(reg, 'validIssuerOf', [holder.address, KYC, setId]), marketIssuer.address);
      assert.equal(await gate(holder.address), true);
      gas.record('hasValidAttestation (eth_estimateGas, second issuer of the set)', await reg.getFunction('hasValidAttestation').estimateGas(holder.address, KYC, setId));
    });

    test('replacing or withdrawing the commitment voids its attestations; restoring the same opening restores them', async () => {
      const { c } = await attested();
      await register(holder, KYC, 'level=3', salt2);
      assert.equal(await gate(holder.address), false);
      assert.equal(await verify(holder.address, KYC_VALUE, salt), false);
      assert.equal(await verify(holder.address, 'level=3', salt2), false, 'the new commitment is not attested');
      await send(reg, holder, 'registerCommitment', [KYC, c]);
      assert.equal(await gate(holder.address), true, 'the attestation is about exactly this opening');
      await send(reg, holder, 'withdrawCommitment', [KYC]);
      assert.equal(await gate(holder.address), false);
      assert.equal(await read(reg, 'isValid', [holder.address, KYC, kycIssuer.address]), false);
      assert.equal((await attestation(holder.address, KYC, kycIssuer.address)).commitment, c, 'the stale record stays readable');
    });

    test('withdrawing an accreditation voids the issuer\'s attestations until it is restored; revoking still works', async () => {
      await attested();
      await send(reg, admin, 'setIssuer', [KYC, kycIssuer.address, false]);
      assert.equal(await gate(holder.address), false);
      const c = commitment(KYC, KYC_VALUE, salt, holder.address);
      await expectRevert(reg, kycIssuer, 'attest', [holder.address, KYC, c, (await latestTimestamp(chain)) + 100n], 'NotAuthorizedIssuer', [KYC, kycIssuer.address]);
      await send(reg, admin, 'setIssuer', [KYC, kycIssuer.address, true]);
      assert.equal(await gate(holder.address), true);
      await send(reg, admin, 'setIssuer', [KYC, kycIssuer.address, false]);
      await send(reg, kycIssuer, 'revoke', [holder.address, KYC]);
      await send(reg, admin, 'setIssuer', [KYC, kycIssuer.address, true]);
      assert.equal(await gate(holder.address), false);
    });

    test('a cut-off distrusts what the issuer attested from then on and keeps what it attested before', async () => {
      const { receipt: early } = await attested(holder);
      const tEarly = await blockTime(chain, early);
      await increaseTime(chain, 10);
      const { receipt: late } = await attested(holder2);
      const tLate = await blockTime(chain, late);
      assert.ok(tLate > tEarly);
      await send(reg, admin, 'setIssuerCutoff', [KYC, kycIssuer.address, tLate]);
      assert.equal(await gate(holder.address), true, 'attested before the cut-off');
      assert.equal(await gate(holder2.address), false, 'attested at the cut-off');
      const c2 = commitment(KYC, KYC_VALUE, salt, holder2.address);
      await expectRevert(reg, kycIssuer, 'attest', [holder2.address, KYC, c2, tLate + 1000n], 'NotAuthorizedIssuer', [KYC, kycIssuer.address]);
      await send(reg, admin, 'setIssuerCutoff', [KYC, kycIssuer.address, 0n]);
      assert.equal(await gate(holder2.address), true);
    });
  });

  // ------------------------------------------------------------ issuer sets

  describe('issuer sets', () => {
    test('createIssuerSet: owner, members in order, events; duplicates, zero and more than 16 members revert', async () => {
      const before = await read<bigint>(reg, 'issuerSetCount');
      const r = await send(reg, stranger, 'createIssuerSet', [[marketIssuer.address, kycIssuer.address]]);
      const id = before + 1n;
      expectEvent(r, reg, 'IssuerSetCreated', [id, stranger.address]);
      assert.deepEqual(eventsOf(r, reg, 'IssuerAddedToSet').map((e) => [...e.args]), [[id, marketIssuer.address], [id, kycIssuer.address]]);
      assert.equal(await read(reg, 'issuerSetCount'), id);
      assert.deepEqual([...await read<string[]>(reg, 'issuersOf', [id])], [marketIssuer.address, kycIssuer.address]);
      assert.deepEqual([...await read<string[]>(reg, 'setOwnerOf', [id])], [stranger.address, ZERO_ADDRESS]);
      assert.equal(await read(reg, 'isInSet', [id, kycIssuer.address]), true);
      assert.equal(await read(reg, 'isInSet', [id, holder.address]), false);
      const empty = await send(reg, stranger, 'createIssuerSet', [[]]);
      assert.equal(eventsOf(empty, reg, 'IssuerAddedToSet').length, 0);
      const next = id + 2n;
      await expectRevert(reg, stranger, 'createIssuerSet', [[kycIssuer.address, kycIssuer.address]], 'AlreadyInSet', [next, kycIssuer.address]);
      await expectRevert(reg, stranger, 'createIssuerSet', [[ZERO_ADDRESS]], 'ZeroAddress', []);
      const seventeen = Array.from({ length: 17 }, () => Wallet.createRandom().address);
      await expectRevert(reg, stranger, 'createIssuerSet', [seventeen], 'SetFull', [next]);
      const sixteen = await send(reg, stranger, 'createIssuerSet', [seventeen.slice(0, 16)]);
      assert.equal(eventsOf(sixteen, reg, 'IssuerAddedToSet').length, 16);
    });

    test('add and remove members: events, only the owner, unknown sets and membership errors', async () => {
      const r = await send(reg, setOwner, 'removeIssuerFromSet', [setId, kycIssuer.address]);
      gas.record('removeIssuerFromSet', r);
      expectEvent(r, reg, 'IssuerRemovedFromSet', [setId, kycIssuer.address]);
      const r2 = await send(reg, setOwner, 'addIssuerToSet', [setId, kycIssuer.address]);
      gas.record('addIssuerToSet', r2);
      expectEvent(r2, reg, 'IssuerAddedToSet', [setId, kycIssuer.address]);
      assert.deepEqual([...await read<string[]>(reg, 'issuersOf', [setId])], [marketIssuer.address, kycIssuer.address]);
      await expectRevert(reg, stranger, 'addIssuerToSet', [setId, stranger.address], 'NotSetOwner', [setId]);
      await expectRevert(reg, stranger, 'removeIssuerFromSet', [setId, kycIssuer.address], 'NotSetOwner', [setId]);
      await expectRevert(reg, setOwner, 'addIssuerToSet', [77n, stranger.address], 'UnknownSet', [77n]);
      await expectRevert(reg, setOwner, 'removeIssuerFromSet', [77n, stranger.address], 'UnknownSet', [77n]);
      await expectRevert(reg, setOwner, 'addIssuerToSet', [setId, kycIssuer.address], 'AlreadyInSet', [setId, kycIssuer.address]);
      await expectRevert(reg, setOwner, 'addIssuerToSet', [setId, ZERO_ADDRESS], 'ZeroAddress', []);
      await expectRevert(reg, setOwner, 'removeIssuerFromSet', [setId, stranger.address], 'NotInSet', [setId, stranger.address]);
      for (let i = 0; i < 14; i++) await send(reg, setOwner, 'addIssuerToSet', [setId, Wallet.createRandom().address]);
      await expectRevert(reg, setOwner, 'addIssuerToSet', [setId, stranger.address], 'SetFull', [setId]);
    });

    test('removing an issuer from a set stops its attestations counting for that set only', async () => {
      await attested();
      const r = await send(reg, stranger, 'createIssuerSet', [[kycIssuer.address]]);
      const other = eventsOf(r, reg, 'IssuerSetCreated')[0]!.args[0] as bigint;
      await send(reg, setOwner, 'removeIssuerFromSet', [setId, kycIssuer.address]);
      assert.equal(await gate(holder.address, KYC, setId), false);
      assert.equal(await gate(holder.address, KYC, other), true);
    });

    test('set ownership moves in two steps; the offer can be withdrawn', async () => {
      const r = await send(reg, setOwner, 'transferSetOwnership', [setId, spare.address]);
      expectEvent(r, reg, 'SetOwnershipTransferStarted', [setId, setOwner.address, spare.address]);
      assert.deepEqual([...await read<string[]>(reg, 'setOwnerOf', [setId])], [setOwner.address, spare.address]);
      await expectRevert(reg, stranger, 'acceptSetOwnership', [setId], 'NotPendingSetOwner', [setId]);
      await expectRevert(reg, stranger, 'transferSetOwnership', [setId, stranger.address], 'NotSetOwner', [setId]);
      await expectRevert(reg, stranger, 'transferSetOwnership', [55n, stranger.address], 'UnknownSet', [55n]);
      const r2 = await send(reg, spare, 'acceptSetOwnership', [setId]);
      expectEvent(r2, reg, 'SetOwnershipTransferred', [setId, setOwner.address, spare.address]);
      assert.deepEqual([...await read<string[]>(reg, 'setOwnerOf', [setId])], [spare.address, ZERO_ADDRESS]);
      await expectRevert(reg, setOwner, 'addIssuerToSet', [setId, stranger.address], 'NotSetOwner', [setId]);
      await send(reg, spare, 'addIssuerToSet', [setId, stranger.address]);
      await send(reg, spare, 'transferSetOwnership', [setId, holder.address]);
      const r3 = await send(reg, spare, 'transferSetOwnership', [setId, ZERO_ADDRESS]);
      expectEvent(r3, reg, 'SetOwnershipTransferStarted', [setId, spare.address, ZERO_ADDRESS]);
      await expectRevert(reg, holder, 'acceptSetOwnership', [setId], 'NotPendingSetOwner', [setId]);
      await expectRevert(reg, holder, 'acceptSetOwnership', [99n], 'NotPendingSetOwner', [99n]);
    });
  });

  // ------------------------------------------------------------ signatures

  describe('attestations and revocations by EIP-712 signature', () => {
    test('attestBySig relayed by anyone: digest as ethers computes it, event, nonce consumed; replay refused', async () => {
      await register(holder);
      const req = await attestRequest(kycIssuer.address);
      assert.equal(await read(reg, 'attestDigest', [tuple(req)]), TypedDataEncoder.hash(domain(), ATTEST_TYPES, req));
      const sig = await signAttest(kycIssuer, req);
      const r = await send(reg, relayer, 'attestBySig', [tuple(req), sig]);
      gas.record('attestBySig (relayed)', r);
      expectEvent(r, reg, 'Attested', [holder.address, KYC, kycIssuer.address, req.commitment, req.expiresAt]);
      assert.equal(await read(reg, 'nonces', [kycIssuer.address]), 1n);
      assert.equal(await gate(holder.address), true);
      await expectRevert(reg, relayer, 'attestBySig', [tuple(req), sig], 'InvalidAccountNonce', [kycIssuer.address, 1n]);
    });

    test('attestBySig refuses expired deadlines, other signers, tampered fields, other chains and contracts, bad bytes', async () => {
      await register(holder);
      const req = await attestRequest(kycIssuer.address);
      const sig = await signAttest(kycIssuer, req);
      // deadline: valid at the deadline itself, refused one second later
      await mineAt(chain, req.deadline);
      assert.equal(await reg.getFunction('attestBySig').staticCall(tuple(req), sig).then(() => true), true);
      await mineAt(chain, req.deadline + 1n);
      await expectRevert(reg, relayer, 'attestBySig', [tuple(req), sig], 'SignatureExpired', [req.deadline]);
      const fresh = await attestRequest(kycIssuer.address);
      await expectRevert(reg, relayer, 'attestBySig', [tuple(fresh), await signAttest(marketIssuer, fresh)], 'InvalidSignature', [kycIssuer.address]);
      const good = await signAttest(kycIssuer, fresh);
      await expectRevert(reg, relayer, 'attestBySig', [tuple({ ...fresh, expiresAt: fresh.expiresAt + 1n }), good], 'InvalidSignature', [kycIssuer.address]);
      await expectRevert(reg, relayer, 'attestBySig', [tuple({ ...fresh, holder: holder2.address }), good], 'InvalidSignature', [kycIssuer.address]);
      await expectRevert(reg, relayer, 'attestBySig', [tuple(fresh), await signAttest(kycIssuer, fresh, domain({ chainId: CHAIN_ID + 1 }))], 'InvalidSignature', [kycIssuer.address]);
      const { contract: twin } = await deploy('AttestationRegistry', admin, [admin.address, 0]);
      await expectRevert(reg, relayer, 'attestBySig', [tuple(fresh), await signAttest(kycIssuer, fresh, domain({ verifyingContract: await twin.getAddress() }))], 'InvalidSignature', [kycIssuer.address]);
      await expectRevert(reg, relayer, 'attestBySig', [tuple(fresh), await signAttest(kycIssuer, fresh, domain({ name: 'Other' }))], 'InvalidSignature', [kycIssuer.address]);
      // 0x v2's bug: a 1-byte "signature" 0x04 accepted for any EOA
      await expectRevert(reg, relayer, 'attestBySig', [tuple(fresh), '0x04'], 'InvalidSignature', [kycIssuer.address]);
      await expectRevert(reg, relayer, 'attestBySig', [tuple(fresh), '0x'], 'InvalidSignature', [kycIssuer.address]);
      // a malleable (high-s) twin of a valid signature is refused
      const s = Signature.from(good);
      const n = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
      const highS = `0x${(n - BigInt(s.s)).toString(16).padStart(64, '0')}`;
      const malleable = `${s.r}${highS.slice(2)}${(s.v === 27 ? 28 : 27).toString(16)}`;
      await expectRevert(reg, relayer, 'attestBySig', [tuple(fresh), malleable], 'InvalidSignature', [kycIssuer.address]);
      // a wrong nonce in a correctly signed request
      const skipped = { ...fresh, nonce: fresh.nonce + 1n };
      await expectRevert(reg, relayer, 'attestBySig', [tuple(skipped), await signAttest(kycIssuer, skipped)], 'InvalidAccountNonce', [kycIssuer.address, 0n]);
      // and the checks of a direct attestation still apply
      const unaccredited = { ...fresh, issuer: stranger.address, nonce: 0n };
      await expectRevert(reg, relayer, 'attestBySig', [tuple(unaccredited), await signAttest(stranger, unaccredited)], 'NotAuthorizedIssuer', [KYC, stranger.address]);
      await send(reg, relayer, 'attestBySig', [tuple(fresh), good]);
    });

    test('revokeBySig: digest, event, replay and expiry refused, wrong signer refused', async () => {
      const { c } = await attested();
      const now = await latestTimestamp(chain);
      const req: RevokeRequest = { issuer: kycIssuer.address, holder: holder.address, kind: KYC, nonce: 0n, deadline: now + 100n };
      assert.equal(await read(reg, 'revokeDigest', [rtuple(req)]), TypedDataEncoder.hash(domain(), REVOKE_TYPES, req));
      await expectRevert(reg, relayer, 'revokeBySig', [rtuple(req), await signRevoke(marketIssuer, req)], 'InvalidSignature', [kycIssuer.address]);
      const sig = await signRevoke(kycIssuer, req);
      const r = await send(reg, relayer, 'revokeBySig', [rtuple(req), sig]);
      gas.record('revokeBySig (relayed)', r);
      expectEvent(r, reg, 'Revoked', [holder.address, KYC, kycIssuer.address, c]);
      assert.equal(await gate(holder.address), false);
      await expectRevert(reg, relayer, 'revokeBySig', [rtuple(req), sig], 'InvalidAccountNonce', [kycIssuer.address, 1n]);
      const late: RevokeRequest = { ...req, nonce: 1n, deadline: now };
      await mineAt(chain, now + 200n);
      await expectRevert(reg, relayer, 'revokeBySig', [rtuple(late), await signRevoke(kycIssuer, late)], 'SignatureExpired', [now]);
      const none: RevokeRequest = { ...req, holder: holder2.address, nonce: 1n, deadline: now + 1000n };
      await expectRevert(reg, relayer, 'revokeBySig', [rtuple(none), await signRevoke(kycIssuer, none)], 'NoAttestation', [holder2.address, KYC, kycIssuer.address]);
    });

    test('a contract issuer (ERC-1271) attests by approved digest or directly; misbehaving answers are refused', async () => {
      const { contract: ci } = await deploy('ContractIssuer', spare);
      const ciAddr = await ci.getAddress();
      await send(reg, admin, 'setIssuer', [KYC, ciAddr, true]);
      await send(reg, setOwner, 'addIssuerToSet', [setId, ciAddr]);
      await register(holder);
      const req = await attestRequest(ciAddr);
      const digest = await read<string>(reg, 'attestDigest', [tuple(req)]);
      const anyBytes = hexlify(randomBytes(65));
      await expectRevert(reg, relayer, 'attestBySig', [tuple(req), anyBytes], 'InvalidSignature', [ciAddr]);
      await send(ci, spare, 'approveDigest', [digest, true]);
      for (const [mode, label] of [[1, 'wrong magic'], [2, 'revert'], [3, 'empty return']] as const) {
        await send(ci, spare, 'setMode', [mode]);
        await expectRevert(reg, relayer, 'attestBySig', [tuple(req), anyBytes], 'InvalidSignature', [ciAddr]).catch((e: unknown) => {
          throw new Error(`mode ${label}: ${String(e)}`);
        });
      }
      await send(ci, spare, 'setMode', [0]);
      // an ECDSA signature by the contract's owner is not the contract's signature
      await send(ci, spare, 'approveDigest', [digest, false]);
      await expectRevert(reg, relayer, 'attestBySig', [tuple(req), await signAttest(spare, req)], 'InvalidSignature', [ciAddr]);
      await send(ci, spare, 'approveDigest', [digest, true]);
      const r = await send(reg, relayer, 'attestBySig', [tuple(req), anyBytes]);
      expectEvent(r, reg, 'Attested', [holder.address, KYC, ciAddr, req.commitment, req.expiresAt]);
      assert.equal(await read(reg, 'isValid', [holder.address, KYC, ciAddr]), true);
      // the contract revokes directly through its own call
      await send(ci, spare, 'exec', [regAddr, reg.interface.encodeFunctionData('revoke', [holder.address, KYC])]);
      assert.equal(await read(reg, 'isValid', [holder.address, KYC, ciAddr]), false);
      // and attests directly
      const until = (await latestTimestamp(chain)) + 500n;
      await send(ci, spare, 'exec', [regAddr, reg.interface.encodeFunctionData('attest', [holder.address, KYC, req.commitment, until])]);
      assert.equal(await read(reg, 'isValid', [holder.address, KYC, ciAddr]), true);
    });
  });

  // ------------------------------------------------------------ properties

  describe('properties (fast-check)', () => {
    test('verify accepts exactly the registered opening, for random values and salts', async () => {
      const seed = Number(process.env['FC_SEED'] ?? 20240607);
      await fc.assert(
        fc.asyncProperty(
          fc.uint8Array({ minLength: 0, maxLength: 80 }), fc.uint8Array({ minLength: 32, maxLength: 32 }),
          fc.uint8Array({ minLength: 0, maxLength: 80 }), fc.uint8Array({ minLength: 32, maxLength: 32 }),
          async (value, s, otherValue, otherSalt) => {
            const base = await snapshot(chain);
            try {
              const sHex = hexlify(s);
              const c = commitment(KYC, value, sHex, holder.address);
              assert.equal(await read(reg, 'computeCommitment', [KYC, value, sHex, holder.address]), c);
              await send(reg, holder, 'registerCommitment', [KYC, c]);
              await send(reg, kycIssuer, 'attest', [holder.address, KYC, c, (await latestTimestamp(chain)) + 100n]);
              assert.equal(await read(reg, 'verify', [holder.address, KYC, value, sHex, setId]), true);
              const sameValue = Buffer.from(otherValue).equals(Buffer.from(value));
              const sameSalt = Buffer.from(otherSalt).equals(Buffer.from(s));
              assert.equal(await read(reg, 'verify', [holder.address, KYC, otherValue, sHex, setId]), sameValue);
              assert.equal(await read(reg, 'verify', [holder.address, KYC, value, hexlify(otherSalt), setId]), sameSalt);
              assert.equal(await read(reg, 'verify', [holder2.address, KYC, value, sHex, setId]), false);
            } finally {
              await revertTo(chain, base);
            }
          },
        ),
        { numRuns: Number(process.env['FC_RUNS'] ?? 12), seed },
      );
    });
  });
});
