import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Interface } from 'ethers';
import { loadTestToken } from '../../utils/contracts.ts';
import { SolcCompileError, compileSolidity } from '../../utils/solc.ts';

test('TestToken artifact has the ERC-20 ABI, its revert helpers and non-empty bytecode', () => {
  const token = loadTestToken();
  const iface = new Interface(token.abi);
  const functions = [
    'name()',
    'symbol()',
    'decimals()',
    'totalSupply()',
    'balanceOf(address)',
    'transfer(address,uint256)',
    'transferFrom(address,address,uint256)',
    'approve(address,uint256)',
    'allowance(address,address)',
    'failWithReason()',
    'restricted()',
  ];
  for (const signature of functions) assert.ok(iface.getFunction(signature), `missing ${signature}`);
  assert.ok(iface.getEvent('Transfer(address,address,uint256)'));
  assert.ok(iface.getError('NotAllowed(address)'));
  assert.deepEqual(
    iface.deploy.inputs.map((p) => p.type),
    ['uint256'],
  );
  assert.match(token.bytecode, /^0x[0-9a-f]+$/);
  assert.match(token.deployedBytecode, /^0x[0-9a-f]+$/);
  assert.ok(token.bytecode.length > token.deployedBytecode.length, 'creation code includes the runtime code');
  assert.ok(token.deployedBytecode.length > 1000);
});

test('compileSolidity reports the compiler errors', () => {
  assert.throws(
    () => compileSolidity({ 'Bad.sol': 'pragma solidity ^0.8.0; contract Bad { function f() public { undefinedThing(); } }' }, { cache: false }),
    (err: unknown) => err instanceof SolcCompileError && err.messages.some((m) => m.includes('undefinedThing')),
  );
});

test('compileSolidity reports an import it cannot find', () => {
  assert.throws(
    () => compileSolidity({ 'Imp.sol': 'pragma solidity ^0.8.0; import "@nowhere/x/Y.sol"; contract Imp {}' }, { cache: false }),
    (err: unknown) => err instanceof SolcCompileError && err.messages.some((m) => m.includes('@nowhere/x/Y.sol')),
  );
});

test('compileSolidity serves a repeated compilation from its disk cache', () => {
  const cacheDir = mkdtempSync(join(tmpdir(), 'cmt-solc-'));
  try {
    const sources = { 'Small.sol': 'pragma solidity ^0.8.0; contract Small { uint256 public x = 7; }' };
    const first = compileSolidity(sources, { cacheDir });
    assert.equal(readdirSync(cacheDir).filter((f) => f.endsWith('.json')).length, 1);
    assert.deepEqual(compileSolidity(sources, { cacheDir }), first);
    compileSolidity(sources, { cacheDir, optimizerRuns: 1 });
    assert.equal(readdirSync(cacheDir).filter((f) => f.endsWith('.json')).length, 2, 'settings are part of the key');
  } finally {
    rmSync(cacheDir, { recursive: true, force: true });
  }
});
