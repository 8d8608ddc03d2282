// What a peer sends is shown in the user's terminal as text, never as instructions to the terminal:
// control characters (ESC sequences such as OSC 52 clipboard writes, title changes and screen
// clears, BEL, a lone CR that rewrites the line) and invisible bidirectional overrides are drawn as
// visible symbols instead.

/** C0 controls except LF and TAB, DEL, C1 controls, line/paragraph separators, bidi embeddings and isolates. */
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

function symbolFor(c: string): string {
  const code = c.codePointAt(0)!;
  if (code < 0x20) return String.fromCodePoint(0x2400 + code); // ␀…␟ (U+2400 Control Pictures): ␛ for ESC
  if (code === 0x7f) return '\u2421'; // ␡
  return `<U+${code.toString(16).toUpperCase().padStart(4, '0')}>`;
}

/** Text safe to write to a terminal: newlines and tabs kept, every other control shown as a symbol. */
export function visible(text: string): string {
  return text.replace(UNSAFE, symbolFor);
}

/** JSON for one output line, with the characters JSON.stringify leaves raw (C1, U+2028/9, bidi) escaped too. */
export function safeJson(value: unknown): string {
  return JSON.stringify(value).replace(/[\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
