/**
 * The supervisor of `cmt testnet start`, with tiny `node -e` children instead of nodes: output prefixing
 * (whole lines, lines split across chunks, a last line without newline), stop as SIGTERM then SIGKILL after
 * the grace period, an unexpected exit reported while the others keep running (or all stopped with
 * stopOnExit), and choosing the homes to start (--only).
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { TestnetRunner, createLinePrefixer, describeExit, listTestnetHomes, nodeChildSpecs, selectTestnetHomes } from '../../../src/node/index.ts';
import type { ChildExit, RunnerChildSpec, StopResult, TestnetHome } from '../../../src/node/index.ts';

describe('createLinePrefixer', () => {
  const cases: Array<{ what: string; chunks: string[]; end: boolean; expected: string }> = [
    { what: 'one line', chunks: ['a\n'], end: false, expected: '[n] a\n' },
    { what: 'several lines in one chunk', chunks: ['a\nb\nc\n'], end: false, expected: '[n] a\n[n] b\n[n] c\n' },
    { what: 'empty lines are prefixed too', chunks: ['a\n\nb\n'], end: false, expected: '[n] a\n[n] \n[n] b\n' },
    { what: 'a line split across chunks is written once, whole', chunks: ['he', 'll', 'o\nwor', 'ld\n'], end: false, expected: '[n] hello\n[n] world\n' },
    { what: 'a partial line waits for its newline', chunks: ['a\npart'], end: false, expected: '[n] a\n' },
    { what: 'end flushes the partial last line', chunks: ['a\npart'], end: true, expected: '[n] a\n[n] part\n' },
    { what: 'end after a newline writes nothing more', chunks: ['a\n'], end: true, expected: '[n] a\n' },
    { what: 'a newline alone ends the held line', chunks: ['x', '\n'], end: false, expected: '[n] x\n' },
    { what: 'no output, nothing written', chunks: [], end: true, expected: '' },
  ];
  for (const c of cases) {
    test(c.what, () => {
      let out = '';
      const p = createLinePrefixer('[n] ', (t) => (out += t));
      for (const chunk of c.chunks) p.push(chunk);
      if (c.end) p.end();
      assert.equal(out, c.expected);
    });
  }

  test('writes only whole lines, so lines of several children never mix', () => {
    const writes: string[] = [];
    const p = createLinePrefixer('[n] ', (t) => writes.push(t));
    for (const chunk of ['ab', 'c\nd', 'e\n']) p.push(chunk);
    assert.ok(writes.every((w) => w.endsWith('\n')), JSON.stringify(writes));
    assert.deepEqual(writes, ['[n] abc\n', '[n] de\n']);
  });

  test('a line that never ends is flushed at 64 KiB instead of buffered without bound', () => {
    let out = '';
    const p = createLinePrefixer('[n] ', (t) => (out += t));
    p.push('x'.repeat(64 * 1024));
    assert.equal(out, `[n] ${'x'.repeat(64 * 1024)}\n`);
  });
});

/** `node -e script` as a child named `name`. */
function script(name: string, code: string): RunnerChildSpec {
  return { name, command: process.execPath, args: ['-e', code] };
}

interface Harness {
  runner: TestnetRunner;
  out: { stdout: string; stderr: string };
  exits: ChildExit[];
  stopped: Promise<StopResult>;
}

const runners: TestnetRunner[] = [];
after(() => {
  for (const r of runners) r.kill(); // a failed test must not leave children behind
});

function run(children: RunnerChildSpec[], opts: { stopGraceMs?: number; stopOnExit?: boolean } = {}): Harness {
  const out = { stdout: '', stderr: '' };
  const runner = new TestnetRunner(
    { children, stopGraceMs: opts.stopGraceMs ?? 10_000, stopOnExit: opts.stopOnExit ?? false },
    { write: (stream, text) => (out[stream] += text) },
  );
  runners.push(runner);
  const exits: ChildExit[] = [];
  runner.on('exit', (e) => exits.push(e));
  const stopped = new Promise<StopResult>((res) => runner.once('stopped', res));
  runner.start();
  return { runner, out, exits, stopped };
}

