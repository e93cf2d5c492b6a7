/**
 * Token issuance on a real automining dev node: TokenFactory (clones initialised in the creating transaction,
 * implementations that can never be initialised), IssuedToken (fixed supply or mintable under a cap, burnable,
 * pausable for a bounded time, two-step admin transfer), VestingSchedule (linear with cliff, release by anyone,
 * one-time revocation, reentrancy and balance-loss defences) and SymbolRegistry (CRC20NS: case-normalised
 * symbols, registration by the token's controller or a registrar, two-step symbol transfer, successor tokens,
 * reservations, removal). Every external function's success path and each revert with its exact custom
 * error, events, and a fast-check property: vesting never releases more than the grant and is monotonic in
 * time, against a bigint reference. Each test starts from the same deployed state (evm_snapshot / evm_revert).
 *
 * GAS_REPORT=<dir> writes the gas used by the main functions to <dir>/token-issuance.md.
 */
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Contract, Wallet } from 'ethers';
import type { TransactionReceipt } from 'ethers';
import fc from 'fast-check';
import {
  DAY, MAX_UINT256, ONE_CMT, ZERO_ADDRESS, ZERO_HASH, at, blockTime, createGasReport, deploy, errorData, eventsOf,
  expectEvent, expectNoEvent, expectRevert, latestTimestamp, mineAt, read, readStruct, revertTo, send, sendRaw,
  setNextTimestamp, snapshot, startChain,
} from './identityTokenFixtures.ts';
import type { Chain } from './identityTokenFixtures.ts';

const Product = { None: 0n, Token: 1n, Vesting: 2n, Sale: 3n } as const;
const SUPPLY = 1_000_000n * ONE_CMT;

interface TokenConfig {
  name: string;
  symbol: string;
  decimals: number;
  cap: bigint;
  mintable: boolean;
  pausable: boolean;
  admin: string;
}

interface Grant {
  beneficiary: string;
  start: bigint;
  cliffDuration: bigint;
  duration: bigint;
  amount: bigint;
  revoker: string;
}

/** Reference of VestingSchedule.vestedAmount. */
function vestedRef(total: bigint, start: bigint, cliff: bigint, duration: bigint, t: bigint, revokedAt = 0n): bigint {
  const time = revokedAt !== 0n && t > revokedAt ? revokedAt : t;
  if (time < start + cliff) return 0n;
  if (time >= start + duration) return total;
  return (total * (time - start)) / duration;
}

/** ERC-1167 creation code for a minimal proxy of `implementation`. */
function cloneInitCode(implementation: string): string {
  return `0x3d602d80600a3d3981f3363d3d373d3d3d363d73${implementation.slice(2).toLowerCase()}5af43d82803e903d91602b57fd5bf3`;
}

