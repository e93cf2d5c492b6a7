/**
 * The chain extensions contract at EXTENSIONS_ADDRESS (0x…1003), what Lity and the CyberMiles VM offered
 * as opcodes and ENI libraries, here callable from standard solc through contracts/extensions/CyberMiles.sol:
 *
 * - isValidator(owner): whether the address owns a validator of the current set or a backup (for
 *   validator-run oracles, as CyberMiles' BTC relay used it);
 * - randomness(): consensus randomness no transaction sender can choose, mixed with the caller so two
 *   contracts in one block see different values (who can bias it, and how much: ADR 0015);
 * - jsonLookup(json, path): a field of a JSON text, exactly as written (jsonLookup.ts).
 *
 * All are views: they read state and never write, so they work in static calls.
 */
import { Interface } from 'ethers';
import { keccak256 } from '../../crypto/index.ts';
import type { NativeContract } from '../../evm/index.ts';
import { bytesToHex, concatBytes, utf8ToBytes } from '../../primitives/index.ts';
import { StakingStore, abiAddress, refuse, runAbiCall, seatOf } from '../../staking/index.ts';
import type { MethodSpec, StakingParams } from '../../staking/index.ts';
import { JsonLookupError, jsonLookup } from './jsonLookup.ts';

export const EXTENSIONS_ADDRESS = new Uint8Array([...new Uint8Array(18), 0x10, 0x03]);

export const EXTENSIONS_ABI = [
  'function isValidator(address owner) view returns (bool validator, bool backup)',
  'function randomness() view returns (bytes32)',
  'function jsonLookup(string json, string path) view returns (bool found, string value)',
  'error InvalidJson(string reason)',
  'error InvalidPath(string reason)',
  'error ValueNotAccepted(uint256 value)',
  'error StaticCallWrite()',
  'error UnknownMethod(bytes4 selector)',
  'error BadInput()',
] as const;

export const extensionsInterface = new Interface(EXTENSIONS_ABI);

const RANDOMNESS_TAG = utf8ToBytes('cmt.randomness');

/** Gas: a lookup walks its whole input once, so it pays per byte (like the identity precompile, 3 per word, x8 for parsing). */
const METHODS: Record<string, MethodSpec> = {
  isValidator: { gas: 10_000n },
  randomness: { gas: 500n },
  jsonLookup: { gas: (data) => 1_000n + 24n * BigInt(Math.ceil(data.length / 32)) },
};

export function extensionsContract(params: StakingParams | undefined): NativeContract {
  return {
    address: EXTENSIONS_ADDRESS,
    run: (call) =>
      runAbiCall(extensionsInterface, METHODS, call, async (name, args) => {
        switch (name) {
          case 'isValidator': {
            if (params === undefined) return { result: [false, false] };
            const seat = await seatOf(new StakingStore(call.state), params, abiAddress(args[0]));
            return { result: [seat.validator, seat.backup] };
          }
          case 'randomness':
            return { result: [bytesToHex(keccak256(concatBytes(RANDOMNESS_TAG, call.prevRandao, call.caller)))] };
          case 'jsonLookup': {
            try {
              const value = jsonLookup(String(args[0]), String(args[1]));
              return { result: [value !== undefined, value ?? ''] };
            } catch (err) {
              if (err instanceof JsonLookupError) refuse(err.kind, [err.message], err.message);
              throw err;
            }
          }
          default:
            throw new Error(`extensions method ${name} has no handler`);
        }
      }),
  };
}
