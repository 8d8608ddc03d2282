// Congestion control for the send path (PROTOCOL.md §9.5): a model-based controller in the manner of
// BBR v1 (windowed-max delivery rate, windowed-min RTT, Startup / Drain / ProbeBW / ProbeRTT, pacing
// rate = gain × bandwidth, cwnd = gain × BDP), with a delay-aware loss response: loss shrinks the
// window only when the RTT shows a standing queue (or the loss is far above the random loss learnt), so random loss that no
// queue explains does not throttle the sender, while a competing loss-based flow (TCP Reno/CUBIC)
// that fills the buffer does get its share. Pure: times in ms are passed in; no timers, no clock.
import { mulberry32 } from './random';

/** One datagram as the controller saw it leave: the sender stores it with the datagram and hands it back on ack or loss. */
export interface SentRecord {
  /** Bytes on the wire (what counts against the window). */
  readonly bytes: number;
  readonly sentAt: number;
  /** Bytes delivered (acknowledged) on the connection when this datagram left (C.delivered). */
  readonly delivered: number;
  /** When `delivered` last grew, as of this send (C.delivered_time). */
  readonly deliveredTime: number;
  /** Send time of the first datagram of the flight the rate sample starts from (C.first_send_time). */
  readonly firstSentTime: number;
  /** The sender had nothing more to send when this left: its rate samples may only raise the estimate. */
  readonly appLimited: boolean;
}

export type CongestionState = 'startup' | 'drain' | 'probeBw' | 'probeRtt';

export interface CongestionConfig {
  /** The largest datagram the sender puts on the wire (bytes): the unit of the windows below. */
  maxDatagramBytes: number;
  /** Initial window, in datagrams (RFC 6928 / RFC 9002 use 10). */
  initialCwndDatagrams: number;
  /** The window never goes below this, in datagrams (BBR's 4). */
  minCwndDatagrams: number;
  /** RTT assumed before the first sample (ms) to pace the initial window; the handshake RTT when known. */
  initialRttMs: number;
  /** Seed of the generator that randomizes where each ProbeBW cycle starts (deterministic in tests). */
  seed: number;
}

export const DEFAULT_CONGESTION_CONFIG: CongestionConfig = {
  maxDatagramBytes: 1280,
  initialCwndDatagrams: 10,
  minCwndDatagrams: 4,
  initialRttMs: 1,
  seed: 1,
};

// ---- Constants (PROTOCOL.md §9.5.3). ----
/** Startup pacing and cwnd gain: 2/ln 2, the lowest gain that doubles the delivery rate each round (BBR). */
export const STARTUP_GAIN = 2 / Math.LN2;
/** Drain pacing gain: 1/STARTUP_GAIN, empties the Startup queue in about one round. */
export const DRAIN_GAIN = 1 / STARTUP_GAIN;
/** ProbeBW cwnd gain: room for delayed and stretched acks (BBR). */
export const PROBE_BW_CWND_GAIN = 2;
/** ProbeBW pacing gain cycle, one phase per min RTT: probe up, drain the probe's queue, cruise six (BBR v1). */
export const PROBE_BW_GAINS: readonly number[] = [1.25, 0.75, 1, 1, 1, 1, 1, 1];
/** Window of the bandwidth max filter, in rounds (BBR v1: cycle length + 2). */
export const BW_WINDOW_ROUNDS = 10;
/** Window of the min RTT filter (ms). */
export const MIN_RTT_WINDOW_MS = 10_000;
/** ProbeRTT holds the window at the minimum this long (ms), and at least one round. */
export const PROBE_RTT_DURATION_MS = 200;
/** Startup ends when the bandwidth grew less than this factor in FULL_BW_ROUNDS rounds in a row. */
export const FULL_BW_GROWTH = 1.25;
export const FULL_BW_ROUNDS = 3;
/** Extra window for ack aggregation (the receiver acks every second datagram or after its ack delay), in datagrams, at least. */
export const ACK_AGGREGATION_DATAGRAMS = 3;
/**
 * The ack aggregation estimate (BBR's extra_acked): the most data acknowledged beyond what the
 * bandwidth estimate explains, over the last EXTRA_ACKED_WINDOW_ROUNDS to 2× that many rounds. A
 * receiver that answers in batches (an event loop, a busy CPU, Wi-Fi aggregation) gets that much
 * more window, so the sender does not idle between batches.
 */
