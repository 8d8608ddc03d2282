import assert from 'node:assert/strict';
import type { Packet } from '../../src/core/codec';
import { decode, encode, FLAG_PACK, PacketType, streamDigest } from '../../src/core/codec';
import { MAX_INNER_DATAGRAM, MAX_PACKED_FRAME_BYTES } from '../../src/core/limits';
import type { Side } from './support/pair';
import { lastStatus, makePair } from './support/pair';

type Decoded = Packet | undefined;
const packets = (side: Side): Decoded[] => side.link.tap.map((d) => { const r = decode(d); return r.kind === 'packet' ? r.packet : undefined; });
const ofType = <T extends PacketType>(ps: Decoded[], t: T) => ps.filter((p): p is Extract<Packet, { type: T }> => p?.type === t);
const text = (i: number, n: number): string => `${i}:`.padEnd(n, String.fromCharCode(97 + (i % 26)));

/** Every datagram within the sizes of PROTOCOL.md §7.4, and the frames of each within the frame budget. */
function assertSizes(side: Side): void {
  for (const d of side.link.tap) {
    assert.ok(d.length <= MAX_INNER_DATAGRAM, `a datagram of ${d.length} bytes`);
    const p = decode(d);
    if (p.kind === 'packet' && p.packet.type === PacketType.Packed) {
      const frames = p.packet.frames.reduce((n, f) => n + 14 + f.payload.length, 0);
      assert.ok(frames <= MAX_PACKED_FRAME_BYTES, `frames of ${frames} bytes`);
    }
  }
}

