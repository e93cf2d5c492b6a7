/**
 * Bad input over HTTP and WebSocket never crashes the node and always gets a JSON-RPC 2.0 error with the
 * right code: parse errors, invalid requests, unknown methods, bad params, oversized bodies and batches,
 * garbage transactions; dev-only methods are absent from a node started without --dev.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { WebSocket } from 'ws';
import { removeHome, startCmt, tempHome } from '../utils/node.ts';
import type { CmtProcess } from '../utils/node.ts';
import { rpcClient, rpcError, runCmt, spawnCmt } from '../utils/e2e2-helpers.ts';
import type { Spawned } from '../utils/e2e2-helpers.ts';

const ADDR = '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266';

interface Reply {
  jsonrpc: string;
  id: unknown;
  result?: unknown;
  error?: { code: number; message: string };
}

describe('bad input (e2e)', () => {
  let node: CmtProcess;
  const post = async (body: string): Promise<{ status: number; json: Reply | Reply[] }> => {
    const res = await fetch(node.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    return { status: res.status, json: (await res.json()) as Reply | Reply[] };
  };
  const alive = async (): Promise<void> => assert.match(await node.rpc<string>('eth_blockNumber'), /^0x[0-9a-f]+$/);
  const errorOf = (json: Reply | Reply[]): { code: number; message: string } => {
    assert.ok(!Array.isArray(json), 'a single error object, not a batch');
    assert.equal(json.jsonrpc, '2.0');
    assert.ok(json.error, `an error, got ${JSON.stringify(json)}`);
    return json.error;
  };

  before(async () => {
    node = await startCmt(['--silent']);
  });
  after(async () => {
    await node.stop();
    removeHome(node.home);
  });

  it('sends CORS headers on preflights, answers and errors, so browser dApps and wallets can call it', async () => {
    const preflight = await fetch(node.url, { method: 'OPTIONS', headers: { origin: 'https://dapp.example', 'access-control-request-method': 'POST' } });
    assert.equal(preflight.status, 204);
    assert.equal(preflight.headers.get('access-control-allow-origin'), '*');
    assert.match(preflight.headers.get('access-control-allow-methods') ?? '', /POST/);
    assert.match(preflight.headers.get('access-control-allow-headers') ?? '', /Content-Type/i);
    for (const body of ['{"jsonrpc":"2.0","id":1,"method":"eth_chainId","params":[]}', '{not json']) {
      const res = await fetch(node.url, { method: 'POST', headers: { 'content-type': 'application/json', origin: 'https://dapp.example' }, body });
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('access-control-allow-origin'), '*');
      assert.equal(res.headers.get('content-type'), 'application/json');
      assert.ok(Number(res.headers.get('content-length')) > 0, 'a sized body, not chunked');
    }
  });

  it('answers malformed JSON with -32700 and keeps serving', async () => {
    for (const body of ['{"jsonrpc":"2.0","id":1,"method":', 'not json', '{"a":1}}', '']) {
      const { json } = await post(body);
      const e = errorOf(json);
      assert.equal(e.code, -32700, `body ${JSON.stringify(body)}`);
      assert.match(e.message, /^parse error/);
      assert.equal((json as Reply).id, null);
    }
    await alive();
  });

  it('answers JSON that is not a request object with -32600', async () => {
    for (const body of ['5', '"hello"', 'null', 'true', '{"jsonrpc":"2.0","id":1}', '{"jsonrpc":"2.0","id":{},"method":"eth_chainId"}']) {
      assert.equal(errorOf((await post(body)).json).code, -32600, `body ${body}`);
    }
    await alive();
  });

  it('answers an unknown method with -32601', async () => {
    const e = await rpcError(node, 'eth_noSuchMethod', []);
    assert.deepEqual(e, { code: -32601, message: 'the method eth_noSuchMethod does not exist/is not available' });
    assert.equal((await rpcError(node, '__proto__', [])).code, -32601);
    assert.equal((await rpcError(node, 'constructor', [])).code, -32601);
  });

  it('answers wrong parameter types with -32602 and a message naming the problem', async () => {
    const cases: Array<[string, unknown[], RegExp]> = [
      ['eth_getBalance', [12345, 'latest'], /invalid address/],
      ['eth_getBalance', ['0x1234', 'latest'], /invalid address: expected 20 bytes, got 2/],
      ['eth_getBalance', [ADDR, 'foo'], /invalid block number.*"foo"/],
      ['eth_getBalance', [ADDR, true], /invalid block number/],
      ['eth_getBalance', [ADDR, {}], /invalid block parameter/],
      ['eth_getBlockByNumber', ['foo', false], /invalid block number.*"foo"/],
      ['eth_getBalance', [], /missing value for required argument 0/],
      ['eth_getTransactionByHash', ['0x1234'], /invalid/],
    ];
    for (const [method, params, message] of cases) {
      const e = await rpcError(node, method, params);
      assert.equal(e.code, -32602, `${method}(${JSON.stringify(params)}): ${e.message}`);
      assert.match(e.message, message);
    }
    const notArray = errorOf((await post('{"jsonrpc":"2.0","id":1,"method":"eth_getBalance","params":"0x1"}')).json);
    assert.equal(notArray.code, -32602);
    await alive();
  });

  it('refuses a body over 5 MiB and stays alive', async () => {
    const big = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_sendRawTransaction', params: [`0x${'00'.repeat(3 * 1024 * 1024)}`] });
    assert.ok(big.length > 5 * 1024 * 1024);
    const { status, json } = await post(big);
    assert.equal(status, 413);
    const e = errorOf(json);
    assert.equal(e.code, -32005);
    assert.match(e.message, /request body too large: limit 5242880 bytes/);
    await alive();
  });

  it('handles batches: empty, mixed, and over the 1000-request limit', async () => {
    assert.deepEqual(errorOf((await post('[]')).json), { code: -32600, message: 'empty batch' });

    const mixed = [
      { jsonrpc: '2.0', id: 1, method: 'eth_chainId', params: [] },
      { jsonrpc: '2.0', id: 2, method: 'eth_nope', params: [] },
      { jsonrpc: '2.0', id: 3, method: 'eth_getBalance', params: ['0x12', 'latest'] },
      42,
      { jsonrpc: '2.0', id: 'five', method: 'eth_getBalance', params: [ADDR, 'latest'] },
    ];
    const replies = (await post(JSON.stringify(mixed))).json;
    assert.ok(Array.isArray(replies));
    assert.equal(replies.length, 5);
    assert.deepEqual(
      replies.map((r) => [r.id, r.result === undefined ? r.error?.code : 'ok']),
      [[1, 'ok'], [2, -32601], [3, -32602], [null, -32600], ['five', 'ok']],
    );
    assert.equal(replies[0]?.result, '0x4d2');
    assert.ok(BigInt(replies[4]?.result as string) > 0n);

    const tooMany = Array.from({ length: 1001 }, (_, i) => ({ jsonrpc: '2.0', id: i, method: 'eth_chainId', params: [] }));
    assert.deepEqual(errorOf((await post(JSON.stringify(tooMany))).json), { code: -32005, message: 'batch too large: 1001 requests, limit 1000' });
    const max = (await post(JSON.stringify(tooMany.slice(0, 1000)))).json;
    assert.ok(Array.isArray(max) && max.length === 1000 && max.every((r) => r.result === '0x4d2'), 'a batch of exactly 1000 is served');
    await alive();
  });

  it('rejects garbage raw transactions with an error, never an internal one', async () => {
    assert.deepEqual(await rpcError(node, 'eth_sendRawTransaction', ['0x']), { code: -32000, message: 'empty transaction' });
    const zz = await rpcError(node, 'eth_sendRawTransaction', ['zz']);
    assert.equal(zz.code, -32602);
    assert.match(zz.message, /invalid transaction/);
    assert.equal((await rpcError(node, 'eth_sendRawTransaction', [])).code, -32602);
    assert.equal((await rpcError(node, 'eth_sendRawTransaction', [42])).code, -32602);
    let seed = 0x2545f491; // xorshift32: the same "random" bytes on every run
    const next = (): number => {
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      return (seed >>> 0) & 0xff;
    };
    const samples = Array.from({ length: 40 }, (_, i) => Array.from({ length: 1 + ((i * 7) % 120) }, next));
    samples.push([0x02, 0xc0], [0xf8, 0xff], [0x01], [0x04, 0x80], [0xc9, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80]);
    for (const bytes of samples) {
      const raw = `0x${Buffer.from(bytes).toString('hex')}`;
      const e = await rpcError(node, 'eth_sendRawTransaction', [raw]);
      assert.ok(e.code === -32000 || e.code === -32602, `${raw}: ${e.code} ${e.message}`);
      assert.ok(e.message.length > 0 && !/internal error/.test(e.message), `${raw}: ${e.message}`);
    }
    await alive();
  });

  it('answers a malformed WebSocket message with a parse error and keeps the socket usable', async () => {
    const ws = new WebSocket(node.wsUrl);
    const replies: Reply[] = [];
    const waiters: Array<() => void> = [];
    ws.on('message', (d) => {
      replies.push(JSON.parse(d.toString()) as Reply);
      waiters.shift()?.();
    });
    const next = async (send: string): Promise<Reply> => {
      const n = replies.length;
      const got = new Promise<void>((res) => waiters.push(res));
      ws.send(send);
      await got;
      return replies[n] as Reply;
    };
    await new Promise<void>((res, rej) => {
      ws.once('open', () => res());
      ws.once('error', rej);
    });
    try {
      const bad = await next('{"jsonrpc":"2.0",');
      assert.equal(bad.error?.code, -32700);
      assert.equal((await next('7')).error?.code, -32600);
      assert.equal((await next('{"jsonrpc":"2.0","id":9,"method":"nope_x","params":[]}')).error?.code, -32601);
      const ok = await next('{"jsonrpc":"2.0","id":10,"method":"eth_chainId","params":[]}');
      assert.deepEqual([ok.id, ok.result], [10, '0x4d2']);
      assert.equal(ws.readyState, WebSocket.OPEN);
    } finally {
      ws.close();
    }
  });

  describe('a node started without --dev', () => {
    const home = tempHome();
    let plain: Spawned;
    before(async () => {
      const init = runCmt(['init', '--home', home, '--dev']);
      assert.equal(init.code, 0, init.stderr);
      plain = spawnCmt(['start', '--home', home, '--rpc.port', '0', '--silent']);
      await plain.listening;
    });
    after(async () => {
      await plain.stop();
      removeHome(home);
    });

    it('does not offer dev methods', async () => {
      const client = rpcClient(`http://127.0.0.1:${await plain.listening}`);
      for (const method of ['evm_mine', 'evm_setAutomine', 'evm_snapshot', 'anvil_setBalance', 'hardhat_mine']) {
        const e = await rpcError(client, method, []);
        assert.deepEqual(e, { code: -32601, message: `the method ${method} does not exist/is not available` });
      }
      assert.equal(await client.rpc('eth_chainId'), '0x4d2');
      const bal = BigInt(await client.rpc<string>('eth_getBalance', [ADDR, 'latest']));
      assert.equal(bal, 1_000_000n * 10n ** 18n, 'init --dev funded the dev accounts');
    });
  });

  it('still answers eth_blockNumber after all of the above', async () => {
    await alive();
    assert.equal(node.proc.exitCode, null);
  });
});
