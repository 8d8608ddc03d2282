// Per-source token buckets, so that a flood from one address cannot take over the host.
// Bounded: at most `maxSources` sources are tracked; the stalest is forgotten first.

export interface GuardConfig {
  /** Datagrams per second a source may send on average. */
  ratePerSecond: number;
  /** Burst a source may send at once. */
  burst: number;
  maxSources: number;
}

export const DEFAULT_GUARD: GuardConfig = { ratePerSecond: 2000, burst: 4000, maxSources: 1024 };
/** Strangers (not the peer) get a much smaller allowance: they are only logged. */
export const STRANGER_GUARD: GuardConfig = { ratePerSecond: 20, burst: 50, maxSources: 1024 };

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
