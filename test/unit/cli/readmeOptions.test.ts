/**
 * The README's option table is the user's reference: every option of `cmt start` (OPTIONS in
 * src/cli/config.ts) must appear in it with the same flag, environment variable and config.toml key, and
 * the README must not document options that do not exist.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { test } from 'node:test';
import { OPTIONS } from '../../../src/cli/config.ts';

const README = readFileSync(resolve(import.meta.dirname, '../../../README.md'), 'utf8');

function documentedRows(): Array<{ flag: string; env: string; file: string }> {
  const rows: Array<{ flag: string; env: string; file: string }> = [];
  for (const line of README.split('\n')) {
    // digits too: p2p.* options
    const m = /^\| `--([a-z0-9.-]+)`[^|]*\| `(CMT_[A-Z0-9_]+)` \| `([a-z0-9_.]+)` \|/.exec(line);
    if (m) rows.push({ flag: m[1] as string, env: m[2] as string, file: m[3] as string });
  }
  return rows;
}

test('README documents every start option with its environment variable and config key', () => {
  const documented = documentedRows();
  const expected = OPTIONS.map((o) => ({ flag: o.flag, env: o.env, file: o.file }));
  assert.deepEqual(
    [...documented].sort((a, b) => a.flag.localeCompare(b.flag)),
    [...expected].sort((a, b) => a.flag.localeCompare(b.flag)),
  );
});
