/**
 * @ethereumjs's MerkleStateManager with one change: flushing the caches into the tries (the end of a block,
 * BlockBuilder.flushState, getStateRoot) applies the dirty accounts to the account trie, and each account's
 * dirty slots to its storage trie, in one sorted pass per trie (batchTrieUpdate.ts) instead of one
 * `put`/`del` each. PERF: docs/adr/0018 (a 3,100-account block wrote ~19,200 trie nodes one put at a time).
 *
 * Everything else is the parent's: reads, caches, checkpoint/commit/revert. The new nodes go through the
 * trie's own CheckpointDB exactly as the MPT's writes do (into the open checkpoint, if any, so a revert
 * drops them; else to the node store), and the root is set the same way. The values written are those the
 * parent's flush writes (`MerkleStateManager.flush` in @ethereumjs/statemanager 10.1.3): code first (which
 * may create accounts), then storage (each account's storage root updated in the account cache), then the
 * accounts. test/unit/state/batchedStateManager.test.ts runs both side by side.
 */
import type { MerklePatriciaTrie } from '@ethereumjs/mpt';
import { RLP } from '../encoding/index.ts';
import { CODEHASH_PREFIX, MerkleStateManager } from '@ethereumjs/statemanager';
import { Account, Address, EthereumJSErrorWithoutCode, KeyEncoding, ValueEncoding, concatBytes, createAccountFromRLP, createAddressFromString, unpadBytes, unprefixedHexToBytes } from '@ethereumjs/util';
import { bareHex, keyBytes } from '../primitives/index.ts';
import { applyTrieChanges, lookupTrie } from './batchTrieUpdate.ts';
import type { TrieChange, TrieNodeReader } from './batchTrieUpdate.ts';
import { TrieNodeStore } from './trieNodeStore.ts';
import { copyAccount } from './accountCache.ts';
import type { AccountElement } from './accountCache.ts';

const EMPTY = new Uint8Array();
const RLP_EMPTY = new Uint8Array([0x80]);

/** The parts of the MPT the pass needs that @ethereumjs keeps protected. */
interface TrieInternals {
  _opts: { useKeyHashing: boolean; useKeyHashingFunction: (data: Uint8Array) => Uint8Array };
  _getDbKey(hash: Uint8Array): Uint8Array;
}

/**
 * The trie's hash function. PERF: the MPT's own `hash` and `appliedKey` copy every digest
 * (`Uint8Array.from`) in case the function hands out a shared buffer; ours (the chain's keccak256, through
 * Common's customCrypto) returns a new array each time, and a block hashes ~15,000 trie nodes and keys.
 */
function hashOf(trie: MerklePatriciaTrie): (data: Uint8Array) => Uint8Array {
  return (trie as unknown as TrieInternals)._opts.useKeyHashingFunction;
}

/** The key the trie stores `key` under: hashed in a secure trie (every state and storage trie here). */
function appliedKey(trie: MerklePatriciaTrie, key: Uint8Array): Uint8Array {
  const opts = (trie as unknown as TrieInternals)._opts;
  return opts.useKeyHashing ? opts.useKeyHashingFunction(key) : key;
}

export class BatchedStateManager extends MerkleStateManager {
  /**
   * Moves a call state (worldState.ts, createCallState) to another root between calls. Every call reverted its
   * writes, so the caches' journals at the standing depth hold only what was read: they are dropped, not flushed (a
   * flush would write those accounts' trie nodes again). Not setStateRoot: its root check reads the root node
   * through the trie's CheckpointDB, which keeps what it reads in the open checkpoint, here the standing one that is
   * never closed: one node more per move, for the node's life.
   */
  moveTo(root: Uint8Array): void {
    const caches = this._caches;
    caches?.account?.flush();
    caches?.storage?.flush();
    caches?.code?.flush();
    caches?.clear();
    this._trie.root(root);
    this._storageTries = {};
  }

  /** The parent's, with the trie read by lookupTrie (see there) instead of the MPT's get. */
  override async getAccount(address: Address): Promise<Account | undefined> {
    const caches = this._caches;
    const elem = caches?.account?.get(address) as AccountElement | undefined;
    if (elem !== undefined) {
      if (elem.accountRLP === undefined) return undefined;
      // the cache keeps what it was given decoded (accountCache.ts); only a partial account has just its RLP
      return elem.account !== undefined ? copyAccount(elem.account) : createAccountFromRLP(elem.accountRLP);
    }
    const rlp = await trieGet(this._trie, address.bytes);
    const account = rlp !== undefined ? createAccountFromRLP(rlp) : undefined;
    caches?.account?.put(address, account);
    return account;
  }

  /**
   * With caches, a slot is written to the cache only, and reaches the storage trie at the next flush, as
   * accounts do. PERF: the parent's `this._caches?.storage?.put(...) ?? (await this._writeContractStorage(...))`
   * always writes through as well (the cache's put returns undefined), so every SSTORE also did an MPT put
   * into the storage trie and re-stored the account: ~1 ms per ERC-20 transfer (ADR 0018). The flush gives
   * the same trie, as the tests against MerkleStateManager check.
   */
  override async putStorage(address: Address, key: Uint8Array, value: Uint8Array): Promise<void> {
    const cache = this._caches?.storage;
    if (cache === undefined) return super.putStorage(address, key, value);
    if (key.length !== 32) throw EthereumJSErrorWithoutCode('Storage key must be 32 bytes long');
    if (value.length > 32) throw EthereumJSErrorWithoutCode('Storage value cannot be longer than 32 bytes');
    const elem = this._caches?.account?.get(address); // the existence check without decoding the account
    const exists = elem !== undefined ? elem.accountRLP !== undefined : (await this.getAccount(address)) !== undefined;
    if (!exists) throw EthereumJSErrorWithoutCode('putStorage() called on non-existing account');
    cache.put(address, key, RLP.encode(unpadBytes(value)));
  }

