// The send side's memory per message (issue 14): what a queued message costs, that no body is built
// for a message still waiting beyond the window, that nothing is kept of a delivered message, and
// pendingMessages() (what the owner persists) in order with the right statuses.
import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { OutMessage } from '../../src/core/sessionTypes';
import { ChatSession } from '../../src/core/session';
import { encode, PacketType } from '../../src/core/codec';
import { lastStatus, makePair } from './support/pair';

/** The send queue's insides, for structural checks (SendQueue's private fields). */
interface QueueInsides {
  outbox: Array<OutMessage | undefined>;
  outHead: number;
  live: Array<OutMessage | undefined>;
  liveHead: number;
  inFlight: Map<number, { msg: OutMessage }>;
}
const insides = (s: ChatSession): QueueInsides => (s as unknown as { q: QueueInsides }).q;
const held = (a: Array<OutMessage | undefined>, from: number): OutMessage[] => a.slice(from).filter((m): m is OutMessage => m !== undefined);

/** A fresh one-byte string of exactly `n` characters (as a caller makes each text). */
const text = (i: number, n: number): string => `m${i} `.padEnd(n, 'x').split('').join('');

/** global.gc, exposed at run time when node did not start with --expose-gc. */
function forceGc(): () => void {
  const g = (globalThis as { gc?: () => void }).gc;
  if (g) return g;
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

describe('core/sendQueue: memory per message (issue 14)', () => {
  it('20,000 queued 100-byte messages cost at most 340 bytes of heap each, their text included (GC forced; 364 before issue 14, about 300 now)', () => {
    const gc = forceGc();
    // A fake clock whose timers never fire, a transport that drops everything, a peer that said hello
    // (online, filterless): all but the window wait in the outbox, as in the bench's burst.
    const clock = { t: 1_000_000, now() { return this.t; }, setTimeout() { return {}; }, clearTimeout() { /* never fires */ } };
    let seed = 7;
    const deferred: Array<() => void> = [];
    const s = new ChatSession({
      transport: { send() { /* dropped */ } }, clock, displayName: 'a', speaksProtocol: true,
      random32: () => (seed = (seed * 1103515245 + 12345) >>> 0) || 1, defer: (fn) => { deferred.push(fn); },
    });
    s.start();
    s.receive(encode({ type: PacketType.Hello, senderId: 0x5eed, echoId: 0, secure: false, name: 'b' }));
    assert.equal(s.presence, 'online');
    const n = 20_000;
    gc(); gc();
    const before = process.memoryUsage();
    for (let i = 0; i < n; i++) s.send({ text: text(i, 100) });
    gc(); gc();
    const after = process.memoryUsage();
    const perMessage = (after.heapUsed - before.heapUsed + after.arrayBuffers - before.arrayBuffers) / n;
    assert.equal(s.pendingCount, n);
    assert.ok(perMessage <= 340, `${perMessage.toFixed(0)} bytes per queued message`);
    for (const fn of deferred.splice(0)) fn(); // the pump: the window goes in flight
    // Only what is in flight has a body: the rest waits as its text alone.
    const q = insides(s);
    const inFlight = new Set([...q.inFlight.values()].map((f) => f.msg));
    const waiting = held(q.outbox, q.outHead);
    assert.ok(inFlight.size > 0 && inFlight.size < 2000, `${inFlight.size} messages in flight`);
    // (The head of the outbox may have one: fill builds it to learn what the next fragment costs before the window says no.)
    const built = waiting.filter((m) => m.body !== undefined && !inFlight.has(m));
    assert.ok(built.length <= 1 && (built.length === 0 || built[0] === waiting[0]), `${built.length} bodies built for messages still waiting`);
    assert.ok(waiting.every((m) => typeof m.content === 'string'), 'plain text is kept without the caller\'s object');
  });

  it('keeps nothing of a delivered message: the outbox and the list of live messages empty out as a burst is delivered', () => {
    const { clock, a, b } = makePair({ seed: 3 });
    a.session.start(); b.session.start();
    clock.advance(50);
    const ids = Array.from({ length: 3000 }, (_, i) => a.session.send({ text: text(i, 100) }));
    const q = insides(a.session);
    let peakLive = 0;
    let peakOutbox = 0;
    for (let t = 0; t < 200 && b.received.length < ids.length; t++) {
      clock.advance(5);
      peakLive = Math.max(peakLive, q.live.length);
      peakOutbox = Math.max(peakOutbox, q.outbox.length);
      // Whatever the arrays still hold below their heads is gone (not kept alive by them).
      assert.equal(q.live.slice(0, q.liveHead).filter((m) => m !== undefined).length, 0);
      assert.equal(q.outbox.slice(0, q.outHead).filter((m) => m !== undefined).length, 0);
      // What live holds beyond the pending ones is bounded (settled ones wait at most for a compaction).
      const pending = held(q.live, q.liveHead).filter((m) => m.status === 'queued' || m.status === 'sending').length;
      assert.equal(pending, a.session.pendingCount);
      assert.ok(q.live.length - q.liveHead <= Math.max(2 * pending, pending + 1024), `${q.live.length - q.liveHead} listed, ${pending} pending`);
    }
    assert.equal(b.received.length, ids.length);
    assert.ok(ids.every((id) => lastStatus(a, id) === 'delivered'));
    assert.ok(peakLive >= 1000 && peakOutbox >= 1000, 'the burst queued up');
    assert.equal(q.live.length, 0);
    assert.equal(q.outbox.length, 0);
    assert.equal(q.inFlight.size, 0);
    assert.deepEqual(a.session.pendingMessages(), []);
  });

  it('pendingMessages(): queued, then sending, in send order with their content; delivered ones leave; a failed one leaves until Retry puts it last', () => {
    const { clock, a, b } = makePair({ seed: 5, config: { retryBudgetMs: 2000 } });
    a.session.start(); b.session.start();
    // Offline: queued, in order; code content kept whole.
    const code = { language: 'ts', path: 'a.ts', startLine: 1, endLine: 2 };
    const i1 = a.session.send({ text: 'one' });
    const i2 = a.session.send({ text: 'two', code });
    const i3 = a.session.send({ text: 'three' });
    assert.deepEqual(a.session.pendingMessages(), [
      { localId: i1, content: { text: 'one' }, status: 'queued' },
      { localId: i2, content: { text: 'two', code }, status: 'queued' },
      { localId: i3, content: { text: 'three' }, status: 'queued' },
    ]);
    clock.advance(50);
    assert.deepEqual(b.received.map((m) => m.text), ['one', 'two', 'three']);
    assert.deepEqual(a.session.pendingMessages(), []);
    // The peer goes silent: sending, then failed (out of the list), then Retry (last in the list).
    b.link.deliver = () => undefined;
    a.link.deliver = () => undefined;
    const i4 = a.session.send({ text: 'four' });
    clock.advance(0);
    assert.deepEqual(a.session.pendingMessages().map((p) => [p.localId, p.status]), [[i4, 'sending']]);
    clock.advance(3000);
    assert.equal(lastStatus(a, i4), 'failed');
    const i5 = a.session.send({ text: 'five' });
    assert.deepEqual(a.session.pendingMessages().map((p) => p.localId), [i5]);
    assert.equal(a.session.retry(i4), true);
    assert.equal(a.session.retry(i4), false, 'no longer failed');
    assert.deepEqual(a.session.pendingMessages().map((p) => [p.localId, p.content.text]), [[i5, 'five'], [i4, 'four']]);
  });
});
