// The datagram fuzzer shared by `npm run fuzz` (scripts/fuzz.ts, a million datagrams) and the unit
// suite (test/unit/fuzz.test.ts, a fixed seed and a few thousand). Pure: fake clock, in-memory links.
import type { Packet } from '../../../src/core/codec';
import { decode, encode, encodeBody, HEADER_BYTES, MAGIC, PacketType, VERSION } from '../../../src/core/codec';
import { MAX_FRAGMENTS } from '../../../src/core/limits';
import { derivePsk } from '../../../src/core/noise';
import { SecureChannel } from '../../../src/core/secure';
import type { FakeClock } from './fakeClock';
import { mulberry32 } from './fakeClock';
import type { Side } from './pair';
import { lazyFilter, makePair } from './pair';

export interface FuzzOptions {
  seed: number;
  count: number;
  /** Sample heapUsed every this many datagrams. */
  heapEvery?: number;
  /** A single call slower than this counts as a hang. */
  hangMs?: number;
  progress?(done: number, heapUsedMb: number): void;
}

export interface Finding {
  target: string;
  hex: string;
  error: string;
}

export interface FuzzReport {
  seed: number;
  count: number;
  elapsedMs: number;
  /** Datagrams per generator. */
  generators: Record<string, number>;
  /** codec.decode results by kind. */
  decodeKinds: Record<string, number>;
  /** Exceptions that left decode or receive: each one is a failure. */
  escapes: Finding[];
  escapeCount: number;
  /** Exceptions inside receive that its own safety net caught (seen through the rate-limited notice). */
  internal: Finding[];
  hangs: Finding[];
  slowestCallMs: number;
  slowestTarget: string;
  heapBaselineMb: number;
  heapMaxMb: number;
  messagesSurfaced: { plain: number; secure: number };
  /** A real message still delivers both ways after the fuzz, per session. */
  recovered: { plain: boolean; secure: boolean };
  /** The first message after the fuzz was lost (delivered only on a second try, or never). */
  firstMessageLost: { plain: boolean; secure: boolean };
  recoveryDetail: string[];
}

const BOUNDARY_U32 = [0, 1, 2, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff, MAX_FRAGMENTS, MAX_FRAGMENTS + 1, 2047, 2048, 4096];
const QUIT_WORDS = ['quit', 'exit', 'bye', '/quit', 'QUIT\n', 'bye\r\n'];

type Rand = () => number;
const int = (r: Rand, n: number): number => Math.floor(r() * n);
const pick = <T>(r: Rand, a: readonly T[]): T => a[int(r, a.length)];

function randomBytes(r: Rand, n: number): Buffer {
  const b = Buffer.allocUnsafe(n);
  for (let i = 0; i < n; i++) b[i] = int(r, 256);
  return b;
}

function u32(r: Rand): number { return r() < 0.5 ? pick(r, BOUNDARY_U32) : int(r, 0x1_0000_0000); }
function smallU32(r: Rand): number { return r() < 0.3 ? pick(r, BOUNDARY_U32) : int(r, 64); }

function randomAck(r: Rand, streamId: number) {
  const cumulative = smallU32(r);
  const ranges: Array<[number, number]> = [];
  let at = cumulative;
  const n = int(r, 20);
  for (let i = 0; i < n; i++) {
    const s = at + 1 + int(r, 8);
    const e = s + 1 + int(r, 8);
    ranges.push([s, e]);
    at = e;
  }
  return { streamId: r() < 0.7 ? streamId : u32(r), cumulative, digest: u32(r), ranges };
}

