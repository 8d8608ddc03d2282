import assert from 'node:assert/strict';
import type { Packet } from '../../src/core/codec';
import { encodeBody, PacketType, streamDigest } from '../../src/core/codec';
import { ReceiveBuffer } from '../../src/core/receiveBuffer';
import type { IncomingMessage, SessionCore } from '../../src/core/sessionTypes';
import { DEFAULT_SESSION_CONFIG, newStats } from '../../src/core/sessionTypes';
import { Timers } from '../../src/core/timers';
import { FakeClock } from './support/fakeClock';

type Data = Extract<Packet, { type: PacketType.Data }>;

describe('core/receiveBuffer: ordering, reassembly, shown once', () => {
  function setup(shownUids: string[] = []) {
    const clock = new FakeClock();
    const shown: IncomingMessage[] = [];
    const notices: string[] = [];
    const core: SessionCore = {
      config: DEFAULT_SESSION_CONFIG, stats: newStats(), events: { message: (m) => shown.push(m) }, clock, timers: new Timers(clock), running: true,
      notice: (_l, t) => notices.push(t), noticeOnce: (_k, _l, t) => notices.push(t),
    };
    let peer = 7;
    const buf = new ReceiveBuffer(core, () => peer, shownUids);
    return { clock, core, buf, shown, notices, setPeer: (id: number) => { peer = id; } };
  }

  /** A message cut into `parts` fragments, as data packets from `seq` on. */
  function fragments(text: string, uid: string, msgId: number, parts: number, seq = 0, streamId = 1): Data[] {
    const body = encodeBody({ text, sentAt: 1, uid });
    const size = Math.ceil(body.length / parts);
    return Array.from({ length: parts }, (_, i) => ({
      type: PacketType.Data, senderId: 7, streamId, seq: seq + i, msgId, fragIndex: i, fragCount: parts, payload: body.subarray(i * size, (i + 1) * size),
    }));
  }

  it('reassembles fragments that arrive out of order, once the gap is filled, and chains the digest', () => {
    const { buf, shown } = setup();
    const [f0, f1, f2] = fragments('a message in three parts', '00000000000000a1', 1, 3);
    assert.ok(buf.onData(f2));
    assert.ok(buf.onData(f1));
    assert.equal(shown.length, 0, 'waits for the first fragment');
    assert.equal(buf.rx!.expected, 0);
    assert.ok(buf.rx!.ack.now, 'out of order: an ack is owed at once');
    assert.equal(buf.rx!.ack.ranges(buf.rx!.buffer.keys(), () => undefined).length, 1);
    buf.onData(f0);
    assert.deepEqual(shown.map((m) => m.text), ['a message in three parts']);
    assert.equal(buf.rx!.expected, 3);
    assert.equal(buf.rx!.buffer.size, 0);
    let digest = 0;
    for (const f of [f0, f1, f2]) digest = streamDigest(digest, f.msgId, f.fragIndex, f.fragCount, f.payload);
    assert.equal(buf.rx!.digest, digest);
  });

  it('drops a duplicate fragment and owes an ack for it', () => {
    const { core, buf, shown } = setup();
    const [f] = fragments('once', '00000000000000b1', 1, 1);
    buf.onData(f);
    buf.rx!.ack.settle();
    assert.ok(buf.onData(f));
    assert.equal(shown.length, 1);
    assert.equal(core.stats.duplicatesDropped, 1);
    assert.ok(buf.rx!.ack.now);
  });

  it('shows a uid once across streams (a resend after a reload), but another body under the same uid is shown', () => {
    const { core, buf, shown, setPeer } = setup(['00000000000000c0']);
    buf.onData(fragments('from history', '00000000000000c0', 1, 1)[0]);
    assert.equal(shown.length, 0, 'seeded from the saved history');
    buf.onData(fragments('hello', '00000000000000c1', 2, 1, 1)[0]);
    setPeer(8); // the sender reloaded: a new instance, a new stream, the same message again
    buf.onData(fragments('hello', '00000000000000c1', 1, 2, 0, 5)[0]);
    buf.onData(fragments('hello', '00000000000000c1', 1, 2, 0, 5)[1]);
    assert.deepEqual(shown.map((m) => m.text), ['hello']);
    buf.onData(fragments('different', '00000000000000c1', 2, 1, 2, 5)[0]);
    assert.deepEqual(shown.map((m) => m.text), ['hello', 'different']);
    assert.equal(core.stats.duplicatesDropped, 2);
    assert.ok(buf.knows(7) && buf.knows(8) && !buf.knows(9));
  });

  it('frees a gap that makes no progress for the reassembly timeout', () => {
    const { clock, core, buf, shown, notices } = setup();
    const [, f1, f2] = fragments('never completed', '00000000000000d1', 1, 3);
    buf.onData(f1);
    buf.onData(f2);
    clock.advance(core.config.reassemblyTimeoutMs);
    buf.expireGap(clock.now());
    assert.equal(buf.rx!.buffer.size, 2, 'not before the timeout has passed');
    clock.advance(1);
    buf.expireGap(clock.now());
    assert.equal(buf.rx!.buffer.size, 0);
    assert.equal(buf.rx!.gapSince, undefined);
    assert.ok(notices.some((n) => /Freed 2 fragments/.test(n)));
    assert.equal(shown.length, 0);
  });
});
