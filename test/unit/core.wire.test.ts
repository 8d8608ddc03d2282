import * as assert from 'node:assert/strict';
import { decodeOuter, encodeOuter, OuterType, receiverIdOf, RejectReason, WirePattern } from '../../src/core/wire';

describe('core/wire: v2 outer datagrams', () => {
  it('round-trips every outer type, and the receiver id sits at offset 6', () => {
    const noise = Buffer.alloc(48, 7);
    const cases = [
      { type: OuterType.HandshakeInit, senderId: 0xdeadbeef, pattern: WirePattern.IK, noise },
      { type: OuterType.HandshakeResp, receiverId: 0x01020304, senderId: 9, noise },
      { type: OuterType.HandshakeFinish, receiverId: 5, noise },
      { type: OuterType.HandshakeReject, receiverId: 6, reason: RejectReason.PassphraseMismatch },
      { type: OuterType.Transport, receiverId: 0xffffffff, counter: 2n ** 40n, sealed: Buffer.alloc(20, 1) },
    ] as const;
    for (const c of cases) {
      const wire = encodeOuter(c);
      assert.deepEqual([...wire.subarray(0, 4)], [0xf5, 0x55, 0x43, 2]);
      assert.equal(wire[4], c.type);
      assert.equal(receiverIdOf(wire), 'receiverId' in c ? c.receiverId : 0);
      assert.deepEqual(decodeOuter(wire), c);
    }
  });

  it('refuses what is malformed: short bodies, a zero receiver id where one is needed, unknown types and patterns', () => {
    const t = encodeOuter({ type: OuterType.Transport, receiverId: 1, counter: 0n, sealed: Buffer.alloc(16) });
    assert.ok(decodeOuter(t));
    assert.equal(decodeOuter(t.subarray(0, t.length - 1)), undefined);
    const zero = Buffer.from(t); zero.writeUInt32BE(0, 6);
    assert.equal(decodeOuter(zero), undefined);
    const unknown = Buffer.from(t); unknown[4] = 0x7f;
    assert.equal(decodeOuter(unknown), undefined);
    const init = encodeOuter({ type: OuterType.HandshakeInit, senderId: 1, pattern: WirePattern.XX, noise: Buffer.alloc(32) });
    const badPattern = Buffer.from(init); badPattern[14] = 9;
    assert.equal(decodeOuter(badPattern), undefined);
    const withReceiver = Buffer.from(init); withReceiver.writeUInt32BE(3, 6);
    assert.equal(decodeOuter(withReceiver), undefined);
  });
});
