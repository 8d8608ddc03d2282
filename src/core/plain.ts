// Rules for the classic plain-text UDP chat programs (and `nc -u`): UTF-8 text, a 1024-byte read buffer,
// and quit words that end the chat.

/** The classic programs read with recvfrom(1024). */
export const PLAIN_MAX_DATAGRAM = 1024;

const QUIT_WORDS = new Set(['quit', 'exit', 'bye bye']);

/** True for `quit`, `exit`, `bye bye` (case-insensitive, surrounding whitespace and one trailing newline ignored). */
export function isQuitWord(text: string): boolean {
  return QUIT_WORDS.has(text.trim().toLowerCase().replace(/\s+/g, ' '));
}

/**
 * Split UTF-8 text into chunks of at most `max` bytes, never cutting a character (code point) in two.
 * Empty text gives one empty chunk.
 */
export function splitUtf8(text: string, max = PLAIN_MAX_DATAGRAM): Buffer[] {
  if (max < 4) throw new RangeError('max must be at least 4 bytes');
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= max) return [bytes];
  const out: Buffer[] = [];
  let start = 0;
  while (start < bytes.length) {
    let end = Math.min(start + max, bytes.length);
    // Step back over continuation bytes (10xxxxxx) so the cut lands on a character boundary.
    while (end < bytes.length && end > start && (bytes[end] & 0xc0) === 0x80) end--;
    out.push(bytes.subarray(start, end));
    start = end;
  }
  return out;
}

/** Decode a plain datagram: invalid UTF-8 becomes U+FFFD; one trailing newline (nc sends one) is dropped. */
export function decodePlain(buf: Uint8Array): string {
  const text = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength).toString('utf8');
  return text.replace(/\r?\n$/, '');
}
