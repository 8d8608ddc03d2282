// What to acknowledge: the debt of each receive stream, its SACK ranges (cached), and when an ack goes out.
import type { AckBlock } from './codec';
import { MAX_SACK_RANGES } from './limits';
import type { SessionCore } from './sessionTypes';

/**
 * The SACK ranges ([start, end) pairs) of the sequence numbers buffered above the cumulative ack.
 * Too many holes for one ack: the lowest ranges (the holes to fill first) and the highest ones (so
 * the sender learns how far the data got, and does not stall on what it cannot see).
 */
export function sackRanges(buffered: Iterable<number>): Array<[number, number]> {
  const ranges: Array<[number, number]> = [];
  const seqs = [...buffered].sort((a, b) => a - b);
  if (seqs.length > 0) {
    let s = seqs[0];
    let e = s + 1;
    for (let i = 1; i < seqs.length; i++) {
      if (seqs[i] === e) e++;
      else { ranges.push([s, e]); s = seqs[i]; e = s + 1; }
    }
    ranges.push([s, e]);
  }
  const half = MAX_SACK_RANGES / 2;
  return ranges.length <= MAX_SACK_RANGES ? ranges : [...ranges.slice(0, half), ...ranges.slice(-half)];
}

/** What one receive stream owes its sender. */
export class StreamAck {
  /** New data datagrams not yet acknowledged. */
  pending = 0;
  /** An ack must go out at once (out-of-order data, a gap filled, or a duplicate). */
  now = false;
  /** SACK ranges of the buffer, kept until the buffer changes (duplicates do not rebuild them). */
  private cached?: Array<[number, number]>;

  get owed(): boolean { return this.pending > 0 || this.now; }

  /** The buffer changed: the ranges are built again when next needed. */
  invalidate(): void { this.cached = undefined; }

  /** The ranges of `buffered`, built only when the buffer changed since the last time. */
  ranges(buffered: Iterable<number>, onBuild: () => void): Array<[number, number]> {
    if (!this.cached) { this.cached = sackRanges(buffered); onBuild(); }
    return this.cached;
  }

  settle(): void {
    this.pending = 0;
    this.now = false;
  }
}

/** The receive stream an ack describes (receiveBuffer.ts RxStream). */
export interface AckedStream {
  streamId: number;
  expected: number;
  digest: number;
  buffer: ReadonlyMap<number, unknown>;
  ack: StreamAck;
}

/** Decides when the current receive stream is acknowledged: at once, after ackEvery datagrams, or after ackDelayMs. */
export class AckState {
  constructor(
    private readonly core: SessionCore,
    private readonly current: () => AckedStream | undefined,
    private readonly sendAck: (ack: AckBlock) => void,
  ) {}

  /** The ack of the current stream, owed or not. */
  build(): AckBlock | undefined {
    const rx = this.current();
    if (!rx) return undefined;
    const ranges = rx.ack.ranges(rx.buffer.keys(), () => this.core.stats.ackRangeBuilds++);
    return { streamId: rx.streamId, cumulative: rx.expected, digest: rx.digest, ranges };
  }

  /** The ack to piggyback on an outgoing datagram, if one is owed; clears the debt. */
  take(): AckBlock | undefined {
    const rx = this.current();
    if (!rx || !rx.ack.owed) return undefined;
    rx.ack.settle();
    // The delayed-ack timer is left to run out: it finds nothing owed (cheaper than cancelling it).
    return this.build();
  }

  /** Data arrived: ack now when it is urgent or ackEvery datagrams are owed, else within ackDelayMs. */
  schedule(): void {
    const rx = this.current();
    if (!rx) return;
    if (rx.ack.now || rx.ack.pending >= this.core.config.ackEvery) { this.flush(); return; }
    if (!this.core.timers.has('ackDelay') && rx.ack.pending > 0) {
      this.core.timers.set('ackDelay', this.core.config.ackDelayMs, () => this.flush());
    }
  }

  /**
   * The sender asked for an ack without delay (FLAG_ACK_NOW): it goes at the end of this turn, unless
   * a datagram sent before then (a reply) carries it.
   */
  soon(defer: (fn: () => void) => void): void {
    const rx = this.current();
    if (!rx || !rx.ack.owed) return;
    rx.ack.now = true;
    defer(() => this.flush());
  }

  /** Sends the owed ack on its own. */
  flush(): void {
    const ack = this.take();
    if (!ack || !this.core.running) return;
    this.core.stats.acksSent++;
    this.sendAck(ack);
  }
}