export const EXTRA_ACKED_WINDOW_ROUNDS = 5;
/** The aggregation epoch restarts after this much was acknowledged in it (bytes). */
export const EXTRA_ACKED_EPOCH_RESET_BYTES = 1 << 20;
/** The aggregation allowance never exceeds what the bandwidth carries in this long (ms). */
export const EXTRA_ACKED_MAX_MS = 100;
/** A round is "queued" when its median RTT exceeds minRtt × QUEUE_RTT_FACTOR + QUEUE_RTT_MARGIN_MS. */
export const QUEUE_RTT_FACTOR = 1.1;
export const QUEUE_RTT_MARGIN_MS = 2;
/** RTT samples kept per round for its median. */
export const ROUND_RTT_SAMPLES = 32;
/** A round's loss rate (lost / (acked + lost) bytes) above this is a loss event (BBR v2's 2%). */
export const LOSS_THRESH = 0.02;
/** Loss above EXCESS_LOSS_FACTOR × the learnt random loss (+ LOSS_THRESH) is congestive even without a queue. */
export const EXCESS_LOSS_FACTOR = 2;
/** ... and that many standard deviations above it (binomial, per round). */
export const EXCESS_LOSS_SIGMAS = 3;
/** Multiplicative decrease of the in-flight cap on a congestive round (BBR v2/v3's Beta). */
export const BETA = 0.7;
/** Additive growth of the cap per round without congestion, in datagrams: 3(1−β)/(1+β), TCP-friendly for β = 0.7 (RFC 9438 §4.3). */
export const CAP_GROWTH_DATAGRAMS = (3 * (1 - BETA)) / (1 + BETA);
/**
 * After min(max(CAP_LIFT_MIN_ROUNDS, BDP in datagrams), CAP_LIFT_MAX_ROUNDS) rounds without congestion
 * (BBR v3's Reno-coexistence bound: when Reno would have grown back), the cap grows by
 * CAP_PROBE_DATAGRAMS per round even with a standing queue; it is dropped once above the model's window.
 */
export const CAP_LIFT_MAX_ROUNDS = 63;
export const CAP_LIFT_MIN_ROUNDS = 8;
export const CAP_PROBE_DATAGRAMS = 1;
/** Weight of one round in the random-loss estimate (an EWMA over about 8 rounds). */
export const RANDOM_LOSS_GAIN = 1 / 8;
/** The most random loss the bandwidth estimate compensates for. */
export const MAX_RANDOM_LOSS = 0.5;

/**
 * An even subsample of a stream of values in bounded memory: every value while there is room, then
 * every 2nd, 4th, ... (the kept ones are thinned to every other one each time the buffer fills).
 */
export class RttSubsample {
  private readonly xs: number[] = [];
  private stride = 1;
  private seen = 0;

  constructor(private readonly capacity: number) {}

  add(v: number): void {
    if (this.seen++ % this.stride !== 0) return;
    if (this.xs.length >= this.capacity) {
      for (let i = 0; i < this.xs.length / 2; i++) this.xs[i] = this.xs[2 * i];
      this.xs.length = Math.ceil(this.xs.length / 2);
      this.stride *= 2;
      if ((this.seen - 1) % this.stride !== 0) return;
    }
    this.xs.push(v);
  }

  median(): number | undefined {
    if (this.xs.length === 0) return undefined;
    const s = [...this.xs].sort((a, b) => a - b);
    return s[Math.floor((s.length - 1) / 2)];
  }

  clear(): void {
    this.xs.length = 0;
    this.stride = 1;
    this.seen = 0;
  }
}

/**
 * A windowed max filter over a virtual time (rounds), after Kathleen Nichols' three-sample algorithm
 * (Linux lib/win_minmax.c): constant memory, the best value of the last `window` time units.
 */
export class WindowedMax {
  private readonly s: Array<{ t: number; v: number }> = [{ t: 0, v: 0 }, { t: 0, v: 0 }, { t: 0, v: 0 }];

