/**
 * jsonLookup (the chain extension) against JSON.parse on random documents (fast-check, seeded): every path
 * that exists gives the value JSON.stringify wrote there (strings unescaped), paths that do not exist give
 * undefined, and texts JSON.parse rejects are rejected too.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { JsonLookupError, jsonLookup } from '../../../src/execution/index.ts';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** Every path of a value, with the value there. Keys with "." or "[" cannot be named by a path. */
function paths(v: Json, prefix = ''): Array<[string, Json]> {
  const out: Array<[string, Json]> = [[prefix, v]];
  if (Array.isArray(v)) v.forEach((x, i) => out.push(...paths(x, `${prefix}[${i}]`)));
  else if (v !== null && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) if (k.length > 0 && !/[.[]/.test(k)) out.push(...paths(x, prefix === '' ? k : `${prefix}.${k}`));
  }
  return out;
}

const expected = (v: Json): string => (typeof v === 'string' ? v : JSON.stringify(v));

describe('jsonLookup', () => {
  it('finds every path of a random document, as JSON.stringify wrote it', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), (value) => {
        const v = JSON.parse(JSON.stringify(value)) as Json; // -0 and the like normalised as JSON has them
        const text = JSON.stringify(v);
        for (const [path, at] of paths(v)) assert.equal(jsonLookup(text, path), expected(at), `path "${path}" in ${text}`);
        // one step past the end leads nowhere
        if (Array.isArray(v)) assert.equal(jsonLookup(text, `[${v.length}]`), undefined);
        else if (v !== null && typeof v === 'object' && !('zz_absent' in v)) assert.equal(jsonLookup(text, 'zz_absent'), undefined);
        else assert.equal(jsonLookup(text, 'zz_absent'), undefined, 'a scalar has no members');
      }),
      { numRuns: 300, seed: 20261127 },
    );
  });

  it('keeps numbers digit for digit, and the last of duplicate keys (as JSON.parse)', () => {
    assert.equal(jsonLookup('{"n":123456789012345678901234567890.5e-3}', 'n'), '123456789012345678901234567890.5e-3');
    assert.equal(jsonLookup('{"a":1,"a":2}', 'a'), '2');
    assert.equal(jsonLookup(' [ 1 , {"b" : [true , null]} ] ', '[1].b[1]'), 'null');
    assert.equal(jsonLookup('"\\ud83d\\ude00"', ''), '😀');
  });

  it('rejects what JSON.parse rejects, and malformed paths', () => {
    for (const bad of ['', '{', '{"a":1,}', '[1,]', '01', '1.', '.5', '{"a" 1}', "{'a':1}", '"\t"', '"\\x"', 'nul', '[1] 2', 'NaN', '--1']) {
      assert.throws(() => JSON.parse(bad), `JSON.parse accepts ${bad}`);
      assert.throws(() => jsonLookup(bad, ''), (e: unknown) => e instanceof JsonLookupError && e.kind === 'InvalidJson', `accepted ${JSON.stringify(bad)}`);
    }
    for (const badPath of ['.', 'a.', '.a', 'a..b', '[', '[01]', '[-1]', 'a[1', '[x]']) {
      assert.throws(() => jsonLookup('{"a":[1]}', badPath), (e: unknown) => e instanceof JsonLookupError && e.kind === 'InvalidPath', `path ${badPath}`);
    }
  });

  it('refuses documents nested deeper than 64 levels', () => {
    assert.throws(() => jsonLookup(`${'['.repeat(70)}${']'.repeat(70)}`, ''), (e: unknown) => e instanceof JsonLookupError && e.kind === 'InvalidJson');
    assert.equal(jsonLookup(`${'['.repeat(60)}${']'.repeat(60)}`, ''), `${'['.repeat(60)}${']'.repeat(60)}`);
  });
});
