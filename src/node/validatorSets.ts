/**
 * The validator set of each height, as consensus needs it (with CometBFT proposer priorities), from the
 * genesis set and the changes each block's execution returned (stored with the block). As in CometBFT,
 * the changes block h returns take effect at height h+2, because the set of h+1 was fixed (and the
 * others already voting on it) before block h ran:
 *
 *   set(1)   = the genesis set, priorities incremented once
 *   set(k+1) = increment(update(set(k), changes of block k-1))
 *
 * So set(h) is known once block h-2 is committed: asking for a later height is a bug, not a guess.
 *
 * A one-member set is its own successor (its single priority stays 0), so a single-validator chain jumps
 * straight to the next change instead of walking its history, whatever its height (hardhat_mine can make
 * it millions). A multi-member set is walked height by height from the nearest set computed.
 */
import { createValidatorSet, nextHeightValidatorSet, updateValidatorSet } from '../consensus/index.ts';
import type { ValidatorSet } from '../consensus/index.ts';
import { genesisValidators } from '../execution/index.ts';
import { invariant } from '../primitives/index.ts';
import type { ChainStore } from '../storage/index.ts';
import type { Genesis } from '../types/index.ts';

export interface ValidatorSets {
  at(height: bigint): ValidatorSet;
}

export interface ValidatorSetSource {
  store: Pick<ChainStore, 'validatorUpdates' | 'validatorUpdateHeights'>;
  /** The committed head's height: sets up to head + 2 are known. */
  headHeight(): bigint;
}

const RECENT_SETS = 64;

export function createValidatorSets(genesis: Genesis, source: ValidatorSetSource): ValidatorSets {
  const first = createValidatorSet(genesisValidators(genesis));
  let updateHeights = source.store.validatorUpdateHeights();
  // the furthest set computed, so walking forward height by height costs one increment each
  let cursor = { height: 1n, set: first };
  let recent = new Map<bigint, ValidatorSet>([[1n, first]]);

  /** The first height at or after `from` whose block changed the set, if any. */
  const nextUpdate = (from: bigint): bigint | undefined => updateHeights.find((u) => u >= from);

  return {
    at(height) {
      invariant(height >= 1n, `no validator set before height 1 (asked for ${height})`);
      invariant(height <= source.headHeight() + 2n, `the validator set of height ${height} is not known yet (head ${source.headHeight()})`);
      const heights = source.store.validatorUpdateHeights();
      if (heights !== updateHeights) {
        // a block with changes was committed, or the chain was rewound: start again from genesis
        updateHeights = heights;
        cursor = { height: 1n, set: first };
        recent = new Map([[1n, first]]);
      }
      const cached = recent.get(height);
      if (cached !== undefined) return cached;
      if (height < cursor.height) cursor = { height: 1n, set: first };
      let { height: h, set } = cursor;
      while (h < height) {
        if (set.validators.length === 1) {
          // unchanged until the height two above the next block with changes
          const u = nextUpdate(h - 1n);
          if (u === undefined || u + 2n > height) {
            h = height;
            break;
          }
          if (u + 1n > h) h = u + 1n;
        }
        set = nextHeightValidatorSet(updateValidatorSet(set, h >= 2n ? source.store.validatorUpdates(h - 1n) : []));
        h += 1n;
      }
      cursor = { height: h, set };
      recent.set(h, set);
      if (recent.size > RECENT_SETS) recent.delete(recent.keys().next().value as bigint);
      return set;
    },
  };
}
