import assert from 'node:assert/strict';
import { mulberry32 } from './support/fakeClock';
import { PERFECT } from './support/link';
import type { Side } from './support/pair';
import { lastStatus, makePair, makeSide } from './support/pair';

// Exactly once across reloads and restarts of either side (PROTOCOL.md §4, message uid): a message
// that was shown but whose ack was lost is sent again by the sender's next instance, with the same uid.
describe('core/session: exactly once across restarts', () => {
  /** Replaces one side of the pair by a new session on the same links (a reload). */
  function restart(pair: ReturnType<typeof makePair>, which: 'a' | 'b', opts: { shownUids?: string[] } = {}): Side {
    const old = pair[which];
    const other = which === 'a' ? pair.b : pair.a;
    old.session.end('reload');
    const side = makeSide(pair.clock, mulberry32(which === 'a' ? 101 : 202), PERFECT, which === 'a' ? 'alice-reloaded' : 'bob-restarted', { shownUids: opts.shownUids });
    side.link.deliver = (d) => other.session.receive(d);
    old.link.deliver = () => undefined;
    (which === 'a' ? pair.b : pair.a).link.deliver = (d) => side.session.receive(d);
    return side;
  }

  it('the sender reloads while its message is shown but unacknowledged: the resend is not shown again', () => {
    const pair = makePair({ seed: 21 });
    const { clock, a, b } = pair;
    a.session.start(); b.session.start();
    clock.advance(200);
    b.link.up = false; // bob's acks are lost
    a.session.send({ text: 'in flight at the reload' }, 'e1', { uid: '00000000000000e1' });
    clock.advance(300);
    assert.deepEqual(b.received.map((m) => m.text), ['in flight at the reload']);
    assert.equal(lastStatus(a, 'e1'), 'sending');
    // alice's window reloads; the host sends the pending entry again with its saved uid
    const a2 = restart(pair, 'a');
    b.link.up = true;
    a2.session.start();
    a2.session.send({ text: 'in flight at the reload' }, 'e1', { uid: '00000000000000e1' });
    // Its bye was lost too: bob believes the new instance once the old one was quiet for 10 s.
    clock.advance(20_000);
    assert.deepEqual(b.received.map((m) => m.text), ['in flight at the reload'], 'shown once');
    assert.equal(lastStatus(a2, 'e1'), 'delivered');
  });

  it('the receiver restarts (its history remembers what it showed): a resent message is not shown again', () => {
    const pair = makePair({ seed: 22 });
    const { clock, a, b } = pair;
    a.session.start(); b.session.start();
    clock.advance(200);
    a.link.up = true;
    b.link.up = false;
    a.session.send({ text: 'shown before the restart' }, 'e1', { uid: '00000000000000f1' });
    clock.advance(300);
    assert.deepEqual(b.received.map((m) => m.uid), ['00000000000000f1']);
    const b2 = restart(pair, 'b', { shownUids: b.received.map((m) => m.uid) });
    b2.session.start();
    clock.advance(20_000); // alice's message keeps going; bob's new instance answers
    a.session.send({ text: 'new after the restart' }, 'e2');
    clock.advance(3000);
    assert.deepEqual(b2.received.map((m) => m.text), ['new after the restart']);
    assert.equal(lastStatus(a, 'e2'), 'delivered');
  });

  it('another message with the same uid but a different body is shown (it is not a copy)', () => {
    const { clock, a, b } = makePair({ seed: 23 });
    a.session.start(); b.session.start();
    clock.advance(200);
    a.session.send({ text: 'first' }, 'x1', { uid: '1111111111111111' });
    a.session.send({ text: 'second' }, 'x2', { uid: '1111111111111111' });
    clock.advance(300);
    assert.deepEqual(b.received.map((m) => m.text), ['first', 'second']);
  });
});
