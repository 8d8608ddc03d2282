import assert from 'node:assert/strict';
import { decode, encode, PacketType } from '../../src/core/codec';
import { MAX_FRAGMENT_PAYLOAD } from '../../src/core/limits';
import { MessageTooLargeError } from '../../src/core/session';
import type { SessionCore } from '../../src/core/sessionTypes';
import { DEFAULT_SESSION_CONFIG } from '../../src/core/sessionTypes';
import { systemClock } from '../../src/core/timers';
import { SendQueue } from '../../src/core/sendQueue';
import { encodeGroupMeta } from '../../src/core/groupEnvelope';
import { mulberry32 } from './support/fakeClock';
import { PERFECT } from './support/link';
import { lastStatus, makePair, makeSide } from './support/pair';

describe('core/session', () => {
  it('hello makes both peers online and exchanges names', () => {
    const { clock, a, b } = makePair();
    a.session.start();
    b.session.start();
    clock.advance(50);
    assert.equal(a.session.presence, 'online');
    assert.equal(b.session.presence, 'online');
    assert.equal(a.session.remoteName, 'bob');
    assert.equal(b.session.remoteName, 'alice');
  });

  it('a peer that starts later still comes online (its own hello)', () => {
    const { clock, a, b } = makePair();
    a.session.start();
    clock.advance(120_000);
    assert.equal(a.session.presence, 'unknown');
    b.session.start();
    clock.advance(10);
    assert.equal(a.session.presence, 'online');
    assert.equal(b.session.presence, 'online');
  });

  it('delivers a message, marks it sending then delivered, and piggybacks or batches acks', () => {
    const { clock, a, b } = makePair();
    a.session.start(); b.session.start();
    clock.advance(10);
    const id = a.session.send({ text: 'hello bob' });
    assert.equal(lastStatus(a, id), 'sending');
    clock.advance(100);
    assert.deepEqual(b.received.map((m) => m.text), ['hello bob']);
    assert.equal(lastStatus(a, id), 'delivered');
    assert.deepEqual(a.statuses.get(id), ['sending', 'delivered']);
  });

  it('sends at most about one ack per two data datagrams', () => {
    const { clock, a, b } = makePair();
    a.session.start(); b.session.start();
    clock.advance(10);
    for (let i = 0; i < 100; i++) a.session.send({ text: `m${i}` });
    clock.advance(1000);
    assert.equal(b.received.length, 100);
    assert.ok(b.session.stats.acksSent <= 55, `acks: ${b.session.stats.acksSent}`);
    assert.ok(b.session.stats.acksSent >= 1);
  });

  it('queues messages while the peer is unknown or offline and flushes them when it comes', () => {
    const { clock, a, b } = makePair();
    a.session.start();
    const id = a.session.send({ text: 'are you there?' });
    assert.equal(lastStatus(a, id), 'queued');
    clock.advance(5000);
    // First contact: after the text fallback delay it went out as text (a plain peer would have it).
    assert.equal(lastStatus(a, id), 'textSent');
    assert.equal(a.link.sent > 0, true);
    b.session.start();
    clock.advance(100);
    assert.deepEqual(b.received.map((m) => m.text), ['are you there?']);
    assert.equal(lastStatus(a, id), 'delivered');
    assert.deepEqual(a.statuses.get(id), ['queued', 'textSent', 'queued', 'sending', 'delivered']);
  });

  it('detects offline after about three missed heartbeats, and online again', () => {
    const { clock, a, b } = makePair();
    a.session.start(); b.session.start();
    clock.advance(10);
    clock.advance(30_000);
    assert.equal(a.session.presence, 'online', 'heartbeats keep it online');
    b.link.up = false; // b's datagrams stop reaching a
    clock.advance(12_000);
    assert.equal(a.session.presence, 'online', 'not yet after 12 s');
    clock.advance(6000);
    assert.equal(a.session.presence, 'offline');
    const id = a.session.send({ text: 'later' });
    assert.equal(lastStatus(a, id), 'queued');
    b.link.up = true;
    clock.advance(6000);
    assert.equal(a.session.presence, 'online');
    clock.advance(100);
    assert.deepEqual(b.received.map((m) => m.text), ['later']);
    assert.deepEqual(a.presence, ['online', 'offline', 'online']);
  });

  it('bye takes the peer offline at once', () => {
    const { clock, a, b } = makePair();
    a.session.start(); b.session.start();
    clock.advance(10);
    b.session.end('bye bye');
    clock.advance(10);
    assert.equal(a.session.presence, 'offline');
  });

  it('retransmits a lost datagram after the RTO, and fails after the retry budget', () => {
    const { clock, a, b } = makePair({ config: { retryBudgetMs: 15_000 } });
    a.session.start(); b.session.start();
    clock.advance(10);
    a.link.up = false;
    const id = a.session.send({ text: 'lost' });
    clock.advance(1100);
    assert.ok(a.session.stats.retransmissions >= 1);
    a.link.up = true;
    clock.advance(3000);
    assert.equal(lastStatus(a, id), 'delivered');
    assert.deepEqual(b.received.map((m) => m.text), ['lost']);

    a.link.up = false;
    const id2 = a.session.send({ text: 'never' });
    clock.advance(14_000);
    assert.equal(lastStatus(a, id2), 'sending');
    clock.advance(2000);
    assert.equal(lastStatus(a, id2), 'failed');
  });

  it('retry of a failed message delivers it once, even if the first copy had arrived', () => {
    const { clock, a, b } = makePair({ config: { retryBudgetMs: 5000 } });
    a.session.start(); b.session.start();
    clock.advance(10);
    b.link.up = false; // acks lost, data arrives
    b.link.deliver = b.link.deliver; // keep
    const id = a.session.send({ text: 'once' });
    clock.advance(6000);
    assert.equal(lastStatus(a, id), 'failed');
    assert.equal(b.received.length, 1);
    b.link.up = true;
    assert.equal(a.session.retry(id), true);
    clock.advance(2000);
    assert.equal(lastStatus(a, id), 'delivered');
    assert.deepEqual(b.received.map((m) => m.text), ['once'], 'no duplicate');
  });

  it('messages after a failed one are still delivered, in order', () => {
    const { clock, a, b } = makePair({ config: { retryBudgetMs: 5000 } });
    a.session.start(); b.session.start();
    clock.advance(10);
    // Drop exactly the fragment of "first", forever (from a packed datagram, only its frame).
    const orig = a.link.deliver;
    a.link.deliver = (d) => {
      const p = decode(d);
      if (p.kind === 'packet' && p.packet.type === PacketType.Data && p.packet.msgId === 1) return;
      if (p.kind === 'packet' && p.packet.type === PacketType.Packed) {
        const frames = p.packet.frames.filter((f) => f.msgId !== 1);
        if (frames.length === 0) return;
        if (frames.length < p.packet.frames.length) d = encode({ ...p.packet, frames });
      }
      orig(d);
    };
    const first = a.session.send({ text: 'first' });
    const second = a.session.send({ text: 'second' });
    clock.advance(1000);
    assert.equal(b.received.length, 0, 'second waits behind the gap');
    clock.advance(6000);
    assert.equal(lastStatus(a, first), 'failed');
    clock.advance(1000);
    assert.equal(lastStatus(a, second), 'delivered');
    assert.deepEqual(b.received.map((m) => m.text), ['second']);
  });

  it('uses Karn\'s rule: no RTT sample from a retransmitted fragment', () => {
    const { clock, a, b } = makePair({ ab: { loss: 0, duplicate: 0, reorder: 0, delayMs: 20, reorderMs: 0 }, ba: { loss: 0, duplicate: 0, reorder: 0, delayMs: 20, reorderMs: 0 } });
    a.session.start(); b.session.start();
    clock.advance(100);
    a.session.send({ text: 'x' });
    clock.advance(200);
    assert.ok(a.session.srtt !== undefined && Math.abs(a.session.srtt - 40) < 25, `srtt ${a.session.srtt}`);
    const before = a.session.srtt;
    a.link.up = false;
    a.session.send({ text: 'y' });
    clock.advance(250); // first RTO (floor 200 ms) fires while the link is down
    a.link.up = true;
    clock.advance(2000);
    assert.ok(a.session.stats.retransmissions >= 1);
    assert.equal(a.session.srtt, before, 'the retransmitted fragment gave no sample');
  });

  it('fragments large messages at 1200 bytes and reassembles 1 MiB', () => {
    const { clock, a, b } = makePair();
    a.session.start(); b.session.start();
    clock.advance(10);
    a.link.keepTap = true;
    const big = 'x'.repeat(1024 * 1024);
    const id = a.session.send({ text: big });
    clock.advance(5000);
    assert.equal(lastStatus(a, id), 'delivered');
    assert.equal(b.received.length, 1);
    assert.equal(b.received[0].text.length, big.length);
    for (const d of a.link.tap) {
      const p = decode(d);
      if (p.kind === 'packet' && p.packet.type === PacketType.Data) assert.ok(p.packet.payload.length <= MAX_FRAGMENT_PAYLOAD);
    }
  });

  it('refuses a message over 1 MiB with a clear error and queues nothing', () => {
    const { clock, a, b } = makePair();
    a.session.start(); b.session.start();
    clock.advance(10);
    assert.throws(() => a.session.send({ text: 'x'.repeat(1024 * 1024 + 1) }), MessageTooLargeError);
    assert.equal(a.session.pendingCount, 0);
  });

  it('drops duplicates and restores order under reordering', () => {
    const imp = { loss: 0, duplicate: 0.5, reorder: 0.5, delayMs: 5, reorderMs: 50 };
    const { clock, a, b } = makePair({ ab: imp, ba: imp, seed: 7 });
    a.session.start(); b.session.start();
    clock.advance(200);
    for (let i = 0; i < 200; i++) a.session.send({ text: `n${i}` });
    clock.advance(20_000);
    assert.deepEqual(b.received.map((m) => m.text), Array.from({ length: 200 }, (_, i) => `n${i}`));
    assert.ok(b.session.stats.duplicatesDropped > 0);
  });

  it('frees a reassembly that never completes after the timeout', () => {
    const { clock, a, b } = makePair({ config: { reassemblyTimeoutMs: 10_000 } });
    a.session.start(); b.session.start();
    clock.advance(10);
    // Inject fragment 1 of 3 directly: fragment 0 never comes.
    b.session.receive(encode({ type: PacketType.Data, senderId: a.session.senderId, streamId: 1, seq: 1, msgId: 99, fragIndex: 1, fragCount: 3, payload: Buffer.alloc(100) }));
    clock.advance(12_000);
    assert.ok(b.notices.some((n) => /Freed 1 fragments/.test(n)), b.notices.join('|'));
  });

  it('falls back to plain text when the peer sends plain text, and reads quit words', () => {
    const { clock, a, b } = makePair();
    a.session.start();
    clock.advance(10);
    const plainSent: Buffer[] = [];
    // b is a netcat: replace its session with raw text.
    a.link.deliver = (d) => plainSent.push(d);
    const queued = a.session.send({ text: 'queued before they spoke' });
    a.session.receive(Buffer.from('hi from nc\n'));
    clock.advance(10);
    assert.equal(a.session.plainPeer, true);
    assert.equal(a.session.presence, 'online');
    assert.equal(lastStatus(a, queued), 'unconfirmed');
    const id = a.session.send({ text: 'é'.repeat(1000) });
    clock.advance(10);
    assert.equal(lastStatus(a, id), 'unconfirmed');
    const texts = plainSent.filter((d) => decode(d).kind === 'plain');
    assert.equal(texts[0].toString(), 'queued before they spoke');
    assert.equal(texts.length, 3, '2000 bytes in two datagrams of at most 1024');
    assert.ok(texts.every((t) => t.length <= 1024));
    a.session.receive(Buffer.from('bye bye\n'));
    assert.equal(a.session.presence, 'offline');
    assert.equal(b.received.length, 0);
  });

  it('reports an unknown protocol version once instead of misreading it', () => {
    const { a } = makePair();
    a.session.start();
    const d = encode({ type: PacketType.Hello, senderId: 5, echoId: 0, secure: false, name: 'future' });
    d[3] = 9;
    a.session.receive(d);
    a.session.receive(d);
    assert.equal(a.notices.filter((n) => /version 9/.test(n)).length, 1);
    assert.equal(a.session.presence, 'unknown');
    assert.equal(a.session.plainPeer, false);
  });

  it('a restarted peer gets our unacknowledged messages on a fresh stream', () => {
    const { clock, a, b } = makePair();
    a.session.start(); b.session.start();
    clock.advance(10);
    a.link.up = false;
    const id = a.session.send({ text: 'survive restart' });
    clock.advance(100);
    b.session.end();
    // b restarts: a new session (new sender id) on the same clock and links.
    const b2 = makeSide(clock, mulberry32(3), PERFECT, 'bob2', {});
    b2.link.deliver = (d) => a.session.receive(d);
    a.link.deliver = (d) => b2.session.receive(d);
    a.link.up = true;
    b2.session.start();
    clock.advance(3000);
    assert.equal(lastStatus(a, id), 'delivered');
    assert.deepEqual(b2.received.map((m) => m.text), ['survive restart']);
    assert.equal(a.session.remoteName, 'bob2');
  });

  it('plain text from the address of a live protocol peer is ignored; after its bye, plain text is a plain peer', () => {
    const { clock, a, b } = makePair();
    a.session.start(); b.session.start();
    clock.advance(50);
    a.session.receive(Buffer.from('spoofed plain line\n'));
    assert.equal(a.session.plainPeer, false, 'a live protocol peer stays a protocol peer');
    assert.equal(a.received.length, 0);
    assert.ok(a.notices.some((n) => /Ignored a plain-text datagram/.test(n)));
    b.session.end('bye');
    clock.advance(10);
    a.session.receive(Buffer.from('now I am netcat\n'));
    assert.equal(a.session.plainPeer, true);
    assert.deepEqual(a.received.map((m) => m.text), ['now I am netcat']);
  });

  it('limits plain-text lines to 50 per second (burst 200), with one notice', () => {
    const { clock, a } = makePair();
    a.session.start();
    for (let i = 0; i < 1000; i++) a.session.receive(Buffer.from(`line ${i}\n`));
    assert.equal(a.received.length, 200, 'the burst');
    assert.equal(a.session.stats.plainDropped, 800);
    assert.equal(a.notices.filter((n) => /faster than 50 lines per second/.test(n)).length, 1);
    clock.advance(1000);
    for (let i = 0; i < 100; i++) a.session.receive(Buffer.from(`later ${i}\n`));
    assert.equal(a.received.length, 250, '50 more after a second');
  });

  it('carries a message body\'s meta to the peer with its text and code (kind 1 and kind 2); none when there was none', () => {
    const { clock, a, b } = makePair();
    a.session.start(); b.session.start();
    clock.advance(10);
    const env = { type: 'message' as const, id: '0123456789abcdef', epoch: { n: 3, by: 'aaaaaaaaaaaaaaaa' } };
    const code = { language: 'ts', path: 'src/a.ts', startLine: 2, endLine: 5 };
    const textMeta = encodeGroupMeta(env);
    const codeMeta = encodeGroupMeta(env, code);
    const ids = [
      a.session.send({ text: 'hello group', meta: textMeta }),
      a.session.send({ text: 'let x = 1;', code, meta: codeMeta }),
      a.session.send({ text: 'just text' }),
      a.session.send({ text: 'const y = 2;', code }),
      // A meta of many fragments (just under the u16 limit) arrives whole.
      a.session.send({ text: 'big', meta: JSON.stringify({ pad: 'p'.repeat(65000) }) }),
    ];
    clock.advance(500);
    assert.deepEqual(ids.map((id) => lastStatus(a, id)), ['delivered', 'delivered', 'delivered', 'delivered', 'delivered']);
    const got = b.received;
    assert.deepEqual(got.map((m) => m.text), ['hello group', 'let x = 1;', 'just text', 'const y = 2;', 'big']);
    assert.equal(got[0].meta, textMeta);
    assert.equal(got[0].code, undefined);
    assert.equal(got[1].meta, codeMeta);
    assert.deepEqual(got[1].code, code, 'a group envelope with code keys still yields code');
    assert.equal('meta' in got[2], false, 'no meta on a body without one');
    assert.equal(got[3].meta, JSON.stringify(code), 'an ordinary code message shows its meta (the code JSON)');
    assert.deepEqual(got[3].code, code);
    assert.equal(got[4].meta, JSON.stringify({ pad: 'p'.repeat(65000) }));
    // Plain text carries no meta.
    const lone = makePair().a;
    lone.session.start();
    lone.session.receive(Buffer.from('plain line\n'));
    assert.deepEqual(lone.received.map((m) => [m.text, m.plain, 'meta' in m]), [['plain line', true, false]]);
  });

  it('compose: without meta the body bytes are those of before; with meta exactly that meta; meta over 65,535 bytes is too large', () => {
    const q = new SendQueue({ config: DEFAULT_SESSION_CONFIG, clock: systemClock } as unknown as SessionCore);
    const never = (): string => { throw new Error('the given uid is kept'); };
    // PROTOCOL.md Appendix A body "hi" (uid 0123456789abcdef); sentAt (bytes 1-8) is the clock's.
    const plain = q.compose({ text: 'hi' }, '0123456789abcdef', never);
    assert.equal(plain[0], 1);
    assert.equal(plain.subarray(9).toString('hex'), '0123456789abcdef00006869');
    const code = { language: 'ts', path: 'a.ts', startLine: 3, endLine: 4 };
    const codeBody = q.compose({ text: 'x=1', code }, 'ffffffff00000001', never);
    assert.equal(codeBody[0], 2);
    assert.equal(codeBody.subarray(9).toString('hex'), 'ffffffff0000000100397b226c616e6775616765223a227473222c2270617468223a22612e7473222c2273746172744c696e65223a332c22656e644c696e65223a347d783d31');
    const meta = '{"group":{"v":1}}';
    const withMeta = q.compose({ text: 'hi', meta }, '0123456789abcdef', never);
    assert.equal(withMeta[0], 1);
    assert.equal(withMeta.subarray(9).toString('hex'), '0123456789abcdef' + meta.length.toString(16).padStart(4, '0') + Buffer.from(meta + 'hi').toString('hex'));
    const codeMeta = JSON.stringify({ ...code, group: { v: 1 } });
    const withCodeMeta = q.compose({ text: 'x=1', code, meta: codeMeta }, 'ffffffff00000001', never);
    assert.equal(withCodeMeta[0], 2);
    assert.equal(withCodeMeta.toString('utf8', 19, 19 + withCodeMeta.readUInt16BE(17)), codeMeta);
    assert.equal(q.compose({ text: '', meta: 'm'.repeat(65535) }, undefined, () => '00000000000000aa').readUInt16BE(17), 65535);
    assert.throws(() => q.compose({ text: '', meta: 'm'.repeat(65536) }, undefined, () => '00000000000000aa'), (e: unknown) => e instanceof MessageTooLargeError && e.bytes === 65536 && /65535 bytes/.test(e.message));
  });

  it('a message whose meta is too large is refused with MessageTooLargeError and nothing is queued', () => {
    const { clock, a, b } = makePair();
    a.session.start(); b.session.start();
    clock.advance(10);
    assert.throws(() => a.session.send({ text: 'x', meta: 'é'.repeat(40000) }), MessageTooLargeError);
    assert.equal(a.session.pendingCount, 0);
    a.session.send({ text: 'after' });
    clock.advance(200);
    assert.deepEqual(b.received.map((m) => m.text), ['after']);
  });
});
