/**
 * StableCoin on a real automining dev node: issuer roles (minter admin configuring per-minter allowances,
 * minters, burners, pausers, blocklisters, two-step default admin), the blocklist on every path (send, receive,
 * approve, spend, mint, burn, permit, EIP-3009), the pause, EIP-2612 permit and EIP-3009 authorizations
 * (relayed transfers, receive by the payee only, cancellation, nonce reuse, validity edges to the second,
 * signatures for another chain or contract). Every external function's success path and each revert with its
 * exact custom error, the events, and a fast-check property over random issuer and holder actions: the total
 * supply always equals minted − burned and the sum of balances, every minter's allowance shrinks by exactly what
 * it minted, and every refused action is refused with the error a reference model predicts.
 *
 * GAS_REPORT=<dir> writes the gas used by the main functions to <dir>/stablecoin.md.
 */
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Signature, TypedDataEncoder, Wallet, hexlify, keccak256, randomBytes, toUtf8Bytes } from 'ethers';
import type { Contract, TypedDataDomain, TypedDataField } from 'ethers';
import fc from 'fast-check';
import {
  CHAIN_ID, ZERO_ADDRESS, ZERO_HASH, blockTime, createGasReport, deploy, eventsOf, expectDeployRevert, expectEvent,
  expectRevert, latestTimestamp, read, revertTo, send, setNextTimestamp, snapshot, startChain,
} from './miscFixtures.ts';
import type { Chain } from './miscFixtures.ts';

const NAME = 'CyberMiles USD';
const SYMBOL = 'CUSD';
const DECIMALS = 6;
const UNIT = 10n ** 6n;
const ADMIN_DELAY = 3600n;

const role = (name: string): string => keccak256(toUtf8Bytes(name));
const MINTER_ADMIN = role('MINTER_ADMIN_ROLE');
const MINTER = role('MINTER_ROLE');
const BURNER = role('BURNER_ROLE');
const PAUSER = role('PAUSER_ROLE');
const BLOCKLISTER = role('BLOCKLISTER_ROLE');

const PERMIT_TYPES: Record<string, TypedDataField[]> = {
  Permit: [
    { name: 'owner', type: 'address' }, { name: 'spender', type: 'address' }, { name: 'value', type: 'uint256' },
    { name: 'nonce', type: 'uint256' }, { name: 'deadline', type: 'uint256' },
  ],
};
const AUTH_FIELDS: TypedDataField[] = [
  { name: 'from', type: 'address' }, { name: 'to', type: 'address' }, { name: 'value', type: 'uint256' },
  { name: 'validAfter', type: 'uint256' }, { name: 'validBefore', type: 'uint256' }, { name: 'nonce', type: 'bytes32' },
];
const TRANSFER_AUTH_TYPES = { TransferWithAuthorization: AUTH_FIELDS };
const RECEIVE_AUTH_TYPES = { ReceiveWithAuthorization: AUTH_FIELDS };
const CANCEL_AUTH_TYPES = { CancelAuthorization: [{ name: 'authorizer', type: 'address' }, { name: 'nonce', type: 'bytes32' }] };

