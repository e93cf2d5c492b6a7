/**
 * Runs the README's "Deploy a contract (ethers v6)" example, taken from README.md itself so the two cannot
 * drift, against a node started like `npm start` (`cmt start --dev`, default one-second blocks) on a free
 * port in a temporary home. The example's URL is mapped to that node; its `abi`/`bytecode` are TestToken's.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AbiCoder, ContractFactory, JsonRpcProvider, Wallet } from 'ethers';
import type { JsonFragment } from 'ethers';
import { removeHome, startCmt } from '../utils/node.ts';
import type { CmtProcess } from '../utils/node.ts';
import { loadTestToken } from '../utils/contracts.ts';
import { PROJECT_ROOT } from '../utils/solc.ts';
import { DEV_ADDRESS_0, ONE_CMT, createEthersProvider } from '../utils/e2e-clients.ts';

const README_URL = 'http://127.0.0.1:8545';
const SUPPLY = 21_000_000n * ONE_CMT;

/** The body of the README's ethers example, without its import line (checked to import what we pass in). */
function readmeExample(): string {
  const readme = readFileSync(join(PROJECT_ROOT, 'README.md'), 'utf8');
  const section = /## Deploy a contract \(ethers v6\)\s+```js\n([\s\S]*?)```/.exec(readme);
  assert.ok(section?.[1], 'README.md has a "Deploy a contract (ethers v6)" section with a ```js block');
  const code = section[1];
  const importLine = /^import \{ ([\w, ]+) \} from 'ethers';\n/.exec(code);
  assert.ok(importLine?.[1], 'the example starts with an import from ethers');
  assert.deepEqual(importLine[1].split(/,\s*/).sort(), ['ContractFactory', 'JsonRpcProvider', 'Wallet']);
  return code.slice(importLine[0].length);
}

describe('README ethers deploy example', () => {
  let node: CmtProcess;
  const providers: JsonRpcProvider[] = [];

  before(async () => {
    node = await startCmt([]);
  });

  after(async () => {
    for (const p of providers) p.destroy();
    if (node) {
      await node.stop();
      removeHome(node.home);
    }
  });

  test('deploys TestToken exactly as the README shows, and the code is on chain', async () => {
    const body = readmeExample();
    assert.match(body, /new ContractFactory\(abi, bytecode, wallet\)/);
    assert.match(body, /await token\.waitForDeployment\(\)/);
    const artifact = loadTestToken();
    // The README calls `factory.deploy()` without arguments; TestToken's constructor takes the initial supply,
    // so hand the example an ABI without constructor inputs and the supply appended to the creation code.
    const abi: JsonFragment[] = artifact.abi.map((f) => (f.type === 'constructor' ? { ...f, inputs: [] } : f));
    const bytecode = artifact.bytecode + AbiCoder.defaultAbiCoder().encode(['uint256'], [SUPPLY]).slice(2);

    const nodeUrl = node.url;
    class LocalProvider extends JsonRpcProvider {
      constructor(url: string) {
        assert.equal(url, README_URL, 'the README example connects to the default port');
        super(nodeUrl);
        providers.push(this);
      }
    }
    const printed: unknown[][] = [];
    const fakeConsole = { log: (...args: unknown[]) => printed.push(args) };
    const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor as new (...params: string[]) => (...args: unknown[]) => Promise<void>;
    const run = new AsyncFunction('ContractFactory', 'JsonRpcProvider', 'Wallet', 'abi', 'bytecode', 'console', body);
    await run(ContractFactory, LocalProvider, Wallet, abi, bytecode, fakeConsole);

    assert.equal(printed.length, 1);
    const [label, address] = printed[0]!;
    assert.equal(label, 'deployed at');
    assert.match(String(address), /^0x[0-9a-fA-F]{40}$/);

    const provider = createEthersProvider(node.url);
    providers.push(provider);
    const code = await provider.getCode(String(address));
    assert.notEqual(code, '0x', 'code at the deployed address');
    assert.equal(code, artifact.deployedBytecode);
    const balanceOf = new ContractFactory(artifact.abi, artifact.bytecode).attach(String(address)).connect(provider).getFunction('balanceOf');
    assert.equal(await balanceOf(DEV_ADDRESS_0), SUPPLY, 'the constructor ran with the appended argument');
  });
});