/** One packet of any type, encoded validly, with fields that aim at the session's edges. */
function validPacket(r: Rand, ids: { peer: number; local: number; stream: number }): Buffer {
  const senderId = r() < 0.7 ? ids.peer : u32(r);
  const type = (1 + int(r, 8)) as PacketType;
  let p: Packet;
  switch (type) {
    case PacketType.Hello:
      p = { type, senderId, echoId: r() < 0.5 ? ids.local : u32(r), secure: r() < 0.5, name: pick(r, ['', 'bob', 'ü'.repeat(40), '\u202eevil', 'x'.repeat(80)]) };
      break;
    case PacketType.Heartbeat:
      p = r() < 0.5 ? { type, senderId } : { type, senderId, ack: randomAck(r, ids.stream) };
      break;
    case PacketType.Bye:
      p = { type, senderId, reason: pick(r, ['', 'bye', 'quit', 'z'.repeat(70)]) };
      break;
    case PacketType.Data: {
      const fragCount = r() < 0.5 ? 1 : 1 + int(r, r() < 0.1 ? MAX_FRAGMENTS : 8);
      const fragIndex = int(r, fragCount);
      const payload = r() < 0.5 && fragIndex === 0
        ? encodeBody({ text: pick(r, ['hi', 'quit', '', '\u0000', 'é'.repeat(300)]), sentAt: r() < 0.9 ? Date.now() : pick(r, [NaN, Infinity, -1, 0]), uid: u32(r).toString(16).padStart(8, '0') + u32(r).toString(16).padStart(8, '0') })
        : randomBytes(r, int(r, r() < 0.05 ? 1300 : 64));
      p = {
        type, senderId, streamId: r() < 0.7 ? ids.stream : smallU32(r), seq: smallU32(r), msgId: smallU32(r), fragIndex, fragCount, payload,
        ...(r() < 0.5 ? { ack: randomAck(r, ids.stream) } : {}),
      };
      break;
    }
    case PacketType.Ack:
      p = { type, senderId, ack: randomAck(r, ids.stream) };
      break;
    case PacketType.HandshakeInit:
    case PacketType.HandshakeResp: {
      const head = Buffer.alloc(4);
      head.writeUInt32BE(r() < 0.7 ? ids.local : u32(r));
      p = { type, senderId, body: Buffer.concat([head, randomBytes(r, pick(r, [0, 1, 31, 32, 47, 48, 49, 64, 200]))]) };
      break;
    }
    case PacketType.Sealed:
    default:
      p = { type: PacketType.Sealed, senderId, counter: pick(r, [0n, 1n, 2n ** 63n, 2n ** 64n - 1n, BigInt(int(r, 5000))]), body: randomBytes(r, int(r, 80)) };
      break;
  }
  return encode(p);
}

function plainText(r: Rand): Buffer {
  switch (int(r, 5)) {
    case 0: return Buffer.from(pick(r, QUIT_WORDS), 'utf8');
    case 1: return Buffer.from(Array.from({ length: int(r, 200) }, () => String.fromCharCode(32 + int(r, 95))).join(''), 'utf8');
    case 2: return Buffer.from(Array.from({ length: int(r, 100) }, () => String.fromCodePoint(int(r, 0x10ffff) & ~0x800)).join(''), 'utf8');
    case 3: { // invalid UTF-8: lone continuation bytes, overlongs, surrogates, truncated sequences, 0xFE/0xFF
      const bad = [[0x80], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xe2, 0x82], [0xf4, 0x90, 0x80, 0x80], [0xfe], [0xff], [0xf0, 0x9f]];
      const parts: number[] = [];
      for (let i = int(r, 40); i > 0; i--) parts.push(...(r() < 0.5 ? pick(r, bad) : [32 + int(r, 95)]));
      return Buffer.from(parts);
    }
    default: return Buffer.alloc(int(r, 1500), pick(r, ['\n', ' ', '\u0000', 'a']));
  }
}

