import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatTable, summarise } from '../../../bench/lib/report.ts';
import type { RunRecord } from '../../../bench/lib/report.ts';
import type { Measurement } from '../../../bench/lib/measure.ts';

/** A measurement of `txs` transactions all included after `elapsedMs`. */
function measured(txs: number, elapsedMs: number): Measurement {
  return { txs, accepted: txs, included: txs, elapsedMs, sendMs: elapsedMs / 2, latenciesMs: [100, 200, 300], blocks: 1, okReceipts: txs, timedOut: false, errors: [] };
}

describe('bench report', () => {
  it("compares each of our runs with the same run of each peer (fresh with fresh, warm with warm)", () => {
    const records: RunRecord[] = [
      { node: 'cmt', workload: 'eth', phase: 'fresh', txs: 3000, measurement: measured(3000, 2000) },
      { node: 'cmt', workload: 'eth', phase: 'warm', txs: 3000, measurement: measured(3000, 1000) },
      { node: 'anvil', workload: 'eth', phase: 'fresh', txs: 3000, measurement: measured(3000, 1000) },
      { node: 'anvil', workload: 'eth', phase: 'warm', txs: 3000, measurement: measured(3000, 1500) },
      { node: 'hardhat', workload: 'eth', phase: 'warm', txs: 3000, failed: 'did not start' },
    ];
    const rows = summarise(records);
    const cmt = (phase: string) => rows.find((r) => r.node === 'cmt' && r.phase === phase);
    assert.equal(cmt('fresh')?.txPerSec, 1500);
    assert.equal(cmt('fresh')?.vsAnvil, 0.5);
    assert.equal(cmt('warm')?.vsAnvil, 1.5, 'warm against anvil warm (3,000 / 2,000), not anvil fresh');
    assert.equal(cmt('warm')?.vsHardhat, null, 'no ratio to a run that failed');
    const table = formatTable(rows);
    assert.match(table.split('\n')[0] as string, /^node\s+workload\s+run\s+txs\s+tx\/s/);
    assert.match(table, /cmt\s+eth\s+warm\s+3000\s+3,000\s.*1\.50x/);
    assert.match(table, /hardhat\s+eth\s+warm\s+3000\s+-.*failed: did not start/);
  });
});
