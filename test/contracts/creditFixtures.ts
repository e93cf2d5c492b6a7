/**
 * Shared pieces of the credit contract tests (CreditHistory, LoanBook): compiling contracts/credit, its test
 * helpers and the identity / reputation contracts they use in one solc run, a dev node with the ten dev wallets,
 * deploying the credit stack, sending transactions and checking reverts by their exact custom error, decoding
 * events, chain time control, bigint references of the repayment schedule, the seizure rule and the credit
 * history aggregates, and an optional gas report. Everything talks to the node through JSON-RPC with ethers v6.
 */
import type { Contract, LogDescription, Wallet } from 'ethers';
import { DAY, MAX_UINT256, contractSet, eventsOf, latestTimestamp, read } from './contractHarness.ts';
import type { Chain } from './contractHarness.ts';
import { commitment, kindOf } from './identityTokenFixtures.ts';

export * from './contractHarness.ts';

export const CMT = '0x0000000000000000000000000000000000000000';
export const YEAR = 365n * BigInt(DAY);
export const WAD = 10n ** 18n;
export const MAX_UINT128 = 2n ** 128n - 1n;

export type ContractName =
  | 'CreditHistory' | 'LoanBook' | 'AttestationRegistry' | 'Reputation' | 'StubMarketplaceOrders' | 'TestToken'
  | 'ReentrantToken' | 'BadToken' | 'Actor';

const set = contractSet(
  ['contracts/credit', 'contracts/test/credit', 'contracts/test/shared', 'contracts/identity/AttestationRegistry.sol', 'contracts/commerce/Reputation.sol', 'contracts/test/TestToken.sol'],
  ['CreditHistory', 'LoanBook', 'AttestationRegistry', 'Reputation', 'StubMarketplaceOrders', 'TestToken', 'ReentrantToken', 'BadToken', 'Actor'] as ContractName[],
);
export const { loadArtifacts, allErrors, errorSelector, errorData, decodeRevert, deploy, at, send, sendFailing, expectRevert, expectDeployRevert } = set;

/** The identity helpers of the identity tests (attribute kinds, commitments). */
export { commitment, kindOf };

// ---------------------------------------------------------------- loan terms and references

/** LoanBook.Terms, field for field. */
export interface Terms {
  asset: string;
  instalments: number;
  interval: number;
  gracePeriod: number;
  collateralAsset: string;
  defaultDelay: number;
  recoveryPeriod: number;
  minRatings: number;
  principal: bigint;
  collateralAmount: bigint;
  rateWad: bigint;
  collateralPerDebtWad: bigint;
  issuerSetId: bigint;
  minAverageX100: number;
  identityKind: string;
}

/** The tuple of `t` in ABI order (to compare with decoded events). */
export function termsTuple(t: Terms): unknown[] {
  return [
    t.asset, BigInt(t.instalments), BigInt(t.interval), BigInt(t.gracePeriod), t.collateralAsset, BigInt(t.defaultDelay),
    BigInt(t.recoveryPeriod), BigInt(t.minRatings), t.principal, t.collateralAmount, t.rateWad, t.collateralPerDebtWad,
    t.issuerSetId, BigInt(t.minAverageX100), t.identityKind,
  ];
}

/** Post kind and status, loan status, as the contract numbers them. */
export const PostKind = { None: 0n, Offer: 1n, Request: 2n } as const;
export const PostStatus = { None: 0n, Open: 1n, Taken: 2n, Cancelled: 3n } as const;
export const LoanStatus = {
  None: 0n, Scheduled: 1n, Active: 2n, Late: 3n, Defaulted: 4n, Repaid: 5n, Recovered: 6n, WrittenOff: 7n, Cancelled: 8n,
} as const;
export const RecordState = { None: 0n, Open: 1n, Defaulted: 2n, Closed: 3n } as const;

export interface LoanView {
  lender: string;
  status: bigint;
  instalmentsPaid: bigint;
  lateThrough: bigint;
  lateInstalments: bigint;
  borrower: string;
  startAt: bigint;
  postId: bigint;
  drawDeadline: bigint;
  defaultedAt: bigint;
  repaid: bigint;
  nextCumDue: bigint;
  totalDue: bigint;
  coveredByCollateral: bigint;
}

export interface PostView {
  terms: Record<string, unknown>;
  maker: string;
  expiresAt: bigint;
  kind: bigint;
  status: bigint;
}

/** CreditHistory.Summary. */
export interface Summary {
  loansTaken: bigint;
  openLoans: bigint;
  loansRepaid: bigint;
  loansRepaidOnTime: bigint;
  latePayments: bigint;
  defaults: bigint;
  recoveries: bigint;
  writeOffs: bigint;
  uniqueLenders: bigint;
  firstLoanAt: bigint;
  lastLoanAt: bigint;
  lastLateAt: bigint;
  lastDefaultAt: bigint;
  borrowed: bigint;
  repaid: bigint;
  recoveredFromCollateral: bigint;
  writtenOff: bigint;
}

