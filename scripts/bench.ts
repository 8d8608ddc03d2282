// `npm run bench`: the protocol against the raw dgram floor on loopback, in one run, side by side.
// Everything runs in this process (both ends, and the lossy relay), for raw and protocol alike.
// Prints a table and, as the last line, one JSON object. Never fails on a missed target.
import * as dgram from 'node:dgram';
import type { AddressInfo } from 'node:net';
import type { IncomingMessage, OutStatus, Presence, SessionConfig } from '../src/core/session';
import { ChatRuntime } from '../src/net/chatRuntime';
import { mulberry32 } from '../test/unit/support/fakeClock';

const LOCAL = '127.0.0.1';
const PING_N = Number(process.env.BENCH_PING_N ?? 5000);
const THROUGHPUT_N = Number(process.env.BENCH_N ?? 20_000);
const WINDOW = 32;
const LOSSY_N = Number(process.env.BENCH_LOSSY_N ?? 2000);
const LOSSY_BYTES = 1024;
const LOSS = 0.3;
const MIB = 1024 * 1024;
const CHUNK = 1200;
/** Experiments: session config overrides as JSON, e.g. BENCH_SESSION_CONFIG='{"rto":{"initialRtoMs":1000,"minRtoMs":20,"maxRtoMs":8000,"granularityMs":1}}'. */
const SESSION_CONFIG = process.env.BENCH_SESSION_CONFIG ? JSON.parse(process.env.BENCH_SESSION_CONFIG) as Partial<SessionConfig> : undefined;

/** Datagrams the runtime's per-source limit dropped from the peer (private counter, read for evidence). */
const peerGuardDrops = (rt: ChatRuntime): number => (rt as unknown as { peerGuard: { totalDropped: number } }).peerGuard.totalDropped;

// ---------------------------------------------------------------- helpers

const nowUs = (): number => Number(process.hrtime.bigint()) / 1000;

function pct(sorted: number[], p: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : NaN;
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let t: NodeJS.Timeout;
  return Promise.race([p, new Promise<T>((_, rej) => { t = setTimeout(() => rej(new Error(`${what}: timed out after ${ms} ms`)), ms); })]).finally(() => clearTimeout(t));
}

/** Peak RSS and heapUsed growth over the start of a phase, sampled every 5 ms. */
class MemoryPeak {
  private readonly base = process.memoryUsage();
  private rss = this.base.rss;
  private heap = this.base.heapUsed;
  private readonly timer = setInterval(() => this.sample(), 5);
  sample(): void {
    const m = process.memoryUsage();
    this.rss = Math.max(this.rss, m.rss);
    this.heap = Math.max(this.heap, m.heapUsed);
  }
  stop(): { peakRssMb: number; heapDeltaMb: number } {
    this.sample();
    clearInterval(this.timer);
    return { peakRssMb: this.rss / MIB, heapDeltaMb: (this.heap - this.base.heapUsed) / MIB };
  }
}

function bindRaw(): Promise<dgram.Socket> {
  return new Promise((resolve, reject) => {
    const s = dgram.createSocket('udp4');
    s.once('error', reject);
    s.bind(0, LOCAL, () => {
      s.removeListener('error', reject);
      try { s.setRecvBufferSize(4 * MIB); s.setSendBufferSize(4 * MIB); } catch { /* capped by the OS */ }
      resolve(s);
    });
  });
}
const portOf = (s: dgram.Socket): number => (s.address() as AddressInfo).port;
const closeRaw = (s: dgram.Socket): Promise<void> => new Promise((r) => s.close(() => r()));

// ---------------------------------------------------------------- raw dgram floor

