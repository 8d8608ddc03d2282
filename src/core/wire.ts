// Wire v2, outer layer (docs/PROTOCOL.md §2–§3): the handshake messages and the sealed TRANSPORT
// datagram. Every one carries the receiver's connection id at offset 6, so the endpoint routes a
// datagram with one map lookup. Pure: Buffer in, Buffer out.
import { MAGIC } from './codec';

export const WIRE_VERSION = 2;
export const OUTER_HEADER = 10; // magic(3) version(1) type(1) flags(1) receiverId(4)
/** TRANSPORT: header, then counter u64; the AEAD's associated data is these 18 bytes. */
export const TRANSPORT_HEADER = OUTER_HEADER + 8;
export const TAG_BYTES = 16;

export enum OuterType {
  HandshakeInit = 0x11,
  HandshakeResp = 0x12,
  HandshakeFinish = 0x13,
  HandshakeReject = 0x14,
  Transport = 0x15,
}

/** The Noise pattern an HS_INIT starts (§10.2). */
export enum WirePattern { XX = 0, IK = 1, XXpsk3 = 2, IKpsk2 = 3 }

/** Why a responder refused an HS_INIT (unauthenticated hint: it only ever causes a notice or a retry with XX). */
export enum RejectReason {
  /** IK did not decrypt: the responder's key is not the one the initiator expected. Retry with XX. */
  UnknownKey = 1,
  /** The initiator used a passphrase (psk pattern); the responder has none. */
  PassphraseExpected = 2,
  /** The responder requires a passphrase and the initiator used none. */
  PassphraseRequired = 3,
  /** The passphrase did not match (XXpsk3 message 3 failed). */
  PassphraseMismatch = 4,
  /** The responder does not accept this person (blocked, or not allowed to reach it). */
  Refused = 5,
}

export type Outer =
  | { type: OuterType.HandshakeInit; senderId: number; pattern: WirePattern; noise: Buffer }
  | { type: OuterType.HandshakeResp; receiverId: number; senderId: number; noise: Buffer }
  | { type: OuterType.HandshakeFinish; receiverId: number; noise: Buffer }
  | { type: OuterType.HandshakeReject; receiverId: number; reason: RejectReason }
  | { type: OuterType.Transport; receiverId: number; counter: bigint; sealed: Buffer };

function header(type: OuterType, receiverId: number, rest: number): Buffer {
  const b = Buffer.alloc(OUTER_HEADER + rest);
  MAGIC.copy(b, 0);
  b[3] = WIRE_VERSION;
  b[4] = type;
  b[5] = 0;
  b.writeUInt32BE(receiverId >>> 0, 6);
  return b;
}

export function encodeOuter(o: Outer): Buffer {
  switch (o.type) {
    case OuterType.HandshakeInit: {
      const b = header(o.type, 0, 5 + o.noise.length);
      b.writeUInt32BE(o.senderId >>> 0, OUTER_HEADER);
      b[OUTER_HEADER + 4] = o.pattern;
      o.noise.copy(b, OUTER_HEADER + 5);
      return b;
    }
    case OuterType.HandshakeResp: {
      const b = header(o.type, o.receiverId, 4 + o.noise.length);
      b.writeUInt32BE(o.senderId >>> 0, OUTER_HEADER);
      o.noise.copy(b, OUTER_HEADER + 4);
      return b;
    }
    case OuterType.HandshakeFinish: {
      const b = header(o.type, o.receiverId, o.noise.length);
      o.noise.copy(b, OUTER_HEADER);
      return b;
    }
    case OuterType.HandshakeReject: {
      const b = header(o.type, o.receiverId, 1);
      b[OUTER_HEADER] = o.reason;
      return b;
    }
    case OuterType.Transport: {
      const b = header(o.type, o.receiverId, 8 + o.sealed.length);
      b.writeBigUInt64BE(o.counter, OUTER_HEADER);
      o.sealed.copy(b, TRANSPORT_HEADER);
      return b;
    }
  }
}

/** The 18 bytes a TRANSPORT datagram authenticates in clear (AEAD associated data). */
export function transportHeader(receiverId: number, counter: bigint): Buffer {
  const b = Buffer.allocUnsafe(TRANSPORT_HEADER);
  writeTransportHeader(b, receiverId, counter);
  return b;
}

/** Writes a TRANSPORT datagram's 18-byte header at the start of `b` (the same bytes as encodeOuter's). */
export function writeTransportHeader(b: Buffer, receiverId: number, counter: bigint): void {
  MAGIC.copy(b, 0);
  b[3] = WIRE_VERSION;
  b[4] = OuterType.Transport;
  b[5] = 0;
  b.writeUInt32BE(receiverId >>> 0, 6);
  b.writeBigUInt64BE(counter, OUTER_HEADER);
}

/** The receiver id of a v2 datagram, read without parsing the rest (routing). */
export function receiverIdOf(buf: Uint8Array): number {
  return ((buf[6] << 24) | (buf[7] << 16) | (buf[8] << 8) | buf[9]) >>> 0;
}

/** Decodes a datagram that starts with the magic and version 2; undefined when malformed. */
export function decodeOuter(buf: Buffer): Outer | undefined {
  if (buf.length < OUTER_HEADER) return undefined;
  const type = buf[4] as OuterType;
  const receiverId = buf.readUInt32BE(6);
  const body = buf.subarray(OUTER_HEADER);
  switch (type) {
    case OuterType.HandshakeInit:
      if (receiverId !== 0 || body.length < 5 + 32 || body[4] > WirePattern.IKpsk2) return undefined;
      return { type, senderId: body.readUInt32BE(0), pattern: body[4] as WirePattern, noise: body.subarray(5) };
    case OuterType.HandshakeResp:
      if (receiverId === 0 || body.length < 4 + 32) return undefined;
      return { type, receiverId, senderId: body.readUInt32BE(0), noise: body.subarray(4) };
    case OuterType.HandshakeFinish:
      if (receiverId === 0 || body.length < 32) return undefined;
      return { type, receiverId, noise: body };
    case OuterType.HandshakeReject:
      if (receiverId === 0 || body.length !== 1) return undefined;
      return { type, receiverId, reason: body[0] as RejectReason };
    case OuterType.Transport:
      if (receiverId === 0 || body.length < 8 + TAG_BYTES) return undefined;
      return { type, receiverId, counter: body.readBigUInt64BE(0), sealed: body.subarray(8) };
    default:
      return undefined;
  }
}
