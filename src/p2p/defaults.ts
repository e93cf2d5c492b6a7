/** What createP2P uses when the node passes no clock or logger (scripts, benchmarks). */
import type { Clock, Logger } from './types.ts';

export const systemClock: Clock = {
  nowMs: () => Date.now(),
  at(atMs, fn) {
    const t = setTimeout(fn, Math.max(0, atMs - Date.now()));
    return () => clearTimeout(t);
  },
};

export const silentLogger: Logger = { error() {}, warn() {}, info() {}, debug() {} };
