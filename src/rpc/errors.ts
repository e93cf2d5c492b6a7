/**
 * The one place where errors become JSON-RPC error objects (EIP-1474 codes, and geth's messages where
 * tools parse them: "nonce too low", "insufficient funds", "execution reverted").
 */
import { isChainError } from '../primitives/index.ts';

export interface RpcErrorObject {
  code: number;
  message: string;
  data?: unknown;
}

export const RpcCode = {
  PARSE_ERROR: -32700,
  INVALID_REQUEST: -32600,
  METHOD_NOT_FOUND: -32601,
  INVALID_PARAMS: -32602,
  INTERNAL: -32603,
  SERVER: -32000, // geth's generic code, used for tx rejections
  RESOURCE_NOT_FOUND: -32001,
  TX_REJECTED: -32003,
  LIMIT_EXCEEDED: -32005,
  UNSUPPORTED: -32004,
  EXECUTION_REVERTED: 3,
} as const;

/** Thrown by handlers to answer with an exact error object. */
export class RpcError extends Error {
  readonly code: number;
  readonly data: unknown;
  constructor(code: number, message: string, data?: unknown) {
    super(message);
    this.code = code;
    this.data = data;
  }
}

const CODE_BY_CHAIN_ERROR: Record<string, number> = {
  INVALID_PARAMS: RpcCode.INVALID_PARAMS,
  INVALID_HEX: RpcCode.INVALID_PARAMS,
  INVALID_QUANTITY: RpcCode.INVALID_PARAMS,
  UNKNOWN_BLOCK: RpcCode.RESOURCE_NOT_FOUND,
  POOL_FULL: RpcCode.LIMIT_EXCEEDED,
  ACCOUNT_LIMIT: RpcCode.LIMIT_EXCEEDED,
  TX_OVERSIZED: RpcCode.SERVER,
  OVERSIZED: RpcCode.SERVER,
};

export function toRpcError(err: unknown): RpcErrorObject {
  if (err instanceof RpcError) {
    return err.data === undefined ? { code: err.code, message: err.message } : { code: err.code, message: err.message, data: err.data };
  }
  if (isChainError(err)) {
    if (err.code === 'EXECUTION_REVERTED') return { code: RpcCode.EXECUTION_REVERTED, message: err.message, data: err.context.data };
    if (err.action === 'internal') return { code: RpcCode.INTERNAL, message: err.message };
    return { code: CODE_BY_CHAIN_ERROR[err.code] ?? RpcCode.SERVER, message: err.message };
  }
  return { code: RpcCode.INTERNAL, message: `internal error: ${err instanceof Error ? err.message : String(err)}` };
}

export function invalidParams(message: string): RpcError {
  return new RpcError(RpcCode.INVALID_PARAMS, message);
}
