/**
 * p2p throughput on loopback between two processes (the sender here, the receiver a child process):
 * N messages of S bytes on the tx channel, sent as fast as back-pressure allows (send until 'full', then
 * wait for `drained`), timed until the receiver reports the last one; then request/response round trips
 * of small messages (a vote-sized echo). Both ends run the full stack: handshake, ChaCha20-Poly1305
 * frames, channel queues.
 *
 *   node --import tsx bench/p2p.ts [--size 1024] [--count 200000] [--rtt 5000] [--frame 65536]
 *
 * Reference (../shared/reference/dependencies.md §6, same machine class): node:net + SecretConnection-style
 * sealing reached ~0.71M msgs/s of 200 B; libp2p Noise+Yamux 324 MB/s bulk, 7.6k round trips/s.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { generateEd25519Key } from '../src/crypto/index.ts';
import { Channel, createP2P, defaultP2PLimits } from '../src/p2p/index.ts';
import type { P2P } from '../src/p2p/index.ts';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
}

const SIZE = arg('size', 1024);
const COUNT = arg('count', 200_000);
const RTT = arg('rtt', 5_000);
const FRAME = arg('frame', defaultP2PLimits.maxFrameBytes);
const NETWORK = 'p2p-bench';
const limits = { ...defaultP2PLimits, maxFrameBytes: FRAME };

function makeNode(listen: boolean, persistentPeers: string[]): P2P {
  return createP2P({
    nodeKey: generateEd25519Key(),
    network: NETWORK,
    listen: listen ? { host: '127.0.0.1', port: 0 } : undefined,
    persistentPeers,
    seeds: [],
    limits,
  });
}

/** Child: counts tx messages, reports when it has them all; echoes proposal-channel messages. */
async function receiver(): Promise<void> {
  const p2p = makeNode(true, []);
  let count = 0;
  let bytes = 0;
  p2p.on('message', (from, channel, msg) => {
    if (channel === Channel.proposal) {
      p2p.send(from, Channel.proposal, msg);
      return;
    }
    count++;
    bytes += msg.length;
    if (count === COUNT) p2p.send(from, Channel.vote, Buffer.from(JSON.stringify({ count, bytes })));
  });
  await p2p.start();
  process.stdout.write(`${JSON.stringify({ address: p2p.selfAddress() })}\n`);
  process.stdin.on('end', () => void p2p.stop().then(() => process.exit(0)));
  process.stdin.resume();
}

async function sender(): Promise<void> {
  const child = spawn(process.execPath, ['--import', 'tsx', import.meta.filename, '--role', 'receiver', ...process.argv.slice(2)], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const firstLine = await new Promise<string>((resolve) => createInterface({ input: child.stdout }).once('line', resolve));
  const { address } = JSON.parse(firstLine) as { address: string };
  const p2p = makeNode(false, [address]);
  const peerId = address.split('@')[0] as string;
  const connected = new Promise<void>((resolve) => p2p.on('peer', (e) => e.kind === 'connected' && resolve()));
  const handshakeStart = performance.now();
  await p2p.start();
  await connected;
  const handshakeMs = performance.now() - handshakeStart;

  const done = new Promise<{ count: number; bytes: number }>((resolve) =>
    p2p.on('message', (_from, channel, msg) => channel === Channel.vote && resolve(JSON.parse(Buffer.from(msg).toString()))),
  );
  const payload = Buffer.alloc(SIZE, 0xab);
  const start = performance.now();
  let fullWaits = 0;
  for (let sent = 0; sent < COUNT; ) {
    const r = p2p.send(peerId, Channel.tx, payload);
    if (r === 'queued') sent++;
    else if (r === 'full') {
      fullWaits++;
      await p2p.drained(peerId, Channel.tx);
    } else throw new Error(`send: ${r}`);
  }
  const report = await done;
  const seconds = (performance.now() - start) / 1000;

  // Round trips: one outstanding echo at a time, so this is latency, not throughput.
  const echo = Buffer.alloc(200, 1);
  let pending: (() => void) | undefined;
  p2p.on('message', (_from, channel) => channel === Channel.proposal && pending?.());
  const rttStart = performance.now();
  for (let i = 0; i < RTT; i++) {
    await new Promise<void>((resolve) => {
      pending = resolve;
      p2p.send(peerId, Channel.proposal, echo);
    });
  }
  const rttSeconds = (performance.now() - rttStart) / 1000;

  const result = {
    messageBytes: SIZE,
    messages: report.count,
    frameBytes: FRAME,
    seconds: Number(seconds.toFixed(3)),
    'MB/s': Number((report.bytes / seconds / 1e6).toFixed(1)),
    'msgs/s': Math.round(report.count / seconds),
    fullWaits,
    roundTrips: RTT,
    'roundTrips/s': Math.round(RTT / rttSeconds),
    'rttUs(mean)': Math.round((rttSeconds / RTT) * 1e6),
    'connect+handshakeMs': Number(handshakeMs.toFixed(1)),
  };
  console.log(JSON.stringify(result, null, 2));
  await p2p.stop();
  child.stdin.end();
}

if (process.argv.includes('--role') && process.argv[process.argv.indexOf('--role') + 1] === 'receiver') await receiver();
else await sender();
