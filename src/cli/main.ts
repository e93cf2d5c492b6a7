/**
 * cli: `cmt` turns argv, environment and the config file into NodeOptions and runs commands. Errors
 * from bad input are printed as one line with exit code 1, never as a stack trace.
 */
import { Command } from 'commander';
import { VERSION } from '../node/index.ts';
import { isChainError } from '../primitives/index.ts';
import { createAccountCommand } from './commands/account.ts';
import { createGovCommand } from './commands/gov.ts';
import { createInitCommand } from './commands/init.ts';
import { createStakeCommand } from './commands/stake.ts';
import { createStartCommand } from './commands/start.ts';
import { createStatusCommand } from './commands/status.ts';
import { createTestnetCommand } from './commands/testnet.ts';

export function createProgram(): Command {
  const program = new Command('cmt')
    .description('CyberMiles node: a DPoS/BFT chain for e-commerce with an Ethereum-compatible EVM')
    .version(VERSION, '-v, --version');
  program.addCommand(createInitCommand());
  program.addCommand(createStartCommand());
  program.addCommand(createStatusCommand());
  program.addCommand(createTestnetCommand());
  program.addCommand(createAccountCommand());
  program.addCommand(createStakeCommand());
  program.addCommand(createGovCommand());
  program.addCommand(
    new Command('version').description('print the version').action(() => {
      process.stdout.write(`cmt ${VERSION} (node ${process.versions.node})\n`);
    }),
  );
  return program;
}

export async function main(argv: string[]): Promise<void> {
  try {
    await createProgram().parseAsync(argv);
  } catch (err) {
    process.stderr.write(`error: ${isChainError(err) ? err.message : err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  }
}
