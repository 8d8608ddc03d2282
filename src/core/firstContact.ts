// First contact with an address that has not shown it speaks our protocol (docs/PROTOCOL.md §8.1).
// Until it has, everything we send it is readable UTF-8 text of at most 1024 bytes, so the classic
// plain-text chat programs (strict `.decode()` of `recvfrom(1024)`) never see a byte they cannot take.
// Our text carries a *mark*: a run of Unicode space characters at the end of the line. A terminal
// shows nothing for it, `str.strip()` in Python and `trim()` in JavaScript remove it, and another
// UDP Chat recognises it, learns the sender id it encodes, and answers in the binary protocol.
import { PLAIN_MAX_DATAGRAM, splitUtf8 } from './plain';

/** Binary protocol version announced in the mark (docs/PROTOCOL.md §2). */
export const MARK_PROTOCOL_VERSION = 2;

/** Fence around the mark: U+2008 PUNCTUATION SPACE. */
const FENCE = '\u2008';
/** Base-4 digits 0..3: U+2002 EN SPACE, U+2003 EM SPACE, U+2004 THREE-PER-EM SPACE, U+2005 FOUR-PER-EM SPACE. */
const DIGITS = ['\u2002', '\u2003', '\u2004', '\u2005'];
/** 2 digits of version (0..15) and 16 digits of sender id (32 bits), most significant first. */
const MARK_DIGITS = 18;
const MARK_RE = new RegExp(`${FENCE}([${DIGITS.join('')}]{${MARK_DIGITS}})${FENCE}(\\r?\\n)?$`);

/** UTF-8 size of a mark: 20 characters of 3 bytes. */
export const MARK_BYTES = (MARK_DIGITS + 2) * 3;

/** Our text lines to a plain or unknown peer: at most this many bytes of the user's text per datagram when marked. */
export const MARKED_CHUNK_BYTES = PLAIN_MAX_DATAGRAM - MARK_BYTES;

/** The mark for a sender id. */
export function markFor(senderId: number, version = MARK_PROTOCOL_VERSION): string {
  const value = (BigInt(version & 0xf) << 32n) | BigInt(senderId >>> 0);
  let out = '';
  for (let i = MARK_DIGITS - 1; i >= 0; i--) out += DIGITS[Number((value >> BigInt(2 * i)) & 3n)];
  return FENCE + out + FENCE;
}

export interface Mark {
  senderId: number;
  version: number;
  /** The text without the mark (and without the newline after it). */
  text: string;
}

/** Reads the mark at the end of a decoded text datagram, if there is one. */
export function readMark(text: string): Mark | undefined {
  const m = MARK_RE.exec(text);
  if (!m) return undefined;
  let value = 0n;
  for (const ch of m[1]) value = (value << 2n) | BigInt(DIGITS.indexOf(ch));
  const senderId = Number(value & 0xffff_ffffn);
  if (senderId === 0) return undefined;
  return { senderId, version: Number(value >> 32n), text: text.slice(0, m.index) };
}

/** Removes a mark, if any (for showing text to a user). */
export function stripMark(text: string): string {
  return readMark(text)?.text ?? text;
}

/** Display names in the greeting: control characters shown as spaces, at most 64 bytes. */
function safeName(name: string): string {
  const clean = name.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, ' ').trim() || 'Someone';
  const bytes = Buffer.from(clean, 'utf8');
  return bytes.length <= 64 ? clean : splitUtf8(clean, 64)[0].toString('utf8');
}

/** The one greeting line per session start: who is writing, with what, and what to do. */
export function greetingDatagram(name: string, senderId: number): Buffer {
  return Buffer.from(`${safeName(name)} is using UDP Chat and would like to chat. Type a line to reply.${markFor(senderId)}\n`, 'utf8');
}

/** In an encrypted session nothing readable goes to an unknown peer: this line tells a person what happened. */
export function encryptedNoticeDatagram(name: string, senderId: number): Buffer {
  return Buffer.from(`${safeName(name)} sent you an encrypted UDP Chat message. It can only be read in UDP Chat.${markFor(senderId)}\n`, 'utf8');
}

/**
 * To an older UDP Chat (its mark carried protocol 1): its own code shows "the peer speaks protocol
 * version 2 … update" for our mark, and never shows this marked line; a person reading raw text does.
 */
export function updateNoticeDatagram(name: string, senderId: number): Buffer {
  return Buffer.from(`${safeName(name)} uses a newer UDP Chat (protocol ${MARK_PROTOCOL_VERSION}). Please update UDP Chat to chat securely.${markFor(senderId)}\n`, 'utf8');
}

/** A message to a peer that has not shown it speaks the protocol: pieces of at most 1024 bytes, each marked. */
export function markedTextDatagrams(text: string, senderId: number): Buffer[] {
  const mark = Buffer.from(markFor(senderId), 'utf8');
  return splitUtf8(text, MARKED_CHUNK_BYTES).map((chunk) => Buffer.concat([chunk, mark]));
}
