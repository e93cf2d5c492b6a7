/** The system accounts' addresses as the 0x-hex strings ethers and viem take (params keeps them as bytes). */
import { bytesToHex } from '../primitives/index.ts';
import { COMMUNITY_POOL_ADDRESS, GOVERNANCE_ADDRESS, STAKING_ADDRESS } from '../params/index.ts';

export const SYSTEM_ADDRESSES = {
  staking: bytesToHex(STAKING_ADDRESS),
  governance: bytesToHex(GOVERNANCE_ADDRESS),
  communityPool: bytesToHex(COMMUNITY_POOL_ADDRESS),
} as const;
