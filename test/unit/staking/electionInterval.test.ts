/**
 * election_interval through a real chain: the validator set follows the election only at heights divisible
 * by the interval (a stronger candidate waits for one), but a member that can no longer serve leaves at once.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { STAKING_ADDRESS, stakingInterface } from '../../../src/staking/index.ts';
import { bytesToHex } from '../../../src/primitives/index.ts';
import { ONE, StakingChain, devWallet, pubKeyHex } from './stakingChain.ts';

const INTERVAL = 4n;

describe('election interval', () => {
  let sc: StakingChain;
  const tx = (from: number, method: string, args: unknown[], value = 0n) => sc.tx(from, STAKING_ADDRESS, stakingInterface, method, args, value);
  const members = async () => ((await sc.call(0, STAKING_ADDRESS, stakingInterface, 'validators', [])).result?.owners as string[]).map((a) => a.toLowerCase()).sort();
  const address = (i: number) => devWallet(i).address.toLowerCase();

  before(async () => {
    sc = await StakingChain.open({ validators: 2, params: { max_vals: 2, backup_vals: 1, election_interval: String(INTERVAL) } });
    while (sc.height() % INTERVAL !== 0n) await sc.mine(); // the first election at a multiple of 4
  });

  it('a stronger candidate joins only at the next height divisible by the interval', async () => {
    const declared = await sc.mine([await tx(2, 'declareCandidacy', [pubKeyHex(2), 50_000n * ONE, 10n ** 17n, 'strong'], 5_000n * ONE)]);
    assert.equal(declared.receipts[0]?.status, 1);
    assert.deepEqual(declared.validatorUpdates, [], `height ${sc.height()}: not an election height`);
    while ((sc.height() + 1n) % INTERVAL !== 0n) {
      const executed = await sc.mine();
      assert.deepEqual(executed.validatorUpdates, [], `height ${sc.height()}`);
    }
    const election = await sc.mine();
    assert.equal(sc.height() % INTERVAL, 0n);
    const joined = election.validatorUpdates.find((u) => bytesToHex(u.publicKey) === pubKeyHex(2));
    assert.ok(joined !== undefined && joined.power > 0n, 'the candidate joins at the election height');
    assert.ok(election.validatorUpdates.some((u) => u.power === 0n), 'and the weakest member leaves');
    assert.ok((await members()).includes(address(2)));
  });

  it('a member that deactivates itself leaves in the same block, between election heights', async () => {
    while (sc.height() % INTERVAL !== 1n) await sc.mine();
    const leaving = await sc.mine([await tx(2, 'deactivateCandidacy', [])]);
    assert.notEqual(sc.height() % INTERVAL, 0n);
    assert.ok(leaving.validatorUpdates.some((u) => bytesToHex(u.publicKey) === pubKeyHex(2) && u.power === 0n), 'its key leaves consensus at once');
    assert.ok(!(await members()).includes(address(2)));
  });
});
