/**
 * ADR 0021: on a dev chain the execution worker runs 5 nice steps below the JSON-RPC thread; a node started
 * without --dev keeps every thread at the process's priority. Read from /proc, so Linux only.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { after, describe, test } from 'node:test';
import { runCmt } from '../utils/e2e2-helpers.ts';
import { removeHome, rpcClient, spawnCmt, startCmt, tempHome } from '../utils/node.ts';
import type { Spawned } from '../utils/node.ts';

/** The nice value of each thread of `pid`, by thread id (field 19 of /proc/<pid>/task/<tid>/stat). */
function niceByThread(pid: number): Map<number, number> {
  const out = new Map<number, number>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // the name may hold spaces
    out.set(Number(tid), Number(fields[16]));
  }
  return out;
}

/** Waits for block 1: a block needs the worker, which may still be loading when the JSON-RPC port opens. */
async function firstBlock(rpc: <T>(method: string, params?: unknown[]) => Promise<T>): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (BigInt(await rpc<string>('eth_blockNumber', [])) > 0n) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.fail('no block within 30 s');
}

describe('execution worker priority', { skip: !existsSync('/proc/thread-self') && 'needs Linux /proc' }, () => {
  const homes: string[] = [];
  after(() => homes.forEach(removeHome));

  test('a dev node runs its execution worker 5 nice steps below every other thread', async () => {
    const node = await startCmt(['--block-time', '1']);
    homes.push(node.home);
    try {
      await firstBlock((m, p) => node.rpc(m, p));
      const nice = niceByThread(node.proc.pid as number);
      const base = nice.get(node.proc.pid as number) as number; // the JSON-RPC (main) thread: the process's
      const lowered = [...nice].filter(([, n]) => n !== base);
      assert.deepEqual(lowered.map(([, n]) => n), [Math.min(19, base + 5)], `one thread lowered, the worker: ${JSON.stringify([...nice])}`);
    } finally {
      await node.stop();
    }
  });

  test('an automining node executes on its JSON-RPC thread unless told to use a worker (ADR 0027)', async () => {
    /** The threads of a dev node started with `args`, once it has mined a transaction, and which were lowered. */
    const threadsOf = async (args: string[]): Promise<{ all: number; lowered: number }> => {
      const node = await startCmt(['--block-time', '0', ...args]);
      homes.push(node.home);
      try {
        const [from] = await node.rpc<string[]>('eth_accounts', []);
        await node.rpc('eth_sendTransaction', [{ from, to: from, value: '0x1' }]); // answered once mined
        assert.equal(await node.rpc('eth_blockNumber', []), '0x1');
        const nice = niceByThread(node.proc.pid as number);
        const base = nice.get(node.proc.pid as number) as number;
        return { all: nice.size, lowered: [...nice.values()].filter((n) => n !== base).length };
      } finally {
        await node.stop();
      }
    };
    const auto = await threadsOf([]);
    const worker = await threadsOf(['--execution-worker', 'true']);
    assert.equal(auto.lowered, 0, 'no execution worker: nothing runs below the JSON-RPC thread');
    assert.equal(worker.lowered, 1, 'asked for, the worker is there, 5 steps down');
    assert.ok(worker.all > auto.all, `the worker is a thread of its own (${worker.all} threads against ${auto.all})`);
  });

  test('a node started without --dev keeps every thread, its execution worker included, at the process priority', async () => {
    const home = tempHome();
    homes.push(home);
    const init = runCmt(['init', '--home', home, '--dev']);
    assert.equal(init.code, 0, init.stderr);
    /** The nice values of a node started from `home` with `args`, once it has made a block. */
    const threadsOf = async (args: string[]): Promise<Map<number, number>> => {
      const plain: Spawned = spawnCmt(['start', '--home', home, '--rpc.port', '0', '--silent', ...args]);
      try {
        const client = rpcClient(`http://127.0.0.1:${await plain.listening}`);
        await firstBlock((m, p) => client.rpc(m, p));
        return niceByThread(plain.proc.pid as number);
      } finally {
        await plain.stop();
      }
    };
    const withWorker = await threadsOf([]);
    const withoutWorker = await threadsOf(['--execution-worker', 'false']);
    assert.ok(withWorker.size > withoutWorker.size, `the worker is a thread of its own (${withWorker.size} threads against ${withoutWorker.size})`);
    assert.equal(new Set(withWorker.values()).size, 1, `one priority for all: ${JSON.stringify([...withWorker])}`);
  });
});
