/**
 * One call to a system contract: a dry run that decodes a refusal into its custom error, then the signed
 * transaction and its mined receipt with the contract's events decoded. The node refuses a call that would
 * revert already at gas estimation (the contracts charge fixed gas, so the estimate is the dry run), which is
 * why a refusal is reported before anything is signed or paid for.
 */
import { isCallException } from 'ethers';
import type { Interface, Result, Signer, TransactionReceipt } from 'ethers';
import { ClientError, ContractRevertError } from './errors.ts';

export interface SystemContract {
  name: 'staking' | 'governance';
  /** 0x-prefixed, lowercase. */
  address: string;
  iface: Interface;
}

/** An event of the called contract, its arguments by name (bigint, string, boolean or arrays of them). */
export interface SystemEvent {
  name: string;
  args: Record<string, unknown>;
}

export interface TxResult {
  hash: string;
  blockNumber: number;
  gasUsed: bigint;
  receipt: TransactionReceipt;
  events: SystemEvent[];
}

/** What a contract wrapper needs: the signer of its writes (absent: a read-only client, writes refused). */
export interface Connection {
  signer: Signer | undefined;
}

export class ContractCaller {
  constructor(
    private readonly conn: Connection,
    private readonly target: SystemContract,
  ) {}

  /** Signs and sends `method(args)` with `value` wei, waits for it to be mined, and decodes its events. */
  async send(method: string, args: readonly unknown[], value = 0n): Promise<TxResult> {
    const signer = this.signer();
    const data = this.target.iface.encodeFunctionData(method, args);
    const tx = await signer.sendTransaction({ to: this.target.address, data, value }).catch((err: unknown) => this.rethrow(err));
    let receipt: TransactionReceipt | null;
    try {
      receipt = await tx.wait();
    } catch (err) {
      // passed the dry run but reverted when mined: the state changed in between (another transaction)
      if (isCallException(err)) throw new ClientError('TX_REVERTED', `${this.target.name}.${method} reverted in block ${err.receipt?.blockNumber ?? '?'} (transaction ${tx.hash}): the state changed after the dry run; try again`, { hash: tx.hash });
      throw err;
    }
    if (receipt === null) throw new ClientError('NODE_ERROR', `transaction ${tx.hash} has no receipt`, { hash: tx.hash });
    return { hash: receipt.hash, blockNumber: receipt.blockNumber, gasUsed: receipt.gasUsed, receipt, events: this.events(receipt) };
  }

  /**
   * The value `method(args)` must carry, asked of the contract itself rather than computed here: a dry run
   * with no value that the contract refuses with WrongSelfStake(expected, sent) names it. Any other refusal
   * is thrown as it is; a dry run that passes needs no value.
   */
  async requiredValue(method: string, args: readonly unknown[]): Promise<bigint> {
    const signer = this.signer();
    const data = this.target.iface.encodeFunctionData(method, args);
    try {
      await signer.call({ to: this.target.address, data, from: await signer.getAddress() });
      return 0n;
    } catch (err) {
      const refusal = this.decodeRefusal(err);
      if (refusal?.errorName === 'WrongSelfStake') return refusal.args[0] as bigint;
      throw refusal ?? err;
    }
  }

  private signer(): Signer {
    if (this.conn.signer === undefined) throw new ClientError('NO_SIGNER', `${this.target.name} writes need a signer: build the client with one`);
    return this.conn.signer;
  }

  private rethrow(err: unknown): never {
    throw this.decodeRefusal(err) ?? err;
  }

  /** The contract's custom error in a failed call's revert data, if it is one of its ABI's errors. */
  private decodeRefusal(err: unknown): ContractRevertError | undefined {
    if (!isCallException(err) || typeof err.data !== 'string') return undefined;
    const parsed = this.target.iface.parseError(err.data);
    return parsed === null ? undefined : new ContractRevertError(this.target.name, parsed.name, plain(parsed.args));
  }

  private events(receipt: TransactionReceipt): SystemEvent[] {
    const out: SystemEvent[] = [];
    for (const log of receipt.logs) {
      if (log.address.toLowerCase() !== this.target.address) continue;
      const parsed = this.target.iface.parseLog(log);
      if (parsed === null) continue;
      out.push({ name: parsed.name, args: Object.fromEntries(parsed.fragment.inputs.map((p, i) => [p.name, plain(parsed.args)[i]])) });
    }
    return out;
  }
}

/** ethers' Result (a Proxy over an array) as plain arrays, so results print and compare as values. */
function plain(r: Result): unknown[] {
  return r.toArray(true) as unknown[];
}
