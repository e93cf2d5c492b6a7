/** net_ and web3_ methods. */
import { keccak256 } from '../../crypto/index.ts';
import { parseData, toData, toQuantity } from '../../encoding/index.ts';
import type { HandlerTable } from '../params.ts';
import { requireParam } from '../params.ts';

export const netWeb3Handlers: HandlerTable = {
  net_version: (_p, backend) => backend.chainId.toString(),
  net_listening: () => true,
  net_peerCount: (_p, backend) => toQuantity(backend.peerCount()),
  web3_clientVersion: (_p, backend) => backend.clientVersion,
  web3_sha3: (params) => toData(keccak256(parseData(requireParam(params, 0, 'data'), 'data'))),
};
