// Inner datagrams of wire v2 (sealed inside TRANSPORT, docs/PROTOCOL.md §3). Pure: Buffer in, Buffer out. See docs/PROTOCOL.md.
import * as zlib from 'node:zlib';
import { MAX_FRAGMENT_PAYLOAD, MAX_FRAGMENTS, MAX_NAME_BYTES, MAX_SACK_RANGES } from './limits';

/** 0xF5 can never occur in valid UTF-8, so no plain-text datagram can start with the magic. */
export const MAGIC = Buffer.from([0xf5, 0x55, 0x43]); // "\xF5UC"
export const VERSION = 2;
export const HEADER_BYTES = 6; // magic(3) version(1) type(1) flags(1)

export enum PacketType {
  Hello = 1,
  Heartbeat = 2,
  Bye = 3,
  Data = 4,
  Ack = 5,
  /** Several DATA frames (and an ack block) in one datagram; only to a peer whose HELLO has FLAG_PACK (PROTOCOL.md §7.4). */
  Packed = 9,
}

/** flags bit 0: an ack block follows the fixed header (Data, Heartbeat). */
export const FLAG_ACK = 0x01;
/** Hello flags bit 1: the sender requires an encrypted session. */
export const FLAG_SECURE = 0x02;
/** Hello flags bit 2: the sender reads PACKED datagrams (PROTOCOL.md §7.4). */
export const FLAG_PACK = 0x04;
/** PACKED flags bit 3: acknowledge this datagram without the ack delay (the sender waits for the ack; PROTOCOL.md §9.2). */
export const FLAG_ACK_NOW = 0x08;

/** Fixed part of a PACKED datagram: header, senderId u32, streamId u32. */
export const PACKED_HEADER_BYTES = HEADER_BYTES + 8;
/** Fixed part of a DATA frame in a PACKED datagram: seq u32, msgId u32, fragIndex u16, fragCount u16, len u16. */
export const FRAME_HEADER_BYTES = 14;
/** Size of an ack block with `ranges` SACK ranges. */
export const ackBlockBytes = (ranges: number): number => 13 + 8 * Math.min(ranges, MAX_SACK_RANGES);

/** One fragment of a message: what a DATA datagram carries once, a PACKED datagram several times. */
export interface DataFrame {
  seq: number;
  msgId: number;
  fragIndex: number;
  fragCount: number;
  payload: Buffer;
}

export interface AckBlock {
  /** The acknowledged sender stream. */
  streamId: number;
  /** Every sequence number below this was received. */
  cumulative: number;
  /**
   * CRC-32 chain over the fragments delivered below `cumulative` (streamDigest): the sender checks it
   * against what it sent, so a forged fragment in its place is not taken for delivery.
   */
  digest: number;
  /** Received ranges above `cumulative`, [start, end) each, ascending. */
  ranges: Array<[number, number]>;
}

export type Packet =
  /** `pack`: FLAG_PACK, the sender reads PACKED datagrams (decoded as a boolean; absent when encoding means false). */
  | { type: PacketType.Hello; senderId: number; echoId: number; secure: boolean; name: string; pack?: boolean }
  | { type: PacketType.Heartbeat; senderId: number; ack?: AckBlock }
  | { type: PacketType.Bye; senderId: number; reason: string }
  | {
      type: PacketType.Data;
      senderId: number;
      streamId: number;
      seq: number;
      msgId: number;
      fragIndex: number;
      fragCount: number;
      payload: Buffer;
      ack?: AckBlock;
    }
  | { type: PacketType.Ack; senderId: number; ack: AckBlock }
  | { type: PacketType.Packed; senderId: number; streamId: number; frames: DataFrame[]; ack?: AckBlock; ackNow?: boolean };

export type DecodeResult =
  | { kind: 'packet'; packet: Packet }
  | { kind: 'plain' } // no magic: a plain-text datagram
  | { kind: 'version'; version: number } // our magic, a version we do not speak
  | { kind: 'malformed'; reason: string };

export function hasMagic(buf: Uint8Array): boolean {
  return buf.length >= 3 && buf[0] === MAGIC[0] && buf[1] === MAGIC[1] && buf[2] === MAGIC[2];
}

