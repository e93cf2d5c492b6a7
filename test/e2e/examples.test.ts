/**
 * The dApp examples in examples/ run exactly as a developer runs them: each as its own process
 * (`node --import tsx examples/<name>.ts`, the loader `npx tsx` uses) with CMT_RPC pointing at a real dev node
 * (automine, so each finishes in seconds). Each must exit 0 and print its steps; the balances and states it
 * printed are then read back from the chain through JSON-RPC, with the contract addresses it printed, so an
 * example cannot pass by printing what it did not do. Against a node that does not answer, each exits non-zero.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { Contract, parseEther, parseUnits } from 'ethers';
import type { InterfaceAbi, JsonRpcProvider } from 'ethers';
import { IssuedTokenAbi, MarketplaceAbi, PaymentChannelsAbi, ReputationAbi, StableCoinAbi, TokenSaleAbi } from '../../contracts/abi.ts';
import { cleanEnv, withDevNode } from '../utils/node.ts';
import type { CmtProcess } from '../utils/node.ts';
import { freePort } from '../utils/e2e2-helpers.ts';

const EXAMPLES = resolve(import.meta.dirname, '../../examples');
const TIMEOUT_MS = 60_000;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs examples/<name> to completion with CMT_RPC = `rpcUrl` (and no other CMT_* setting of the runner). */
function runExample(name: string, rpcUrl: string): Promise<Run> {
  return new Promise((res, rej) => {
    const proc = spawn(process.execPath, ['--import', 'tsx', resolve(EXAMPLES, name)], {
      cwd: resolve(EXAMPLES, '..'), stdio: ['ignore', 'pipe', 'pipe'], env: cleanEnv({ CMT_RPC: rpcUrl }),
    });
    let stdout = '';
    let stderr = '';
    proc.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => proc.kill('SIGKILL'), TIMEOUT_MS); // a hung example fails, it does not stall the suite
    proc.once('error', rej);
    proc.once('close', (code) => {
      clearTimeout(timer);
      res({ code, stdout, stderr });
    });
  });
}

/** Asserts a successful run and returns its standard output. */
function succeeded(run: Run): string {
  assert.equal(run.code, 0, `exit code ${run.code}\n--- stdout\n${run.stdout}\n--- stderr\n${run.stderr}`);
  return run.stdout;
}

/** The first capture group of `pattern` in `output`. */
function captured(output: string, pattern: RegExp): string {
  const m = pattern.exec(output);
  assert.ok(m?.[1] !== undefined, `output has ${pattern}:\n${output}`);
  return m[1];
}

/** The numbered step lines ("1. ...") in the order printed. */
function steps(output: string): number[] {
  return [...output.matchAll(/^(\d+)\. /gm)].map((m) => Number(m[1]));
}

const ADDRESS = '(0x[0-9a-fA-F]{40})';

