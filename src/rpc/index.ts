/**
 * rpc: the Ethereum JSON-RPC server (HTTP + WebSocket on one port). Handlers are grouped by namespace
 * under namespaces/; each decodes its parameters, calls the node through RpcBackend and encodes the
 * result. Errors become JSON-RPC error objects in errors.ts only.
 */
import type { RpcBackend } from './backend.ts';
import { FilterRegistry } from './filters.ts';
import { cmtHandlers } from './namespaces/cmt.ts';
import { cmtTxHandlers } from './namespaces/cmtTx.ts';
import { cmtWriteHandlers } from './namespaces/cmtWrites.ts';
import { debugHandlers } from './namespaces/debug.ts';
import { devHandlers } from './namespaces/dev.ts';
import { ethBlockHandlers } from './namespaces/ethBlocks.ts';
import { createLogHandlers } from './namespaces/ethLogs.ts';
import { ethSendHandlers } from './namespaces/ethSend.ts';
import { ethStateHandlers } from './namespaces/ethState.ts';
import { netWeb3Handlers } from './namespaces/netWeb3.ts';
import { txpoolHandlers } from './namespaces/txpool.ts';
import type { HandlerTable } from './params.ts';

export type { DevControls, DevEdit, NodeEvents, PoolView, RpcBackend } from './backend.ts';
export { createRpcServer } from './server.ts';
export type { RpcServer, RpcServerOptions } from './server.ts';
export { FilterRegistry } from './filters.ts';
export type { HandlerTable } from './params.ts';

export function createHandlerTable(filters: FilterRegistry, opts: { dev: boolean }, extra: HandlerTable = {}): HandlerTable {
  return {
    ...ethBlockHandlers,
    ...ethStateHandlers,
    ...ethSendHandlers,
    ...createLogHandlers(filters),
    ...netWeb3Handlers,
    ...txpoolHandlers,
    ...debugHandlers,
    ...cmtHandlers,
    ...cmtWriteHandlers,
    ...cmtTxHandlers,
    ...(opts.dev ? devHandlers : {}),
    ...extra,
  };
}

export function createFilterRegistry(backend: RpcBackend, nowMs: () => number): FilterRegistry {
  return new FilterRegistry(backend, nowMs);
}
