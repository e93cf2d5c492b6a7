/**
 * CreditHistory (the one record store of borrowers' credit) on a real automining dev node, driven directly by
 * two externally owned recorders so every write can be exercised on its own: the recorder role (only
 * `openLoan` needs it; a revoked recorder finishes the records it opened), the record life cycle Open ->
 * Defaulted -> Closed with each wrong-state write refused by its exact custom error, the events, the one-call
 * summary (counts over all assets, amounts per asset, distinct lenders, dates), and a fast-check property:
 * after random sequences of writes by two recorders about three borrowers in two assets, every summary equals
 * a reference replayed from the contract's events. Each test starts from the same deployed state.
 *
 * GAS_REPORT=<dir> writes the gas used by the writes to <dir>/credit-history.md.
 */
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { getAddress, id as keccakText } from 'ethers';
import type { Contract, TransactionReceipt, Wallet } from 'ethers';
import fc from 'fast-check';
import {
  CMT, HistoryReference, RecordState, allEventsOf, blockTime, createGasReport, deploy, emptySummary, expectDeployRevert,
  expectEvent, expectRevert, fcRuns, fcSeed, read, readStruct, revertTo, send, snapshot, startChain,
} from './creditFixtures.ts';
import type { Chain, Summary } from './creditFixtures.ts';

const TOKEN_A = getAddress('0x00000000000000000000000000000000000000a1');
const TOKEN_B = getAddress('0x00000000000000000000000000000000000000b2');

