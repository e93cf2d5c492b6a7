/**
 * Shared pieces of the identity and token-issuance contract tests (AttestationRegistry, IssuedToken,
 * VestingSchedule, TokenSale, TokenFactory, SymbolRegistry): their contract set on the shared harness
 * (contractHarness.ts) and the identity helpers.
 */
import { AbiCoder, keccak256, toUtf8Bytes } from 'ethers';
import { contractSet } from './contractHarness.ts';

export * from './contractHarness.ts';

export type ContractName =
  | 'AttestationRegistry' | 'IssuedToken' | 'VestingSchedule' | 'TokenSale' | 'TokenFactory' | 'SymbolRegistry'
  | 'ContractIssuer' | 'Actor' | 'TrickyToken';

const NAMES: ContractName[] = [
  'AttestationRegistry', 'IssuedToken', 'VestingSchedule', 'TokenSale', 'TokenFactory', 'SymbolRegistry',
  'ContractIssuer', 'Actor', 'TrickyToken',
];

const set = contractSet(['contracts/identity', 'contracts/tokens', 'contracts/test/identity', 'contracts/test/tokens', 'contracts/test/shared/Actor.sol'], NAMES);
export const { loadArtifacts, allErrors, errorSelector, errorData, decodeRevert, deploy, at, send, sendFailing, expectRevert, expectDeployRevert } = set;

// ---------------------------------------------------------------- identity helpers


/** keccak256 of a label, the way the tests name attribute kinds. */
export function kindOf(label: string): string {
  return keccak256(toUtf8Bytes(label));
}

/** The reference commitment: keccak256(abi.encode(kind, value, salt, holder)) with `value` as bytes. */
export function commitment(kind: string, value: Uint8Array | string, salt: string, holder: string): string {
  const bytes = typeof value === 'string' ? toUtf8Bytes(value) : value;
  return keccak256(AbiCoder.defaultAbiCoder().encode(['bytes32', 'bytes', 'bytes32', 'address'], [kind, bytes, salt, holder]));
}
