import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createChainCommon } from '../../../src/evm/index.ts';

test('isActivatedEIP answers exactly the active-EIP list, across hardfork changes and copies', () => {
  const common = createChainCommon(1234n, 'osaka');
  const copy = common.copy();
  for (const hardfork of ['osaka', 'london', 'cancun', 'berlin', 'prague']) {
    common.setHardfork(hardfork);
    const active = (common as unknown as { _activatedEIPsCache: number[] })._activatedEIPsCache;
    assert.ok(active.length > 0, hardfork);
    for (let eip = 1; eip <= 8200; eip++) assert.equal(common.isActivatedEIP(eip), active.includes(eip), `${hardfork}: EIP-${eip}`);
  }
  assert.equal(common.isActivatedEIP(7702), true, 'osaka has set-code transactions (prague, the last set above)');
  common.setHardfork('london');
  assert.equal(common.isActivatedEIP(7702), false);
  assert.equal(copy.isActivatedEIP(7702), true, 'a copy keeps its own hardfork');
});
