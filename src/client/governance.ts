/**
 * The governance contract's writes (web3-cmt's `cmt.governance.*`): proposals by validators and their votes.
 * A proposal's result carries its id, read from the ProposalCreated event of its receipt.
 */
import { governanceInterface } from './interfaces.ts';
import { SYSTEM_ADDRESSES } from './addresses.ts';
import { parseAddress } from './convert.ts';
import { ClientError } from './errors.ts';
import { ContractCaller } from './transact.ts';
import type { Connection, TxResult } from './transact.ts';

export interface ProposalResult extends TxResult {
  proposalId: bigint;
}

/**
 * Every proposal may name when it expires: a height or a block time (Unix seconds), not both; neither: the
 * chain's proposal_expire_period from now.
 */
interface Expiry {
  expireHeight?: bigint;
  expireTimestamp?: bigint;
}

export interface ChangeParamProposal extends Expiry {
  /** CyberMiles' parameter name (max_vals, slash_ratio, ...). */
  name: string;
  /** As the contract stores it: ratios fixed-point with 18 decimals, booleans 0/1, amounts wei. */
  value: bigint;
  reason: string;
}

export interface TransferFundProposal extends Expiry {
  to: string;
  amountWei: bigint;
  reason: string;
}

export interface HaltProposal extends Expiry {
  height: bigint;
  /** Candidates that stay active at the halt. */
  preserved: string[];
  reason: string;
}

export interface UpgradeProposal extends Expiry {
  name: string;
  height: bigint;
  info: string;
}

export class GovernanceClient {
  private readonly caller: ContractCaller;

  constructor(conn: Connection) {
    this.caller = new ContractCaller(conn, { name: 'governance', address: SYSTEM_ADDRESSES.governance, iface: governanceInterface });
  }

  proposeChangeParam(p: ChangeParamProposal): Promise<ProposalResult> {
    return this.propose('proposeChangeParam', [p.name, p.value, p.reason, p.expireHeight ?? 0n, p.expireTimestamp ?? 0n]);
  }

  /** Pays from the community pool (slashed stake) on approval. */
  proposeTransferFund(p: TransferFundProposal): Promise<ProposalResult> {
    return this.propose('proposeTransferFund', [parseAddress(p.to, 'recipient'), p.amountWei, p.reason, p.expireHeight ?? 0n, p.expireTimestamp ?? 0n]);
  }

  proposeHalt(p: HaltProposal): Promise<ProposalResult> {
    return this.propose('proposeHalt', [p.height, p.preserved.map((a) => parseAddress(a, 'preserved validator')), p.reason, p.expireHeight ?? 0n, p.expireTimestamp ?? 0n]);
  }

  proposeUpgrade(p: UpgradeProposal): Promise<ProposalResult> {
    return this.propose('proposeUpgrade', [p.name, p.height, p.info, p.expireHeight ?? 0n, p.expireTimestamp ?? 0n]);
  }

  /** A later vote replaces the signer's earlier one until the proposal is resolved. */
  vote(id: bigint | number, approve: boolean): Promise<TxResult> {
    return this.caller.send('vote', [BigInt(id), approve]);
  }

  private async propose(method: string, args: unknown[]): Promise<ProposalResult> {
    const r = await this.caller.send(method, args);
    const created = r.events.find((e) => e.name === 'ProposalCreated');
    if (created === undefined) throw new ClientError('NODE_ERROR', `${method} was mined without a ProposalCreated event (transaction ${r.hash})`, { hash: r.hash });
    return { ...r, proposalId: created.args.id as bigint };
  }
}
