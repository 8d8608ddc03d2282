// Loss recovery of the send side: SACK processing, RACK and DupThresh loss detection, tail probes, the RTO.
import type { AckBlock } from './codec';
import { RttEstimator } from './rtt';
import type { SendQueue } from './sendQueue';
import type { OutFrag, OutMessage, SessionCore } from './sessionTypes';

/** What loss recovery asks of the session. */
export interface LossRecoveryHost {
  /** Queue a fragment for the next flush (packed with the others transmitted before it), past the congestion window (a probe). */
  transmit(frag: OutFrag): void;
  /** Send what was transmitted since the last flush (pump flushes too). */
  flush(): void;
  /** Put more in flight (the window may have opened). */
  pump(): void;
  /** The peer is online (heard from lately). */
  peerAlive(): boolean;
}

/** The retransmission timeout's ceiling while the peer is heard from (ms). */
export const ALIVE_MAX_RTO_MS = 2000;

export class LossRecovery {
  readonly rtt: RttEstimator;
  private rtoDue = Infinity;
  private probeDue = Infinity;
  /** Consecutive probes without an ack (each doubles the probe timeout). */
  private probes = 0;
  /** Send time of the most recently sent fragment known to be delivered (RACK). */
  private rackSent = 0;
  private lastAckAt = 0;
  /** Reordering window multiplier (RACK), raised by spurious fast retransmissions. */
  private reoMult = 1;
  private goodRecoveries = 0;

  constructor(private readonly core: SessionCore, private readonly q: SendQueue, private readonly host: LossRecoveryHost) {
    this.rtt = new RttEstimator(core.config.rto);
  }

  /**
   * The retransmission timeout in use: the estimator's (RFC 6298, backed off on each expiry), but at
   * most ALIVE_MAX_RTO_MS while the peer is heard from: its heartbeats arrive, so what is missing was
   * lost at random, and a message should get many tries within its retry budget, not five.
   */
  get rto(): number {
    const rto = this.rtt.rto;
    return this.host.peerAlive() ? Math.min(rto, Math.max(ALIVE_MAX_RTO_MS, this.rtt.srtt ?? 0)) : rto;
  }

  /** A fresh stream (the receiver frees what it buffered on the old one); nothing on it is known delivered yet. */
  newStream(): void {
    this.rackSent = 0;
    this.q.newStream();
  }

  /**
   * The peer never acknowledged `failed` in time. Everything after it in the stream was never
   * delivered (delivery is in order), so the rest is sent again on a fresh stream.
   */
  private failAndResetStream(failed: OutMessage): void {
    this.q.failAndRewind(failed, this.host.peerAlive());
    this.newStream();
    this.host.pump();
  }

  /**
   * The receiver delivered something other than what we sent below `cumulative` (a forged fragment
   * took the place of ours). What it covers cannot be confirmed: those messages fail (Retry sends
   * them again), and the rest goes again on a new stream.
   */
  private onForeignDelivery(cumulative: number): void {
    this.core.stats.foreignDelivered++;
    this.core.noticeOnce('foreign-delivery', 'warning', 'The peer received different data in place of a message (forged datagrams?). The message is marked failed; Retry sends it again.');
    this.q.failBelow(cumulative);
    this.newStream();
    this.host.pump();
  }

  /** Arms both timers after a send. */
  arm(): void {
    this.armRto();
    this.armProbe();
  }

  /**
   * One lazy timer: it is only moved earlier, never cancelled and set again on every send (timer churn
   * costs more than the rest of a send); firing early is harmless because onRto checks each fragment.
   */
  armRto(): void {
    const { core, q } = this;
    if (!core.running || q.inFlight.size === 0) return;
    const now = core.clock.now();
    let due = Infinity;
    for (const f of q.inFlight.values()) {
      due = Math.min(due, (f.msg.firstSentAt ?? now) + core.config.retryBudgetMs);
      // (A fragment waiting to go again is the congestion window's to send, not the timer's.)
      if (!f.sacked && !f.queuedAgain) due = Math.min(due, f.lastSent + this.rto);
    }
    if (core.timers.has('rto') && this.rtoDue <= due) return;
    this.rtoDue = due;
    core.timers.set('rto', Math.max(1, due - now), () => this.onRto());
  }