async function until(what: string, cond: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Prints `ready` once its handlers are installed, then stays up until a signal. */
const STAYS_UP = "setInterval(() => {}, 1000); console.log('ready');";

describe('TestnetRunner', { timeout: 30_000 }, () => {
  test('prefixes every line of stdout and stderr, including split and unterminated lines', async () => {
    const { out, exits } = run([
      // the pause makes the halves of "bc" arrive in separate chunks; it does not decide the result
      script('node0', "process.stdout.write('a\\nb'); setTimeout(() => { process.stdout.write('c\\nd'); console.error('oops'); }, 50);"),
      script('node1', "console.log('x\\ny');"),
    ]);
    await until('both children exit', () => exits.length === 2);
    const lines = (s: string, name: string): string[] => s.split('\n').filter((l) => l.startsWith(`[${name}]`));
    assert.deepEqual(lines(out.stdout, 'node0'), ['[node0] a', '[node0] bc', '[node0] d']);
    assert.deepEqual(lines(out.stdout, 'node1'), ['[node1] x', '[node1] y']);
    assert.equal(out.stderr, '[node0] oops\n');
    assert.ok(out.stdout.endsWith('\n'));
  });

  test('stop sends SIGTERM, then SIGKILL to a child that outlives the grace period', async () => {
    const { runner, out } = run(
      [
        script('stubborn', `process.on('SIGTERM', () => console.log('got SIGTERM, ignoring it')); ${STAYS_UP}`),
        script('polite', `process.on('SIGTERM', () => { console.log('got SIGTERM'); process.exit(0); }); ${STAYS_UP}`),
        script('plain', STAYS_UP),
      ],
      { stopGraceMs: 300 },
    );
    await until('all three ready', () => out.stdout.split('ready').length === 4);
    const result = await runner.stop();
    assert.match(out.stdout, /^\[stubborn\] got SIGTERM, ignoring it$/m, 'SIGTERM came first');
    assert.match(out.stdout, /^\[polite\] got SIGTERM$/m);
    const byName = new Map(result.exits.map((e) => [e.name, e]));
    assert.deepEqual(byName.get('stubborn'), { name: 'stubborn', code: null, signal: 'SIGKILL', unexpected: false, killed: true });
    assert.deepEqual(byName.get('polite'), { name: 'polite', code: 0, signal: null, unexpected: false, killed: false });
    assert.deepEqual(byName.get('plain'), { name: 'plain', code: null, signal: 'SIGTERM', unexpected: false, killed: false });
    assert.equal(result.reason, 'requested');
    assert.equal(result.clean, false, 'a child had to be killed');
    assert.deepEqual(runner.running(), []);
    assert.equal(await runner.stop(), result, 'stop is idempotent');
  });

  test('a clean stop: every child exits on SIGTERM within the grace period', async () => {
    const { runner, out, exits } = run([script('node0', STAYS_UP), script('node1', STAYS_UP)]);
    await until('both ready', () => out.stdout.split('ready').length === 3);
    const result = await runner.stop();
    assert.equal(result.clean, true);
    assert.deepEqual(exits.map((e) => [e.name, e.signal, e.unexpected]).sort(), [['node0', 'SIGTERM', false], ['node1', 'SIGTERM', false]]);
  });

  test('reports a child that exits on its own and keeps the others running', async () => {
    const { runner, out, exits } = run([script('node0', STAYS_UP), script('node1', "console.log('bye'); process.exit(3);")]);
    await until('node1 exits', () => exits.length === 1);
    assert.deepEqual(exits[0], { name: 'node1', code: 3, signal: null, unexpected: true, killed: false });
    assert.equal(describeExit(exits[0] as ChildExit), 'exited with code 3');
    assert.match(out.stdout, /^\[node1\] bye$/m, 'the last output comes before the exit is reported');
    assert.deepEqual(runner.running(), ['node0']);
    await until('node0 ready', () => out.stdout.includes('[node0] ready'));
    const result = await runner.stop();
    assert.equal(result.reason, 'requested');
    assert.equal(result.clean, true, 'the earlier crash does not make the stop unclean');
    assert.deepEqual(
      result.exits.map((e) => [e.name, e.unexpected]),
      [['node0', false], ['node1', true]],
    );
  });

  test('with stopOnExit, one child exiting stops all of them', async () => {
    const { runner, exits, stopped } = run([script('node0', STAYS_UP), script('node1', STAYS_UP), script('node2', 'process.exit(2);')], { stopOnExit: true });
    const result = await stopped;
    assert.equal(result.reason, 'child-exited');
    assert.deepEqual(runner.running(), []);
    assert.deepEqual(exits.find((e) => e.name === 'node2'), { name: 'node2', code: 2, signal: null, unexpected: true, killed: false });
    for (const name of ['node0', 'node1']) assert.equal(exits.find((e) => e.name === name)?.unexpected, false, name);
  });

  test('reports a command that cannot start', async () => {
    const { out, exits } = run([{ name: 'node0', command: join(tmpdir(), 'no-such-binary-cmt'), args: [] }]);
    await until('the failure is reported', () => exits.length === 1);
    assert.match(out.stderr, /^\[node0\] could not start .*no-such-binary-cmt: .*ENOENT/m);
    assert.equal(exits[0]?.unexpected, true);
  });

  test('start twice is refused', () => {
    const { runner } = run([]);
    assert.throws(() => runner.start(), /already started/);
  });
});

describe('choosing the homes to start', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cmt-runner-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  for (const name of ['node0', 'node1', 'node2', 'node10']) {
    mkdirSync(join(dir, name, 'config'), { recursive: true });
    writeFileSync(join(dir, name, 'config', 'genesis.json'), '{}');
  }
  mkdirSync(join(dir, 'node3')); // no genesis: not a home
  writeFileSync(join(dir, 'notes.txt'), 'mine');
  const homes = (indices: number[]): TestnetHome[] => indices.map((i) => ({ index: i, home: join(dir, `node${i}`) }));

  test('listTestnetHomes finds the node<k> homes with a genesis, in numeric order', () => {
    assert.deepEqual(listTestnetHomes(dir), homes([0, 1, 2, 10]));
    assert.deepEqual(listTestnetHomes(join(dir, 'missing')), []);
  });

  const cases: Array<{ what: string; only: number[] | undefined; expected: number[] | RegExp }> = [
    { what: 'all without --only', only: undefined, expected: [0, 1, 2, 10] },
    { what: '--only 0,2', only: [0, 2], expected: [0, 2] },
    { what: 'home order whatever the order given', only: [10, 1], expected: [1, 10] },
    { what: 'duplicates once', only: [1, 1], expected: [1] },
    { what: 'an index with no home is an error naming the homes', only: [0, 3, 7], expected: /^invalid --only: no home for node3, node7 \(the testnet has node0, node1, node2, node10\)$/ },
  ];
  for (const c of cases) {
    test(c.what, () => {
      const all = listTestnetHomes(dir);
      if (c.expected instanceof RegExp) assert.throws(() => selectTestnetHomes(all, c.only), { message: c.expected });
      else assert.deepEqual(selectTestnetHomes(all, c.only), homes(c.expected));
    });
  }

  test('each child runs `cmt start --home` with the extra flags, without per-node CMT_* variables', () => {
    const env = { PATH: '/bin', CMT_HOME: '/x', CMT_RPC_PORT: '1', CMT_P2P_LADDR: 'a:1', CMT_P2P_PERSISTENT_PEERS: 'p', CMT_LOG_LEVEL: 'debug' };
    const specs = nodeChildSpecs(homes([0, 2]), { execPath: '/usr/bin/node', entry: '/app/bin/cmt.js', extraArgs: ['--log-level', 'warn'], env });
    assert.deepEqual(
      specs.map((s) => [s.name, s.command, s.args]),
      [
        ['node0', '/usr/bin/node', ['/app/bin/cmt.js', 'start', '--home', join(dir, 'node0'), '--log-level', 'warn']],
        ['node2', '/usr/bin/node', ['/app/bin/cmt.js', 'start', '--home', join(dir, 'node2'), '--log-level', 'warn']],
      ],
    );
    assert.deepEqual(specs[0]?.env, { PATH: '/bin', CMT_LOG_LEVEL: 'debug' });
    assert.equal(env.CMT_HOME, '/x', 'the supervisor’s own environment is untouched');
  });
});
