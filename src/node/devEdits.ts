/**
 * Dev-mode state edits (hardhat_setBalance and friends, ADR 0009): applying them to a world state, and
 * their stored form. Pending edits are kept on disk with the hash of the head they apply on top of, so a
 * restart keeps them; once a block has committed them the head differs and the record is ignored.
 */
import { Account, Address } from '@ethereumjs/util';
import { RLP } from '../encoding/index.ts';
import { ChainError, bigintToBytes, bytesToBigint, equalBytes } from '../primitives/index.ts';
import type { DevEdit } from '../rpc/index.ts';
import type { WorldState } from '../state/index.ts';

export async function applyDevEdits(state: WorldState, edits: readonly DevEdit[]): Promise<void> {
  for (const edit of edits) {
    const address = new Address(edit.address);
    switch (edit.kind) {
      case 'balance':
      case 'nonce': {
        const account = (await state.getAccount(address)) ?? new Account();
        if (edit.kind === 'balance') account.balance = edit.value;
        else account.nonce = edit.value;
        await state.putAccount(address, account);
        break;
      }
      case 'code':
        await state.putCode(address, edit.code);
        break;
      case 'storage': {
        let i = 0;
        while (i < edit.value.length && edit.value[i] === 0) i++;
        await state.putStorage(address, edit.slot, edit.value.subarray(i));
        break;
      }
    }
  }
}

const KINDS = ['balance', 'nonce', 'code', 'storage'] as const;

function editFields(edit: DevEdit): Uint8Array[] {
  const kind = new Uint8Array([KINDS.indexOf(edit.kind)]);
  switch (edit.kind) {
    case 'balance':
    case 'nonce':
      return [kind, edit.address, bigintToBytes(edit.value)];
    case 'code':
      return [kind, edit.address, edit.code];
    case 'storage':
      return [kind, edit.address, edit.slot, edit.value];
  }
}

function editFrom(fields: unknown): DevEdit {
  if (!Array.isArray(fields) || !fields.every((f) => f instanceof Uint8Array)) throw new ChainError('BAD_ENCODING', 'dev edit: expected a list of byte strings');
  const [kind, address, a, b] = fields as Uint8Array[];
  const name = KINDS[kind?.[0] ?? -1];
  if (address === undefined || a === undefined) throw new ChainError('BAD_ENCODING', 'dev edit: too few fields');
  if (name === 'balance' || name === 'nonce') return { kind: name, address, value: bytesToBigint(a) };
  if (name === 'code') return { kind: 'code', address, code: a };
  if (name === 'storage' && b !== undefined) return { kind: 'storage', address, slot: a, value: b };
  throw new ChainError('BAD_ENCODING', `dev edit: unknown kind ${kind?.[0]}`);
}

export function encodePendingEdits(headHash: Uint8Array, edits: readonly DevEdit[]): Uint8Array {
  return RLP.encode([headHash, edits.map(editFields)]);
}

/** The stored edits if they still apply on top of `headHash`; none once a block has committed them. */
export function decodePendingEdits(bytes: Uint8Array | undefined, headHash: Uint8Array): DevEdit[] {
  if (bytes === undefined) return [];
  const decoded = RLP.decode(bytes);
  if (!Array.isArray(decoded) || !(decoded[0] instanceof Uint8Array) || !Array.isArray(decoded[1])) {
    throw new ChainError('BAD_ENCODING', 'pending dev edits: expected [headHash, edits]');
  }
  if (!equalBytes(decoded[0], headHash)) return [];
  return decoded[1].map(editFrom);
}
