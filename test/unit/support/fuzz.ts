// The datagram fuzzer shared by `npm run fuzz` (scripts/fuzz.ts, a million datagrams) and the unit
// suite (test/unit/fuzz.test.ts, a fixed seed and a few thousand). Pure: fake clock, in-memory links.
// Targets: codec.decode; a plain ChatSession (no filter) fed directly; and Endpoint.receive of two
// wire v2 pairs on a FakeNet, one without and one with a passphrase (psk), fed from the peer's
// address and now and then from a stranger's.
import type { Packet } from '../../../src/core/codec';
import { decode, encode, encodeBody, HEADER_BYTES, MAGIC, PacketType, VERSION } from '../../../src/core/codec';
import { markFor } from '../../../src/core/firstContact';
import type { Address } from '../../../src/core/handshake';
import { MAX_FRAGMENTS } from '../../../src/core/limits';
import { derivePsk } from '../../../src/core/noise';
import type { ChatSession, IncomingMessage, OutStatus } from '../../../src/core/session';
import { OUTER_HEADER, OuterType, TAG_BYTES, TRANSPORT_HEADER, WIRE_VERSION } from '../../../src/core/wire';
import type { FakeClock } from './fakeClock';
import { mulberry32 } from './fakeClock';
import type { NetNode } from './net';
import { FakeNet, logOf } from './net';
import { makePair } from './pair';

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

/** The three receiving targets that hold a conversation (codec.decode holds none). */
export type HarnessName = 'plain' | 'endpoint' | 'endpointPsk';
export type PerHarness<T> = Record<HarnessName, T>;

/** What an endpoint's routing did with the fuzz (each branch should be reached). */
export interface EndpointCounts {
  received: number;
  routedByIndex: number;
  unknownIndex: number;
  malformed: number;
  text: number;
  /** Handshake messages that got as far as Noise, and those Noise refused. */
  handshakesAnswered: number;
  handshakesFailed: number;
  /** Peers the endpoint holds (1: the configured one; forged input must not add any). */
  peers: number;
  /** Key-change warnings (none: nothing forged completes a handshake). */
  keyChanges: number;
  /** The conversation is held for a key decision (it must not be). */
  keyHeld: boolean;
}

