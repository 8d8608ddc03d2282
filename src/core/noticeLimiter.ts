// At most one notice of a kind per interval, so a hostile peer cannot flood the view with them.

export const NOTICE_INTERVAL_MS = 10_000;

export class NoticeLimiter {
  private readonly last = new Map<string, number>();

  constructor(private readonly now: () => number, private readonly intervalMs = NOTICE_INTERVAL_MS) {}

  /** True when a notice of this kind may be shown now (and counts it as shown). */
  allow(key: string): boolean {
    const t = this.now();
    const prev = this.last.get(key);
    if (prev !== undefined && t - prev < this.intervalMs) return false;
    this.last.set(key, t);
    return true;
  }
}