  private onRto(): void {
    const { core, q } = this;
    if (!core.running) return;
    const now = core.clock.now();
    // Retry budget first: a message that has been unacknowledged too long fails.
    for (const f of q.inFlight.values()) {
      if (now - (f.msg.firstSentAt ?? now) >= core.config.retryBudgetMs) {
        this.failAndResetStream(f.msg);
        return;
      }
    }
    const rto = this.rto;
    let fired = false;
    for (const f of q.inFlight.values()) {
      if (!f.sacked && !f.queuedAgain && now - f.lastSent >= rto) {
        if (!fired) { core.stats.timeouts++; q.flight.timeout(now); fired = true; }
        // Lost: it goes again as the (now minimal) congestion window allows.
        q.flight.lost(f, now);
        q.queueAgain(f);
      }
    }
    if (fired) { this.rtt.onTimeout(); this.host.pump(); }
    this.armRto();
  }

  /** An ack of our current stream (piggybacked or alone). */
  onAck(ack: AckBlock): void {
    const { core, q } = this;
    if (ack.streamId !== q.streamId || q.inFlight.size === 0) return;
    if (ack.cumulative > q.nextSeq) return; // acknowledges what we never sent: ignore
    if (ack.cumulative > q.cumAcked) {
      // "Delivered" must be true: the receiver's digest of what it delivered must be what we sent.
      const last = q.inFlight.get(ack.cumulative - 1);
      if (last && last.chain !== (ack.digest >>> 0)) { this.onForeignDelivery(ack.cumulative); return; }
    }
    const now = core.clock.now();
    this.lastAckAt = now;
    this.probes = 0;
    // The RTT sample comes from the largest sequence number the ack covers, only when this ack newly
    // acknowledges it and it was sent once (RFC 9002 §5.1 and Karn's rule). An older fragment newly
    // covered (its earlier ack was lost, or a retransmission filled the gap below it) would measure
    // the wait for that ack, not the path.
    const largest = Math.max(ack.cumulative - 1, ack.ranges.length ? ack.ranges[ack.ranges.length - 1][1] - 1 : -1);
    let newest: OutFrag | undefined;
    let top = -1;
    let rackSent = 0;
    // inFlight is in sequence order: nothing at or above the highest sequence number the ack covers is acknowledged by it.
    const limit = largest + 1;
    for (const f of q.inFlight.values()) {
      if (f.seq >= limit) break;
      const cum = f.seq < ack.cumulative;
      if (!cum && (f.sacked || !inRanges(f.seq, ack.ranges))) continue;
      if (!f.sacked) {
        q.unsacked--;
        q.flight.acknowledged(f);
        rackSent = Math.max(rackSent, f.lastSent);
        if (f.fastAt !== undefined) this.noteRecovery(now - f.fastAt);
        if (f.seq === largest && f.transmissions === 1) newest = f;
        top = Math.max(top, f.seq);
      }
      if (!cum) { f.sacked = true; continue; }
      q.retire(f);
    }
    if (ack.cumulative > q.cumAcked) q.cumAcked = ack.cumulative;
    const sample = newest ? now - newest.lastSent : undefined;
    // The congestion controller learns what was delivered before it hears of any loss below.
    q.flight.endAck(now, sample);
    if (sample !== undefined) this.rtt.sample(sample);
    // An ack of new data ends the timer backoff even without a sample (RFC 9002 §6.2.1 does the
    // same for its probe timeout): without this, a window of retransmissions (Karn: no samples)
    // keeps doubling the RTO while the peer is plainly answering.
    else if (rackSent > 0) this.rtt.resetBackoff();
    if (ack.ranges.length) top = Math.max(top, ack.ranges[ack.ranges.length - 1][1] - 1);
    if (rackSent > this.rackSent) this.rackSent = rackSent;
    // Loss detection without waiting for the timer:
    // - SACK (RFC 6675): a hole with dupThresh acknowledged fragments above it is lost;
    // - time (RACK, RFC 8985): a fragment sent a reordering window before one that was delivered is lost.
    // Floors of 0.1 ms: timestamps are sub-millisecond, and a LAN round trip is far below 1 ms.
    const guard = Math.max(this.rtt.srtt ?? this.rtt.rto, 0.1);
    const rackRtt = now - this.rackSent;
    const reo = Math.max(((this.rtt.srtt ?? 0) / 4) * this.reoMult, 0.1);
    for (const f of q.inFlight.values()) {
      if (f.sacked || f.queuedAgain) continue;
      const bySack = top >= 0 && f.seq + core.config.dupThresh <= top && now - f.lastSent >= guard;
      const byTime = f.lastSent < this.rackSent && now - f.lastSent >= rackRtt + reo;
      if (!bySack && !byTime) continue;
      core.stats.fastRetransmits++;
      f.fastAt = now;
      q.flight.lost(f, now);
      q.queueAgain(f);
    }
    this.host.pump();
  }

