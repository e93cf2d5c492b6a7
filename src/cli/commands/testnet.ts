/**
 * `cmt testnet init`: the homes of a local N-validator network; `cmt testnet start`: run them all as child
 * processes with prefixed output, stopped together by Ctrl-C (issue 4, item 6). The supervision itself is
 * node/testnetRunner.ts; this file only turns flags into its options and wires signals and exit codes.
 */
import { resolve } from 'node:path';
import { Command } from 'commander';
import {
  DEFAULT_STOP_GRACE_MS,
  MAX_TESTNET_VALIDATORS,
  TESTNET_P2P_BASE_PORT,
  TESTNET_RPC_BASE_PORT,
  TestnetRunner,
  describeExit,
  initTestnet,
  listTestnetHomes,
  nodeChildSpecs,
  selectTestnetHomes,
} from '../../node/index.ts';
import type { StopResult } from '../../node/index.ts';
import { ChainError, invariant } from '../../primitives/index.ts';
import { defaultConfigToml } from '../config.ts';
import { addGenesisOptions, initOptionsFromFlags, positive } from './genesisFlags.ts';
import type { Flags } from './genesisFlags.ts';

export function createTestnetCommand(): Command {
  const testnet = new Command('testnet').description('local multi-validator networks on 127.0.0.1');
  return testnet.addCommand(createInitCommand()).addCommand(createRunCommand());
}

function createInitCommand(): Command {
  const init = new Command('init')
    .description(`write DIR/node0..node{N-1}: one shared genesis with N validators, keys, config.toml (JSON-RPC 8545+i, p2p 26656+i, the others as persistent peers)`)
    .requiredOption('--validators <n>', `number of validators, 1..${MAX_TESTNET_VALIDATORS}`)
    .requiredOption('--dir <dir>', 'directory for the node homes')
    .option('--force', 'replace the node homes in a non-empty DIR')
    .option('--rpc-base-port <port>', 'JSON-RPC port of node0; node i gets port+i', String(TESTNET_RPC_BASE_PORT))
    .option('--p2p-base-port <port>', 'p2p port of node0; node i gets port+i', String(TESTNET_P2P_BASE_PORT));
  return addGenesisOptions(init).action((flags: Flags) => {
    const dir = resolve(String(flags.dir));
    const { nodes } = initTestnet({
      dir,
      validators: Number(positive('validators', String(flags.validators))),
      force: flags.force === true,
      init: initOptionsFromFlags(flags),
      configToml: (n) => defaultConfigToml({ rpcPort: n.rpcPort, p2pLaddr: n.p2pLaddr, persistentPeers: n.persistentPeers, timeouts: 'dev' }),
      rpcBasePort: Number(positive('--rpc-base-port', String(flags.rpcBasePort))),
      p2pBasePort: Number(positive('--p2p-base-port', String(flags.p2pBasePort))),
    });
    const lines = nodes.map((n) => `  ${n.home}  node id ${n.nodeId}  JSON-RPC ${n.rpcPort}  p2p ${n.p2pLaddr}\n`);
    process.stdout.write(`Initialised a ${nodes.length}-validator testnet in ${dir}\n${lines.join('')}`);
  });
}

function createRunCommand(): Command {
  return new Command('start')
    .description('run the node homes in DIR (from cmt testnet init) as child processes, each output line prefixed with [nodeK]; Ctrl-C stops them all')
    .requiredOption('--dir <dir>', 'directory written by cmt testnet init')
    .option('--only <indices>', 'start only these nodes, comma-separated (e.g. 0,2)')
    .option('--stop-on-exit', 'stop every node when one exits (default: report it and keep the others running)')
    .argument('[start-flags...]', 'after --: flags for every cmt start (e.g. -- --log-level debug)')
    .action((startFlags: string[], flags: Flags) => runTestnet(flags, startFlags));
}

function runTestnet(flags: Flags, startFlags: string[]): void {
  const dir = resolve(String(flags.dir));
  const homes = listTestnetHomes(dir);
  if (homes.length === 0) throw new ChainError('NOT_INITIALISED', `no node homes in ${dir}: run "cmt testnet init --validators N --dir ${dir}" first`);
  const selected = selectTestnetHomes(homes, flags.only === undefined ? undefined : parseIndices(String(flags.only)));
  const entry = process.argv[1];
  invariant(entry !== undefined, 'process.argv[1] names the CLI entry script');
  const stopOnExit = flags.stopOnExit === true;
  const runner = new TestnetRunner(
    { children: nodeChildSpecs(selected, { execPath: process.execPath, entry, extraArgs: startFlags, env: process.env }), stopGraceMs: DEFAULT_STOP_GRACE_MS, stopOnExit },
    { write: (stream, text) => process[stream].write(text) },
  );
  const say = (msg: string): void => void process.stderr.write(`[testnet] ${msg}\n`);
  runner.on('spawn', ({ name, pid }) => say(`${name} started (pid ${pid})`));
  runner.on('exit', (e) => {
    if (!e.unexpected) return;
    const left = runner.running();
    if (stopOnExit) return say(`${e.name} ${describeExit(e)}; stopping the others (--stop-on-exit)`);
    say(`${e.name} ${describeExit(e)}; ${left.length > 0 ? `${left.join(', ')} ${left.length === 1 ? 'keeps' : 'keep'} running` : 'no node is left running'}`);
    if (left.length === 0) process.exit(1);
  });
  runner.on('stopped', (r) => {
    say(stoppedMessage(r));
    process.exit(r.reason === 'requested' && r.clean ? 0 : 1);
  });
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (++signals > 1) return void (say('killing the nodes'), runner.kill());
    say(`${signal}: stopping ${runner.running().join(', ') || 'nothing'} (again to kill them now)`);
    void runner.stop();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('exit', () => runner.kill()); // never leave nodes behind, whatever ends this process
  runner.start();
}

function parseIndices(text: string): number[] {
  const parts = text.split(',').map((s) => s.trim());
  if (!parts.every((p) => /^\d+$/.test(p))) throw new ChainError('BAD_OPTION', `invalid --only: expected node indices like 0,2, got "${text}"`, { field: 'only' });
  return parts.map(Number);
}

function stoppedMessage(r: StopResult): string {
  const bad = r.exits.filter((e) => e.killed || (!e.unexpected && e.code !== 0 && e.signal !== 'SIGTERM' && e.signal !== 'SIGINT'));
  return bad.length === 0 ? 'all nodes stopped' : `stopped; ${bad.map((e) => `${e.name} ${describeExit(e)}`).join(', ')}`;
}
