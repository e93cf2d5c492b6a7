/**
 * cmt_ write methods with CyberMiles' names and camelCase parameters (reference §3.3, §5.1, §6.1), as calls
 * to the staking and governance contracts (ADR 0014): each method is one builder from its object argument
 * to `{to, data, value}`; the handler signs it for `from` (an unlocked node account), waits for its block and
 * answers with the original's commit result (cmtCommit.ts). Fields the contract needs that the original
 * left optional (the self-stake to send, an unchanged field of an update) are read from the head state.
 */
import { bytesToHex, hexToBytes } from '../../primitives/index.ts';
import type { Hex } from '../../primitives/index.ts';
import {
  COMMUNITY_POOL_ADDRESS, GOVERNANCE_ADDRESS, LISTS_VIEW, RATIO_PARAMS, actingAs, controllerOf, extraSelfStake, ownerRequestCandidate, STAKING_ADDRESS, governanceInterface, readCandidate, selfStakeFor, stakingInterface,
} from '../../staking/index.ts';
import type { StakingParams, StakingStore } from '../../staking/index.ts';
import type { RpcBackend } from '../backend.ts';
import { invalidParams } from '../errors.ts';
import type { HandlerTable } from '../params.ts';
import { WriteArgs, parsePubKey } from './cmtArgs.ts';
import { commitNativeCall } from './cmtCommit.ts';
import type { NativeCallSpec } from './cmtCommit.ts';
import { stakingQuery } from './cmtShared.ts';

type Builder = (args: WriteArgs, backend: RpcBackend, from: Hex) => NativeCallSpec | Promise<NativeCallSpec>;

const staking = (method: string, args: unknown[], value = 0n): NativeCallSpec => ({ to: STAKING_ADDRESS, data: stakingInterface.encodeFunctionData(method, args) as Hex, value });
const governance = (method: string, args: unknown[]): NativeCallSpec => ({ to: GOVERNANCE_ADDRESS, data: governanceInterface.encodeFunctionData(method, args) as Hex, value: 0n });

/** Reads the staking state at the head, for what a call needs to send. */
async function atHead<T>(backend: RpcBackend, read: (store: StakingStore, params: StakingParams) => Promise<T>): Promise<T> {
  return (await stakingQuery(backend, 'latest', read)).data;
}

const WRITES: Record<string, Builder> = {
  /** The self-stake (self_staking_ratio of maxAmount) goes with the call, as CyberMiles took it from the balance. */
  cmt_declareCandidacy: (a, backend) =>
    atHead(backend, async (_store, params) => {
      const maxStake = a.wei('maxAmount');
      return staking('declareCandidacy', [bytesToHex(a.pubKey('pubKey')), maxStake, a.commission('compRate'), a.description('description')], selfStakeFor(params, maxStake));
    }),
  cmt_updateCandidacy: (a, backend, from) => atHead(backend, async (store, params) => updateCandidacy(a, store, params, (await actingAs(store, hexToBytes(from))) ?? hexToBytes(from))),
  cmt_withdrawCandidacy: () => staking('withdrawCandidacy', []),
  cmt_activateCandidacy: () => staking('activateCandidacy', []),
  cmt_deactivateCandidacy: () => staking('deactivateCandidacy', []),
  cmt_verifyCandidacy: (a) => staking('verifyCandidacy', [bytesToHex(a.address('candidateAddress')), a.flag('verified')]),
  // cubeBatch and sig are accepted and ignored: CyberMiles' CMT Cube signature (reference §3.8) only raised a
  // delegation's voting power by a hardware-wallet bonus, a product rule that is not a protocol rule here
  /** A candidate lowers one delegation's commission (at most its own rate). */
  cmt_setCompRate: (a) => staking('setCompRate', [bytesToHex(a.address('delegatorAddress')), a.commission('compRate')]),
  /** The two-step owner change: the request's id is the answer's `data`; the new account accepts with the self-stake. */
  cmt_updateCandidacyAccount: (a) => staking('updateCandidacyAccount', [bytesToHex(a.address('newCandidateAccount'))]),
  cmt_acceptCandidacyAccountUpdate: (a, backend) =>
    atHead(backend, async (store) => {
      const id = a.count('accountUpdateRequestId');
      const candidate = await ownerRequestCandidate(store, id);
      const self = candidate === undefined ? 0n : await store.get(LISTS_VIEW.delegation(candidate, await controllerOf(store, candidate)));
      return staking('acceptCandidacyAccountUpdate', [id], self);
    }),
  cmt_delegate: (a) => staking('delegate', [bytesToHex(a.address('validatorAddress'))], a.wei('amount')),
  cmt_withdraw: (a, backend, from) => {
    const validator = a.address('validatorAddress');
    if (!(a.has('completelyWithdraw') && a.flag('completelyWithdraw'))) return staking('withdraw', [bytesToHex(validator), a.wei('amount')]);
    return atHead(backend, async (store) => staking('withdraw', [bytesToHex(validator), await store.get(LISTS_VIEW.delegation(validator, hexToBytes(from)))]));
  },
  cmt_proposeTransferFund: (a) => {
    // only the community pool can be spent: CyberMiles let one validator's proposal freeze any account (§12.6)
    if (a.has('transferFrom') && bytesToHex(a.address('transferFrom')) !== bytesToHex(COMMUNITY_POOL_ADDRESS)) {
      throw invalidParams(`invalid transferFrom: governance transfers only from the community pool ${bytesToHex(COMMUNITY_POOL_ADDRESS)}`);
    }
    return governance('proposeTransferFund', [bytesToHex(a.address('transferTo')), a.wei('amount'), a.text('reason'), ...expiry(a)]);
  },
  cmt_proposeChangeParam: (a) => {
    const name = a.text('name');
    return governance('proposeChangeParam', [name, paramValue(a, name), a.text('reason'), ...expiry(a)]);
  },
  cmt_proposeRetireProgram: (a, backend) =>
    atHead(backend, async (store) => governance('proposeHalt', [a.count('retiredBlockHeight'), await preservedOwners(a, store), a.text('reason'), ...expiry(a)])),
  cmt_proposeUpgradeProgram: (a) => {
    const info = JSON.stringify({ version: a.text('version'), fileUrl: a.text('fileUrl'), md5: a.text('md5'), reason: a.text('reason') });
    return governance('proposeUpgrade', [a.text('name'), a.count('upgradeBlockHeight'), info, ...expiry(a)]);
  },
  cmt_vote: (a) => governance('vote', [a.count('proposalId'), a.flag('answer')]),
};

