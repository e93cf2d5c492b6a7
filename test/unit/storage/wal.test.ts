/**
 * The write-ahead log gives back exactly what was appended, in order; a torn tail (any cut or corrupted
 * last record, as a crash leaves it) is cut off without losing the records before it; a real kill -9
 * while appending loses at most the record being written.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { openWriteAheadLog } from '../../../src/storage/index.ts';

const tempPath = () => {
  const dir = mkdtempSync(join(tmpdir(), 'cmt-wal-'));
  return { path: join(dir, 'cs.wal'), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
};
const rec = (i: number, size = i % 7) => Uint8Array.from({ length: size * 13 }, (_, j) => (i * 31 + j) & 0xff);

test('records come back in order after close and reopen, including empty ones', () => {
  const { path, cleanup } = tempPath();
  const first = openWriteAheadLog(path);
  assert.deepEqual(first.records, []);
  for (let i = 0; i < 50; i++) first.log.append(rec(i), i % 5 === 0);
  first.log.close();
  const again = openWriteAheadLog(path);
  assert.deepEqual(again.records, Array.from({ length: 50 }, (_, i) => rec(i)));
  assert.equal(again.truncatedBytes, 0);
  again.log.append(rec(99));
  again.log.close();
  assert.equal(openWriteAheadLog(path).records.length, 51);
  cleanup();
});

test('every cut and every corrupted byte in the last record drops only that record', () => {
  const { path, cleanup } = tempPath();
  const opened = openWriteAheadLog(path);
  for (let i = 0; i < 4; i++) opened.log.append(rec(i, 5));
  opened.log.close();
  const whole = readFileSync(path);
  const lastStart = whole.length - (8 + rec(3, 5).length);
  for (let cut = lastStart + 1; cut < whole.length; cut++) {
    writeFileSync(path, whole.subarray(0, cut));
    const r = openWriteAheadLog(path);
    assert.deepEqual(r.records, [rec(0, 5), rec(1, 5), rec(2, 5)], `cut at ${cut}`);
    assert.equal(statSync(path).size, lastStart, 'the torn tail is removed from the file');
    r.log.append(rec(7)); // and appending after it works
    r.log.close();
    assert.deepEqual(openWriteAheadLog(path).records.at(-1), rec(7));
  }
  for (let at = lastStart; at < whole.length; at++) {
    const bad = Buffer.from(whole);
    bad[at] = (bad[at] as number) ^ 0x40;
    writeFileSync(path, bad);
    assert.deepEqual(openWriteAheadLog(path).records.slice(0, 3), [rec(0, 5), rec(1, 5), rec(2, 5)], `flip at ${at}`);
    assert.ok(openWriteAheadLog(path).records.length <= 4);
  }
  cleanup();
});

test('reset keeps only the given records, atomically', () => {
  const { path, cleanup } = tempPath();
  const opened = openWriteAheadLog(path);
  for (let i = 0; i < 10; i++) opened.log.append(rec(i));
  opened.log.reset([rec(42)]);
  opened.log.append(rec(43));
  opened.log.close();
  assert.deepEqual(openWriteAheadLog(path).records, [rec(42), rec(43)]);
  appendFileSync(path, Buffer.from([0, 0, 0])); // a torn header of a next record
  assert.deepEqual(openWriteAheadLog(path).records, [rec(42), rec(43)]);
  truncateSync(path, 0);
  assert.deepEqual(openWriteAheadLog(path).records, []);
  cleanup();
});

test('kill -9 while appending loses at most the record being written', async () => {
  const { path, cleanup } = tempPath();
  const script = `
    import { openWriteAheadLog } from ${JSON.stringify(new URL('../../../src/storage/index.ts', import.meta.url).href)};
    const { log } = openWriteAheadLog(${JSON.stringify(path)});
    for (let i = 0; ; i++) {
      const r = new Uint8Array(1000 + (i % 3000)).fill(i & 0xff);
      new DataView(r.buffer).setUint32(0, i);
      log.append(r);
      process.stdout.write(i + '\\n');
    }`;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  let acked = -1;
  await new Promise<void>((resolve) => {
    child.stdout.on('data', (d: Buffer) => {
      const lines = d.toString().trim().split('\n');
      acked = Number(lines.at(-1));
      if (acked >= 200) {
        child.kill('SIGKILL');
        resolve();
      }
    });
  });
  await new Promise((r) => child.once('exit', r));
  const { records } = openWriteAheadLog(path);
  assert.ok(records.length >= acked + 1, `every acknowledged append survived: ${records.length} records, ${acked + 1} acknowledged`);
  records.forEach((r, i) => assert.equal(new DataView(r.buffer, r.byteOffset).getUint32(0), i, `record ${i} in order`));
  cleanup();
});
