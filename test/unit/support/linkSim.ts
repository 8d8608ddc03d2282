// A small, seeded discrete-event simulator of a bottleneck link, for the congestion controller's tests
// (test/unit/core.congestion.test.ts). Simulated time only: deterministic, never timing-based.
//
// Path: sender → [random loss p] → bottleneck (rate R, drop-tail buffer of B bytes) → one-way delay
// → receiver; acks come back over the same one-way delay (optional random ack loss), never queued.
// Random loss sits before the bottleneck, where the bench's lossy relay drops (it drops before it
// forwards), so it is loss that no queue explains.
//
// Flows: `cc` uses src/core/congestion.ts and src/core/pacer.ts; `reno` is a TCP NewReno model
// (slow start, +1 datagram per RTT, halving once per window of loss, no pacing: ack-clocked, as iperf3's
// TCP). Every flow numbers its datagrams (a retransmission is a new number, as in QUIC) and detects loss
// as RFC 9002 does: 3 newer datagrams acknowledged, or 9/8 RTT older than an acknowledged one; a probe
// timeout declares the flight lost. The receiver acks every 2nd datagram or after 10 ms, and each ack
// repeats the numbers of the last 4 acks (so a lost ack rarely hides a delivery).
import { CongestionController, type SentRecord, type CongestionConfig } from '../../../src/core/congestion';
import { Pacer } from '../../../src/core/pacer';
import { mulberry32 } from './fakeClock';

export const DATAGRAM = 1200;

export interface LinkSpec {
  rateMbps: number;
  /** Base round-trip time (ms): twice the one-way delay (serialization comes on top). */
  rttMs: number;
  bufferBytes: number;
  /** Random loss of data datagrams before the bottleneck, 0–1. */
  loss?: number;
  /** Random loss of acks, 0–1. */
  ackLoss?: number;
  seed?: number;
}

export interface FlowSpec {
  kind: 'cc' | 'reno';
  startMs?: number;
  /** App-limited: new data is produced at this rate (Mbit/s) until `bulkFromMs`, then the flow is bulk. */
  appRateMbps?: number;
  bulkFromMs?: number;
  cc?: Partial<CongestionConfig>;
}

interface Policy {
  inflightOk(inflight: number): boolean;
  nextSendTime(now: number, bytes: number): number;
  onSent(now: number, bytes: number, pn: number): SentRecord | undefined;
  onAppLimited(): void;
  onAcked(acked: Array<{ rec?: SentRecord; pn: number; bytes: number }>, now: number, rtt: number | undefined): void;
  onLost(rec: SentRecord | undefined, pn: number, now: number): void;
  onTimeout(now: number): void;
}

class CcPolicy implements Policy {
  readonly cc: CongestionController;
  readonly pacer: Pacer;
  constructor(now: number, cfg: Partial<CongestionConfig> = {}) {
    this.cc = new CongestionController({ maxDatagramBytes: DATAGRAM, ...cfg }, now);
    this.pacer = new Pacer({ maxDatagramBytes: DATAGRAM, granularityMs: 0 }, now);
  }
  inflightOk(): boolean { return this.cc.canSend(); }
  nextSendTime(now: number, bytes: number): number { return this.pacer.nextSendTime(now, bytes, this.cc.pacingRateBytesPerMs); }
  onSent(now: number, bytes: number): SentRecord {
    this.pacer.onSent(now, bytes, this.cc.pacingRateBytesPerMs);
    return this.cc.onSent(bytes, now);
  }
  onAppLimited(): void { this.cc.onAppLimited(); }
  onAcked(acked: Array<{ rec?: SentRecord }>, now: number, rtt: number | undefined): void {
    this.cc.onAcked(acked.map((a) => a.rec!), now, rtt);
  }
  onLost(rec: SentRecord | undefined, _pn: number, now: number): void { this.cc.onLost(rec!, now); }
  onTimeout(now: number): void { this.cc.onRetransmitTimeout(now); }
}