  constructor(private readonly window: number) {}

  get value(): number { return this.s[0].v; }

  reset(t: number, v: number): void {
    for (const e of this.s) { e.t = t; e.v = v; }
  }

  update(t: number, v: number): number {
    const s = this.s;
    if (v >= s[0].v || t - s[2].t > this.window) { this.reset(t, v); return v; }
    if (v >= s[1].v) { s[2] = { t, v }; s[1] = { t, v }; } else if (v >= s[2].v) s[2] = { t, v };
    const dt = t - s[0].t;
    if (dt > this.window) {
      s[0] = s[1]; s[1] = s[2]; s[2] = { t, v };
      if (t - s[0].t > this.window) { s[0] = s[1]; s[1] = s[2]; s[2] = { t, v }; }
    } else if (s[1].t === s[0].t && dt > this.window / 4) {
      s[2] = { t, v }; s[1] = { t, v };
    } else if (s[2].t === s[1].t && dt > this.window / 2) {
      s[2] = { t, v };
    }
    return s[0].v;
  }
}

/**
 * The controller of one connection's send direction. The sender calls:
 * - `onSent(bytes, now)` for every datagram that counts against the window, and keeps the record;
 * - `onAppLimited()` when it has nothing to send while the window and the pacer would allow it;
 * - `onAcked(records, now, rttMs)` with the records an ack newly acknowledges (and the RTT sample, Karn-filtered);
 * - `onLost(record, now)` for each datagram declared lost;
 * - `onDiscarded(record)` for a record that leaves the flight otherwise (e.g. the twin of an acked retransmission);
 * - `onRetransmitTimeout(now)` when the retransmission timer expires;
 * and sends only while `canSend()` and the pacer (pacer.ts, at `pacingRateBytesPerMs`) allow.
 */
export class CongestionController {
  private readonly cfg: CongestionConfig;
  private readonly mss: number;
  private readonly minCwnd: number;
  private readonly initCwnd: number;

  /** Bytes sent and neither acknowledged, lost nor discarded. */
  bytesInFlight = 0;
  // Delivery-rate estimation (draft-cheng-iccrg-delivery-rate-estimation).
  private delivered = 0;
  private deliveredTime = 0;
  private firstSentTime = 0;
  /** While non-zero: the connection is app-limited until `delivered` passes it. */
  private appLimitedUntil = 0;

  // The path model.
  private readonly bwFilter = new WindowedMax(BW_WINDOW_ROUNDS);
  private minRtt = Infinity;
  private minRttStamp = 0;
  private roundCount = 0;
  private nextRoundDelivered = 0;

  // The state machine.
  private st: CongestionState = 'startup';
  private pacingGain = STARTUP_GAIN;
  private cwndGain = STARTUP_GAIN;
  private filledPipe = false;
  private fullBw = 0;
  private fullBwCount = 0;
  private cycleIndex = 0;
  private cycleStamp = 0;
  private probeRttDoneAt: number | undefined;
  private probeRttRoundDone = false;
  private priorCwnd = 0;
  private cwnd: number;
  private pacingRate: number;
  private rand: () => number;

  // The delay-aware loss response.
  private roundAcked = 0;
  private roundLost = 0;
  private roundMinRtt = Infinity;
  /** An even subsample of the round's RTT samples (at most ROUND_RTT_SAMPLES), for its median. */
  private readonly roundRtts = new RttSubsample(ROUND_RTT_SAMPLES);
  private roundMaxInflight = 0;
  private randomLoss = 0;
  private lossRounds = 0;
  private lossCap = Infinity;
  private roundsSinceCut = 1;
  private lostInCycle = false;

  // The ack aggregation estimate (two windows of EXTRA_ACKED_WINDOW_ROUNDS rounds).
  private readonly extraAcked = [0, 0];
  private extraAckedIdx = 0;
  private extraAckedRounds = 0;
  private ackEpochStart = 0;
  private ackEpochAcked = 0;

  // Retransmission timeouts.
  private rtoRestricted = false;
  private consecutiveRtos = 0;

  /** Counters for tests and statistics. */
  readonly stats = { congestiveRounds: 0, congestiveByDelay: 0, randomLossRounds: 0, timeouts: 0, probeRtts: 0 };

