/**
 * The chain extensions (issue 6) on the dev chain, through ethers and through the Solidity library
 * contracts/extensions/CyberMiles.sol compiled by the pinned solc: isValidator follows staking (the dev
 * validator, a backup once declared, nobody else); randomness is keccak("cmt.randomness" ‖ prevRandao ‖
 * caller), different per caller and per block; jsonLookup returns values exactly as written. Bad input:
 * truncated arguments, an unknown selector, sent value, DELEGATECALL, a gas limit below the lookup's cost,
 * invalid JSON and paths, all refused with their custom errors, in static context too.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Contract, ContractFactory, concat, keccak256, toUtf8Bytes } from 'ethers';
import type { JsonRpcProvider, TransactionReceipt } from 'ethers';
import { EXTENSIONS_ABI, EXTENSIONS_ADDRESS, extensionsInterface } from '../../src/execution/index.ts';
import { bytesToHex } from '../../src/primitives/index.ts';
import { STAKING_ABI, STAKING_ADDRESS } from '../../src/staking/index.ts';
import { removeHome, startCmt } from '../utils/node.ts';
import type { CmtProcess } from '../utils/node.ts';
import { createEthersProvider } from '../utils/e2e-clients.ts';
import { devWallet } from '../utils/e2e2-helpers.ts';
import { PROJECT_ROOT, compileSolidity } from '../utils/solc.ts';

const EXT = bytesToHex(EXTENSIONS_ADDRESS);
const CMT = 10n ** 18n;
const SHIPPING = '{"rates":{"EU":[{"kg":1,"price":"4.50"},{"kg":5,"price":12}],"US":[]},"big":123456789012345678901234567890,"note":"a \\"quoted\\" caf\\u00e9"}';

describe('chain extensions', () => {
  let node: CmtProcess;
  let provider: JsonRpcProvider;
  let user: Contract;
  let other: Contract;
  const ext = () => new Contract(EXT, EXTENSIONS_ABI, devWallet(0).connect(provider));
  /** The custom error a call reverts with (eth_call through the provider). */
  const errorOf = async (data: string, extra: { value?: bigint; gasLimit?: bigint } = {}): Promise<string | undefined> => {
    try {
      await provider.call({ to: EXT, data, from: devWallet(0).address, ...extra });
      return undefined;
    } catch (err) {
      const raw = (err as { data?: string | null }).data;
      return raw === undefined || raw === null || raw === '0x' ? 'no data' : (extensionsInterface.parseError(raw)?.name ?? 'unknown');
    }
  };

  before(async () => {
    node = await startCmt(['--block-time', '0']);
    provider = createEthersProvider(node.url);
    const source = 'contracts/test/extensions/ExtensionsUser.sol';
    const compiled = compileSolidity({ [source]: readFileSync(join(PROJECT_ROOT, source), 'utf8') });
    const artifact = compiled.ExtensionsUser;
    assert.ok(artifact);
    const factory = new ContractFactory(artifact.abi, artifact.bytecode, devWallet(0).connect(provider));
    user = (await (await factory.deploy()).waitForDeployment()) as unknown as Contract;
    other = (await (await factory.deploy()).waitForDeployment()) as unknown as Contract;
    await provider.send('evm_mine', []); // the first election replaced genesis' power by the stake
  });

  after(async () => {
    provider?.destroy();
    if (node) {
      await node.stop();
      removeHome(node.home);
    }
  });

  test('isValidator follows staking: the dev validator, a declared candidate as backup, nobody else', async () => {
    assert.deepEqual([...(await user.getFunction('seat')(devWallet(0).address))], [true, false]);
    assert.deepEqual([...(await user.getFunction('seat')(devWallet(3).address))], [false, false]);
    const staking = new Contract(bytesToHex(STAKING_ADDRESS), STAKING_ABI, devWallet(3).connect(provider));
    await (await staking.getFunction('declareCandidacy')(bytesToHex(randomBytes(32)), 10_000n * CMT, 10n ** 17n, 'oracle', { value: 1_000n * CMT })).wait();
    assert.deepEqual([...(await user.getFunction('seat')(devWallet(3).address))], [false, true]);
    assert.equal(await user.getFunction('report')(devWallet(3).address), true);
    assert.equal(await user.getFunction('report')(devWallet(4).address), false);
  });

  test('randomness is keccak("cmt.randomness" ‖ prevRandao ‖ caller): per block and per caller', async () => {
    const seen: string[] = [];
    for (let i = 0; i < 2; i++) {
      const receipt = (await (await user.getFunction('draw')()).wait()) as TransactionReceipt;
      const block = await provider.send('eth_getBlockByNumber', [`0x${receipt.blockNumber.toString(16)}`, false]);
      const expected = keccak256(concat([toUtf8Bytes('cmt.randomness'), block.mixHash, await user.getAddress()]));
      assert.equal(await user.getFunction('lastRandomness')(), expected, `block ${receipt.blockNumber}`);
      seen.push(expected);
    }
    assert.notEqual(seen[0], seen[1], 'a new block, a new value');
    assert.notEqual(await user.getFunction('peek')(), await other.getFunction('peek')(), 'two contracts see different values');
  });

  test('jsonLookup returns values as written: strings unescaped, numbers digit for digit, containers as JSON', async () => {
    const lookup = async (path: string) => [...(await user.getFunction('lookup')(SHIPPING, path))];
    assert.deepEqual(await lookup('rates.EU[0].price'), [true, '4.50']);
    assert.deepEqual(await lookup('rates.EU[1].price'), [true, '12']);
    assert.deepEqual(await lookup('big'), [true, '123456789012345678901234567890']);
    assert.deepEqual(await lookup('note'), [true, 'a "quoted" café']);
    assert.deepEqual(await lookup('rates.US'), [true, '[]']);
    assert.deepEqual(await lookup('rates.EU[1]'), [true, '{"kg":5,"price":12}']);
    assert.deepEqual(await lookup('rates.EU[2]'), [false, '']);
    assert.deepEqual(await lookup('rates.CN'), [false, '']);
    assert.deepEqual(await lookup('note.inner'), [false, '']);
    // from a transaction too (state written from the result)
    await (await user.getFunction('lookupAndStore')(SHIPPING, 'rates.EU[0].kg')).wait();
    assert.deepEqual([await user.getFunction('lastFound')(), await user.getFunction('lastValue')()], [true, '1']);
  });

  test('invalid JSON and paths revert with their custom errors, bubbled through the library', async () => {
    const reverted = async (json: string, path: string) => {
      try {
        await user.getFunction('lookup')(json, path);
        return undefined;
      } catch (err) {
        return extensionsInterface.parseError((err as { data: string }).data)?.name;
      }
    };
    assert.equal(await reverted('{"a":1,}', 'a'), 'InvalidJson');
    assert.equal(await reverted('{"a":01}', 'a'), 'InvalidJson');
    assert.equal(await reverted('{"a":1} x', 'a'), 'InvalidJson');
    assert.equal(await reverted('{"a":1}', 'a..b'), 'InvalidPath');
    assert.equal(await reverted('{"a":1}', 'a[x]'), 'InvalidPath');
  });

  test('bad input is refused: truncated arguments, unknown selector, value, DELEGATECALL, too little gas', async () => {
    const full = extensionsInterface.encodeFunctionData('isValidator', [devWallet(0).address]);
    assert.equal(await errorOf(full.slice(0, 20)), 'BadInput');
    assert.equal(await errorOf('0xdeadbeef'), 'UnknownMethod');
    assert.equal(await errorOf(extensionsInterface.encodeFunctionData('randomness', []), { value: 1n }), 'ValueNotAccepted');
    assert.equal(await user.getFunction('delegated').staticCall(), false, 'DELEGATECALL to an extension fails');
    const [ok, ret] = await user.getFunction('withValue').staticCall({ value: 5n });
    assert.equal(ok, false);
    assert.equal(extensionsInterface.parseError(ret)?.name, 'ValueNotAccepted');
    // a lookup over 20 KB costs more than a 30,000 gas call allows: out of gas, not an answer
    const big = JSON.stringify({ pad: 'x'.repeat(20_000), v: 1 });
    const data = extensionsInterface.encodeFunctionData('jsonLookup', [big, 'v']);
    assert.equal(await errorOf(data, { gasLimit: 30_000n }), 'no data');
    assert.deepEqual([...extensionsInterface.decodeFunctionResult('jsonLookup', await provider.call({ to: EXT, data }))], [true, '1']);
    assert.deepEqual([...(await ext().getFunction('isValidator')(devWallet(0).address))], [true, false], 'and a plain static call works');
  });
});
