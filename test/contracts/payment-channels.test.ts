/**
 * PaymentChannels on our own node: XRPL-style unidirectional channels with EIP-712 signed cumulative claims.
 * Opening, top-ups, claims, recipient close, payer close request with the settle delay, expiry and settlement by
 * anyone, the exact custom error of every refusal, replay of a claim on another channel / contract / chain,
 * an ERC-1271 signer, a close race inside one block, reentrancy, and a property test that claims never exceed
 * the deposit.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { TypedDataEncoder, Wallet } from 'ethers';
import type { BaseWallet, Contract, ContractTransactionResponse, TypedDataDomain } from 'ethers';
import {
  GasRecorder, fcRuns, NATIVE, ONE, as, balanceOf, call, deploy, expectEvent, expectFullyBacked, expectRevert, feeOf, now,
  revertTo, send, setNextTimestamp, snapshot, startSettlementNode,
} from './settlementFixtures.ts';
import type { SettlementEnv } from './settlementFixtures.ts';

const CLAIM_TYPES = { Claim: [{ name: 'channelId', type: 'uint256' }, { name: 'amount', type: 'uint256' }] };
const DELAY = 100n;
const LIFE = 100_000n; // default expiration: this far ahead

describe('PaymentChannels', () => {
  let env: SettlementEnv;
  let payer: Wallet;
  let recipient: Wallet;
  let stranger: Wallet;
  let channels: Contract;
  let addr: string;
  let token: Contract;
  let tokenAddr: string;
  let chainId: bigint;
  const gas = new GasRecorder('PaymentChannels');

  before(async () => {
    env = await startSettlementNode();
    [payer, recipient, stranger] = env.wallets as [Wallet, Wallet, Wallet];
    chainId = (await env.provider.getNetwork()).chainId;
    channels = await deploy('PaymentChannels', payer);
    addr = await channels.getAddress();
    token = await deploy('MintableTestToken', payer, 'Stable', 'USD', 6);
    tokenAddr = await token.getAddress();
    await send(token, 'mint', payer.address, 10n ** 30n);
    await send(token, 'approve', addr, 2n ** 255n);
  });

  after(async () => {
    gas.report();
    await env?.close();
  });

  function domain(verifyingContract = addr, chain = chainId): TypedDataDomain {
    return { name: 'CMT PaymentChannels', version: '1', chainId: chain, verifyingContract };
  }

  async function sign(signer: BaseWallet, id: bigint, amount: bigint, dom = domain()): Promise<string> {
    return signer.signTypedData(dom, CLAIM_TYPES, { channelId: id, amount });
  }

  async function open(opts: { amount?: bigint; asset?: string; expiration?: bigint; cancelAfter?: bigint; signer?: string; on?: Contract } = {}): Promise<bigint> {
    const asset = opts.asset ?? NATIVE;
    const amount = opts.amount ?? 10n * ONE;
    const c = opts.on ?? channels;
    const expiration = opts.expiration ?? (await now(env.provider)) + LIFE;
    const r = await send(c, 'open', recipient.address, opts.signer ?? NATIVE, asset, amount, DELAY, expiration, opts.cancelAfter ?? 0n,
      { value: asset === NATIVE ? amount : 0n });
    gas.record(asset === NATIVE ? 'open (CMT)' : 'open (ERC-20)', r);
    return call<bigint>(c, 'channelCount');
  }

  async function field(id: bigint, name: 'deposit' | 'paid' | 'expiration' | 'open'): Promise<unknown> {
    const c = (await call<{ toObject(): Record<string, unknown> }>(channels, 'getChannel', id)).toObject();
    return c[name];
  }

  test('open: a CMT channel holds the deposit, defaults the signer to the payer and emits ChannelOpened', async () => {
    const exp = (await now(env.provider)) + LIFE;
    const r = await send(channels, 'open', recipient.address, NATIVE, NATIVE, 5n * ONE, DELAY, exp, 0n, { value: 5n * ONE });
    const id = await call<bigint>(channels, 'channelCount');
    expectEvent(r, channels, 'ChannelOpened', [id, payer.address, recipient.address, payer.address, NATIVE, 5n * ONE, DELAY, exp, 0n]);
    const c = (await call<{ toObject(): Record<string, unknown> }>(channels, 'getChannel', id)).toObject();
    assert.deepEqual(c, {
      payer: payer.address, settleDelay: DELAY, open: true, recipient: recipient.address, expiration: exp, signer: payer.address,
      cancelAfter: 0n, asset: NATIVE, deposit: 5n * ONE, paid: 0n,
    });
    assert.equal(await call(channels, 'closesAt', id), exp);
    await expectFullyBacked(env.provider, channels, [NATIVE]);
  });

  test('open: every invalid input reverts with its own error', async () => {
    const t = (await now(env.provider)) + 5n;
    await setNextTimestamp(env.provider, t);
    const o = (to: string, asset: string, amount: bigint, delay: bigint, cancelAfter: bigint, value: bigint, expiration = t + LIFE) =>
      channels.getFunction('open')(to, NATIVE, asset, amount, delay, expiration, cancelAfter, { value });
    await expectRevert(o(NATIVE, NATIVE, 1n, DELAY, 0n, 1n), channels, 'ZeroAddress');
    await expectRevert(o(payer.address, NATIVE, 1n, DELAY, 0n, 1n), channels, 'SelfChannel');
    await expectRevert(o(recipient.address, NATIVE, 0n, DELAY, 0n, 0n), channels, 'ZeroAmount');
    await expectRevert(o(recipient.address, stranger.address, 1n, DELAY, 0n, 0n), channels, 'NotAToken', [stranger.address]);
    await expectRevert(o(recipient.address, NATIVE, 1n, 0n, 0n, 1n), channels, 'InvalidSettleDelay', [0n]);
    const max = await call<bigint>(channels, 'MAX_SETTLE_DELAY');
    await expectRevert(o(recipient.address, NATIVE, 1n, max + 1n, 0n, 1n), channels, 'InvalidSettleDelay', [max + 1n]);
    await expectRevert(o(recipient.address, NATIVE, 1n, DELAY, 0n, 1n, t + DELAY - 1n), channels, 'ExpirationTooSoon', [t + DELAY - 1n, t + DELAY]);
    await expectRevert(o(recipient.address, NATIVE, 1n, DELAY, t, 1n), channels, 'InvalidCancelAfter', [t]);
    await expectRevert(o(recipient.address, NATIVE, 2n, DELAY, 0n, 1n), channels, 'ValueMismatch', [2n, 1n]);
    await expectRevert(o(recipient.address, tokenAddr, 2n, DELAY, 0n, 1n), channels, 'UnexpectedValue', [1n]);
    const fee = await deploy('FeeOnTransferToken', payer);
    await send(fee, 'mint', payer.address, 1000n);
    await send(fee, 'approve', addr, 1000n);
    await expectRevert(o(recipient.address, await fee.getAddress(), 1000n, DELAY, 0n, 0n), channels, 'FeeOnTransferToken',
      [await fee.getAddress(), 1000n, 990n]);
  });

  test('claim: the EIP-712 digest matches ethers, and cumulative claims pay only the difference', async () => {
    const id = await open();
    assert.equal(await call(channels, 'claimDigest', id, 3n * ONE),
      TypedDataEncoder.hash(domain(), CLAIM_TYPES, { channelId: id, amount: 3n * ONE }));
    const before = await env.provider.getBalance(recipient.address);
    const r1 = gas.record('claim (CMT)', await send(as(channels, recipient), 'claim', id, 3n * ONE, await sign(payer, id, 3n * ONE)));
    expectEvent(r1, channels, 'Claimed', [id, recipient.address, 3n * ONE, 3n * ONE]);
    const r2 = await send(as(channels, recipient), 'claim', id, 5n * ONE, await sign(payer, id, 5n * ONE));
    expectEvent(r2, channels, 'Claimed', [id, recipient.address, 5n * ONE, 2n * ONE]);
    assert.equal(await env.provider.getBalance(recipient.address), before + 5n * ONE - feeOf(r1) - feeOf(r2));
    assert.equal(await field(id, 'paid'), 5n * ONE);
    assert.equal(await field(id, 'open'), true);
    await expectFullyBacked(env.provider, channels, [NATIVE]);
  });

  test('claim: refusals (not increasing, above deposit, bad signature, not the recipient, unknown channel)', async () => {
    const id = await open({ amount: 4n * ONE });
    await send(as(channels, recipient), 'claim', id, 2n * ONE, await sign(payer, id, 2n * ONE));
    const rc = as(channels, recipient);
    await expectRevert(rc.getFunction('claim')(id, 2n * ONE, await sign(payer, id, 2n * ONE)), channels, 'ClaimNotIncreasing', [id, 2n * ONE, 2n * ONE]);
    await expectRevert(rc.getFunction('claim')(id, ONE, await sign(payer, id, ONE)), channels, 'ClaimNotIncreasing', [id, ONE, 2n * ONE]);
    await expectRevert(rc.getFunction('claim')(id, 4n * ONE + 1n, await sign(payer, id, 4n * ONE + 1n)), channels, 'ClaimExceedsDeposit',
      [id, 4n * ONE + 1n, 4n * ONE]);
    await expectRevert(rc.getFunction('claim')(id, 3n * ONE, await sign(stranger, id, 3n * ONE)), channels, 'InvalidSignature', [id]);
    await expectRevert(rc.getFunction('claim')(id, 3n * ONE, await sign(payer, id, 4n * ONE)), channels, 'InvalidSignature', [id]);
    await expectRevert(rc.getFunction('claim')(id, 3n * ONE, '0x1234'), channels, 'InvalidSignature', [id]);
    await expectRevert(as(channels, stranger).getFunction('claim')(id, 3n * ONE, await sign(payer, id, 3n * ONE)), channels, 'NotRecipient',
      [id, stranger.address]);
    await expectRevert(rc.getFunction('claim')(777n, ONE, await sign(payer, 777n, ONE)), channels, 'ChannelNotOpen', [777n]);
    // the full deposit is claimable
    await send(rc, 'claim', id, 4n * ONE, await sign(payer, id, 4n * ONE));
    assert.equal(await field(id, 'paid'), 4n * ONE);
  });

  test('replay: a claim is bound to its channel, its contract and its chain', async () => {
    const a = await open({ amount: 2n * ONE });
    const b = await open({ amount: 2n * ONE });
    const forA = await sign(payer, a, ONE);
    await expectRevert(as(channels, recipient).getFunction('claim')(b, ONE, forA), channels, 'InvalidSignature', [b]);
    // another deployment: its channel with the same id as one here refuses this contract's claim
    const other = await deploy('PaymentChannels', payer);
    const otherAddr = await other.getAddress();
    let id = 0n;
    while (id < a) id = await open({ amount: ONE, on: other });
    assert.equal(id, a);
    await expectRevert(as(other, recipient).getFunction('claim')(a, ONE, forA), other, 'InvalidSignature', [a]);
    // and this contract refuses the other deployment's claim for the same id
    await expectRevert(as(channels, recipient).getFunction('claim')(a, ONE, await sign(payer, a, ONE, domain(otherAddr))), channels,
      'InvalidSignature', [a]);
    // a claim signed for another chain id
    await expectRevert(as(channels, recipient).getFunction('claim')(a, ONE, await sign(payer, a, ONE, domain(addr, 1n))), channels,
      'InvalidSignature', [a]);
    // the genuine claim still works on both, once each
    await send(as(channels, recipient), 'claim', a, ONE, forA);
    await send(as(other, recipient), 'claim', a, ONE, await sign(payer, a, ONE, domain(otherAddr)));
  });

  test('a separate signer key, and an ERC-1271 contract signer', async () => {
    const hot = Wallet.createRandom();
    const id = await open({ signer: hot.address });
    await expectRevert(as(channels, recipient).getFunction('claim')(id, ONE, await sign(payer, id, ONE)), channels, 'InvalidSignature', [id]);
    await send(as(channels, recipient), 'claim', id, ONE, await sign(hot, id, ONE));

    const wallet = await deploy('MockContractSigner', payer);
    const cid = await open({ signer: await wallet.getAddress() });
    await expectRevert(as(channels, recipient).getFunction('claim')(cid, ONE, '0x'), channels, 'InvalidSignature', [cid]);
    await send(wallet, 'approve', await call<string>(channels, 'claimDigest', cid, ONE));
    const r = await send(as(channels, recipient), 'claim', cid, ONE, '0x');
    expectEvent(r, channels, 'Claimed', [cid, recipient.address, ONE, ONE]);
  });

  test('close: the recipient closes with its latest claim; the rest is credited to the payer', async () => {
    const id = await open({ amount: 10n * ONE });
    await send(as(channels, recipient), 'claim', id, 2n * ONE, await sign(payer, id, 2n * ONE));
    const owedBefore = await call<bigint>(channels, 'owed', payer.address, NATIVE);
    const r = gas.record('close (recipient, with claim)', await send(as(channels, recipient), 'close', id, 7n * ONE, await sign(payer, id, 7n * ONE)));
    expectEvent(r, channels, 'Claimed', [id, recipient.address, 7n * ONE, 5n * ONE]);
    expectEvent(r, channels, 'ChannelClosed', [id, recipient.address, 7n * ONE, 3n * ONE]);
    assert.equal(await call(channels, 'owed', payer.address, NATIVE), owedBefore + 3n * ONE);
    assert.equal(await field(id, 'open'), false);
    await expectRevert(as(channels, recipient).getFunction('claim')(id, 8n * ONE, await sign(payer, id, 8n * ONE)), channels, 'ChannelNotOpen', [id]);
    await expectRevert(channels.getFunction('topUp')(id, ONE, 0n, { value: ONE }), channels, 'ChannelNotOpen', [id]);
    await expectRevert(channels.getFunction('settle')(id), channels, 'ChannelNotOpen', [id]);
    await expectRevert(channels.getFunction('requestClose')(id), channels, 'ChannelNotOpen', [id]);
    await expectRevert(as(channels, recipient).getFunction('close')(id, 0n, '0x'), channels, 'ChannelNotOpen', [id]);
    const w = await send(channels, 'withdraw', NATIVE);
    expectEvent(w, channels, 'Withdrawn', [payer.address, NATIVE, owedBefore + 3n * ONE]);
    await expectFullyBacked(env.provider, channels, [NATIVE]);
  });

  test('close: without a new claim (amount 0); only the recipient may close', async () => {
    const id = await open({ amount: 3n * ONE });
    await expectRevert(channels.getFunction('close')(id, 0n, '0x'), channels, 'NotRecipient', [id, payer.address]);
    const r = gas.record('close (recipient, no claim)', await send(as(channels, recipient), 'close', id, 0n, '0x'));
    expectEvent(r, channels, 'ChannelClosed', [id, recipient.address, 0n, 3n * ONE]);
  });

  test('requestClose: expiry after exactly the settle delay; claims until then, settle by anyone from then', async () => {
    const id = await open({ amount: 10n * ONE });
    const exp = await call<bigint>(channels, 'closesAt', id);
    await expectRevert(as(channels, recipient).getFunction('requestClose')(id), channels, 'NotPayer', [id, recipient.address]);
    await expectRevert(channels.getFunction('settle')(id), channels, 'NotExpired', [id, exp]);
    const t = (await now(env.provider)) + 5n;
    await setNextTimestamp(env.provider, t);
    const r = gas.record('requestClose', await send(channels, 'requestClose', id));
    expectEvent(r, channels, 'CloseRequested', [id, t + DELAY]);
    assert.equal(await call(channels, 'closesAt', id), t + DELAY);
    // asking again later never pushes the expiry back
    await send(channels, 'requestClose', id);
    assert.equal(await field(id, 'expiration'), t + DELAY);
    await setNextTimestamp(env.provider, t + DELAY - 1n);
    await send(as(channels, recipient), 'claim', id, 4n * ONE, await sign(payer, id, 4n * ONE));
    await setNextTimestamp(env.provider, t + DELAY);
    await expectRevert(as(channels, recipient).getFunction('claim')(id, 5n * ONE, await sign(payer, id, 5n * ONE)), channels, 'ChannelExpired',
      [id, t + DELAY]);
    await expectRevert(as(channels, recipient).getFunction('close')(id, 0n, '0x'), channels, 'ChannelExpired', [id, t + DELAY]);
    await expectRevert(channels.getFunction('topUp')(id, ONE, 0n, { value: ONE }), channels, 'ChannelExpired', [id, t + DELAY]);
    await expectRevert(channels.getFunction('requestClose')(id), channels, 'ChannelExpired', [id, t + DELAY]);
    const owedBefore = await call<bigint>(channels, 'owed', payer.address, NATIVE);
    const s = gas.record('settle (third party)', await send(as(channels, stranger), 'settle', id));
    expectEvent(s, channels, 'ChannelClosed', [id, stranger.address, 4n * ONE, 6n * ONE]);
    assert.equal(await call(channels, 'owed', payer.address, NATIVE), owedBefore + 6n * ONE);
    await expectFullyBacked(env.provider, channels, [NATIVE]);
  });

  test('settle: not a second before expiry; by the payer the refund is pushed', async () => {
    const id = await open({ amount: 2n * ONE });
    const t = (await now(env.provider)) + 5n;
    await setNextTimestamp(env.provider, t);
    await send(channels, 'requestClose', id);
    await setNextTimestamp(env.provider, t + DELAY - 1n);
    await expectRevert(channels.getFunction('settle')(id), channels, 'NotExpired', [id, t + DELAY]);
    const before = await env.provider.getBalance(payer.address);
    await setNextTimestamp(env.provider, t + DELAY);
    const r = gas.record('settle (payer)', await send(channels, 'settle', id));
    assert.equal(await env.provider.getBalance(payer.address), before + 2n * ONE - feeOf(r));
  });

  test('requestClose closes at once when nothing is left unclaimed', async () => {
    const id = await open({ amount: ONE });
    await send(as(channels, recipient), 'claim', id, ONE, await sign(payer, id, ONE));
    const r = await send(channels, 'requestClose', id);
    expectEvent(r, channels, 'ChannelClosed', [id, payer.address, ONE, 0n]);
    assert.equal(await field(id, 'open'), false);
  });

  test('every channel expires: untouched, at its expiration anyone settles it back to the payer', async () => {
    const t = (await now(env.provider)) + 5n;
    await setNextTimestamp(env.provider, t);
    const id = await open({ amount: ONE, expiration: t + DELAY });
    await send(as(channels, recipient), 'claim', id, ONE / 4n, await sign(payer, id, ONE / 4n));
    await setNextTimestamp(env.provider, t + DELAY);
    const owed0 = await call<bigint>(channels, 'owed', payer.address, NATIVE);
    const r = await send(as(channels, stranger), 'settle', id);
    expectEvent(r, channels, 'ChannelClosed', [id, stranger.address, ONE / 4n, ONE - ONE / 4n]);
    assert.equal(await call(channels, 'owed', payer.address, NATIVE), owed0 + ONE - ONE / 4n);
  });

  test('cancelAfter is a hard expiry; expiration is the earlier of the two', async () => {
    const t = (await now(env.provider)) + 5n;
    await setNextTimestamp(env.provider, t);
    const id = await open({ amount: ONE, expiration: t + 5000n, cancelAfter: t + 1000n });
    assert.equal(await call(channels, 'closesAt', id), t + 1000n);
    await setNextTimestamp(env.provider, t + 10n);
    await send(channels, 'requestClose', id);
    assert.equal(await call(channels, 'closesAt', id), t + 10n + DELAY);
    const id2 = await open({ amount: ONE, expiration: t + 5000n, cancelAfter: t + 50n });
    await setNextTimestamp(env.provider, t + 50n);
    await expectRevert(as(channels, recipient).getFunction('claim')(id2, ONE, await sign(payer, id2, ONE)), channels, 'ChannelExpired', [id2, t + 50n]);
    await send(as(channels, stranger), 'settle', id2);
    assert.equal(await field(id2, 'open'), false);
  });

  test('topUp: adds to the deposit and can move the expiration (never below the settle delay); payer only', async () => {
    const id = await open({ amount: ONE });
    const t = (await now(env.provider)) + 5n;
    await setNextTimestamp(env.provider, t);
    await send(channels, 'requestClose', id);
    await setNextTimestamp(env.provider, t + 10n);
    await expectRevert(channels.getFunction('topUp')(id, ONE, t + 10n + DELAY - 1n, { value: ONE }), channels, 'ExpirationTooSoon',
      [t + 10n + DELAY - 1n, t + 10n + DELAY]);
    await expectRevert(as(channels, stranger).getFunction('topUp')(id, ONE, 0n, { value: ONE }), channels, 'NotPayer', [id, stranger.address]);
    await expectRevert(channels.getFunction('topUp')(id, 0n, 0n), channels, 'ZeroAmount');
    await expectRevert(channels.getFunction('topUp')(id, 0n, t + 10n + DELAY, { value: 1n }), channels, 'ValueMismatch', [0n, 1n]);
    await expectRevert(channels.getFunction('topUp')(id, ONE, 0n, { value: 2n }), channels, 'ValueMismatch', [ONE, 2n]);
    await setNextTimestamp(env.provider, t + 11n);
    const r = gas.record('topUp (CMT)', await send(channels, 'topUp', id, 2n * ONE, t + 11n + 5000n, { value: 2n * ONE }));
    expectEvent(r, channels, 'ChannelFunded', [id, 2n * ONE, 3n * ONE, t + 11n + 5000n]);
    assert.equal(await field(id, 'deposit'), 3n * ONE);
    const r2 = await send(channels, 'topUp', id, ONE, 0n, { value: ONE });
    expectEvent(r2, channels, 'ChannelFunded', [id, ONE, 4n * ONE, t + 11n + 5000n]);
    // extending alone (no funds) is a top-up of zero
    await setNextTimestamp(env.provider, t + 20n);
    const r3 = gas.record('topUp (extend only)', await send(channels, 'topUp', id, 0n, t + 20n + 9000n));
    expectEvent(r3, channels, 'ChannelFunded', [id, 0n, 4n * ONE, t + 20n + 9000n]);
    await send(as(channels, recipient), 'claim', id, 4n * ONE, await sign(payer, id, 4n * ONE));
    await expectFullyBacked(env.provider, channels, [NATIVE]);
  });

  test('a token channel: open, claim, top up and close move the token exactly', async () => {
    const id = await open({ asset: tokenAddr, amount: 1_000_000n });
    await send(channels, 'topUp', id, 500_000n, 0n);
    gas.record('claim (ERC-20)', await send(as(channels, recipient), 'claim', id, 400_000n, await sign(payer, id, 400_000n)));
    await send(as(channels, recipient), 'close', id, 1_200_000n, await sign(payer, id, 1_200_000n));
    assert.equal(await balanceOf(env.provider, tokenAddr, recipient.address), 1_200_000n);
    assert.equal(await call(channels, 'owed', payer.address, tokenAddr), 300_000n);
    await expectFullyBacked(env.provider, channels, [tokenAddr]);
    await send(channels, 'withdraw', tokenAddr);
    assert.equal(await balanceOf(env.provider, tokenAddr, addr), 0n);
  });

  test('solvency gate: a channel contract whose token balance was slashed refuses to pay out', async () => {
    const id = await open({ asset: tokenAddr, amount: 1000n });
    await send(token, 'slash', addr, 1n);
    await expectRevert(as(channels, recipient).getFunction('claim')(id, 500n, await sign(payer, id, 500n)), channels, 'Insolvent');
    await send(token, 'mint', addr, 1n);
    await send(as(channels, recipient), 'claim', id, 1000n, await sign(payer, id, 1000n));
    await expectFullyBacked(env.provider, channels, [tokenAddr]);
  });

  test('close race: a payer close request and a recipient claim in the same block both take effect', async () => {
    const id = await open({ amount: 5n * ONE });
    const sig = await sign(payer, id, 3n * ONE);
    await env.provider.send('evm_setAutomine', [false]);
    let txs: ContractTransactionResponse[];
    try {
      txs = [
        (await channels.getFunction('requestClose')(id, { gasLimit: 200_000n })) as ContractTransactionResponse,
        (await as(channels, recipient).getFunction('claim')(id, 3n * ONE, sig, { gasLimit: 200_000n })) as ContractTransactionResponse,
      ];
      await env.provider.send('evm_mine', []);
    } finally {
      await env.provider.send('evm_setAutomine', [true]);
    }
    const [a, b] = await Promise.all(txs.map((tx) => tx.wait()));
    assert.equal(a?.status, 1);
    assert.equal(b?.status, 1);
    assert.equal(a?.blockNumber, b?.blockNumber);
    assert.equal(await field(id, 'paid'), 3n * ONE);
    assert.notEqual(await field(id, 'expiration'), 0n);
  });

  test('reentrancy: a token hook re-entering claim, and a recipient contract re-entering on receipt, are refused', async () => {
    const evil = await deploy('ReentrantToken', payer);
    const evilAddr = await evil.getAddress();
    await send(evil, 'mint', payer.address, 10_000n);
    await send(evil, 'approve', addr, 10_000n);
    const id = await open({ asset: evilAddr, amount: 1000n });
    const sig = await sign(payer, id, 600n);
    await send(evil, 'arm', addr, channels.interface.encodeFunctionData('close', [id, 0n, '0x']));
    await send(as(channels, recipient), 'claim', id, 600n, sig);
    assert.equal(await call(evil, 'attempted'), true);
    assert.equal(channels.interface.parseError(await call<string>(evil, 'lastReturn'))?.name, 'ReentrancyGuardReentrantCall');
    assert.equal(await field(id, 'open'), true);
    assert.equal(await balanceOf(env.provider, evilAddr, recipient.address), 600n);

    const recv = await deploy('MaliciousReceiver', payer);
    const recvAddr = await recv.getAddress();
    await send(channels, 'open', recvAddr, NATIVE, NATIVE, ONE, DELAY, (await now(env.provider)) + LIFE, 0n, { value: ONE });
    const cid = await call<bigint>(channels, 'channelCount');
    const s1 = await sign(payer, cid, ONE / 2n);
    const s2 = await sign(payer, cid, ONE);
    await send(recv, 'configure', 2, addr, channels.interface.encodeFunctionData('claim', [cid, ONE, s2]));
    await send(recv, 'execute', addr, 0n, channels.interface.encodeFunctionData('claim', [cid, ONE / 2n, s1]));
    assert.equal(await call(recv, 'attempted'), true);
    assert.equal(channels.interface.parseError(await call<string>(recv, 'lastReturn'))?.name, 'ReentrancyGuardReentrantCall');
    assert.equal(await field(cid, 'paid'), ONE / 2n);
    assert.equal(await env.provider.getBalance(recvAddr), ONE / 2n);
    await expectFullyBacked(env.provider, channels, [NATIVE, evilAddr]);
  });

  test('property: whatever claims and top-ups are tried, paid never exceeds the deposit and matches what the recipient got', async () => {
    type Op = { kind: 'claim'; amount: bigint } | { kind: 'topUp'; amount: bigint };
    const op: fc.Arbitrary<Op> = fc.oneof(
      { weight: 3, arbitrary: fc.record({ kind: fc.constant('claim' as const), amount: fc.bigInt(0n, 30n * ONE) }) },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant('topUp' as const), amount: fc.bigInt(1n, 10n * ONE) }) },
    );
    const base = await snapshot(env.provider);
    let accepted = 0;
    let refused = 0;
    await fc.assert(
      fc.asyncProperty(fc.bigInt(1n, 20n * ONE), fc.array(op, { minLength: 2, maxLength: 7 }), async (initial, ops) => {
        const id = await open({ asset: tokenAddr, amount: initial });
        const got0 = await balanceOf(env.provider, tokenAddr, recipient.address);
        let deposit = initial;
        let paid = 0n;
        for (const o of ops) {
          if (o.kind === 'topUp') {
            await send(channels, 'topUp', id, o.amount, 0n);
            deposit += o.amount;
            continue;
          }
          const call = as(channels, recipient).getFunction('claim')(id, o.amount, await sign(payer, id, o.amount));
          if (o.amount <= paid) await expectRevert(call, channels, 'ClaimNotIncreasing', [id, o.amount, paid]);
          else if (o.amount > deposit) await expectRevert(call, channels, 'ClaimExceedsDeposit', [id, o.amount, deposit]);
          else {
            await (await call).wait();
            paid = o.amount;
            accepted++;
            continue;
          }
          refused++;
        }
        assert.equal(await field(id, 'paid'), paid);
        assert.equal(await field(id, 'deposit'), deposit);
        assert.ok(paid <= deposit);
        assert.equal((await balanceOf(env.provider, tokenAddr, recipient.address)) - got0, paid);
        await expectFullyBacked(env.provider, channels, [tokenAddr]);
      }),
      { numRuns: fcRuns(8), seed: 6002, endOnFailure: true, plugins: [fc.unbiased()] },
    );
    assert.ok(accepted > 0 && refused > 0, `both outcomes exercised (${accepted} accepted, ${refused} refused)`);
    await revertTo(env.provider, base);
  });
});