/** TCP NewReno, bytes-counted (RFC 5681 with appropriate byte counting, RFC 6582 recovery). */
class RenoPolicy implements Policy {
  cwnd = 10 * DATAGRAM;
  ssthresh = Infinity;
  private recoverPn = -1;
  private highestSent = -1;
  inflightOk(inflight: number): boolean { return inflight + DATAGRAM <= this.cwnd; }
  nextSendTime(now: number): number { return now; }
  onSent(_now: number, _bytes: number, pn: number): undefined { this.highestSent = pn; return undefined; }
  onAppLimited(): void {}
  onAcked(acked: Array<{ pn: number; bytes: number }>): void {
    for (const a of acked) {
      if (a.pn <= this.recoverPn) continue; // no growth during recovery
      if (this.cwnd < this.ssthresh) this.cwnd += a.bytes;
      else this.cwnd += (DATAGRAM * a.bytes) / this.cwnd;
    }
  }
  onLost(_rec: undefined, pn: number): void {
    if (pn <= this.recoverPn) return; // one reduction per window of data
    this.ssthresh = this.cwnd = Math.max(2 * DATAGRAM, this.cwnd / 2);
    this.recoverPn = this.highestSent;
  }
  onTimeout(): void {
    this.ssthresh = Math.max(2 * DATAGRAM, this.cwnd / 2);
    this.cwnd = DATAGRAM;
    this.recoverPn = this.highestSent;
  }
}

interface Outstanding { pn: number; chunk: number; sentAt: number; bytes: number; rec?: SentRecord }

export class Flow {
  readonly policy: Policy;
  private readonly outstanding = new Map<number, Outstanding>();
  private inflight = 0;
  private nextPn = 0;
  private nextChunk = 0;
  private readonly retx: number[] = [];
  private largestAcked = -1;
  private srtt: number | undefined;
  private rttvar = 0;
  private latestRtt = 0;
  private wakeAt = Infinity;
  private ptoDue = Infinity;
  private ptoCount = 0;
  private lossTimerAt = Infinity;
  // Receiver side.
  private readonly received = new Set<number>();
  private pendingAck: number[] = [];
  private readonly ackHistory: number[][] = [];
  private ackTimerArmed = false;
  /** Unique payload bytes delivered, per 10 ms bin. */
  readonly bins: number[] = [];
  /** RTT samples (time, ms). */
  readonly rtts: Array<[number, number]> = [];
  sentDatagrams = 0;
  lostDatagrams = 0;

  constructor(private readonly sim: LinkSim, readonly spec: FlowSpec, readonly id: number) {
    const now = spec.startMs ?? 0;
    this.policy = spec.kind === 'cc' ? new CcPolicy(now, spec.cc) : new RenoPolicy();
    sim.at(now, () => this.trySend());
  }

  get cc(): CongestionController | undefined { return this.policy instanceof CcPolicy ? this.policy.cc : undefined; }
  get renoCwnd(): number | undefined { return this.policy instanceof RenoPolicy ? this.policy.cwnd : undefined; }

  /** Unique payload bytes delivered in [fromMs, toMs). */
  goodputBytes(fromMs: number, toMs: number): number {
    let sum = 0;
    for (let i = Math.floor(fromMs / 10); i < Math.ceil(toMs / 10) && i < this.bins.length; i++) sum += this.bins[i] ?? 0;
    return sum;
  }

  /** Goodput in Mbit/s over [fromMs, toMs). */
  goodputMbps(fromMs: number, toMs: number): number {
    return (this.goodputBytes(fromMs, toMs) * 8) / ((toMs - fromMs) * 1000);
  }

  rttStats(fromMs: number, toMs: number): { min: number; max: number; mean: number; p95: number } {
    const xs = this.rtts.filter(([t]) => t >= fromMs && t < toMs).map(([, r]) => r).sort((a, b) => a - b);
    if (xs.length === 0) return { min: NaN, max: NaN, mean: NaN, p95: NaN };
    return { min: xs[0], max: xs[xs.length - 1], mean: xs.reduce((a, b) => a + b, 0) / xs.length, p95: xs[Math.floor(xs.length * 0.95)] };
  }

  private newDataAvailable(now: number): { ok: boolean; at: number } {
    const { appRateMbps, bulkFromMs } = this.spec;
    if (appRateMbps === undefined || (bulkFromMs !== undefined && now >= bulkFromMs)) return { ok: true, at: now };
    const rate = (appRateMbps * 1000) / 8; // bytes per ms
    const start = this.spec.startMs ?? 0;
    // The next datagram's worth of data exists from `at` on (compared as times: no rounding loop).
    let at = start + ((this.nextChunk + 1) * DATAGRAM) / rate;
    if (bulkFromMs !== undefined) at = Math.min(at, bulkFromMs);
    return at <= now ? { ok: true, at: now } : { ok: false, at };
  }

