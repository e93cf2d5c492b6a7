/**
 * Dev-mode impersonation (hardhat_impersonateAccount): a transaction "from" an address whose key we do
 * not have. It carries a placeholder signature and its sender is fixed in the object, so it executes
 * as that address; the hash is taken over the encoding with the placeholder, as Hardhat does.
 */
import type { TypedTxData } from '@ethereumjs/tx';
import { Address } from '@ethereumjs/util';
import type { CallRequest, ValidatedTx } from '../../execution/index.ts';
import { transferTarget } from '../../execution/index.ts';
import { keccak256 } from '../../crypto/index.ts';
import { bytesToHex, hexToBytes } from '../../primitives/index.ts';
import type { Hex } from '../../primitives/index.ts';
import type { RpcBackend } from '../backend.ts';
import { createFilledTx, filledTxData } from './devTx.ts';
import type { Fees } from './devTx.ts';


export function buildImpersonatedTx(backend: RpcBackend, from: Hex, req: CallRequest, nonce: bigint, gas: bigint, fees: Fees): ValidatedTx {
  const data: TypedTxData = {
    ...filledTxData(backend, req, nonce, gas, fees),
    // placeholder signature: r = s = 1 with the sender's address mixed in so two impersonators' txs differ
    v: fees.type === 0 ? backend.chainId * 2n + 35n : 0n,
    r: BigInt(from),
    s: 1n,
  } as TypedTxData;
  const tx = createFilledTx(backend, data, false);
  const sender = new Address(hexToBytes(from));
  Object.assign(tx, { getSenderAddress: () => sender });
  const raw = tx.serialize();
  const hash = bytesToHex(keccak256(raw));
  Object.assign(tx, { hash: () => hexToBytes(hash) });
  const maxFee = 'gasPrice' in fees ? fees.gasPrice : fees.maxFeePerGas;
  const tip = 'gasPrice' in fees ? fees.gasPrice : fees.maxPriorityFeePerGas;
  return { tx, raw, type: tx.type, transferTo: transferTarget(tx), hash, sender: from.toLowerCase() as Hex, nonce, gasLimit: gas, maxFeePerGas: maxFee, maxPriorityFeePerGas: tip, value: req.value ?? 0n };
}