describe('TokenFactory, IssuedToken, VestingSchedule and SymbolRegistry on a dev node', () => {
  let chain: Chain;
  let factory: Contract;
  let registry: Contract;
  let factoryAddr: string;
  let registryAddr: string;
  let admin: Wallet;
  let creator: Wallet;
  let tokenAdmin: Wallet;
  let alice: Wallet;
  let bob: Wallet;
  let stranger: Wallet;
  let beneficiary: Wallet;
  let revoker: Wallet;
  let spare: Wallet;
  /** A fixed-supply token created in `before`, held by the creator, used as "any ERC-20". */
  let base: Contract;
  let baseAddr: string;
  let snap = '';
  const gas = createGasReport();

  before(async () => {
    chain = await startChain();
    [admin, creator, tokenAdmin, alice, bob, stranger, beneficiary, revoker, spare] = chain.wallets as [
      Wallet, Wallet, Wallet, Wallet, Wallet, Wallet, Wallet, Wallet, Wallet,
    ];
    const reg = await deploy('SymbolRegistry', admin, [admin.address, 0]);
    gas.record('deploy SymbolRegistry', reg.receipt);
    registry = reg.contract;
    registryAddr = await registry.getAddress();
    const fac = await deploy('TokenFactory', admin, [registryAddr]);
    gas.record('deploy TokenFactory (with its three implementations)', fac.receipt);
    factory = fac.contract;
    factoryAddr = await factory.getAddress();
    await send(registry, admin, 'grantRole', [await read(registry, 'REGISTRAR_ROLE'), factoryAddr]);
    const { token, receipt } = await createToken(fixedConfig('Base', 'BASE', creator.address), [[creator.address, SUPPLY]]);
    gas.record('createToken (fixed supply, one allocation)', receipt);
    base = token;
    baseAddr = await base.getAddress();
  });

  after(async () => {
    gas.write('token-issuance');
    await chain?.stop();
  });

  beforeEach(async () => {
    snap = await snapshot(chain);
  });

  afterEach(async () => {
    await revertTo(chain, snap);
  });

  // ------------------------------------------------------------ helpers

  function fixedConfig(name: string, symbol: string, adminAddr: string): TokenConfig {
    return { name, symbol, decimals: 18, cap: 0n, mintable: false, pausable: false, admin: adminAddr };
  }

  function mintableConfig(symbol = 'MINT', cap = 0n, pausable = true): TokenConfig {
    return { name: `Token ${symbol}`, symbol, decimals: 18, cap, mintable: true, pausable, admin: tokenAdmin.address };
  }

  async function createToken(
    config: TokenConfig, allocations: [string, bigint][] = [], grants: Grant[] = [], register = false, from = creator,
  ): Promise<{ token: Contract; schedules: Contract[]; receipt: TransactionReceipt }> {
    const receipt = await send(factory, from, 'createToken', [config, allocations, grants, register]);
    const ev = eventsOf(receipt, factory, 'TokenCreated')[0];
    assert.ok(ev);
    const token = at('IssuedToken', ev.args[0] as string, from);
    const schedules = eventsOf(receipt, factory, 'VestingCreated').map((e) => at('VestingSchedule', e.args[0] as string, from));
    return { token, schedules, receipt };
  }

  async function grantOf(opts: Partial<Grant> = {}): Promise<Grant> {
    const now = await latestTimestamp(chain);
    return {
      beneficiary: beneficiary.address, start: now + 100n, cliffDuration: 1000n, duration: 10_000n,
      amount: 1_000_000n, revoker: revoker.address, ...opts,
    };
  }

  async function createVesting(grant: Grant, token = base, from = creator): Promise<{ schedule: Contract; receipt: TransactionReceipt }> {
    await send(token, from, 'approve', [factoryAddr, grant.amount]);
    const receipt = await send(factory, from, 'createVesting', [await token.getAddress(), grant]);
    const ev = eventsOf(receipt, factory, 'VestingCreated')[0];
    assert.ok(ev);
    return { schedule: at('VestingSchedule', ev.args[0] as string, from), receipt };
  }

  async function balance(token: Contract, who: string): Promise<bigint> {
    return read<bigint>(token, 'balanceOf', [who]);
  }

  async function role(c: Contract, name: string): Promise<string> {
    return read<string>(c, name);
  }

  /** Deploys a bare ERC-1167 clone of `implementation`, not initialised (as anyone could). */
  async function rawClone(implementation: string): Promise<string> {
    const receipt = await sendRaw(spare, { to: null, data: cloneInitCode(implementation), value: 0n });
    assert.ok(receipt.status === 1 && receipt.contractAddress);
    return receipt.contractAddress;
  }

  // ------------------------------------------------------------ factory and tokens

  describe('factory and implementations', () => {
    test('the factory deployed three implementations that can never be initialised', async () => {
      assert.equal(await read(factory, 'registry'), registryAddr);
      assert.equal(await read(factory, 'MAX_ALLOCATIONS'), 32n);
      const impls = {
        token: await read<string>(factory, 'tokenImplementation'),
        vesting: await read<string>(factory, 'vestingImplementation'),
        sale: await read<string>(factory, 'saleImplementation'),
      };
      for (const a of Object.values(impls)) {
        assert.ok((await chain.provider.getCode(a)).length > 1000);
        assert.equal(await read(factory, 'productOf', [a]), Product.None);
      }
      const cfg = fixedConfig('X', 'X', alice.address);
      await expectRevert(at('IssuedToken', impls.token, alice), alice, 'initialize', [cfg, [[alice.address, 1n]]], 'InvalidInitialization', []);
      await expectRevert(at('VestingSchedule', impls.vesting, alice), alice, 'initialize', [baseAddr, alice.address, 0, 0, 1, 1, ZERO_ADDRESS], 'InvalidInitialization', []);
      const now = await latestTimestamp(chain);
      const saleCfg = [baseAddr, alice.address, now + 10n, now + 100n, ONE_CMT, 0n, ONE_CMT, 0n, ZERO_ADDRESS, ZERO_HASH, 0n];
      await expectRevert(at('TokenSale', impls.sale, alice), alice, 'initialize', [saleCfg, alice.address], 'InvalidInitialization', []);
    });

    test('createToken, fixed supply: event with the config, metadata, balances, roles; minting and pausing impossible', async () => {
      const cfg = { ...fixedConfig('Fixed Coin', 'FIX', tokenAdmin.address), decimals: 6 };
      const { token, receipt } = await createToken(cfg, [[alice.address, 700n], [bob.address, 300n]]);
      const tokenAddr = await token.getAddress();
      expectEvent(receipt, factory, 'TokenCreated', [tokenAddr, creator.address, tokenAdmin.address, [cfg.name, cfg.symbol, 6n, 0n, false, false, tokenAdmin.address]]);
      expectEvent(receipt, token, 'TokenInitialized', [tokenAdmin.address, 6n, 0n, false, false]);
      assert.deepEqual(eventsOf(receipt, token, 'Transfer').map((e) => [...e.args]), [[ZERO_ADDRESS, alice.address, 700n], [ZERO_ADDRESS, bob.address, 300n]]);
      assert.equal(await read(factory, 'productOf', [tokenAddr]), Product.Token);
      assert.equal(await read(token, 'name'), 'Fixed Coin');
      assert.equal(await read(token, 'symbol'), 'FIX');
      assert.equal(await read(token, 'decimals'), 6n);
      assert.equal(await read(token, 'totalSupply'), 1000n);
      assert.equal(await read(token, 'cap'), 0n);
      assert.equal(await read(token, 'mintable'), false);
      assert.equal(await read(token, 'pausable'), false);
      assert.equal(await read(token, 'owner'), tokenAdmin.address);
      assert.equal(await read(token, 'defaultAdmin'), tokenAdmin.address);
      assert.equal(await balance(token, alice.address), 700n);
      const minter = await role(token, 'MINTER_ROLE');
      const pauser = await role(token, 'PAUSER_ROLE');
      assert.equal(await read(token, 'hasRole', [minter, tokenAdmin.address]), false);
      assert.equal(await read(token, 'hasRole', [pauser, tokenAdmin.address]), false);
      assert.equal(await read(token, 'hasRole', [minter, creator.address]), false);
      await expectRevert(token, tokenAdmin, 'mint', [alice.address, 1n], 'AccessControlUnauthorizedAccount', [tokenAdmin.address, minter]);
      // even a role granted later cannot mint or pause what was created fixed and unpausable
      await send(token, tokenAdmin, 'grantRole', [minter, tokenAdmin.address]);
      await send(token, tokenAdmin, 'grantRole', [pauser, tokenAdmin.address]);
      await expectRevert(token, tokenAdmin, 'mint', [alice.address, 1n], 'MintingDisabled', []);
      await expectRevert(token, tokenAdmin, 'finishMinting', [], 'MintingDisabled', []);
      await expectRevert(token, tokenAdmin, 'pause', [100n], 'NotPausable', []);
      await expectRevert(token, alice, 'initialize', [cfg, [[alice.address, 1n]]], 'InvalidInitialization', []);
    });

    test('createToken, mintable and capped: mint up to the cap exactly, CapExceeded above, finishMinting for good', async () => {
      const { token, receipt } = await createToken(mintableConfig('CAP', 1000n), [[alice.address, 400n]]);
      gas.record('createToken (mintable, capped, pausable, one allocation)', receipt);
      assert.equal(await read(token, 'cap'), 1000n);
      const minter = await role(token, 'MINTER_ROLE');
      assert.equal(await read(token, 'hasRole', [minter, tokenAdmin.address]), true);
      await expectRevert(token, tokenAdmin, 'mint', [bob.address, 601n], 'CapExceeded', [1001n, 1000n]);
      await expectRevert(token, stranger, 'mint', [bob.address, 1n], 'AccessControlUnauthorizedAccount', [stranger.address, minter]);
      await expectRevert(token, tokenAdmin, 'mint', [ZERO_ADDRESS, 1n], 'ERC20InvalidReceiver', [ZERO_ADDRESS]);
      const r = await send(token, tokenAdmin, 'mint', [bob.address, 600n]);
      gas.record('IssuedToken mint', r);
      expectEvent(r, token, 'Transfer', [ZERO_ADDRESS, bob.address, 600n]);
      assert.equal(await read(token, 'totalSupply'), 1000n);
      await expectRevert(token, tokenAdmin, 'mint', [bob.address, 1n], 'CapExceeded', [1001n, 1000n]);
      // burning frees room under the cap
      await send(token, bob, 'burn', [100n]);
      await send(token, tokenAdmin, 'mint', [alice.address, 100n]);
      await expectRevert(token, stranger, 'finishMinting', [], 'AccessControlUnauthorizedAccount', [stranger.address, ZERO_HASH]);
      const f = await send(token, tokenAdmin, 'finishMinting');
      expectEvent(f, token, 'MintingFinished', [tokenAdmin.address]);
      assert.equal(await read(token, 'mintable'), false);
      await expectRevert(token, tokenAdmin, 'mint', [alice.address, 0n], 'MintingDisabled', []);
      await expectRevert(token, tokenAdmin, 'finishMinting', [], 'MintingDisabled', []);
    });

    test('createToken, mintable without cap: no allocation needed, any amount can be minted', async () => {
      const { token } = await createToken(mintableConfig('FREE', 0n, false));
      assert.equal(await read(token, 'totalSupply'), 0n);
      await send(token, tokenAdmin, 'mint', [alice.address, 10n ** 40n]);
      assert.equal(await balance(token, alice.address), 10n ** 40n);
      assert.equal(await read(token, 'hasRole', [await role(token, 'PAUSER_ROLE'), tokenAdmin.address]), false);
    });

    test('createToken reverts with the token\'s, the factory\'s and the registry\'s errors', async () => {
      const good = mintableConfig('GOOD', 100n);
      const cases: [TokenConfig, [string, bigint][], string, unknown[]][] = [
        [{ ...good, name: '' }, [], 'EmptyNameOrSymbol', []],
        [{ ...good, symbol: '' }, [], 'EmptyNameOrSymbol', []],
        [{ ...good, decimals: 19 }, [], 'BadDecimals', [19n]],
        [{ ...good, admin: ZERO_ADDRESS }, [], 'ZeroAddress', []],
        [{ ...fixedConfig('F', 'F', alice.address), cap: 10n }, [[alice.address, 1n]], 'CapWithoutMinting', []],
        [fixedConfig('F', 'F', alice.address), [], 'NoSupply', []],
        [fixedConfig('F', 'F', alice.address), [[alice.address, 0n]], 'NoSupply', []],
        [good, [[alice.address, 60n], [bob.address, 41n]], 'CapExceeded', [101n, 100n]],
        [good, [[ZERO_ADDRESS, 1n]], 'ERC20InvalidReceiver', [ZERO_ADDRESS]],
      ];
      for (const [cfg, allocations, error, args] of cases) {
        await expectRevert(factory, creator, 'createToken', [cfg, allocations, [], false], error, args);
      }
      const many = Array.from({ length: 33 }, (): [string, bigint] => [alice.address, 1n]);
      await expectRevert(factory, creator, 'createToken', [good, many, [], false], 'TooManyAllocations', [33n]);
      const grants = Array.from({ length: 30 }, () => ({ beneficiary: alice.address, start: 0n, cliffDuration: 0n, duration: 1n, amount: 1n, revoker: ZERO_ADDRESS }));
      await expectRevert(factory, creator, 'createToken', [{ ...good, cap: 0n }, many.slice(0, 3), grants, false], 'TooManyAllocations', [33n]);
      const { contract: bare } = await deploy('TokenFactory', admin, [ZERO_ADDRESS]);
      await expectRevert(bare, creator, 'createToken', [good, [], [], true], 'NoRegistry', []);
      // the factory registers as a registrar: reserved and taken symbols bubble up from the registry
      await send(registry, admin, 'setReserved', [good.symbol, true]);
      await expectRevert(factory, creator, 'createToken', [good, [], [], true], 'SymbolReserved', ['GOOD']);
      await expectRevert(factory, creator, 'createToken', [{ ...good, symbol: 'tooLongSymbol' }, [], [], true], 'BadSymbol', ['tooLongSymbol']);
      await createToken({ ...good, symbol: 'TAKEN' }, [], [], true);
      await expectRevert(factory, creator, 'createToken', [{ ...good, symbol: 'taken' }, [], [], true], 'SymbolTaken', ['TAKEN', await read(registry, 'lookup', ['TAKEN'])]);
    });

    test('createToken with vesting grants and symbol registration, all in one transaction', async () => {
      const now = await latestTimestamp(chain);
      const g1: Grant = { beneficiary: alice.address, start: now, cliffDuration: 0n, duration: 1000n, amount: 5000n, revoker: ZERO_ADDRESS };
      const g2: Grant = { beneficiary: bob.address, start: now + 50n, cliffDuration: 100n, duration: 2000n, amount: 7000n, revoker: tokenAdmin.address };
      const cfg = mintableConfig('team', 100_000n);
      const { token, schedules, receipt } = await createToken(cfg, [[tokenAdmin.address, 1000n]], [g1, g2], true);
      gas.record('createToken (mintable, 1 allocation, 2 vesting grants, symbol registered)', receipt);
      const tokenAddr = await token.getAddress();
      assert.equal(schedules.length, 2);
      const [s1, s2] = schedules as [Contract, Contract];
      for (const [s, g] of [[s1, g1], [s2, g2]] as const) {
        const sAddr = await s.getAddress();
        expectEvent(receipt, s, 'ScheduleInitialized', [tokenAddr, g.beneficiary, g.revoker, g.start, g.cliffDuration, g.duration, g.amount]);
        assert.equal(await read(factory, 'productOf', [sAddr]), Product.Vesting);
        assert.equal(await balance(token, sAddr), g.amount);
        assert.equal(await read(s, 'total'), g.amount);
        assert.equal(await read(s, 'token'), tokenAddr);
      }
      assert.deepEqual(eventsOf(receipt, factory, 'VestingCreated').map((e) => [...e.args]), [
        [await s1.getAddress(), tokenAddr, alice.address, 5000n, now, 0n, 1000n, ZERO_ADDRESS],
        [await s2.getAddress(), tokenAddr, bob.address, 7000n, now + 50n, 100n, 2000n, tokenAdmin.address],
      ]);
      assert.equal(await read(token, 'totalSupply'), 13_000n);
      expectEvent(receipt, registry, 'SymbolRegistered', ['TEAM', tokenAddr, tokenAdmin.address]);
      assert.equal(await read(registry, 'lookup', ['Team']), tokenAddr);
      assert.equal(await read(registry, 'verify', ['TEAM', tokenAddr]), true);
      assert.equal((await readStruct<{ owner: string }>(registry, 'entryOf', ['team'])).owner, tokenAdmin.address);
      // the vesting schedules' initialisers are spent too
      await expectRevert(s1, alice, 'initialize', [tokenAddr, alice.address, 0, 0, 1, 1, ZERO_ADDRESS], 'InvalidInitialization', []);
    });

    test('burn and burnFrom shrink the supply; burnFrom needs an allowance', async () => {
      const { token } = await createToken(fixedConfig('Burn', 'BRN', tokenAdmin.address), [[alice.address, 1000n]]);
      const r = await send(token, alice, 'burn', [100n]);
      gas.record('IssuedToken burn', r);
      expectEvent(r, token, 'Transfer', [alice.address, ZERO_ADDRESS, 100n]);
      assert.equal(await read(token, 'totalSupply'), 900n);
      await expectRevert(token, bob, 'burnFrom', [alice.address, 10n], 'ERC20InsufficientAllowance', [bob.address, 0n, 10n]);
      await send(token, alice, 'approve', [bob.address, 10n]);
      await send(token, bob, 'burnFrom', [alice.address, 10n]);
      assert.equal(await balance(token, alice.address), 890n);
      await expectRevert(token, alice, 'burn', [891n], 'ERC20InsufficientBalance', [alice.address, 890n, 891n]);
      const t = await send(token, alice, 'transfer', [bob.address, 90n]);
      gas.record('IssuedToken transfer (to a new holder)', t);
    });

    test('pause is bounded in time: transfers, mints and burns stop until unpaused or until the pause lapses', async () => {
      const { token } = await createToken(mintableConfig('PAU'), [[alice.address, 1000n]]);
      const pauser = await role(token, 'PAUSER_ROLE');
      const max = await read<bigint>(token, 'MAX_PAUSE_DURATION');
      assert.equal(max, BigInt(30 * DAY));
      await expectRevert(token, stranger, 'pause', [100n], 'AccessControlUnauthorizedAccount', [stranger.address, pauser]);
      await expectRevert(token, tokenAdmin, 'pause', [0n], 'BadPauseDuration', [0n]);
      await expectRevert(token, tokenAdmin, 'pause', [max + 1n], 'BadPauseDuration', [max + 1n]);
      await expectRevert(token, tokenAdmin, 'unpause', [], 'ExpectedPause', []);
      const r = await send(token, tokenAdmin, 'pause', [1000n]);
      gas.record('IssuedToken pause', r);
      const until = (await blockTime(chain, r)) + 1000n;
      expectEvent(r, token, 'Paused', [tokenAdmin.address, until]);
      assert.equal(await read(token, 'paused'), true);
      assert.equal(await read(token, 'pausedUntil'), until);
      await expectRevert(token, alice, 'transfer', [bob.address, 1n], 'EnforcedPause', []);
      await expectRevert(token, alice, 'burn', [1n], 'EnforcedPause', []);
      await expectRevert(token, tokenAdmin, 'mint', [bob.address, 1n], 'EnforcedPause', []);
      await expectRevert(token, tokenAdmin, 'pause', [10n], 'EnforcedPause', []);
      await expectRevert(token, stranger, 'unpause', [], 'AccessControlUnauthorizedAccount', [stranger.address, pauser]);
      const u = await send(token, tokenAdmin, 'unpause');
      expectEvent(u, token, 'Unpaused', [tokenAdmin.address]);
      assert.equal(await read(token, 'paused'), false);
      await send(token, alice, 'transfer', [bob.address, 1n]);
      // a pause that nobody lifts lapses at `until` exactly
      const r2 = await send(token, tokenAdmin, 'pause', [500n]);
      const until2 = (await blockTime(chain, r2)) + 500n;
      await mineAt(chain, until2 - 1n);
      await expectRevert(token, alice, 'transfer', [bob.address, 1n], 'EnforcedPause', []);
      await setNextTimestamp(chain, until2);
      await send(token, alice, 'transfer', [bob.address, 1n]);
      assert.equal(await read(token, 'paused'), false);
      await expectRevert(token, tokenAdmin, 'unpause', [], 'ExpectedPause', []);
      await send(token, tokenAdmin, 'pause', [max]);
    });

    test('the token admin changes hands in two steps; roles follow the new admin', async () => {
      const { token } = await createToken(mintableConfig('ADM'), [[alice.address, 1n]]);
      const minter = await role(token, 'MINTER_ROLE');
      await expectRevert(token, stranger, 'beginDefaultAdminTransfer', [stranger.address], 'AccessControlUnauthorizedAccount', [stranger.address, ZERO_HASH]);
      await send(token, tokenAdmin, 'beginDefaultAdminTransfer', [spare.address]);
      await expectRevert(token, stranger, 'acceptDefaultAdminTransfer', [], 'AccessControlInvalidDefaultAdmin', [stranger.address]);
      await send(token, spare, 'acceptDefaultAdminTransfer');
      assert.equal(await read(token, 'owner'), spare.address);
      await send(token, spare, 'revokeRole', [minter, tokenAdmin.address]);
      await expectRevert(token, tokenAdmin, 'mint', [alice.address, 1n], 'AccessControlUnauthorizedAccount', [tokenAdmin.address, minter]);
      await send(token, spare, 'grantRole', [minter, bob.address]);
      await send(token, bob, 'mint', [bob.address, 5n]);
      assert.equal(await balance(token, bob.address), 5n);
    });
  });

  // ------------------------------------------------------------ vesting

  describe('vesting schedules', () => {
    test('createVesting pulls exactly the grant from the caller into a new schedule', async () => {
      const g = await grantOf();
      const before = await balance(base, creator.address);
      const { schedule, receipt } = await createVesting(g);
      gas.record('createVesting (existing token, pulled from the caller)', receipt);
      const sAddr = await schedule.getAddress();
      expectEvent(receipt, factory, 'VestingCreated', [sAddr, baseAddr, g.beneficiary, g.amount, g.start, g.cliffDuration, g.duration, g.revoker]);
      expectEvent(receipt, schedule, 'ScheduleInitialized', [baseAddr, g.beneficiary, g.revoker, g.start, g.cliffDuration, g.duration, g.amount]);
      assert.equal(await balance(base, sAddr), g.amount);
      assert.equal(await balance(base, creator.address), before - g.amount);
      assert.equal(await read(factory, 'productOf', [sAddr]), Product.Vesting);
      assert.equal(await read(schedule, 'beneficiary'), beneficiary.address);
      assert.equal(await read(schedule, 'revoker'), revoker.address);
      assert.equal(await read(schedule, 'start'), g.start);
      assert.equal(await read(schedule, 'cliffDuration'), g.cliffDuration);
      assert.equal(await read(schedule, 'duration'), g.duration);
      assert.equal(await read(schedule, 'released'), 0n);
      assert.equal(await read(schedule, 'revokedAt'), 0n);
      assert.equal(await read(schedule, 'owed'), g.amount);
    });

    test('createVesting reverts for bad grants, code-less and fee-on-transfer tokens, and missing allowance', async () => {
      const g = await grantOf();
      await send(base, creator, 'approve', [factoryAddr, MAX_UINT256]);
      await expectRevert(factory, creator, 'createVesting', [baseAddr, { ...g, beneficiary: ZERO_ADDRESS }], 'ZeroAddress', []);
      await expectRevert(factory, creator, 'createVesting', [baseAddr, { ...g, duration: 0n, cliffDuration: 0n }], 'BadSchedule', [0n, 0n]);
      await expectRevert(factory, creator, 'createVesting', [baseAddr, { ...g, cliffDuration: g.duration + 1n }], 'BadSchedule', [g.duration + 1n, g.duration]);
      await expectRevert(factory, creator, 'createVesting', [baseAddr, { ...g, amount: 0n }], 'ZeroAmount', []);
      await expectRevert(factory, creator, 'createVesting', [stranger.address, g], 'NotAToken', [stranger.address]);
      await expectRevert(factory, stranger, 'createVesting', [baseAddr, g], 'ERC20InsufficientAllowance', [factoryAddr, 0n, g.amount]);
      const { contract: fee } = await deploy('TrickyToken', creator, ['FEE', SUPPLY]);
      await send(fee, creator, 'setFee', [100n]);
      await send(fee, creator, 'approve', [factoryAddr, MAX_UINT256]);
      await expectRevert(factory, creator, 'createVesting', [await fee.getAddress(), g], 'UnsupportedToken', [await fee.getAddress(), g.amount, g.amount - g.amount / 100n]);
    });

    test('an uninitialised clone made by someone else cannot be set up without the tokens (Unfunded)', async () => {
      const clone = at('VestingSchedule', await rawClone(await read<string>(factory, 'vestingImplementation')), spare);
      await expectRevert(clone, spare, 'initialize', [baseAddr, alice.address, 0, 0, 10, 100, ZERO_ADDRESS], 'Unfunded', [0n, 100n]);
      await expectRevert(clone, spare, 'initialize', [stranger.address, alice.address, 0, 0, 10, 100, ZERO_ADDRESS], 'NotAToken', [stranger.address]);
      await send(base, creator, 'transfer', [await clone.getAddress(), 100n]);
      await send(clone, spare, 'initialize', [baseAddr, alice.address, 0, 0, 10, 100, ZERO_ADDRESS]);
      await expectRevert(clone, spare, 'initialize', [baseAddr, alice.address, 0, 0, 10, 100, ZERO_ADDRESS], 'InvalidInitialization', []);
    });

    test('the vesting curve: nothing before the cliff, the linear amount from the cliff on, everything at the end', async () => {
      const g = await grantOf({ amount: 1_000_003n });
      const { schedule } = await createVesting(g);
      const cliffAt = g.start + g.cliffDuration;
      const end = g.start + g.duration;
      for (const t of [0n, g.start - 1n, g.start, cliffAt - 1n, cliffAt, cliffAt + 1n, g.start + 3333n, end - 1n, end, end + 10n ** 9n]) {
        assert.equal(await read(schedule, 'vestedAmount', [t]), vestedRef(g.amount, g.start, g.cliffDuration, g.duration, t), `t = ${t}`);
      }
      assert.equal(await read(schedule, 'vestedAmount', [cliffAt - 1n]), 0n);
      assert.equal(await read(schedule, 'vestedAmount', [cliffAt]), (g.amount * g.cliffDuration) / g.duration);
      assert.equal(await read(schedule, 'releasable'), 0n);
    });

    test('release by anyone pays the beneficiary what has vested; nothing before the cliff; everything at the end', async () => {
      const g = await grantOf();
      const { schedule } = await createVesting(g);
      const sAddr = await schedule.getAddress();
      await expectRevert(schedule, stranger, 'release', [], 'NothingToRelease', []);
      await mineAt(chain, g.start + g.cliffDuration - 1n);
      await expectRevert(schedule, stranger, 'release', [], 'NothingToRelease', []);
      const t1 = g.start + 2500n;
      await setNextTimestamp(chain, t1);
      const r = await send(schedule, stranger, 'release');
      gas.record('VestingSchedule release', r);
      const first = vestedRef(g.amount, g.start, g.cliffDuration, g.duration, t1);
      expectEvent(r, schedule, 'Released', [beneficiary.address, first]);
      assert.equal(await balance(base, beneficiary.address), first);
      assert.equal(await read(schedule, 'released'), first);
      await expectRevert(schedule, beneficiary, 'release', [], 'NothingToRelease', []);
      await setNextTimestamp(chain, g.start + g.duration + 5n);
      const r2 = await send(schedule, beneficiary, 'release');
      expectEvent(r2, schedule, 'Released', [beneficiary.address, g.amount - first]);
      assert.equal(await balance(base, beneficiary.address), g.amount);
      assert.equal(await balance(base, sAddr), 0n);
      assert.equal(await read(schedule, 'owed'), 0n);
      await expectRevert(schedule, beneficiary, 'release', [], 'NothingToRelease', []);
    });

    test('revoke: only the revoker, once, before the end; unvested back, vested stays releasable, nothing more vests', async () => {
      const g = await grantOf();
      const { schedule } = await createVesting(g);
      const sAddr = await schedule.getAddress();
      await expectRevert(schedule, stranger, 'revoke', [], 'NotRevoker', [stranger.address]);
      await expectRevert(schedule, beneficiary, 'revoke', [], 'NotRevoker', [beneficiary.address]);
      await setNextTimestamp(chain, g.start + 3000n);
      await send(schedule, stranger, 'release');
      const tr = g.start + 4000n;
      await setNextTimestamp(chain, tr);
      const r = await send(schedule, revoker, 'revoke');
      gas.record('VestingSchedule revoke', r);
      const vested = vestedRef(g.amount, g.start, g.cliffDuration, g.duration, tr);
      const unvested = g.amount - vested;
      expectEvent(r, schedule, 'ScheduleRevoked', [revoker.address, vested, unvested]);
      assert.equal(await read(schedule, 'revokedAt'), tr);
      assert.equal(await balance(base, revoker.address), unvested);
      assert.equal(await read(schedule, 'vestedAmount', [tr + 5000n]), vested, 'frozen at the revocation');
      assert.equal(await read(schedule, 'vestedAmount', [tr - 1000n]), vestedRef(g.amount, g.start, g.cliffDuration, g.duration, tr - 1000n));
      await expectRevert(schedule, revoker, 'revoke', [], 'AlreadyRevoked', []);
      await setNextTimestamp(chain, g.start + g.duration * 2n);
      await send(schedule, stranger, 'release');
      assert.equal(await balance(base, beneficiary.address), vested);
      assert.equal(await balance(base, sAddr), 0n);
      await expectRevert(schedule, stranger, 'release', [], 'NothingToRelease', []);
    });

    test('revoke before the cliff returns everything; after the end there is nothing to take back; no revoker, no revoke', async () => {
      const g = await grantOf();
      const { schedule } = await createVesting(g);
      await send(schedule, revoker, 'revoke');
      assert.equal(await balance(base, revoker.address), g.amount);
      await mineAt(chain, g.start + g.duration);
      await expectRevert(schedule, stranger, 'release', [], 'NothingToRelease', []);
      const { schedule: s2 } = await createVesting(await grantOf({ start: 1n, duration: 10n, cliffDuration: 0n }));
      await expectRevert(s2, revoker, 'revoke', [], 'FullyVested', []);
      const { schedule: s3 } = await createVesting(await grantOf({ revoker: ZERO_ADDRESS }));
      await expectRevert(s3, revoker, 'revoke', [], 'NotRevocable', []);
    });

    test('a token re-entering release from inside its transfer is stopped by the guard; the beneficiary is paid once', async () => {
      const { contract: tricky } = await deploy('TrickyToken', creator, ['TRK', SUPPLY]);
      const g = await grantOf({ start: 1n, cliffDuration: 0n, duration: 10n });
      const { schedule } = await createVesting(g, tricky);
      const sAddr = await schedule.getAddress();
      const releaseData = schedule.interface.encodeFunctionData('release');
      await send(tricky, creator, 'arm', [sAddr, releaseData, true]);
      await expectRevert(schedule, stranger, 'release', [], 'ReentrancyGuardReentrantCall', []);
      await send(tricky, creator, 'arm', [sAddr, releaseData, false]);
      await send(schedule, stranger, 'release');
      assert.equal(await read(tricky, 'lastHookSucceeded'), false);
      assert.equal(await read(tricky, 'lastHookData'), errorData('ReentrancyGuardReentrantCall'));
      assert.equal(await balance(tricky, beneficiary.address), g.amount);
      assert.equal(await balance(tricky, sAddr), 0n);
      // and from inside revoke
      const g2 = await grantOf({ amount: 1000n });
      const { schedule: s2 } = await createVesting(g2, tricky);
      await send(tricky, creator, 'arm', [await s2.getAddress(), releaseData, true]);
      await expectRevert(s2, revoker, 'revoke', [], 'ReentrancyGuardReentrantCall', []);
    });

    test('a token that loses balance makes release and revoke refuse (Insolvent) until it is whole again', async () => {
      const { contract: tricky } = await deploy('TrickyToken', creator, ['LOSS', SUPPLY]);
      const g = await grantOf({ amount: 1000n });
      const { schedule } = await createVesting(g, tricky);
      const sAddr = await schedule.getAddress();
      await send(tricky, creator, 'seize', [sAddr, 1n]);
      await mineAt(chain, g.start + g.cliffDuration + 1n);
      const releasable = await read<bigint>(schedule, 'releasable');
      await expectRevert(schedule, stranger, 'release', [], 'Insolvent', [999n - releasable, 1000n - releasable]);
      await expectRevert(schedule, revoker, 'revoke', [], 'Insolvent');
      await send(tricky, creator, 'transfer', [sAddr, 1n]);
      await send(schedule, stranger, 'release');
    });
  });

  // ------------------------------------------------------------ symbol registry

  describe('symbol registry', () => {
    async function tricky(symbol: string, owner = alice.address, roleAdmin = ZERO_ADDRESS): Promise<Contract> {
      const { contract } = await deploy('TrickyToken', spare, [symbol, 1n]);
      await send(contract, spare, 'setControllers', [owner, roleAdmin]);
      return contract;
    }

    test('the token\'s controller registers its symbol (normalised); lookup, verify, entryOf, symbolOf agree', async () => {
      const t = await tricky('usDt');
      const tAddr = await t.getAddress();
      await expectRevert(registry, bob, 'register', [tAddr], 'NotTokenController', [tAddr, bob.address]);
      const r = await send(registry, alice, 'register', [tAddr]);
      gas.record('SymbolRegistry register', r);
      expectEvent(r, registry, 'SymbolRegistered', ['USDT', tAddr, alice.address]);
      assert.equal(await read(registry, 'lookup', ['USDT']), tAddr);
      assert.equal(await read(registry, 'lookup', ['usdt']), tAddr);
      assert.equal(await read(registry, 'isRegistered', ['Usdt']), true);
      assert.equal(await read(registry, 'verify', ['usdT', tAddr]), true);
      assert.equal(await read(registry, 'verify', ['USDT', baseAddr]), false);
      assert.equal(await read(registry, 'symbolOf', [tAddr]), 'USDT');
      const e = await readStruct<{ token: string; owner: string; pendingOwner: string; registeredAt: bigint }>(registry, 'entryOf', ['USDT']);
      assert.deepEqual(e, { token: tAddr, owner: alice.address, pendingOwner: ZERO_ADDRESS, registeredAt: await blockTime(chain, r) });
      // an IssuedToken's controller is its default admin (via owner())
      const { token } = await createToken(mintableConfig('ISS'));
      await expectRevert(registry, creator, 'register', [await token.getAddress()], 'NotTokenController', [await token.getAddress(), creator.address]);
      await send(registry, tokenAdmin, 'register', [await token.getAddress()]);
      assert.equal(await read(registry, 'lookup', ['iss']), await token.getAddress());
    });

    test('control is recognised through hasRole(0x00, caller) too, and never through a contract without either', async () => {
      const t = await tricky('ROLE', ZERO_ADDRESS, bob.address);
      await expectRevert(registry, alice, 'register', [await t.getAddress()], 'NotTokenController', [await t.getAddress(), alice.address]);
      await send(registry, bob, 'register', [await t.getAddress()]);
      // the vesting implementation answers neither owner() nor hasRole()
      const impl = await read<string>(factory, 'vestingImplementation');
      await expectRevert(registry, spare, 'register', [impl], 'NotTokenController', [impl, spare.address]);
      await expectRevert(registry, spare, 'register', [stranger.address], 'NotAToken', [stranger.address]);
    });

    test('malformed symbols are refused; case variants collide; a token is registered once', async () => {
      for (const bad of ['', 'TWELVECHARSX', 'US-D', 'USD ', 'ÜSD', 'U$D']) {
        const t = await tricky(bad);
        await expectRevert(registry, alice, 'register', [await t.getAddress()], 'BadSymbol', [bad]);
        if (bad !== '') assert.equal(await read(registry, 'verify', [bad, await t.getAddress()]), false);
      }
      assert.deepEqual([...await read<[boolean, string]>(registry, 'normalize', ['aZ09'])], [true, 'AZ09']);
      assert.deepEqual([...await read<[boolean, string]>(registry, 'normalize', ['ELEVENCHARS'])], [true, 'ELEVENCHARS']);
      assert.deepEqual([...await read<[boolean, string]>(registry, 'normalize', ['a b'])], [false, '']);
      await expectRevert(registry, alice, 'lookup', ['a-b'], 'BadSymbol', ['a-b']);
      const t1 = await tricky('Coin');
      const t2 = await tricky('COIN');
      await send(registry, alice, 'register', [await t1.getAddress()]);
      await expectRevert(registry, alice, 'register', [await t2.getAddress()], 'SymbolTaken', ['COIN', await t1.getAddress()]);
      await send(t1, spare, 'setSymbol', ['OTHER']);
      await expectRevert(registry, alice, 'register', [await t1.getAddress()], 'TokenAlreadyRegistered', [await t1.getAddress(), 'COIN']);
      assert.equal(await read(registry, 'verify', ['COIN', ZERO_ADDRESS]), false);
      assert.equal(await read(registry, 'lookup', ['NONE']), ZERO_ADDRESS);
    });

    test('reserved symbols: only admins reserve, only admins register them; registrars need the role', async () => {
      const registrar = await role(registry, 'REGISTRAR_ROLE');
      await expectRevert(registry, alice, 'setReserved', ['CMT', true], 'AccessControlUnauthorizedAccount', [alice.address, ZERO_HASH]);
      await expectRevert(registry, admin, 'setReserved', ['C M T', true], 'BadSymbol', ['C M T']);
      const r = await send(registry, admin, 'setReserved', ['cmt', true]);
      expectEvent(r, registry, 'SymbolReservedSet', ['CMT', true]);
      assert.equal(await read(registry, 'isReserved', ['Cmt']), true);
      const t = await tricky('CMT');
      await expectRevert(registry, alice, 'register', [await t.getAddress()], 'SymbolReserved', ['CMT']);
      await expectRevert(registry, alice, 'registerFor', [await t.getAddress(), alice.address], 'AccessControlUnauthorizedAccount', [alice.address, registrar]);
      await expectRevert(registry, admin, 'registerFor', [await t.getAddress(), ZERO_ADDRESS], 'ZeroAddress', []);
      await expectRevert(registry, admin, 'registerFor', [stranger.address, alice.address], 'NotAToken', [stranger.address]);
      const r2 = await send(registry, admin, 'registerFor', [await t.getAddress(), alice.address]);
      gas.record('SymbolRegistry registerFor', r2);
      expectEvent(r2, registry, 'SymbolRegistered', ['CMT', await t.getAddress(), alice.address]);
      await send(registry, admin, 'setReserved', ['CMT', false]);
      assert.equal(await read(registry, 'isReserved', ['CMT']), false);
    });

    test('symbols change owner in two steps; the offer can be withdrawn', async () => {
      const t = await tricky('MOVE');
      const tAddr = await t.getAddress();
      await send(registry, alice, 'register', [tAddr]);
      await expectRevert(registry, bob, 'transferSymbol', ['MOVE', bob.address], 'NotSymbolOwner', ['MOVE']);
      await expectRevert(registry, alice, 'transferSymbol', ['NOPE', bob.address], 'SymbolNotRegistered', ['NOPE']);
      const r = await send(registry, alice, 'transferSymbol', ['move', bob.address]);
      gas.record('SymbolRegistry transferSymbol', r);
      expectEvent(r, registry, 'SymbolTransferStarted', ['MOVE', alice.address, bob.address]);
      await expectRevert(registry, stranger, 'acceptSymbol', ['MOVE'], 'NotPendingSymbolOwner', ['MOVE']);
      await expectRevert(registry, bob, 'acceptSymbol', ['NOPE'], 'SymbolNotRegistered', ['NOPE']);
      const r2 = await send(registry, bob, 'acceptSymbol', ['Move']);
      gas.record('SymbolRegistry acceptSymbol', r2);
      expectEvent(r2, registry, 'SymbolTransferred', ['MOVE', alice.address, bob.address]);
      const e = await readStruct<{ owner: string; pendingOwner: string }>(registry, 'entryOf', ['MOVE']);
      assert.equal(e.owner, bob.address);
      assert.equal(e.pendingOwner, ZERO_ADDRESS);
      await expectRevert(registry, alice, 'transferSymbol', ['MOVE', alice.address], 'NotSymbolOwner', ['MOVE']);
      await send(registry, bob, 'transferSymbol', ['MOVE', stranger.address]);
      await send(registry, bob, 'transferSymbol', ['MOVE', ZERO_ADDRESS]);
      await expectRevert(registry, stranger, 'acceptSymbol', ['MOVE'], 'NotPendingSymbolOwner', ['MOVE']);
    });

    test('updateToken points a symbol at a successor with the same symbol; the old contract is no longer official', async () => {
      const old = await tricky('MIG');
      const next = await tricky('mig');
      const wrong = await tricky('OTHER');
      const oldAddr = await old.getAddress();
      const nextAddr = await next.getAddress();
      await send(registry, alice, 'register', [oldAddr]);
      await expectRevert(registry, bob, 'updateToken', ['MIG', nextAddr], 'NotSymbolOwner', ['MIG']);
      await expectRevert(registry, alice, 'updateToken', ['MIG', stranger.address], 'NotAToken', [stranger.address]);
      await expectRevert(registry, alice, 'updateToken', ['MIG', await wrong.getAddress()], 'SymbolMismatch', ['MIG', 'OTHER']);
      await expectRevert(registry, alice, 'updateToken', ['MIG', oldAddr], 'TokenAlreadyRegistered', [oldAddr, 'MIG']);
      const r = await send(registry, alice, 'updateToken', ['MIG', nextAddr]);
      gas.record('SymbolRegistry updateToken', r);
      expectEvent(r, registry, 'TokenUpdated', ['MIG', oldAddr, nextAddr]);
      assert.equal(await read(registry, 'lookup', ['MIG']), nextAddr);
      assert.equal(await read(registry, 'verify', ['MIG', oldAddr]), false);
      assert.equal(await read(registry, 'verify', ['MIG', nextAddr]), true);
      assert.equal(await read(registry, 'symbolOf', [oldAddr]), '');
      assert.equal(await read(registry, 'symbolOf', [nextAddr]), 'MIG');
    });

    test('remove: the owner releases, an admin removes; anyone else is refused; the symbol is free again', async () => {
      const t = await tricky('FREE');
      const tAddr = await t.getAddress();
      await send(registry, alice, 'register', [tAddr]);
      await expectRevert(registry, bob, 'remove', ['FREE'], 'NotSymbolOwner', ['FREE']);
      await expectRevert(registry, alice, 'remove', ['GONE'], 'SymbolNotRegistered', ['GONE']);
      const r = await send(registry, alice, 'remove', ['free']);
      gas.record('SymbolRegistry remove', r);
      expectEvent(r, registry, 'SymbolRemoved', ['FREE', tAddr, alice.address]);
      assert.equal(await read(registry, 'lookup', ['FREE']), ZERO_ADDRESS);
      assert.equal(await read(registry, 'symbolOf', [tAddr]), '');
      const squatter = await tricky('FREE', bob.address);
      await send(registry, bob, 'register', [await squatter.getAddress()]);
      const r2 = await send(registry, admin, 'remove', ['FREE']);
      expectEvent(r2, registry, 'SymbolRemoved', ['FREE', await squatter.getAddress(), admin.address]);
      expectNoEvent(r2, registry, 'SymbolRegistered');
      await send(registry, alice, 'register', [tAddr]);
      assert.equal(await read(registry, 'lookup', ['FREE']), tAddr);
    });
  });

  // ------------------------------------------------------------ properties

  describe('vesting invariants (fast-check)', () => {
    test('never releases more than the grant, vestedAmount is monotonic in time and equals the reference', { timeout: 60_000 }, async () => {
      const seed = Number(process.env['FC_SEED'] ?? 20240608);
      await send(base, creator, 'approve', [factoryAddr, MAX_UINT256]);
      const arb = fc.record({
        amount: fc.bigInt({ min: 1n, max: 10n ** 30n }),
        startOffset: fc.integer({ min: -5000, max: 5000 }),
        duration: fc.integer({ min: 1, max: 100_000 }),
        cliffFraction: fc.double({ min: 0, max: 1, noNaN: true }),
        steps: fc.array(fc.record({ wait: fc.integer({ min: 1, max: 40_000 }), revoke: fc.boolean() }), { minLength: 1, maxLength: 5 }),
        probes: fc.array(fc.bigInt({ min: 0n, max: 2n ** 40n }), { minLength: 2, maxLength: 12 }),
      });
      await fc.assert(
        fc.asyncProperty(arb, async (p) => {
          const base0 = await snapshot(chain);
          try {
            const now = await latestTimestamp(chain);
            const duration = BigInt(p.duration);
            const cliff = BigInt(Math.floor(p.cliffFraction * p.duration));
            const start = now + BigInt(p.startOffset) > 0n ? now + BigInt(p.startOffset) : 1n;
            const grant: Grant = { beneficiary: beneficiary.address, start, cliffDuration: cliff, duration, amount: p.amount % (SUPPLY / 2n) + 1n, revoker: revoker.address };
            const receipt = await send(factory, creator, 'createVesting', [baseAddr, grant]);
            const schedule = at('VestingSchedule', eventsOf(receipt, factory, 'VestingCreated')[0]!.args[0] as string, creator);
            const sAddr = await schedule.getAddress();
            const benBefore = await balance(base, beneficiary.address);
            const revBefore = await balance(base, revoker.address);
            let revokedAt = 0n;
            let released = 0n;
            let t = now;
            for (const step of p.steps) {
              t += BigInt(step.wait);
              await setNextTimestamp(chain, t);
              if (step.revoke && revokedAt === 0n && vestedRef(grant.amount, start, cliff, duration, t) < grant.amount) {
                await send(schedule, revoker, 'revoke');
                revokedAt = t;
              } else {
                const due = vestedRef(grant.amount, start, cliff, duration, t, revokedAt) - released;
                if (due === 0n) {
                  await mineAt(chain, t);
                  await expectRevert(schedule, stranger, 'release', [], 'NothingToRelease', []);
                } else {
                  const r = await send(schedule, stranger, 'release');
                  expectEvent(r, schedule, 'Released', [beneficiary.address, due]);
                  released += due;
                }
              }
              const got = await read<bigint>(schedule, 'released');
              assert.equal(got, released);
              assert.ok(got <= grant.amount, 'released <= grant');
              assert.ok(got <= await read<bigint>(schedule, 'vestedAmount', [t]), 'released <= vested now');
              const toBen = (await balance(base, beneficiary.address)) - benBefore;
              const toRev = (await balance(base, revoker.address)) - revBefore;
              assert.equal(toBen, released);
              // conservation: what left + what is held == the grant; nothing is ever created
              assert.equal(toBen + toRev + (await balance(base, sAddr)), grant.amount);
              assert.equal(await balance(base, sAddr), await read<bigint>(schedule, 'owed'));
            }
            const probes = [...p.probes].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
            let previous = -1n;
            for (const probe of probes) {
              const v = await read<bigint>(schedule, 'vestedAmount', [probe]);
              assert.equal(v, vestedRef(grant.amount, start, cliff, duration, probe, revokedAt));
              assert.ok(v >= previous, 'monotonic');
              assert.ok(v <= grant.amount, 'never above the grant');
              previous = v;
            }
          } finally {
            await revertTo(chain, base0);
          }
        }),
        { numRuns: Number(process.env['FC_RUNS'] ?? 10), seed, endOnFailure: true },
      );
    });
  });

  test('helper sanity: the fee-on-transfer token loses exactly its fee', async () => {
    const { contract: fee } = await deploy('TrickyToken', creator, ['FEE', 10_000n]);
    await send(fee, creator, 'setFee', [250n]);
    await send(fee, creator, 'transfer', [alice.address, 1000n]);
    assert.equal(await balance(fee, alice.address), 975n);
    assert.equal(await read(fee, 'totalSupply'), 10_000n - 25n);
  });
});
