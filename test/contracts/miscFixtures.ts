/**
 * Shared pieces of the ticketing, loyalty, stable coin and fixed-point tests: their contract set on the
 * shared harness (contractHarness.ts).
 */
import { contractSet } from './contractHarness.ts';

export * from './contractHarness.ts';

export type ContractName = 'EventTicketing' | 'LoyaltyPoints' | 'StableCoin' | 'FixedPointHarness' | 'MiscActor';

const set = contractSet(
  ['contracts/ticketing', 'contracts/loyalty', 'contracts/stablecoin', 'contracts/math', 'contracts/test/misc'],
  ['EventTicketing', 'LoyaltyPoints', 'StableCoin', 'FixedPointHarness', 'MiscActor'] as ContractName[],
);
export const { loadArtifacts, allErrors, errorSelector, errorData, decodeRevert, deploy, at, send, sendFailing, expectRevert, expectDeployRevert } = set;