class Writer {
  private parts: Buffer[] = [];
  private len = 0;
  u8(v: number): this { return this.raw(Buffer.from([v & 0xff])); }
  u16(v: number): this { const b = Buffer.allocUnsafe(2); b.writeUInt16BE(v); return this.raw(b); }
  u32(v: number): this { const b = Buffer.allocUnsafe(4); b.writeUInt32BE(v >>> 0); return this.raw(b); }
  u64(v: bigint): this { const b = Buffer.allocUnsafe(8); b.writeBigUInt64BE(v); return this.raw(b); }
  raw(b: Uint8Array): this { const buf = Buffer.isBuffer(b) ? b : Buffer.from(b); this.parts.push(buf); this.len += buf.length; return this; }
  done(): Buffer { return Buffer.concat(this.parts, this.len); }
}

class Reader {
  off = 0;
  constructor(private readonly buf: Buffer) {}
  need(n: number): void { if (this.off + n > this.buf.length) throw new RangeError('truncated'); }
  u8(): number { this.need(1); return this.buf[this.off++]; }
  u16(): number { this.need(2); const v = this.buf.readUInt16BE(this.off); this.off += 2; return v; }
  u32(): number { this.need(4); const v = this.buf.readUInt32BE(this.off); this.off += 4; return v; }
  u64(): bigint { this.need(8); const v = this.buf.readBigUInt64BE(this.off); this.off += 8; return v; }
  bytes(n: number): Buffer { this.need(n); const v = this.buf.subarray(this.off, this.off + n); this.off += n; return v; }
  rest(): Buffer { const v = this.buf.subarray(this.off); this.off = this.buf.length; return v; }
  get left(): number { return this.buf.length - this.off; }
}

function header(type: PacketType, flags: number): Writer {
  return new Writer().raw(MAGIC).u8(VERSION).u8(type).u8(flags);
}


function readAck(r: Reader): AckBlock {
  const streamId = r.u32();
  const cumulative = r.u32();
  const digest = r.u32();
  const n = r.u8();
  if (n > MAX_SACK_RANGES) throw new RangeError('too many SACK ranges');
  const ranges: Array<[number, number]> = [];
  let prev = cumulative;
  for (let i = 0; i < n; i++) {
    const s = r.u32();
    const e = r.u32();
    if (s < prev || e <= s) throw new RangeError('SACK ranges out of order');
    ranges.push([s, e]);
    prev = e;
  }
  return { streamId, cumulative, digest, ranges };
}

/** Writes an ack block at `o` of `b`; returns the offset after it. */
function putAck(b: Buffer, o: number, ack: AckBlock): number {
  const n = Math.min(ack.ranges.length, MAX_SACK_RANGES);
  b.writeUInt32BE(ack.streamId >>> 0, o);
  b.writeUInt32BE(ack.cumulative >>> 0, o + 4);
  b.writeUInt32BE(ack.digest >>> 0, o + 8);
  b[o + 12] = n;
  o += 13;
  for (let i = 0; i < n; i++) { b.writeUInt32BE(ack.ranges[i][0] >>> 0, o); b.writeUInt32BE(ack.ranges[i][1] >>> 0, o + 4); o += 8; }
  return o;
}

/** Writes the 6-byte inner header at 0 of `b`. */
function putHeader(b: Buffer, type: PacketType, flags: number): void {
  b[0] = MAGIC[0]; b[1] = MAGIC[1]; b[2] = MAGIC[2];
  b[3] = VERSION;
  b[4] = type;
  b[5] = flags;
}

/**
 * A PACKED datagram from its parts, in one allocation (the sender's hot path): the header, the ack
 * block if any, then per frame its fields and `len` bytes of `body` from `start` (each frame's
 * payload is a slice of its message's body; nothing is copied but into the datagram).
 */
export class PackedWriter {
  private readonly buf: Buffer;
  private off: number;

  /** `size`: the exact size, PACKED_HEADER_BYTES + ackBlockBytes (if any) + every frame's FRAME_HEADER_BYTES + len. */
  /** `ackNow`: FLAG_ACK_NOW, the receiver acknowledges it without delay. */
  constructor(size: number, senderId: number, streamId: number, ack: AckBlock | undefined, ackNow = false) {
    const b = this.buf = Buffer.allocUnsafe(size);
    putHeader(b, PacketType.Packed, (ack ? FLAG_ACK : 0) | (ackNow ? FLAG_ACK_NOW : 0));
    b.writeUInt32BE(senderId >>> 0, 6);
    b.writeUInt32BE(streamId >>> 0, 10);
    this.off = ack ? putAck(b, PACKED_HEADER_BYTES, ack) : PACKED_HEADER_BYTES;
  }

