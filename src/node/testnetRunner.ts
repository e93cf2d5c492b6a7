/**
 * The supervisor behind `cmt testnet start` (issue 4, item 6): one child process per node, each line of
 * their output prefixed with `[nodeK] `, and one stop for all of them (SIGTERM, then SIGKILL after a grace
 * period). A child that exits on its own is reported and the others keep running, because a testnet with
 * a node down is exactly what fault tests need; `stopOnExit` stops them all instead.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { ChainError } from '../primitives/index.ts';
import type { TestnetHome } from './testnet.ts';

export type OutputStream = 'stdout' | 'stderr';

export interface RunnerChildSpec {
  /** Used as the output prefix, `[name] `. */
  name: string;
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
}

export interface TestnetRunnerOptions {
  children: RunnerChildSpec[];
  /** How long stop() waits after SIGTERM before SIGKILL. */
  stopGraceMs: number;
  /** Stop every child as soon as one exits on its own (default: report it, keep the others running). */
  stopOnExit: boolean;
}

export interface TestnetRunnerDeps {
  /** Receives whole prefixed lines, each ending in a newline. */
  write: (stream: OutputStream, text: string) => void;
}

export interface ChildExit {
  name: string;
  code: number | null;
  signal: NodeJS.Signals | null;
  /** It exited before stop() asked it to. */
  unexpected: boolean;
  /** stop() had to SIGKILL it (it outlived the grace period, or kill() was called). */
  killed: boolean;
}

export interface StopResult {
  /** `requested`: stop() was called; `child-exited`: stopOnExit after a child exited on its own. */
  reason: 'requested' | 'child-exited';
  /** Every child that stop() had to stop exited cleanly (code 0, SIGTERM or SIGINT) within the grace period. */
  clean: boolean;
  /** Every child's exit, the earlier unexpected ones included, in start order. */
  exits: ChildExit[];
}

export interface TestnetRunnerEvents {
  spawn: [{ name: string; pid: number }];
  exit: [ChildExit];
  stopped: [StopResult];
}

export const DEFAULT_STOP_GRACE_MS = 10_000;
/** A child that never writes a newline must not make the supervisor buffer without bound. */
const MAX_PARTIAL_LINE = 64 * 1024;
/** Per-node settings that would give every node the same port, home or peers. */
const PER_NODE_ENV = ['CMT_HOME', 'CMT_RPC_PORT', 'CMT_P2P_LADDR', 'CMT_P2P_PERSISTENT_PEERS', 'CMT_METRICS_PORT'];

interface Child {
  spec: RunnerChildSpec;
  proc: ChildProcess;
  killed: boolean;
  exit: ChildExit | undefined;
  closed: Promise<ChildExit>;
}

export class TestnetRunner extends EventEmitter<TestnetRunnerEvents> {
  readonly #opts: TestnetRunnerOptions;
  readonly #deps: TestnetRunnerDeps;
  readonly #children: Child[] = [];
  #started = false;
  #stopping: Promise<StopResult> | undefined;

  constructor(opts: TestnetRunnerOptions, deps: TestnetRunnerDeps) {
    super();
    this.#opts = opts;
    this.#deps = deps;
  }

