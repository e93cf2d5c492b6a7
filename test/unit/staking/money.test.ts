/**
 * The money of staking over random histories (fast-check, seeded), through the chain: declarations,
 * delegations, withdrawals, withdrawn candidacies, claims, re-stakes, blocks signed by random subsets, and
 * double-sign evidence, each in its own block. After every block:
 * - supply: every balance summed equals genesis (allocations + validator stakes) plus what was minted (no
 *   transition creates or destroys CMT; slashing only moves stake to the community pool);
 * - solvency: the staking account holds at least everything it owes (bonded stake, unbondings not yet paid,
 *   settled rewards and rewards pending on every delegation);
 * - every transaction either succeeds or reverts with a staking custom error (never an internal failure).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { randomBytes } from 'node:crypto';
import { ed25519Address } from '../../../src/crypto/index.ts';
import { bytesToHex, hexToBytes } from '../../../src/primitives/index.ts';
import { COMMUNITY_POOL_ADDRESS, STAKING_ADDRESS, StakingStore, pendingRewards, readCandidate, stakingInterface } from '../../../src/staking/index.ts';
import { LISTS, TOTAL_MINTED, delegationAmount, pendingUnbonding, rewardBalance } from '../../../src/staking/layout.ts';
import type { DuplicateVoteEvidence, Vote } from '../../../src/types/index.ts';
import { GENESIS_BALANCE, GENESIS_SHARES, ONE, StakingChain, devWallet, keys } from './stakingChain.ts';

const ACCOUNTS = 6;
const iface = stakingInterface;

type Op =
  | { kind: 'declare'; who: number; max: bigint }
  | { kind: 'delegate'; who: number; to: number; amount: bigint }
  | { kind: 'withdraw'; who: number; from: number; permille: number }
  | { kind: 'withdrawCandidacy'; who: number }
  | { kind: 'claim'; who: number; from: number }
  | { kind: 'restake'; who: number; to: number }
  | { kind: 'block'; signers: boolean[] }
  | { kind: 'doubleSign'; validator: number };

const who = fc.integer({ min: 0, max: ACCOUNTS - 1 });
const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('declare' as const), who, max: fc.bigInt({ min: 1n, max: 20_000n }).map((x) => x * ONE) }),
  fc.record({ kind: fc.constant('delegate' as const), who, to: who, amount: fc.bigInt({ min: 1n, max: 5_000n }).map((x) => x * ONE) }),
  fc.record({ kind: fc.constant('withdraw' as const), who, from: who, permille: fc.integer({ min: 1, max: 1000 }) }),
  fc.record({ kind: fc.constant('withdrawCandidacy' as const), who }),
  fc.record({ kind: fc.constant('claim' as const), who, from: who }),
  fc.record({ kind: fc.constant('restake' as const), who, to: who }),
  fc.record({ kind: fc.constant('block' as const), signers: fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }) }),
  fc.record({ kind: fc.constant('doubleSign' as const), validator: fc.integer({ min: 0, max: 1 }) }),
);

describe('staking money over random histories', () => {
  it('keeps supply and solvency, and refuses only with custom errors', async () => {
    let runs = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 8, maxLength: 18 }), async (ops) => {
        runs++;
        try {
          await history(ops);
        } catch (err) {
          if (process.env.MONEY_EXAMPLE !== undefined) console.error(err);
          throw err;
        }
      }),
      { numRuns: 12, seed: 4242, ...(process.env.MONEY_EXAMPLE ? { examples: [[JSON.parse(process.env.MONEY_EXAMPLE, (_k, v) => (typeof v === 'string' && /^\d+n$/.test(v) ? BigInt(v.slice(0, -1)) : v))]], numRuns: 1 } : {}) },
    );
    if (process.env.MONEY_EXAMPLE === undefined) assert.equal(runs, 12);
  });
});

async function history(ops: Op[]): Promise<void> {
    const sc = await StakingChain.open({ validators: 2, params: { max_vals: 2, backup_vals: 2, unstake_waiting_period: '3', slash_ratio: '1/10', max_slash_blocks: '5' } });
    const pubKeys = new Map<number, string>(); // declared candidates' consensus keys
    const errors = new Set(iface.fragments.filter((f) => f.type === "error").map((f) => (f as unknown as { name: string }).name));
    let signedBy = [0, 1, 2, 3];
    let evidence: DuplicateVoteEvidence[] = [];
    for (const op of ops) {
      let call: { from: number; method: string; args: unknown[]; value?: bigint } | undefined;
      const address = (i: number) => devWallet(i).address;
      if (op.kind === 'declare') {
        const pk = pubKeys.get(op.who) ?? bytesToHex(randomBytes(32));
        pubKeys.set(op.who, pk);
        call = { from: op.who, method: 'declareCandidacy', args: [pk, op.max, 10n ** 17n, 'c'], value: op.max / 10n };
      } else if (op.kind === 'delegate') call = { from: op.who, method: 'delegate', args: [address(op.to)], value: op.amount };
      else if (op.kind === 'withdraw') {
        const have = await new StakingStore(sc.chain.readState(sc.height())).get(delegationAmount(hexToBytes(address(op.from).toLowerCase()), hexToBytes(address(op.who).toLowerCase())));
        call = { from: op.who, method: 'withdraw', args: [address(op.from), (have * BigInt(op.permille)) / 1000n] };
      } else if (op.kind === 'withdrawCandidacy') call = { from: op.who, method: 'withdrawCandidacy', args: [] };
      else if (op.kind === 'claim') call = { from: op.who, method: 'claimRewards', args: [address(op.from)] };
      else if (op.kind === 'restake') call = { from: op.who, method: 'restake', args: [address(op.to)] };
      else if (op.kind === 'block') signedBy = [0, 1, 2, 3].filter((i) => op.signers[i]);
      else {
        const consensus = ed25519Address((keys[op.validator] as { publicKey: Uint8Array }).publicKey);
        const vote = (h: number): Vote => ({ type: 'prevote', height: sc.height(), round: 0, blockHash: new Uint8Array(32).fill(h), validatorAddress: consensus, timestampMs: 0n, signature: new Uint8Array(64) });
        evidence = [{ kind: 'duplicateVote', voteA: vote(1), voteB: vote(2) }];
      }
      const raws: Uint8Array[] = [];
      if (call !== undefined) {
        // the same call simulated first: a refusal must be one of the contract's custom errors
        const sim = await sc.call(call.from, STAKING_ADDRESS, iface, call.method, call.args, call.value ?? 0n);
        if (!sim.ok && !errors.has(sim.error?.name ?? '')) assert.fail(`${call.method} failed with ${sim.error?.name}(${String(sim.error?.args)})`);
        else raws.push(await sc.tx(call.from, STAKING_ADDRESS, iface, call.method, call.args, call.value ?? 0n));
      }
      await sc.mine(raws, signedBy, evidence);
      evidence = [];
      await checkMoney(sc);
    }
}

async function checkMoney(sc: StakingChain): Promise<void> {
  // read straight from the staking state (the views compute the same, at the cost of a VM per call)
  const store = new StakingStore(sc.chain.readState(sc.height()));
  const minted = await store.get(TOTAL_MINTED);
  let total = (await sc.balance(STAKING_ADDRESS)) + (await sc.balance(COMMUNITY_POOL_ADDRESS)) + (await sc.balance(new Uint8Array(20)));
  for (let i = 0; i < ACCOUNTS; i++) total += await sc.balance(devWallet(i).address);
  assert.equal(total, BigInt(ACCOUNTS) * GENESIS_BALANCE + 2n * GENESIS_SHARES + minted, `supply at ${sc.height()}`);
  // what the staking account owes: bonded stake, unbondings, settled and pending rewards
  let owed = 0n;
  const accounts = Array.from({ length: ACCOUNTS }, (_, i) => hexToBytes(devWallet(i).address.toLowerCase()));
  for (const c of await store.listAll(LISTS.candidates)) {
    owed += (await readCandidate(store, c))?.bonded ?? 0n;
    for (const a of accounts) owed += await pendingRewards(store, c, a);
  }
  for (const a of accounts) owed += (await store.get(pendingUnbonding(a))) + (await store.get(rewardBalance(a)));
  const held = await sc.balance(STAKING_ADDRESS);
  assert.ok(held >= owed, `staking account holds ${held}, owes ${owed} at ${sc.height()}`);
}