export function emptySummary(): Summary {
  return {
    loansTaken: 0n, openLoans: 0n, loansRepaid: 0n, loansRepaidOnTime: 0n, latePayments: 0n, defaults: 0n,
    recoveries: 0n, writeOffs: 0n, uniqueLenders: 0n, firstLoanAt: 0n, lastLoanAt: 0n, lastLateAt: 0n,
    lastDefaultAt: 0n, borrowed: 0n, repaid: 0n, recoveredFromCollateral: 0n, writtenOff: 0n,
  };
}

function ceilDiv(a: bigint, b: bigint): bigint {
  return a === 0n ? 0n : (a - 1n) / b + 1n;
}

export interface Instalment {
  dueOffset: bigint;
  principalPart: bigint;
  interestPart: bigint;
}

/**
 * Reference of LoanSchedule: equal principal parts (the last takes the remainder) plus simple interest on the
 * principal outstanding during each period, each instalment's interest rounded up.
 */
export function referenceSchedule(principal: bigint, n: number, rateWad: bigint, interval: number): Instalment[] {
  const q = principal / BigInt(n);
  const out: Instalment[] = [];
  for (let i = 1; i <= n; i++) {
    const balance = principal - q * BigInt(i - 1);
    out.push({
      dueOffset: BigInt(i) * BigInt(interval),
      principalPart: i === n ? principal - q * BigInt(n - 1) : q,
      interestPart: ceilDiv(balance * rateWad * BigInt(interval), WAD * YEAR),
    });
  }
  return out;
}

export function referenceTotalDue(principal: bigint, n: number, rateWad: bigint, interval: number): bigint {
  return referenceSchedule(principal, n, rateWad, interval).reduce((s, x) => s + x.principalPart + x.interestPart, 0n);
}

/** Reference of LoanBook.seizure: (seized collateral, debt covered). */
export function referenceSeizure(debt: bigint, collateral: bigint, perDebtWad: bigint): { seized: bigint; covered: bigint } {
  const claim = ceilDiv(debt * perDebtWad, WAD);
  if (claim <= collateral) return { seized: claim, covered: debt };
  return { seized: collateral, covered: (collateral * WAD) / perDebtWad };
}

/**
 * Replays CreditHistory events (in chain order) into per-borrower aggregates, the reference the contract's
 * `summary(borrower, asset)` must equal. `times` gives each event's block timestamp.
 */
export class HistoryReference {
  private readonly counts = new Map<string, Summary>();
  private readonly lenders = new Map<string, Set<string>>();
  private readonly amounts = new Map<string, { borrowed: bigint; repaid: bigint; recoveredFromCollateral: bigint; writtenOff: bigint }>();

  apply(ev: LogDescription, time: bigint): void {
    const a = ev.args;
    const borrower = (a[2] as string).toLowerCase();
    const s = this.summaryRef(borrower);
    switch (ev.name) {
      case 'LoanOpened': {
        s.loansTaken++;
        s.openLoans++;
        if (s.firstLoanAt === 0n) s.firstLoanAt = time;
        s.lastLoanAt = time;
        const lenders = this.lenders.get(borrower) ?? new Set<string>();
        lenders.add((a[3] as string).toLowerCase());
        this.lenders.set(borrower, lenders);
        s.uniqueLenders = BigInt(lenders.size);
        this.amountsRef(borrower, a[4] as string).borrowed += a[5] as bigint;
        break;
      }
      case 'RepaymentRecorded':
        this.amountsRef(borrower, a[3] as string).repaid += a[4] as bigint;
        break;
      case 'LatePaymentsRecorded':
        s.latePayments += a[3] as bigint;
        s.lastLateAt = time;
        break;
      case 'DefaultRecorded':
        s.defaults++;
        s.lastDefaultAt = time;
        this.amountsRef(borrower, a[3] as string).recoveredFromCollateral += a[5] as bigint;
        break;
      case 'RepaidRecorded':
        s.loansRepaid++;
        s.openLoans--;
        if (a[3] as boolean) s.loansRepaidOnTime++;
        break;
      case 'RecoveryRecorded':
        s.recoveries++;
        s.openLoans--;
        break;
      case 'WriteOffRecorded':
        s.writeOffs++;
        s.openLoans--;
        this.amountsRef(borrower, a[3] as string).writtenOff += a[4] as bigint;
        break;
      default:
        break; // role events etc.
    }
  }

  summary(borrower: string, asset: string): Summary {
    const s = { ...this.summaryRef(borrower.toLowerCase()) };
    const amounts = this.amounts.get(`${borrower.toLowerCase()}/${asset.toLowerCase()}`);
    if (amounts) Object.assign(s, amounts);
    return s;
  }

  private summaryRef(borrower: string): Summary {
    let s = this.counts.get(borrower);
    if (!s) {
      s = emptySummary();
      this.counts.set(borrower, s);
    }
    return s;
  }

