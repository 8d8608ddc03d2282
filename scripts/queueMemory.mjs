// Memory per queued message (issue 14, "keep the queues lean"): heap (and Buffer backing store)
// growth per message while messages wait to be sent. Not a test: it prints numbers.
//   node scripts/buildTests.mjs && node --expose-gc scripts/queueMemory.mjs [count] [textBytes]
// Two cases, each with `count` messages of `textBytes` bytes of text:
// - outbox: the peer is online but nothing comes back (the bench's burst): all but the window wait
//   in the outbox;
// - offline: the peer is offline; the offline queue holds at most 1,000 per session, so the count
//   is spread over count/1,000 sessions.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { ChatSession } = require(join(root, 'out/src/core/session.js'));
const { encode, PacketType } = require(join(root, 'out/src/core/codec.js'));
const { MAX_QUEUED_MESSAGES } = require(join(root, 'out/src/core/limits.js'));

if (typeof globalThis.gc !== 'function') { console.error('run with node --expose-gc'); process.exit(2); }
const count = Number(process.argv[2] ?? 20_000);
const textBytes = Number(process.argv[3] ?? 100);

// A fake clock whose timers never fire: nothing is retransmitted or expires while we measure.
const clock = { t: 1_000_000, now() { return this.t; }, setTimeout() { return {}; }, clearTimeout() {} };
let seed = 7;
const random32 = () => (seed = (seed * 1103515245 + 12345) >>> 0) || 1;

function session(online) {
  let sent = 0;
  const s = new ChatSession({ transport: { send() { sent++; } }, clock, displayName: 'a', random32, speaksProtocol: true });
  s.start();
  // The peer's hello makes it online (filterless session: inner datagrams in clear).
  if (online) s.receive(encode({ type: PacketType.Hello, senderId: 0x5eed, echoId: 0, secure: false, name: 'b' }));
  return { s, sent: () => sent };
}

/** A fresh one-byte string of exactly textBytes characters. */
const text = (i) => (`m${i} `).padEnd(textBytes, 'x').split('').join('');

async function measure(name, make) {
  // Each text is made as the caller would make it (a fresh string per message): it is part of what
  // a queued message holds. `texts` only makes them lazily, inside the measured span.
  const texts = { length: count, *[Symbol.iterator]() { for (let i = 0; i < count; i++) yield text(i); }, slice(a, b) { const o = []; for (let i = a; i < Math.min(b, count); i++) o.push(text(i)); return o; } };
  gc(); gc();
  const m0 = process.memoryUsage();
  const keep = make(texts);
  await new Promise((r) => setImmediate(r)); // the deferred pump runs (what the window allows goes in flight)
  gc(); gc();
  const m1 = process.memoryUsage();
  const heap = (m1.heapUsed - m0.heapUsed) / count;
  const ab = (m1.arrayBuffers - m0.arrayBuffers) / count;
  console.log(`${name.padEnd(8)} ${count} × ${textBytes} B text: heapUsed ${heap.toFixed(0)} B/msg, arrayBuffers ${ab.toFixed(0)} B/msg, total ${(heap + ab).toFixed(0)} B/msg` + (keep.note ? ` (${keep.note})` : ''));
  return keep;
}

const r1 = await measure('outbox', (texts) => {
  const { s, sent } = session(true);
  if (s.presence !== 'online') throw new Error('not online');
  for (const t of texts) s.send({ text: t });
  return { s, get note() { return `${sent()} datagrams sent, ${s.inFlightCount} fragments in flight, ${s.pendingCount} pending`; } };
});
const r2 = await measure('offline', (texts) => {
  const sessions = [];
  for (let i = 0; i < texts.length; i += MAX_QUEUED_MESSAGES) {
    const { s } = session(false);
    for (const t of texts.slice(i, i + MAX_QUEUED_MESSAGES)) s.send({ text: t });
    sessions.push(s);
  }
  return { sessions, note: `${sessions.length} sessions` };
});
void r1; void r2;