describe('StableCoin on a dev node', () => {
  let chain: Chain;
  let coin: Contract;
  let coinAddr: string;
  let admin: Wallet;
  let minterAdmin: Wallet;
  let minter: Wallet;
  let minter2: Wallet;
  let burner: Wallet;
  let officer: Wallet; // pauser and blocklister
  let alice: Wallet;
  let bob: Wallet;
  let carol: Wallet;
  let stranger: Wallet;
  let domain: TypedDataDomain;
  let snap = '';
  const gas = createGasReport();

  before(async () => {
    chain = await startChain();
    [admin, minterAdmin, minter, minter2, burner, officer, alice, bob, carol, stranger] = chain.wallets as [
      Wallet, Wallet, Wallet, Wallet, Wallet, Wallet, Wallet, Wallet, Wallet, Wallet,
    ];
    const d = await deploy('StableCoin', admin, [NAME, SYMBOL, DECIMALS, admin.address, ADMIN_DELAY]);
    gas.record('deploy StableCoin', d.receipt);
    coin = d.contract;
    coinAddr = await coin.getAddress();
    domain = { name: NAME, version: '1', chainId: CHAIN_ID, verifyingContract: coinAddr };
    await send(coin, admin, 'grantRole', [MINTER_ADMIN, minterAdmin.address]);
    await send(coin, admin, 'grantRole', [BURNER, burner.address]);
    await send(coin, admin, 'grantRole', [PAUSER, officer.address]);
    await send(coin, admin, 'grantRole', [BLOCKLISTER, officer.address]);
    gas.record('configureMinter (new minter)', await send(coin, minterAdmin, 'configureMinter', [minter.address, 1_000_000n * UNIT]));
    gas.record('mint (first to the account)', await send(coin, minter, 'mint', [alice.address, 1000n * UNIT]));
    gas.record('mint', await send(coin, minter, 'mint', [alice.address, 1n]));
    await send(coin, minter, 'mint', [burner.address, 500n * UNIT]);
  });

  after(async () => {
    gas.write('stablecoin');
    await chain?.stop();
  });

  beforeEach(async () => {
    snap = await snapshot(chain);
  });

  afterEach(async () => {
    await revertTo(chain, snap);
  });

  const balance = (who: string): Promise<bigint> => read<bigint>(coin, 'balanceOf', [who]);
  const newNonce = (): string => hexlify(randomBytes(32));

  async function signPermit(owner: Wallet, spender: string, value: bigint, deadline: bigint, d = domain, nonce?: bigint) {
    const n = nonce ?? (await read<bigint>(coin, 'nonces', [owner.address]));
    return Signature.from(await owner.signTypedData(d, PERMIT_TYPES, { owner: owner.address, spender, value, nonce: n, deadline }));
  }

  interface Auth {
    from: string;
    to: string;
    value: bigint;
    validAfter: bigint;
    validBefore: bigint;
    nonce: string;
  }

  async function authorization(signer: Wallet, types: Record<string, TypedDataField[]>, auth: Auth, d = domain) {
    const sig = Signature.from(await signer.signTypedData(d, types, auth));
    return [auth.from, auth.to, auth.value, auth.validAfter, auth.validBefore, auth.nonce, sig.v, sig.r, sig.s];
  }

  async function freshAuth(from: Wallet, to: string, value: bigint): Promise<Auth> {
    const now = await latestTimestamp(chain);
    return { from: from.address, to, value, validAfter: now - 10n, validBefore: now + 3600n, nonce: newNonce() };
  }

  // ------------------------------------------------------------ deployment and roles

  describe('deployment and roles', () => {
    test('metadata, the admin, role admins; bad decimals and a zero admin are refused', async () => {
      assert.equal(await read(coin, 'name'), NAME);
      assert.equal(await read(coin, 'symbol'), SYMBOL);
      assert.equal(await read(coin, 'decimals'), BigInt(DECIMALS));
      assert.equal(await read(coin, 'owner'), admin.address);
      assert.equal(await read(coin, 'defaultAdminDelay'), ADMIN_DELAY);
      assert.equal(await read(coin, 'getRoleAdmin', [MINTER]), MINTER_ADMIN);
      assert.equal(await read(coin, 'getRoleAdmin', [BURNER]), ZERO_HASH);
      for (const [r, name] of [[MINTER_ADMIN, 'MINTER_ADMIN_ROLE'], [MINTER, 'MINTER_ROLE'], [BURNER, 'BURNER_ROLE'], [PAUSER, 'PAUSER_ROLE'], [BLOCKLISTER, 'BLOCKLISTER_ROLE']]) {
        assert.equal(await read(coin, name!), r);
      }
      assert.equal(await read(coin, 'totalSupply'), 1500n * UNIT + 1n);
      assert.equal(await read(coin, 'totalMinted'), 1500n * UNIT + 1n);
      assert.equal(await read(coin, 'totalBurned'), 0n);
      await expectDeployRevert('StableCoin', admin, [NAME, SYMBOL, 19, admin.address, 0], 'BadDecimals', [19n]);
      await expectDeployRevert('StableCoin', admin, [NAME, SYMBOL, 6, ZERO_ADDRESS, 0], 'AccessControlInvalidDefaultAdmin', [ZERO_ADDRESS]);
    });

    test('the default admin changes hands in two steps, after the delay; it cannot be granted directly', async () => {
      await expectRevert(coin, admin, 'grantRole', [ZERO_HASH, alice.address], 'AccessControlEnforcedDefaultAdminRules');
      await expectRevert(coin, stranger, 'beginDefaultAdminTransfer', [stranger.address], 'AccessControlUnauthorizedAccount', [stranger.address, ZERO_HASH]);
      const r = await send(coin, admin, 'beginDefaultAdminTransfer', [alice.address]);
      const schedule = (await blockTime(chain, r)) + ADMIN_DELAY;
      await expectRevert(coin, alice, 'acceptDefaultAdminTransfer', [], 'AccessControlEnforcedDefaultAdminDelay', [schedule]);
      await expectRevert(coin, bob, 'acceptDefaultAdminTransfer', [], 'AccessControlInvalidDefaultAdmin', [bob.address]);
      await setNextTimestamp(chain, schedule + 1n);
      await send(coin, alice, 'acceptDefaultAdminTransfer');
      assert.equal(await read(coin, 'owner'), alice.address);
      assert.equal(await read(coin, 'hasRole', [ZERO_HASH, admin.address]), false);
      await send(coin, alice, 'grantRole', [PAUSER, bob.address]);
      assert.equal(await read(coin, 'hasRole', [PAUSER, bob.address]), true);
    });

    test('only the default admin grants burner, pauser, blocklister and minter admin roles', async () => {
      for (const r of [BURNER, PAUSER, BLOCKLISTER, MINTER_ADMIN]) {
        await expectRevert(coin, stranger, 'grantRole', [r, stranger.address], 'AccessControlUnauthorizedAccount', [stranger.address, ZERO_HASH]);
      }
      // the minter role belongs to the minter admin, not to the default admin
      await expectRevert(coin, admin, 'grantRole', [MINTER, stranger.address], 'AccessControlUnauthorizedAccount', [admin.address, MINTER_ADMIN]);
    });
  });

  // ------------------------------------------------------------ minters

  describe('minters and allowances', () => {
    test('configureMinter grants the role and sets (replaces) the allowance; events', async () => {
      const r = await send(coin, minterAdmin, 'configureMinter', [minter2.address, 50n]);
      expectEvent(r, coin, 'MinterConfigured', [minter2.address, 50n, minterAdmin.address]);
      expectEvent(r, coin, 'RoleGranted', [MINTER, minter2.address, minterAdmin.address]);
      assert.equal(await read(coin, 'minterAllowance', [minter2.address]), 50n);
      const r2 = await send(coin, minterAdmin, 'configureMinter', [minter2.address, 7n]);
      expectEvent(r2, coin, 'MinterConfigured', [minter2.address, 7n, minterAdmin.address]);
      assert.equal(eventsOf(r2, coin, 'RoleGranted').length, 0, 'already a minter');
      assert.equal(await read(coin, 'minterAllowance', [minter2.address]), 7n);
      await expectRevert(coin, stranger, 'configureMinter', [stranger.address, 1n], 'AccessControlUnauthorizedAccount', [stranger.address, MINTER_ADMIN]);
      await expectRevert(coin, admin, 'configureMinter', [stranger.address, 1n], 'AccessControlUnauthorizedAccount', [admin.address, MINTER_ADMIN]);
      await expectRevert(coin, minterAdmin, 'configureMinter', [ZERO_ADDRESS, 1n], 'ZeroAddress');
    });

    test('mint consumes the allowance exactly; above it, zero, blocked minter or recipient, zero address, non-minter revert', async () => {
      await send(coin, minterAdmin, 'configureMinter', [minter2.address, 100n]);
      const r = await send(coin, minter2, 'mint', [bob.address, 60n]);
      expectEvent(r, coin, 'Transfer', [ZERO_ADDRESS, bob.address, 60n]);
      expectEvent(r, coin, 'Mint', [minter2.address, bob.address, 60n, 40n]);
      assert.equal(await read(coin, 'minterAllowance', [minter2.address]), 40n);
      await expectRevert(coin, minter2, 'mint', [bob.address, 41n], 'MinterAllowanceExceeded', [minter2.address, 40n, 41n]);
      await expectRevert(coin, minter2, 'mint', [bob.address, 0n], 'ZeroAmount');
      await expectRevert(coin, minter2, 'mint', [ZERO_ADDRESS, 1n], 'ERC20InvalidReceiver', [ZERO_ADDRESS]);
      await expectRevert(coin, stranger, 'mint', [bob.address, 1n], 'AccessControlUnauthorizedAccount', [stranger.address, MINTER]);
      await send(coin, minter2, 'mint', [bob.address, 40n]);
      assert.equal(await read(coin, 'minterAllowance', [minter2.address]), 0n);
      await expectRevert(coin, minter2, 'mint', [bob.address, 1n], 'MinterAllowanceExceeded', [minter2.address, 0n, 1n]);
      await send(coin, minterAdmin, 'configureMinter', [minter2.address, 10n]);
      await send(coin, officer, 'blocklist', [carol.address]);
      await expectRevert(coin, minter2, 'mint', [carol.address, 1n], 'AccountBlocklisted', [carol.address]);
      await send(coin, officer, 'blocklist', [minter2.address]);
      await expectRevert(coin, minter2, 'mint', [bob.address, 1n], 'AccountBlocklisted', [minter2.address]);
      assert.equal(await balance(bob.address), 100n);
      assert.equal(await read(coin, 'totalMinted'), 1500n * UNIT + 1n + 100n);
    });

    test('removeMinter takes the role and the allowance; not a minter reverts', async () => {
      await send(coin, minterAdmin, 'configureMinter', [minter2.address, 100n]);
      await expectRevert(coin, stranger, 'removeMinter', [minter2.address], 'AccessControlUnauthorizedAccount', [stranger.address, MINTER_ADMIN]);
      const r = await send(coin, minterAdmin, 'removeMinter', [minter2.address]);
      expectEvent(r, coin, 'MinterRemoved', [minter2.address, minterAdmin.address]);
      expectEvent(r, coin, 'RoleRevoked', [MINTER, minter2.address, minterAdmin.address]);
      gas.record('removeMinter', r);
      assert.equal(await read(coin, 'minterAllowance', [minter2.address]), 0n);
      assert.equal(await read(coin, 'hasRole', [MINTER, minter2.address]), false);
      await expectRevert(coin, minter2, 'mint', [bob.address, 1n], 'AccessControlUnauthorizedAccount', [minter2.address, MINTER]);
      await expectRevert(coin, minterAdmin, 'removeMinter', [minter2.address], 'NotMinter', [minter2.address]);
      // a minter granted through grantRole starts with no allowance
      await send(coin, minterAdmin, 'grantRole', [MINTER, carol.address]);
      await expectRevert(coin, carol, 'mint', [bob.address, 1n], 'MinterAllowanceExceeded', [carol.address, 0n, 1n]);
    });
  });

  // ------------------------------------------------------------ burning

  describe('burning', () => {
    test('a burner burns its own coins; zero, more than its balance, non-burner, blocked burner revert', async () => {
      const r = await send(coin, burner, 'burn', [200n * UNIT]);
      gas.record('burn', r);
      expectEvent(r, coin, 'Transfer', [burner.address, ZERO_ADDRESS, 200n * UNIT]);
      expectEvent(r, coin, 'Burn', [burner.address, 200n * UNIT]);
      assert.equal(await balance(burner.address), 300n * UNIT);
      assert.equal(await read(coin, 'totalBurned'), 200n * UNIT);
      assert.equal(await read(coin, 'totalSupply'), (await read<bigint>(coin, 'totalMinted')) - 200n * UNIT);
      await expectRevert(coin, burner, 'burn', [0n], 'ZeroAmount');
      await expectRevert(coin, burner, 'burn', [300n * UNIT + 1n], 'ERC20InsufficientBalance', [burner.address, 300n * UNIT, 300n * UNIT + 1n]);
      await expectRevert(coin, alice, 'burn', [1n], 'AccessControlUnauthorizedAccount', [alice.address, BURNER]);
      await send(coin, officer, 'blocklist', [burner.address]);
      await expectRevert(coin, burner, 'burn', [1n], 'AccountBlocklisted', [burner.address]);
    });
  });

  // ------------------------------------------------------------ pause

  describe('pause', () => {
    test('pause stops transfers, mints, burns, approvals, permits and authorizations; unpause restores them', async () => {
      await send(coin, alice, 'approve', [bob.address, 10n]);
      await expectRevert(coin, stranger, 'pause', [], 'AccessControlUnauthorizedAccount', [stranger.address, PAUSER]);
      await expectRevert(coin, officer, 'unpause', [], 'ExpectedPause');
      const r = await send(coin, officer, 'pause');
      gas.record('pause', r);
      expectEvent(r, coin, 'Paused', [officer.address]);
      assert.equal(await read(coin, 'paused'), true);
      await expectRevert(coin, officer, 'pause', [], 'EnforcedPause');
      await expectRevert(coin, alice, 'transfer', [bob.address, 1n], 'EnforcedPause');
      await expectRevert(coin, bob, 'transferFrom', [alice.address, bob.address, 1n], 'EnforcedPause');
      await expectRevert(coin, alice, 'approve', [bob.address, 1n], 'EnforcedPause');
      await expectRevert(coin, minter, 'mint', [bob.address, 1n], 'EnforcedPause');
      await expectRevert(coin, burner, 'burn', [1n], 'EnforcedPause');
      const deadline = (await latestTimestamp(chain)) + 3600n;
      const p = await signPermit(alice, bob.address, 5n, deadline);
      await expectRevert(coin, stranger, 'permit', [alice.address, bob.address, 5n, deadline, p.v, p.r, p.s], 'EnforcedPause');
      const auth = await freshAuth(alice, bob.address, 1n);
      await expectRevert(coin, stranger, 'transferWithAuthorization', await authorization(alice, TRANSFER_AUTH_TYPES, auth), 'EnforcedPause');
      const cancel = Signature.from(await alice.signTypedData(domain, CANCEL_AUTH_TYPES, { authorizer: alice.address, nonce: auth.nonce }));
      await expectRevert(coin, stranger, 'cancelAuthorization', [alice.address, auth.nonce, cancel.v, cancel.r, cancel.s], 'EnforcedPause');
      await expectRevert(coin, stranger, 'unpause', [], 'AccessControlUnauthorizedAccount', [stranger.address, PAUSER]);
      const u = await send(coin, officer, 'unpause');
      expectEvent(u, coin, 'Unpaused', [officer.address]);
      await send(coin, alice, 'transfer', [bob.address, 1n]);
      await send(coin, bob, 'transferFrom', [alice.address, bob.address, 1n]);
      await send(coin, stranger, 'permit', [alice.address, bob.address, 5n, deadline, p.v, p.r, p.s]);
      assert.equal(await balance(bob.address), 2n);
    });
  });

  // ------------------------------------------------------------ blocklist

  describe('blocklist', () => {
    test('blocklist and unblocklist: role, zero address, twice, events', async () => {
      await expectRevert(coin, stranger, 'blocklist', [alice.address], 'AccessControlUnauthorizedAccount', [stranger.address, BLOCKLISTER]);
      await expectRevert(coin, officer, 'blocklist', [ZERO_ADDRESS], 'ZeroAddress');
      const r = await send(coin, officer, 'blocklist', [alice.address]);
      gas.record('blocklist', r);
      expectEvent(r, coin, 'Blocklisted', [alice.address, officer.address]);
      assert.equal(await read(coin, 'isBlocklisted', [alice.address]), true);
      await expectRevert(coin, officer, 'blocklist', [alice.address], 'AlreadyBlocklisted', [alice.address]);
      await expectRevert(coin, stranger, 'unblocklist', [alice.address], 'AccessControlUnauthorizedAccount', [stranger.address, BLOCKLISTER]);
      const u = await send(coin, officer, 'unblocklist', [alice.address]);
      gas.record('unblocklist', u);
      expectEvent(u, coin, 'Unblocklisted', [alice.address, officer.address]);
      assert.equal(await read(coin, 'isBlocklisted', [alice.address]), false);
      await expectRevert(coin, officer, 'unblocklist', [alice.address], 'NotBlocklisted', [alice.address]);
    });

    test('a blocked account can neither send, receive, approve, be approved, nor spend; its balance stays frozen', async () => {
      await send(coin, alice, 'approve', [carol.address, 100n]);
      await send(coin, alice, 'transfer', [bob.address, 50n]);
      await send(coin, bob, 'approve', [alice.address, 10n]);
      await send(coin, officer, 'blocklist', [alice.address]);
      const frozen = await balance(alice.address);
      await expectRevert(coin, alice, 'transfer', [bob.address, 1n], 'AccountBlocklisted', [alice.address]);
      await expectRevert(coin, bob, 'transfer', [alice.address, 1n], 'AccountBlocklisted', [alice.address]);
      await expectRevert(coin, carol, 'transferFrom', [alice.address, carol.address, 1n], 'AccountBlocklisted', [alice.address]);
      await expectRevert(coin, alice, 'transferFrom', [bob.address, carol.address, 1n], 'AccountBlocklisted', [alice.address]);
      await expectRevert(coin, alice, 'approve', [bob.address, 1n], 'AccountBlocklisted', [alice.address]);
      await expectRevert(coin, bob, 'approve', [alice.address, 1n], 'AccountBlocklisted', [alice.address]);
      await expectRevert(coin, minter, 'mint', [alice.address, 1n], 'AccountBlocklisted', [alice.address]);
      // permits and authorizations to or from a blocked account
      const deadline = (await latestTimestamp(chain)) + 3600n;
      const p = await signPermit(bob, alice.address, 5n, deadline);
      await expectRevert(coin, stranger, 'permit', [bob.address, alice.address, 5n, deadline, p.v, p.r, p.s], 'AccountBlocklisted', [alice.address]);
      const fromBlocked = await freshAuth(alice, bob.address, 1n);
      await expectRevert(coin, stranger, 'transferWithAuthorization', await authorization(alice, TRANSFER_AUTH_TYPES, fromBlocked), 'AccountBlocklisted', [alice.address]);
      const toBlocked = await freshAuth(bob, alice.address, 1n);
      await expectRevert(coin, stranger, 'transferWithAuthorization', await authorization(bob, TRANSFER_AUTH_TYPES, toBlocked), 'AccountBlocklisted', [alice.address]);
      assert.equal(await balance(alice.address), frozen);
      await send(coin, officer, 'unblocklist', [alice.address]);
      await send(coin, alice, 'transfer', [bob.address, 1n]);
      await send(coin, carol, 'transferFrom', [alice.address, carol.address, 1n]);
      assert.equal(await balance(alice.address), frozen - 2n);
    });
  });

  // ------------------------------------------------------------ permit

  describe('EIP-2612 permit', () => {
    test('a relayed permit sets the allowance and uses the nonce; replay, expiry, wrong signer, other chain or contract revert', async () => {
      assert.equal(await read(coin, 'DOMAIN_SEPARATOR'), TypedDataEncoder.hashDomain(domain));
      const deadline = (await latestTimestamp(chain)) + 100n;
      const p = await signPermit(alice, bob.address, 77n, deadline);
      const args = [alice.address, bob.address, 77n, deadline, p.v, p.r, p.s];
      const r = await send(coin, stranger, 'permit', args);
      gas.record('permit (relayed)', r);
      expectEvent(r, coin, 'Approval', [alice.address, bob.address, 77n]);
      assert.equal(await read(coin, 'allowance', [alice.address, bob.address]), 77n);
      assert.equal(await read(coin, 'nonces', [alice.address]), 1n);
      await expectRevert(coin, stranger, 'permit', args, 'ERC2612InvalidSigner');
      // deadline is inclusive: valid at `deadline`, expired one second later
      const d2 = (await latestTimestamp(chain)) + 50n;
      const p2 = await signPermit(alice, bob.address, 5n, d2);
      await setNextTimestamp(chain, d2 + 1n);
      await chain.node.rpc('evm_mine');
      await expectRevert(coin, stranger, 'permit', [alice.address, bob.address, 5n, d2, p2.v, p2.r, p2.s], 'ERC2612ExpiredSignature', [d2]);
      const d3 = (await latestTimestamp(chain)) + 50n;
      const p3 = await signPermit(alice, bob.address, 5n, d3);
      await setNextTimestamp(chain, d3);
      await send(coin, stranger, 'permit', [alice.address, bob.address, 5n, d3, p3.v, p3.r, p3.s]);
      // signed by someone else, for another chain id, for another contract
      const d4 = (await latestTimestamp(chain)) + 50n;
      const byBob = await signPermit(bob, bob.address, 5n, d4, domain, 2n);
      await expectRevert(coin, stranger, 'permit', [alice.address, bob.address, 5n, d4, byBob.v, byBob.r, byBob.s], 'ERC2612InvalidSigner');
      const otherChain = await signPermit(alice, bob.address, 5n, d4, { ...domain, chainId: CHAIN_ID + 1 });
      await expectRevert(coin, stranger, 'permit', [alice.address, bob.address, 5n, d4, otherChain.v, otherChain.r, otherChain.s], 'ERC2612InvalidSigner');
      const otherContract = await signPermit(alice, bob.address, 5n, d4, { ...domain, verifyingContract: stranger.address });
      await expectRevert(coin, stranger, 'permit', [alice.address, bob.address, 5n, d4, otherContract.v, otherContract.r, otherContract.s], 'ERC2612InvalidSigner');
      assert.equal(await read(coin, 'nonces', [alice.address]), 2n);
      await send(coin, bob, 'transferFrom', [alice.address, carol.address, 5n]);
      assert.equal(await balance(carol.address), 5n);
    });
  });

  // ------------------------------------------------------------ EIP-3009

  describe('EIP-3009 authorizations', () => {
    test('transferWithAuthorization relayed by anyone; nonce reuse, validity edges, wrong signer revert', async () => {
      const now = await latestTimestamp(chain);
      const auth: Auth = { from: alice.address, to: bob.address, value: 25n, validAfter: now + 10n, validBefore: now + 20n, nonce: newNonce() };
      const args = await authorization(alice, TRANSFER_AUTH_TYPES, auth);
      // valid strictly after validAfter and strictly before validBefore
      await setNextTimestamp(chain, now + 10n);
      await chain.node.rpc('evm_mine');
      await expectRevert(coin, stranger, 'transferWithAuthorization', args, 'ERC3009InvalidAuthorizationTime', [now + 10n, now + 20n]);
      await setNextTimestamp(chain, now + 11n);
      const r = await send(coin, stranger, 'transferWithAuthorization', args);
      gas.record('transferWithAuthorization (relayed)', r);
      expectEvent(r, coin, 'AuthorizationUsed', [alice.address, auth.nonce]);
      expectEvent(r, coin, 'Transfer', [alice.address, bob.address, 25n]);
      assert.equal(await read(coin, 'authorizationState', [alice.address, auth.nonce]), true);
      await expectRevert(coin, stranger, 'transferWithAuthorization', args, 'ERC3009UsedAuthorization', [alice.address, auth.nonce]);
      const late = { ...auth, nonce: newNonce() };
      const lateArgs = await authorization(alice, TRANSFER_AUTH_TYPES, late);
      await setNextTimestamp(chain, now + 20n);
      await chain.node.rpc('evm_mine');
      await expectRevert(coin, stranger, 'transferWithAuthorization', lateArgs, 'ERC3009InvalidAuthorizationTime', [now + 10n, now + 20n]);
      const forged = await freshAuth(alice, bob.address, 1n);
      await expectRevert(coin, stranger, 'transferWithAuthorization', await authorization(bob, TRANSFER_AUTH_TYPES, forged), 'ERC3009InvalidSignature');
      const tampered = await authorization(alice, TRANSFER_AUTH_TYPES, forged);
      tampered[2] = 2n;
      await expectRevert(coin, stranger, 'transferWithAuthorization', tampered, 'ERC3009InvalidSignature');
      const otherChain = await authorization(alice, TRANSFER_AUTH_TYPES, forged, { ...domain, chainId: CHAIN_ID + 1 });
      await expectRevert(coin, stranger, 'transferWithAuthorization', otherChain, 'ERC3009InvalidSignature');
      // a transfer authorization cannot be used as a receive authorization
      await expectRevert(coin, bob, 'receiveWithAuthorization', await authorization(alice, TRANSFER_AUTH_TYPES, forged), 'ERC3009InvalidSignature');
      assert.equal(await balance(bob.address), 25n);
    });

    test('receiveWithAuthorization only by the payee; cancelAuthorization voids a nonce', async () => {
      const auth = await freshAuth(alice, bob.address, 30n);
      const args = await authorization(alice, RECEIVE_AUTH_TYPES, auth);
      await expectRevert(coin, stranger, 'receiveWithAuthorization', args, 'ERC20InvalidReceiver', [bob.address]);
      const r = await send(coin, bob, 'receiveWithAuthorization', args);
      gas.record('receiveWithAuthorization', r);
      expectEvent(r, coin, 'Transfer', [alice.address, bob.address, 30n]);
      await expectRevert(coin, bob, 'receiveWithAuthorization', args, 'ERC3009UsedAuthorization', [alice.address, auth.nonce]);

      const pending = await freshAuth(alice, carol.address, 5n);
      const pendingArgs = await authorization(alice, TRANSFER_AUTH_TYPES, pending);
      const byBob = Signature.from(await bob.signTypedData(domain, CANCEL_AUTH_TYPES, { authorizer: alice.address, nonce: pending.nonce }));
      await expectRevert(coin, stranger, 'cancelAuthorization', [alice.address, pending.nonce, byBob.v, byBob.r, byBob.s], 'ERC3009InvalidSignature');
      const c = Signature.from(await alice.signTypedData(domain, CANCEL_AUTH_TYPES, { authorizer: alice.address, nonce: pending.nonce }));
      const cr = await send(coin, stranger, 'cancelAuthorization', [alice.address, pending.nonce, c.v, c.r, c.s]);
      gas.record('cancelAuthorization', cr);
      expectEvent(cr, coin, 'AuthorizationCanceled', [alice.address, pending.nonce]);
      await expectRevert(coin, stranger, 'transferWithAuthorization', pendingArgs, 'ERC3009UsedAuthorization', [alice.address, pending.nonce]);
      await expectRevert(coin, stranger, 'cancelAuthorization', [alice.address, pending.nonce, c.v, c.r, c.s], 'ERC3009UsedAuthorization', [alice.address, pending.nonce]);
      assert.equal(await balance(carol.address), 0n);
    });
  });

  test('transfer and transferFrom (gas), ERC-20 errors pass through', async () => {
    gas.record('transfer (to a new holder)', await send(coin, alice, 'transfer', [bob.address, 10n]));
    gas.record('transfer', await send(coin, alice, 'transfer', [bob.address, 10n]));
    gas.record('approve', await send(coin, alice, 'approve', [carol.address, 100n]));
    gas.record('transferFrom', await send(coin, carol, 'transferFrom', [alice.address, bob.address, 10n]));
    await expectRevert(coin, carol, 'transferFrom', [alice.address, bob.address, 91n], 'ERC20InsufficientAllowance', [carol.address, 90n, 91n]);
    await expectRevert(coin, bob, 'transfer', [alice.address, 31n], 'ERC20InsufficientBalance', [bob.address, 30n, 31n]);
    await expectRevert(coin, bob, 'transfer', [ZERO_ADDRESS, 1n], 'ERC20InvalidReceiver', [ZERO_ADDRESS]);
  });

  // ------------------------------------------------------------ property

  describe('supply invariant (fast-check)', () => {
    const seed = Number(process.env['FC_SEED'] ?? 20240612);

    type Op =
      | { kind: 'configure'; minter: number; allowance: bigint }
      | { kind: 'mint'; minter: number; to: number; amount: bigint }
      | { kind: 'burn'; amount: bigint }
      | { kind: 'transfer'; from: number; to: number; amount: bigint }
      | { kind: 'block'; who: number }
      | { kind: 'pause' };

    const amountArb = fc.oneof(fc.constant(0n), fc.bigInt({ min: 1n, max: 400n }));
    const opArb: fc.Arbitrary<Op> = fc.oneof(
      fc.record({ kind: fc.constant('configure' as const), minter: fc.nat({ max: 1 }), allowance: fc.bigInt({ min: 0n, max: 600n }) }),
      fc.record({ kind: fc.constant('mint' as const), minter: fc.nat({ max: 1 }), to: fc.nat({ max: 3 }), amount: amountArb }),
      fc.record({ kind: fc.constant('mint' as const), minter: fc.nat({ max: 1 }), to: fc.nat({ max: 3 }), amount: amountArb }),
      fc.record({ kind: fc.constant('burn' as const), amount: amountArb }),
      fc.record({ kind: fc.constant('transfer' as const), from: fc.nat({ max: 3 }), to: fc.nat({ max: 3 }), amount: amountArb }),
      fc.record({ kind: fc.constant('transfer' as const), from: fc.nat({ max: 3 }), to: fc.nat({ max: 3 }), amount: amountArb }),
      fc.record({ kind: fc.constant('block' as const), who: fc.nat({ max: 5 }) }),
      fc.record({ kind: fc.constant('pause' as const) }),
    );

    test('totalSupply == minted − burned == Σ balances; allowances shrink by what was minted; refusals as the model predicts', { timeout: 90_000 }, async () => {
      // holders 0..3 = alice, bob, carol, burner; blockable 4, 5 = the two minters
      const holders = [alice, bob, carol, burner];
      const minters = [minter, minter2];
      const blockable = [...holders, ...minters];
      const stats = { ok: 0, refused: 0 };
      await fc.assert(
        fc.asyncProperty(fc.array(opArb, { minLength: 3, maxLength: 14 }), async (ops) => {
          const base = await snapshot(chain);
          try {
            // the model starts from the state `before` left
            const bal = new Map<string, bigint>();
            for (const w of holders) bal.set(w.address, await balance(w.address));
            const allowance = new Map<string, bigint>();
            for (const m of minters) allowance.set(m.address, await read<bigint>(coin, 'minterAllowance', [m.address]));
            const isMinter = new Map<string, boolean>([[minter.address, true], [minter2.address, false]]);
            const blocked = new Set<string>();
            let paused = false;
            let minted = await read<bigint>(coin, 'totalMinted');
            let burned = 0n;
            for (const op of ops) {
              let expected: [string, unknown[]] | undefined;
              if (op.kind === 'configure') {
                const m = minters[op.minter]!;
                await send(coin, minterAdmin, 'configureMinter', [m.address, op.allowance]);
                allowance.set(m.address, op.allowance);
                isMinter.set(m.address, true);
              } else if (op.kind === 'mint') {
                const m = minters[op.minter]!;
                const to = holders[op.to]!.address;
                const left = allowance.get(m.address)!;
                if (!isMinter.get(m.address)) expected = ['AccessControlUnauthorizedAccount', [m.address, MINTER]];
                else if (op.amount === 0n) expected = ['ZeroAmount', []];
                else if (blocked.has(m.address)) expected = ['AccountBlocklisted', [m.address]];
                else if (op.amount > left) expected = ['MinterAllowanceExceeded', [m.address, left, op.amount]];
                else if (paused) expected = ['EnforcedPause', []];
                else if (blocked.has(to)) expected = ['AccountBlocklisted', [to]];
                if (expected) await expectRevert(coin, m, 'mint', [to, op.amount], ...expected);
                else {
                  await send(coin, m, 'mint', [to, op.amount]);
                  allowance.set(m.address, left - op.amount);
                  bal.set(to, bal.get(to)! + op.amount);
                  minted += op.amount;
                }
              } else if (op.kind === 'burn') {
                const have = bal.get(burner.address)!;
                if (op.amount === 0n) expected = ['ZeroAmount', []];
                else if (paused) expected = ['EnforcedPause', []];
                else if (blocked.has(burner.address)) expected = ['AccountBlocklisted', [burner.address]];
                else if (op.amount > have) expected = ['ERC20InsufficientBalance', [burner.address, have, op.amount]];
                if (expected) await expectRevert(coin, burner, 'burn', [op.amount], ...expected);
                else {
                  await send(coin, burner, 'burn', [op.amount]);
                  bal.set(burner.address, have - op.amount);
                  burned += op.amount;
                }
              } else if (op.kind === 'transfer') {
                const from = holders[op.from]!;
                const to = holders[op.to]!.address;
                const have = bal.get(from.address)!;
                if (paused) expected = ['EnforcedPause', []];
                else if (blocked.has(from.address)) expected = ['AccountBlocklisted', [from.address]];
                else if (blocked.has(to)) expected = ['AccountBlocklisted', [to]];
                else if (op.amount > have) expected = ['ERC20InsufficientBalance', [from.address, have, op.amount]];
                if (expected) await expectRevert(coin, from, 'transfer', [to, op.amount], ...expected);
                else {
                  await send(coin, from, 'transfer', [to, op.amount]);
                  bal.set(from.address, have - op.amount);
                  bal.set(to, bal.get(to)! + op.amount);
                }
              } else if (op.kind === 'block') {
                const who = blockable[op.who]!.address;
                if (blocked.has(who)) {
                  await send(coin, officer, 'unblocklist', [who]);
                  blocked.delete(who);
                } else {
                  await send(coin, officer, 'blocklist', [who]);
                  blocked.add(who);
                }
              } else {
                await send(coin, officer, paused ? 'unpause' : 'pause');
                paused = !paused;
              }
              if (expected) stats.refused++;
              else stats.ok++;
              const supply = await read<bigint>(coin, 'totalSupply');
              assert.equal(supply, minted - burned, 'totalSupply == minted - burned');
              assert.equal(await read(coin, 'totalMinted'), minted);
              assert.equal(await read(coin, 'totalBurned'), burned);
            }
            let sum = 0n;
            for (const w of holders) {
              assert.equal(await balance(w.address), bal.get(w.address), `balance of ${w.address}`);
              sum += bal.get(w.address)!;
            }
            assert.equal(await read(coin, 'totalSupply'), sum, 'the supply is exactly what the holders hold');
            for (const m of minters) assert.equal(await read(coin, 'minterAllowance', [m.address]), allowance.get(m.address));
          } finally {
            await revertTo(chain, base);
          }
        }),
        { numRuns: Number(process.env['FC_RUNS'] ?? 10), seed, endOnFailure: true },
      );
      if (process.env['FC_DEBUG']) console.log(stats);
      if (process.env['FC_SEED'] === undefined) assert.ok(stats.ok > 20 && stats.refused > 10, `too little exercised: ${JSON.stringify(stats)}`);
    });
  });
});
