/**
 * evm: the adapter over @ethereumjs/vm: the chain's Common (hardfork, native crypto), VMs over a world
 * state with our BLOCKHASH source, EVM block environments, transaction decoding, and native contracts
 * (chain logic callable at fixed addresses: staking), and an interpreter of our own for call frames that stay
 * inside their contract (interpreter/).
 */
export { createChainCommon } from './common.ts';
export { createTxCommon, decodeTransaction } from './tx.ts';
export { buildEvmBlock, createEvmBlock, createExecutionVM } from './vm.ts';
export type { BlockEnv, BlockHashLookup, VMOptions } from './vm.ts';
export { runTx } from '@ethereumjs/vm';
export type { RunTxResult, VM } from '@ethereumjs/vm';
export type { TypedTransaction } from '@ethereumjs/tx';
export type { Common } from '@ethereumjs/common';
export { jumpAnalysisCached } from './jumpAnalysis.ts';
export { stepLoopInstalled, stepLoopRuns, useFastOpcodes } from './stepLoop.ts';
export { frameResultLazy } from './frameResult.ts';
export { wordBytes } from './word.ts';
export { analyseCode, gasScheduleOf, interpret, knownAnalysis, rememberAnalysis } from './interpreter/index.ts';
export type { BlockValues, CodeAnalysis, Frame, FrameLog, FrameResult, GasSchedule, Slot, Storage } from './interpreter/index.ts';
export type { NativeCall, NativeContract, NativeLog, NativeOutcome } from './nativeContracts.ts';
