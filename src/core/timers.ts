// The session's one timer table: every timer of a session, by name, over the injected clock.

export type TimerHandle = unknown;

export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

export const systemClock: Clock = {
  now: () => performance.timeOrigin + performance.now(),
  setTimeout: (fn, ms) => {
    const t = setTimeout(fn, ms);
    t.unref?.();
    return t;
  },
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

/**
 * Named after what arms each timer: `rto` (a fragment in flight), `probe` (a tail that may be lost),
 * `ackDelay` (an ack owed), `hello` (the peer is silent), `tick` (heartbeats, offline detection and
 * reassembly timeouts), `textFallback` (a message typed to a peer that has shown nothing yet), `pace` (the pacer holds the
 * next datagram).
 */
export type TimerName = 'rto' | 'probe' | 'ackDelay' | 'hello' | 'tick' | 'textFallback' | 'pace';

/** At most one timer per name; a timer that fires is gone before its function runs. */
export class Timers {
  private readonly handles = new Map<TimerName, TimerHandle>();

  constructor(private readonly clock: Clock) {}

  /** Arms `name` (cancelling the one already armed) to run `fn` after `delayMs`. */
  set(name: TimerName, delayMs: number, fn: () => void): void {
    this.clear(name);
    const handle = this.clock.setTimeout(() => {
      if (this.handles.get(name) !== handle) return;
      this.handles.delete(name);
      fn();
    }, delayMs);
    this.handles.set(name, handle);
  }

  clear(name: TimerName): void {
    const h = this.handles.get(name);
    if (h === undefined) return;
    this.handles.delete(name);
    this.clock.clearTimeout(h);
  }

  has(name: TimerName): boolean {
    return this.handles.has(name);
  }

  clearAll(): void {
    for (const h of this.handles.values()) this.clock.clearTimeout(h);
    this.handles.clear();
  }
}