  frame(seq: number, msgId: number, fragIndex: number, fragCount: number, body: Buffer, start: number, len: number): void {
    const b = this.buf;
    const o = this.off;
    b.writeUInt32BE(seq >>> 0, o);
    b.writeUInt32BE(msgId >>> 0, o + 4);
    b.writeUInt16BE(fragIndex, o + 8);
    b.writeUInt16BE(fragCount, o + 10);
    b.writeUInt16BE(len, o + 12);
    body.copy(b, o + FRAME_HEADER_BYTES, start, start + len);
    this.off = o + FRAME_HEADER_BYTES + len;
  }

  done(): Buffer {
    if (this.off !== this.buf.length) throw new RangeError(`packed datagram: wrote ${this.off} of ${this.buf.length} bytes`);
    return this.buf;
  }
}

/** CRC-32 (IEEE, zlib's) table, for the 8 bytes of a fragment's fields: a native call for them cost more than the bytes. */
const CRC_TABLE = (() => {
  const t = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c;
  }
  return t;
})();

/** zlib.crc32 of one more byte `b` after `crc` (the running value, pre- and post-conditioned as zlib's). */
const crcByte = (c: number, b: number): number => CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);

/**
 * The digest chain of a stream: starts at 0; each fragment in sequence order extends it with
 * CRC-32 over msgId u32, fragIndex u16, fragCount u16 and the payload (docs/PROTOCOL.md §5.2).
 */
export function streamDigest(prev: number, msgId: number, fragIndex: number, fragCount: number, payload: Uint8Array): number {
  // The 8 bytes of the fields, big-endian, in JS; the payload by zlib (the same CRC, continued).
  let c = ~prev;
  c = crcByte(c, msgId >>> 24); c = crcByte(c, msgId >>> 16); c = crcByte(c, msgId >>> 8); c = crcByte(c, msgId);
  c = crcByte(c, fragIndex >>> 8); c = crcByte(c, fragIndex);
  c = crcByte(c, fragCount >>> 8); c = crcByte(c, fragCount);
  return zlib.crc32(payload, ~c >>> 0);
}

export function encodeName(name: string): Buffer {
  let b = Buffer.from(name, 'utf8');
  if (b.length > MAX_NAME_BYTES) {
    let end = MAX_NAME_BYTES;
    while (end > 0 && (b[end] & 0xc0) === 0x80) end--;
    b = b.subarray(0, end);
  }
  return b;
}

export function encode(p: Packet): Buffer {
  switch (p.type) {
    case PacketType.Hello: {
      const name = encodeName(p.name);
      // No trailer: HELLO goes only to peers that speak the protocol (first contact is text, firstContact.ts).
      return header(p.type, (p.secure ? FLAG_SECURE : 0) | (p.pack ? FLAG_PACK : 0)).u32(p.senderId).u32(p.echoId).u8(name.length).raw(name).done();
    }
    case PacketType.Heartbeat:
    case PacketType.Ack: {
      // One allocation, direct writes (an ack goes for every other data datagram received).
      const ack = p.ack;
      const b = Buffer.allocUnsafe(HEADER_BYTES + 4 + (ack ? ackBlockBytes(ack.ranges.length) : 0));
      putHeader(b, p.type, p.type === PacketType.Heartbeat && ack ? FLAG_ACK : 0);
      b.writeUInt32BE(p.senderId >>> 0, HEADER_BYTES);
      if (ack) putAck(b, HEADER_BYTES + 4, ack);
      return b;
    }
    case PacketType.Bye: {
      const reason = encodeName(p.reason);
      return header(p.type, 0).u32(p.senderId).u8(reason.length).raw(reason).done();
    }
    case PacketType.Data: {
      // One allocation, direct writes.
      const ackLen = p.ack ? ackBlockBytes(p.ack.ranges.length) : 0;
      const b = Buffer.allocUnsafe(HEADER_BYTES + 20 + ackLen + p.payload.length);
      putHeader(b, p.type, p.ack ? FLAG_ACK : 0);
      b.writeUInt32BE(p.senderId >>> 0, 6);
      b.writeUInt32BE(p.streamId >>> 0, 10);
      b.writeUInt32BE(p.seq >>> 0, 14);
      b.writeUInt32BE(p.msgId >>> 0, 18);
      b.writeUInt16BE(p.fragIndex, 22);
      b.writeUInt16BE(p.fragCount, 24);
      const o = p.ack ? putAck(b, 26, p.ack) : 26;
      Buffer.from(p.payload.buffer, p.payload.byteOffset, p.payload.length).copy(b, o);
      return b;
    }
    case PacketType.Packed: {
      let size = PACKED_HEADER_BYTES + (p.ack ? ackBlockBytes(p.ack.ranges.length) : 0);
      for (const f of p.frames) size += FRAME_HEADER_BYTES + f.payload.length;
      const w = new PackedWriter(size, p.senderId, p.streamId, p.ack, p.ackNow ?? false);
      for (const f of p.frames) w.frame(f.seq, f.msgId, f.fragIndex, f.fragCount, f.payload, 0, f.payload.length);
      return w.done();
    }
  }
}

