/**
 * Typed reads and writes of staking words in the staking account's storage, and the CMT movements staking
 * makes (bonded funds are the staking account's balance). Everything goes through the world state, so it
 * shares the block's (and the calling transaction's) checkpoints.
 */
import { Account, Address } from '@ethereumjs/util';
import { bigintToBytes, bytesToBigint, padLeft, utf8ToBytes } from '../primitives/index.ts';
import type { WorldState } from '../state/index.ts';
import { STAKING_ADDRESS, slot } from './layout.ts';


export class StakingStore {
  private accountChecked = false;

  private readonly account: Address;

  /** `address`: whose storage holds the words (the staking account; governance keeps its own). */
  constructor(
    readonly state: WorldState,
    address: Uint8Array = STAKING_ADDRESS,
  ) {
    this.account = new Address(address);
  }

  /**
   * The staking account must exist before its storage is written, and must never look empty: EIP-161
   * deletes a touched account with no nonce, balance or code, storage and all. Nonce 1, as a contract's.
   */
  private async ensureAccount(): Promise<void> {
    if (this.accountChecked) return;
    this.accountChecked = true;
    const account = await this.state.getAccount(this.account);
    if (account === undefined) await this.state.putAccount(this.account, new Account(1n, 0n));
    else if (account.nonce === 0n) {
      account.nonce = 1n;
      await this.state.putAccount(this.account, account);
    }
  }

  async get(at: Uint8Array): Promise<bigint> {
    const v = await this.state.getStorage(this.account, at);
    return v.length === 0 ? 0n : bytesToBigint(v);
  }

  async set(at: Uint8Array, value: bigint): Promise<void> {
    await this.ensureAccount();
    // PERF: most words a block's rewards and election write hold that value already (the award list, the last
    // awards, the validator list); rewriting one changes no root but still re-hashes its trie path at the flush
    if ((await this.get(at)) === value) return;
    // a zero word is deleted from the trie, as the EVM does
    await this.state.putStorage(this.account, at, value === 0n ? new Uint8Array() : bigintToBytes(value));
  }

  async add(at: Uint8Array, delta: bigint): Promise<bigint> {
    const next = (await this.get(at)) + delta;
    if (next < 0n) throw new Error('staking word would go negative');
    await this.set(at, next);
    return next;
  }

  async address(at: Uint8Array): Promise<Uint8Array | undefined> {
    const v = await this.get(at);
    return v === 0n ? undefined : toWord(v, 20);
  }

  /** A word read as `length` bytes (a 32-byte key, a 20-byte address). */
  async fixed(at: Uint8Array, length: number): Promise<Uint8Array> {
    return toWord(await this.get(at), length);
  }

  /** Bytes of any length: the length word at `at`, the content in words from keccak(at). */
  async bytes(at: Uint8Array): Promise<Uint8Array> {
    const length = Number(await this.get(at));
    const out = new Uint8Array(length);
    for (let i = 0; i * 32 < length; i++) {
      const w = await this.fixed(slot('bytes', at, BigInt(i)), 32);
      out.set(w.subarray(0, Math.min(32, length - i * 32)), i * 32);
    }
    return out;
  }

  async setBytes(at: Uint8Array, value: Uint8Array): Promise<void> {
    const old = Number(await this.get(at));
    await this.set(at, BigInt(value.length));
    for (let i = 0; i * 32 < Math.max(value.length, old); i++) {
      const chunk = new Uint8Array(32);
      chunk.set(value.subarray(i * 32, i * 32 + 32));
      await this.set(slot('bytes', at, BigInt(i)), i * 32 < value.length ? bytesToBigint(chunk) : 0n);
    }
  }

  async setText(at: Uint8Array, text: string): Promise<void> {
    await this.setBytes(at, utf8ToBytes(text));
  }

  // ---- lists of addresses: count at slot(name, ...keys), item i at slot(name + '.item', ...keys, i) ----

  listSlot(name: string, ...keys: Array<Uint8Array | bigint>): Uint8Array {
    return slot(name, ...keys);
  }

  async listLength(name: string, ...keys: Array<Uint8Array | bigint>): Promise<bigint> {
    return this.get(slot(name, ...keys));
  }

  async listItem(name: string, keys: Array<Uint8Array | bigint>, index: bigint): Promise<Uint8Array> {
    return (await this.address(slot(`${name}.item`, ...keys, index))) ?? new Uint8Array(20);
  }

  async listAll(name: string, ...keys: Array<Uint8Array | bigint>): Promise<Uint8Array[]> {
    const n = await this.get(slot(name, ...keys));
    const out: Uint8Array[] = [];
    for (let i = 0n; i < n; i++) out.push(await this.listItem(name, keys, i));
    return out;
  }

  async listPush(name: string, keys: Array<Uint8Array | bigint>, item: Uint8Array): Promise<bigint> {
    const count = await this.get(slot(name, ...keys));
    await this.set(slot(`${name}.item`, ...keys, count), bytesToBigint(item));
    await this.set(slot(name, ...keys), count + 1n);
    return count;
  }

  /** Replaces the whole list (the validator set after an election). */
  async listReplace(name: string, keys: Array<Uint8Array | bigint>, items: Uint8Array[]): Promise<void> {
    const old = await this.get(slot(name, ...keys));
    for (let i = 0n; i < BigInt(items.length); i++) await this.set(slot(`${name}.item`, ...keys, i), bytesToBigint(items[Number(i)] as Uint8Array));
    for (let i = BigInt(items.length); i < old; i++) await this.set(slot(`${name}.item`, ...keys, i), 0n);
    await this.set(slot(name, ...keys), BigInt(items.length));
  }

  // ---- CMT ----

  async balanceOf(address: Uint8Array): Promise<bigint> {
    return (await this.state.getAccount(new Address(address)))?.balance ?? 0n;
  }

  /** Moves `amount` wei from this store's account to `to` (an unbonding that matured, a claim, a grant). */
  async pay(to: Uint8Array, amount: bigint): Promise<void> {
    if (amount === 0n) return;
    const from = (await this.state.getAccount(this.account)) ?? new Account();
    if (from.balance < amount) throw new Error(`${this.account.toString()} holds ${from.balance} wei, cannot pay ${amount}`);
    from.balance -= amount;
    await this.state.putAccount(this.account, from);
    const target = new Address(to);
    const account = (await this.state.getAccount(target)) ?? new Account();
    account.balance += amount;
    await this.state.putAccount(target, account);
  }
}

/** `value` as a big-endian number of exactly `length` bytes (list items and ids are kept address-sized). */
export function toWord(value: bigint, length: number): Uint8Array {
  return padLeft(bigintToBytes(value), length);
}