export interface FuzzReport {
  seed: number;
  count: number;
  elapsedMs: number;
  /** Datagrams per generator. */
  generators: Record<string, number>;
  /** codec.decode results by kind. */
  decodeKinds: Record<string, number>;
  /** Exceptions that left decode, ChatSession.receive, Endpoint.receive or a timer: each one is a failure. */
  escapes: Finding[];
  escapeCount: number;
  /** Exceptions inside a session's receive that its own safety net caught (seen through the rate-limited notice). */
  internal: Finding[];
  hangs: Finding[];
  slowestCallMs: number;
  slowestTarget: string;
  heapBaselineMb: number;
  heapMaxMb: number;
  /** Messages the receiving side showed during the fuzz (forged ones: none expected with a passphrase). */
  messagesSurfaced: PerHarness<number>;
  /** Routing counters of the receiving endpoint of each v2 pair. */
  endpoints: { endpoint: EndpointCounts; endpointPsk: EndpointCounts };
  /** A real message still delivers both ways after the fuzz, per pair. */
  recovered: PerHarness<boolean>;
  /** The first message after the fuzz was lost (delivered only on a second try, or never). */
  firstMessageLost: PerHarness<boolean>;
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

/** One inner packet of any type, encoded validly, with fields that aim at the session's edges (in clear: the endpoint must refuse it). */
function validPacket(r: Rand, ids: { peer: number; local: number; stream: number }): Buffer {
  const senderId = r() < 0.7 ? ids.peer : u32(r);
  const type = (r() < 0.15 ? PacketType.Packed : 1 + int(r, 5)) as PacketType;
  let p: Packet;
  switch (type) {
    case PacketType.Packed: {
      // Several frames aimed at the receive window's edges, with or without an ack block.
      const frames = Array.from({ length: 1 + int(r, r() < 0.1 ? 40 : 6) }, () => {
        const fragCount = r() < 0.6 ? 1 : 1 + int(r, r() < 0.1 ? MAX_FRAGMENTS : 8);
        const fragIndex = int(r, fragCount);
        const payload = r() < 0.5 && fragIndex === 0
          ? encodeBody({ text: pick(r, ['hi', 'quit', '', 'é'.repeat(100)]), sentAt: Date.now(), uid: u32(r).toString(16).padStart(8, '0') + u32(r).toString(16).padStart(8, '0') })
          : randomBytes(r, int(r, r() < 0.05 ? 1200 : 64));
        return { seq: smallU32(r), msgId: smallU32(r), fragIndex, fragCount, payload };
      });
      p = { type, senderId, streamId: r() < 0.7 ? ids.stream : smallU32(r), frames, ...(r() < 0.5 ? { ack: randomAck(r, ids.stream) } : {}) };
      break;
    }
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
    default:
      p = { type: PacketType.Ack, senderId, ack: randomAck(r, ids.stream) };
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
  const type = r() < 0.45 ? int(r, 10) : r() < 0.8 ? OuterType.HandshakeInit + int(r, 5) : int(r, 256);
  const head = Buffer.from([...MAGIC, r() < 0.8 ? VERSION : int(r, 256), type, int(r, 256)]);
  return Buffer.concat([head.subarray(0, r() < 0.1 ? int(r, HEADER_BYTES + 1) : HEADER_BYTES), randomBytes(r, int(r, r() < 0.2 ? 1500 : 64))]);
}

/** One side of a conversation as the fuzzer sees it (a pair.ts Side, or a FakeNet peer and its log). */
interface SideView {
  session: ChatSession;
  received: IncomingMessage[];
  statuses: Map<string, OutStatus[]>;
  notices: string[];
}

interface Harness {
  name: HarnessName;
  clock: FakeClock;
  a: SideView;
  b: SideView;
  /** Rate-limited notices of B's receive safety net (an exception inside receive). */
  internalSeen: () => number;
  /** Feeds one datagram to B, as if from A (or from a stranger). */
  feed(buf: Buffer, stranger?: Address): void;
  /** Records what crosses the wire from now on; `stop` returns it. */
  record(): { stop(): Buffer[] };
}

interface EndpointHarness extends Harness {
  net: FakeNet;
  nodeB: NetNode;
  /** Every datagram since the pair was made (first contact and handshakes included), capped. */
  captured: Buffer[];
}

function hookInternal(side: SideView): () => number {
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
  return {
    name: 'plain', clock, a, b, internalSeen: hookInternal(b),
    feed: (buf) => b.session.receive(buf),
    record: () => {
      a.link.keepTap = b.link.keepTap = true;
      return {
        stop: () => {
          const out = [...a.link.tap, ...b.link.tap];
          a.link.keepTap = b.link.keepTap = false;
          a.link.tap.length = b.link.tap.length = 0;
          return out;
        },
      };
    },
  };
}

const PEER_A: Address = { address: '10.9.0.1', port: 5000 };
const PEER_B: Address = { address: '10.9.0.2', port: 5000 };
const CAPTURE_CAP = 4000;
let cachedPsk: Buffer | undefined;

/** Two endpoints on a FakeNet that met (first contact, XX or XXpsk3 handshake) and chat. */
function endpointHarness(seed: number, withPsk: boolean): EndpointHarness {
  const psk = withPsk ? (cachedPsk ??= derivePsk('fuzz passphrase')) : undefined;
  const net = new FakeNet(seed ^ (withPsk ? 0x5eed : 0xe2d9));
  const captured: Buffer[] = [];
  let recording: Buffer[] | undefined;
  net.tap = (d) => {
    if (captured.length < CAPTURE_CAP) captured.push(Buffer.from(d));
    recording?.push(Buffer.from(d));
  };
  const nodeA = net.add('alice', PEER_A, { psk });
  const nodeB = net.add('bob', PEER_B, { psk });
  const pa = nodeA.endpoint.addPeer(PEER_B, 'bob');
  const pb = nodeB.endpoint.addPeer(PEER_A, 'alice');
  settle(net, 3000);
  const a: SideView = { session: pa.session, ...logOf(nodeA, pa) };
  const b: SideView = { session: pb.session, ...logOf(nodeB, pb) };
  return {
    name: withPsk ? 'endpointPsk' : 'endpoint', net, nodeB, captured, clock: net.clock, a, b,
    // Hooks the log's own array (SideView shares it).
    internalSeen: hookInternal(b),
    feed: (buf, stranger) => nodeB.endpoint.receive(buf, stranger ?? PEER_A),
    record: () => {
      recording = [];
      return { stop: () => { const out = recording ?? []; recording = undefined; return out; } };
    },
  };
}

/** Real traffic of a conversation (data incl. fragments, acks, heartbeats; sealed TRANSPORT for the endpoint pairs). */
function recordTraffic(h: Harness): Buffer[] {
  const rec = h.record();
  h.a.session.send({ text: 'hello there' });
  h.a.session.send({ text: 'x'.repeat(5000) });
  h.a.session.send({ text: 'code', code: { language: 'ts', path: 'a.ts', startLine: 1, endLine: 2 } });
  h.b.session.send({ text: 'reply' });
  settle(h, 6000, 50);
  return rec.stop();
}

function ids(h: Harness) {
  // The peer's data stream (private; 1 until a stream reset).
  const a = h.a.session as unknown as { streamId?: number };
  return { peer: h.a.session.senderId, local: h.b.session.senderId, stream: a.streamId ?? 1 };
}

/** The receiver ids B answers to (offset 6 of what A sent it): its keys and handshakes. */
function receiverIdsOf(h: EndpointHarness): number[] {
  const out = new Set<number>();
  for (const d of h.captured) if (d.length >= OUTER_HEADER && d[0] === MAGIC[0] && d[3] === WIRE_VERSION && d.readUInt32BE(6) !== 0) out.add(d.readUInt32BE(6));
  return [...out];
}

/** A v2 outer datagram from scratch: any type, a receiver id B knows or not, bodies around the length checks. */
function outerDatagram(r: Rand, known: number[]): Buffer {
  const type = r() < 0.9 ? OuterType.HandshakeInit + int(r, 5) : int(r, 256);
  const receiverId = type === OuterType.HandshakeInit && r() < 0.7 ? 0 : r() < 0.5 && known.length ? pick(r, known) : u32(r);
  const bodyLen = r() < 0.6
    ? pick(r, [0, 1, 4, 5, 8, 8 + TAG_BYTES - 1, 8 + TAG_BYTES, 31, 32, 36, 37, 48, 52, 64, 80, 96, 100, 148, 200])
    : int(r, r() < 0.05 ? 1500 : 256);
  const b = Buffer.concat([Buffer.alloc(OUTER_HEADER), randomBytes(r, bodyLen)]);
  MAGIC.copy(b, 0);
  b[3] = r() < 0.95 ? WIRE_VERSION : int(r, 256);
  b[4] = type;
  b[5] = r() < 0.8 ? 0 : int(r, 256);
  b.writeUInt32BE(receiverId >>> 0, 6);
  if (type === OuterType.HandshakeInit && b.length >= OUTER_HEADER + 5) b[OUTER_HEADER + 4] = r() < 0.8 ? int(r, 4) : int(r, 256);
  return b;
}

/** A captured v2 datagram with its routing fields changed: another receiver id, counter, type or pattern. */
function mutateOuter(r: Rand, src: Buffer, known: number[]): Buffer {
  const b = Buffer.from(src);
  if (b.length < OUTER_HEADER) return mutate(r, b);
  switch (int(r, 5)) {
    case 0: b.writeUInt32BE((r() < 0.5 && known.length ? pick(r, known) : u32(r)) >>> 0, 6); return b;
    case 1: if (b.length >= TRANSPORT_HEADER) b.writeBigUInt64BE(pick(r, [0n, 1n, 2n ** 63n, 2n ** 64n - 1n, BigInt(int(r, 5000))]), OUTER_HEADER); return b;
    case 2: b[4] = OuterType.HandshakeInit + int(r, 5); return b;
    case 3: if (b.length > OUTER_HEADER + 4) b[OUTER_HEADER + 4] = int(r, 5); return b; // an HS_INIT's pattern
    default: return b.subarray(0, pick(r, [OUTER_HEADER - 1, OUTER_HEADER, OUTER_HEADER + 4, OUTER_HEADER + 5, TRANSPORT_HEADER, TRANSPORT_HEADER + TAG_BYTES - 1, b.length - 1]));
  }
}

/** Text with a first-contact mark (§8.1): the peer's sender id, another one, or another mark version. */
function markedText(r: Rand, peerSender: number): Buffer {
  const id = r() < 0.4 ? peerSender : r() < 0.5 ? 1 + int(r, 0xfffffffe) : pick(r, [1, 0x7fffffff, 0xffffffff]);
  const version = r() < 0.8 ? 2 : pick(r, [0, 1, 3, 9, 15]);
  const text = pick(r, ['', 'hi', 'quit', 'bye', 'x'.repeat(900), 'ü'.repeat(100), '\u202eevil']);
  const mark = markFor(id, version);
  return Buffer.from(r() < 0.1 ? `${mark}${text}` : `${text}${mark}${r() < 0.2 ? '\n' : ''}`, 'utf8');
}

/**
 * A real message still delivers both ways. The first one may be lost to a desynchronised stream
 * (it then fails after the retry budget, which resets the stream), so a second try is allowed;
 * `firstLost` reports that.
 */
function stillWorks(h: Harness, label: string, detail: string[]): { ok: boolean; firstLost: boolean } {
  let firstLost = false;
  const oneWay = (from: SideView, to: SideView, dir: string): string => {
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

function endpointCounts(h: EndpointHarness): EndpointCounts {
  const e = h.nodeB.endpoint;
  const hs = (e as unknown as { handshakes: { stats: { answered: number; failed: number } } }).handshakes.stats;
  const { received, routedByIndex, unknownIndex, malformed, text } = e.stats;
  return {
    received, routedByIndex, unknownIndex, malformed, text, handshakesAnswered: hs.answered, handshakesFailed: hs.failed,
    peers: e.peers.length, keyChanges: h.nodeB.keyChanges.length, keyHeld: e.peers.some((p) => p.held !== undefined),
  };
}

/** Runs the fuzzer. Never throws for what it finds: the report says it. */
export function runFuzz(opts: FuzzOptions): FuzzReport {
  const started = performance.now();
  const heapEvery = opts.heapEvery ?? 50_000;
  const hangMs = opts.hangMs ?? 2000;
  const r = mulberry32(opts.seed);
  const plain = plainHarness(opts.seed);
  const open = endpointHarness(opts.seed, false);
  const sealed = endpointHarness(opts.seed, true);
  const harnesses: Harness[] = [plain, open, sealed];
  const corpus = [...recordTraffic(plain), ...recordTraffic(open), ...recordTraffic(sealed)];
  // The v2 datagrams of both pairs, first contact and handshakes included.
  const v2Corpus = [...open.captured, ...sealed.captured].filter((d) => d[0] === MAGIC[0]);
  const textCorpus = [...open.captured, ...sealed.captured].filter((d) => d[0] !== MAGIC[0]);
  corpus.push(...textCorpus);
  const known = { endpoint: receiverIdsOf(open), endpointPsk: receiverIdsOf(sealed) };
  const senderOf = { plain: ids(plain), endpoint: ids(open), endpointPsk: ids(sealed) };
  const surfaced: PerHarness<number> = { plain: 0, endpoint: 0, endpointPsk: 0 };
  const before: PerHarness<number> = { plain: plain.b.received.length, endpoint: open.b.received.length, endpointPsk: sealed.b.received.length };

  const report: FuzzReport = {
    seed: opts.seed, count: opts.count, elapsedMs: 0, generators: {}, decodeKinds: {}, escapes: [], escapeCount: 0, internal: [], hangs: [],
    slowestCallMs: 0, slowestTarget: '', heapBaselineMb: 0, heapMaxMb: 0, messagesSurfaced: { plain: 0, endpoint: 0, endpointPsk: 0 },
    endpoints: { endpoint: endpointCounts(open), endpointPsk: endpointCounts(sealed) },
    recovered: { plain: false, endpoint: false, endpointPsk: false }, firstMessageLost: { plain: false, endpoint: false, endpointPsk: false }, recoveryDetail: [],
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
    const seen = h.internalSeen();
    call(target, buf, fn);
    if (h.internalSeen() > seen && report.internal.length < 20) report.internal.push({ target, hex: buf.toString('hex'), error: h.b.notices.at(-1) ?? '' });
  };

  for (let i = 0; i < opts.count; i++) {
    const kind = int(r, 13);
    let buf: Buffer;
    let gen: string;
    const aimAt = pick(r, ['plain', 'endpoint', 'endpointPsk'] as const);
    const targetIds = senderOf[aimAt];
    const knownIds = aimAt === 'plain' ? [] : known[aimAt];
    switch (kind) {
      case 0: case 1: gen = 'random'; buf = randomBytes(r, int(r, 1501)); break;
      case 2: gen = 'valid inner'; buf = validPacket(r, targetIds); break;
      case 3: case 4: gen = 'valid inner+mutation'; buf = mutate(r, validPacket(r, targetIds)); break;
      case 5: gen = 'magic+tail'; buf = magicPrefix(r); break;
      case 6: gen = 'plain text'; buf = plainText(r); break;
      case 7: gen = 'marked text'; buf = markedText(r, targetIds.peer); break;
      case 8: gen = 'v2 outer'; buf = outerDatagram(r, knownIds); break;
      case 9: gen = 'recorded v2+routing mutation'; buf = mutateOuter(r, pick(r, v2Corpus), knownIds); break;
      case 10: gen = 'recorded'; buf = r() < 0.3 ? Buffer.from(pick(r, corpus)) : mutate(r, pick(r, r() < 0.5 ? corpus : v2Corpus)); break;
      default: gen = 'recorded+double mutation'; buf = mutate(r, mutate(r, pick(r, r() < 0.5 ? corpus : v2Corpus))); break;
    }
    report.generators[gen] = (report.generators[gen] ?? 0) + 1;
    // Mostly from the peer's address; now and then from a stranger (no peer there: probes, notices).
    const stranger: Address | undefined = r() < 0.1 ? { address: `10.9.${1 + int(r, 3)}.${1 + int(r, 250)}`, port: 1 + int(r, 65535) } : undefined;
    call('codec.decode', buf, () => { const d = decode(buf); report.decodeKinds[d.kind] = (report.decodeKinds[d.kind] ?? 0) + 1; });
    watchInternal(plain, 'ChatSession.receive', buf, () => plain.feed(buf));
    watchInternal(open, 'Endpoint.receive', buf, () => open.feed(buf, stranger));
    watchInternal(sealed, 'Endpoint.receive (psk)', buf, () => sealed.feed(buf, stranger));
    if (i % 50 === 49) {
      // Let timers run: acks, retransmissions, heartbeats, handshake retries, and now and then the long timeouts.
      const step = i % 100_000 === 99_999 ? 61_000 : 5;
      for (const h of harnesses) {
        call(`clock.advance (${h.name})`, buf, () => h.clock.advance(step));
        if (h.b.received.length > 1000) { surfaced[h.name] += h.b.received.length; h.b.received.length = 0; }
        if (h.a.received.length > 1000) h.a.received.length = 0;
        for (const s of [h.a, h.b]) if (s.statuses.size > 1000) s.statuses.clear();
      }
    }
    if (i % heapEvery === heapEvery - 1) {
      const heap = mb(process.memoryUsage().heapUsed);
      report.heapMaxMb = Math.max(report.heapMaxMb, heap);
      opts.progress?.(i + 1, heap);
    }
  }
  for (const h of harnesses) report.messagesSurfaced[h.name] = surfaced[h.name] + h.b.received.length - before[h.name];
  report.endpoints = { endpoint: endpointCounts(open), endpointPsk: endpointCounts(sealed) };
  report.heapMaxMb = Math.max(report.heapMaxMb, mb(process.memoryUsage().heapUsed));
  for (const [h, label] of [[plain, 'plain'], [open, 'endpoint'], [sealed, 'endpoint with passphrase']] as const) {
    const res = stillWorks(h, label, report.recoveryDetail);
    report.recovered[h.name] = res.ok;
    report.firstMessageLost[h.name] = res.firstLost;
  }
  for (const h of harnesses) { h.a.session.end(); h.b.session.end(); }
  for (const h of [open, sealed]) for (const n of ['alice', 'bob']) h.net.node(n).endpoint.dispose();
  report.elapsedMs = performance.now() - started;
  return report;
}