function mutate(r: Rand, src: Buffer): Buffer {
  const b = Buffer.from(src);
  switch (int(r, 4)) {
    case 0: { // bit flips
      for (let i = 1 + int(r, 8); i > 0 && b.length; i--) b[int(r, b.length)] ^= 1 << int(r, 8);
      return b;
    }
    case 1: return b.subarray(0, int(r, b.length + 1)); // truncation
    case 2: return Buffer.concat([b, randomBytes(r, 1 + int(r, r() < 0.1 ? 1400 : 16))]); // extension
    default: { // field overwrite with a boundary value, mostly in the header (where the decoding is)
      if (b.length === 0) return b;
      const width = pick(r, [1, 2, 4, 8]);
      const at = int(r, Math.max(1, Math.min(b.length, r() < 0.7 ? 40 : b.length)));
      const v = pick(r, [0x00, 0xff, 0x7f, 0x80, 0x01]); // big-endian: 0, max, max signed, min signed, 1
      for (let i = 0; i < width && at + i < b.length; i++) {
        b[at + i] = v === 0x00 || v === 0xff ? v : i === 0 ? (v === 0x01 ? 0 : v) : v === 0x7f ? 0xff : i === width - 1 && v === 0x01 ? 1 : 0;
      }
      return b;
    }
  }
}

function magicPrefix(r: Rand): Buffer {
  const head = Buffer.from([...MAGIC, r() < 0.8 ? VERSION : int(r, 256), r() < 0.9 ? int(r, 10) : int(r, 256), int(r, 256)]);
  return Buffer.concat([head.subarray(0, r() < 0.1 ? int(r, HEADER_BYTES + 1) : HEADER_BYTES), randomBytes(r, int(r, r() < 0.2 ? 1500 : 64))]);
}

interface Harness {
  clock: FakeClock;
  a: Side;
  b: Side;
  /** Rate-limited notices of B's receive safety net (an exception inside receive). */
  internalSeen: () => number;
}

function hookInternal(side: Side): () => number {
  let seen = 0;
  const notices = side.notices;
  const push = notices.push.bind(notices);
  notices.push = (...items: string[]) => {
    for (const t of items) if (t.startsWith('Dropped a datagram that could not be processed')) seen++;
    // Keep the array from growing without bound: only the last few notices matter.
    if (notices.length > 200) notices.splice(0, 100);
    return push(...items);
  };
  return () => seen;
}

function settle(h: { clock: FakeClock }, ms: number, step = 10): void {
  for (let t = 0; t < ms; t += step) h.clock.advance(step);
}

function plainHarness(seed: number): Harness {
  const { clock, a, b } = makePair({ seed });
  a.session.start();
  b.session.start();
  settle({ clock }, 200);
  return { clock, a, b, internalSeen: hookInternal(b) };
}

let cachedPsk: Buffer | undefined;

function secureHarness(seed: number): Harness & { channels: { a?: SecureChannel; b?: SecureChannel } } {
  cachedPsk ??= derivePsk('fuzz passphrase');
  const psk = cachedPsk;
  const holder: { a?: Side; b?: Side; clock?: FakeClock } = {};
  const channels: { a?: SecureChannel; b?: SecureChannel } = {};
  const lazy = (which: 'a' | 'b') => {
    const get = () => {
      let ch = channels[which];
      if (!ch) {
        const side = holder[which]!;
        ch = new SecureChannel(psk, () => side.session.senderId, holder.clock!, {
          ready: () => side.session.kick(),
          notice: (_l, t) => side.notices.push(t),
          send: (d) => side.link.send(d),
        });
        channels[which] = ch;
      }
      return ch;
    };
    return lazyFilter(get);
  };
  const pair = makePair({ seed: seed ^ 0x5eed, a: { filter: lazy('a'), secure: true }, b: { filter: lazy('b'), secure: true } });
  holder.a = pair.a; holder.b = pair.b; holder.clock = pair.clock;
  pair.a.session.start();
  pair.b.session.start();
  settle(pair, 500);
  return { ...pair, channels, internalSeen: hookInternal(pair.b) };
}

