/** The byte-level pieces without sockets: handshake messages and keys, sealed frames, stream reassembly, packets, queues. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { generateEd25519Key, generateX25519Key } from '../../../src/crypto/index.ts';
import { ByteQueue, takeFrame } from '../../../src/p2p/byteQueue.ts';
import { defaultChannelLimits, Channel } from '../../../src/p2p/channels.ts';
import { FrameOpener, FrameSealer } from '../../../src/p2p/frameCipher.ts';
import { HELLO_BYTES, decodeHello, deriveSessionKeys, encodeAuth, encodeHello, verifyAuth } from '../../../src/p2p/handshake.ts';
import { formatPeerAddress, nodeIdFromPublicKey, parsePeerAddress, testP2PLimits, validateP2POptions } from '../../../src/p2p/index.ts';
import { readPackets, writeMsgHeader } from '../../../src/p2p/packets.ts';
import { SendQueues } from '../../../src/p2p/sendQueues.ts';
import { seededRandom } from './helpers.ts';

function pair() {
  const [ea, eb] = [generateX25519Key(), generateX25519Key()];
  const [ha, hb] = [encodeHello(ea.publicKey), encodeHello(eb.publicKey)];
  return { ha, hb, a: deriveSessionKeys(ha, hb, ea.privateKey), b: deriveSessionKeys(hb, ha, eb.privateKey) };
}

test('HELLO: 40 bytes, magic, version 1, flags 0, ephemeral key; anything else is refused', () => {
  const key = generateX25519Key().publicKey;
  const hello = encodeHello(key);
  assert.equal(hello.length, HELLO_BYTES);
  assert.equal(hello.subarray(0, 8).toString('hex'), `${Buffer.from('cmtp2p').toString('hex')}0100`);
  assert.deepEqual(Buffer.from(decodeHello(hello)), Buffer.from(key));
  for (const [what, mutate] of [
    ['magic', (h: Buffer) => (h[0] = 0x43)],
    ['version', (h: Buffer) => (h[6] = 2)],
    ['flags', (h: Buffer) => (h[7] = 1)],
  ] as const) {
    const bad = Buffer.from(hello);
    mutate(bad);
    assert.throws(() => decodeHello(bad), { code: 'BAD_HELLO' }, what);
  }
});

test('key schedule: the two ends derive mirrored keys, the same transcript and challenge, opposite roles', () => {
  const { a, b } = pair();
  assert.deepEqual(a.sendKey, b.receiveKey);
  assert.deepEqual(a.receiveKey, b.sendKey);
  assert.notDeepEqual(a.sendKey, a.receiveKey);
  assert.deepEqual(a.transcript, b.transcript);
  assert.deepEqual(a.challenge, b.challenge);
  assert.equal(a.role + b.role, 1);
});

test('key schedule: a reflected HELLO (our own ephemeral key) and a low-order key are refused', () => {
  const e = generateX25519Key();
  const hello = encodeHello(e.publicKey);
  assert.throws(() => deriveSessionKeys(hello, Buffer.from(hello), e.privateKey), { code: 'BAD_EPHEMERAL_KEY' });
  assert.throws(() => deriveSessionKeys(hello, encodeHello(new Uint8Array(32)), e.privateKey), { code: 'BAD_EPHEMERAL_KEY' });
});

test('AUTH: proves the node id; a reflected AUTH, a signature for another session, or a flipped bit fail', () => {
  const { a, b } = pair();
  const node = generateEd25519Key();
  const auth = encodeAuth(node, a, 'chain-1');
  const proved = verifyAuth(auth, b);
  assert.equal(proved.peerId, nodeIdFromPublicKey(node.publicKey));
  assert.equal(proved.network, 'chain-1');
  // Sent back to its author (same role) it does not verify.
  assert.throws(() => verifyAuth(auth, a), { code: 'BAD_AUTH' });
  // Another session's keys: a replayed AUTH does not verify.
  assert.throws(() => verifyAuth(auth, pair().b), { code: 'BAD_AUTH' });
  for (const i of [0, 40, 96, auth.length - 1]) {
    const bad = Buffer.from(auth);
    bad[i] = (bad[i] as number) ^ 1;
    assert.throws(() => verifyAuth(bad, b), { code: 'BAD_AUTH' }, `byte ${i}`);
  }
  assert.throws(() => verifyAuth(auth.subarray(0, 96), b), { code: 'BAD_AUTH' });
  assert.throws(() => verifyAuth(Buffer.concat([auth, Buffer.of(0)]), b), { code: 'BAD_AUTH' });
});

test('frames: seal/open round trip with counters; tampering anywhere, reordering and replay fail', () => {
  const key = generateX25519Key().privateKey;
  const sealer = new FrameSealer(key);
  const frames = [Buffer.from('first'), Buffer.from('second')].map((p) => sealer.seal(p));
  assert.equal(frames[0]?.readUInt32BE(0), 5);
  assert.equal(frames[0]?.length, 4 + 5 + 16);
  const open = (o: FrameOpener, f: Buffer) => o.open(f.subarray(0, 4), f.subarray(4));
  const opener = new FrameOpener(key);
  assert.equal(open(opener, frames[0] as Buffer).toString(), 'first');
  assert.equal(open(opener, frames[1] as Buffer).toString(), 'second');
  assert.throws(() => open(new FrameOpener(key), frames[1] as Buffer), { code: 'DECRYPT_FAILED' }, 'out of order');
  const replay = new FrameOpener(key);
  open(replay, frames[0] as Buffer);
  assert.throws(() => open(replay, frames[0] as Buffer), { code: 'DECRYPT_FAILED' }, 'replay');
  const f0 = frames[0] as Buffer;
  for (let i = 0; i < f0.length; i++) {
    const bad = Buffer.from(f0);
    bad[i] = (bad[i] as number) ^ 0x80;
    assert.throws(() => open(new FrameOpener(key), bad), { code: 'DECRYPT_FAILED' }, `byte ${i}`);
  }
});

test('stream reassembly: frames split at every byte boundary come out whole and in order', () => {
  const key = generateX25519Key().privateKey;
  const sealer = new FrameSealer(key);
  const plain = [Buffer.from('a'), Buffer.alloc(300, 7), Buffer.from('tail')];
  const stream = Buffer.concat(plain.map((p) => sealer.seal(p)));
  const random = seededRandom(42);
  for (let trial = 0; trial < 200; trial++) {
    const queue = new ByteQueue();
    const opener = new FrameOpener(key);
    const out: Buffer[] = [];
    let offset = 0;
    while (offset < stream.length) {
      const n = trial < stream.length ? (offset === 0 ? trial + 1 : stream.length) : 1 + Math.floor(random() * 40);
      queue.push(stream.subarray(offset, offset + n));
      offset += n;
      for (let f = takeFrame(queue, 1024); f !== undefined; f = takeFrame(queue, 1024)) out.push(opener.open(f.header, f.body));
    }
    assert.deepEqual(out, plain, `trial ${trial}`);
    assert.equal(queue.length, 0);
  }
});

test('frame length: above the maximum is refused as soon as the 4 header bytes arrive; zero is malformed', () => {
  const q = new ByteQueue();
  q.push(Buffer.from([0, 0, 4, 1]));
  assert.throws(() => takeFrame(q, 1024), { code: 'FRAME_TOO_LARGE' });
  const z = new ByteQueue();
  z.push(Buffer.alloc(4));
  assert.throws(() => takeFrame(z, 1024), { code: 'MALFORMED_PACKET' });
});

test('packets: ping, pong and chunks parse; a message of zero bytes is fine when it is the last chunk', () => {
  const frame = Buffer.alloc(1 + 1 + 7 + 3 + 7);
  frame[0] = 0x01;
  frame[1] = 0x02;
  let o = writeMsgHeader(frame, 2, Channel.vote, false, 3);
  frame.write('abc', o);
  o = writeMsgHeader(frame, o + 3, Channel.vote, true, 0);
  const seen: string[] = [];
  readPackets(frame, {
    ping: () => seen.push('ping'),
    pong: () => seen.push('pong'),
    chunk: (ch, last, data) => seen.push(`${ch}:${last}:${data.toString()}`),
    stopped: () => false,
  });
  assert.deepEqual(seen, ['ping', 'pong', `${Channel.vote}:false:abc`, `${Channel.vote}:true:`]);
  const emptyMiddle = Buffer.alloc(7);
  writeMsgHeader(emptyMiddle, 0, Channel.vote, false, 0);
  assert.throws(() => readPackets(emptyMiddle, { ping() {}, pong() {}, chunk() {}, stopped: () => false }), { code: 'MALFORMED_PACKET' });
});

test('send queues: frames never exceed the maximum, channels take turns, a long message is chunked in order', () => {
  const q = new SendQueues(defaultChannelLimits);
  const big = Buffer.alloc(2500, 1);
  assert.equal(q.enqueue(Channel.blockSync, big), 'queued');
  for (let i = 0; i < 3; i++) q.enqueue(Channel.vote, Buffer.from(`v${i}`));
  q.enqueueControl(0x02);
  q.enqueueControl(0x02);
  const frames = [];
  for (let f = q.pack(1024); f !== undefined; f = q.pack(1024)) frames.push(f.plaintext);
  assert.ok(frames.every((f) => f.length <= 1024));
  const seen: string[] = [];
  const parts: Buffer[] = [];
  for (const f of frames) {
    readPackets(f, {
      ping() {},
      pong: () => seen.push('pong'),
      chunk: (ch, last, data) => {
        if (ch === Channel.blockSync) {
          parts.push(Buffer.from(data));
          if (last) seen.push('big');
        } else seen.push(data.toString());
      },
      stopped: () => false,
    });
  }
  // One pong (duplicates merge), the votes interleaved ahead of the bulk, the big message whole.
  assert.deepEqual(seen, ['pong', 'v0', 'v1', 'v2', 'big']);
  assert.deepEqual(Buffer.concat(parts), big);
  assert.equal(frames.length, 3);
});

test('send queues: bounded by messages and bytes; an empty queue takes any allowed message', () => {
  const limits = { ...defaultChannelLimits, [Channel.vote]: { maxMessageBytes: 100, sendQueueMessages: 3, sendQueueBytes: 150 } };
  const q = new SendQueues(limits);
  assert.equal(q.enqueue(Channel.vote, Buffer.alloc(100)), 'queued');
  assert.equal(q.enqueue(Channel.vote, Buffer.alloc(60)), 'full', 'bytes');
  assert.equal(q.enqueue(Channel.vote, Buffer.alloc(50)), 'queued');
  q.pack(1 << 16);
  for (let i = 0; i < 3; i++) assert.equal(q.enqueue(Channel.vote, Buffer.alloc(1)), 'queued');
  assert.equal(q.enqueue(Channel.vote, Buffer.alloc(1)), 'full', 'messages');
});

test('addresses: id@host:port parsing, ids lower-cased, bad forms refused', () => {
  const id = 'AB'.repeat(20);
  assert.deepEqual(parsePeerAddress(`${id}@127.0.0.1:26656`), { id: 'ab'.repeat(20), host: '127.0.0.1', port: 26656 });
  assert.deepEqual(parsePeerAddress(`${id}@[::1]:1`), { id: 'ab'.repeat(20), host: '::1', port: 1 });
  assert.equal(formatPeerAddress({ id: 'ab'.repeat(20), host: '::1', port: 1 }), `${'ab'.repeat(20)}@[::1]:1`);
  for (const bad of ['127.0.0.1:26656', `${id}@127.0.0.1`, `${id}@127.0.0.1:0`, `${id}@127.0.0.1:70000`, `${id.slice(2)}@h:1`, `${id}@a b:1`]) {
    assert.throws(() => parsePeerAddress(bad), { code: 'BAD_ADDRESS' }, bad);
  }
});

test('options: validation names the bad field', () => {
  const ok = { nodeKey: generateEd25519Key(), network: 'n', persistentPeers: [], seeds: [], limits: testP2PLimits };
  assert.equal(validateP2POptions(ok), ok);
  assert.throws(() => validateP2POptions({ ...ok, network: '' }), { code: 'BAD_OPTION' });
  assert.throws(() => validateP2POptions({ ...ok, limits: { ...testP2PLimits, maxFrameBytes: 10 } }), { code: 'BAD_OPTION' });
  assert.throws(() => validateP2POptions({ ...ok, limits: { ...testP2PLimits, redialMaxMs: 1, redialMinMs: 2 } }), { code: 'BAD_OPTION' });
  assert.throws(() => validateP2POptions({ ...ok, seeds: ['nope'] }), { code: 'BAD_ADDRESS' });
  assert.throws(() => validateP2POptions({ ...ok, limits: { ...testP2PLimits, channels: { 300: defaultChannelLimits[Channel.vote] as never } } }), { code: 'BAD_OPTION' });
});
