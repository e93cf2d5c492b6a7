/** The start-up banner, in anvil's layout so people find what they expect where they expect it. */
import { Address } from '@ethereumjs/util';
import { formatUnits } from 'ethers';
import type { Node, NodeOptions } from '../node/index.ts';
import { VERSION } from '../node/index.ts';
import { hexToBytes } from '../primitives/index.ts';

export async function printBanner(node: Node, opts: NodeOptions): Promise<void> {
  const head = node.chain.head().header.height;
  const state = node.chain.stateAt(head);
  const lines: string[] = ['', `  CyberMiles v${VERSION}${opts.dev.enabled ? ' (development chain)' : ''}`, ''];
  if (node.devAccounts.length > 0) {
    lines.push('Available Accounts', '==================');
    for (const [i, a] of node.devAccounts.entries()) {
      const balance = (await state.getAccount(new Address(hexToBytes(a.address))))?.balance ?? 0n;
      lines.push(`(${i}) ${a.address} (${formatUnits(balance, 18)} CMT)`);
    }
    lines.push('', 'Private Keys', '==================');
    for (const [i, a] of node.devAccounts.entries()) lines.push(`(${i}) ${a.privateKey}`);
    lines.push('', 'Wallet', '==================', `Mnemonic:          ${opts.dev.mnemonic}`, "Derivation path:   m/44'/60'/0'/0/", '');
  }
  const g = node.chain.genesis;
  lines.push(
    'Chain ID',
    '==================',
    '',
    `${g.chainId}`,
    '',
    'Base Fee (minimum gas price)',
    '==================',
    '',
    `${g.minGasPriceWei}`,
    '',
    'Gas Limit',
    '==================',
    '',
    `${g.blockGasLimit}`,
    '',
    'Home',
    '==================',
    '',
    `${opts.home} (block ${head})`,
    '',
    node.consensus.mode === 'network'
      ? `Consensus: Tendermint, ${node.consensus.validators} validators, ${opts.consensus.timeouts} timeouts; p2p ${node.consensus.p2p ?? 'not listening'}`
      : `Block time: ${opts.blockTimeMs === 0 ? 'automine (a block per transaction)' : `${opts.blockTimeMs / 1000} s`}`,
    '',
    `Listening on ${node.rpc.url().replace('http://', '')}`,
    ...(node.metricsUrl === undefined ? [] : ['', `Metrics on ${node.metricsUrl}`]),
    '',
  );
  process.stdout.write(`${lines.join('\n')}\n`);
}
