/** CmtClient: the staking and governance writes and the cmt_ queries over one ethers provider (and signer). */
import type { JsonRpcProvider, Signer } from 'ethers';
import { GovernanceClient } from './governance.ts';
import { queryDelegator, queryParams, queryProposals, querySyncing, queryValidator, queryValidators } from './queries.ts';
import type { AtHeight, ChainParams, DelegationInfo, ProposalInfo, QueryOptions, SyncInfo, ValidatorInfo } from './queries.ts';
import { StakingClient } from './staking.ts';

export class CmtClient {
  /** Candidates and delegators (needs the signer). */
  readonly stake: StakingClient;
  /** Proposals and votes (needs the signer, a current validator's). */
  readonly gov: GovernanceClient;

  /** Without a signer the client reads only; a signer must be connected to `provider` (or to the same node). */
  constructor(
    readonly provider: JsonRpcProvider,
    readonly signer?: Signer,
  ) {
    const conn = { signer };
    this.stake = new StakingClient(conn);
    this.gov = new GovernanceClient(conn);
  }

  validators(o?: QueryOptions): Promise<AtHeight<ValidatorInfo[]>> {
    return queryValidators(this.provider, o);
  }

  validator(address: string, o?: QueryOptions): Promise<AtHeight<ValidatorInfo | null>> {
    return queryValidator(this.provider, address, o);
  }

  delegator(address: string, o?: QueryOptions): Promise<AtHeight<DelegationInfo[]>> {
    return queryDelegator(this.provider, address, o);
  }

  params(o?: QueryOptions): Promise<AtHeight<ChainParams>> {
    return queryParams(this.provider, o);
  }

  proposals(o?: QueryOptions): Promise<AtHeight<ProposalInfo[]>> {
    return queryProposals(this.provider, o);
  }

  syncing(): Promise<SyncInfo> {
    return querySyncing(this.provider);
  }
}
