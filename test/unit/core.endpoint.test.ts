import * as assert from 'node:assert/strict';
import { safetyNumber } from '../../src/core/identity';
import { FakeNet, logOf } from './support/net';

const A = { address: '10.0.0.1', port: 5000 };
const B = { address: '10.0.0.2', port: 5000 };

describe('core/endpoint: one endpoint, many peers (wire v2)', () => {
  it('two UDP Chats meet by text, then speak only sealed v2 datagrams: messages both ways, the same safety number', () => {
    const net = new FakeNet(1);
    const wire: Buffer[] = [];
    net.tap = (d) => wire.push(d);
    const a = net.add('alice', A);
    const b = net.add('bob', B);
    const pa = a.endpoint.addPeer(B, '10.0.0.2:5000');
    const pb = b.endpoint.addPeer(A, '10.0.0.1:5000');
    net.clock.advance(50);
    pa.session.send({ text: 'hi bob' });
    pb.session.send({ text: 'hi alice' });
    net.clock.advance(3000);
    assert.deepEqual(logOf(b, pb).received.map((m) => m.text), ['hi bob']);
    assert.deepEqual(logOf(a, pa).received.map((m) => m.text), ['hi alice']);
    assert.ok(pa.established && pb.established);
    assert.ok(pa.key!.equals(b.identity.publicKey) && pb.key!.equals(a.identity.publicKey));
    assert.equal(pa.safetyNumber, pb.safetyNumber);
    assert.equal(pa.safetyNumber, safetyNumber(a.identity.publicKey, b.identity.publicKey));
    // After first contact, every binary datagram is v2 and carries a receiver id (non-zero except HS_INIT).
    const binary = wire.filter((d) => d[0] === 0xf5);
    assert.ok(binary.length > 5);
    for (const d of binary) {
      assert.equal(d[3], 2);
      if (d[4] !== 0x11) assert.notEqual(d.readUInt32BE(6), 0);
    }
    // No user text in clear on the wire once the protocol runs: only the greeting lines are text.
    const text = wire.filter((d) => d[0] !== 0xf5).map((d) => d.toString('utf8'));
    assert.ok(text.every((t) => t.includes('is using UDP Chat')), text.join('|'));
  });
});