  private wake(t: number): void {
    if (t >= this.wakeAt) return;
    this.wakeAt = t;
    this.sim.at(t, () => {
      if (this.wakeAt !== t) return;
      this.wakeAt = Infinity;
      this.trySend();
    });
  }

  trySend(): void {
    const now = this.sim.now;
    for (;;) {
      if (!this.policy.inflightOk(this.inflight)) return; // an ack wakes us
      let chunk: number;
      if (this.retx.length === 0) {
        const d = this.newDataAvailable(now);
        if (!d.ok) { this.policy.onAppLimited(); this.wake(d.at); return; }
      }
      const t = this.policy.nextSendTime(now, DATAGRAM);
      if (t > now) { this.wake(t); return; }
      if (this.retx.length > 0) chunk = this.retx.shift()!;
      else chunk = this.nextChunk++;
      const pn = this.nextPn++;
      const rec = this.policy.onSent(now, DATAGRAM, pn);
      this.outstanding.set(pn, { pn, chunk, sentAt: now, bytes: DATAGRAM, rec });
      this.inflight += DATAGRAM;
      this.sentDatagrams++;
      this.sim.sendData(this, pn, chunk);
      this.armPto(now);
    }
  }

  private pto(): number {
    const srtt = this.srtt ?? 100;
    return (srtt + Math.max(4 * this.rttvar, 1) + 10) * 2 ** this.ptoCount;
  }

  private armPto(now: number): void {
    const due = now + this.pto();
    this.ptoDue = due;
    this.sim.at(due, () => {
      if (this.ptoDue !== due || this.outstanding.size === 0) return;
      this.ptoCount++;
      this.policy.onTimeout(this.sim.now);
      for (const o of [...this.outstanding.values()]) this.declareLost(o);
      this.trySend();
      if (this.outstanding.size > 0) this.armPto(this.sim.now);
    });
  }

  private declareLost(o: Outstanding): void {
    this.outstanding.delete(o.pn);
    this.inflight -= o.bytes;
    this.lostDatagrams++;
    this.retx.push(o.chunk);
    this.policy.onLost(o.rec, o.pn, this.sim.now);
  }

  /** Sender: an ack arrived with these datagram numbers. */
  onAck(pns: number[]): void {
    const now = this.sim.now;
    const acked: Outstanding[] = [];
    let largestNew: Outstanding | undefined;
    for (const pn of pns) {
      const o = this.outstanding.get(pn);
      if (!o) continue;
      this.outstanding.delete(pn);
      this.inflight -= o.bytes;
      acked.push(o);
      if (!largestNew || o.pn > largestNew.pn) largestNew = o;
    }
    if (acked.length === 0) return;
    this.ptoCount = 0;
    let rtt: number | undefined;
    if (largestNew && largestNew.pn > this.largestAcked) {
      this.largestAcked = largestNew.pn;
      rtt = now - largestNew.sentAt;
      this.latestRtt = rtt;
      if (this.srtt === undefined) { this.srtt = rtt; this.rttvar = rtt / 2; } else {
        this.rttvar = 0.75 * this.rttvar + 0.25 * Math.abs(this.srtt - rtt);
        this.srtt = 0.875 * this.srtt + 0.125 * rtt;
      }
      this.rtts.push([now, rtt]);
    }
    this.policy.onAcked(acked, now, rtt);
    this.detectLoss();
    if (this.outstanding.size > 0) this.armPto(now); else this.ptoDue = Infinity;
    this.trySend();
  }

  private detectLoss(): void {
    const now = this.sim.now;
    const delay = (9 / 8) * Math.max(this.srtt ?? 0, this.latestRtt);
    let timerAt = Infinity;
    for (const o of [...this.outstanding.values()]) {
      if (o.pn >= this.largestAcked) break;
      if (this.largestAcked - o.pn >= 3 || o.sentAt + delay <= now) this.declareLost(o);
      else { timerAt = o.sentAt + delay; break; }
    }
    if (timerAt < Infinity && timerAt !== this.lossTimerAt) {
      this.lossTimerAt = timerAt;
      this.sim.at(timerAt, () => {
        if (this.lossTimerAt !== timerAt) return;
        this.lossTimerAt = Infinity;
        this.detectLoss();
        this.trySend();
      });
    }
  }

