import assert from 'node:assert/strict';
import { lastStatus, makePair } from './support/pair';

// Outages that make messages fail: every failure moves the sender to a new stream. Once the link
// works again, the two sides must always find each other, whatever happened before (fake clock).
describe('core/session after outages', function () {
  this.timeout(30_000);

  it('two outages (64 messages in flight, then one) do not leave the chat stuck', () => {
    const { clock, a, b } = makePair({ seed: 11 });
    a.session.start(); b.session.start();
    clock.advance(200);
    assert.equal(a.session.presence, 'online');
    a.session.send({ text: 'before' });
    clock.advance(200);
    assert.deepEqual(b.received.map((m) => m.text), ['before']);
    // Outage 1 with 64 messages in flight.
    a.link.up = false; b.link.up = false;
    for (let i = 0; i < 64; i++) a.session.send({ text: `lost ${i}` });
    clock.advance(120_000);
    // The link comes back with nothing to send.
    a.link.up = true; b.link.up = true;
    clock.advance(30_000);
    // Outage 2 with one message.
    a.link.up = false; b.link.up = false;
    a.session.send({ text: 'lost again' });
    clock.advance(60_000);
    a.link.up = true; b.link.up = true;
    clock.advance(10_000);
    const before = b.received.length;
    const ids = [a.session.send({ text: 'after 1' }), a.session.send({ text: 'after 2' })];
    clock.advance(30_000);
    assert.deepEqual(b.received.slice(before).map((m) => m.text).filter((t) => t.startsWith('after')), ['after 1', 'after 2']);
    for (const id of ids) assert.equal(lastStatus(a, id), 'delivered');
    assert.ok(a.session.stats.streamResets > 64, `stream resets: ${a.session.stats.streamResets}`);
  });

  it('a one-way outage of 22 minutes with messages failing all along does not either', () => {
    const { clock, a, b } = makePair({ seed: 12 });
    a.session.start(); b.session.start();
    clock.advance(200);
    a.session.send({ text: 'before' });
    clock.advance(200);
    assert.deepEqual(b.received.map((m) => m.text), ['before']);
    a.link.up = false; // alice → bob cut; bob still reaches alice
    for (let t = 0; t < 22 * 60_000; t += 15_000) { a.session.send({ text: `into the cut ${t}` }); clock.advance(15_000); }
    a.link.up = true;
    clock.advance(10_000);
    const id = a.session.send({ text: 'the link is back' });
    clock.advance(30_000);
    assert.ok(b.received.some((m) => m.text === 'the link is back'), `bob got ${b.received.length} messages`);
    assert.equal(lastStatus(a, id), 'delivered');
  });
});
