/**
 * logsBloom.ts keeps the bloom positions of each address and topic; the bloom must stay @ethereumjs's,
 * including for an address and a topic of the same numeric value (different bytes, different hashes) and
 * for items seen before.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Bloom } from '@ethereumjs/vm';
import { logsBloom } from '../../../src/execution/logsBloom.ts';
import { wordBytes } from '../../../src/evm/index.ts';
import { bytesToBigint, bytesToHex } from '../../../src/primitives/index.ts';
import { createTestChain } from '../../utils/chain.ts';
import { seededRandom } from '../../utils/random.ts';

test('logsBloom equals @ethereumjs Bloom.add over the address and every topic, memoised or not', async () => {
  const { common } = await createTestChain(1);
  const rand = seededRandom(Number(process.env.SEED ?? 7));
  const randomBytes = (n: number) => Uint8Array.from({ length: n }, () => Math.floor(rand() * 256));
  const addresses = Array.from({ length: 5 }, () => randomBytes(20));
  const topicValues = [...Array.from({ length: 6 }, () => bytesToBigint(randomBytes(32))), ...addresses.map(bytesToBigint)];
  for (let round = 0; round < 200; round++) {
    const address = addresses[Math.floor(rand() * addresses.length)] as Uint8Array;
    const topics = Array.from({ length: Math.floor(rand() * 9) }, () => {
      const value = topicValues[Math.floor(rand() * topicValues.length)] as bigint;
      return { value, bytes: wordBytes(value) };
    });
    const expected = new Bloom(undefined, common);
    expected.add(address);
    for (const t of topics) expected.add(t.bytes);
    const actual = logsBloom(common, bytesToBigint(address), address, topics);
    assert.equal(bytesToHex(actual.bitvector), bytesToHex(expected.bitvector), `round ${round}`);
  }
});
