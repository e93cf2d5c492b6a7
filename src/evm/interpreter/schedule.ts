/**
 * The gas the interpreter charges, taken from the EVM it stands in for: each opcode's static fee from that
 * EVM's active opcode table (so a hardfork that reprices or removes an opcode changes it here too), and the
 * dynamic costs from its Common's parameters. An opcode this interpreter does not implement, or one the
 * table does not have under the name expected, gets fee -1: the interpreter gives the run back to the EVM.
 */
import type { EVM } from '@ethereumjs/evm';
import type { Common } from '@ethereumjs/common';

export interface GasSchedule {
  /** False when the EVM's rules are not the ones the interpreter implements: it must not run at all. */
  readonly enabled: boolean;
  /** Static fee per opcode; -1 where the interpreter must not run (not implemented, or not active). */
  readonly fees: Int32Array;
  readonly memoryGas: number;
  readonly quadCoefficientDiv: number;
  readonly copyGas: number;
  readonly keccak256WordGas: number;
  readonly expByteGas: number;
  readonly logTopicGas: number;
  readonly logDataGas: number;
  readonly coldSload: number;
  readonly warmRead: number;
  readonly sstoreSentry: number;
  readonly sstoreInit: number;
  readonly sstoreClean: number;
  readonly sstoreDirty: number;
  readonly sstoreNoop: number;
  readonly sstoreClearRefund: number;
  /** EIP-2200 refunds for a slot written back to its original value, as EIP-2929 adjusts them for a warm slot. */
  readonly sstoreInitRefund: number;
  readonly sstoreCleanRefund: number;
  readonly maxRefundQuotient: number;
}

/** The opcodes the interpreter implements, by the name @ethereumjs gives them. */
const IMPLEMENTED: ReadonlyArray<readonly [number, string]> = [
  [0x00, 'STOP'], [0x01, 'ADD'], [0x02, 'MUL'], [0x03, 'SUB'], [0x04, 'DIV'], [0x05, 'SDIV'], [0x06, 'MOD'], [0x07, 'SMOD'],
  [0x08, 'ADDMOD'], [0x09, 'MULMOD'], [0x0a, 'EXP'], [0x0b, 'SIGNEXTEND'],
  [0x10, 'LT'], [0x11, 'GT'], [0x12, 'SLT'], [0x13, 'SGT'], [0x14, 'EQ'], [0x15, 'ISZERO'], [0x16, 'AND'], [0x17, 'OR'],
  [0x18, 'XOR'], [0x19, 'NOT'], [0x1a, 'BYTE'], [0x1b, 'SHL'], [0x1c, 'SHR'], [0x1d, 'SAR'], [0x1e, 'CLZ'],
  [0x20, 'KECCAK256'],
  [0x30, 'ADDRESS'], [0x32, 'ORIGIN'], [0x33, 'CALLER'], [0x34, 'CALLVALUE'], [0x35, 'CALLDATALOAD'], [0x36, 'CALLDATASIZE'],
  [0x37, 'CALLDATACOPY'], [0x38, 'CODESIZE'], [0x39, 'CODECOPY'], [0x3a, 'GASPRICE'], [0x3d, 'RETURNDATASIZE'],
  [0x41, 'COINBASE'], [0x42, 'TIMESTAMP'], [0x43, 'NUMBER'], [0x44, 'PREVRANDAO'], [0x45, 'GASLIMIT'], [0x46, 'CHAINID'],
  [0x47, 'SELFBALANCE'], [0x48, 'BASEFEE'],
  [0x50, 'POP'], [0x51, 'MLOAD'], [0x52, 'MSTORE'], [0x53, 'MSTORE8'], [0x54, 'SLOAD'], [0x55, 'SSTORE'], [0x56, 'JUMP'],
  [0x57, 'JUMPI'], [0x58, 'PC'], [0x59, 'MSIZE'], [0x5a, 'GAS'], [0x5b, 'JUMPDEST'], [0x5c, 'TLOAD'], [0x5d, 'TSTORE'],
  [0x5e, 'MCOPY'], [0x5f, 'PUSH0'],
  ...range(0x60, 0x7f, 'PUSH'), ...range(0x80, 0x8f, 'DUP'), ...range(0x90, 0x9f, 'SWAP'), ...range(0xa0, 0xa4, 'LOG'),
  [0xf3, 'RETURN'], [0xfd, 'REVERT'],
];

function range(from: number, to: number, name: string): Array<readonly [number, string]> {
  return Array.from({ length: to - from + 1 }, (_, i) => [from + i, name] as const);
}

// (EIP-2200 is part of Istanbul, which @ethereumjs does not list as an EIP; EIP-2929 and EIP-3529 come after it)
const REQUIRED_EIPS = [1559, 2929, 3198, 3529, 3651, 3855];
const UNSUPPORTED_EIPS = [6800, 7778, 7864, 7928, 8037, 8038];

const schedules = new WeakMap<EVM, GasSchedule>();

/** The schedule of `evm` (its opcode table is fixed for its hardfork: one schedule per EVM). */
export function gasScheduleOf(evm: EVM): GasSchedule {
  let schedule = schedules.get(evm);
  if (schedule === undefined) schedules.set(evm, (schedule = buildSchedule(evm)));
  return schedule;
}

function buildSchedule(evm: EVM): GasSchedule {
  const common = evm.common as Common;
  const fees = new Int32Array(256).fill(-1);
  const table = evm.getActiveOpcodes();
  for (const [code, name] of IMPLEMENTED) {
    const opcode = table.get(code);
    if (opcode !== undefined && opcode.name === name && !opcode.isInvalid) fees[code] = opcode.fee;
  }
  const param = (name: string): number => Number(common.param(name));
  // the rules below are EIP-2200 repriced by EIP-2929 and EIP-3529; before them, or with an EIP that changes
  // gas or state accounting in ways not written here (stateless witnesses, state gas, access lists per block), the
  // interpreter does not run
  const required = REQUIRED_EIPS.every((eip) => common.isActivatedEIP(eip));
  const unsupported = UNSUPPORTED_EIPS.some((eip) => common.isActivatedEIP(eip));
  if (!required || unsupported) fees.fill(-1);
  const warmRead = param('warmstoragereadGas');
  const coldSload = param('coldsloadGas');
  return {
    enabled: required && !unsupported,
    fees,
    memoryGas: param('memoryGas'),
    quadCoefficientDiv: param('quadCoefficientDivGas'),
    copyGas: param('copyGas'),
    keccak256WordGas: param('keccak256WordGas'),
    expByteGas: param('expByteGas'),
    logTopicGas: param('logTopicGas'),
    logDataGas: param('logDataGas'),
    coldSload,
    warmRead,
    sstoreSentry: param('sstoreSentryEIP2200Gas'),
    sstoreInit: param('sstoreInitEIP2200Gas'),
    sstoreClean: param('sstoreCleanEIP2200Gas'),
    sstoreDirty: param('sstoreDirtyEIP2200Gas'),
    sstoreNoop: param('sstoreNoopEIP2200Gas'),
    sstoreClearRefund: param('sstoreClearRefundEIP2200Gas'),
    // @ethereumjs's adjustSstoreGasEIP2929 for a warm slot (a slot being restored was written, so it is warm)
    sstoreInitRefund: param('sstoreInitEIP2200Gas') - warmRead,
    sstoreCleanRefund: param('sstoreResetGas') - coldSload - warmRead,
    maxRefundQuotient: param('maxRefundQuotient'),
  };
}