export const cmtWriteHandlers: HandlerTable = Object.fromEntries(
  Object.entries(WRITES).map(([method, build]) => [
    method,
    async (params: unknown[], backend: RpcBackend) => {
      if (backend.stakingParams === undefined) throw invalidParams('this chain has no staking (its genesis has no app_state.stake)');
      const args = WriteArgs.of(params);
      const from = bytesToHex(args.address('from'));
      return commitNativeCall(backend, from, args.fields, await build(args, backend, from));
    },
  ]),
);

/**
 * Fields left out keep their value (read from the candidate); a higher maxAmount sends the extra
 * self-stake it requires, as the staking rules compute it. A sender that is no candidate is refused by the
 * chain (NotACandidate), like any other refusal.
 */
async function updateCandidacy(a: WriteArgs, store: StakingStore, params: StakingParams, id: Uint8Array): Promise<NativeCallSpec> {
  const c = await readCandidate(store, id);
  const maxStake = a.has('maxAmount') ? a.wei('maxAmount') : (c?.maxStake ?? 0n);
  const extra = c === undefined ? 0n : await extraSelfStake(store, params, c, await controllerOf(store, id), maxStake);
  return staking('updateCandidacy', [
    bytesToHex(a.has('pubKey') ? a.pubKey('pubKey') : (c?.pubKey ?? new Uint8Array(32))),
    maxStake,
    a.has('compRate') ? a.commission('compRate') : (c?.commission ?? 0n),
    a.has('description') ? a.description('description') : (c?.description ?? ''),
  ], extra);
}

/**
 * [expireBlockHeight, expireTimestamp] as the contract takes them (0 = not named; neither: the default
 * period). One of the two, as in CyberMiles; the contract refuses both (BadExpiry).
 */
function expiry(a: WriteArgs): [bigint, bigint] {
  if (a.has('expireTimestamp') && a.has('expireBlockHeight')) throw invalidParams('name expireBlockHeight or expireTimestamp, not both');
  return [a.has('expireBlockHeight') ? a.count('expireBlockHeight') : 0n, a.has('expireTimestamp') ? a.count('expireTimestamp') : 0n];
}

/** A parameter's value as the governance contract takes it: ratios as 18-decimal fixed point, flags as 1/0. */
function paramValue(a: WriteArgs, name: string): bigint {
  if ((RATIO_PARAMS as readonly string[]).includes(name)) return a.rate('value');
  const v = a.fields.value;
  if (typeof v === 'boolean' || v === 'true' || v === 'false') return a.flag('value') ? 1n : 0n;
  return a.count('value');
}

/** CyberMiles named preserved validators by consensus key (comma-separated base64); owner addresses work too. */
async function preservedOwners(a: WriteArgs, store: StakingStore): Promise<Hex[]> {
  const v = a.fields.preservedValidators;
  const items = typeof v === 'string' ? v.split(',').map((s) => s.trim()).filter((s) => s !== '') : v;
  if (!Array.isArray(items) || items.some((i) => typeof i !== 'string')) throw invalidParams('invalid preservedValidators: expected comma-separated base64 consensus keys or a list of them');
  const owners: Hex[] = [];
  const byKey = new Map<string, Hex>();
  for (const owner of await store.listAll(LISTS_VIEW.candidates)) {
    const c = await readCandidate(store, owner);
    if (c !== undefined) byKey.set(bytesToHex(c.pubKey), bytesToHex(owner));
  }
  for (const item of items as string[]) {
    if (/^0x[0-9a-fA-F]{40}$/.test(item)) owners.push(item.toLowerCase() as Hex);
    else {
      const owner = byKey.get(bytesToHex(parsePubKey(item, 'preservedValidators')));
      if (owner === undefined) throw invalidParams(`invalid preservedValidators: no candidate has the consensus key ${item}`);
      owners.push(owner);
    }
  }
  return owners;
}