describe('core/session: packing messages and acks (PROTOCOL.md §7.4, §9.2)', () => {
  it('200 messages of 100 bytes sent in one go leave in about 200/9 datagrams (one per message unpacked), in order, once', () => {
    const counts: Record<string, number> = {};
    for (const pack of [true, false]) {
      const { clock, a, b } = makePair({ seed: 31, config: { pack } });
      a.session.start(); b.session.start();
      clock.advance(50);
      a.link.keepTap = true;
      const ids = Array.from({ length: 200 }, (_, i) => a.session.send({ text: text(i, 100) }));
      clock.advance(500);
      assert.deepEqual(b.received.map((m) => m.text), Array.from({ length: 200 }, (_, i) => text(i, 100)));
      assert.ok(ids.every((id) => lastStatus(a, id) === 'delivered'));
      const ps = packets(a);
      const data = ofType(ps, PacketType.Data).length + ofType(ps, PacketType.Packed).length;
      assert.equal(a.session.stats.dataDatagramsSent, data);
      counts[pack ? 'packed' : 'unpacked'] = data;
      if (pack) {
        assert.equal(ofType(ps, PacketType.Data).length, 0, 'a peer that reads PACKED gets no DATA');
        // A 100-byte text is a 119-byte body, a 133-byte frame: 9 fit in 1,214 bytes.
        assert.ok(data <= Math.ceil(200 / 9) + 4, `${data} data datagrams`);
        assert.ok(ofType(ps, PacketType.Packed).some((p) => p.frames.length === 9));
        assertSizes(a);
      } else {
        assert.equal(data, 200);
        assert.equal(ofType(ps, PacketType.Packed).length, 0);
      }
    }
    console.log(`      200 × 100 B: ${counts.packed} data datagrams packed, ${counts.unpacked} unpacked`);
  });

  it('a lost packed datagram loses its frames, which go again (repacked): exactly once, in order', () => {
    const { clock, a, b } = makePair({ seed: 32 });
    a.session.start(); b.session.start();
    clock.advance(50);
    // Drop the first and the third packed datagram of alice, once each.
    const orig = a.link.deliver;
    let packedSeen = 0;
    const lost: number[][] = [];
    a.link.deliver = (d) => {
      const p = decode(d);
      if (p.kind === 'packet' && p.packet.type === PacketType.Packed && [1, 3].includes(++packedSeen)) { lost.push(p.packet.frames.map((f) => f.seq)); return; }
      orig(d);
    };
    for (let i = 0; i < 60; i++) a.session.send({ text: text(i, 60) });
    clock.advance(2000);
    assert.deepEqual(b.received.map((m) => m.text), Array.from({ length: 60 }, (_, i) => text(i, 60)));
    assert.ok(lost.length === 2 && lost.every((l) => l.length > 1), `lost ${JSON.stringify(lost)}`);
    assert.ok(a.session.stats.retransmissions >= lost[0].length + lost[1].length, `${a.session.stats.retransmissions} retransmissions`);
    assert.equal(a.session.stats.messagesDelivered, 60);
    assert.equal(a.session.pendingCount, 0);
  });

  it('mixed sizes (empty to several fragments) under loss, duplication and reordering: every datagram within the limits, all delivered once, in order', () => {
    const imp = { loss: 0.15, duplicate: 0.05, reorder: 0.1, delayMs: 2, reorderMs: 20 };
    const { clock, a, b } = makePair({ seed: 33, ab: imp, ba: imp, config: { retryBudgetMs: 120_000 } });
    a.session.start(); b.session.start();
    for (let i = 0; i < 20 && (a.session.presence !== 'online' || b.session.presence !== 'online'); i++) clock.advance(1000);
    a.link.keepTap = true;
    b.link.keepTap = true;
    const sizes = [0, 1, 10, 100, 1180, 1181, 1200, 1201, 2500, 30, 5000, 7, 1300, 64];
    const sent: string[] = [];
    for (let round = 0; round < 10; round++) {
      for (const [k, n] of sizes.entries()) { const t = text(round * 100 + k, n).slice(0, n); sent.push(t); a.session.send({ text: t }); }
      b.session.send({ text: `reply ${round}` });
      clock.advance(round % 3 === 0 ? 1 : 30);
    }
    for (let t = 0; t < 600 && b.received.length < sent.length; t++) clock.advance(100);
    assert.deepEqual(b.received.map((m) => m.text), sent);
    assert.deepEqual(a.received.map((m) => m.text), Array.from({ length: 10 }, (_, i) => `reply ${i}`));
    assertSizes(a);
    assertSizes(b);
    const ps = packets(a);
    assert.ok(ofType(ps, PacketType.Packed).some((p) => p.frames.length > 1 && p.frames.some((f) => f.fragCount > 1)), 'the last fragment of a long message shares a datagram');
  });

  it('acks like QUIC: one ack at most per two data datagrams, a lone datagram after the 10 ms ack delay, the last of a burst (FLAG_ACK_NOW) and an out-of-order one at once', () => {
    const { clock, a, b } = makePair({ seed: 34 });
    a.session.start(); b.session.start();
    clock.advance(50);
    b.link.keepTap = true;
    a.link.keepTap = true;
    // One lone message: its ack rides on a reply, or comes after the ack delay, not before.
    a.session.send({ text: 'lone' });
    clock.advance(1); // sent (deferred to the end of the turn), arrives 1 ms later
    clock.advance(5);
    assert.equal(b.received.length, 1);
    assert.equal(ofType(packets(a), PacketType.Packed).at(-1)!.ackNow, undefined, 'a lone message does not ask');
    assert.equal(ofType(packets(b), PacketType.Ack).length, 0, 'not before the ack delay');
    clock.advance(10);
    assert.equal(ofType(packets(b), PacketType.Ack).length, 1);
    // A burst: acks at most one per two packed datagrams (not per message, not per fragment).
    const acksBefore = b.session.stats.acksSent;
    const dataBefore = a.session.stats.dataDatagramsSent;
    for (let i = 0; i < 300; i++) a.session.send({ text: text(i, 80) });
    clock.advance(1000);
    assert.equal(b.received.length, 301);
    const datagrams = a.session.stats.dataDatagramsSent - dataBefore;
    const acks = b.session.stats.acksSent - acksBefore;
    assert.ok(datagrams < 60, `${datagrams} data datagrams for 300 messages`);
    assert.ok(acks >= 1 && acks <= Math.ceil(datagrams / 2) + 2, `${acks} acks for ${datagrams} data datagrams`);
    // The burst's last datagram asks for its ack at once (FLAG_ACK_NOW): the sender waits for it.
    assert.equal(ofType(packets(a), PacketType.Packed).at(-1)!.ackNow, true);
    // Out of order: a datagram above a gap is acknowledged at once.
    const before = ofType(packets(b), PacketType.Ack).length;
    const p = ofType(packets(a), PacketType.Packed).at(-1)!;
    const last = p.frames.at(-1)!;
    b.session.receive(encode({ ...p, ack: undefined, frames: [{ ...last, seq: last.seq + 5 }] }));
    assert.equal(ofType(packets(b), PacketType.Ack).length, before + 1, 'at once');
    assert.deepEqual(ofType(packets(b), PacketType.Ack).at(-1)!.ack.ranges, [[last.seq + 5, last.seq + 6]]);
  });

  it('the ack rides on the reply: a message answered at once carries the ack of the one it answers', () => {
    const { clock, a, b } = makePair({ seed: 35 });
    a.session.start(); b.session.start();
    clock.advance(50);
    b.link.keepTap = true;
    const echo = b.session;
    const orig = b.session['events'].message!;
    b.session['events'].message = (m) => { orig(m); echo.send({ text: `re: ${m.text}` }); };
    for (let i = 0; i < 5; i++) { a.session.send({ text: `ping ${i}` }); clock.advance(20); }
    assert.deepEqual(a.received.map((m) => m.text), Array.from({ length: 5 }, (_, i) => `re: ping ${i}`));
    const ps = packets(b);
    assert.equal(ofType(ps, PacketType.Ack).length, 0, 'no ack of its own');
    assert.ok(ofType(ps, PacketType.Packed).every((p) => p.ack !== undefined), 'every reply carries an ack');
  });

  it('a large ack block that leaves no room for a full fragment goes alone first; nothing exceeds the largest datagram', () => {
    // Bob, window of one fragment, sends two messages of one full fragment each. Before the second
    // may go, a datagram from alice fills bob's receive buffer with 20 holes and acknowledges the
    // first: bob owes an ack of 16 SACK ranges (141 bytes), which with a full fragment would be
    // 14 + 141 + 1,214 = 1,369 bytes, over the 1,367 of MAX_INNER_DATAGRAM.
    const { clock, a, b } = makePair({ seed: 36, config: { window: 1 } });
    a.session.start(); b.session.start();
    clock.advance(50);
    b.link.keepTap = true;
    a.link.up = false; // bob hears only what the test feeds him
    b.link.up = false;
    b.session.send({ text: 'x'.repeat(1200 - 19) });
    b.session.send({ text: 'y'.repeat(1200 - 19) });
    clock.advance(1);
    const first = ofType(packets(b), PacketType.Packed);
    assert.equal(first.length, 1);
    const f = first[0].frames[0];
    assert.equal(f.payload.length, 1200);
    const digest = streamDigest(0, f.msgId, 0, 1, f.payload);
    const holes = Array.from({ length: 20 }, (_, i) => ({ seq: 2 + 2 * i, msgId: 100 + i, fragIndex: 0, fragCount: 1, payload: Buffer.from('z') }));
    const tapped = b.link.tap.length;
    b.session.receive(encode({ type: PacketType.Packed, senderId: a.session.senderId, streamId: 1, frames: holes, ack: { streamId: first[0].streamId, cumulative: f.seq + 1, digest, ranges: [] } }));
    clock.advance(1);
    const after = b.link.tap.slice(tapped).map((d) => decode(d)).flatMap((r) => (r.kind === 'packet' ? [r.packet] : []));
    assert.deepEqual(after.map((p) => p.type), [PacketType.Ack, PacketType.Packed], 'the ack alone, then the fragment');
    const ack = after[0] as Extract<Packet, { type: PacketType.Ack }>;
    assert.equal(ack.ack.ranges.length, 16);
    assert.equal((after[1] as Extract<Packet, { type: PacketType.Packed }>).frames[0].payload.length, 1200);
    assertSizes(b);
  });

  it('an older peer (no FLAG_PACK in its hello) gets one DATA datagram per fragment; we still read its DATA', () => {
    const { clock, a, b } = makePair({ seed: 37, b: { config: { pack: false } } });
    a.link.keepTap = true;
    b.link.keepTap = true;
    a.session.start(); b.session.start();
    clock.advance(50);
    for (let i = 0; i < 20; i++) a.session.send({ text: `to old ${i}` });
    for (let i = 0; i < 5; i++) b.session.send({ text: `from old ${i}` });
    clock.advance(500);
    assert.equal(b.received.length, 20);
    assert.equal(a.received.length, 5);
    const pa = packets(a);
    assert.equal(ofType(pa, PacketType.Packed).length, 0);
    assert.equal(ofType(pa, PacketType.Data).length, 20);
    assert.ok(ofType(pa, PacketType.Hello).length > 0 && ofType(pa, PacketType.Hello).every((h) => h.pack === true), 'we say we read PACKED');
    assert.ok(ofType(packets(b), PacketType.Hello).length > 0 && ofType(packets(b), PacketType.Hello).every((h) => h.pack === false));
    // The flag is bit 2 of the hello's flags byte.
    const hello = a.link.tap.find((d) => d[4] === PacketType.Hello)!;
    assert.equal(hello[5] & FLAG_PACK, FLAG_PACK);
  });
});
