/**
 * The paper counts messages with n = 3f + 1 equal processes; by voting power the same thresholds are
 * fractions of the total (as CometBFT and Malachite count them):
 * - "2f + 1" is a quorum: more than 2/3 of the total power. Two quorums always share more than 1/3, so
 *   they share an honest validator while the byzantine power is below 1/3.
 * - "f + 1" is more than 1/3 of the total power: at least one honest validator is among the senders.
 */
export function isQuorum(power: bigint, totalPower: bigint): boolean {
  return power * 3n > totalPower * 2n;
}

export function isOneThirdPlus(power: bigint, totalPower: bigint): boolean {
  return power * 3n > totalPower;
}
