import assert from 'node:assert/strict';
import { lastStatus, makePair } from './support/pair';

describe('core/session under impairment (seeded)', function () {
  this.timeout(120_000);

  it('delivers 10,000 messages exactly once and in order at 30% loss, 10% duplication, 10% reordering', () => {
    const imp = { loss: 0.3, duplicate: 0.1, reorder: 0.1, delayMs: 5, reorderMs: 40 };
    const { clock, a, b } = makePair({ ab: imp, ba: imp, seed: 2024, config: { retryBudgetMs: 120_000 } });
    a.session.start();
    b.session.start();
    for (let i = 0; i < 50 && (a.session.presence !== 'online' || b.session.presence !== 'online'); i++) clock.advance(1000);
    assert.equal(a.session.presence, 'online');
    const N = 10_000;
    const ids: string[] = [];
    // Both directions at once: alice sends N, bob sends N/10.
    for (let i = 0; i < N; i++) ids.push(a.session.send({ text: `a${i}` }));
    for (let i = 0; i < N / 10; i++) b.session.send({ text: `b${i}` });
    for (let t = 0; t < 3000 && (b.received.length < N || a.received.length < N / 10); t++) clock.advance(100);
    clock.advance(5000);
    assert.equal(b.received.length, N, 'every message delivered exactly once');
    for (let i = 0; i < N; i++) if (b.received[i].text !== `a${i}`) assert.fail(`out of order at ${i}: ${b.received[i].text}`);
    assert.deepEqual(a.received.map((m) => m.text), Array.from({ length: N / 10 }, (_, i) => `b${i}`));
    assert.ok(ids.every((id) => lastStatus(a, id) === 'delivered'), 'every message confirmed');
    const s = a.session.stats;
    assert.ok(a.link.dropped > 0 && a.link.duplicated > 0 && a.link.reordered > 0, 'the impairments happened');
    console.log(`      impairment: ${N} msgs, ${s.dataSent} fragments sent in ${s.dataDatagramsSent} data datagrams, ${s.retransmissions} retransmissions ` +
      `(${(s.retransmissions / N).toFixed(2)}/msg; ${s.fastRetransmits} fast, ${s.timeouts} timeouts), ` +
      `link dropped ${a.link.dropped}/${a.link.sent}, dup ${a.link.duplicated}, reordered ${a.link.reordered}, ` +
      `receiver dropped ${b.session.stats.duplicatesDropped} duplicates, simulated time ${(clock.now() - 1_000_000) / 1000}s`);
  });
});