/** Real traffic of a conversation (hello, data incl. fragments, acks, heartbeats; sealed for the secure pair). */
function recordTraffic(h: Harness): Buffer[] {
  h.a.link.keepTap = true;
  h.b.link.keepTap = true;
  h.a.session.send({ text: 'hello there' });
  h.a.session.send({ text: 'x'.repeat(5000) });
  h.a.session.send({ text: 'code', code: { language: 'ts', path: 'a.ts', startLine: 1, endLine: 2 } });
  h.b.session.send({ text: 'reply' });
  settle(h, 6000, 50);
  const out = [...h.a.link.tap, ...h.b.link.tap];
  h.a.link.keepTap = h.b.link.keepTap = false;
  h.a.link.tap.length = h.b.link.tap.length = 0;
  return out;
}

function ids(h: Harness) {
  // The peer's data stream (private; 1 until a stream reset).
  const a = h.a.session as unknown as { streamId?: number };
  return { peer: h.a.session.senderId, local: h.b.session.senderId, stream: a.streamId ?? 1 };
}

/**
 * A real message still delivers both ways. The first one may be lost to a desynchronised stream
 * (it then fails after the retry budget, which resets the stream), so a second try is allowed;
 * `firstLost` reports that.
 */
function stillWorks(h: Harness, label: string, detail: string[]): { ok: boolean; firstLost: boolean } {
  let firstLost = false;
  const oneWay = (from: Side, to: Side, dir: string): string => {
    for (let attempt = 1; attempt <= 2; attempt++) {
      const text = `after fuzz ${label} ${dir} #${attempt}`;
      const id = from.session.send({ text });
      for (let t = 0; t < 30_000 && !to.received.some((m) => m.text === text); t += 100) h.clock.advance(100);
      if (to.received.some((m) => m.text === text)) return attempt === 1 ? 'delivered' : 'delivered on the 2nd try';
      firstLost = true;
      if (attempt === 2) return `NOT delivered (status ${from.statuses.get(id)?.join('>')})`;
    }
    return '';
  };
  const ab = oneWay(h.a, h.b, 'a→b');
  const ba = oneWay(h.b, h.a, 'b→a');
  detail.push(`${label}: a→b ${ab}, b→a ${ba}; presence a=${h.a.session.presence} b=${h.b.session.presence}`);
  return { ok: ab.startsWith('delivered') && ba.startsWith('delivered'), firstLost };
}