  constructor(config: Partial<CongestionConfig> = {}, now = 0) {
    this.cfg = { ...DEFAULT_CONGESTION_CONFIG, ...config };
    this.mss = this.cfg.maxDatagramBytes;
    this.minCwnd = this.cfg.minCwndDatagrams * this.mss;
    this.initCwnd = this.cfg.initialCwndDatagrams * this.mss;
    this.cwnd = this.initCwnd;
    this.pacingRate = (STARTUP_GAIN * this.initCwnd) / Math.max(this.cfg.initialRttMs, 0.001);
    this.rand = mulberry32(this.cfg.seed);
    this.deliveredTime = this.firstSentTime = this.minRttStamp = now;
  }

  get state(): CongestionState { return this.st; }
  /** The estimated bottleneck bandwidth (bytes/ms), compensated for random loss. */
  get bandwidthBytesPerMs(): number { return this.bwFilter.value; }
  get minRttMs(): number { return this.minRtt; }
  /** The estimated rate of random (non-congestive) loss, 0–1. */
  get randomLossRate(): number { return this.randomLoss; }
  /** The in-flight cap set by congestive loss (Infinity when none). */
  get lossCapBytes(): number { return this.lossCap; }
  get pacingGainNow(): number { return this.pacingGain; }

  /** The congestion window (bytes). */
  get cwndBytes(): number {
    if (this.rtoRestricted || this.st === 'probeRtt') return this.minCwnd;
    return Math.max(this.minCwnd, Math.min(this.cwnd, this.lossCap));
  }

  /** The minimum window (bytes). */
  get minCwndBytes(): number { return this.minCwnd; }

  /** The pacing rate (bytes per ms) for the pacer. */
  get pacingRateBytesPerMs(): number { return this.pacingRate; }

  /** Whether one more datagram may go: the flight is below the window. */
  canSend(inflightBytes = this.bytesInFlight): boolean {
    return inflightBytes < this.cwndBytes;
  }

  /** A datagram left; the returned record goes with it until onAcked / onLost / onDiscarded. */
  onSent(bytes: number, now: number): SentRecord {
    if (this.bytesInFlight === 0) {
      // A new flight after idle: the rate sample must not span the idle time.
      this.firstSentTime = now;
      this.deliveredTime = now;
    }
    const rec: SentRecord = {
      bytes, sentAt: now, delivered: this.delivered, deliveredTime: this.deliveredTime,
      firstSentTime: this.firstSentTime, appLimited: this.appLimitedUntil > 0,
    };
    this.bytesInFlight += bytes;
    if (this.bytesInFlight > this.roundMaxInflight) this.roundMaxInflight = this.bytesInFlight;
    return rec;
  }

  /** The sender had nothing to send although the window and the pacer allowed it. */
  onAppLimited(): void {
    this.appLimitedUntil = Math.max(this.delivered + this.bytesInFlight, 1);
  }

  /** A record left the flight without being acknowledged or lost (its data was acknowledged through another transmission). */
  onDiscarded(rec: SentRecord): void {
    this.bytesInFlight = Math.max(0, this.bytesInFlight - rec.bytes);
  }

  /** A datagram was declared lost. */
  onLost(rec: SentRecord, _now: number): void {
    this.bytesInFlight = Math.max(0, this.bytesInFlight - rec.bytes);
    this.roundLost += rec.bytes;
    this.lostInCycle = true;

  }

  /** The retransmission timer expired: send at most the minimum window until an ack; two in a row restart the model. */
  onRetransmitTimeout(_now: number): void {
    this.stats.timeouts++;
    this.rtoRestricted = true;
    if (++this.consecutiveRtos >= 2) {
      // The path may have changed altogether: measure it again.
      this.bwFilter.reset(this.roundCount, 0);
      this.filledPipe = false;
      this.fullBw = 0;
      this.fullBwCount = 0;
      this.lossCap = Infinity;
      this.enterStartup();
    }
  }