describe('CreditHistory on a dev node', () => {
  let chain: Chain;
  let history: Contract;
  let historyAddr: string;
  let admin: Wallet;
  let rec: Wallet;
  let rec2: Wallet;
  let b1: Wallet;
  let b2: Wallet;
  let lender: Wallet;
  let lender2: Wallet;
  let stranger: Wallet;
  let role: string;
  let snap = '';
  const gas = createGasReport();

  before(async () => {
    chain = await startChain();
    [admin, rec, rec2, b1, b2, lender, lender2, stranger] = chain.wallets as [
      Wallet, Wallet, Wallet, Wallet, Wallet, Wallet, Wallet, Wallet,
    ];
    const { contract, receipt } = await deploy('CreditHistory', admin, [admin.address, 0]);
    gas.record('deploy CreditHistory', receipt);
    history = contract;
    historyAddr = await history.getAddress();
    role = await read<string>(history, 'RECORDER_ROLE');
    await send(history, admin, 'grantRole', [role, rec.address]);
    await send(history, admin, 'grantRole', [role, rec2.address]);
  });

  after(async () => {
    gas.write('credit-history');
    await chain?.stop();
  });

  beforeEach(async () => {
    snap = await snapshot(chain);
  });

  afterEach(async () => {
    await revertTo(chain, snap);
  });

  async function summary(borrower: string, asset = TOKEN_A): Promise<Summary> {
    return readStruct<Summary>(history, 'summary', [borrower, asset]);
  }

  async function state(recorder: string, loanId: bigint): Promise<bigint> {
    return (await readStruct<{ state: bigint }>(history, 'recordOf', [recorder, loanId])).state;
  }

  async function open(loanId: bigint, borrower = b1, asset = TOKEN_A, principal = 1000n, from = rec, lenderW = lender): Promise<TransactionReceipt> {
    return send(history, from, 'openLoan', [loanId, borrower.address, lenderW.address, asset, principal]);
  }

  // ------------------------------------------------------------ deployment and role

  test('deployment: the admin holds the default admin role, nobody is summarised yet', async () => {
    assert.equal(await read(history, 'defaultAdmin'), admin.address);
    assert.equal(role, keccakText('RECORDER_ROLE'));
    assert.notEqual(await chain.provider.getCode(historyAddr), '0x');
    assert.equal(await read(history, 'hasRole', [role, rec.address]), true);
    assert.deepEqual(await summary(b1.address), emptySummary());
    assert.deepEqual(await readStruct(history, 'recordOf', [rec.address, 1n]), { borrower: CMT, state: 0n, asset: CMT });
    await expectDeployRevert('CreditHistory', admin, [CMT, 0], 'AccessControlInvalidDefaultAdmin', [CMT]);
  });

  test('only a recorder opens records, and only the admin grants the role', async () => {
    await expectRevert(history, stranger, 'openLoan', [1n, b1.address, lender.address, TOKEN_A, 1n],
      'AccessControlUnauthorizedAccount', [stranger.address, role]);
    await expectRevert(history, stranger, 'grantRole', [role, stranger.address],
      'AccessControlUnauthorizedAccount', [stranger.address, `0x${'00'.repeat(32)}`]);
  });

  // ------------------------------------------------------------ openLoan

  test('openLoan: event, record, counts, dates, amounts per asset and distinct lenders', async () => {
    const r = await open(7n, b1, TOKEN_A, 1000n);
    gas.record('openLoan (first loan of a borrower)', r);
    const t1 = await blockTime(chain, r);
    expectEvent(r, history, 'LoanOpened', [rec.address, 7n, b1.address, lender.address, TOKEN_A, 1000n]);
    assert.deepEqual(await readStruct(history, 'recordOf', [rec.address, 7n]), { borrower: b1.address, state: RecordState.Open, asset: TOKEN_A });
    assert.equal(await read(history, 'hasBorrowedFrom', [b1.address, lender.address]), true);
    assert.equal(await read(history, 'hasBorrowedFrom', [b1.address, lender2.address]), false);
    // the same lender again (other recorder, same loan id): a new record, not a new distinct lender
    const r2 = await open(7n, b1, TOKEN_B, 50n, rec2);
    gas.record('openLoan (later loan)', r2);
    const r3 = await open(8n, b1, TOKEN_A, 500n, rec, lender2);
    const t3 = await blockTime(chain, r3);
    assert.deepEqual(await summary(b1.address), {
      ...emptySummary(), loansTaken: 3n, openLoans: 3n, uniqueLenders: 2n, firstLoanAt: t1, lastLoanAt: t3, borrowed: 1500n,
    });
    assert.equal((await summary(b1.address, TOKEN_B)).borrowed, 50n);
    assert.equal((await summary(b1.address, CMT)).borrowed, 0n);
    assert.deepEqual(await summary(b2.address), emptySummary());
  });

  test('openLoan refuses zero addresses, a self loan, a zero principal and an existing record', async () => {
    await expectRevert(history, rec, 'openLoan', [1n, CMT, lender.address, TOKEN_A, 1n], 'ZeroAddress', []);
    await expectRevert(history, rec, 'openLoan', [1n, b1.address, CMT, TOKEN_A, 1n], 'ZeroAddress', []);
    await expectRevert(history, rec, 'openLoan', [1n, b1.address, b1.address, TOKEN_A, 1n], 'SelfLoan', [b1.address]);
    await expectRevert(history, rec, 'openLoan', [1n, b1.address, lender.address, TOKEN_A, 0n], 'ZeroAmount', []);
    await open(1n);
    await expectRevert(history, rec, 'openLoan', [1n, b2.address, lender.address, TOKEN_A, 1n], 'RecordExists', [rec.address, 1n]);
  });

  // ------------------------------------------------------------ writes on a record

  test('recordRepayment and recordLate on an open record: events and aggregates', async () => {
    await open(1n, b1, TOKEN_B, 900n);
    const r = await send(history, rec, 'recordRepayment', [1n, 300n]);
    gas.record('recordRepayment', r);
    expectEvent(r, history, 'RepaymentRecorded', [rec.address, 1n, b1.address, TOKEN_B, 300n]);
    const r2 = await send(history, rec, 'recordLate', [1n, 2]);
    gas.record('recordLate', r2);
    expectEvent(r2, history, 'LatePaymentsRecorded', [rec.address, 1n, b1.address, 2n]);
    const r3 = await send(history, rec, 'recordLate', [1n, 1]);
    const s = await summary(b1.address, TOKEN_B);
    assert.equal(s.repaid, 300n);
    assert.equal(s.latePayments, 3n);
    assert.equal(s.lastLateAt, await blockTime(chain, r3));
    assert.equal((await summary(b1.address, TOKEN_A)).repaid, 0n, 'amounts stay in their asset');
  });

  test('writes refuse zero amounts, unknown records and records of another recorder', async () => {
    await open(1n);
    await expectRevert(history, rec, 'recordRepayment', [1n, 0n], 'ZeroAmount', []);
    await expectRevert(history, rec, 'recordLate', [1n, 0], 'ZeroAmount', []);
    await expectRevert(history, rec, 'recordDefault', [1n, 0n, 0n], 'ZeroAmount', []);
    await expectRevert(history, rec, 'closeWrittenOff', [1n, 0n], 'ZeroAmount', []);
    // rec2 (and a stranger without any role) have no record 1: their key is empty
    for (const who of [rec2, stranger]) {
      await expectRevert(history, who, 'recordRepayment', [1n, 1n], 'WrongRecordState', [who.address, 1n, RecordState.None]);
      await expectRevert(history, who, 'recordLate', [1n, 1], 'WrongRecordState', [who.address, 1n, RecordState.None]);
      await expectRevert(history, who, 'recordDefault', [1n, 5n, 0n], 'WrongRecordState', [who.address, 1n, RecordState.None]);
      await expectRevert(history, who, 'closeRepaid', [1n, true], 'WrongRecordState', [who.address, 1n, RecordState.None]);
    }
    await expectRevert(history, rec, 'closeRecovered', [1n], 'WrongRecordState', [rec.address, 1n, RecordState.Open]);
    await expectRevert(history, rec, 'closeWrittenOff', [1n, 5n], 'WrongRecordState', [rec.address, 1n, RecordState.Open]);
  });

  test('closeRepaid: on time and late, then the record is closed to every write', async () => {
    await open(1n);
    await open(2n);
    const r = await send(history, rec, 'closeRepaid', [1n, true]);
    gas.record('closeRepaid', r);
    expectEvent(r, history, 'RepaidRecorded', [rec.address, 1n, b1.address, true]);
    const r2 = await send(history, rec, 'closeRepaid', [2n, false]);
    expectEvent(r2, history, 'RepaidRecorded', [rec.address, 2n, b1.address, false]);
    assert.equal(await state(rec.address, 1n), RecordState.Closed);
    const s = await summary(b1.address);
    assert.equal(s.loansTaken, 2n);
    assert.equal(s.openLoans, 0n);
    assert.equal(s.loansRepaid, 2n);
    assert.equal(s.loansRepaidOnTime, 1n);
    for (const [fn, args] of [
      ['recordRepayment', [1n, 1n]], ['recordLate', [1n, 1]], ['recordDefault', [1n, 1n, 0n]], ['closeRepaid', [1n, true]],
      ['closeRecovered', [1n]], ['closeWrittenOff', [1n, 1n]],
    ] as const) {
      await expectRevert(history, rec, fn, [...args], 'WrongRecordState', [rec.address, 1n, RecordState.Closed]);
    }
  });

  test('recordDefault, repayments after it, then closeRecovered or closeWrittenOff', async () => {
    const r0 = await open(1n, b1, TOKEN_A, 1000n);
    const r1 = await open(2n, b1, TOKEN_A, 1000n);
    await expectRevert(history, rec, 'recordDefault', [1n, 10n, 11n], 'RecoveredExceedsOutstanding', [11n, 10n]);
    const r = await send(history, rec, 'recordDefault', [1n, 800n, 300n]);
    gas.record('recordDefault', r);
    expectEvent(r, history, 'DefaultRecorded', [rec.address, 1n, b1.address, TOKEN_A, 800n, 300n]);
    assert.equal(await state(rec.address, 1n), RecordState.Defaulted);
    await expectRevert(history, rec, 'recordLate', [1n, 1], 'WrongRecordState', [rec.address, 1n, RecordState.Defaulted]);
    await expectRevert(history, rec, 'recordDefault', [1n, 1n, 0n], 'WrongRecordState', [rec.address, 1n, RecordState.Defaulted]);
    await expectRevert(history, rec, 'closeRepaid', [1n, false], 'WrongRecordState', [rec.address, 1n, RecordState.Defaulted]);
    await send(history, rec, 'recordRepayment', [1n, 500n]);
    const r2 = await send(history, rec, 'closeRecovered', [1n]);
    gas.record('closeRecovered', r2);
    expectEvent(r2, history, 'RecoveryRecorded', [rec.address, 1n, b1.address]);
    const rd = await send(history, rec, 'recordDefault', [2n, 1000n, 0n]);
    const r3 = await send(history, rec, 'closeWrittenOff', [2n, 1000n]);
    gas.record('closeWrittenOff', r3);
    expectEvent(r3, history, 'WriteOffRecorded', [rec.address, 2n, b1.address, TOKEN_A, 1000n]);
    assert.deepEqual(await summary(b1.address), {
      ...emptySummary(), loansTaken: 2n, uniqueLenders: 1n, firstLoanAt: await blockTime(chain, r0),
      lastLoanAt: await blockTime(chain, r1), defaults: 2n, recoveries: 1n, writeOffs: 1n,
      lastDefaultAt: await blockTime(chain, rd), borrowed: 2000n, repaid: 500n, recoveredFromCollateral: 300n, writtenOff: 1000n,
    });
  });

  test('a revoked recorder opens nothing new but finishes the records it opened', async () => {
    await open(1n);
    await open(2n);
    await send(history, admin, 'revokeRole', [role, rec.address]);
    await expectRevert(history, rec, 'openLoan', [3n, b1.address, lender.address, TOKEN_A, 1n],
      'AccessControlUnauthorizedAccount', [rec.address, role]);
    await send(history, rec, 'recordLate', [1n, 1]);
    await send(history, rec, 'recordRepayment', [1n, 10n]);
    await send(history, rec, 'closeRepaid', [1n, false]);
    await send(history, rec, 'recordDefault', [2n, 7n, 0n]);
    await send(history, rec, 'closeWrittenOff', [2n, 7n]);
    const s = await summary(b1.address);
    assert.equal(s.loansTaken, 2n);
    assert.equal(s.openLoans, 0n);
    assert.equal(s.latePayments, 1n);
    assert.equal(s.writtenOff, 7n);
  });

  // ------------------------------------------------------------ property: summaries = replay of events

  test('property: after random writes by two recorders, every summary equals the replay of the events', async () => {
    type Op =
      | { kind: 'open'; recorder: number; borrower: number; lender: number; asset: number; principal: bigint }
      | { kind: 'repay'; pick: number; amount: bigint }
      | { kind: 'late'; pick: number; count: number }
      | { kind: 'default'; pick: number; outstanding: bigint; recoveredPct: number }
      | { kind: 'close'; pick: number; onTime: boolean; amount: bigint }
      | { kind: 'invalid'; pick: number };
    const recorders = [rec, rec2];
    const borrowers = [b1, b2, stranger];
    const lenders = [lender, lender2, admin];
    const assets = [TOKEN_A, TOKEN_B];
    const opArb: fc.Arbitrary<Op> = fc.oneof(
      { weight: 4, arbitrary: fc.record({ kind: fc.constant('open' as const), recorder: fc.nat(1), borrower: fc.nat(2), lender: fc.nat(2), asset: fc.nat(1), principal: fc.bigInt(1n, 10n ** 24n) }) },
      { weight: 3, arbitrary: fc.record({ kind: fc.constant('repay' as const), pick: fc.nat(), amount: fc.bigInt(1n, 10n ** 24n) }) },
      { weight: 2, arbitrary: fc.record({ kind: fc.constant('late' as const), pick: fc.nat(), count: fc.integer({ min: 1, max: 60 }) }) },
      { weight: 2, arbitrary: fc.record({ kind: fc.constant('default' as const), pick: fc.nat(), outstanding: fc.bigInt(1n, 10n ** 24n), recoveredPct: fc.integer({ min: 0, max: 100 }) }) },
      { weight: 3, arbitrary: fc.record({ kind: fc.constant('close' as const), pick: fc.nat(), onTime: fc.boolean(), amount: fc.bigInt(1n, 10n ** 24n) }) },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant('invalid' as const), pick: fc.nat() }) },
    );
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 8, maxLength: 22 }), async (ops) => {
        const base = await snapshot(chain);
        try {
          const ref = new HistoryReference();
          const records: { recorder: Wallet; id: bigint; state: bigint; borrower: Wallet }[] = [];
          let nextId = BigInt(++run) * 1000n;
          const apply = async (r: TransactionReceipt): Promise<void> => {
            const t = await blockTime(chain, r);
            for (const ev of allEventsOf(r, history)) ref.apply(ev, t);
          };
          for (const op of ops) {
            const target = records.length === 0 ? undefined : records[('pick' in op ? op.pick : 0) % records.length]!;
            if (op.kind === 'open') {
              const borrower = borrowers[op.borrower]!;
              let lenderW = lenders[op.lender]!;
              if (lenderW.address === borrower.address) lenderW = lenders[(op.lender + 1) % 3]!;
              const id = nextId++;
              await apply(await send(history, recorders[op.recorder]!, 'openLoan', [id, borrower.address, lenderW.address, assets[op.asset]!, op.principal]));
              records.push({ recorder: recorders[op.recorder]!, id, state: RecordState.Open, borrower });
            } else if (!target) {
              continue;
            } else if (op.kind === 'repay') {
              if (target.state === RecordState.Closed) {
                await expectRevert(history, target.recorder, 'recordRepayment', [target.id, op.amount], 'WrongRecordState', [target.recorder.address, target.id, target.state]);
              } else {
                await apply(await send(history, target.recorder, 'recordRepayment', [target.id, op.amount]));
              }
            } else if (op.kind === 'late') {
              if (target.state !== RecordState.Open) {
                await expectRevert(history, target.recorder, 'recordLate', [target.id, op.count], 'WrongRecordState', [target.recorder.address, target.id, target.state]);
              } else {
                await apply(await send(history, target.recorder, 'recordLate', [target.id, op.count]));
              }
            } else if (op.kind === 'default') {
              const recovered = (op.outstanding * BigInt(op.recoveredPct)) / 100n;
              if (target.state !== RecordState.Open) {
                await expectRevert(history, target.recorder, 'recordDefault', [target.id, op.outstanding, recovered], 'WrongRecordState', [target.recorder.address, target.id, target.state]);
              } else {
                await apply(await send(history, target.recorder, 'recordDefault', [target.id, op.outstanding, recovered]));
                target.state = RecordState.Defaulted;
              }
            } else if (op.kind === 'close') {
              if (target.state === RecordState.Open) {
                await apply(await send(history, target.recorder, 'closeRepaid', [target.id, op.onTime]));
                target.state = RecordState.Closed;
              } else if (target.state === RecordState.Defaulted) {
                await apply(op.onTime
                  ? await send(history, target.recorder, 'closeRecovered', [target.id])
                  : await send(history, target.recorder, 'closeWrittenOff', [target.id, op.amount]));
                target.state = RecordState.Closed;
              } else {
                await expectRevert(history, target.recorder, 'closeRepaid', [target.id, true], 'WrongRecordState', [target.recorder.address, target.id, target.state]);
              }
            } else {
              // the other recorder writing about this record finds nothing under its own key
              const other = recorders.find((x) => x !== target.recorder)!;
              await expectRevert(history, other, 'recordRepayment', [target.id, 1n], 'WrongRecordState', [other.address, target.id, RecordState.None]);
            }
          }
          for (const b of borrowers) {
            for (const asset of assets) {
              assert.deepEqual(await summary(b.address, asset), ref.summary(b.address, asset), `summary of ${b.address} in ${asset}`);
            }
          }
        } finally {
          await revertTo(chain, base);
        }
      }),
      { numRuns: fcRuns(6), seed: fcSeed(4401), endOnFailure: true },
    );
  });
});
