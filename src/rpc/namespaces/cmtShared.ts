/** What the cmt_ handler files share: staking reads at a block in CyberMiles' `{height, data}` form, and ratio text. */
import { StakingStore, effectiveParams } from '../../staking/index.ts';
import type { StakingParams } from '../../staking/index.ts';
import type { RpcBackend } from '../backend.ts';
import { invalidParams } from '../errors.ts';
import { resolveHeight } from '../params.ts';

/** Runs a staking read at a block: `{height, data}` as the original's queries answer. */
export async function stakingQuery<T>(backend: RpcBackend, tag: unknown, read: (store: StakingStore, params: StakingParams) => Promise<T>): Promise<{ height: number; data: T }> {
  if (backend.stakingParams === undefined) throw invalidParams('this chain has no staking (its genesis has no app_state.stake)');
  const height = resolveHeight(tag ?? 'latest', backend);
  const state = backend.readState(height);
  return { height: Number(height), data: await read(new StakingStore(state), await effectiveParams(state, backend.stakingParams)) };
}

/** A ratio as a decimal ("0.1"), 18 digits at most. */
export function ratio(r: { num: bigint; den: bigint }): string {
  const scaled = (r.num * 10n ** 18n) / r.den;
  const whole = scaled / 10n ** 18n;
  const frac = (scaled % 10n ** 18n).toString().padStart(18, '0').replace(/0+$/, '');
  return frac === '' ? whole.toString() : `${whole}.${frac}`;
}
