import type { Clock, TimerHandle } from '../../../src/core/session';

/** A deterministic clock: timers run only when the test advances time. */
export class FakeClock implements Clock {
  private t = 1_000_000;
  private seq = 0;
  private timers = new Map<number, { at: number; fn: () => void; order: number }>();

  now(): number { return this.t; }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const id = ++this.seq;
    this.timers.set(id, { at: this.t + Math.max(0, ms), fn, order: id });
    return id;
  }

  clearTimeout(handle: TimerHandle): void { this.timers.delete(handle as number); }

  get pendingTimers(): number { return this.timers.size; }

  /** Runs every timer due within `ms`, in time order, including timers those timers set. */
  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      let nextId = -1;
      let next: { at: number; fn: () => void; order: number } | undefined;
      for (const [id, tm] of this.timers) {
        if (tm.at <= end && (!next || tm.at < next.at || (tm.at === next.at && tm.order < next.order))) { next = tm; nextId = id; }
      }
      if (!next) break;
      this.timers.delete(nextId);
      this.t = Math.max(this.t, next.at);
      next.fn();
    }
    this.t = end;
  }
}

/** Seeded PRNG (mulberry32): the same seed gives the same impairments. */
export { mulberry32 } from '../../../src/core/random';
