// One timer for every conversation on an endpoint (KCP's ikcp_check idea): each session's named
// timers land in one min-heap, and only the earliest deadline holds a timer of the base clock.
import type { Clock, TimerHandle } from './session';

interface Entry { at: number; seq: number; fn: () => void; live: boolean }

export class TimerTable implements Clock {
  private heap: Entry[] = [];
  private seq = 0;
  private armedAt = Infinity;
  private armed: TimerHandle | undefined;
  private live = 0;

  constructor(private readonly base: Clock) {}

  now(): number { return this.base.now(); }

  setTimeout(fn: () => void, ms: number): TimerHandle {
    const e: Entry = { at: this.base.now() + Math.max(0, ms), seq: this.seq++, fn, live: true };
    this.push(e);
    this.live++;
    this.rearm();
    return e;
  }

  clearTimeout(handle: TimerHandle): void {
    const e = handle as Entry | undefined;
    if (!e || !e.live) return;
    e.live = false;
    this.live--;
    // Dead entries stay in the heap until they surface; compact when they outnumber the live ones.
    if (this.heap.length > 64 && this.live * 2 < this.heap.length) this.compact();
  }

  /** The earliest pending deadline, or undefined when nothing is pending. */
  nextDeadline(): number | undefined {
    this.dropDead();
    return this.heap.length ? this.heap[0].at : undefined;
  }

  get pending(): number { return this.live; }

  /** Runs everything due by now, in deadline order (ties in the order they were set). */
  private runDue(): void {
    const now = this.base.now();
    // Timers set by the callbacks run on the next turn, so a 0 ms timer that re-arms itself cannot spin.
    const before = this.seq;
    for (;;) {
      this.dropDead();
      const top = this.heap[0];
      if (!top || top.at > now || top.seq >= before) break;
      this.pop();
      top.live = false;
      this.live--;
      try { top.fn(); } catch { /* one conversation's failure must not stop the others' timers */ }
    }
  }

  private rearm(): void {
    const next = this.nextDeadline();
    if (next === this.armedAt) return;
    if (this.armed !== undefined) this.base.clearTimeout(this.armed);
    this.armed = undefined;
    this.armedAt = Infinity;
    if (next === undefined) return;
    this.armedAt = next;
    this.armed = this.base.setTimeout(() => {
      this.armed = undefined;
      this.armedAt = Infinity;
      this.runDue();
      this.rearm();
    }, Math.max(0, next - this.base.now()));
  }

  private dropDead(): void { while (this.heap.length && !this.heap[0].live) this.pop(); }

  private compact(): void {
    this.heap = this.heap.filter((e) => e.live);
    for (let i = (this.heap.length >> 1) - 1; i >= 0; i--) this.down(i);
  }

  private less(a: Entry, b: Entry): boolean { return a.at < b.at || (a.at === b.at && a.seq < b.seq); }

  private push(e: Entry): void {
    const h = this.heap;
    h.push(e);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(h[i], h[p])) break;
      [h[i], h[p]] = [h[p], h[i]];
      i = p;
    }
  }

  private pop(): Entry | undefined {
    const h = this.heap;
    const top = h[0];
    const last = h.pop();
    if (h.length && last) { h[0] = last; this.down(0); }
    return top;
  }

  private down(i: number): void {
    const h = this.heap;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && this.less(h[l], h[m])) m = l;
      if (r < h.length && this.less(h[r], h[m])) m = r;
      if (m === i) return;
      [h[i], h[m]] = [h[m], h[i]];
      i = m;
    }
  }
}
