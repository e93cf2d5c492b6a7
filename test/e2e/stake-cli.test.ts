/**
 * `cmt stake` and `cmt gov` against a real dev node (automine), signing with keystore accounts imported by
 * `cmt account import`: a dev account declares a candidacy (it becomes the backup, the dev chain having one
 * validator seat), another delegates to it, the queries show both (also at an earlier height), the dev
 * validator (dev account 0) proposes a parameter change and its vote passes it, and refusals are the
 * contract's custom errors. Most commands run in-process (the commands take their io); the ones whose exit
 * code and stderr matter run as real `cmt` processes. The client module is checked directly where its types
 * matter (a refusal's decoded arguments).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Contract } from 'ethers';
import type { JsonRpcProvider } from 'ethers';
import { CmtClient, ContractRevertError, STAKING_ABI, SYSTEM_ADDRESSES } from '../../src/client/index.ts';
import { createAccountCommand } from '../../src/cli/commands/account.ts';
import type { ClientCommandIo } from '../../src/cli/commands/clientCommand.ts';
import { createGovCommand } from '../../src/cli/commands/gov.ts';
import { createStakeCommand } from '../../src/cli/commands/stake.ts';
import { isChainError } from '../../src/primitives/index.ts';
import { removeHome, startCmt, tempHome } from '../utils/node.ts';
import type { CmtProcess } from '../utils/node.ts';
import { createEthersProvider } from '../utils/e2e-clients.ts';
import { devWallet, runCmtAsync } from '../utils/e2e2-helpers.ts';

const CMT = 10n ** 18n;
const nonTtyStdin = { isTTY: false } as unknown as NodeJS.ReadStream;

describe('cmt stake and cmt gov on a dev chain', () => {
  let node: CmtProcess;
  let provider: JsonRpcProvider;
  let dir: string;
  let home: string;
  let passwordFile: string;
  const validator = devWallet(0).address;
  const candidate = devWallet(1).address;
  const delegator = devWallet(2).address;
  const pubKey = randomBytes(32);

  /** Runs `cmt <group> <args>` in-process and returns what it printed. */
  async function cmt(group: 'stake' | 'gov' | 'account', args: string[]): Promise<string> {
    let out = '';
    const io: Partial<ClientCommandIo> = { env: {}, stdin: nonTtyStdin, write: (t) => void (out += t) };
    const cmd = group === 'stake' ? createStakeCommand(io) : group === 'gov' ? createGovCommand(io) : createAccountCommand(io);
    await cmd.parseAsync(args, { from: 'user' });
    return out;
  }
  const signing = (i: number): string[] => ['--rpc', node.url, '--home', home, '--password-file', passwordFile, '--from', devWallet(i).address];

  before(async () => {
    node = await startCmt(['--block-time', '0']);
    provider = createEthersProvider(node.url);
    dir = tempHome('cmt-stake-cli-');
    home = join(dir, 'home');
    passwordFile = join(dir, 'password');
    writeFileSync(passwordFile, 'correct horse\n');
    for (const i of [0, 1, 2, 3]) {
      const keyFile = join(dir, `key${i}`);
      writeFileSync(keyFile, `${devWallet(i).privateKey}\n`);
      const args = ['import', keyFile, '--home', home, '--password-file', passwordFile, '--lightkdf'];
      if (i === 0) {
        // once as a user runs it
        const r = await runCmtAsync(['account', ...args]);
        assert.equal(r.code, 0, r.stderr);
      } else {
        await cmt('account', args);
      }
    }
  });

  after(async () => {
    provider?.destroy();
    if (node) {
      await node.stop();
      removeHome(node.home);
    }
    if (dir) removeHome(dir);
  });

  test('declare: the candidate sends 10% of its maximum as self-stake', async () => {
    const balance = await provider.getBalance(candidate);
    const out = await cmt('stake', ['declare', ...signing(1), '--pubkey', pubKey.toString('base64'), '--max', '10000', '--comp-rate', '0.1', '--description', 'a merchant']);
    assert.match(out, /^transaction 0x[0-9a-f]{64} mined in block \d+/);
    assert.match(out, new RegExp(`CandidateDeclared candidate=${candidate} pubKey=0x${pubKey.toString('hex')} maxStake=${10_000n * CMT} commission=${CMT / 10n}`));
    const staking = new Contract(SYSTEM_ADDRESSES.staking, STAKING_ABI, provider);
    assert.equal(await staking.getFunction('delegation')(candidate, candidate), 1_000n * CMT, 'self-stake = self_staking_ratio (0.1) x max');
    assert.ok(balance - (await provider.getBalance(candidate)) >= 1_000n * CMT);
  });

  test('delegate: CMT amounts are CMT, and --json reports the decoded event in wei', async () => {
    const out = await cmt('stake', ['delegate', ...signing(2), '--validator', candidate, '--amount', '500cmt', '--json']);
    const r = JSON.parse(out) as { hash: string; events: Array<{ name: string; args: Record<string, string> }> };
    assert.deepEqual(r.events, [{ name: 'Delegated', args: { candidate, delegator, amount: (500n * CMT).toString() } }]);
    const receipt = await provider.getTransactionReceipt(r.hash);
    assert.equal(receipt?.status, 1);
    assert.equal(receipt?.from, delegator);
  });

  test('validators --json (a real process): the dev validator and the new backup with their stakes', async () => {
    const r = await runCmtAsync(['stake', 'validators', '--rpc', node.url, '--json']);
    assert.equal(r.code, 0, r.stderr);
    const { height, data } = JSON.parse(r.stdout) as { height: number; data: Array<{ owner: string; state: string; bonded: string; maxStake: string; commission: string; delegators: number }> };
    assert.equal(height, await provider.getBlockNumber());
    const byOwner = new Map(data.map((v) => [v.owner, v]));
    assert.equal(byOwner.get(validator)?.state, 'Validator');
    const c = byOwner.get(candidate);
    assert.deepEqual([c?.state, c?.bonded, c?.maxStake, c?.commission, c?.delegators], ['Backup Validator', (1_500n * CMT).toString(), (10_000n * CMT).toString(), (CMT / 10n).toString(), 2]);
  });

  test('validators and delegator print aligned tables in CMT; --height answers for an earlier block', async () => {
    const table = await cmt('stake', ['validators', '--rpc', node.url]);
    const lines = table.trimEnd().split('\n');
    assert.match(lines[0] as string, /^height \d+$/);
    assert.match(lines[1] as string, /^ADDRESS\s+STATE\s+RANK\s+STAKE \(CMT\)/);
    const row = lines.find((l) => l.startsWith(candidate)) as string;
    assert.match(row, /Backup Validator\s+1\s+1500\s+10000\s+\d+\s+0\.1\s+yes\s+no\s+2\s+a merchant$/);
    // right-aligned numbers end in the same column as their header
    const header = lines[1] as string;
    assert.equal(row.indexOf('10000') + '10000'.length, header.indexOf('MAX (CMT)') + 'MAX (CMT)'.length);

    const mine = await cmt('stake', ['delegator', delegator, '--rpc', node.url]);
    // the candidate's 0.1 commission; 500 CMT is below the 1,000 CMT that earns, so no rewards accrue
    assert.match(mine, new RegExp(`^${candidate}\\s+500\\s+0\\.1\\s+0$`, 'm'));
    const declaredAt = ((await provider.send('cmt_queryValidator', [candidate])) as { data: { block_height: number } }).data.block_height;
    const before = await cmt('stake', ['delegator', delegator, '--rpc', node.url, '--height', String(declaredAt)]);
    assert.equal(before, `height ${declaredAt}\n${delegator} has no delegations\n`);
  });

  test('gov: the dev validator proposes a parameter change, votes yes, and it is in force', async () => {
    const proposed = await cmt('gov', ['propose-param', ...signing(0), '--name', 'max_slash_blocks', '--value', '50', '--reason', 'a dev chain can idle']);
    const id = /proposal (\d+) created/.exec(proposed)?.[1];
    assert.ok(id !== undefined, proposed);
    const voted = await cmt('gov', ['vote', id, 'yes', ...signing(0)]);
    assert.match(voted, new RegExp(`Voted id=${id} voter=${validator} approve=true`));
    assert.match(voted, new RegExp(`ProposalResolved id=${id} status=2`), 'the one validator holds all the power');

    const r = await runCmtAsync(['gov', 'proposals', '--rpc', node.url, '--json']);
    assert.equal(r.code, 0, r.stderr);
    const proposals = (JSON.parse(r.stdout) as { data: Array<{ id: number; type: string; proposer: string; result: string; reason: string; yes: string; no: string }> }).data;
    const p = proposals.find((x) => x.id === Number(id));
    assert.deepEqual([p?.type, p?.proposer, p?.result, p?.reason, p?.no], ['changeParam', validator, 'approved', 'a dev chain can idle', '0']);
    assert.ok(BigInt(p?.yes ?? 0) > 0n);
    const params = JSON.parse(await cmt('stake', ['params', '--rpc', node.url, '--json'])) as { data: { maxMissedBlocks: number } };
    assert.equal(params.data.maxMissedBlocks, 50);
  });

  test('a refused delegation (above the maximum) exits 1 with the custom error on stderr and sends nothing', async () => {
    const nonce = await provider.getTransactionCount(delegator);
    const r = await runCmtAsync(['stake', 'delegate', ...signing(2), '--validator', candidate, '--amount', '9000']);
    assert.equal(r.code, 1, r.stdout);
    assert.match(r.stderr, new RegExp(`^error: staking refused: AboveMaxStake\\(${10_000n * CMT}, ${10_500n * CMT}\\)$`, 'm'));
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'a message, not a stack trace');
    assert.equal(await provider.getTransactionCount(delegator), nonce, 'nothing was signed and sent');
  });

  test('a governance refusal from a non-validator names its error too', async () => {
    await assert.rejects(cmt('gov', ['propose-param', ...signing(2), '--name', 'max_vals', '--value', '3', '--reason', 'x']), (err: unknown) => {
      assert.ok(err instanceof ContractRevertError);
      assert.deepEqual([err.contract, err.errorName, err.args], ['governance', 'NotAValidator', [delegator]]);
      return true;
    });
  });

  test('the client decodes a refusal with its arguments, before signing', async () => {
    const client = new CmtClient(provider, devWallet(2).connect(provider));
    await assert.rejects(client.stake.withdraw(candidate, 501n * CMT), (err: unknown) => {
      assert.ok(err instanceof ContractRevertError);
      assert.equal(err.errorName, 'InsufficientDelegation');
      assert.deepEqual(err.args, [500n * CMT, 501n * CMT]);
      return true;
    });
    const readOnly = new CmtClient(provider);
    await assert.rejects(readOnly.stake.delegate(candidate, CMT), (err: unknown) => isChainError(err) && err.code === 'NO_SIGNER');
    const { data } = await readOnly.delegator(delegator);
    assert.deepEqual(data.map((d) => [d.validator, d.amount]), [[candidate, 500n * CMT]]);
  });

  test('a candidate lowers one delegator\'s rate, then hands its candidacy to another account in two steps', async () => {
    await cmt('stake', ['set-comp-rate', ...signing(1), '--delegator', delegator, '--rate', '0.05']);
    const [d] = (JSON.parse(await cmt('stake', ['delegator', delegator, '--rpc', node.url, '--json'])) as { data: Array<{ compRate: string }> }).data;
    assert.equal(d?.compRate, (5n * 10n ** 16n).toString());

    const newOwner = devWallet(3).address;
    const requested = JSON.parse(await cmt('stake', ['update-account', ...signing(1), '--new-owner', newOwner, '--json'])) as { requestId: string };
    const before = await provider.getBalance(candidate);
    // the new account sends the old controller's self-stake, which the client asks of the contract
    const accepted = await cmt('stake', ['accept-account-update', requested.requestId, ...signing(3)]);
    assert.match(accepted, new RegExp(`OwnerChanged candidate=${candidate} oldOwner=${candidate} newOwner=${newOwner}`));
    assert.ok((await provider.getBalance(candidate)) - before >= 1_000n * CMT, 'the old self-stake came back');
    const staking = new Contract(SYSTEM_ADDRESSES.staking, STAKING_ABI, provider);
    assert.equal(await staking.getFunction('controllerOf')(candidate), newOwner);
    assert.equal(await staking.getFunction('delegation')(candidate, newOwner), 1_000n * CMT);
  });

  test('every command has --help; amount flags say their rule', async () => {
    const stake = await runCmtAsync(['stake', '--help']);
    assert.equal(stake.code, 0, stake.stderr);
    for (const sub of ['declare', 'update', 'withdraw-candidacy', 'activate', 'deactivate', 'verify', 'delegate', 'withdraw', 'claim', 'restake', 'validators', 'validator', 'delegator', 'params']) {
      assert.match(stake.stdout, new RegExp(`^  ${sub} `, 'm'));
    }
    const gov = await runCmtAsync(['gov', '--help']);
    for (const sub of ['propose-param', 'propose-transfer', 'propose-halt', 'propose-upgrade', 'vote', 'proposals']) assert.match(gov.stdout, new RegExp(`^  ${sub} `, 'm'));
    const delegate = await runCmtAsync(['stake', 'delegate', '--help']);
    assert.match(delegate.stdout.replace(/\s+/g, ' '), /--amount <amount> how much to stake: CMT \("1000", "0\.5"\) or with its unit \("1000cmt", "5wei"\)/);
  });

  test('an account missing from the keystore and an unreachable node are one-line errors', async () => {
    await assert.rejects(cmt('stake', ['claim', ...signing(2).slice(0, -1), devWallet(5).address, '--validator', candidate]), (err: unknown) => isChainError(err) && err.code === 'ACCOUNT_NOT_FOUND');
    const r = await runCmtAsync(['stake', 'params', '--rpc', 'http://127.0.0.1:1']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^error: cannot reach a node at http:\/\/127\.0\.0\.1:1/);
  });
});
