/**
 * A local validator network of real `cmt start` processes for end-to-end tests: `cmt testnet init` on free
 * port ranges, one child process per home (started, SIGKILLed, stopped and restarted by index), cross-group
 * links optionally routed through TCP proxies the test can partition, and JSON-RPC reads with a per-call
 * deadline. Every wait has a deadline and fails with the heights and log tails of all nodes.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { runCmtAsync } from './e2e2-helpers.ts';
import { removeHome, spawnCmt, tempHome } from './node.ts';
import type { Spawned } from './node.ts';
import { startTcpProxy } from './tcpProxy.ts';
import type { TcpProxy } from './tcpProxy.ts';

export interface Block {
  number: string;
  hash: string;
  stateRoot: string;
}

export interface NetNode {
  index: number;
  home: string;
  nodeId: string;
  rpcPort: number;
  p2pPort: number;
  /** The running process, if any (the last one started for this home). */
  proc: Spawned | undefined;
  /** Output of every process this home ran, oldest first (for failure messages). */
  pastOutput: string;
}

export interface LocalNetOptions {
  validators: number;
  /** Node indices per group: links between groups go through a proxy (see `partition`). */
  groups?: number[][];
}

/** A JSON-RPC call that gives up after `timeoutMs` (a hung node must not hang the test). */
export async function rpcCall<T>(port: number, method: string, params: unknown[] = [], timeoutMs = 3000): Promise<T> {
  const res = await fetch(`http://127.0.0.1:${port}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const body = (await res.json()) as { result?: T; error?: { message: string } };
  if (body.error !== undefined) throw new Error(`${method}: ${body.error.message}`);
  return body.result as T;
}

/** True when every port of base..base+count-1 can be bound on 127.0.0.1 right now. */
async function rangeIsFree(base: number, count: number): Promise<boolean> {
  for (let p = base; p < base + count; p++) {
    const free = await new Promise<boolean>((resolve) => {
      const srv = createServer();
      srv.once('error', () => resolve(false));
      srv.listen(p, '127.0.0.1', () => srv.close(() => resolve(true)));
    });
    if (!free) return false;
  }
  return true;
}

/**
 * `count` consecutive free ports below Linux's ephemeral range (32768+), so no outgoing connection takes
 * one of them between this check and the node's listen, and outside `avoid`.
 */
export async function freePortRange(count: number, avoid: Array<[number, number]> = []): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const base = 20_000 + Math.floor(Math.random() * (12_000 - count));
    if (avoid.some(([lo, hi]) => base <= hi && lo <= base + count - 1)) continue;
    if (await rangeIsFree(base, count)) return base;
  }
  throw new Error(`no ${count} consecutive free ports found`);
}

function nodeIdOf(home: string): string {
  const key = JSON.parse(readFileSync(join(home, 'config', 'node_key.json'), 'utf8')) as { pub_key: { value: string } };
  return createHash('sha256').update(Buffer.from(key.pub_key.value, 'base64')).digest('hex').slice(0, 40);
}

export class LocalNet {
  private readonly proxies = new Map<string, TcpProxy>(); // `${from}->${to}`
  private readonly extra: Spawned[] = [];
  /** Flags added to every validator's `cmt start` (e.g. ['--log-level', 'debug']). */
  startFlags: string[] = [];

  private constructor(
    readonly root: string,
    readonly nodes: NetNode[],
    private readonly groups: number[][] | undefined,
  ) {}

  /** `cmt testnet init --dev` on free ports; with `groups`, a proxy on every cross-group link. Starts nothing. */
  static async create(o: LocalNetOptions): Promise<LocalNet> {
    const root = tempHome('cmt-net-');
    const dir = join(root, 'net');
    const rpcBase = await freePortRange(o.validators);
    const p2pBase = await freePortRange(o.validators, [[rpcBase, rpcBase + o.validators - 1]]);
    const r = await runCmtAsync([
      'testnet', 'init', '--validators', String(o.validators), '--dir', dir, '--dev',
      '--rpc-base-port', String(rpcBase), '--p2p-base-port', String(p2pBase),
    ]);
    if (r.code !== 0) throw new Error(`cmt testnet init failed (${r.code}): ${r.stderr}`);
    const nodes = Array.from({ length: o.validators }, (_, i): NetNode => {
      const home = join(dir, `node${i}`);
      return { index: i, home, nodeId: nodeIdOf(home), rpcPort: rpcBase + i, p2pPort: p2pBase + i, proc: undefined, pastOutput: '' };
    });
    const net = new LocalNet(root, nodes, o.groups);
    if (o.groups !== undefined) {
      for (const a of nodes) {
        for (const b of nodes) {
          if (a === b || net.sameGroup(a.index, b.index)) continue;
          net.proxies.set(`${a.index}->${b.index}`, await startTcpProxy({ target: { host: '127.0.0.1', port: b.p2pPort } }));
        }
      }
    }
    return net;
  }

  private sameGroup(a: number, b: number): boolean {
    return this.groups === undefined || this.groups.some((g) => g.includes(a) && g.includes(b));
  }

  node(i: number): NetNode {
    const n = this.nodes[i];
    if (n === undefined) throw new Error(`no node${i}`);
    return n;
  }

  /** node i's persistent peers: the others directly, or through the proxy of the link when in another group. */
  persistentPeers(i: number): string {
    return this.nodes
      .filter((n) => n.index !== i)
      .map((n) => {
        const proxy = this.proxies.get(`${i}->${n.index}`);
        return `${n.nodeId}@127.0.0.1:${proxy?.port ?? n.p2pPort}`;
      })
      .join(',');
  }

  isRunning(i: number): boolean {
    const p = this.node(i).proc;
    return p !== undefined && p.proc.exitCode === null && p.proc.signalCode === null;
  }

  /** Starts (or restarts) node i on its home and waits until its JSON-RPC listens. */
  async start(i: number): Promise<void> {
    const n = this.node(i);
    if (this.isRunning(i)) throw new Error(`node${i} is already running`);
    if (n.proc !== undefined) n.pastOutput += n.proc.output();
    const args = ['start', '--home', n.home, '--silent', '--p2p.persistent-peers', this.persistentPeers(i), ...this.startFlags];
    n.proc = spawnCmt(args, {}, 60_000);
    await n.proc.listening;
  }

  async startAll(): Promise<void> {
    await Promise.all(this.nodes.map((n) => this.start(n.index)));
  }

  /** SIGKILL: a crash, nothing flushed. */
  async kill9(i: number): Promise<void> {
    const p = this.node(i).proc;
    if (p === undefined || !this.isRunning(i)) return;
    p.proc.kill('SIGKILL');
    await p.exited;
  }

  /** SIGINT and wait for a clean exit (SIGKILL after 10 s); returns the exit code. */
  async stop(i: number): Promise<number | null> {
    const p = this.node(i).proc;
    if (p === undefined || !this.isRunning(i)) return p?.proc.exitCode ?? null;
    const timer = setTimeout(() => p.proc.kill('SIGKILL'), 10_000);
    try {
      return await p.stop();
    } finally {
      clearTimeout(timer);
    }
  }

  /** Resets every cross-group connection and refuses new ones. */
  partition(): void {
    if (this.proxies.size === 0) throw new Error('this network has no proxied links');
    for (const p of this.proxies.values()) p.partition();
  }

  heal(): void {
    for (const p of this.proxies.values()) p.heal();
  }

  /** Another `cmt` process the network owns (a full node): killed by close(). */
  adopt(p: Spawned): Spawned {
    this.extra.push(p);
    return p;
  }

  async height(i: number): Promise<number> {
    return Number(await rpcCall<string>(this.node(i).rpcPort, 'eth_blockNumber'));
  }

  async block(i: number, height: number): Promise<Block | null> {
    return rpcCall<Block | null>(this.node(i).rpcPort, 'eth_getBlockByNumber', [`0x${height.toString(16)}`, false]);
  }

  /** Heights of the given nodes; undefined for one that does not answer. */
  async heights(indices: number[] = this.nodes.map((n) => n.index)): Promise<Array<number | undefined>> {
    return Promise.all(indices.map((i) => this.height(i).catch(() => undefined)));
  }

  /** Polls `fn` every 100 ms; after `timeoutMs` fails with `what`, the heights and each node's last log lines. */
  async waitFor<T>(what: string, fn: () => Promise<T | undefined | null | false>, timeoutMs: number): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const v = await fn().catch(() => undefined);
      if (v !== undefined && v !== null && v !== false) return v;
      if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}\n${await this.describe()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Waits until every node in `indices` is at least at `height`. */
  async waitForHeight(indices: number[], height: number, timeoutMs: number, why = ''): Promise<void> {
    await this.waitFor(
      `nodes ${indices.join(',')} to reach height ${height}${why === '' ? '' : ` (${why})`}`,
      async () => (await this.heights(indices)).every((h) => h !== undefined && h >= height),
      timeoutMs,
    );
  }

  /** Waits until the nodes report the same block hash at `height` (each must have it), and returns it. */
  async sameBlockAt(indices: number[], height: number, timeoutMs: number): Promise<Block> {
    await this.waitForHeight(indices, height, timeoutMs, `to compare block ${height}`);
    const blocks = await Promise.all(indices.map((i) => this.block(i, height)));
    const first = blocks[0];
    if (first === null || first === undefined) throw new Error(`node${indices[0]} has no block ${height}`);
    for (const [k, b] of blocks.entries()) {
      if (b?.hash !== first.hash || b.stateRoot !== first.stateRoot) {
        throw new Error(`fork at height ${height}: node${indices[0]} has ${first.hash} (state ${first.stateRoot}), node${indices[k]} has ${b?.hash} (state ${b?.stateRoot})\n${await this.describe()}`);
      }
    }
    return first;
  }

  /**
   * Waits until the nodes sit at one common height that does not move for `quietMs` (many block
   * intervals), and returns it: the chain has halted there. Fails if they keep committing.
   */
  async waitForHalt(indices: number[], quietMs: number, timeoutMs: number): Promise<number> {
    let last: string | undefined;
    let since = Date.now();
    return this.waitFor(
      `nodes ${indices.join(',')} to halt at one height (no block for ${quietMs} ms)`,
      async () => {
        const hs = await this.heights(indices);
        const key = hs.join(',');
        if (key !== last) {
          last = key;
          since = Date.now();
          return undefined;
        }
        const h = hs[0];
        return h !== undefined && hs.every((x) => x === h) && Date.now() - since >= quietMs ? h : undefined;
      },
      timeoutMs,
    );
  }

  /** Heights and the last log lines of every node, for failure messages. */
  async describe(lines = 12): Promise<string> {
    const hs = await this.heights();
    return this.nodes
      .map((n, k) => {
        const out = (n.pastOutput + (n.proc?.output() ?? '')).trimEnd().split('\n').slice(-lines);
        return `node${n.index} (${this.isRunning(n.index) ? 'running' : 'down'}, height ${hs[k] ?? '?'}):\n  ${out.join('\n  ')}`;
      })
      .join('\n');
  }

  /** Writes every node's whole output to dir/node<k>.log (and the extra processes' to dir/extra<k>.log). */
  saveLogs(dir: string): void {
    mkdirSync(dir, { recursive: true });
    for (const n of this.nodes) writeFileSync(join(dir, `node${n.index}.log`), n.pastOutput + (n.proc?.output() ?? ''));
    for (const [k, p] of this.extra.entries()) writeFileSync(join(dir, `extra${k}.log`), p.output());
  }

  /** Kills every process (by its pid), closes the proxies and removes the homes. */
  async close(): Promise<void> {
    const procs = [...this.nodes.map((n) => n.proc), ...this.extra].filter((p): p is Spawned => p !== undefined);
    await Promise.all(
      procs.map(async (p) => {
        if (p.proc.exitCode !== null || p.proc.signalCode !== null) return;
        p.proc.kill('SIGKILL');
        await p.exited;
      }),
    );
    await Promise.all([...this.proxies.values()].map((p) => p.close()));
    removeHome(this.root);
  }
}
