import assert from 'node:assert/strict';
import { PacketType } from '../../src/core/codec';
import { ALIVE_MAX_RTO_MS } from '../../src/core/lossRecovery';
import { makePair, lastStatus } from './support/pair';
import type { Side } from './support/pair';
import { decode } from '../../src/core/codec';

/** Data datagrams (DATA or PACKED) that `side` put on its link so far. */
function dataSent(side: Side): number {
  return side.link.tap.map((d) => decode(d)).filter((r) => r.kind === 'packet' && (r.packet.type === PacketType.Packed || r.packet.type === PacketType.Data)).length;
}

const full = (i: number) => `${i}`.padEnd(1150, '.');

describe('core/session: congestion control and pacing on the send path (PROTOCOL.md §9.3)', () => {
  it('a burst starts with the initial window (10 datagrams) before any ack; without congestion control all of it leaves at once', () => {
    const counts: Record<string, number> = {};
    for (const congestionControl of [true, false]) {
      // 20 ms each way: nothing is acknowledged for 40 ms.
      const slow = { loss: 0, duplicate: 0, reorder: 0, delayMs: 20, reorderMs: 0 };
      const { clock, a, b } = makePair({ seed: 41, ab: slow, ba: slow, config: { congestionControl } });
      a.session.start(); b.session.start();
      clock.advance(200);
      a.link.keepTap = true;
      const ids = Array.from({ length: 100 }, (_, i) => a.session.send({ text: full(i) }));
      clock.advance(30); // less than a round trip
      counts[String(congestionControl)] = dataSent(a);
      clock.advance(5000);
      assert.equal(b.received.length, 100);
      assert.deepEqual(b.received.map((m) => m.text), Array.from({ length: 100 }, (_, i) => full(i)));
      assert.ok(ids.every((id) => lastStatus(a, id) === 'delivered'));
    }
    assert.ok(counts.true >= 10 && counts.true <= 12, `${counts.true} datagrams in the first round trip with congestion control`);
    assert.equal(counts.false, 100, 'without it the whole burst leaves at once');
  });

  it('the window grows with the acks: the burst takes a few round trips, not one per window', () => {
    const slow = { loss: 0, duplicate: 0, reorder: 0, delayMs: 10, reorderMs: 0 };
    const { clock, a, b } = makePair({ seed: 42, ab: slow, ba: slow });
    a.session.start(); b.session.start();
    clock.advance(200);
    const t0 = clock.now();
    for (let i = 0; i < 300; i++) a.session.send({ text: full(i) });
    let doneAt = 0;
    while (b.received.length < 300 && clock.now() - t0 < 10_000) { clock.advance(5); doneAt = clock.now() - t0; }
    assert.equal(b.received.length, 300);
    // At 10 windows of 10 datagrams per 20 ms round trip that would take 600 ms; Startup doubles.
    assert.ok(doneAt < 250, `300 datagrams in ${doneAt} ms`);
    clock.advance(100); // the last acks
    assert.equal(a.session.congestion.bytesInFlight, 0, 'every datagram left the flight: acknowledged');
    assert.equal(a.session.inFlightCount, 0);
  });

  it('the retransmission timer backs off to at most 2 s while the peer is heard from, and fully when it is not', () => {
    const { clock, a, b } = makePair({ seed: 43 });
    a.session.start(); b.session.start();
    clock.advance(200);
    // Alice's data to bob is lost from now on; bob's heartbeats still reach her.
    a.link.deliver = (d) => { const r = decode(d); if (r.kind === 'packet' && r.packet.type !== PacketType.Packed && r.packet.type !== PacketType.Data) b.session.receive(d); };
    a.session.send({ text: 'lost again and again' });
    clock.advance(12_000);
    assert.ok(a.session.rto <= ALIVE_MAX_RTO_MS, `rto ${a.session.rto} while bob is heard`);
    assert.ok(a.session.stats.timeouts >= 6, `${a.session.stats.timeouts} timeouts in 12 s`);
    // Bob goes silent (gone): once he counts as offline, the backoff goes past the ceiling.
    b.link.deliver = () => undefined;
    clock.advance(20_000);
    assert.ok(a.session.rto > ALIVE_MAX_RTO_MS, `rto ${a.session.rto} with bob gone`);
  });
});
