import assert from 'node:assert/strict';
import type { AckBlock } from '../../src/core/codec';
import type { AckedStream } from '../../src/core/ackState';
import { AckState, sackRanges, StreamAck } from '../../src/core/ackState';
import { MAX_SACK_RANGES } from '../../src/core/limits';
import type { SessionCore } from '../../src/core/sessionTypes';
import { DEFAULT_SESSION_CONFIG, newStats } from '../../src/core/sessionTypes';
import { Timers } from '../../src/core/timers';
import { FakeClock } from './support/fakeClock';

describe('core/ackState: what to acknowledge, and when', () => {
  it('builds SACK ranges from the buffered sequence numbers, in any order', () => {
    assert.deepEqual(sackRanges([]), []);
    assert.deepEqual(sackRanges([13, 5, 9, 7, 6, 12]), [[5, 8], [9, 10], [12, 14]]);
    assert.deepEqual(sackRanges([3]), [[3, 4]]);
  });

  it('keeps the lowest and the highest ranges when there are too many holes', () => {
    const seqs = Array.from({ length: 40 }, (_, i) => 10 + 2 * i); // 40 single-fragment ranges
    const r = sackRanges(seqs);
    assert.equal(r.length, MAX_SACK_RANGES);
    assert.deepEqual(r[0], [10, 11]);
    assert.deepEqual(r[MAX_SACK_RANGES / 2 - 1], [24, 25]);
    assert.deepEqual(r[MAX_SACK_RANGES / 2], [10 + 2 * 32, 11 + 2 * 32]);
    assert.deepEqual(r[r.length - 1], [88, 89]);
  });

  it('caches the ranges of a stream until its buffer changes', () => {
    const a = new StreamAck();
    let builds = 0;
    const buffer = new Map<number, unknown>([[4, 0], [5, 0]]);
    assert.deepEqual(a.ranges(buffer.keys(), () => builds++), [[4, 6]]);
    buffer.set(7, 0);
    assert.deepEqual(a.ranges(buffer.keys(), () => builds++), [[4, 6]], 'not rebuilt before invalidate');
    a.invalidate();
    assert.deepEqual(a.ranges(buffer.keys(), () => builds++), [[4, 6], [7, 8]]);
    assert.equal(builds, 2);
  });

  function setup(config: Partial<typeof DEFAULT_SESSION_CONFIG> = {}) {
    const clock = new FakeClock();
    const core: SessionCore = {
      config: { ...DEFAULT_SESSION_CONFIG, ...config }, stats: newStats(), events: {}, clock, timers: new Timers(clock), running: true,
      notice: () => undefined, noticeOnce: () => undefined,
    };
    const rx: AckedStream = { streamId: 3, expected: 2, digest: 0xabc, buffer: new Map([[5, 0]]), ack: new StreamAck() };
    const sent: AckBlock[] = [];
    const acks = new AckState(core, () => rx, (a) => sent.push(a));
    return { clock, core, rx, sent, acks };
  }

  it('soon (FLAG_ACK_NOW): the ack goes at the end of the turn, unless a datagram sent before then carries it', () => {
    const { rx, sent, acks } = setup({ ackEvery: 2, ackDelayMs: 10 });
    const turns: Array<() => void> = [];
    rx.ack.pending++;
    acks.soon((fn) => turns.push(fn));
    assert.equal(sent.length, 0, 'not inside the turn');
    turns.shift()!();
    assert.equal(sent.length, 1, 'at the end of the turn, without the ack delay');
    rx.ack.pending++;
    acks.soon((fn) => turns.push(fn));
    assert.ok(acks.take(), 'a reply takes the ack');
    turns.shift()!();
    assert.equal(sent.length, 1, 'nothing is left to send on its own');
    acks.soon((fn) => turns.push(fn));
    assert.equal(turns.length, 0, 'nothing owed: nothing scheduled');
  });

  it('acks after ackEvery datagrams at once, a lone one after ackDelayMs', () => {
    const { clock, core, rx, sent, acks } = setup({ ackEvery: 2, ackDelayMs: 10 });
    rx.ack.pending++;
    acks.schedule();
    assert.equal(sent.length, 0, 'one datagram waits for the delay');
    clock.advance(10);
    assert.deepEqual(sent, [{ streamId: 3, cumulative: 2, digest: 0xabc, ranges: [[5, 6]] }]);
    rx.ack.pending += 2;
    acks.schedule();
    assert.equal(sent.length, 2, 'ackEvery reached: at once');
    assert.equal(core.stats.acksSent, 2);
    rx.ack.now = true;
    acks.schedule();
    assert.equal(sent.length, 3, 'urgent: at once');
  });

  it('a piggybacked ack settles the debt: the delay timer then finds nothing to send', () => {
    const { clock, core, rx, sent, acks } = setup({ ackEvery: 2, ackDelayMs: 10 });
    assert.equal(acks.take(), undefined, 'nothing owed');
    rx.ack.pending++;
    acks.schedule();
    const piggy = acks.take();
    assert.equal(piggy?.cumulative, 2);
    assert.ok(!rx.ack.owed);
    clock.advance(50);
    assert.equal(sent.length, 0);
    assert.equal(core.stats.acksSent, 0);
  });
});
