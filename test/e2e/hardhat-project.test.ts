/**
 * Issue 7's acceptance test: the Hardhat 2 project in test/hardhat-project (hardhat-network-helpers and
 * hardhat-chai-matchers, unchanged) runs against `cmt start --dev` and against Hardhat's in-process network,
 * and every test has the same result on both. Hardhat runs as a child process, as a user runs it; mocha's
 * JSON reporter gives the per-test results (MOCHA_JSON_OUTPUT in its hardhat.config.cjs).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, test } from 'node:test';
import { cleanEnv, removeHome, startCmt } from '../utils/node.ts';
import type { CmtProcess } from '../utils/node.ts';

const PROJECT = resolve(import.meta.dirname, '../hardhat-project');
const HARDHAT = createRequire(import.meta.url).resolve('hardhat/internal/cli/bootstrap.js');
// a bound per Hardhat command; the whole suite takes seconds on either network
const COMMAND_TIMEOUT_MS = 180_000;

interface Run {
  code: number | null;
  output: string;
  ms: number;
}

/** `hardhat <args>` in the project, its build in `buildDir` (so concurrent runs do not share artifacts). */
function hardhat(args: string[], env: NodeJS.ProcessEnv): Promise<Run> {
  const started = performance.now();
  return new Promise((res, rej) => {
    const proc = spawn(process.execPath, [HARDHAT, ...args], {
      cwd: PROJECT,
      // CI=true: no interactive prompts, banners or update checks, which would reach for the internet
      env: cleanEnv({ CI: 'true', HARDHAT_DISABLE_TELEMETRY_PROMPT: 'true', ...env }),
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: COMMAND_TIMEOUT_MS,
      killSignal: 'SIGKILL',
    });
    let output = '';
    proc.stdout.on('data', (d: Buffer) => (output += d.toString()));
    proc.stderr.on('data', (d: Buffer) => (output += d.toString()));
    proc.once('error', rej);
    proc.once('close', (code) => res({ code, output, ms: Math.round(performance.now() - started) }));
  });
}

interface MochaTest {
  fullTitle: string;
  err: { message?: string };
}

interface MochaReport {
  tests: MochaTest[];
  passes: MochaTest[];
  failures: MochaTest[];
  pending: MochaTest[];
}

type Outcome = 'passed' | 'failed' | 'pending';

/** fullTitle -> outcome, plus the failure messages for the assertion messages. */
function outcomes(report: MochaReport): { byTest: Map<string, Outcome>; failures: string[] } {
  const byTest = new Map<string, Outcome>();
  for (const t of report.passes) byTest.set(t.fullTitle, 'passed');
  for (const t of report.pending) byTest.set(t.fullTitle, 'pending');
  for (const t of report.failures) byTest.set(t.fullTitle, 'failed');
  return { byTest, failures: report.failures.map((t) => `${t.fullTitle}: ${t.err.message ?? '(no message)'}`) };
}

let node: CmtProcess;
let buildDir: string;

before(async () => {
  buildDir = mkdtempSync(join(tmpdir(), 'cmt-hardhat-project-'));
  // compile once (solcjs from the npm solc package, offline); both test runs reuse the artifacts
  const [compiled, started] = await Promise.all([hardhat(['compile', '--quiet'], { HARDHAT_BUILD_DIR: buildDir }), startCmt(['--block-time', '0', '--silent'])]);
  node = started;
  assert.equal(compiled.code, 0, `hardhat compile failed:\n${compiled.output}`);
});

after(async () => {
  await node?.stop();
  if (node !== undefined) removeHome(node.home);
  rmSync(buildDir, { recursive: true, force: true });
});

async function runSuite(network: string): Promise<{ run: Run; report: MochaReport }> {
  const json = join(buildDir, `results-${network}.json`);
  const run = await hardhat(['test', '--no-compile', '--network', network], {
    HARDHAT_BUILD_DIR: buildDir,
    MOCHA_JSON_OUTPUT: json,
    CMT_RPC_URL: node.url,
  });
  let report: MochaReport;
  try {
    report = JSON.parse(readFileSync(json, 'utf8')) as MochaReport;
  } catch {
    assert.fail(`hardhat test --network ${network} wrote no results (exit ${run.code}):\n${run.output}`);
  }
  return { run, report };
}

test('the Hardhat project passes on Hardhat network and on cmt start --dev, test by test', async (t) => {
  // one network after the other: two cores, and the node's timing should not compete with Hardhat's
  const hardhatNet = await runSuite('hardhat');
  const cmtNet = await runSuite('cmt');
  t.diagnostic(`hardhat test: ${hardhatNet.run.ms} ms on Hardhat's in-process network, ${cmtNet.run.ms} ms on cmt start --dev`);

  const reference = outcomes(hardhatNet.report);
  const ours = outcomes(cmtNet.report);
  assert.ok(reference.byTest.size >= 20, `the project's tests ran on Hardhat network (${reference.byTest.size})`);
  assert.deepEqual(reference.failures, [], `on Hardhat's own network:\n${hardhatNet.run.output}`);
  assert.deepEqual(ours.failures, [], `on cmt start --dev; the node's last output:\n${node.output().slice(-3000)}`);
  assert.deepEqual(ours.byTest, reference.byTest);
  assert.equal(cmtNet.run.code, 0);
});
