import assert from 'node:assert/strict';
import { encode, PacketType } from '../../src/core/codec';
import { runFuzz } from './support/fuzz';
import { FakeNet } from './support/net';
import { makePair } from './support/pair';

describe('fuzz: hostile datagrams (fixed seed; `npm run fuzz` runs a million)', () => {
  const report = (() => {
    let r: ReturnType<typeof runFuzz> | undefined;
    return () => (r ??= runFuzz({ seed: 0xc0ffee, count: 20_000, heapEvery: 5000, hangMs: 1000 }));
  })();

  it('no exception escapes codec.decode, ChatSession.receive or Endpoint.receive (without and with a passphrase), no call hangs', function () {
    this.timeout(300_000);
    const r = report();
    assert.equal(r.escapeCount, 0, r.escapes.map((f) => `${f.target}: ${f.error.split('\n')[0]} ← ${f.hex}`).join('\n'));
    assert.deepEqual(r.hangs, []);
    assert.deepEqual(r.internal, [], 'an exception inside receive was caught by its safety net');
    // Every generator ran and decode saw every kind of result.
    assert.equal(Object.keys(r.generators).length, 10, Object.keys(r.generators).join(', '));
    for (const k of ['packet', 'plain', 'malformed', 'version']) assert.ok((r.decodeKinds[k] ?? 0) > 0, k);
  });

  it('the fuzz reached every routing branch of both endpoints, and Noise on both', () => {
    const r = report();
    for (const [name, e] of Object.entries(r.endpoints)) {
      for (const k of ['routedByIndex', 'unknownIndex', 'malformed', 'text', 'handshakesAnswered', 'handshakesFailed'] as const) {
        assert.ok(e[k] > 0, `${name}: ${k} (${JSON.stringify(e)})`);
      }
    }
  });

  it('nothing forged surfaces as a message with a passphrase, adds a peer, or raises or holds a key change', () => {
    const r = report();
    assert.equal(r.messagesSurfaced.endpointPsk, 0);
    for (const [name, e] of Object.entries(r.endpoints)) {
      assert.deepEqual({ peers: e.peers, keyChanges: e.keyChanges, keyHeld: e.keyHeld }, { peers: 1, keyChanges: 0, keyHeld: false }, name);
    }
  });

  it('memory stays bounded', () => {
    const r = report();
    assert.ok(r.heapMaxMb - r.heapBaselineMb < 200, `heap grew ${(r.heapMaxMb - r.heapBaselineMb).toFixed(1)} MB`);
  });

  it('every pair still delivers a real message both ways afterwards', () => {
    const r = report();
    assert.deepEqual(r.recovered, { plain: true, endpoint: true, endpointPsk: true }, r.recoveryDetail.join('\n'));
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
    const A = { address: '10.0.0.1', port: 5000 };
    const B = { address: '10.0.0.2', port: 5000 };
    const psk = Buffer.alloc(32, 0x5a);
    const net = new FakeNet(1);
    const a = net.add('alice', A, { psk });
    const b = net.add('bob', B, { psk });
    const pa = a.endpoint.addPeer(B, 'bob');
    const pb = b.endpoint.addPeer(A, 'alice');
    net.clock.advance(3000);
    assert.ok(pa.established && pb.established);
    net.inject(b, A, Buffer.from('hi'));
    const wire: Buffer[] = [];
    net.tap = (d) => wire.push(Buffer.from(d));
    pb.session.send({ text: 'top secret' });
    net.clock.advance(100);
    assert.ok(wire.length > 0);
    assert.equal(wire.some((d) => d.includes('top secret')), false, 'the message went out unencrypted');
    assert.equal(pb.session.plainPeer, false);
  });
});