  /** The parent's, with the storage trie read by lookupTrie. */
  override async getStorage(address: Address, key: Uint8Array): Promise<Uint8Array> {
    if (key.length !== 32) throw EthereumJSErrorWithoutCode('Storage key must be 32 bytes long');
    const cached = this._caches?.storage?.get(address, key);
    if (cached !== undefined) return RLP.decode(cached ?? EMPTY) as Uint8Array;
    const account = await this.getAccount(address);
    if (account === undefined) return new Uint8Array();
    const value = await trieGet(this._getStorageTrie(address, account), key);
    this._caches?.storage?.put(address, key, value ?? RLP_EMPTY);
    return RLP.decode(value ?? EMPTY) as Uint8Array;
  }

  override async flush(): Promise<void> {
    const caches = this._caches;
    if (caches === undefined) return; // without caches every write went to the trie already
    const keccak = (this as unknown as { keccakFunction: (data: Uint8Array) => Uint8Array }).keccakFunction;

    for (const [addressHex, elem] of caches.code?.flush() ?? []) {
      const code = elem.code;
      if (code === undefined) continue;
      const address = createAddressFromString(`0x${addressHex}`);
      const codeHash = keccak(code);
      await this._getCodeDB().put(this._prefixCodeHashes ? concatBytes(CODEHASH_PREFIX, codeHash) : codeHash, code);
      if ((await this.getAccount(address)) === undefined) await this.putAccount(address, new Account());
      await this.modifyAccountFields(address, { codeHash });
    }

    // the caches' keys are `bytesKey`s of the address and the slot (accountCache.ts, storageCache.ts)
    const slotsByAccount = new Map<string, Array<[string, Uint8Array | undefined]>>();
    for (const [addressKey, slotKey, value] of caches.storage?.flush() ?? []) {
      let slots = slotsByAccount.get(addressKey);
      if (slots === undefined) slotsByAccount.set(addressKey, (slots = []));
      slots.push([slotKey, value]);
    }
    for (const [addressKey, slots] of slotsByAccount) {
      const address = new Address(keyBytes(addressKey));
      const account = await this.getAccount(address);
      if (account === undefined) continue; // the parent skips slots of accounts that no longer exist
      const trie = this._getStorageTrie(address, account);
      const changes: TrieChange[] = slots.map(([slotKey, value]) => {
        const decoded = RLP.decode(value ?? EMPTY) as Uint8Array;
        return { key: appliedKey(trie, keyBytes(slotKey)), value: decoded.length > 0 ? RLP.encode(decoded) : null };
      });
      await applyToTrie(trie, changes);
      this._storageTries[bareHex(address.bytes)] = trie; // as the parent's _modifyContractStorage leaves it
      account.storageRoot = trie.root();
      await this.putAccount(address, account);
    }

    const accountTrie = this._trie;
    const changes: TrieChange[] = (caches.account?.flush() ?? []).map(([addressKey, elem]) => ({
      key: appliedKey(accountTrie, keyBytes(addressKey)),
      value: elem.accountRLP ?? null,
    }));
    await applyToTrie(this._trie, changes);
  }
}

/**
 * Reads `trie`'s nodes through its CheckpointDB's open checkpoints, then the store below, without copying
 * what is read into the checkpoint as CheckpointDB.get does (a node read from the store is already there:
 * committing it again would only rewrite it).
 */
function nodeReader(trie: MerklePatriciaTrie): TrieNodeReader {
  const internals = trie as unknown as TrieInternals;
  const db = trie.database();
  const store = db.db instanceof TrieNodeStore ? db.db : undefined;
  return async (hash) => {
    const known = store?.nodeByHash(hash);
    if (known !== undefined) return known;
    const key = bareHex(internals._getDbKey(hash));
    for (let i = db.checkpoints.length - 1; i >= 0; i--) {
      const layer = (db.checkpoints[i] as (typeof db.checkpoints)[number]).keyValueMap;
      if (layer.has(key)) return layer.get(key);
    }
    const stored = await db.db.get(key, { keyEncoding: KeyEncoding.String, valueEncoding: ValueEncoding.Bytes });
    const value = typeof stored === 'string' ? unprefixedHexToBytes(stored) : stored;
    if (value !== undefined) store?.knowByHash(hash, value);
    return value;
  };
}

/** What `trie.get(key)` returns (undefined for null). */
function trieGet(trie: MerklePatriciaTrie, key: Uint8Array): Promise<Uint8Array | undefined> {
  return lookupTrie(trie.root(), appliedKey(trie, key), nodeReader(trie));
}

/**
 * One pass of `changes` into `trie`. The new nodes go straight to the node store when it is ours (see
 * TrieNodeStore: content-addressed, so a revert needs only the root back), else through the CheckpointDB's
 * batch, as the MPT writes them.
 */
async function applyToTrie(trie: MerklePatriciaTrie, changes: TrieChange[]): Promise<void> {
  if (changes.length === 0) return;
  const internals = trie as unknown as TrieInternals;
  const db = trie.database();
  const update = await applyTrieChanges(trie.root(), nodeReader(trie), changes, hashOf(trie));
  const store = db.db;
  if (store instanceof TrieNodeStore) {
    for (const node of update.nodes) {
      const dbKey = internals._getDbKey(node.hash);
      store.putNode(bareHex(dbKey), dbKey, node.encoded);
      store.knowByHash(node.hash, node.encoded);
    }
  } else {
    await db.batch(update.nodes.map((node) => ({ type: 'put' as const, key: internals._getDbKey(node.hash), value: node.encoded })));
  }
  trie.root(update.root);
}