  start(): void {
    if (this.#started) throw new ChainError('ALREADY_STARTED', 'the testnet runner was already started', {}, 'internal');
    this.#started = true;
    for (const spec of this.#opts.children) this.#children.push(this.#spawn(spec));
  }

  /** Names of the children still running. */
  running(): string[] {
    return this.#children.filter((c) => c.exit === undefined).map((c) => c.spec.name);
  }

  /** SIGTERM to every running child, SIGKILL to those still running after the grace period. Idempotent. */
  stop(): Promise<StopResult> {
    this.#stopping ??= this.#stopAll('requested');
    return this.#stopping;
  }

  /** SIGKILL every running child now (a second Ctrl-C, or the supervisor itself exiting). */
  kill(): void {
    for (const c of this.#children) {
      if (!isAlive(c.proc)) continue;
      c.killed = true;
      c.proc.kill('SIGKILL');
    }
  }

  #spawn(spec: RunnerChildSpec): Child {
    const proc = spawn(spec.command, spec.args, { stdio: ['ignore', 'pipe', 'pipe'], env: spec.env ?? process.env });
    let resolveClosed: (exit: ChildExit) => void = () => {};
    const closed = new Promise<ChildExit>((resolve) => (resolveClosed = resolve));
    const child: Child = { spec, proc, killed: false, exit: undefined, closed };
    for (const stream of ['stdout', 'stderr'] as const) {
      const prefixer = createLinePrefixer(`[${spec.name}] `, (text) => this.#deps.write(stream, text));
      const readable = proc[stream];
      readable?.setEncoding('utf8'); // decodes multi-byte characters split across chunks
      readable?.on('data', (chunk: string) => prefixer.push(chunk));
      readable?.on('end', () => prefixer.end());
    }
    const finish = (code: number | null, signal: NodeJS.Signals | null): void => {
      if (child.exit !== undefined) return;
      child.exit = { name: spec.name, code, signal, unexpected: this.#stopping === undefined, killed: child.killed };
      resolveClosed(child.exit);
      this.#onExit(child.exit);
    };
    // 'close' comes after the last output, so an exit is reported after the lines that explain it
    proc.once('close', finish);
    proc.on('error', (err) => {
      if (proc.pid !== undefined) return; // a failed kill(); 'close' still follows
      this.#deps.write('stderr', `[${spec.name}] could not start ${spec.command}: ${err.message}\n`);
      finish(null, null);
    });
    proc.once('spawn', () => this.emit('spawn', { name: spec.name, pid: proc.pid as number }));
    return child;
  }

  #onExit(exit: ChildExit): void {
    this.emit('exit', exit);
    if (exit.unexpected && this.#opts.stopOnExit && this.#stopping === undefined) this.#stopping = this.#stopAll('child-exited');
  }

  async #stopAll(reason: StopResult['reason']): Promise<StopResult> {
    const running = this.#children.filter((c) => c.exit === undefined);
    for (const c of running) if (isAlive(c.proc)) c.proc.kill('SIGTERM');
    const timer = setTimeout(() => this.kill(), this.#opts.stopGraceMs);
    const stopped = await Promise.all(running.map((c) => c.closed));
    clearTimeout(timer);
    const result: StopResult = {
      reason,
      clean: stopped.every(isCleanStop),
      exits: this.#children.map((c) => c.exit as ChildExit),
    };
    this.emit('stopped', result);
    return result;
  }
}

function isAlive(proc: ChildProcess): boolean {
  return proc.pid !== undefined && proc.exitCode === null && proc.signalCode === null;
}

function isCleanStop(e: ChildExit): boolean {
  return !e.killed && (e.code === 0 || e.signal === 'SIGTERM' || e.signal === 'SIGINT');
}

/** `exited with code 3`, `was killed by SIGKILL`. */
export function describeExit(e: ChildExit): string {
  return e.signal !== null ? `was killed by ${e.signal}` : e.code !== null ? `exited with code ${e.code}` : 'could not start';
}

export interface LinePrefixer {
  push(chunk: string): void;
  /** Flushes a last line that had no newline. */
  end(): void;
}

/**
 * Prefixes every line of a stream of chunks. A line split across chunks is held until its newline, so the
 * lines of several children interleave whole, never mid-line.
 */
export function createLinePrefixer(prefix: string, write: (text: string) => void): LinePrefixer {
  let partial = '';
  const end = (): void => {
    if (partial === '') return;
    write(`${prefix}${partial}\n`);
    partial = '';
  };
  const push = (chunk: string): void => {
    const text = partial + chunk;
    const last = text.lastIndexOf('\n');
    partial = text.slice(last + 1);
    if (last !== -1) write(text.slice(0, last).split('\n').map((line) => `${prefix}${line}\n`).join(''));
    if (partial.length >= MAX_PARTIAL_LINE) end();
  };
  return { push, end };
}

/**
 * The homes to start: all of them, or those whose indices `only` lists. An index that is not in the
 * testnet is an error that names the ones that are.
 */
export function selectTestnetHomes(homes: TestnetHome[], only: number[] | undefined): TestnetHome[] {
  if (only === undefined) return homes;
  const have = new Set(homes.map((h) => h.index));
  const missing = only.filter((i) => !have.has(i));
  if (missing.length > 0) {
    const list = homes.map((h) => `node${h.index}`).join(', ');
    throw new ChainError('BAD_OPTION', `invalid --only: no home for node${missing.join(', node')} (the testnet has ${list})`, { field: 'only' });
  }
  const wanted = new Set(only);
  return homes.filter((h) => wanted.has(h.index));
}

export interface NodeCommand {
  /** The Node.js binary, `process.execPath`. */
  execPath: string;
  /** The CLI entry script (bin/cmt.js), as the supervisor itself was started. */
  entry: string;
  /** Flags for every `cmt start`, e.g. ['--log-level', 'debug']. */
  extraArgs: string[];
  env: NodeJS.ProcessEnv;
}

/** `node bin/cmt.js start --home DIR/nodeK ...extraArgs` for each home, without per-node CMT_* variables. */
export function nodeChildSpecs(homes: TestnetHome[], cmd: NodeCommand): RunnerChildSpec[] {
  const env: NodeJS.ProcessEnv = { ...cmd.env };
  for (const k of PER_NODE_ENV) delete env[k];
  return homes.map((h) => ({
    name: `node${h.index}`,
    command: cmd.execPath,
    args: [cmd.entry, 'start', '--home', h.home, ...cmd.extraArgs],
    env,
  }));
}
