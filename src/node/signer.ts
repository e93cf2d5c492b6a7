/**
 * The validator's signer: signs proposals and votes with the ed25519 consensus key, refusing anything
 * consensus/signGuard.ts calls a double-sign. What it signed last is persisted before a signature is
 * returned, so a crash at any point cannot make it sign two values for one height, round and step: after
 * a restart it either knows the last signature (and repeats it for the same message) or never gave it out.
 *
 * Two state stores, one rule: a file (priv_validator_state.json, written to a temporary file, fsynced and
 * renamed into place) and memory (tests and simulations). test/compliance/signer.test.ts runs both.
 */
import { readFileSync } from 'node:fs';
import { SIGN_STEP, checkSign } from '../consensus/index.ts';
import type { LastSigned, SignRequest } from '../consensus/index.ts';
import { ed25519Address, ed25519KeyFromSeed, ed25519Sign } from '../crypto/index.ts';
import { ChainError, bytesToHex, hexToBytes } from '../primitives/index.ts';
import { replaceFileDurably } from '../storage/index.ts';
import { proposalSignBytes, voteSignBytes } from '../types/index.ts';

export interface SignerStateStore {
  load(): LastSigned | undefined;
  /** Durable when it returns. */
  save(last: LastSigned): void;
}

export interface SignedVote {
  timestampMs: bigint;
  signature: Uint8Array;
}

export interface Signer {
  readonly address: Uint8Array;
  readonly publicKey: Uint8Array;
  /** undefined: refused (it would be a double-sign); the reason goes to `onRefuse`. */
  signVote(type: 'prevote' | 'precommit', height: bigint, round: number, blockHash: Uint8Array | null, timestampMs: bigint): SignedVote | undefined;
  signProposal(height: bigint, round: number, blockHash: Uint8Array, validRound: number): Uint8Array | undefined;
}

export function createSigner(seed: Uint8Array, consensusChainId: string, store: SignerStateStore, onRefuse: (reason: string) => void = () => {}): Signer {
  const key = ed25519KeyFromSeed(seed);
  let last = store.load();

  const sign = (req: SignRequest, timestampMs: bigint, bytes: (t: bigint) => Uint8Array): SignedVote | undefined => {
    const decision = checkSign(last, req);
    if (decision.kind === 'refuse') {
      onRefuse(decision.reason);
      return undefined;
    }
    if (decision.kind === 'repeat') return { timestampMs: decision.timestampMs, signature: decision.signature };
    const signature = ed25519Sign(seed, bytes(timestampMs));
    const next: LastSigned = { ...req, timestampMs, signature };
    store.save(next); // before the signature leaves: a crash after this line repeats it, never re-decides
    last = next;
    return { timestampMs, signature };
  };

  return {
    address: ed25519Address(key.publicKey),
    publicKey: key.publicKey,
    signVote: (type, height, round, blockHash, timestampMs) =>
      sign({ height, round, step: SIGN_STEP[type], blockHash, validRound: -1 }, timestampMs, (t) =>
        voteSignBytes(consensusChainId, type, height, round, blockHash, t),
      ),
    signProposal: (height, round, blockHash, validRound) =>
      sign({ height, round, step: SIGN_STEP.proposal, blockHash, validRound }, 0n, () => proposalSignBytes(consensusChainId, height, round, blockHash, validRound))?.signature,
  };
}

export function createMemorySignerState(): SignerStateStore {
  let last: LastSigned | undefined;
  return { load: () => last, save: (s) => void (last = s) };
}

interface StateJson {
  height: string;
  round: number;
  step: number;
  block_hash: string | null;
  valid_round: number;
  timestamp_ms: string;
  signature: string;
}

/** CometBFT keeps the same file next to the key: config/../data/priv_validator_state.json. */
export function createFileSignerState(path: string): SignerStateStore {
  return {
    load() {
      let text: string;
      try {
        text = readFileSync(path, 'utf8');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined; // never signed
        throw err;
      }
      try {
        const j = JSON.parse(text) as StateJson;
        if (![1, 2, 3].includes(j.step)) throw new Error(`step ${j.step}`);
        return {
          height: BigInt(j.height),
          round: j.round,
          step: j.step as LastSigned['step'],
          blockHash: j.block_hash === null ? null : hexToBytes(j.block_hash),
          validRound: j.valid_round,
          timestampMs: BigInt(j.timestamp_ms),
          signature: hexToBytes(j.signature),
        };
      } catch (err) {
        // refusing to start is the only safe answer: guessing could sign twice
        throw new ChainError('SIGNER_STATE_CORRUPT', `validator signer state ${path} is unreadable (${(err as Error).message}); restore it or remove it only if this key never signed`);
      }
    },
    save(s) {
      const json: StateJson = {
        height: s.height.toString(),
        round: s.round,
        step: s.step,
        block_hash: s.blockHash === null ? null : bytesToHex(s.blockHash),
        valid_round: s.validRound,
        timestamp_ms: s.timestampMs.toString(),
        signature: bytesToHex(s.signature),
      };
      replaceFileDurably(path, `${JSON.stringify(json, null, 2)}\n`);
    },
  };
}
