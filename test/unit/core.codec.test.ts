import assert from 'node:assert/strict';
import type { Packet } from '../../src/core/codec';
import { decode, decodeBody, encode, encodeBody, hasMagic, MAGIC, PacketType, streamDigest, VERSION } from '../../src/core/codec';

describe('core/codec', () => {
  const samples: Packet[] = [
    { type: PacketType.Hello, senderId: 7, echoId: 9, secure: true, name: 'Ada ✓', pack: false },
    { type: PacketType.Heartbeat, senderId: 7 },
    { type: PacketType.Heartbeat, senderId: 7, ack: { streamId: 3, cumulative: 10, digest: 0xdeadbeef, ranges: [[12, 14], [20, 21]] } },
    { type: PacketType.Bye, senderId: 7, reason: 'quit' },
    { type: PacketType.Data, senderId: 1, streamId: 2, seq: 3, msgId: 4, fragIndex: 0, fragCount: 2, payload: Buffer.from('héllo') },
    { type: PacketType.Data, senderId: 1, streamId: 2, seq: 3, msgId: 4, fragIndex: 1, fragCount: 2, payload: Buffer.alloc(0), ack: { streamId: 5, cumulative: 0, digest: 0, ranges: [] } },
    { type: PacketType.Ack, senderId: 1, ack: { streamId: 5, cumulative: 4294967295, digest: 4294967295, ranges: [] } },
    { type: PacketType.Packed, senderId: 1, streamId: 2, frames: [{ seq: 3, msgId: 4, fragIndex: 0, fragCount: 1, payload: Buffer.from('héllo') }] },
    {
      type: PacketType.Packed, senderId: 0xffffffff, streamId: 7, ack: { streamId: 9, cumulative: 2, digest: 0x01020304, ranges: [[4, 6]] },
      frames: [
        { seq: 10, msgId: 3, fragIndex: 1, fragCount: 2, payload: Buffer.alloc(0) },
        { seq: 8, msgId: 4, fragIndex: 0, fragCount: 1, payload: Buffer.alloc(1200, 0x61) },
        { seq: 11, msgId: 5, fragIndex: 877, fragCount: 878, payload: Buffer.from([0xf5, 0x55, 0x43]) },
      ],
    },
    { type: PacketType.Hello, senderId: 7, echoId: 0, secure: false, name: '', pack: true },
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

  it('encodes the fixed vectors of PROTOCOL.md Appendix A: HELLO with PACK, and a PACKED datagram of two frames with an ack', () => {
    assert.equal(encode({ type: PacketType.Hello, senderId: 0xa1a1a1a1, echoId: 0, secure: false, name: 'alice', pack: true }).toString('hex'), 'f555430201' + '04' + 'a1a1a1a1' + '00000000' + '05' + '616c696365');
    // A HELLO of a program without PACKED (flags 00) reads as pack: false.
    const old = decode(Buffer.from('f555430201' + '00' + 'a1a1a1a1' + '00000000' + '05' + '616c696365', 'hex'));
    assert.equal(old.kind === 'packet' && old.packet.type === PacketType.Hello && old.packet.pack, false);
    const hi = encodeBody({ text: 'hi', sentAt: 1700000000000, uid: '0123456789abcdef' });
    const yo = encodeBody({ text: 'yo', sentAt: 1700000000000, uid: '0123456789abcdf0' });
    assert.equal(yo.toString('hex'), '014278bcfe568000000123456789abcdf00000796f');
    const packed = encode({
      type: PacketType.Packed, senderId: 0xa1a1a1a1, streamId: 1, ack: { streamId: 1, cumulative: 1, digest: 0x32ecc031, ranges: [[3, 5]] },
      frames: [{ seq: 0, msgId: 1, fragIndex: 0, fragCount: 1, payload: hi }, { seq: 1, msgId: 2, fragIndex: 0, fragCount: 1, payload: yo }],
    });
    assert.equal(packed.length, 14 + 21 + 2 * (14 + 21));
    assert.equal(packed.toString('hex'), [
      'f555430209' + '01' + 'a1a1a1a1' + '00000001',
      '00000001' + '00000001' + '32ecc031' + '01' + '00000003' + '00000005',
      '0000000000000001000000010015' + hi.toString('hex'),
      '0000000100000002000000010015' + yo.toString('hex'),
    ].join(''));
    assert.equal(streamDigest(streamDigest(0, 1, 0, 1, hi), 2, 0, 1, yo).toString(16).padStart(8, '0'), '0f6d9aa8');
  });

  it('refuses malformed PACKED datagrams: no frame, a frame past the end, leftover bytes, a bad fragment, a frame over 1,200 bytes', () => {
    const frame = { seq: 0, msgId: 1, fragIndex: 0, fragCount: 1, payload: Buffer.from('abc') };
    const good = encode({ type: PacketType.Packed, senderId: 1, streamId: 1, frames: [frame, { ...frame, seq: 1 }] });
    assert.equal(decode(good).kind, 'packet');
    const malformed = (b: Buffer): string => { const d = decode(b); return d.kind === 'malformed' ? d.reason : d.kind; };
    assert.equal(malformed(good.subarray(0, 14)), 'no frames');
    assert.equal(malformed(good.subarray(0, good.length - 1)), 'truncated');
    assert.equal(malformed(Buffer.concat([good, Buffer.from([0, 0, 0])])), 'truncated');
    assert.equal(malformed(encode({ type: PacketType.Packed, senderId: 1, streamId: 1, frames: [{ ...frame, fragIndex: 1 }] })), 'bad fragment index');
    assert.equal(malformed(encode({ type: PacketType.Packed, senderId: 1, streamId: 1, frames: [{ ...frame, fragCount: 879 }] })), 'too many fragments');
    assert.equal(malformed(encode({ type: PacketType.Packed, senderId: 1, streamId: 1, frames: [{ ...frame, payload: Buffer.alloc(1201) }] })), 'frame too long');
    // Every truncation and single-byte change decodes to something or is malformed; decode never throws.
    for (let cut = 0; cut < good.length; cut++) assert.doesNotThrow(() => decode(good.subarray(0, cut)));
    for (let i = 0; i < good.length; i++) for (const v of [0, 0xff, 0x7f]) { const m = Buffer.from(good); m[i] = v; assert.doesNotThrow(() => decode(m)); }
  });

  it('round-trips message bodies, with and without code', () => {
    const t = { text: 'hi **there**', sentAt: 1700000000000, uid: '0123456789abcdef' };
    assert.deepEqual(decodeBody(encodeBody(t)), t);
    const c = { text: 'const x = 1;', sentAt: 5, uid: 'ffffffff00000001', code: { language: 'ts', path: 'src/a.ts', startLine: 3, endLine: 4 } };
    assert.throws(() => encodeBody({ text: 'x', sentAt: 1, uid: 'not hex' }), /16 lowercase hex/);
    // A code body's meta is the JSON of its code; decodeBody gives it back raw beside the parsed code.
    assert.deepEqual(decodeBody(encodeBody(c)), { ...c, meta: JSON.stringify(c.code) });
    assert.equal(decodeBody(Buffer.from([3, 0, 0])), undefined);
  });

  it('a body without meta keeps its exact bytes (fixed vectors, text and code) and decodes without meta', () => {
    // PROTOCOL.md Appendix A: body "hi", sentAt 1700000000000, uid 0123456789abcdef.
    const textHex = '014278bcfe568000000123456789abcdef00006869';
    const t = { text: 'hi', sentAt: 1700000000000, uid: '0123456789abcdef' };
    assert.equal(encodeBody(t).toString('hex'), textHex);
    const dt = decodeBody(Buffer.from(textHex, 'hex'))!;
    assert.deepEqual(dt, t);
    assert.equal('meta' in dt, false, 'no meta key when metaLen is 0');
    // A code body: kind 2, metaLen 0x39, meta = JSON of the code, then the code.
    const codeHex = '024014000000000000ffffffff0000000100397b226c616e6775616765223a227473222c2270617468223a22612e7473222c2273746172744c696e65223a332c22656e644c696e65223a347d783d31';
    const code = { language: 'ts', path: 'a.ts', startLine: 3, endLine: 4 };
    assert.equal(encodeBody({ text: 'x=1', sentAt: 5, uid: 'ffffffff00000001', code }).toString('hex'), codeHex);
    // An empty meta is no meta: the same bytes as a text body without one.
    assert.equal(encodeBody({ ...t, meta: '' }).toString('hex'), textHex);
  });

  it('carries a raw meta through a text body (kind 1) and a code body (kind 2), byte for byte', () => {
    const meta = '{"group":{"v":1,"type":"message","id":"0123456789abcdef","epoch":2,"by":"aaaaaaaaaaaaaaaa"},"note":"é 🙂"}';
    const metaBytes = Buffer.byteLength(meta, 'utf8');
    const t = { text: 'hello group', sentAt: 7, uid: '00000000000000ff', meta };
    const tb = encodeBody(t);
    assert.equal(tb[0], 1, 'kind 1 without code');
    assert.equal(tb.readUInt16BE(17), metaBytes);
    assert.equal(tb.toString('utf8', 19, 19 + metaBytes), meta);
    assert.deepEqual(decodeBody(tb), t);
    // Kind 1 meta is carried raw, JSON or not: it is not parsed.
    assert.deepEqual(decodeBody(encodeBody({ ...t, meta: 'not json' })), { ...t, meta: 'not json' });

    const code = { language: 'ts', path: 'src/a.ts', startLine: 2, endLine: 5 };
    const codeMeta = JSON.stringify({ ...code, group: { v: 1, type: 'message', id: '0123456789abcdef', epoch: 2, by: 'aaaaaaaaaaaaaaaa' } });
    const c = { text: 'let x = 1;', sentAt: 8, uid: 'fedcba9876543210', code, meta: codeMeta };
    const cb = encodeBody(c);
    assert.equal(cb[0], 2, 'kind 2 with code');
    assert.equal(cb.toString('utf8', 19, 19 + cb.readUInt16BE(17)), codeMeta, 'exactly the given meta, not the JSON of code');
    assert.deepEqual(decodeBody(cb), c, 'the code keys are read from the meta, which comes back raw');
    // The code is read from the meta, not from `code`: a meta with other code keys wins.
    const other = decodeBody(encodeBody({ ...c, meta: '{"language":"py","path":"b.py","startLine":1,"endLine":1}' }))!;
    assert.deepEqual(other.code, { language: 'py', path: 'b.py', startLine: 1, endLine: 1 });
  });

  it('refuses a meta over 65,535 bytes and a code meta that is not a JSON object; decoding never throws', () => {
    const base = { text: 'x', sentAt: 1, uid: '0000000000000001' };
    const max = encodeBody({ ...base, meta: 'm'.repeat(65535) });
    assert.equal(decodeBody(max)!.meta!.length, 65535);
    assert.throws(() => encodeBody({ ...base, meta: 'm'.repeat(65536) }), RangeError);
    // The limit counts UTF-8 bytes: 32,768 characters of two bytes each are one too many.
    assert.throws(() => encodeBody({ ...base, meta: 'é'.repeat(32768) }), /meta too large/);
    const code = { language: 'ts', path: 'a.ts', startLine: 1, endLine: 1 };
    for (const bad of ['', 'not json', '[1]', 'null', '"s"']) {
      assert.throws(() => encodeBody({ ...base, code, meta: bad }), /JSON object/, `code meta ${JSON.stringify(bad)}`);
    }
    // Every truncation and every single-byte change of a body with meta decodes or gives undefined, never throws.
    const body = encodeBody({ ...base, code, meta: JSON.stringify({ ...code, group: { v: 1 } }) });
    for (let cut = 0; cut < body.length; cut++) {
      const d = decodeBody(body.subarray(0, cut));
      if (cut < 19 + body.readUInt16BE(17)) assert.equal(d, undefined, `cut at ${cut}`);
    }
    for (let i = 0; i < body.length; i++) {
      for (const v of [0x00, 0x02, 0x7b, 0xff]) {
        const m = Buffer.from(body);
        m[i] = v;
        assert.doesNotThrow(() => decodeBody(m));
      }
    }
  });
});
