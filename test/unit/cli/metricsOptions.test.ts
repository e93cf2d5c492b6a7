/**
 * The metrics options of `cmt start` (metrics.port, metrics.host): off unless a port is given, the four
 * layers (flag > CMT_* > config.toml > default) with host and port from different layers, and bad values
 * named by their option.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultConfigToml, resolveOptions } from '../../../src/cli/config.ts';
import { defaultNodeOptions, validateNodeOptions } from '../../../src/node/index.ts';
import type { MetricsOptions } from '../../../src/node/index.ts';
import { isChainError } from '../../../src/primitives/index.ts';

function withHome<T>(configToml: string | undefined, fn: (home: string) => T): T {
  const home = mkdtempSync(join(tmpdir(), 'cmt-metricsopt-'));
  try {
    if (configToml !== undefined) {
      mkdirSync(join(home, 'config'));
      writeFileSync(join(home, 'config', 'config.toml'), configToml);
    }
    return fn(home);
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

function metricsOf(configToml: string | undefined, flags: Record<string, unknown> = {}, env: NodeJS.ProcessEnv = {}): MetricsOptions | undefined {
  return withHome(configToml, (home) => {
    const base = defaultNodeOptions();
    base.home = home;
    return validateNodeOptions(resolveOptions(base, flags, env)).metrics;
  });
}

const steps: Array<[string, string | undefined, Record<string, unknown>, NodeJS.ProcessEnv, MetricsOptions | undefined]> = [
  ['no home config: off', undefined, {}, {}, undefined],
  ['the default config.toml: off', defaultConfigToml(), {}, {}, undefined],
  ['a host alone turns nothing on', '[metrics]\nhost = "0.0.0.0"\n', { 'metrics.host': '10.0.0.1' }, { CMT_METRICS_HOST: '::' }, undefined],
  ['port from the file, default host', '[metrics]\nport = 26660\n', {}, {}, { host: '127.0.0.1', port: 26660 }],
  ['port 0 from a flag (tests)', undefined, { 'metrics.port': '0' }, {}, { host: '127.0.0.1', port: 0 }],
  ['host from the file, port from a flag', '[metrics]\nhost = "0.0.0.0"\n', { 'metrics.port': '9100' }, {}, { host: '0.0.0.0', port: 9100 }],
  ['port from the file, host from the environment', '[metrics]\nport = 1\n', {}, { CMT_METRICS_HOST: '10.0.0.2' }, { host: '10.0.0.2', port: 1 }],
  [
    'flag > environment > file for both',
    '[metrics]\nport = 1\nhost = "h1"\n',
    { 'metrics.port': '3', 'metrics.host': 'h3' },
    { CMT_METRICS_PORT: '2', CMT_METRICS_HOST: 'h2' },
    { host: 'h3', port: 3 },
  ],
  ['environment > file', '[metrics]\nport = 1\nhost = "h1"\n', {}, { CMT_METRICS_PORT: '2' }, { host: 'h1', port: 2 }],
];

for (const [what, file, flags, env, expected] of steps) {
  test(`metrics options: ${what}`, () => assert.deepEqual(metricsOf(file, flags, env), expected));
}

test('bad metrics values name their option', () => {
  const bad = (field: string) => (err: unknown) => isChainError(err) && err.code === 'BAD_OPTION' && err.message.includes(field);
  assert.throws(() => metricsOf(undefined, { 'metrics.port': '-1' }), bad('metrics.port'));
  assert.throws(() => metricsOf(undefined, { 'metrics.port': 'x' }), bad('metrics.port'));
  assert.throws(() => metricsOf(undefined, { 'metrics.port': '70000' }), bad('metrics.port'));
  assert.throws(() => metricsOf(undefined, { 'metrics.port': '1', 'metrics.host': ' ' }), bad('metrics.host'));
});
