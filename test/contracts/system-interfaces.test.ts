/**
 * The Solidity interfaces of the system contracts (contracts/staking/IStaking.sol, IGovernance.sol) are the
 * ABIs the node serves (src/staking/abi.ts), so the two can never drift: compiled with the pinned solc, they
 * declare exactly the same function selectors, event topics and error selectors, and the same full
 * signatures (parameter names, `indexed`, mutability, outputs). CyberMilesSystem's constants are the
 * addresses of src/staking/layout.ts, read by running a compiled probe in an EVM.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createEVM } from '@ethereumjs/evm';
import { Interface } from 'ethers';
import { bytesToHex, hexToBytes } from '../../src/primitives/index.ts';
import { COMMUNITY_POOL_ADDRESS, GOVERNANCE_ABI, GOVERNANCE_ADDRESS, RATE_ONE, STAKING_ABI, STAKING_ADDRESS } from '../../src/staking/index.ts';
import { PROJECT_ROOT, compileSolidity } from '../utils/solc.ts';

const FILES = ['contracts/staking/IStaking.sol', 'contracts/staking/IGovernance.sol', 'contracts/staking/CyberMilesSystem.sol'];
const PROBE = `// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.24;
import {CyberMilesSystem} from "contracts/staking/CyberMilesSystem.sol";
contract SystemProbe {
    function constants() external pure returns (address, address, address, uint256) {
        return (address(CyberMilesSystem.STAKING), CyberMilesSystem.COMMUNITY_POOL, address(CyberMilesSystem.GOVERNANCE), CyberMilesSystem.RATE_ONE);
    }
}
`;

const compiled = compileSolidity({
  ...Object.fromEntries(FILES.map((f) => [f, readFileSync(join(PROJECT_ROOT, f), 'utf8')])),
  'test/SystemProbe.sol': PROBE,
});

/** Everything an ABI declares, by kind: selectors/topics, and full human-readable signatures. */
function surface(iface: Interface) {
  const functions: string[] = [];
  const events: string[] = [];
  const errors: string[] = [];
  iface.forEachFunction((f) => functions.push(f.selector));
  iface.forEachEvent((e) => events.push(e.topicHash));
  iface.forEachError((e) => errors.push(e.selector));
  return {
    functions: functions.sort(),
    events: events.sort(),
    errors: errors.sort(),
    signatures: iface.fragments.map((f) => f.format('full')).sort(),
  };
}

describe('system contract interfaces', () => {
  const cases: Array<[string, readonly string[]]> = [
    ['IStaking', STAKING_ABI],
    ['IGovernance', GOVERNANCE_ABI],
  ];
  for (const [name, abi] of cases) {
    it(`${name}.sol declares exactly the ABI the node serves`, () => {
      const artifact = compiled[name];
      assert.ok(artifact, `${name} compiled`);
      const sol = surface(new Interface(artifact.abi));
      const served = surface(new Interface(abi));
      assert.ok(served.functions.length > 0 && served.events.length > 0 && served.errors.length > 0);
      assert.deepEqual(sol.functions, served.functions, 'function selectors');
      assert.deepEqual(sol.events, served.events, 'event topics');
      assert.deepEqual(sol.errors, served.errors, 'error selectors');
      assert.deepEqual(sol.signatures, served.signatures, 'full signatures (names, indexed, mutability, outputs)');
    });
  }

  it('CyberMilesSystem holds the addresses of the system accounts', async () => {
    const probe = compiled.SystemProbe;
    assert.ok(probe);
    const iface = new Interface(probe.abi);
    const evm = await createEVM();
    const run = await evm.runCode({ code: hexToBytes(probe.deployedBytecode), data: hexToBytes(iface.encodeFunctionData('constants')), gasLimit: 1_000_000n });
    assert.equal(run.exceptionError, undefined);
    const [staking, pool, governance, rateOne] = iface.decodeFunctionResult('constants', run.returnValue) as unknown as [string, string, string, bigint];
    assert.deepEqual(
      [staking.toLowerCase(), pool.toLowerCase(), governance.toLowerCase(), rateOne],
      [bytesToHex(STAKING_ADDRESS), bytesToHex(COMMUNITY_POOL_ADDRESS), bytesToHex(GOVERNANCE_ADDRESS), RATE_ONE],
    );
  });
});
