/**
 * How `cmt stake` and `cmt gov` print: aligned tables (numbers right-aligned under their header, no trailing
 * spaces), amounts in CMT with their decimals, and governance --value read per parameter type.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ProposalInfo, ValidatorInfo } from '../../../src/client/index.ts';
import { formatTable, toJson } from '../../../src/cli/commands/clientCommand.ts';
import { formatProposals, paramValue } from '../../../src/cli/commands/gov.ts';
import { formatDelegations, formatValidators } from '../../../src/cli/commands/stake.ts';

const CMT = 10n ** 18n;
const A = '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266';
const B = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8';

describe('formatTable', () => {
  it('pads left-aligned columns, right-aligns the listed ones, upper-cases headers, trims line ends', () => {
    const out = formatTable(['name', 'amount', 'note'], [['a', '1', 'x'], ['long name', '1500.25', '']], [1]);
    // NAME is as wide as "long name" (9) and AMOUNT as "1500.25" (7, right-aligned); the empty last cell leaves no spaces
    assert.equal(out, `NAME${' '.repeat(8)}AMOUNT  NOTE\na${' '.repeat(16)}1  x\nlong name  1500.25\n`);
  });
  it('a header wider than its cells sets the width', () => {
    assert.equal(formatTable(['identifier', 'n'], [['x', '7']], [1]), 'IDENTIFIER  N\nx           7\n');
  });
});

describe('formatValidators and formatDelegations', () => {
  const v = (owner: string, over: Partial<ValidatorInfo>): ValidatorInfo => ({
    owner, pubKey: `0x${'11'.repeat(32)}`, bonded: 0n, votingPower: 0n, maxStake: 0n, commission: 0n, description: '', verified: false,
    active: true, withdrawn: false, declaredAt: 0, rank: null, state: 'Candidate', delegators: 0, ...over,
  });
  it('one row per candidate: stakes in CMT, rate as a decimal, numbers aligned on the right', () => {
    const lines = formatValidators([
      v(A, { state: 'Validator', rank: 0, bonded: 10_000_000n * CMT, maxStake: 100_000_000n * CMT, votingPower: 10_000_000n, commission: 2n * 10n ** 17n, delegators: 1, description: 'validator0' }),
      v(B, { bonded: 1_500n * CMT + CMT / 4n, maxStake: 10_000n * CMT, commission: 10n ** 17n, verified: true, delegators: 2, description: 'a merchant' }),
    ]).split('\n');
    assert.equal(lines[0], 'ADDRESS                                     STATE      RANK  STAKE (CMT)  MAX (CMT)     POWER  COMP RATE  ACTIVE  VERIFIED  DELEGATORS  DESCRIPTION');
    assert.equal(lines[1], `${A}  Validator     0     10000000  100000000  10000000        0.2  yes     no                 1  validator0`);
    assert.equal(lines[2], `${B}  Candidate     -      1500.25      10000         0        0.1  yes     yes                2  a merchant`);
  });
  it('delegations with pending rewards', () => {
    assert.equal(
      formatDelegations([{ delegator: A, validator: B, pubKey: null, amount: 500n * CMT, pendingRewards: 25_367_833_587_011_669_203n, compRate: 10n ** 17n }]),
      `VALIDATOR                                   STAKE (CMT)  COMP RATE  PENDING REWARDS (CMT)\n${B}          500        0.1  25.367833587011669203\n`,
    );
  });
});

describe('formatProposals', () => {
  it('an open proposal shows "-" for its resolution height', () => {
    const p: ProposalInfo = { id: 0, type: 'changeParam', proposer: A, createdAt: 5, expireHeight: 105, expireTimestamp: 0, result: 'open', resolvedAt: 0, yes: 0n, no: 0n, reason: 'why' };
    const [, row] = formatProposals([p, { ...p, id: 1, result: 'approved', resolvedAt: 7, yes: 10_000_000n }]).split('\n');
    // RESULT is as wide as "approved", RESOLVED right-aligns its "-"
    assert.equal(row, ` 0  changeParam  ${A}        5      105  open${' '.repeat(4 + 2 + 7)}-         0   0  why`);
  });
  it('a proposal that expires by time shows the time', () => {
    const p: ProposalInfo = { id: 0, type: 'halt', proposer: A, createdAt: 5, expireHeight: 0, expireTimestamp: 1_767_225_600, result: 'open', resolvedAt: 0, yes: 0n, no: 0n, reason: 'why' };
    assert.match(formatProposals([p]).split('\n')[1] ?? '', /  2026-01-01T00:00:00\.000Z  open/);
  });
});

describe('gov propose-param --value, read by parameter type', () => {
  const cases: Array<[string, string, bigint]> = [
    ['slash_ratio', '0.01', 10n ** 16n],
    ['self_staking_ratio', '1', CMT],
    ['block_issuance', '25', 25n * CMT],
    ['block_issuance', '7wei', 7n],
    ['slash_enabled', 'true', 1n],
    ['slash_enabled', 'no', 0n],
    ['max_vals', '21', 21n],
    ['unknown_param', '3', 3n],
  ];
  for (const [name, text, value] of cases) it(`${name}=${text} is ${value}`, () => assert.equal(paramValue(name, text), value));
  it('refuses what does not fit the type', () => {
    assert.throws(() => paramValue('max_vals', '0.5'), /whole number/);
    assert.throws(() => paramValue('slash_enabled', 'maybe'), /true or false/);
  });
});

describe('toJson', () => {
  it('writes bigints as decimal strings', () => assert.equal(toJson({ a: 10n ** 30n, b: [1n] }), '{\n  "a": "1000000000000000000000000000000",\n  "b": [\n    "1"\n  ]\n}\n'));
});