/** Never throws: any input gives a result. */
export function decode(input: Uint8Array): DecodeResult {
  const buf = Buffer.isBuffer(input) ? input : Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  if (!hasMagic(buf)) return { kind: 'plain' };
  if (buf.length < HEADER_BYTES) return { kind: 'malformed', reason: 'short header' };
  const version = buf[3];
  if (version !== VERSION) return { kind: 'version', version };
  const type = buf[4];
  const flags = buf[5];
  const r = new Reader(buf);
  r.off = HEADER_BYTES;
  try {
    let packet: Packet;
    switch (type) {
      case PacketType.Hello: {
        const senderId = r.u32();
        const echoId = r.u32();
        const name = r.bytes(r.u8()).toString('utf8');
        packet = { type, senderId, echoId, secure: (flags & FLAG_SECURE) !== 0, name, pack: (flags & FLAG_PACK) !== 0 };
        r.rest(); // readable note for plain peers; ignored
        break;
      }
      case PacketType.Heartbeat: {
        const senderId = r.u32();
        packet = flags & FLAG_ACK ? { type, senderId, ack: readAck(r) } : { type, senderId };
        break;
      }
      case PacketType.Bye: {
        const senderId = r.u32();
        packet = { type, senderId, reason: r.bytes(r.u8()).toString('utf8') };
        break;
      }
      case PacketType.Data: {
        const senderId = r.u32();
        const streamId = r.u32();
        const seq = r.u32();
        const msgId = r.u32();
        const fragIndex = r.u16();
        const fragCount = r.u16();
        if (fragCount === 0 || fragIndex >= fragCount) return { kind: 'malformed', reason: 'bad fragment index' };
        if (fragCount > MAX_FRAGMENTS) return { kind: 'malformed', reason: 'too many fragments' };
        const ack = flags & FLAG_ACK ? readAck(r) : undefined;
        packet = { type, senderId, streamId, seq, msgId, fragIndex, fragCount, payload: r.rest() };
        if (ack) packet.ack = ack;
        break;
      }
      case PacketType.Ack: {
        const senderId = r.u32();
        packet = { type, senderId, ack: readAck(r) };
        break;
      }
      case PacketType.Packed: {
        const senderId = r.u32();
        const streamId = r.u32();
        const ack = flags & FLAG_ACK ? readAck(r) : undefined;
        const frames: DataFrame[] = [];
        while (r.left > 0) {
          const seq = r.u32();
          const msgId = r.u32();
          const fragIndex = r.u16();
          const fragCount = r.u16();
          const len = r.u16();
          if (fragCount === 0 || fragIndex >= fragCount) return { kind: 'malformed', reason: 'bad fragment index' };
          if (fragCount > MAX_FRAGMENTS) return { kind: 'malformed', reason: 'too many fragments' };
          if (len > MAX_FRAGMENT_PAYLOAD) return { kind: 'malformed', reason: 'frame too long' };
          frames.push({ seq, msgId, fragIndex, fragCount, payload: r.bytes(len) });
        }
        if (frames.length === 0) return { kind: 'malformed', reason: 'no frames' };
        packet = { type, senderId, streamId, frames };
        if (ack) packet.ack = ack;
        if (flags & FLAG_ACK_NOW) packet.ackNow = true;
        break;
      }
      default:
        return { kind: 'malformed', reason: `unknown packet type ${type}` };
    }
    if (r.left !== 0) return { kind: 'malformed', reason: 'trailing bytes' };
    return { kind: 'packet', packet };
  } catch (e) {
    return { kind: 'malformed', reason: e instanceof Error ? e.message : String(e) };
  }
}

// ---- message bodies (the reassembled payload of a message) ----

export interface MessageBody {
  text: string;
  /** Sender's clock, Unix ms. */
  sentAt: number;
  /**
   * 64-bit message identity, 16 lowercase hex digits, chosen once when the message is written and
   * kept across retries, reloads and restarts: the receiver shows a uid once (PROTOCOL.md §4).
   */
  uid: string;
  code?: { language: string; path: string; startLine: number; endLine: number };
  /**
   * The raw meta field (UTF-8 JSON text, docs/PROTOCOL.md §8), e.g. a group envelope
   * (groupEnvelope.ts). encodeBody: when set, the body carries exactly this meta (kind 2 when
   * `code` is set, else kind 1; for kind 2 it must be a JSON object, the code keys beside any
   * others); when absent, the meta is the JSON of `code` (or empty). decodeBody: the meta text
   * whenever metaLen > 0, for both kinds.
   */
  meta?: string;
}