describe('examples/ against a dev node', () => {
  let node: CmtProcess;
  let provider: JsonRpcProvider;
  const read = <T>(address: string, abi: InterfaceAbi, fn: string, ...args: unknown[]): Promise<T> =>
    new Contract(address, abi, provider).getFunction(fn)(...args) as Promise<T>;

  withDevNode(['--block-time', '0'], (n, p) => {
    node = n;
    provider = p;
  });

  test('marketplace-stablecoin: list, buy in CUSD into escrow, confirm, pay out, review', async () => {
    const out = succeeded(await runExample('marketplace-stablecoin.ts', node.url));
    assert.deepEqual(steps(out), [1, 2, 3, 4, 5, 6, 7]);
    const coin = captured(out, new RegExp(`StableCoin \\(CUSD\\) deployed at ${ADDRESS}`));
    const market = captured(out, new RegExp(`Marketplace deployed at ${ADDRESS}`));
    const reputation = captured(out, new RegExp(`Reputation deployed at ${ADDRESS}`));
    const orderId = BigInt(captured(out, /order #(\d+): 25 CUSD in escrow/));
    const seller = captured(out, new RegExp(`seller ${ADDRESS} holds 24\\.375 CUSD`));
    const feeRecipient = captured(out, new RegExp(`fee recipient ${ADDRESS} holds 0\\.625 CUSD`));
    const buyer = captured(out, new RegExp(`buyer ${ADDRESS} holds 75 CUSD`));
    assert.match(out, /seller rating: 5\.00 \/ 5 from 1 rating\(s\), 1 distinct rater\(s\), 0 dispute\(s\) lost/);

    // 100 CUSD minted to the buyer, one item at 25 CUSD, a 2.5% fee on completion: 0.625 to the marketplace
    const cusd = (s: string) => parseUnits(s, 6);
    assert.equal(await read(coin, StableCoinAbi, 'balanceOf', buyer), cusd('75'));
    assert.equal(await read(coin, StableCoinAbi, 'balanceOf', seller), cusd('24.375'));
    assert.equal(await read(coin, StableCoinAbi, 'balanceOf', feeRecipient), cusd('0.625'));
    assert.equal(await read(coin, StableCoinAbi, 'balanceOf', market), 0n, 'escrow emptied, nothing owed');
    const order = await read<{ status: bigint; buyer: string; seller: string }>(market, MarketplaceAbi, 'getOrder', orderId);
    assert.deepEqual([order.status, order.buyer, order.seller], [3n, buyer, seller], 'the order is Completed between these two');
    const summary = await read<{ ratingsAsSeller: bigint; averageX100: bigint; uniqueRaters: bigint }>(reputation, ReputationAbi, 'summary', seller);
    assert.deepEqual([summary.ratingsAsSeller, summary.averageX100, summary.uniqueRaters], [1n, 500n, 1n]);
    assert.equal(await read(reputation, ReputationAbi, 'hasRated', orderId, seller), true, 'the seller rated the buyer too');
  });

  test('token-sale: issue a capped token, sell it for CMT, finalise after the window, claim', async () => {
    const out = succeeded(await runExample('token-sale.ts', node.url));
    assert.deepEqual(steps(out), [1, 2, 3, 4, 5, 6]);
    const token = captured(out, new RegExp(`ACME issued at ${ADDRESS}`));
    const sale = captured(out, new RegExp(`TokenSale at ${ADDRESS} holds 50000 ACME`));
    const alice = captured(out, new RegExp(`Alice ${ADDRESS} holds 20000 ACME`));
    const bob = captured(out, new RegExp(`Bob ${ADDRESS} holds 5000 ACME`));
    const treasury = captured(out, new RegExp(`treasury ${ADDRESS} received 25 CMT`));
    const store = captured(out, new RegExp(`store ${ADDRESS} holds 75000 ACME`));

    // 1,000 ACME per CMT: 20 and 5 CMT buy 20,000 and 5,000; of the 50,000 put up, 25,000 unsold go back
    assert.equal(await read(token, IssuedTokenAbi, 'balanceOf', alice), parseEther('20000'));
    assert.equal(await read(token, IssuedTokenAbi, 'balanceOf', bob), parseEther('5000'));
    assert.equal(await read(token, IssuedTokenAbi, 'balanceOf', store), parseEther('75000'));
    assert.equal(await read(token, IssuedTokenAbi, 'balanceOf', sale), 0n);
    assert.equal(await read(token, IssuedTokenAbi, 'cap'), parseEther('1000000'));
    assert.equal(await read(sale, TokenSaleAbi, 'outcome'), 1n, 'Succeeded');
    assert.equal(await read(sale, TokenSaleAbi, 'totalRaised'), parseEther('25'));
    assert.equal(await read(sale, TokenSaleAbi, 'proceedsWithdrawn'), true);
    assert.equal(await provider.getBalance(sale), 0n, 'all the CMT raised went to the treasury');
    const config = await read<{ beneficiary: string; end: bigint }>(sale, TokenSaleAbi, 'config');
    assert.equal(config.beneficiary, treasury);
    const head = await provider.getBlock('latest');
    assert.ok(head && BigInt(head.timestamp) >= config.end, 'the chain\'s clock was moved past the window');
  });

  test('token-sale runs again on a chain whose clock it already moved a day ahead', async () => {
    const out = succeeded(await runExample('token-sale.ts', node.url));
    assert.match(out, /Alice 0x[0-9a-fA-F]{40} holds 20000 ACME/, 'a new token, so the same balances');
  });

  test('payment-channel: deposit, four signed cumulative claims off chain, close with the last, refund', async () => {
    const out = succeeded(await runExample('payment-channel.ts', node.url));
    assert.deepEqual(steps(out), [1, 2, 3, 4]);
    const channels = captured(out, new RegExp(`PaymentChannels deployed at ${ADDRESS}`));
    const id = BigInt(captured(out, /channel #(\d+) holds 10\.0 CMT/));
    assert.deepEqual([...out.matchAll(/kWh \d: claim for ([\d.]+) CMT accepted/g)].map((m) => m[1]), ['1.5', '3.0', '4.5', '6.0']);
    const station = captured(out, new RegExp(`station ${ADDRESS} received 6\\.0 CMT`));
    const customer = captured(out, new RegExp(`customer ${ADDRESS} paid 6\\.0 CMT and got 4\\.0 CMT back`));

    const channel = await read<{ open: boolean; payer: string; recipient: string; deposit: bigint; paid: bigint }>(channels, PaymentChannelsAbi, 'getChannel', id);
    assert.deepEqual(
      [channel.open, channel.payer, channel.recipient, channel.deposit, channel.paid],
      [false, customer, station, parseEther('10'), parseEther('6')],
      'closed, having paid the last claim only once',
    );
    assert.equal(await read(channels, PaymentChannelsAbi, 'owed', customer, '0x0000000000000000000000000000000000000000'), 0n, 'the rest was withdrawn');
    assert.equal(await provider.getBalance(channels), 0n);
    // only three transactions touched the channel (open, close, withdraw): the four payments cost none
    const logs = await provider.getLogs({ address: channels, fromBlock: 0 });
    assert.equal(new Set(logs.map((l) => l.transactionHash)).size, 3, 'open, close and withdraw are the only transactions with its events');
  });

  test('each example exits non-zero when the node does not answer', async () => {
    const deadUrl = `http://127.0.0.1:${await freePort()}`;
    const runs = await Promise.all(['marketplace-stablecoin.ts', 'token-sale.ts', 'payment-channel.ts'].map((name) => runExample(name, deadUrl)));
    for (const run of runs) {
      assert.ok(run.code !== 0 && run.code !== null, `exit code ${run.code}\n${run.stdout}\n${run.stderr}`);
      assert.match(run.stderr, /ECONNREFUSED|HTTP request failed/);
    }
  });
});
