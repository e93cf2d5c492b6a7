/**
 * consensus: sans-IO block agreement. Today the single-validator machine (`stepSolo`); issue 4 adds the
 * Tendermint round machine behind the same ConsensusInput/ConsensusEffect boundary. Never imports
 * storage, state, execution or p2p.
 */
export { createSoloState, stepSolo } from './soloMachine.ts';
export type { SoloOutput, SoloState, SoloStep } from './soloMachine.ts';
export type { ConsensusEffect, ConsensusInput } from './types.ts';