  /**
   * An ack newly acknowledged `records` (in any order). `rttMs`: the RTT sample of this ack, when
   * there is an unambiguous one (Karn's rule), without the peer's ack delay when it is known.
   */
  onAcked(records: readonly SentRecord[], now: number, rttMs?: number): void {
    let acked = 0;
    let p: SentRecord | undefined;
    for (const r of records) {
      acked += r.bytes;
      if (!p || r.delivered > p.delivered || (r.delivered === p.delivered && r.sentAt > p.sentAt)) p = r;
    }
    this.bytesInFlight = Math.max(0, this.bytesInFlight - acked);
    if (acked > 0) {
      this.rtoRestricted = false;
      this.consecutiveRtos = 0;
    }
    this.delivered += acked;
    this.deliveredTime = now;
    if (this.appLimitedUntil > 0 && this.delivered > this.appLimitedUntil) this.appLimitedUntil = 0;
    this.roundAcked += acked;

    if (rttMs !== undefined && rttMs >= 0) {
      if (rttMs < this.roundMinRtt) this.roundMinRtt = rttMs;
      this.roundRtts.add(rttMs);
      // The window's expiry is handled by ProbeRTT (updateState), which restarts the minimum.
      if (rttMs <= this.minRtt) { this.minRtt = rttMs; this.minRttStamp = now; }
    }

    let roundStart = false;
    let sampleBw: number | undefined;
    let sampleAppLimited = false;
    if (p) {
      // The rate sample (delivery-rate estimation §3): data delivered since P left, over the longer of
      // the send and the ack intervals (a burst of acks cannot show more than the path carried).
      this.firstSentTime = p.sentAt;
      const interval = Math.max(p.sentAt - p.firstSentTime, now - p.deliveredTime);
      const deliveredInSample = this.delivered - p.delivered;
      if (interval > 0 && (this.minRtt === Infinity || interval >= this.minRtt)) {
        sampleBw = deliveredInSample / interval / (1 - Math.min(this.randomLoss, MAX_RANDOM_LOSS));
        sampleAppLimited = p.appLimited;
      }
      if (p.delivered >= this.nextRoundDelivered) {
        this.endRound();
        this.nextRoundDelivered = this.delivered;
        this.roundCount++;
        roundStart = true;
      }
    }
    if (sampleBw !== undefined && (!sampleAppLimited || sampleBw >= this.bwFilter.value)) {
      this.bwFilter.update(this.roundCount, sampleBw);
    }

    this.updateAckAggregation(now, acked, roundStart);
    this.updateState(now, roundStart, sampleAppLimited || !p, rttMs);
    this.updatePacingRate();
    this.updateCwnd(acked);
  }

  // ---- Rounds and the loss/delay rule (PROTOCOL.md §9.5.4). ----

