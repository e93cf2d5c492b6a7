/** The transaction fields the node fills for a sender it signs for: one of its accounts, or an impersonated one. */
import { createTx } from '@ethereumjs/tx';
import type { TypedTxData } from '@ethereumjs/tx';
import { Address } from '@ethereumjs/util';
import type { TypedTransaction } from '../../evm/index.ts';
import { TxErrorCode, firstLine } from '../../execution/index.ts';
import type { CallRequest } from '../../execution/index.ts';
import { ChainError } from '../../primitives/index.ts';
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

/**
 * @ethereumjs's transaction of `data`. A field no transaction can have (a gas limit above EIP-7825's cap, a nonce of
 * 2^64 - 1) is the caller's mistake: refused as the same invalid transaction a raw one would be, not an internal error.
 */
export function createFilledTx(backend: RpcBackend, data: TypedTxData, freeze = true): TypedTransaction {
  try {
    return createTx(data, { common: backend.txCommon, freeze });
  } catch (err) {
    throw new ChainError(TxErrorCode.MALFORMED, `invalid transaction: ${firstLine(err)}`);
  }
}
