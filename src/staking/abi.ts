/**
 * The staking and governance contracts' ABIs (params/systemContracts.ts) as ethers Interfaces, for decoding
 * the calls the native contracts receive and encoding what they return.
 */
import { Interface } from 'ethers';
import { GOVERNANCE_ABI, STAKING_ABI } from '../params/index.ts';

export { GOVERNANCE_ABI, STAKING_ABI };

export const stakingInterface = new Interface(STAKING_ABI);

export const governanceInterface = new Interface(GOVERNANCE_ABI);
