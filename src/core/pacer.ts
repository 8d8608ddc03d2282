// Pacing (PROTOCOL.md §9.5.5): a token bucket that spreads datagrams at the congestion controller's
// pacing rate, with a small burst so that a timer of about 1 ms granularity can keep up. Pure: times
// in ms are passed in.

export interface PacerConfig {
  /** The largest datagram (bytes). */
  maxDatagramBytes: number;
  /** The bucket holds at least this many datagrams (the burst after idle, and the slack per timer tick). */
  burstDatagrams: number;
  /**
   * The sender's timer granularity (ms): the bucket also holds what the rate sends in this time, so a
   * sender woken late by its timer can still send at the rate. 0 for exact timers (a simulator).
   */
  granularityMs: number;
  /** The bucket never holds more than this (bytes), whatever the rate (a cap on line-rate bursts). */
  maxBurstBytes: number;
}

export const DEFAULT_PACER_CONFIG: PacerConfig = {
  maxDatagramBytes: 1280,
  burstDatagrams: 2,
  granularityMs: 1,
  maxBurstBytes: 64 * 1024,
};

export class Pacer {
  private readonly cfg: PacerConfig;
  private tokens: number;
  private last: number;

  constructor(config: Partial<PacerConfig> = {}, now = 0) {
    this.cfg = { ...DEFAULT_PACER_CONFIG, ...config };
    this.tokens = this.cfg.burstDatagrams * this.cfg.maxDatagramBytes;
    this.last = now;
  }

  /** The bucket's size at `rateBytesPerMs`. */
  bucketBytes(rateBytesPerMs: number): number {
    const { maxDatagramBytes, burstDatagrams, granularityMs, maxBurstBytes } = this.cfg;
    const floor = burstDatagrams * maxDatagramBytes;
    return Math.max(floor, Math.min(maxBurstBytes, rateBytesPerMs * granularityMs));
  }

  private refill(now: number, rate: number): void {
    if (now > this.last) {
      this.tokens = Math.min(this.bucketBytes(rate), this.tokens + (now - this.last) * rate);
      this.last = now;
    }
  }

  /**
   * When a datagram of `bytes` may leave at `rateBytesPerMs`: `now` means send now, a later time
   * means wait until then (arm a timer for it, or send when something else wakes the sender).
   */
  nextSendTime(now: number, bytes: number, rateBytesPerMs: number): number {
    if (!(rateBytesPerMs > 0) || rateBytesPerMs === Infinity) return now;
    this.refill(now, rateBytesPerMs);
    if (this.tokens >= bytes - 1e-6) return now; // (a rounding error is no reason to wait)
    return now + (bytes - this.tokens) / rateBytesPerMs;
  }

  /** True when `nextSendTime` is now. */
  canSendNow(now: number, bytes: number, rateBytesPerMs: number): boolean {
    return this.nextSendTime(now, bytes, rateBytesPerMs) <= now;
  }

  /** A datagram of `bytes` left at `now` (the bucket may go below zero when the caller sent anyway). */
  onSent(now: number, bytes: number, rateBytesPerMs: number): void {
    if (rateBytesPerMs > 0 && rateBytesPerMs !== Infinity) this.refill(now, rateBytesPerMs);
    this.tokens -= bytes;
  }
}