async function rawBench() {
  const a = await bindRaw();
  const b = await bindRaw();
  const aPort = portOf(a);
  const bPort = portOf(b);
  // B echoes every datagram (ping-pong, throughput) or answers 4 bytes (1 MiB transfer).
  let echoFull = true;
  b.on('message', (msg, r) => b.send(echoFull ? msg : msg.subarray(0, 4), r.port, r.address));
  let onReply: (msg: Buffer) => void = () => undefined;
  a.on('message', (msg) => onReply(msg));
  const ping = Buffer.from('ping ping ping ping ping ping!!!'); // 32 bytes, like a short chat line

  const pingPong = async (n: number): Promise<number[]> => {
    const rtts: number[] = [];
    for (let i = 0; i < n; i++) {
      const t0 = nowUs();
      await new Promise<void>((res) => { onReply = () => res(); a.send(ping, bPort, LOCAL); });
      rtts.push(nowUs() - t0);
    }
    return rtts.sort((x, y) => x - y);
  };
  await pingPong(500); // warm-up
  const rtts = await pingPong(PING_N);

  const windowed = (total: number, size: number, payload: (i: number) => Buffer): Promise<number> => new Promise((res) => {
    let sent = 0;
    let got = 0;
    const t0 = nowUs();
    const next = () => { a.send(payload(sent), bPort, LOCAL); sent++; };
    onReply = () => { got++; if (got === total) res((nowUs() - t0) / 1e6); else if (sent < total) next(); };
    for (let i = 0; i < Math.min(size, total); i++) next();
  });
  await windowed(2000, WINDOW, () => ping); // warm-up
  let mem = new MemoryPeak();
  const secs = await windowed(THROUGHPUT_N, WINDOW, () => ping);
  const throughputMem = mem.stop();

  // 1 MiB: 1200-byte chunks, 64 outstanding (the protocol's window), each answered by 4 bytes.
  echoFull = false;
  const big = Buffer.alloc(MIB, 0x78);
  const chunks = Math.ceil(MIB / CHUNK);
  await windowed(chunks, 64, (i) => big.subarray(i * CHUNK, (i + 1) * CHUNK)); // warm-up
  mem = new MemoryPeak();
  const mibSecs = await windowed(chunks, 64, (i) => big.subarray(i * CHUNK, (i + 1) * CHUNK));
  const mibMem = mem.stop();
  await closeRaw(a);
  await closeRaw(b);
  void aPort;
  return {
    rttP50: pct(rtts, 50), rttP99: pct(rtts, 99),
    throughput: THROUGHPUT_N / secs, throughputMem,
    mibMs: mibSecs * 1000, mibMem,
  };
}

// ---------------------------------------------------------------- protocol

interface Side {
  rt: ChatRuntime;
  onMessage: (m: IncomingMessage) => void;
  onStatus: (id: string, s: OutStatus) => void;
  online: Promise<void>;
  notices: string[];
}

async function startSide(name: string): Promise<Side> {
  let markOnline!: () => void;
  const side = {
    onMessage: () => undefined, onStatus: () => undefined, notices: [],
    online: new Promise<void>((r) => { markOnline = r; }),
  } as unknown as Side;
  side.rt = await ChatRuntime.start({
    localAddress: LOCAL, localPort: 0, displayName: name, config: SESSION_CONFIG,
    // A placeholder peer until the other side's port is known (changePeer below).
    peer: { host: LOCAL, port: 9, family: 4 },
    events: {
      message: (_peer, m) => side.onMessage(m),
      status: (_peer, id, s) => side.onStatus(id, s),
      presence: (_peer, p: Presence) => { if (p === 'online') markOnline(); },
      notice: (_l, t) => { if (side.notices.length < 50) side.notices.push(t); },
    },
  });
  return side;
}

/** Two runtimes talking to each other, directly or through relay ports (`beforeLink` wires the relay). */
async function pair(via?: { a: number; b: number }, beforeLink?: (a: Side, b: Side) => void): Promise<{ a: Side; b: Side }> {
  const a = await startSide('alice');
  const b = await startSide('bob');
  beforeLink?.(a, b);
  await a.rt.changePeer({ host: LOCAL, port: via ? via.a : b.rt.local.port, family: 4 });
  await b.rt.changePeer({ host: LOCAL, port: via ? via.b : a.rt.local.port, family: 4 });
  await withTimeout(Promise.all([a.online, b.online]), 10_000, 'sessions coming online');
  return { a, b };
}

