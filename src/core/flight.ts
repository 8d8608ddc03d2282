// The send path's congestion bookkeeping (PROTOCOL.md §9): one record per data datagram for the
// congestion controller, the pacer, and the gate that decides whether one more fragment may go now.
// Fragments point at the record of the datagram that last carried them; packed fragments share one.
import { CongestionController } from './congestion';
import type { SentRecord } from './congestion';
import { Pacer } from './pacer';
import type { OutFrag } from './sessionTypes';

/** Bytes a datagram costs beyond its frames: IP + UDP headers and the sealed envelope (about). */
export const DATAGRAM_OVERHEAD_BYTES = 28 + 32;

export class Flight {
  readonly cc: CongestionController;
  readonly pacer: Pacer;
  /** Records of datagrams in flight (neither acknowledged, lost nor discarded). */
  private readonly open = new Set<SentRecord>();
  /** Records newly acknowledged by the ack being processed (handed to the controller at its end). */
  private acked: SentRecord[] = [];

  /**
   * `enabled` false: no congestion control (the gate always opens; records are still kept).
   * `maxDatagramBytes`: a full data datagram on the wire, overhead included (the controller's unit).
   */
  constructor(readonly enabled: boolean, now: number, seed: number, private readonly maxDatagramBytes: number) {
    this.cc = new CongestionController({ maxDatagramBytes, seed }, now);
    this.pacer = new Pacer({ maxDatagramBytes }, now);
  }

  get bytesInFlight(): number { return this.cc.bytesInFlight; }

  /**
   * Whether a frame of `bytes` may join the `pending` frame bytes not yet flushed: `true`, or the
   * time (ms) at which the pacer lets it go, or `false` when the window is full (an ack opens it).
   * A flight of at most the minimum window is not paced (a chat's few messages, a ping: pacing
   * them at the rate they themselves taught the model would only delay them).
   */
  gate(pending: number, bytes: number, now: number): true | false | number {
    if (!this.enabled) return true;
    const flight = this.cc.bytesInFlight + pending;
    if (!this.cc.canSend(flight)) return false;
    const rate = this.cc.pacingRateBytesPerMs;
    const at = this.pacer.nextSendTime(now, pending + bytes, rate);
    if (at <= now || flight + bytes <= this.cc.minCwndBytes) return true;
    // Wait until a whole datagram may go, so that paced data leaves in full datagrams.
    return Math.max(at, now + this.maxDatagramBytes / rate);
  }

  /** A data datagram of `bytes` left carrying `frags`. */
  sent(frags: readonly OutFrag[], bytes: number, now: number): void {
    const rec = this.cc.onSent(bytes, now);
    this.pacer.onSent(now, bytes, this.cc.pacingRateBytesPerMs);
    this.open.add(rec);
    for (const f of frags) {
      // A fragment sent again before its last datagram was judged (a tail probe, a resend after a
      // handshake): that datagram leaves the flight without a verdict.
      this.discard(f);
      f.rec = rec;
    }
  }

  /** `f` was acknowledged (cumulatively or selectively). Call `endAck` once the ack is processed. */
  acknowledged(f: OutFrag): void {
    const rec = f.rec;
    if (rec && this.open.delete(rec)) this.acked.push(rec);
    f.rec = undefined;
  }

  /** The ack is processed: the controller learns what it acknowledged. `rttMs`: its RTT sample (Karn). */
  endAck(now: number, rttMs: number | undefined): void {
    if (this.acked.length === 0) return;
    const recs = this.acked;
    this.acked = [];
    this.cc.onAcked(recs, now, rttMs);
  }

  /** `f` was declared lost: its datagram counts as lost (once, whatever else it carried). */
  lost(f: OutFrag, now: number): void {
    const rec = f.rec;
    if (rec && this.open.delete(rec)) this.cc.onLost(rec, now);
    f.rec = undefined;
  }

  /** The retransmission timer fired. */
  timeout(now: number): void {
    this.cc.onRetransmitTimeout(now);
  }

  /** `f`'s datagram leaves the flight without a verdict. */
  discard(f: OutFrag): void {
    const rec = f.rec;
    if (rec && this.open.delete(rec)) this.cc.onDiscarded(rec);
    f.rec = undefined;
  }

  /** The flight was emptied (a new stream, the peer left): every datagram leaves without a verdict. */
  discardAll(): void {
    for (const rec of this.open) this.cc.onDiscarded(rec);
    this.open.clear();
    this.acked = [];
  }

  /** The sender had nothing more to send although the gate was open. */
  appLimited(): void {
    this.cc.onAppLimited();
  }
}
