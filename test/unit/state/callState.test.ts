/**
 * createCallState: the state eth_call and eth_estimateGas run on, call after call (Chain.withCallVM). Calls must
 * leave nothing behind: no account change, and no trie node added to the node store, which the JSON-RPC thread
 * never writes out. A cached state without the standing checkpoint flushes into the trie at every call's revert.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Account, Address } from '@ethereumjs/util';
import { createChainCommon, createExecutionVM } from '../../../src/evm/index.ts';
import { runCall } from '../../../src/execution/index.ts';
import { TrieNodeStore, createCallState, createWorldState, repointCallState } from '../../../src/state/index.ts';
import { createMemoryStore } from '../../../src/storage/index.ts';

const common = createChainCommon(1234n, 'osaka');
const FROM = new Address(new Uint8Array(20).fill(0xa1));
const TO = new Address(new Uint8Array(20).fill(0xb2));
const env = { height: 1n, timestamp: 1_800_000_000n, coinbase: new Uint8Array(20), gasLimit: 30_000_000n, baseFeePerGas: 0n, prevRandao: new Uint8Array(32) };

/** A node store holding a committed state with FROM funded; its root. */
async function committed(): Promise<{ nodes: TrieNodeStore; root: Uint8Array }> {
  const nodes = new TrieNodeStore(createMemoryStore());
  const state = createWorldState(nodes, common, undefined, { caches: true });
  await state.checkpoint();
  await state.putAccount(FROM, new Account(0n, 10n ** 18n));
  await state.commit();
  const root = await state.getStateRoot();
  nodes.takeWrites();
  return { nodes, root };
}

async function transferTwice(state: Awaited<ReturnType<typeof createCallState>>): Promise<void> {
  const vm = await createExecutionVM(common, state, () => undefined, { allowUnlimitedContractSize: false });
  for (let i = 0; i < 2; i++) {
    const outcome = await runCall(vm, vm.common, env, { from: FROM.bytes, to: TO.bytes, value: 5n }, 100_000n);
    assert.equal(outcome.error, undefined, 'the transfer runs');
  }
}

test('calls on a call state change nothing and add no trie nodes', async () => {
  const { nodes, root } = await committed();
  const state = await createCallState(nodes, common, root);
  await transferTwice(state);
  assert.equal((await state.getAccount(FROM))?.balance, 10n ** 18n, 'the sender keeps its balance');
  assert.equal(await state.getAccount(TO), undefined, 'the recipient still does not exist');
  assert.deepEqual(nodes.takeWrites(), [], 'no node went to the store');
});

test('a call state moved to another root reads that root, and calls there still add no trie nodes', async () => {
  const { nodes, root } = await committed();
  // a second root: FROM poorer, TO funded
  const next = createWorldState(nodes, common, root, { caches: true });
  await next.checkpoint();
  await next.putAccount(FROM, new Account(0n, 10n ** 17n));
  await next.putAccount(TO, new Account(0n, 3n));
  await next.commit();
  const nextRoot = await next.getStateRoot();
  nodes.takeWrites();
  const state = await createCallState(nodes, common, root);
  await transferTwice(state);
  repointCallState(state, nextRoot);
  assert.equal((await state.getAccount(FROM))?.balance, 10n ** 17n, 'the new root\'s sender');
  assert.equal((await state.getAccount(TO))?.balance, 3n, 'the new root\'s recipient');
  await transferTwice(state);
  assert.equal((await state.getAccount(TO))?.balance, 3n, 'calls there change nothing');
  repointCallState(state, root);
  assert.equal(await state.getAccount(TO), undefined, 'and back');
  assert.deepEqual(nodes.takeWrites(), [], 'no node went to the store');
  // moved back and forth with calls between: the standing checkpoint keeps nothing (MerkleStateManager.setStateRoot
  // would leave one root node in it per move, for the state's life)
  for (let i = 0; i < 20; i++) {
    repointCallState(state, i % 2 === 0 ? nextRoot : root);
    await transferTwice(state);
  }
  const layers = (state as unknown as { _trie: { database(): { checkpoints: Array<{ keyValueMap: Map<string, unknown> }> } } })._trie.database().checkpoints;
  assert.equal(layers.length, 1, 'the standing checkpoint alone');
  assert.equal(layers[0]?.keyValueMap.size, 0, 'holding no node');
});

test('without the standing checkpoint, each call\'s revert flushes into the trie (why createCallState opens one)', async () => {
  const { nodes, root } = await committed();
  await transferTwice(createWorldState(nodes, common, root, { caches: true }));
  assert.ok(nodes.takeWrites().length > 0, 'a plain cached state wrote nodes');
});
