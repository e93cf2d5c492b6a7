/** The transaction fields the node fills for a sender it signs for: one of its accounts, or an impersonated one. */
import type { TypedTxData } from '@ethereumjs/tx';
import { Address } from '@ethereumjs/util';
import type { CallRequest } from '../../execution/index.ts';
import type { RpcBackend } from '../backend.ts';

export type Fees = { type: number; gasPrice: bigint } | { type: number; maxFeePerGas: bigint; maxPriorityFeePerGas: bigint };

/** @ethereumjs's fields for them, unsigned (a legacy transaction takes its chain id from the Common: EIP-155). */
export function filledTxData(backend: RpcBackend, req: CallRequest, nonce: bigint, gas: bigint, fees: Fees): TypedTxData {
  return {
    ...fees,
    ...(fees.type === 0 ? {} : { chainId: backend.chainId }),
    nonce,
    gasLimit: gas,
    value: req.value ?? 0n,
    data: req.data ?? new Uint8Array(),
    ...(req.to === undefined ? {} : { to: new Address(req.to) }),
    ...(req.accessList === undefined ? {} : { accessList: req.accessList }),
  } as TypedTxData;
}
