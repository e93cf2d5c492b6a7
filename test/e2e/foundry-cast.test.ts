/**
 * Foundry's `cast` (the real binary from npm @foundry-rs/cast) against `cmt start --dev --block-time 0`,
 * the way a Foundry user scripts a chain: chain id, a transfer, deploying and calling an ERC-20, revert
 * reasons, gas estimates, and the anvil_/evm_ dev methods. (`forge` needs solc downloaded from the
 * internet, which this machine cannot do; cast needs no compiler.)
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { AbiCoder } from 'ethers';
import { PROJECT_ROOT } from '../utils/solc.ts';
import { loadTestToken } from '../utils/contracts.ts';
import { removeHome, startCmt } from '../utils/node.ts';
import type { CmtProcess } from '../utils/node.ts';

const run = promisify(execFile);
const native = join(PROJECT_ROOT, `node_modules/@foundry-rs/cast-${process.platform}-${process.arch === 'x64' ? 'amd64' : process.arch}/bin/cast`);
const CAST = existsSync(native) ? native : join(PROJECT_ROOT, 'node_modules/.bin/cast');
const KEY0 = '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80'; // dev account 0
const ADDR0 = '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266';
const DEAD = '0x000000000000000000000000000000000000dEaD';

describe('Foundry cast against cmt (e2e)', () => {
  let node: CmtProcess;
  // the RPC URL right after the subcommand: after `--create <code>` everything is a constructor argument
  const cast = async (command: string, ...args: string[]): Promise<string> =>
    (await run(CAST, [command, '--rpc-url', node.url, ...args], { timeout: 30_000 })).stdout.trim();
  const castFails = async (command: string, ...args: string[]): Promise<string> => {
    try {
      await cast(command, ...args);
    } catch (err) {
      return String((err as { stderr?: string }).stderr ?? err);
    }
    throw new Error(`cast ${command} ${args.join(' ')} succeeded`);
  };

  before(async () => {
    node = await startCmt(['--block-time', '0', '--silent']);
  });
  after(async () => {
    await node?.stop();
    if (node) removeHome(node.home);
  });

  it('reads the chain id and sends a transfer that is mined at once', async () => {
    assert.equal(await cast('chain-id'), '1234');
    const receipt = JSON.parse(await cast('send', '--private-key', KEY0, DEAD, '--value', '1ether', '--json')) as { status: string; gasUsed: string };
    assert.equal(receipt.status, '0x1');
    assert.equal(BigInt(receipt.gasUsed), 21_000n);
    assert.equal(await cast('balance', DEAD), '1000000000000000000');
    assert.equal(await cast('estimate', '--from', ADDR0, DEAD, '--value', '1'), '21000');
  });

  it('deploys an ERC-20, transfers and reads it, and shows revert reasons', async () => {
    const artifact = loadTestToken();
    const deployData = artifact.bytecode + AbiCoder.defaultAbiCoder().encode(['uint256'], [1000n * 10n ** 18n]).slice(2);
    const deployed = JSON.parse(await cast('send', '--private-key', KEY0, '--create', deployData, '--json')) as { status: string; contractAddress: string };
    assert.equal(deployed.status, '0x1');
    const token = deployed.contractAddress;
    const sent = JSON.parse(await cast('send', '--private-key', KEY0, token, 'transfer(address,uint256)', DEAD, '250', '--json')) as { status: string };
    assert.equal(sent.status, '0x1');
    assert.equal(await cast('call', token, 'balanceOf(address)(uint256)', DEAD), '250');
    assert.match(await castFails('call', token, 'failWithReason()'), /TestToken: always fails/);
  });

  it('drives the dev methods: anvil_setBalance, evm_snapshot and evm_revert', async () => {
    const who = '0x00000000000000000000000000000000000c0ffe';
    await cast('rpc', 'anvil_setBalance', who, '0x3039');
    assert.equal(await cast('balance', who), '12345');
    const snapshot = JSON.parse(await cast('rpc', 'evm_snapshot')) as string;
    await cast('send', '--private-key', KEY0, who, '--value', '5');
    assert.equal(await cast('balance', who), '12350');
    assert.equal(await cast('rpc', 'evm_revert', snapshot), 'true');
    assert.equal(await cast('balance', who), '12345');
  });
});
