/**
 * `cmt testnet init`: the homes of a local N-validator network (issue 4, item 6). `cmt testnet start`,
 * which runs them all, comes with the consensus network; until then `cmt start` refuses these homes.
 */
import { resolve } from 'node:path';
import { Command } from 'commander';
import { MAX_TESTNET_VALIDATORS, initTestnet } from '../../node/index.ts';
import { defaultConfigToml } from '../config.ts';
import { addGenesisOptions, initOptionsFromFlags, positive } from './genesisFlags.ts';
import type { Flags } from './genesisFlags.ts';

export function createTestnetCommand(): Command {
  const testnet = new Command('testnet').description('local multi-validator networks on 127.0.0.1');
  const init = new Command('init')
    .description(`write DIR/node0..node{N-1}: one shared genesis with N validators, keys, config.toml (JSON-RPC 8545+i, p2p 26656+i, the others as persistent peers)`)
    .requiredOption('--validators <n>', `number of validators, 1..${MAX_TESTNET_VALIDATORS}`)
    .requiredOption('--dir <dir>', 'directory for the node homes')
    .option('--force', 'replace the node homes in a non-empty DIR');
  addGenesisOptions(init).action((flags: Flags) => {
    const dir = resolve(String(flags.dir));
    const { nodes } = initTestnet({
      dir,
      validators: Number(positive('validators', String(flags.validators))),
      force: flags.force === true,
      init: initOptionsFromFlags(flags),
      configToml: (n) => defaultConfigToml({ rpcPort: n.rpcPort, p2pLaddr: n.p2pLaddr, persistentPeers: n.persistentPeers }),
    });
    const lines = nodes.map((n) => `  ${n.home}  node id ${n.nodeId}  JSON-RPC ${n.rpcPort}  p2p ${n.p2pLaddr}\n`);
    process.stdout.write(`Initialised a ${nodes.length}-validator testnet in ${dir}\n${lines.join('')}`);
  });
  return testnet.addCommand(init);
}
