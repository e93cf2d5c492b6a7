/** Turns measurements into the printed table (with our node's ratio to each peer) and the --out JSON. */
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import type { Measurement } from './measure.ts';
import type { PeerName } from './peers.ts';
import type { WorkloadName } from './workload.ts';

/**
 * Which timed run of a node: `fresh`, the process's first transactions (its JIT cold, for a JavaScript node);
 * `warm`, the same number again on the same process right after (steady state; ADR 0019).
 */
export type RunPhase = 'fresh' | 'warm';
export const RUN_PHASES: readonly RunPhase[] = ['fresh', 'warm'];

export interface RunRecord {
  node: PeerName;
  workload: WorkloadName;
  phase: RunPhase;
  txs: number;
  clientVersion?: string;
  failed?: string;
  measurement?: Measurement;
}

export interface Summary {
  node: PeerName;
  workload: WorkloadName;
  phase: RunPhase;
  clientVersion: string | null;
  txs: number;
  accepted: number | null;
  included: number | null;
  txPerSec: number | null;
  sendPerSec: number | null;
  p50Ms: number | null;
  p99Ms: number | null;
  blocks: number | null;
  okReceipts: number | null;
  vsAnvil: number | null;
  vsHardhat: number | null;
  note: string;
}

function percentile(sorted: number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? null;
}

const rate = (n: number, ms: number): number | null => (ms > 0 && n > 0 ? (n * 1000) / ms : null);

export function summarise(records: RunRecord[]): Summary[] {
  const base = records.map((r): Summary => {
    const m = r.measurement;
    const notes = [r.failed ? `failed: ${r.failed}` : '', m?.timedOut ? `timeout: ${m.included}/${r.txs} included` : '', ...(m?.errors ?? [])];
    return {
      node: r.node,
      workload: r.workload,
      phase: r.phase,
      clientVersion: r.clientVersion ?? null,
      txs: r.txs,
      accepted: m ? m.accepted : null,
      included: m ? m.included : null,
      txPerSec: m ? rate(m.included, m.elapsedMs) : null,
      sendPerSec: m ? rate(m.accepted, m.sendMs) : null,
      p50Ms: m ? percentile(m.latenciesMs, 50) : null,
      p99Ms: m ? percentile(m.latenciesMs, 99) : null,
      blocks: m ? m.blocks : null,
      okReceipts: m ? m.okReceipts : null,
      vsAnvil: null,
      vsHardhat: null,
      note: notes.filter(Boolean).join('; '),
    };
  });
  const tps = (node: PeerName, w: WorkloadName, phase: RunPhase): number | null => base.find((s) => s.node === node && s.workload === w && s.phase === phase)?.txPerSec ?? null;
  for (const s of base) {
    if (s.node !== 'cmt' || s.txPerSec === null) continue;
    const anvil = tps('anvil', s.workload, s.phase);
    const hardhat = tps('hardhat', s.workload, s.phase);
    s.vsAnvil = anvil ? s.txPerSec / anvil : null;
    s.vsHardhat = hardhat ? s.txPerSec / hardhat : null;
  }
  return base;
}

const fmt = (v: number | null, digits = 0): string => (v === null ? '-' : v.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }));

export function formatTable(rows: Summary[]): string {
  const header = ['node', 'workload', 'run', 'txs', 'tx/s', 'send tx/s', 'p50 ms', 'p99 ms', 'blocks', 'ok receipts', 'vs anvil', 'vs hardhat', 'note'];
  const body = rows.map((s) => [
    s.node,
    s.workload,
    s.phase,
    String(s.txs),
    fmt(s.txPerSec),
    fmt(s.sendPerSec),
    fmt(s.p50Ms),
    fmt(s.p99Ms),
    fmt(s.blocks),
    s.okReceipts === null ? '-' : `${s.okReceipts}/${s.txs}`,
    s.vsAnvil === null ? '-' : `${fmt(s.vsAnvil, 2)}x`,
    s.vsHardhat === null ? '-' : `${fmt(s.vsHardhat, 2)}x`,
    s.note.length > 140 ? `${s.note.slice(0, 137)}...` : s.note,
  ]);
  return textTable(header, body, new Set([3, 4, 5, 6, 7, 8, 9, 10, 11]));
}

/** A plain-text table: the header, a rule, the rows; the columns in `right` are aligned right (numbers). */
export function textTable(header: string[], rows: string[][], right: ReadonlySet<number>): string {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] as string).length)));
  const line = (cells: string[]): string => cells.map((cell, c) => (right.has(c) ? cell.padStart(widths[c] as number) : cell.padEnd(widths[c] as number))).join('  ').trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

export function machineInfo(): { cpus: number; cpuModel: string; node: string; platform: string } {
  const list = cpus();
  return { cpus: list.length, cpuModel: list[0]?.model ?? 'unknown', node: process.version, platform: `${process.platform}-${process.arch}` };
}

export function writeJson(file: string, params: Record<string, unknown>, rows: Summary[]): void {
  const doc = { date: new Date().toISOString(), machine: machineInfo(), params, results: rows };
  writeFileSync(file, `${JSON.stringify(doc, null, 2)}\n`);
}
