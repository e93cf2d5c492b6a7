/**
 * ADR 0021: on a dev chain the execution worker runs below the JSON-RPC thread's scheduling priority; a node
 * started without --dev keeps every thread at the process's. Read from /proc, so Linux only.
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

  test('a dev node runs its execution worker at nice 5 and everything else at 0', async () => {
    const node = await startCmt(['--block-time', '1']);
    homes.push(node.home);
    try {
      await firstBlock((m, p) => node.rpc(m, p));
      const nice = niceByThread(node.proc.pid as number);
      assert.equal(nice.get(node.proc.pid as number), 0, 'the JSON-RPC (main) thread');
      const lowered = [...nice].filter(([, n]) => n !== 0);
      assert.deepEqual(lowered.map(([, n]) => n), [5], `one thread lowered, the worker: ${JSON.stringify([...nice])}`);
    } finally {
      await node.stop();
    }
  });

  test('a node started without --dev keeps every thread at the process priority', async () => {
    const home = tempHome();
    homes.push(home);
    const init = runCmt(['init', '--home', home, '--dev']);
    assert.equal(init.code, 0, init.stderr);
    const plain: Spawned = spawnCmt(['start', '--home', home, '--rpc.port', '0', '--silent']);
    try {
      const client = rpcClient(`http://127.0.0.1:${await plain.listening}`);
      await firstBlock((m, p) => client.rpc(m, p));
      const nice = niceByThread(plain.proc.pid as number);
      assert.ok(nice.size > 2, 'the worker thread is there');
      assert.deepEqual([...new Set(nice.values())], [0]);
    } finally {
      await plain.stop();
    }
  });
});
