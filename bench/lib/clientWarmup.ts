/**
 * Warms the bench client's own HTTP and JSON path before the first timed run, against a stub JSON-RPC server
 * in this process (no node is involved). Without it the first node measured shares the two cores with a
 * client that is still being JIT-compiled: measured 2026-11-27, the client used ~900 ms of CPU in the timed
 * part of whichever run came first and ~550-730 ms in the runs after it (docs/performance.md).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRpcClient } from './rpc.ts';
import type { Transport } from './rpc.ts';

export async function warmClient(calls: number, concurrency: number, transport: Transport): Promise<void> {
  if (calls <= 0) return;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const { id } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { id: unknown };
      const body = JSON.stringify({ jsonrpc: '2.0', id, result: `0x${'00'.repeat(32)}` });
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }).end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const rpc = createRpcClient(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, 30_000, transport);
  const raw = `0x${'ab'.repeat(110)}`; // the size of a signed transfer
  let sent = 0;
  try {
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (sent++ < calls) await rpc.call('eth_sendRawTransaction', [raw]);
      }),
    );
  } finally {
    rpc.close();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