  private endRound(): void {
    const resolved = this.roundAcked + this.roundLost;
    const lossRate = resolved > 0 ? this.roundLost / resolved : 0;
    const median = this.roundRtts.median();
    const queueLine = this.minRtt * QUEUE_RTT_FACTOR + QUEUE_RTT_MARGIN_MS;
    const queued = this.minRtt !== Infinity && median !== undefined && median > queueLine;
    // Loss well above the random loss learnt so far is not random (a policer, a buffer too small to
    // show a queue); not judged in Startup, which must first learn what random loss the path has.
    // Judged on datagrams too: more lost than the random loss explains by EXCESS_LOSS_SIGMAS standard
    // deviations (in a round of five datagrams, four lost at 30% random loss happens by chance).
    const n = resolved / this.mss;
    const p = this.randomLoss;
    const significant = n * lossRate - n * p > EXCESS_LOSS_SIGMAS * Math.sqrt(n * p * (1 - p));
    const unexplained = this.filledPipe && lossRate > EXCESS_LOSS_FACTOR * this.randomLoss + LOSS_THRESH && significant;
    // Random loss is learnt from the rounds without a standing queue (the bandwidth samples are scaled by 1/(1 − rate)).
    // A plain mean over the first rounds, then an EWMA.
    if (!queued && resolved > 0) {
      this.lossRounds = Math.min(this.lossRounds + 1, 1 / RANDOM_LOSS_GAIN);
      this.randomLoss += (lossRate - this.randomLoss) / this.lossRounds;
    }
    // The round right after a cut still carries what was sent before it: it is not judged again.
    const afterCut = this.lossCap !== Infinity && this.roundsSinceCut === 0;
    if (lossRate > LOSS_THRESH && (queued || unexplained) && !afterCut) {
      // Congestive: the loss comes with a standing queue (or is beyond any random loss we accept).
      this.stats.congestiveRounds++;
      if (queued) this.stats.congestiveByDelay++;
      const base = Math.min(this.lossCap, Math.max(this.roundMaxInflight, this.minCwnd));
      this.lossCap = Math.max(this.minCwnd, BETA * base);
      this.roundsSinceCut = 0;
      if (!this.filledPipe) this.filledPipe = true; // Startup ends: the pipe is full
    } else {
      if (lossRate > 0) this.stats.randomLossRounds++;
      if (this.lossCap !== Infinity) {
        this.roundsSinceCut++;
        const bdpDatagrams = this.minRtt === Infinity ? 0 : (this.bwFilter.value * this.minRtt) / this.mss;
        const lift = Math.min(CAP_LIFT_MAX_ROUNDS, Math.max(CAP_LIFT_MIN_ROUNDS, Math.round(bdpDatagrams)));
        // The cap grows only while it limits the flight: for `lift` rounds TCP-friendly (3(1−β)/(1+β)
        // datagrams per round) and only while no queue stands (a standing queue: the link already gets
        // more than it carries); after that by a datagram per round (Reno's pace) whatever the queue.
        const patient = this.roundsSinceCut >= lift;
        if (this.roundMaxInflight >= this.lossCap - this.mss && (patient || !queued)) {
          this.lossCap += (patient ? CAP_PROBE_DATAGRAMS : CAP_GROWTH_DATAGRAMS) * this.mss;
        }
        if (this.lossCap > this.bdp(this.cwndGain) + this.aggregationAllowance()) this.lossCap = Infinity;
      }
    }
    this.roundAcked = 0;
    this.roundLost = 0;
    this.roundMinRtt = Infinity;
    this.roundRtts.clear();
    this.roundMaxInflight = this.bytesInFlight;
  }

  // ---- The state machine (PROTOCOL.md §9.5.2). ----

  private bdp(gain: number): number {
    if (this.minRtt === Infinity || this.bwFilter.value === 0) return this.initCwnd;
    return gain * this.bwFilter.value * this.minRtt;
  }

  private enterStartup(): void {
    this.st = 'startup';
    this.pacingGain = STARTUP_GAIN;
    this.cwndGain = STARTUP_GAIN;
  }

  private enterProbeBw(now: number): void {
    this.st = 'probeBw';
    this.cwndGain = PROBE_BW_CWND_GAIN;
    // Start anywhere but the drain phase (BBR v1), so flows do not probe in step.
    const n = PROBE_BW_GAINS.length;
    this.cycleIndex = (n - 1 - Math.floor(this.rand() * (n - 1))) % n;
    this.advanceCycle(now);
  }

  private advanceCycle(now: number): void {
    this.cycleIndex = (this.cycleIndex + 1) % PROBE_BW_GAINS.length;
    this.cycleStamp = now;
    this.lostInCycle = false;
    this.pacingGain = PROBE_BW_GAINS[this.cycleIndex];
  }

