/**
 * The validator set of each height, as consensus needs it (with CometBFT proposer priorities). Today the
 * set only changes by the per-height priority increment; the staking issue will feed set updates from
 * execution, and the sets will then be stored with the blocks instead of recomputed.
 *
 * A one-member set is its own successor (its single priority stays 0), so a single-validator chain never
 * walks its history, whatever its height (hardhat_mine can make it millions).
 */
import { createValidatorSet, nextHeightValidatorSet } from '../consensus/index.ts';
import type { ValidatorSet } from '../consensus/index.ts';
import { genesisValidators } from '../execution/index.ts';
import { invariant } from '../primitives/index.ts';
import type { Genesis } from '../types/index.ts';

export interface ValidatorSets {
  at(height: bigint): ValidatorSet;
}

export function createValidatorSets(genesis: Genesis): ValidatorSets {
  const first = createValidatorSet(genesisValidators(genesis));
  // the furthest set computed, so walking forward height by height costs one increment each
  let cursor = { height: 1n, set: first };
  const recent = new Map<bigint, ValidatorSet>([[1n, first]]);
  return {
    at(height) {
      invariant(height >= 1n, `no validator set before height 1 (asked for ${height})`);
      if (first.validators.length === 1) return first;
      const cached = recent.get(height);
      if (cached !== undefined) return cached;
      if (height < cursor.height) cursor = { height: 1n, set: first };
      let { height: h, set } = cursor;
      while (h < height) {
        set = nextHeightValidatorSet(set);
        h += 1n;
      }
      cursor = { height: h, set };
      recent.set(h, set);
      if (recent.size > 64) recent.delete(recent.keys().next().value as bigint);
      return set;
    },
  };
}