  /** Receiver: a datagram arrived. */
  onData(pn: number, chunk: number): void {
    const now = this.sim.now;
    if (!this.received.has(chunk)) {
      this.received.add(chunk);
      const bin = Math.floor(now / 10);
      while (this.bins.length <= bin) this.bins.push(0);
      this.bins[bin] += DATAGRAM;
    }
    this.pendingAck.push(pn);
    if (this.pendingAck.length >= 2) this.flushAck();
    else if (!this.ackTimerArmed) {
      this.ackTimerArmed = true;
      this.sim.at(now + 10, () => { this.ackTimerArmed = false; if (this.pendingAck.length > 0) this.flushAck(); });
    }
  }

  private flushAck(): void {
    this.ackHistory.push(this.pendingAck);
    if (this.ackHistory.length > 4) this.ackHistory.shift();
    this.pendingAck = [];
    this.sim.sendAck(this, this.ackHistory.flat());
  }
}

/** A binary heap of events by (time, insertion order): deterministic. */
class EventQueue {
  private readonly h: Array<{ t: number; n: number; fn: () => void }> = [];
  private n = 0;
  get size(): number { return this.h.length; }
  push(t: number, fn: () => void): void {
    const h = this.h;
    h.push({ t, n: this.n++, fn });
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (less(h[p], h[i])) break;
      [h[p], h[i]] = [h[i], h[p]];
      i = p;
    }
  }
  pop(): { t: number; fn: () => void } | undefined {
    const h = this.h;
    if (h.length === 0) return undefined;
    const top = h[0];
    const last = h.pop()!;
    if (h.length > 0) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && less(h[l], h[m])) m = l;
        if (r < h.length && less(h[r], h[m])) m = r;
        if (m === i) break;
        [h[m], h[i]] = [h[i], h[m]];
        i = m;
      }
    }
    return top;
  }
  peekTime(): number { return this.h.length ? this.h[0].t : Infinity; }
}

function less(a: { t: number; n: number }, b: { t: number; n: number }): boolean {
  return a.t < b.t || (a.t === b.t && a.n < b.n);
}

export class LinkSim {
  now = 0;
  readonly flows: Flow[] = [];
  private readonly q = new EventQueue();
  private readonly rnd: () => number;
  private readonly rate: number; // bytes per ms
  private readonly oneWay: number;
  private queued = 0;
  private linkFreeAt = 0;
  /** Datagrams dropped by the full buffer, per flow id. */
  readonly tailDrops: number[] = [];
  /** Highest buffer occupancy seen (bytes). */
  maxQueueBytes = 0;

  constructor(readonly link: LinkSpec) {
    this.rnd = mulberry32(link.seed ?? 1);
    this.rate = (link.rateMbps * 1000) / 8;
    this.oneWay = link.rttMs / 2;
  }

  /** The link's bandwidth-delay product (bytes) at the base RTT. */
  get bdpBytes(): number { return this.rate * this.link.rttMs; }

  addFlow(spec: FlowSpec): Flow {
    const f = new Flow(this, spec, this.flows.length);
    this.flows.push(f);
    this.tailDrops.push(0);
    return f;
  }

  at(t: number, fn: () => void): void { this.q.push(Math.max(t, this.now), fn); }

  /** Calls fn every `ms` of simulated time. */
  every(ms: number, fn: (now: number) => void): void {
    const tick = (): void => { fn(this.now); this.at(this.now + ms, tick); };
    this.at(this.now + ms, tick);
  }

  run(untilMs: number): void {
    while (this.q.peekTime() <= untilMs) {
      const e = this.q.pop()!;
      this.now = e.t;
      e.fn();
    }
    this.now = untilMs;
  }

  sendData(flow: Flow, pn: number, chunk: number): void {
    if (this.link.loss && this.rnd() < this.link.loss) return; // random loss before the bottleneck
    if (this.queued + DATAGRAM > this.link.bufferBytes) { this.tailDrops[flow.id]++; return; }
    this.queued += DATAGRAM;
    if (this.queued > this.maxQueueBytes) this.maxQueueBytes = this.queued;
    const departs = Math.max(this.now, this.linkFreeAt) + DATAGRAM / this.rate;
    this.linkFreeAt = departs;
    this.at(departs, () => {
      this.queued -= DATAGRAM;
      this.at(this.now + this.oneWay, () => flow.onData(pn, chunk));
    });
  }

  sendAck(flow: Flow, pns: number[]): void {
    if (this.link.ackLoss && this.rnd() < this.link.ackLoss) return;
    this.at(this.now + this.oneWay, () => flow.onAck(pns));
  }
}
