import assert from 'node:assert/strict';
import { markFor, MARK_BYTES, readMark, stripMark } from '../../src/core/firstContact';
import { PLAIN_MAX_DATAGRAM } from '../../src/core/plain';
import { newIdentity } from '../../src/core/identity';
import { Peer } from '../../src/core/peer';
import type { OutStatus } from '../../src/core/session';
import { FakeClock, mulberry32 } from './support/fakeClock';
import type { Impairment } from './support/link';
import { PERFECT } from './support/link';
import type { Side } from './support/pair';
import { lastStatus, makePair, makeSide } from './support/pair';

/**
 * What the classic Python script does with a datagram: a strict UTF-8 decode of at most 1024 bytes.
 * Throws (the script's receive thread would die) on anything else.
 */
function classicDecode(d: Buffer): string {
  if (d.length > PLAIN_MAX_DATAGRAM) throw new Error(`datagram of ${d.length} bytes (recvfrom(1024) truncates it)`);
  return new TextDecoder('utf-8', { fatal: true }).decode(d);
}

/** A classic plain-text program on the other end of a session, on a fake clock. */
function plainPeer(opts: { passphrase?: string } = {}) {
  const clock = new FakeClock();
  const screen: string[] = [];
  // With a passphrase, the session's filter is its endpoint peer (v2), as in the product: no keys before a handshake.
  const channel = opts.passphrase
    ? new Peer({ address: '10.0.0.2', port: 5000 }, undefined, { connect: () => undefined, now: () => clock.now(), ownKey: newIdentity().publicKey })
    : undefined;
  const s = makeSide(clock, mulberry32(1), PERFECT, 'alice', channel ? { filter: channel, secure: true } : {});
  s.link.deliver = (d) => screen.push(classicDecode(d));
  const type = (line: string) => s.session.receive(Buffer.from(line, 'utf8'));
  return { clock, side: s, screen, type };
}

const greetings = (screen: string[]) => screen.filter((l) => l.includes('is using UDP Chat'));

describe('core/firstContact: never break a plain program, either side first', () => {
  it('a mark round-trips, is only Unicode spaces, and is removed by trim()', () => {
    for (const id of [1, 0x1234_5678, 0xffff_ffff]) {
      const text = `hello${markFor(id)}`;
      assert.deepEqual(readMark(text), { senderId: id, version: 2, text: 'hello' });
      assert.equal(text.trim(), 'hello');
      assert.equal(Buffer.byteLength(markFor(id)), MARK_BYTES);
    }
    assert.equal(readMark('hello'), undefined);
    assert.equal(readMark(`he${markFor(5)}llo`), undefined, 'only at the end');
    assert.equal(readMark('hello' + '\u2008' + '\u2002'.repeat(18) + '\u2008'), undefined, 'sender id 0 is not a mark');
    assert.equal(stripMark(`quit${markFor(9)}\n`), 'quit');
  });

  it('sends a plain program only valid UTF-8 of at most 1024 bytes, one greeting per start, for minutes', () => {
    const p = plainPeer();
    p.side.session.start();
    p.clock.advance(5 * 60_000);
    assert.equal(greetings(p.screen).length, 1, p.screen.join(' | '));
    assert.match(p.screen[0], /^alice is using UDP Chat and would like to chat\. Type a line to reply\./);
    assert.equal(p.screen.length, 1, 'nothing else while nobody types: no repeated hellos, no heartbeats');
  });

  it('a message typed before the plain peer said anything reaches it within 2 s; quit words go exactly as typed', () => {
    const p = plainPeer();
    p.side.session.start();
    const id = p.side.session.send({ text: 'hello friend, ça va? 😀' });
    p.clock.advance(2000);
    assert.equal(p.screen.length, 2);
    assert.equal(p.screen[1].trim(), 'hello friend, ça va? 😀');
    assert.equal(lastStatus(p.side, id), 'textSent');
    p.side.session.send({ text: 'bye bye' });
    p.clock.advance(10);
    assert.equal(p.screen[2], 'bye bye', 'unmarked, so the script recognises it');
    assert.equal(greetings(p.screen).length, 1);
  });

  it('splits a 3,000-byte message into pieces of at most 1024 bytes on character boundaries', () => {
    const p = plainPeer();
    p.side.session.start();
    p.clock.advance(1500);
    const text = 'é'.repeat(700) + '€'.repeat(300) + 'x'.repeat(700); // 1400 + 900 + 700 = 3000 bytes
    assert.equal(Buffer.byteLength(text), 3000);
    p.side.session.send({ text });
    p.clock.advance(10);
    const pieces = p.screen.slice(1);
    assert.ok(pieces.length >= 3, `${pieces.length} pieces`);
    assert.equal(pieces.map((x) => stripMark(x)).join(''), text);
  });

  it('when the plain peer speaks first, it gets exact unmarked text at once, and its words show', () => {
    const p = plainPeer();
    p.side.session.start();
    p.type('hi there\n');
    assert.deepEqual(p.side.received.map((m) => [m.text, m.plain]), [['hi there', true]]);
    assert.equal(p.side.session.plainPeer, true);
    const id = p.side.session.send({ text: 'Grüße' });
    p.clock.advance(10);
    assert.equal(p.screen[p.screen.length - 1], 'Grüße');
    assert.equal(lastStatus(p.side, id), 'unconfirmed');
    p.type('quit');
    assert.equal(p.side.session.presence, 'offline');
    assert.equal(greetings(p.screen).length, 1);
  });

  it('what went out as text before the peer spoke becomes unconfirmed once it shows it is plain', () => {
    const p = plainPeer();
    p.side.session.start();
    const id = p.side.session.send({ text: 'first' });
    p.clock.advance(1500);
    assert.equal(lastStatus(p.side, id), 'textSent');
    p.type('got it');
    assert.equal(lastStatus(p.side, id), 'unconfirmed');
    assert.equal(p.screen.filter((l) => l.trim() === 'first').length, 1, 'not sent twice');
  });

  it('with a passphrase, no readable word of a message goes to an unknown peer: one notice line per message', () => {
    const p = plainPeer({ passphrase: 'correct horse battery' });
    p.side.session.start();
    p.side.session.send({ text: 'SECRET-1' });
    p.side.session.send({ text: 'SECRET-2' });
    p.clock.advance(60_000);
    assert.ok(p.screen.every((l) => !l.includes('SECRET')), p.screen.join(' | '));
    assert.equal(greetings(p.screen).length, 1);
    assert.equal(p.screen.filter((l) => l.includes('sent you an encrypted UDP Chat message')).length, 2);
    assert.equal(p.screen.length, 3);
  });
});

