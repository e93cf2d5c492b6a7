/** Builders and a step-table runner shared by the mempool tests. */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { isChainError } from '../../../src/primitives/index.ts';
import { createMempool, testMempoolOptions } from '../../../src/mempool/index.ts';
import type { AccountState, AddResult, Mempool, MempoolErrorCode, MempoolOptions, PoolTx } from '../../../src/mempool/index.ts';

export const SENDERS = {
  A: `0x${'a'.repeat(40)}`,
  B: `0x${'b'.repeat(40)}`,
  C: `0x${'c'.repeat(40)}`,
  D: `0x${'d'.repeat(40)}`,
} as const;
export type Label = keyof typeof SENDERS;
const LABEL_OF = new Map<string, string>(Object.entries(SENDERS).map(([label, address]) => [address, label]));

export const RICH = 10n ** 18n;
export const BASE_FEE = 1n;

export interface TxSpec {
  from: Label;
  nonce: number;
  fee?: bigint;
  tip?: bigint;
  value?: bigint;
  gas?: bigint;
  size?: number;
  /** Distinguishes otherwise identical transactions; part of the hash. */
  tag?: string;
}

/** A transaction whose hash is derived from its fields, so a test can build the same one twice. Fee 10, tip 2, gas 1. */
export function tx(spec: TxSpec): PoolTx<string> {
  const fields = {
    sender: SENDERS[spec.from],
    nonce: BigInt(spec.nonce),
    gasLimit: spec.gas ?? 1n,
    maxFeePerGas: spec.fee ?? 10n,
    maxPriorityFeePerGas: spec.tip ?? 2n,
    value: spec.value ?? 0n,
    size: spec.size ?? 100,
  };
  const id = JSON.stringify({ ...fields, tag: spec.tag ?? '' }, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
  const hash = `0x${createHash('sha256').update(id).digest('hex')}`;
  return { ...fields, hash, payload: `${spec.from}${spec.nonce}${spec.tag ?? ''}` };
}

export function pool(opts: Partial<MempoolOptions> = {}): Mempool<string> {
  return createMempool<string>({ ...testMempoolOptions, ...opts });
}

/**
 * The pool as text: senders in label order, each `label[pending nonces|queued nonces]`, e.g. `A[0,1|3]`
 * means A's nonces 0 and 1 are executable and 3 waits behind a gap.
 */
export function snapshot(p: Mempool<string>): string {
  const { pending, queued } = p.content();
  const labels = [...new Set([...pending.keys(), ...queued.keys()])].map(labelOf).sort();
  return labels
    .map((l) => {
      const nonces = (m: Map<string, PoolTx<string>[]>) => (m.get(SENDERS[l]) ?? []).map((t) => t.nonce).join(',');
      return `${l}[${nonces(pending)}|${nonces(queued)}]`;
    })
    .join(' ');
}

export function labelOf(address: string): Label {
  const l = LABEL_OF.get(address);
  assert.ok(l !== undefined, `unknown sender ${address}`);
  return l as Label;
}

export interface AddStep {
  name: string;
  tx: PoolTx<string>;
  /** Default: nonce 0 and a large balance. */
  account?: AccountState;
  baseFee?: bigint;
  /** Expected result, or the error code and its exact message (a RegExp for long ones). */
  result?: AddResult;
  error?: { code: MempoolErrorCode; message: string | RegExp };
  /** `snapshot` after the step. */
  state: string;
}

export function runAddSteps(p: Mempool<string>, steps: AddStep[]): void {
  for (const step of steps) {
    const account = step.account ?? { nonce: 0n, balance: RICH };
    const run = () => p.add(step.tx, account, step.baseFee ?? BASE_FEE);
    if (step.error !== undefined) {
      const { code, message } = step.error;
      assert.throws(run, (err: unknown) => {
        assert.ok(isChainError(err), `${step.name}: not a ChainError: ${String(err)}`);
        assert.equal(err.code, code, `${step.name}: code`);
        if (typeof message === 'string') assert.equal(err.message, message, `${step.name}: message`);
        else assert.match(err.message, message, `${step.name}: message`);
        return true;
      }, `${step.name}: expected ${code}`);
    } else {
      assert.deepEqual(run(), step.result, `${step.name}: result`);
    }
    assert.equal(snapshot(p), step.state, `${step.name}: state`);
    const s = p.stats();
    assert.equal(s.pending + s.queued, p.size, `${step.name}: stats add up to size`);
  }
}
