/**
 * JSON-RPC conformance: replays every test/fixtures/rpc/<method>/<case>.io fixture (ethereum/execution-apis
 * `tests/` format) against a real `cmt` node over HTTP and compares each answer with the expected one, one
 * subtest per file. The chain they are written against is built first (test/utils/conformanceChain.ts); the
 * comparison and placeholder rules are documented at the top of test/utils/conformance.ts.
 *
 * A fixture that changes the chain or the pool (eth_sendRawTransaction) is undone with evm_snapshot/evm_revert,
 * so every file sees the same 6-block chain whatever the order.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { checkSchemas, compareJson, formatMismatches, parseIoFile, substitute } from '../utils/conformance.ts';
import type { Fixture, PlaceholderValues } from '../utils/conformance.ts';
import { buildConformanceChain } from '../utils/conformanceChain.ts';
import type { ChainFacts } from '../utils/conformanceChain.ts';
import { removeHome } from '../utils/node.ts';

const ROOT = join(import.meta.dirname, '../fixtures/rpc');

function listFixtures(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? listFixtures(join(dir, e.name)) : e.name.endsWith('.io') ? [join(dir, e.name)] : []))
    .sort();
}

const fixtures: Fixture[] = listFixtures(ROOT).map((path) => parseIoFile(relative(ROOT, path).replace(/\.io$/, ''), readFileSync(path, 'utf8')));

async function post(url: string, body: string): Promise<{ status: number; text: string }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  return { status: res.status, text: await res.text() };
}

describe('conformance comparator', () => {
  const diff = (actual: unknown, expected: unknown): string[] => compareJson(actual, expected).map((m) => `${m.path}: ${m.problem}`);
  it('compares quantities byte for byte', () => {
    assert.deepEqual(diff({ result: '0x01' }, { result: '0x1' }), ['$.result: expected "0x1", got "0x01"']);
  });
  it('reports missing and extra fields, ignores key order', () => {
    assert.deepEqual(diff({ b: 1, a: 2 }, { a: 2, b: 1 }), []);
    assert.deepEqual(diff({ a: 1, c: 3 }, { a: 1, b: 2 }), ['$.b: missing (expected 2)', '$.c: unexpected field (value 3)']);
  });
  it('does not compare plain error messages, but does compare codes, data and $MATCHES messages', () => {
    assert.deepEqual(diff({ error: { code: 3, message: 'x', data: '0x' } }, { error: { code: 3, message: 'y', data: '0x' } }), []);
    assert.equal(diff({ error: { code: -32000, message: 'x' } }, { error: { code: 1, message: 'y' } }).length, 1);
    assert.equal(diff({ error: { code: 1, message: 'nonce is low' } }, { error: { code: 1, message: '$MATCHES(nonce too low)' } }).length, 1);
    assert.equal(diff({ error: { code: 1 } }, { error: { code: 1, message: 'y' } }).length, 1);
  });
  it('resolves placeholders and applies matchers', () => {
    const values = { blockHashes: [`0x${'ab'.repeat(32)}`], txHashes: [], rawTxs: [], contract: `0x${'cd'.repeat(20)}`, proposer: `0x${'ef'.repeat(20)}` };
    assert.equal(substitute('["$BLOCK_HASH(0)","$CONTRACT"]', values), `["0x${'ab'.repeat(32)}","0x${'cd'.repeat(20)}"]`);
    assert.throws(() => substitute('"$BLOCK_HASH(1)"', values), /unknown placeholder/);
    assert.deepEqual(diff([`0x${'00'.repeat(32)}`, '0x1', '0x', null], ['$ANY_HASH', '$ANY_QUANTITY', '$ANY_DATA', '$ANY']), []);
    assert.equal(diff(['0x0', '0x00', '0x0'], ['$ANY_HASH', '$ANY_QUANTITY', '$ANY_DATA']).length, 3);
  });
  it('checks result schemas by method', () => {
    const problems = checkSchemas('{"jsonrpc":"2.0","id":1,"method":"eth_getLogs"}', { jsonrpc: '2.0', id: 1, result: [{ transactionHash: '0x12', logIndex: '0x01', extra: 1 }] });
    assert.deepEqual(problems.map((p) => p.path), ['$.result[0].transactionHash', '$.result[0].logIndex', '$.result[0].extra']);
  });
});

describe('JSON-RPC conformance (execution-apis .io fixtures)', { timeout: 120_000 }, () => {
  let chain: ChainFacts;
  let values: PlaceholderValues;
  const started = Date.now();

  before(async () => {
    chain = await buildConformanceChain();
    values = chain;
  });

  after(async () => {
    if (chain === undefined) return;
    await chain.node.stop();
    removeHome(chain.node.home);
    process.stdout.write(`conformance: ${fixtures.length} fixtures, ${fixtures.reduce((n, f) => n + f.trips.length, 0)} round trips, ${Date.now() - started} ms\n`);
  });

  it('has fixtures', () => assert.ok(fixtures.length > 0, `no .io files under ${ROOT}`));

  for (const fixture of fixtures) {
    it(fixture.name, { todo: fixture.todo }, async (t) => {
      const snapshot = await chain.node.rpc<string>('evm_snapshot');
      const failures: string[] = [];
      try {
        for (const trip of fixture.trips) {
          const request = substitute(trip.request, values);
          const { status, text } = await post(chain.node.url, request);
          let actual: unknown;
          try {
            actual = JSON.parse(text);
          } catch {
            failures.push(`line ${trip.line}: HTTP ${status}, the body is not JSON: ${JSON.stringify(text.slice(0, 200))}`);
            continue;
          }
          const problems = checkSchemas(request, actual);
          if (!fixture.specOnly) problems.unshift(...compareJson(actual, JSON.parse(substitute(trip.response, values))));
          if (problems.length > 0) {
            failures.push(
              `line ${trip.line}: ${problems.length} difference(s)\n${formatMismatches(problems)}\n  >> ${request.length > 300 ? `${request.slice(0, 300)}...` : request}\n  << ${text.trim()}`,
            );
          }
        }
      } finally {
        await restoreChain(snapshot);
      }
      if (failures.length > 0) assert.fail(`${fixture.name}.io (${fixture.comments[0]}):\n${failures.join('\n')}`);
      if (fixture.todo !== undefined) t.diagnostic(`${fixture.name}.io passes now: delete its "// todo:" line`);
    });
  }

  it('leaves the chain as it was built (head and head hash)', async () => {
    const head = await chain.node.rpc<{ number: string; hash: string }>('eth_getBlockByNumber', ['latest', false]);
    assert.equal(Number(head.number), chain.head);
    assert.equal(head.hash, chain.blockHashes[chain.head]);
  });

  /** Undoes what a fixture did to the chain or the pool; a no-op for the read-only majority. */
  async function restoreChain(snapshot: string): Promise<void> {
    const head = await chain.node.rpc<string>('eth_blockNumber');
    const pool = await chain.node.rpc<{ pending: string; queued: string }>('txpool_status');
    if (Number(head) === chain.head && pool.pending === '0x0' && pool.queued === '0x0') return;
    assert.equal(await chain.node.rpc('evm_revert', [snapshot]), true, 'evm_revert failed');
    assert.equal(Number(await chain.node.rpc<string>('eth_blockNumber')), chain.head, 'evm_revert did not restore the head');
  }
});