  private amountsRef(borrower: string, asset: string): { borrowed: bigint; repaid: bigint; recoveredFromCollateral: bigint; writtenOff: bigint } {
    const key = `${borrower}/${asset.toLowerCase()}`;
    let a = this.amounts.get(key);
    if (!a) {
      a = { borrowed: 0n, repaid: 0n, recoveredFromCollateral: 0n, writtenOff: 0n };
      this.amounts.set(key, a);
    }
    return a;
  }
}

// ---------------------------------------------------------------- the deployed stack

export const KYC = kindOf('KYC_BASIC');
export const KYC_VALUE = 'level=2';
export const TOKENS_PER_ACCOUNT = 10n ** 27n;

export interface Credit {
  chain: Chain;
  admin: Wallet;
  lenders: [Wallet, Wallet];
  borrowers: [Wallet, Wallet];
  issuer: Wallet;
  stranger: Wallet;
  keeper: Wallet;
  spare: Wallet;
  history: Contract;
  registry: Contract;
  orders: Contract;
  reputation: Contract;
  book: Contract;
  bookAddr: string;
  /** The debt token (a stable coin stand-in). */
  usd: Contract;
  usdAddr: string;
  /** A collateral token. */
  gold: Contract;
  goldAddr: string;
  issuerSetId: bigint;
  recorderRole: string;
  deployGas: Record<'CreditHistory' | 'LoanBook', bigint>;
}

/**
 * Deploys the credit history, an attestation registry (one KYC issuer in issuer set `issuerSetId`), a reputation
 * registry over a stub marketplace, and the loan book (granted the recorder role); two plain ERC-20s (usd for
 * debt, gold for collateral) are given to the lenders and borrowers, who approve the book. Wallets: 0 admin,
 * 1-2 lenders, 3-4 borrowers, 5 KYC issuer, 6 stranger, 7 keeper, 8-9 spare.
 */
export async function deployCredit(chain: Chain): Promise<Credit> {
  const [admin, l1, l2, b1, b2, issuer, stranger, keeper, spare] = chain.wallets as [
    Wallet, Wallet, Wallet, Wallet, Wallet, Wallet, Wallet, Wallet, Wallet,
  ];
  const { contract: history, receipt: historyReceipt } = await deploy('CreditHistory', admin, [admin.address, 0]);
  const { contract: registry } = await deploy('AttestationRegistry', admin, [admin.address, 0]);
  const { contract: orders } = await deploy('StubMarketplaceOrders', admin);
  const { contract: reputation } = await deploy('Reputation', admin, [await orders.getAddress()]);
  const { contract: book, receipt: bookReceipt } = await deploy('LoanBook', admin, [
    await history.getAddress(), await registry.getAddress(), await reputation.getAddress(),
  ]);
  const bookAddr = await book.getAddress();
  const recorderRole = await read<string>(history, 'RECORDER_ROLE');
  await send(history, admin, 'grantRole', [recorderRole, bookAddr]);
  await send(registry, admin, 'setIssuer', [KYC, issuer.address, true]);
  const r = await send(registry, admin, 'createIssuerSet', [[issuer.address]]);
  const issuerSetId = eventsOf(r, registry, 'IssuerSetCreated')[0]!.args[0] as bigint;
  const { contract: usd } = await deploy('TestToken', admin, [10n * TOKENS_PER_ACCOUNT]);
  const { contract: gold } = await deploy('TestToken', admin, [10n * TOKENS_PER_ACCOUNT]);
  for (const token of [usd, gold]) {
    for (const w of [l1, l2, b1, b2, stranger]) {
      await send(token, admin, 'transfer', [w.address, TOKENS_PER_ACCOUNT]);
      await send(token, w, 'approve', [bookAddr, MAX_UINT256]);
    }
  }
  return {
    chain, admin, lenders: [l1, l2], borrowers: [b1, b2], issuer, stranger, keeper, spare,
    history, registry, orders, reputation, book, bookAddr,
    usd, usdAddr: await usd.getAddress(), gold, goldAddr: await gold.getAddress(), issuerSetId, recorderRole,
    deployGas: { CreditHistory: historyReceipt.gasUsed, LoanBook: bookReceipt.gasUsed },
  };
}

/** Registers `holder`'s KYC commitment and has the issuer attest it for `ttl` seconds. */
export async function attestKyc(env: Credit, holder: Wallet, salt: string, ttl = 365 * DAY): Promise<void> {
  const c = commitment(KYC, KYC_VALUE, salt, holder.address);
  await send(env.registry, holder, 'registerCommitment', [KYC, c]);
  const expiresAt = (await latestTimestamp(env.chain)) + BigInt(ttl);
  await send(env.registry, env.issuer, 'attest', [holder.address, KYC, c, expiresAt]);
}

/** What `token` (or CMT) `account` holds. */
export async function balanceOf(env: Credit, asset: string, account: string): Promise<bigint> {
  if (asset === CMT) return env.chain.provider.getBalance(account);
  return read<bigint>(at('TestToken', asset, env.admin), 'balanceOf', [account]);
}
