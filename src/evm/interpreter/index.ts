/**
 * interpreter: our own EVM interpreter for call frames that stay inside their contract (interpret.ts), the
 * gas it charges, taken from the EVM it stands in for (schedule.ts), and code analysis kept per code hash.
 */
export { interpret } from './interpret.ts';
export type { BlockValues, Frame, FrameLog, FrameResult, Slot, Storage } from './interpret.ts';
export { gasScheduleOf } from './schedule.ts';
export type { GasSchedule } from './schedule.ts';
export { analyseCode, knownAnalysis, rememberAnalysis } from './analysis.ts';
export type { CodeAnalysis } from './analysis.ts';