/** Sends `n` messages at once from a to b; resolves when all arrived at b and all were delivered at a. */
function burst(a: Side, b: Side, n: number, text: (i: number) => string) {
  return new Promise<{ arrivedSecs: number; deliveredSecs: number; failed: number; bytes: number }>((resolve) => {
    let arrived = 0;
    let delivered = 0;
    let failed = 0;
    let bytes = 0;
    let arrivedSecs = 0;
    const t0 = nowUs();
    const done = () => { if (arrived >= n && delivered + failed >= n) resolve({ arrivedSecs, deliveredSecs: (nowUs() - t0) / 1e6, failed, bytes }); };
    b.onMessage = (m) => { arrived++; bytes += Buffer.byteLength(m.text); if (arrived === n) arrivedSecs = (nowUs() - t0) / 1e6; done(); };
    a.onStatus = (_id, s) => {
      if (s === 'delivered') delivered++;
      else if (s === 'failed') { failed++; arrived++; if (arrived === n) arrivedSecs = (nowUs() - t0) / 1e6; }
      else return;
      done();
    };
    for (let i = 0; i < n; i++) a.rt.session.send({ text: text(i) });
  });
}

async function protocolBench() {
  const { a, b } = await pair();
  b.onMessage = (m) => { if (m.text === 'ping') b.rt.session.send({ text: 'pong' }); };
  const pingPong = async (n: number): Promise<number[]> => {
    const rtts: number[] = [];
    for (let i = 0; i < n; i++) {
      const t0 = nowUs();
      await new Promise<void>((res) => { a.onMessage = () => res(); a.rt.session.send({ text: 'ping' }); });
      rtts.push(nowUs() - t0);
    }
    return rtts.sort((x, y) => x - y);
  };
  await pingPong(500); // warm-up
  const rtts = await pingPong(PING_N);
  const retransBefore = a.rt.session.stats.retransmissions;

  const line = 'ping ping ping ping ping ping!!!';
  await burst(a, b, 2000, () => line); // warm-up
  let mem = new MemoryPeak();
  const t = await withTimeout(burst(a, b, THROUGHPUT_N, () => line), 60_000, 'protocol throughput');
  const throughputMem = mem.stop();

  const big = 'x'.repeat(MIB);
  await burst(a, b, 1, () => big); // warm-up
  mem = new MemoryPeak();
  const m = await withTimeout(burst(a, b, 1, () => big), 30_000, '1 MiB message');
  const mibMem = mem.stop();
  const stats = { ...a.rt.session.stats, retransmissionsDuringBulk: a.rt.session.stats.retransmissions - retransBefore, peerGuardDropsAtB: peerGuardDrops(b.rt), peerGuardDropsAtA: peerGuardDrops(a.rt) };
  await a.rt.stop();
  await b.rt.stop();
  return {
    rttP50: pct(rtts, 50), rttP99: pct(rtts, 99),
    throughput: THROUGHPUT_N / t.arrivedSecs, allDeliveredMs: t.deliveredSecs * 1000, throughputFailed: t.failed, throughputMem,
    mibMs: m.arrivedSecs * 1000, mibDeliveredMs: m.deliveredSecs * 1000, mibMem, stats,
  };
}

/** A UDP relay between A and B that drops `loss` of the datagrams in each direction (seeded). */
async function relay(loss: number, seed: number) {
  const ra = await bindRaw(); // A talks to this one
  const rb = await bindRaw(); // B talks to this one
  const rand = mulberry32(seed);
  const to = { a: 0, b: 0 };
  const counts = { forwarded: 0, dropped: 0 };
  ra.on('message', (msg) => { if (rand() < loss) counts.dropped++; else { counts.forwarded++; rb.send(msg, to.b, LOCAL); } });
  rb.on('message', (msg) => { if (rand() < loss) counts.dropped++; else { counts.forwarded++; ra.send(msg, to.a, LOCAL); } });
  return { ports: { a: portOf(ra), b: portOf(rb) }, to, counts, close: async () => { await closeRaw(ra); await closeRaw(rb); } };
}

