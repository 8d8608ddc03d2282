// Per-source token buckets, so that a flood from one address cannot take over the host.
// Bounded: at most `maxSources` sources are tracked; the stalest is forgotten first.

export interface GuardConfig {
  /** Datagrams per second a source may send on average. */
  ratePerSecond: number;
  /** Burst a source may send at once. */
  burst: number;
  maxSources: number;
}

/**
 * The peer's own address. High enough that the protocol (at most 64 fragments in flight) never
 * meets it on a fast LAN; it only stops absurd floods from (or spoofing) the peer's address.
 */
export const DEFAULT_GUARD: GuardConfig = { ratePerSecond: 50_000, burst: 20_000, maxSources: 1 };
/** Plain-text lines from the peer, each of which becomes a chat entry. */
export const PLAIN_MESSAGE_GUARD: GuardConfig = { ratePerSecond: 50, burst: 200, maxSources: 1 };
/** Strangers (not the peer) get a much smaller allowance: they are only logged. Per address:port, */
export const STRANGER_GUARD: GuardConfig = { ratePerSecond: 20, burst: 50, maxSources: 1024 };
/** per address (one host rotating its source ports gets no fresh burst per port), */
export const STRANGER_HOST_GUARD: GuardConfig = { ratePerSecond: 50, burst: 100, maxSources: 1024 };
/** and for all strangers together. */
export const STRANGER_TOTAL_GUARD: GuardConfig = { ratePerSecond: 200, burst: 500, maxSources: 1 };

interface Bucket { tokens: number; at: number; dropped: number }

export class SourceGuard {
  private buckets = new Map<string, Bucket>();
  totalDropped = 0;

  constructor(private readonly cfg: GuardConfig, private readonly now: () => number) {}

  /** True when the datagram may be processed; false when the source is over its rate. */
  admit(source: string): boolean {
    const t = this.now();
    let b = this.buckets.get(source);
    if (!b) {
      if (this.buckets.size >= this.cfg.maxSources) this.buckets.delete(this.buckets.keys().next().value as string);
      b = { tokens: this.cfg.burst, at: t, dropped: 0 };
    } else {
      this.buckets.delete(source); // re-insert: Map order is recency
      b.tokens = Math.min(this.cfg.burst, b.tokens + ((t - b.at) / 1000) * this.cfg.ratePerSecond);
      b.at = t;
    }
    this.buckets.set(source, b);
    if (b.tokens >= 1) { b.tokens -= 1; return true; }
    b.dropped++;
    this.totalDropped++;
    return false;
  }

  /** Dropped counts per source since the last call, then reset (for periodic log lines). */
  takeDropped(): Array<[string, number]> {
    const out: Array<[string, number]> = [];
    for (const [k, b] of this.buckets) if (b.dropped > 0) { out.push([k, b.dropped]); b.dropped = 0; }
    return out;
  }

  get trackedSources(): number { return this.buckets.size; }
}
