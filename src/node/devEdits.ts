/** Applies dev-mode state edits at the start of the block mined for them (ADR 0006). */
import { Account, Address } from '@ethereumjs/util';
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