async function goodput(loss: number) {
  const r = await relay(loss, 0x5eed);
  const { a, b } = await pair(r.ports, (sa, sb) => { r.to.a = sa.rt.local.port; r.to.b = sb.rt.local.port; });
  const payload = 'k'.repeat(LOSSY_BYTES);
  await burst(a, b, 100, () => payload); // warm-up
  const before = { ...a.rt.session.stats };
  const res = await withTimeout(burst(a, b, LOSSY_N, () => payload), 60_000, `goodput at ${loss * 100}% loss`);
  const after = a.rt.session.stats;
  await a.rt.stop();
  await b.rt.stop();
  await r.close();
  return {
    bytesPerSec: res.bytes / res.arrivedSecs, secs: res.arrivedSecs, allDeliveredSecs: res.deliveredSecs, failed: res.failed,
    retransPerMsg: (after.retransmissions - before.retransmissions) / LOSSY_N,
    fastRetransmits: after.fastRetransmits - before.fastRetransmits, timeouts: after.timeouts - before.timeouts,
    relay: r.counts,
  };
}

// ---------------------------------------------------------------- report

async function main(): Promise<void> {
  const started = Date.now();
  console.log(`bench: loopback ${LOCAL}, node ${process.version}; ping-pong ${PING_N}, throughput ${THROUGHPUT_N} msgs (raw window ${WINDOW}), lossy ${LOSSY_N} × ${LOSSY_BYTES} B at ${LOSS * 100}%`);
  const raw = await rawBench();
  const proto = await protocolBench();
  const clean = await goodput(0);
  const lossy = await goodput(LOSS);

  const ratio = (p: number, r: number) => p / r;
  const targets = [
    { name: 'RTT p50 ≤ 1.5× raw', met: ratio(proto.rttP50, raw.rttP50) <= 1.5 },
    { name: 'throughput ≥ 0.5× raw', met: ratio(proto.throughput, raw.throughput) >= 0.5 },
    { name: '1 MiB delivered ≤ 1 s', met: proto.mibMs <= 1000 },
    { name: 'goodput at 30% loss ≥ 0.5× lossless', met: ratio(lossy.bytesPerSec, clean.bytesPerSec) >= 0.5 },
  ];
  const f = (n: number, d = 0) => (Number.isFinite(n) ? n.toFixed(d) : '—');
  const rows: Array<[string, string, string, string]> = [
    ['RTT p50 (µs)', f(raw.rttP50), f(proto.rttP50), f(ratio(proto.rttP50, raw.rttP50), 2)],
    ['RTT p99 (µs)', f(raw.rttP99), f(proto.rttP99), f(ratio(proto.rttP99, raw.rttP99), 2)],
    ['throughput (msgs/s)', f(raw.throughput), f(proto.throughput), f(ratio(proto.throughput, raw.throughput), 2)],
    ['  all delivered at A (ms)', '', f(proto.allDeliveredMs), ''],
    ['  retransmissions (bulk phases)', '', f(proto.stats.retransmissionsDuringBulk), ''],
    ['  peer rate-limit drops at B/A', '', `${proto.stats.peerGuardDropsAtB}/${proto.stats.peerGuardDropsAtA}`, ''],
    ['  peak RSS (MB)', f(raw.throughputMem.peakRssMb, 1), f(proto.throughputMem.peakRssMb, 1), ''],
    ['  heapUsed growth (MB)', f(raw.throughputMem.heapDeltaMb, 1), f(proto.throughputMem.heapDeltaMb, 1), ''],
    ['1 MiB → B (ms)', f(raw.mibMs, 1), f(proto.mibMs, 1), f(ratio(proto.mibMs, raw.mibMs), 2)],
    ['  → delivered at A (ms)', '', f(proto.mibDeliveredMs, 1), ''],
    ['  peak RSS (MB)', f(raw.mibMem.peakRssMb, 1), f(proto.mibMem.peakRssMb, 1), ''],
    ['  heapUsed growth (MB)', f(raw.mibMem.heapDeltaMb, 1), f(proto.mibMem.heapDeltaMb, 1), ''],
    ['goodput lossless (KB/s)', '', f(clean.bytesPerSec / 1000), ''],
    ['goodput 30% loss (KB/s)', '', f(lossy.bytesPerSec / 1000), f(ratio(lossy.bytesPerSec, clean.bytesPerSec), 2)],
    ['  retransmissions/msg', '', `${f(clean.retransPerMsg, 2)} → ${f(lossy.retransPerMsg, 2)}`, ''],
    ['  fast rexmit / RTO events', '', `${lossy.fastRetransmits} / ${lossy.timeouts}`, ''],
    ['  failed messages', '', `${clean.failed} / ${lossy.failed}`, ''],
  ];
  const w = [30, 12, 16, 8];
  const line = (c: string[]) => c.map((s, i) => (i === 0 ? s.padEnd(w[i]) : s.padStart(w[i]))).join(' ');
  console.log('');
  console.log(line(['', 'raw', 'protocol', 'ratio']));
  for (const r of rows) console.log(line(r));
  console.log('');
  for (const t of targets) console.log(`${t.met ? 'MET   ' : 'MISSED'}  ${t.name}`);
  console.log(`(${((Date.now() - started) / 1000).toFixed(1)} s)`);
  const json = {
    rtt_p50_us_raw: +raw.rttP50.toFixed(1), rtt_p99_us_raw: +raw.rttP99.toFixed(1),
    rtt_p50_us_proto: +proto.rttP50.toFixed(1), rtt_p99_us_proto: +proto.rttP99.toFixed(1),
    rtt_p50_ratio: +ratio(proto.rttP50, raw.rttP50).toFixed(3),
    throughput_msgs_raw: Math.round(raw.throughput), throughput_msgs_proto: Math.round(proto.throughput),
    throughput_ratio: +ratio(proto.throughput, raw.throughput).toFixed(3),
    throughput_all_delivered_ms_proto: Math.round(proto.allDeliveredMs),
    mib_raw_ms: +raw.mibMs.toFixed(1), mib_delivery_ms: +proto.mibMs.toFixed(1), mib_delivered_status_ms: +proto.mibDeliveredMs.toFixed(1),
    goodput_lossless_Bps: Math.round(clean.bytesPerSec), goodput_loss30_Bps: Math.round(lossy.bytesPerSec),
    goodput_ratio: +ratio(lossy.bytesPerSec, clean.bytesPerSec).toFixed(3),
    retransmissions_per_msg_lossless: +clean.retransPerMsg.toFixed(3), retransmissions_per_msg_loss30: +lossy.retransPerMsg.toFixed(3),
    retransmissions_bulk_proto: proto.stats.retransmissionsDuringBulk, peer_rate_limit_drops_at_b: proto.stats.peerGuardDropsAtB, peer_rate_limit_drops_at_a: proto.stats.peerGuardDropsAtA,
    lossy_secs_loss30: +lossy.secs.toFixed(3), lossy_secs_lossless: +clean.secs.toFixed(3),
    fast_retransmits_loss30: lossy.fastRetransmits, rto_timeouts_loss30: lossy.timeouts, failed_loss30: lossy.failed,
    peak_rss_mb_throughput_raw: +raw.throughputMem.peakRssMb.toFixed(1), peak_rss_mb_throughput_proto: +proto.throughputMem.peakRssMb.toFixed(1),
    heap_delta_mb_throughput_raw: +raw.throughputMem.heapDeltaMb.toFixed(1), heap_delta_mb_throughput_proto: +proto.throughputMem.heapDeltaMb.toFixed(1),
    peak_rss_mb_mib_raw: +raw.mibMem.peakRssMb.toFixed(1), peak_rss_mb_mib_proto: +proto.mibMem.peakRssMb.toFixed(1),
    heap_delta_mb_mib_raw: +raw.mibMem.heapDeltaMb.toFixed(1), heap_delta_mb_mib_proto: +proto.mibMem.heapDeltaMb.toFixed(1),
    targets_met: targets.filter((t) => t.met).length, targets_total: targets.length,
  };
  console.log(JSON.stringify(json));
  process.exit(0);
}

main().catch((e) => {
  // A bench that breaks still ends with one JSON line, so that tools reading the last line do not choke.
  console.error(e);
  console.log(JSON.stringify({ error: e instanceof Error ? e.message : String(e) }));
  process.exit(0);
});
