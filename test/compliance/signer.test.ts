/**
 * The signer compliance suite, run on every state store (memory, file): it signs what it may, repeats an
 * identical message, refuses every double-sign and regression, and, with the file store, keeps all of that
 * across restarts and a kill -9 in the middle of signing.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { ed25519Verify } from '../../src/crypto/index.ts';
import { createFileSignerState, createMemorySignerState, createSigner } from '../../src/node/signer.ts';
import type { SignerStateStore } from '../../src/node/signer.ts';
import { ChainError } from '../../src/primitives/index.ts';
import { proposalSignBytes, voteSignBytes } from '../../src/types/index.ts';

const SEED = new Uint8Array(32).fill(7);
const CHAIN = 'cmt-test';
const A = new Uint8Array(32).fill(0xaa);
const B = new Uint8Array(32).fill(0xbb);

const stores: Array<[string, () => { store: () => SignerStateStore; cleanup: () => void }]> = [
  ['memory', () => {
    const s = createMemorySignerState();
    return { store: () => s, cleanup: () => {} };
  }],
  ['file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cmt-signer-'));
    const path = join(dir, 'priv_validator_state.json');
    return { store: () => createFileSignerState(path), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
  }],
];

for (const [name, make] of stores) {
  describe(`signer (${name} state)`, () => {
    test('signs votes and proposals that verify, and repeats an identical message with its first signature', () => {
      const { store, cleanup } = make();
      const signer = createSigner(SEED, CHAIN, store());
      const v = signer.signVote('prevote', 5n, 0, A, 1000n);
      assert.ok(v);
      assert.ok(ed25519Verify(signer.publicKey, voteSignBytes(CHAIN, 'prevote', 5n, 0, A, 1000n), v.signature));
      assert.deepEqual(signer.signVote('prevote', 5n, 0, A, 2000n), v, 'same vote later: same timestamp and signature');
      const p = signer.signProposal(6n, 0, B, -1);
      assert.ok(p && ed25519Verify(signer.publicKey, proposalSignBytes(CHAIN, 6n, 0, B, -1), p));
      assert.deepEqual(signer.signProposal(6n, 0, B, -1), p);
      cleanup();
    });

    test('refuses another value at the same height, round and step, and every regression', () => {
      const { store, cleanup } = make();
      const refused: string[] = [];
      const signer = createSigner(SEED, CHAIN, store(), (r) => refused.push(r));
      assert.ok(signer.signVote('prevote', 5n, 1, A, 1n));
      assert.equal(signer.signVote('prevote', 5n, 1, B, 1n), undefined, 'another block');
      assert.equal(signer.signVote('prevote', 5n, 1, null, 1n), undefined, 'nil after a block');
      assert.ok(signer.signVote('precommit', 5n, 1, null, 1n), 'the next step may be nil');
      assert.equal(signer.signVote('prevote', 5n, 1, A, 1n), undefined, 'a step back');
      assert.equal(signer.signVote('precommit', 5n, 0, A, 1n), undefined, 'a round back');
      assert.equal(signer.signVote('precommit', 4n, 9, A, 1n), undefined, 'a height back');
      assert.equal(signer.signProposal(5n, 1, A, -1), undefined, 'a proposal after votes of the round');
      assert.ok(signer.signProposal(5n, 2, A, 1), 'the next round');
      assert.equal(signer.signProposal(5n, 2, A, 0), undefined, 'same block, another valid round');
      assert.equal(refused.length, 7);
      assert.match(refused[0] ?? '', /double-sign/);
      cleanup();
    });

    test('a restarted signer over the same state keeps refusing and repeating', () => {
      const { store, cleanup } = make();
      const first = createSigner(SEED, CHAIN, store());
      const v = first.signVote('precommit', 9n, 3, A, 77n);
      const again = createSigner(SEED, CHAIN, store());
      assert.deepEqual(again.signVote('precommit', 9n, 3, A, 99n), v);
      assert.equal(again.signVote('precommit', 9n, 3, B, 99n), undefined);
      assert.ok(again.signVote('prevote', 10n, 0, B, 100n));
      cleanup();
    });

    test('no signature leaves when the state cannot be saved', () => {
      const { store, cleanup } = make();
      const inner = store();
      let failing = true;
      const flaky: SignerStateStore = { load: () => inner.load(), save: (s) => (failing ? (() => { throw new Error('disk full'); })() : inner.save(s)) };
      const signer = createSigner(SEED, CHAIN, flaky);
      assert.throws(() => signer.signVote('prevote', 1n, 0, A, 1n), /disk full/);
      failing = false;
      assert.ok(signer.signVote('prevote', 1n, 0, B, 1n), 'nothing was recorded as signed, so B is not a double-sign');
      cleanup();
    });
  });
}

test('file state: a corrupt file stops the signer instead of guessing', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cmt-signer-'));
  const path = join(dir, 'priv_validator_state.json');
  writeFileSync(path, '{"height": "12", "round": 0, "ste');
  assert.throws(() => createSigner(SEED, CHAIN, createFileSignerState(path)), (e: unknown) => e instanceof ChainError && e.code === 'SIGNER_STATE_CORRUPT');
  rmSync(dir, { recursive: true, force: true });
});

test('file state: kill -9 while signing never loses a signature that was handed out', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cmt-signer-'));
  const path = join(dir, 'priv_validator_state.json');
  const script = `
    import { createFileSignerState, createSigner } from ${JSON.stringify(new URL('../../src/node/signer.ts', import.meta.url).href)};
    const signer = createSigner(new Uint8Array(32).fill(7), 'cmt-test', createFileSignerState(${JSON.stringify(path)}));
    for (let h = 1n; ; h++) {
      const v = signer.signVote('precommit', h, 0, new Uint8Array(32).fill(Number(h % 250n)), h);
      process.stdout.write(h + ' ' + Buffer.from(v.signature).toString('hex') + '\\n');
    }`;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  await new Promise<void>((resolve) => {
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.split('\n').length > 40) {
        child.kill('SIGKILL');
        resolve();
      }
    });
  });
  await new Promise((r) => child.once('exit', r));
  const lines = out.trim().split('\n').filter((l) => /^\d+ [0-9a-f]{128}$/.test(l));
  const [lastHeight, lastSig] = (lines.at(-1) as string).split(' ') as [string, string];
  const state = createFileSignerState(path).load();
  assert.ok(state, 'the state survived');
  assert.ok(state.height >= BigInt(lastHeight), `state at ${state.height}, last handed out ${lastHeight}`);
  if (state.height === BigInt(lastHeight)) assert.equal(Buffer.from(state.signature).toString('hex'), lastSig);
  const restarted = createSigner(SEED, CHAIN, createFileSignerState(path));
  assert.equal(restarted.signVote('precommit', BigInt(lastHeight), 0, new Uint8Array(32).fill(1), 5n), undefined, 'a handed-out height cannot be signed for another block');
  rmSync(dir, { recursive: true, force: true });
});
