/**
 * Shared pieces of the end-to-end tests: dev-chain constants, an ethers provider tuned for a local node,
 * polling with a deadline, and a small raw JSON-RPC-over-WebSocket client that records subscription
 * notifications. Everything here talks to a node only through its public JSON-RPC endpoints.
 */
import { JsonRpcProvider, Network } from 'ethers';
import WebSocket from 'ws';

export const CHAIN_ID = 1234;
/** Dev accounts 0 and 1 of the mnemonic `test test ... junk`. */
export const DEV_KEY_0 = '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80';
export const DEV_ADDRESS_0 = '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266';
export const DEV_KEY_1 = '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d';
export const DEV_ADDRESS_1 = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8';
export const FEE_POOL_ADDRESS = '0x000000000000000000000000000000000000fee0';
export const BASE_FEE_WEI = 2_000_000_000n;
export const ONE_CMT = 10n ** 18n;
export const DEV_BALANCE_WEI = 1_000_000n * ONE_CMT;
/** keccak256("Transfer(address,address,uint256)") */
export const TRANSFER_TOPIC = '0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef';

/**
 * An ethers provider that does not probe the network and polls fast (the default is every 4 s). ethers shares
 * identical requests for 250 ms by default, which against an automining node returns stale nonces and
 * balances right after a tx; `cacheTimeout: -1` turns that off.
 */
export function createEthersProvider(url: string): JsonRpcProvider {
  return new JsonRpcProvider(url, Network.from(CHAIN_ID), { staticNetwork: true, pollingInterval: 50, cacheTimeout: -1 });
}

/** Calls `probe` until it returns something other than undefined, or fails after `timeoutMs`. */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Left-pads an address into a 32-byte log topic. */
export function addressTopic(address: string): string {
  return `0x${address.slice(2).toLowerCase().padStart(64, '0')}`;
}

export function toQuantity(n: number | bigint): string {
  return `0x${n.toString(16)}`;
}

interface JsonRpcReply {
  id?: number;
  result?: unknown;
  error?: { code: number; message: string; data?: unknown };
  method?: string;
  params?: { subscription: string; result: unknown };
}

/** Raw JSON-RPC over one WebSocket; keeps every `eth_subscription` notification per subscription id. */
export interface WsRpc {
  call<T = unknown>(method: string, params?: unknown[]): Promise<T>;
  /** Notifications received so far for `subscriptionId` (a live array). */
  received(subscriptionId: string): unknown[];
  /** Every notification so far, in arrival order, across subscriptions. */
  arrivals(): { subscription: string; result: unknown }[];
  /** Resolves once at least `count` notifications arrived for `subscriptionId`. */
  waitForCount(subscriptionId: string, count: number, timeoutMs?: number): Promise<unknown[]>;
  close(): Promise<void>;
}

export async function openWsRpc(wsUrl: string): Promise<WsRpc> {
  const socket = new WebSocket(wsUrl);
  await new Promise<void>((res, rej) => {
    socket.once('open', () => res());
    socket.once('error', rej);
  });
  let nextId = 0;
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  const notes = new Map<string, unknown[]>();
  const arrivals: { subscription: string; result: unknown }[] = [];
  const bucket = (id: string): unknown[] => {
    let list = notes.get(id);
    if (!list) notes.set(id, (list = []));
    return list;
  };
  socket.on('message', (data: WebSocket.RawData) => {
    const msg = JSON.parse(data.toString()) as JsonRpcReply;
    if (msg.method === 'eth_subscription' && msg.params) {
      bucket(msg.params.subscription).push(msg.params.result);
      arrivals.push(msg.params);
      return;
    }
    const waiter = msg.id === undefined ? undefined : pending.get(msg.id);
    if (!waiter || msg.id === undefined) return;
    pending.delete(msg.id);
    if (msg.error) waiter.reject(Object.assign(new Error(msg.error.message), { code: msg.error.code, data: msg.error.data }));
    else waiter.resolve(msg.result);
  });
  return {
    call<T>(method: string, params: unknown[] = []): Promise<T> {
      const id = ++nextId;
      return new Promise<T>((resolve, reject) => {
        pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
        socket.send(JSON.stringify({ jsonrpc: '2.0', id, method, params }));
      });
    },
    received: bucket,
    arrivals: () => arrivals,
    waitForCount(subscriptionId, count, timeoutMs = 10_000) {
      return waitFor(`${count} notifications on ${subscriptionId}`, () => {
        const list = bucket(subscriptionId);
        return list.length >= count ? list : undefined;
      }, timeoutMs);
    },
    async close() {
      if (socket.readyState === WebSocket.CLOSED) return;
      await new Promise<void>((res) => {
        socket.once('close', () => res());
        socket.close();
      });
    },
  };
}
