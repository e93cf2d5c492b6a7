/** Messages between the JSON-RPC thread and the signature-recovery thread (recovery.ts, recoveryWorker.ts). */

/** Per signature: the signed hash (32), r (32), s (32), the recovery id (1). */
export const RECOVERY_INPUT_BYTES = 97;
/** Per signature: the uncompressed public key without its 0x04 prefix. */
export const RECOVERY_OUTPUT_BYTES = 64;

export interface RecoveryBatch {
  id: number;
  input: Uint8Array;
  count: number;
}

export interface RecoveryAnswer {
  id: number;
  keys: Uint8Array;
  /** 1 where a key was recovered, 0 where none can be. */
  ok: Uint8Array;
}
