/**
 * The layering of ARCHITECTURE.md, enforced: a module imports only the modules its row allows, and only
 * through their index.ts. Also bans wall-clock and randomness in the deterministic core.
 */
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { test } from 'node:test';

const SRC = resolve(import.meta.dirname, '../../src');

const ALLOWED: Record<string, string[]> = {
  primitives: [],
  crypto: ['primitives'],
  encoding: ['primitives'],
  params: ['primitives'],
  types: ['primitives', 'crypto', 'encoding', 'params'],
  storage: ['primitives', 'encoding', 'types'],
  state: ['primitives', 'crypto', 'encoding', 'params', 'types', 'storage'],
  evm: ['primitives', 'crypto', 'encoding', 'params', 'types', 'state'],
  staking: ['primitives', 'crypto', 'encoding', 'params', 'types', 'state'],
  execution: ['primitives', 'crypto', 'encoding', 'params', 'types', 'state', 'evm', 'staking'],
  consensus: ['primitives', 'crypto', 'params', 'types'],
  mempool: ['primitives', 'crypto', 'encoding', 'params', 'types'],
  p2p: ['primitives', 'crypto', 'encoding'],
  rpc: ['primitives', 'crypto', 'encoding', 'params', 'types', 'storage', 'state', 'evm', 'staking', 'execution', 'mempool'],
  node: ['primitives', 'crypto', 'encoding', 'params', 'types', 'storage', 'state', 'evm', 'staking', 'execution', 'consensus', 'mempool', 'p2p', 'rpc'],
  client: ['primitives', 'params'],
  cli: ['primitives', 'crypto', 'params', 'node', 'storage', 'client'],
};

/** Modules whose code must be a pure function of its inputs. */
const DETERMINISTIC = ['consensus', 'execution', 'mempool', 'staking', 'state', 'types'];

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : path.endsWith('.ts') ? [path] : [];
  });
}

function importsOf(source: string): string[] {
  return [...source.matchAll(/(?:import|export)[^'"]*?from\s+'([^']+)'|import\(\s*'([^']+)'\s*\)/g)].map((m) => (m[1] ?? m[2]) as string);
}

test('every module imports only what its layer allows, through index.ts', () => {
  const violations: string[] = [];
  for (const file of files(SRC)) {
    const module = relative(SRC, file).split('/')[0] as string;
    assert.ok(module in ALLOWED, `unknown module ${module}: add it to ARCHITECTURE.md and this table`);
    for (const spec of importsOf(readFileSync(file, 'utf8'))) {
      if (!spec.startsWith('.')) continue;
      const target = relative(SRC, resolve(join(file, '..'), spec));
      const targetModule = target.split('/')[0] as string;
      if (targetModule === module) continue;
      if (!(ALLOWED[module] as string[]).includes(targetModule)) violations.push(`${relative(SRC, file)} imports ${targetModule} (${spec})`);
      else if (target !== `${targetModule}/index.ts`) violations.push(`${relative(SRC, file)} reaches into ${target} instead of ${targetModule}/index.ts`);
    }
  }
  assert.deepEqual(violations, []);
});

test('the deterministic core reads no clock and no randomness', () => {
  const violations: string[] = [];
  for (const module of DETERMINISTIC) {
    for (const file of files(join(SRC, module))) {
      const code = readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
      for (const banned of ['Date.now', 'new Date(', 'Math.random', 'setTimeout', 'setInterval', 'performance.now', 'randomBytes']) {
        if (code.includes(banned)) violations.push(`${relative(SRC, file)} uses ${banned}`);
      }
    }
  }
  assert.deepEqual(violations, []);
});
