import assert from 'node:assert/strict';
import { encode, PacketType } from '../../src/core/codec';
import { derivePsk } from '../../src/core/noise';
import { SecureChannel } from '../../src/core/secure';
import type { FakeClock } from './support/fakeClock';
import { runFuzz } from './support/fuzz';
import type { Side } from './support/pair';
import { lazyFilter, makePair } from './support/pair';

describe('fuzz: hostile datagrams (fixed seed; `npm run fuzz` runs a million)', () => {
  const report = (() => {
    let r: ReturnType<typeof runFuzz> | undefined;
    return () => (r ??= runFuzz({ seed: 0xc0ffee, count: 20_000, heapEvery: 5000, hangMs: 1000 }));
  })();

  it('no exception escapes codec.decode or ChatSession.receive (plain and encrypted), no call hangs', () => {
    const r = report();
    assert.equal(r.escapeCount, 0, r.escapes.map((f) => `${f.target}: ${f.error.split('\n')[0]} ← ${f.hex}`).join('\n'));
    assert.deepEqual(r.hangs, []);
    assert.deepEqual(r.internal, [], 'an exception inside receive was caught by its safety net');
    // Every generator ran and decode saw every kind of result.
    assert.equal(Object.keys(r.generators).length, 7);
    for (const k of ['packet', 'plain', 'malformed', 'version']) assert.ok((r.decodeKinds[k] ?? 0) > 0, k);
  });

  it('memory stays bounded', () => {
    const r = report();
    assert.ok(r.heapMaxMb - r.heapBaselineMb < 200, `heap grew ${(r.heapMaxMb - r.heapBaselineMb).toFixed(1)} MB`);
  });

  it('both sessions still deliver a real message both ways afterwards', () => {
    const r = report();
    assert.deepEqual(r.recovered, { plain: true, secure: true }, r.recoveryDetail.join('\n'));
  });

  // Minimal reproducers of what the fuzzer found (see the fuzz report in the commit message).
  it('a forged data datagram with a far-ahead stream id does not cut off the peer for good', () => {
    const { clock, a, b } = makePair({ seed: 3 });
    a.session.start();
    b.session.start();
    clock.advance(200);
    // The sender id travels in clear in every datagram; the stream id is the only thing forged.
    b.session.receive(encode({ type: PacketType.Data, senderId: a.session.senderId, streamId: 0xffffffff, seq: 0, msgId: 1, fragIndex: 0, fragCount: 1, payload: Buffer.from('x') }));
    a.session.send({ text: 'one' });
    a.session.send({ text: 'two' });
    for (let t = 0; t < 90_000; t += 100) clock.advance(100);
    a.session.send({ text: 'three' });
    for (let t = 0; t < 30_000; t += 100) clock.advance(100);
    assert.ok(b.received.some((m) => m.text === 'three'), `received: ${JSON.stringify(b.received.map((m) => m.text))}`);
  });

  it('a spoofed hello with another sender id does not lose the next message', () => {
    const { clock, a, b } = makePair({ seed: 4 });
    a.session.start();
    b.session.start();
    clock.advance(200);
    a.session.send({ text: 'before' });
    clock.advance(200);
    b.session.receive(encode({ type: PacketType.Hello, senderId: 0x12345678, echoId: 0, secure: false, name: 'x' }));
    const id = a.session.send({ text: 'after' });
    for (let t = 0; t < 30_000 && !b.received.some((m) => m.text === 'after'); t += 100) clock.advance(100);
    assert.ok(b.received.some((m) => m.text === 'after'), `status of the message at the sender: ${a.statuses.get(id)?.join(' > ')}`);
  });

  it('one spoofed plain-text datagram does not make an encrypted session send in clear', () => {
    const holder: { a?: Side; b?: Side; clock?: FakeClock } = {};
    const ch: Record<string, SecureChannel> = {};
    const psk = derivePsk('fuzz passphrase');
    const filter = (w: 'a' | 'b') => {
      const get = () => (ch[w] ??= new SecureChannel(psk, () => holder[w]!.session.senderId, holder.clock!, { ready: () => holder[w]!.session.kick(), notice: () => undefined, send: (d) => holder[w]!.link.send(d) }));
      return lazyFilter(get);
    };
    const { clock, a, b } = makePair({ seed: 1, a: { filter: filter('a'), secure: true }, b: { filter: filter('b'), secure: true } });
    holder.a = a; holder.b = b; holder.clock = clock;
    a.session.start();
    b.session.start();
    clock.advance(500);
    assert.ok(ch.a.established && ch.b.established);
    b.session.receive(Buffer.from('hi'));
    b.link.keepTap = true;
    b.session.send({ text: 'top secret' });
    clock.advance(100);
    assert.equal(b.link.tap.some((d) => d.includes('top secret')), false, 'the message went out unencrypted');
  });
});
