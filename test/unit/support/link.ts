import type { Transport } from '../../../src/core/session';
import type { FakeClock } from './fakeClock';

export interface Impairment {
  loss: number;
  duplicate: number;
  /** Probability that a datagram gets extra delay, which reorders it. */
  reorder: number;
  delayMs: number;
  /** Extra delay for reordered datagrams, uniform in [0, reorderMs). */
  reorderMs: number;
}

export const PERFECT: Impairment = { loss: 0, duplicate: 0, reorder: 0, delayMs: 1, reorderMs: 0 };

/**
 * One direction of an in-memory network on a fake clock, with seeded loss, duplication,
 * reordering and delay. `deliver` is wired to the receiving session afterwards.
 */
export class ImpairedLink implements Transport {
  deliver: (d: Buffer) => void = () => undefined;
  sent = 0;
  dropped = 0;
  duplicated = 0;
  reordered = 0;
  /** Every datagram handed to the link, for taps. */
  readonly tap: Buffer[] = [];
  keepTap = false;
  up = true;

  constructor(private readonly clock: FakeClock, private readonly rand: () => number, public imp: Impairment = PERFECT) {}

  send(datagram: Buffer): void {
    this.sent++;
    if (this.keepTap) this.tap.push(Buffer.from(datagram));
    if (!this.up || this.rand() < this.imp.loss) { this.dropped++; return; }
    const copies = this.rand() < this.imp.duplicate ? 2 : 1;
    if (copies === 2) this.duplicated++;
    for (let i = 0; i < copies; i++) {
      let delay = this.imp.delayMs;
      if (this.rand() < this.imp.reorder) { delay += this.rand() * this.imp.reorderMs; this.reordered++; }
      const copy = Buffer.from(datagram);
      this.clock.setTimeout(() => this.deliver(copy), delay);
    }
  }
}