  private updateState(now: number, roundStart: boolean, appLimited: boolean, rttMs: number | undefined): void {
    // Startup ends when the bandwidth stops growing (three rounds under +25%), or on congestive loss (endRound).
    if (this.st === 'startup' && roundStart && !appLimited && !this.filledPipe) {
      const bw = this.bwFilter.value;
      if (bw >= this.fullBw * FULL_BW_GROWTH) { this.fullBw = bw; this.fullBwCount = 0; }
      else if (++this.fullBwCount >= FULL_BW_ROUNDS) this.filledPipe = true;
    }
    if (this.st === 'startup' && this.filledPipe) {
      this.st = 'drain';
      this.pacingGain = DRAIN_GAIN;
      this.cwndGain = STARTUP_GAIN;
    }
    if (this.st === 'drain' && this.bytesInFlight <= this.bdp(1)) this.enterProbeBw(now);

    if (this.st === 'probeBw') {
      const full = now - this.cycleStamp > this.minRtt;
      const g = this.pacingGain;
      let next: boolean;
      if (g > 1) next = full && (this.lostInCycle || this.bytesInFlight >= this.bdp(g));
      else if (g < 1) next = full || this.bytesInFlight <= this.bdp(1);
      else next = full;
      if (next) this.advanceCycle(now);
    }

    // ProbeRTT: the min RTT was not seen again for its whole window; drain to the minimum window to see it.
    const expired = now - this.minRttStamp > MIN_RTT_WINDOW_MS;
    if (expired && this.st !== 'probeRtt') {
      this.stats.probeRtts++;
      this.st = 'probeRtt';
      this.pacingGain = 1;
      this.priorCwnd = Math.max(this.priorCwnd, this.cwnd);
      this.probeRttDoneAt = undefined;
      // The old minimum is no longer trusted: what ProbeRTT sees now replaces it.
      if (rttMs !== undefined) { this.minRtt = rttMs; }
      this.minRttStamp = now;
    }
    if (this.st === 'probeRtt') {
      if (this.probeRttDoneAt === undefined && this.bytesInFlight <= this.minCwnd + this.mss) {
        this.probeRttDoneAt = now + PROBE_RTT_DURATION_MS;
        this.probeRttRoundDone = false;
        this.nextRoundDelivered = this.delivered;
      } else if (this.probeRttDoneAt !== undefined) {
        if (roundStart) this.probeRttRoundDone = true;
        if (this.probeRttRoundDone && now >= this.probeRttDoneAt) {
          this.minRttStamp = now;
          this.cwnd = Math.max(this.cwnd, this.priorCwnd);
          this.priorCwnd = 0;
          if (this.filledPipe) this.enterProbeBw(now); else this.enterStartup();
        }
      }
    }
  }

  private updatePacingRate(): void {
    const bw = this.bwFilter.value;
    if (bw === 0) return;
    let rate = this.pacingGain * bw;
    // In Startup the rate never falls below the initial window per min RTT (a low early sample must not slow the ramp).
    if (!this.filledPipe && this.minRtt !== Infinity) rate = Math.max(rate, (STARTUP_GAIN * this.initCwnd) / Math.max(this.minRtt, 0.001));
    this.pacingRate = rate;
  }

  /** BBR's ack aggregation estimate (tcp_bbr.c bbr_update_ack_aggregation). */
  private updateAckAggregation(now: number, acked: number, roundStart: boolean): void {
    if (acked <= 0) return;
    if (roundStart && ++this.extraAckedRounds >= EXTRA_ACKED_WINDOW_ROUNDS) {
      this.extraAckedRounds = 0;
      this.extraAckedIdx ^= 1;
      this.extraAcked[this.extraAckedIdx] = 0;
    }
    let expected = this.bwFilter.value * (now - this.ackEpochStart);
    // A new epoch when the acks come no faster than the bandwidth explains, or the epoch is old.
    if (this.ackEpochAcked <= expected || this.ackEpochAcked + acked >= EXTRA_ACKED_EPOCH_RESET_BYTES) {
      this.ackEpochAcked = 0;
      this.ackEpochStart = now;
      expected = 0;
    }
    this.ackEpochAcked += acked;
    const extra = Math.min(this.ackEpochAcked - expected, this.cwnd);
    if (extra > this.extraAcked[this.extraAckedIdx]) this.extraAcked[this.extraAckedIdx] = extra;
  }

  /** The window's allowance for ack aggregation (bytes). */
  private aggregationAllowance(): number {
    const floor = ACK_AGGREGATION_DATAGRAMS * this.mss;
    if (!this.filledPipe) return floor;
    const extra = Math.max(this.extraAcked[0], this.extraAcked[1]);
    return Math.max(floor, Math.min(extra, this.bwFilter.value * EXTRA_ACKED_MAX_MS));
  }

  private updateCwnd(acked: number): void {
    const target = this.bdp(this.cwndGain) + this.aggregationAllowance();
    if (this.filledPipe) this.cwnd = Math.min(this.cwnd + acked, target);
    else if (this.cwnd < target || this.delivered < this.initCwnd) this.cwnd += acked;
    this.cwnd = Math.max(this.cwnd, this.minCwnd);
  }
}