const BODY_TEXT = 1;
const BODY_CODE = 2;
/** kind u8, sentAt f64, uid 8 bytes, metaLen u16. */
const BODY_HEAD = 1 + 8 + 8 + 2;
/** metaLen is a u16. */
export const MAX_BODY_META_BYTES = 0xffff;

/** The meta text of a body: exactly `meta` when given, else the JSON of `code`, else empty. */
function bodyMeta(m: Pick<MessageBody, 'code' | 'meta'>): string {
  return m.meta !== undefined ? m.meta : m.code ? JSON.stringify(m.code) : '';
}

/**
 * The size of `m`'s body without building it, checking what encodeBody checks except the uid:
 * RangeError for a meta over 65,535 bytes or a code meta that is not a JSON object.
 */
export function bodyBytes(m: Pick<MessageBody, 'text' | 'code' | 'meta'>): number {
  const metaLen = Buffer.byteLength(bodyMeta(m), 'utf8');
  if (metaLen > MAX_BODY_META_BYTES) throw new RangeError(`meta too large: ${metaLen} bytes (the limit is ${MAX_BODY_META_BYTES})`);
  // A code body whose meta is not a JSON object would not decode at the receiver (§8).
  if (m.code && m.meta !== undefined && !isJsonObject(m.meta)) throw new RangeError('the meta of a code message must be a JSON object');
  return BODY_HEAD + metaLen + Buffer.byteLength(m.text, 'utf8');
}

/**
 * Throws RangeError for a uid that is not 16 lowercase hex digits, a meta over 65,535 bytes, or a
 * code meta that is not a JSON object. One allocation: the text and meta are written in place.
 */
export function encodeBody(m: MessageBody): Buffer {
  if (!/^[0-9a-f]{16}$/.test(m.uid)) throw new RangeError('uid must be 16 lowercase hex digits');
  const size = bodyBytes(m);
  const meta = bodyMeta(m);
  const b = Buffer.allocUnsafe(size);
  b[0] = m.code ? BODY_CODE : BODY_TEXT;
  b.writeDoubleBE(m.sentAt, 1);
  b.write(m.uid, 9, 8, 'hex');
  const metaLen = meta.length === 0 ? 0 : b.write(meta, BODY_HEAD, 'utf8');
  b.writeUInt16BE(metaLen, 17);
  b.write(m.text, BODY_HEAD + metaLen, 'utf8');
  return b;
}

export function decodeBody(buf: Buffer): MessageBody | undefined {
  if (buf.length < BODY_HEAD) return undefined;
  const kind = buf[0];
  if (kind !== BODY_TEXT && kind !== BODY_CODE) return undefined;
  const sentAt = buf.readDoubleBE(1);
  const uid = buf.toString('hex', 9, 17);
  const metaLen = buf.readUInt16BE(17);
  if (BODY_HEAD + metaLen > buf.length) return undefined;
  // Buffer's UTF-8 decoding replaces invalid sequences with U+FFFD, like a non-fatal TextDecoder.
  const text = buf.toString('utf8', BODY_HEAD + metaLen);
  const body: MessageBody = { text, sentAt: Number.isFinite(sentAt) ? sentAt : 0, uid };
  const metaText = metaLen > 0 ? buf.toString('utf8', BODY_HEAD, BODY_HEAD + metaLen) : '';
  if (kind === BODY_CODE) {
    try {
      const meta = JSON.parse(metaText) as Record<string, unknown>;
      body.code = {
        language: typeof meta.language === 'string' ? meta.language.slice(0, 64) : '',
        path: typeof meta.path === 'string' ? meta.path.slice(0, 1024) : '',
        startLine: Number.isSafeInteger(meta.startLine) ? (meta.startLine as number) : 0,
        endLine: Number.isSafeInteger(meta.endLine) ? (meta.endLine as number) : 0,
      };
    } catch {
      return undefined;
    }
  }
  if (metaLen > 0) body.meta = metaText;
  return body;
}

function isJsonObject(text: string): boolean {
  try {
    const v: unknown = JSON.parse(text);
    return typeof v === 'object' && v !== null && !Array.isArray(v);
  } catch {
    return false;
  }
}
