import assert from 'node:assert/strict';
import type { Packet } from '../../src/core/codec';
import { decode, decodeBody, encode, encodeBody, hasMagic, MAGIC, PacketType, VERSION } from '../../src/core/codec';

describe('core/codec', () => {
  const samples: Packet[] = [
    { type: PacketType.Hello, senderId: 7, echoId: 9, secure: true, name: 'Ada ✓' },
    { type: PacketType.Heartbeat, senderId: 7 },
    { type: PacketType.Heartbeat, senderId: 7, ack: { streamId: 3, cumulative: 10, digest: 0xdeadbeef, ranges: [[12, 14], [20, 21]] } },
    { type: PacketType.Bye, senderId: 7, reason: 'quit' },
    { type: PacketType.Data, senderId: 1, streamId: 2, seq: 3, msgId: 4, fragIndex: 0, fragCount: 2, payload: Buffer.from('héllo') },
    { type: PacketType.Data, senderId: 1, streamId: 2, seq: 3, msgId: 4, fragIndex: 1, fragCount: 2, payload: Buffer.alloc(0), ack: { streamId: 5, cumulative: 0, digest: 0, ranges: [] } },
    { type: PacketType.Ack, senderId: 1, ack: { streamId: 5, cumulative: 4294967295, digest: 4294967295, ranges: [] } },
  ];

  it('round-trips every packet type', () => {
    for (const p of samples) {
      const d = decode(encode(p));
      assert.equal(d.kind, 'packet', d.kind === 'malformed' ? d.reason : d.kind);
      assert.deepEqual(d.kind === 'packet' ? d.packet : undefined, p);
    }
  });

  it('starts every datagram with the magic and version', () => {
    for (const p of samples) {
      const b = encode(p);
      assert.deepEqual([...b.subarray(0, 4)], [...MAGIC, VERSION]);
    }
  });

  it('classifies any valid UTF-8 text as plain', () => {
    for (const t of ['hello', '', '\u00f5UC', 'ÕUC\u0001', '😀']) assert.equal(decode(Buffer.from(t)).kind, 'plain', t);
    assert.ok(!hasMagic(Buffer.from('\u00f5UC', 'utf8')));
  });

  it('rejects an unknown version without reading it', () => {
    const b = encode(samples[0]);
    assert.equal(b[3], 2, 'inner datagrams are version 2');
    b[3] = 1;
    assert.deepEqual(decode(b), { kind: 'version', version: 1 });
    b[3] = 3;
    assert.deepEqual(decode(b), { kind: 'version', version: 3 });
  });

  it('reports truncated, trailing and nonsense datagrams as malformed', () => {
    const data = encode(samples[4]);
    assert.equal(decode(data.subarray(0, 10)).kind, 'malformed');
    const ack = encode(samples[6]);
    assert.equal(decode(Buffer.concat([ack, Buffer.from([0])])).kind, 'malformed');
    assert.equal(decode(Buffer.from([...MAGIC, VERSION, 99, 0])).kind, 'malformed');
    // The v1 handshake and sealed types (6, 7, 8) are no inner types: v2 frames those in wire.ts.
    for (const t of [6, 7, 8]) assert.deepEqual(decode(Buffer.from([...MAGIC, VERSION, t, 0, 0, 0, 0, 1, ...new Array(60).fill(7)])), { kind: 'malformed', reason: `unknown packet type ${t}` });
    const badFrag = encode({ ...(samples[4] as Extract<Packet, { type: PacketType.Data }>), fragIndex: 5, fragCount: 2 });
    assert.equal(decode(badFrag).kind, 'malformed');
    const badSack = encode({ type: PacketType.Ack, senderId: 1, ack: { streamId: 1, cumulative: 10, digest: 1, ranges: [[5, 6]] } });
    assert.equal(decode(badSack).kind, 'malformed');
  });

  it('round-trips message bodies, with and without code', () => {
    const t = { text: 'hi **there**', sentAt: 1700000000000, uid: '0123456789abcdef' };
    assert.deepEqual(decodeBody(encodeBody(t)), t);
    const c = { text: 'const x = 1;', sentAt: 5, uid: 'ffffffff00000001', code: { language: 'ts', path: 'src/a.ts', startLine: 3, endLine: 4 } };
    assert.throws(() => encodeBody({ text: 'x', sentAt: 1, uid: 'not hex' }), /16 lowercase hex/);
    assert.deepEqual(decodeBody(encodeBody(c)), c);
    assert.equal(decodeBody(Buffer.from([3, 0, 0])), undefined);
  });
});
