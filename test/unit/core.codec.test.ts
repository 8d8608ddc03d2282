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
