import assert from 'node:assert/strict';
import { encode, PacketType } from '../../src/core/codec';
import { encodeBody } from '../../src/core/codec';
import { lastStatus, makePair } from './support/pair';

// Unencrypted sessions cannot stop an attacker on the path, but "delivered" must never be a lie,
// and blind forgery must not be easy (PROTOCOL.md §5.2, §6.4).
describe('core/session: forged datagrams in an unencrypted session', () => {
  function forgedData(senderId: number, streamId: number, seq: number, msgId: number, text: string): Buffer {
    return encode({ type: PacketType.Data, senderId, streamId, seq, msgId, fragIndex: 0, fragCount: 1, payload: encodeBody({ text, sentAt: 1, uid: (0x1000_0000 + msgId).toString(16).padStart(16, '0') }) });
  }

  it('a forged fragment in the place of a real one: the real message is not reported delivered, and Retry delivers it', () => {
    const { clock, a, b } = makePair({ seed: 5 });
    a.session.start(); b.session.start();
    clock.advance(200);
    a.session.send({ text: 'one' });
    clock.advance(200);
    assert.deepEqual(b.received.map((m) => m.text), ['one']);
    // The forger read alice's sender id and stream from the wire, and takes the next seq and msgId.
    b.session.receive(forgedData(a.session.senderId, 1, 1, 2, 'forged'));
    const id = a.session.send({ text: 'two' });
    clock.advance(2000);
    assert.deepEqual(b.received.map((m) => m.text), ['one', 'forged'], 'bob showed the forgery, not "two"');
    assert.notEqual(lastStatus(a, id), 'delivered', 'alice must not claim "two" was delivered');
    assert.equal(lastStatus(a, id), 'failed');
    assert.ok(a.notices.some((n) => /different data/.test(n)));
    assert.ok(a.session.retry(id));
    clock.advance(2000);
    assert.deepEqual(b.received.map((m) => m.text), ['one', 'forged', 'two']);
    assert.equal(lastStatus(a, id), 'delivered');
    // And the chat goes on.
    const id3 = a.session.send({ text: 'three' });
    clock.advance(500);
    assert.equal(lastStatus(a, id3), 'delivered');
    assert.equal(b.received[b.received.length - 1].text, 'three');
  });

  it('a new sender id is not believed after a few seconds of silence (heartbeats come every 5 s)', () => {
    const { clock, a, b } = makePair({ seed: 6 });
    a.session.start(); b.session.start();
    clock.advance(200);
    a.session.send({ text: 'hi' });
    clock.advance(3000);
    const forger = 0x0bad_f00d;
    b.session.receive(encode({ type: PacketType.Hello, senderId: forger, echoId: b.session.senderId, secure: false, name: 'Mallory' }));
    b.session.receive(forgedData(forger, 1, 0, 1, 'I am alice now'));
    clock.advance(100);
    assert.deepEqual(b.received.map((m) => m.text), ['hi']);
    assert.equal(b.session.remoteName, 'alice');
    assert.ok(b.session.stats.foreignDropped >= 2);
  });

  it('a real restart (bye, then a new instance) is believed, and the new instance brings its own name', () => {
    const { clock, a, b } = makePair({ seed: 7 });
    a.session.start(); b.session.start();
    clock.advance(200);
    assert.equal(b.session.remoteName, 'alice');
    a.session.end('restart');
    clock.advance(100);
    const newId = 0x5eed_0001;
    b.session.receive(encode({ type: PacketType.Hello, senderId: newId, echoId: 0, secure: false, name: 'alice (laptop)' }));
    b.session.receive(forgedData(newId, 1, 0, 1, 'back again'));
    clock.advance(100);
    assert.equal(b.session.remoteName, 'alice (laptop)');
    assert.deepEqual(b.received.map((m) => m.text), ['back again']);
  });

  it('duplicate fragments against a full receive buffer do not rebuild the ack ranges each time', () => {
    const { clock, a, b } = makePair({ seed: 8 });
    a.session.start(); b.session.start();
    clock.advance(200);
    // Fill bob's buffer with 1,000 out-of-order fragments (seq 0 missing).
    for (let s = 1; s <= 1000; s++) b.session.receive(forgedData(a.session.senderId, 1, s * 2, 1000 + s, 'x'));
    const builds = b.session.stats.ackRangeBuilds;
    for (let i = 0; i < 500; i++) b.session.receive(forgedData(a.session.senderId, 1, 2, 1001, 'x'));
    assert.ok(b.session.stats.duplicatesDropped >= 500);
    assert.ok(b.session.stats.ackRangeBuilds - builds <= 1, `ranges rebuilt ${b.session.stats.ackRangeBuilds - builds} times for 500 duplicates`);
  });
});