describe('core/firstContact: two UDP Chat peers never fall into plain mode', () => {
  function exchange(side: Side): string[] { return side.received.map((m) => m.text); }
  function noPlain(side: Side) {
    assert.equal(side.session.plainPeer, false);
    assert.ok(side.received.every((m) => !m.plain), 'nothing shown as plain text');
  }

  it('an offline UDP Chat peer that comes online later (also long after the text fallback) gets everything once, in order', () => {
    for (const lateMs of [300, 5000, 120_000]) {
      const { clock, a, b } = makePair();
      a.session.start();
      const ids = ['one', 'two', 'three'].map((t) => a.session.send({ text: t }));
      clock.advance(lateMs / 2);
      ids.push(a.session.send({ text: 'four' }));
      clock.advance(lateMs / 2);
      b.session.start();
      clock.advance(500);
      assert.deepEqual(exchange(b), ['one', 'two', 'three', 'four'], `late by ${lateMs} ms`);
      for (const id of ids) assert.equal(lastStatus(a, id), 'delivered');
      for (const id of ids) assert.ok(!a.statuses.get(id)!.includes('unconfirmed'), 'never written off as unconfirmed');
      noPlain(a); noPlain(b);
    }
  });

  it('either side first, both at once, and a restart: exactly once, in order, never plain', () => {
    const { clock, a, b } = makePair();
    b.session.start();
    b.session.send({ text: 'b1' });
    clock.advance(3000);
    a.session.start(); // a comes second: bob's b1 went as text, into the void
    a.session.send({ text: 'a1' });
    clock.advance(500);
    assert.deepEqual(exchange(a), ['b1']);
    assert.deepEqual(exchange(b), ['a1']);
    noPlain(a); noPlain(b);
  });

  it('5% to 30% loss with duplicates and reordering, both starting at once, over 40 seeds', function () {
    this.timeout(60_000);
    for (let seed = 1; seed <= 40; seed++) {
      const loss = seed % 2 ? 0.3 : 0.05;
      const imp: Impairment = { loss, duplicate: 0.1, reorder: 0.1, delayMs: 5, reorderMs: 40 };
      const { clock, a, b } = makePair({ seed, ab: imp, ba: imp, config: { retryBudgetMs: 600_000 } });
      a.session.start();
      b.session.start();
      const sent: { a: string[]; b: string[] } = { a: [], b: [] };
      const ids: Array<[Side, string]> = [];
      const rand = mulberry32(seed * 7);
      for (let t = 0; t < 60; t++) {
        // Typing starts at once (before anyone answered) and goes on for a while.
        if (rand() < 0.3) { const x = `a${sent.a.length}`; sent.a.push(x); ids.push([a, a.session.send({ text: x })]); }
        if (rand() < 0.3) { const x = `b${sent.b.length}`; sent.b.push(x); ids.push([b, b.session.send({ text: x })]); }
        clock.advance(100);
      }
      for (let i = 0; i < 600 && (exchange(b).length < sent.a.length || exchange(a).length < sent.b.length); i++) clock.advance(1000);
      assert.deepEqual(exchange(b), sent.a, `seed ${seed}: alice → bob`);
      assert.deepEqual(exchange(a), sent.b, `seed ${seed}: bob → alice`);
      noPlain(a); noPlain(b);
      // The last acks may need a retransmission or two at 30% loss.
      for (let i = 0; i < 120 && ids.some(([side, id]) => lastStatus(side, id) !== 'delivered'); i++) clock.advance(1000);
      for (const [side, id] of ids) assert.equal(lastStatus(side, id), 'delivered' as OutStatus, `seed ${seed}: ${id}`);
    }
  });

  it('a restarted peer (new instance, new greeting) is found again and gets what was typed meanwhile', () => {
    const { clock, a, b } = makePair();
    a.session.start(); b.session.start();
    clock.advance(100);
    assert.equal(a.session.presence, 'online');
    b.session.end('restart');
    clock.advance(100);
    const id = a.session.send({ text: 'while you were away' });
    clock.advance(30_000);
    assert.equal(lastStatus(a, id), 'queued', 'it spoke our protocol before: it waits, no text fallback');
    // bob restarts: a new session object on the same links
    const b2 = makeSide(clock, mulberry32(9), PERFECT, 'bob2', {});
    b2.link.deliver = (d) => a.session.receive(d);
    a.link.deliver = (d) => b2.session.receive(d);
    b2.session.start();
    clock.advance(500);
    assert.deepEqual(exchange(b2), ['while you were away']);
    assert.equal(lastStatus(a, id), 'delivered');
    noPlain(a);
  });
});
