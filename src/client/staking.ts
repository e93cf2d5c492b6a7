/**
 * The staking contract's writes (web3-cmt's `cmt.stake.validator.*` and `cmt.stake.delegator.*`), each
 * returning the mined transaction or throwing the contract's refusal (ContractRevertError). Amounts are
 * bigint wei; rates a 1e18 fixed-point bigint or a decimal string ("0.2").
 */
import { ZeroHash } from 'ethers';
import { stakingInterface } from './interfaces.ts';
import { SYSTEM_ADDRESSES } from './addresses.ts';
import { parseAddress, parsePubKey, parseRate } from './convert.ts';
import { ClientError } from './errors.ts';
import { ContractCaller } from './transact.ts';
import type { Connection, TxResult } from './transact.ts';

export type Rate = bigint | string;

export interface DeclareCandidacy {
  /** ed25519 consensus key: 0x-hex, base64 (priv_validator_key.json's form) or 32 bytes. */
  pubKey: string | Uint8Array;
  /** The most stake the candidate accepts, wei. */
  maxStake: bigint;
  /** The share of delegators' rewards the candidate keeps, in (0, 1). */
  commission: Rate;
  description?: string;
  /** Default: what the contract requires (the self-staking ratio of maxStake). */
  selfStake?: bigint;
}

/** Fields left out keep their current value. */
export interface UpdateCandidacy {
  pubKey?: string | Uint8Array;
  maxStake?: bigint;
  commission?: Rate;
  description?: string;
  /** Default: what the contract requires (more self-stake for a higher maximum, else nothing). */
  selfStake?: bigint;
}

export interface AccountUpdateResult extends TxResult {
  requestId: bigint;
}

export class StakingClient {
  private readonly caller: ContractCaller;

  constructor(conn: Connection) {
    this.caller = new ContractCaller(conn, { name: 'staking', address: SYSTEM_ADDRESSES.staking, iface: stakingInterface });
  }

  /** Makes the signer a candidate, sending the self-stake it requires. */
  async declare(o: DeclareCandidacy): Promise<TxResult> {
    const args = [parsePubKey(o.pubKey), o.maxStake, parseRate(o.commission), o.description ?? ''];
    return this.caller.send('declareCandidacy', args, o.selfStake ?? (await this.caller.requiredValue('declareCandidacy', args)));
  }

  async update(o: UpdateCandidacy): Promise<TxResult> {
    const args = [o.pubKey === undefined ? ZeroHash : parsePubKey(o.pubKey), o.maxStake ?? 0n, o.commission === undefined ? 0n : parseRate(o.commission), o.description ?? ''];
    return this.caller.send('updateCandidacy', args, o.selfStake ?? (await this.caller.requiredValue('updateCandidacy', args)));
  }

  withdrawCandidacy(): Promise<TxResult> {
    return this.caller.send('withdrawCandidacy', []);
  }

  activate(): Promise<TxResult> {
    return this.caller.send('activateCandidacy', []);
  }

  deactivate(): Promise<TxResult> {
    return this.caller.send('deactivateCandidacy', []);
  }

  /** The foundation address only. */
  verify(candidate: string, verified = true): Promise<TxResult> {
    return this.caller.send('verifyCandidacy', [parseAddress(candidate, 'candidate'), verified]);
  }

  delegate(validator: string, amountWei: bigint): Promise<TxResult> {
    return this.caller.send('delegate', [parseAddress(validator, 'validator')], amountWei);
  }

  /** Starts unbonding; the CMT arrives after the unbonding period. */
  withdraw(validator: string, amountWei: bigint): Promise<TxResult> {
    return this.caller.send('withdraw', [parseAddress(validator, 'validator'), amountWei]);
  }

  claimRewards(validator: string): Promise<TxResult> {
    return this.caller.send('claimRewards', [parseAddress(validator, 'validator')]);
  }

  restake(validator: string): Promise<TxResult> {
    return this.caller.send('restake', [parseAddress(validator, 'validator')]);
  }

  /** The signer (a candidate) lowers the commission it takes from `delegator`'s rewards, to at most its own rate. */
  setCompRate(delegator: string, rate: Rate): Promise<TxResult> {
    return this.caller.send('setCompRate', [parseAddress(delegator, 'delegator'), parseRate(rate)]);
  }

  /** Step 1 of the owner change: the candidate's controller names `newOwner`; the request id is for step 2. */
  async updateAccount(newOwner: string): Promise<AccountUpdateResult> {
    const r = await this.caller.send('updateCandidacyAccount', [parseAddress(newOwner, 'new owner')]);
    const requested = r.events.find((e) => e.name === 'OwnerChangeRequested');
    if (requested === undefined) throw new ClientError('NODE_ERROR', `updateCandidacyAccount was mined without an OwnerChangeRequested event (transaction ${r.hash})`, { hash: r.hash });
    return { ...r, requestId: requested.args.requestId as bigint };
  }

  /** Step 2, signed by the named account: takes over the candidacy, sending the self-stake that replaces the old controller's. */
  async acceptAccountUpdate(requestId: bigint, selfStake?: bigint): Promise<TxResult> {
    const args = [requestId];
    return this.caller.send('acceptCandidacyAccountUpdate', args, selfStake ?? (await this.caller.requiredValue('acceptCandidacyAccountUpdate', args)));
  }
}