/** Runs the fuzzer. Never throws for what it finds: the report says it. */
export function runFuzz(opts: FuzzOptions): FuzzReport {
  const started = performance.now();
  const heapEvery = opts.heapEvery ?? 50_000;
  const hangMs = opts.hangMs ?? 2000;
  const r = mulberry32(opts.seed);
  const plain = plainHarness(opts.seed);
  const secure = secureHarness(opts.seed);
  const corpus = [...recordTraffic(plain), ...recordTraffic(secure)];
  const plainIds = ids(plain);
  const secureIds = ids(secure);
  const msgsBefore = { plain: plain.b.received.length, secure: secure.b.received.length };
  let plainMessages = 0;
  let secureMessages = 0;

  const report: FuzzReport = {
    seed: opts.seed, count: opts.count, elapsedMs: 0, generators: {}, decodeKinds: {}, escapes: [], escapeCount: 0, internal: [], hangs: [],
    slowestCallMs: 0, slowestTarget: '', heapBaselineMb: 0, heapMaxMb: 0, messagesSurfaced: { plain: 0, secure: 0 },
    recovered: { plain: false, secure: false }, firstMessageLost: { plain: false, secure: false }, recoveryDetail: [],
  };
  const mb = (n: number) => n / (1024 * 1024);
  global.gc?.();
  report.heapBaselineMb = mb(process.memoryUsage().heapUsed);
  report.heapMaxMb = report.heapBaselineMb;

  const call = (target: string, buf: Buffer, fn: () => void) => {
    const t0 = performance.now();
    try {
      fn();
    } catch (e) {
      report.escapeCount++;
      if (report.escapes.length < 20) report.escapes.push({ target, hex: buf.toString('hex'), error: e instanceof Error ? e.stack ?? e.message : String(e) });
    }
    const dt = performance.now() - t0;
    if (dt > report.slowestCallMs) { report.slowestCallMs = dt; report.slowestTarget = `${target} ${buf.length} B`; }
    if (dt > hangMs && report.hangs.length < 20) report.hangs.push({ target, hex: buf.toString('hex'), error: `${dt.toFixed(0)} ms` });
  };
  const watchInternal = (h: Harness, target: string, buf: Buffer, fn: () => void) => {
    const before = h.internalSeen();
    call(target, buf, fn);
    if (h.internalSeen() > before && report.internal.length < 20) report.internal.push({ target, hex: buf.toString('hex'), error: h.b.notices.at(-1) ?? '' });
  };

  for (let i = 0; i < opts.count; i++) {
    const kind = int(r, 10);
    let buf: Buffer;
    let gen: string;
    const targetIds = i % 2 ? plainIds : secureIds;
    switch (kind) {
      case 0: case 1: gen = 'random'; buf = randomBytes(r, int(r, 1501)); break;
      case 2: gen = 'valid'; buf = validPacket(r, targetIds); break;
      case 3: case 4: case 5: gen = 'valid+mutation'; buf = mutate(r, validPacket(r, targetIds)); break;
      case 6: gen = 'magic+tail'; buf = magicPrefix(r); break;
      case 7: gen = 'plain text'; buf = plainText(r); break;
      case 8: gen = 'recorded'; buf = r() < 0.3 ? Buffer.from(pick(r, corpus)) : mutate(r, pick(r, corpus)); break;
      default: gen = 'recorded+double mutation'; buf = mutate(r, mutate(r, pick(r, corpus))); break;
    }
    report.generators[gen] = (report.generators[gen] ?? 0) + 1;
    call('codec.decode', buf, () => { const d = decode(buf); report.decodeKinds[d.kind] = (report.decodeKinds[d.kind] ?? 0) + 1; });
    watchInternal(plain, 'ChatSession.receive', buf, () => plain.b.session.receive(buf));
    watchInternal(secure, 'ChatSession.receive (SecureChannel)', buf, () => secure.b.session.receive(buf));
    if (i % 50 === 49) {
      // Let timers run: acks, retransmissions, heartbeats, and now and then the long timeouts.
      const step = i % 100_000 === 99_999 ? 61_000 : 5;
      call('clock.advance (plain)', buf, () => plain.clock.advance(step));
      call('clock.advance (secure)', buf, () => secure.clock.advance(step));
      if (plain.b.received.length > 1000) { plainMessages += plain.b.received.length; plain.b.received.length = 0; }
      if (secure.b.received.length > 1000) { secureMessages += secure.b.received.length; secure.b.received.length = 0; }
      if (plain.a.received.length > 1000) plain.a.received.length = 0;
      if (secure.a.received.length > 1000) secure.a.received.length = 0;
      for (const s of [plain.a, plain.b, secure.a, secure.b]) if (s.statuses.size > 1000) s.statuses.clear();
    }
    if (i % heapEvery === heapEvery - 1) {
      const heap = mb(process.memoryUsage().heapUsed);
      report.heapMaxMb = Math.max(report.heapMaxMb, heap);
      opts.progress?.(i + 1, heap);
    }
  }
  report.messagesSurfaced = { plain: plainMessages + plain.b.received.length - msgsBefore.plain, secure: secureMessages + secure.b.received.length - msgsBefore.secure };
  report.heapMaxMb = Math.max(report.heapMaxMb, mb(process.memoryUsage().heapUsed));
  const p = stillWorks(plain, 'plain', report.recoveryDetail);
  const s = stillWorks(secure, 'encrypted', report.recoveryDetail);
  report.recovered = { plain: p.ok, secure: s.ok };
  report.firstMessageLost = { plain: p.firstLost, secure: s.firstLost };
  for (const h of [plain, secure]) { h.a.session.end(); h.b.session.end(); }
  secure.channels.a?.dispose();
  secure.channels.b?.dispose();
  report.elapsedMs = performance.now() - started;
  return report;
}
