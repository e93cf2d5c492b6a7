/** The system contracts' ABIs (params) as ethers Interfaces, built here so that a client never loads src/staking. */
import { Interface } from 'ethers';
import { GOVERNANCE_ABI, STAKING_ABI } from '../params/index.ts';

export const stakingInterface = new Interface(STAKING_ABI);
export const governanceInterface = new Interface(GOVERNANCE_ABI);