  /**
   * Adapts the reordering window (RFC 8985 §6.2 does it with DSACK): an ack that arrives much sooner
   * than a round trip after a fast retransmission was for the original, so the loss was spurious.
   */
  private noteRecovery(sinceRetransmit: number): void {
    const minRtt = this.rtt.srtt ?? 0;
    if (sinceRetransmit < minRtt / 2) {
      this.reoMult = Math.min(this.reoMult * 2, 16);
      this.goodRecoveries = 0;
    } else if (++this.goodRecoveries >= 16 && this.reoMult > 1) {
      this.reoMult /= 2;
      this.goodRecoveries = 0;
    }
  }

  /**
   * Tail loss probe (RFC 8985 §7): when the last fragments of a burst are lost, no later ack can
   * reveal it, so after about two round trips one fragment is sent again to draw an ack.
   */
  private armProbe(): void {
    const { core, q } = this;
    const srtt = this.rtt.srtt;
    if (!core.running || q.unsacked === 0 || srtt === undefined) return;
    const now = core.clock.now();
    // Probe timeout (RFC 8985 §7.2): 2 SRTT, plus the peer's ack delay when what is un-SACKed went
    // in a single datagram (only then may its ack be delayed: the receiver acks every second
    // datagram at once), at least the 1 ms timer granularity; doubled for each probe that drew no ack.
    const pto = (Math.max(2 * srtt, 1) + (this.oneDatagram() ? core.config.ackDelayMs : 0)) * 2 ** this.probes;
    if (pto >= this.rto) return; // the retransmission timer comes first anyway
    const due = now + pto;
    if (core.timers.has('probe') && this.probeDue <= due) return;
    this.probeDue = due;
    core.timers.set('probe', pto, () => {
      if (!core.running || q.unsacked === 0) return;
      const t = core.clock.now();
      // Only when the tail has been quiet for a probe timeout: an ack in between moved things on.
      if (t - this.lastAckAt < pto - 1) { this.armProbe(); return; }
      let last: OutFrag | undefined;
      for (const f of q.inFlight.values()) if (!f.sacked) last = f;
      if (!last) return;
      core.stats.tailProbes++;
      this.probes++;
      this.host.transmit(last);
      this.host.flush();
      this.armProbe();
    });
  }

  /** Every un-SACKed fragment was last sent in the same datagram. */
  private oneDatagram(): boolean {
    let serial: number | undefined;
    for (const f of this.q.inFlight.values()) {
      if (f.sacked) continue;
      if (serial === undefined) serial = f.datagram;
      else if (f.datagram !== serial) return false;
    }
    return true;
  }
}

function inRanges(seq: number, ranges: Array<[number, number]>): boolean {
  for (let i = 0; i < ranges.length; i++) if (seq >= ranges[i][0] && seq < ranges[i][1]) return true;
  return false;
}
