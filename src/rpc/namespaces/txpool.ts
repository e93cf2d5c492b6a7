/** txpool_ inspection (geth's shape: sender -> nonce -> tx). */
import { toQuantity } from '../../encoding/index.ts';
import type { ValidatedTx } from '../../execution/index.ts';
import { formatTx } from '../format.ts';
import type { Json } from '../format.ts';
import type { HandlerTable } from '../params.ts';

function bySender(groups: Map<string, ValidatedTx[]>, render: (tx: ValidatedTx) => unknown): Json {
  const out: Json = {};
  for (const [sender, txs] of groups) {
    const byNonce: Json = {};
    for (const tx of txs) byNonce[tx.nonce.toString()] = render(tx);
    out[sender] = byNonce;
  }
  return out;
}

export const txpoolHandlers: HandlerTable = {
  txpool_status(_p, backend) {
    const s = backend.pool.stats();
    return { pending: toQuantity(s.pending), queued: toQuantity(s.queued) };
  },
  txpool_content(_p, backend) {
    const c = backend.pool.content();
    const render = (tx: ValidatedTx) => formatTx(tx.tx, tx.sender, undefined);
    return { pending: bySender(c.pending, render), queued: bySender(c.queued, render) };
  },
  txpool_inspect(_p, backend) {
    const c = backend.pool.content();
    const render = (tx: ValidatedTx) =>
      `${tx.tx.to?.toString() ?? 'contract creation'}: ${tx.value} wei + ${tx.gasLimit} gas × ${tx.maxFeePerGas} wei`;
    return { pending: bySender(c.pending, render), queued: bySender(c.queued, render) };
  },
};
