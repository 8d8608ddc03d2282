// Reads lines from a stream without ever holding more than a bounded line in memory: a line longer
// than `maxBytes` is skipped to its end and reported by size, never buffered (readline would keep a
// 600 MiB line whole, then fail with "Invalid string length").
import { EventEmitter } from 'node:events';
import { MAX_TEXT_BYTES } from '../core/limits';

/** A JSON line may escape every character of a 1 MiB text (\uXXXX: 6 bytes each): room for that. */
export const MAX_INPUT_LINE_BYTES = MAX_TEXT_BYTES * 6 + 1024;
/** A typed (interactive) line is the message itself. */
export const MAX_TYPED_LINE_BYTES = MAX_TEXT_BYTES;

export function tooLongLine(bytes: number): string {
  return `A line of ${bytes} bytes was not sent: a message can be at most ${MAX_TEXT_BYTES} bytes (1 MiB).`;
}

export interface LineEvents {
  line: [string];
  /** A line over the limit was dropped; `bytes` is its length in bytes (without the newline). */
  oversize: [number];
  close: [];
}

export class BoundedLineReader extends EventEmitter<LineEvents> {
  private parts: Buffer[] = [];
  private held = 0;
  /** Bytes of the current line when it is being skipped (over the limit). */
  private skipped = -1;
  private closed = false;

  constructor(private readonly input: NodeJS.ReadableStream, private readonly maxBytes: number) {
    super();
    input.on('data', (chunk: Buffer | string) => { if (!this.closed) this.push(typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk); });
    input.on('end', () => this.finish());
    input.on('close', () => this.finish());
    input.on('error', () => this.finish());
  }

  private push(chunk: Buffer): void {
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(0x0a, start);
      const piece = nl < 0 ? chunk.subarray(start) : chunk.subarray(start, nl);
      this.take(piece);
      if (nl < 0) return;
      this.endLine();
      start = nl + 1;
    }
  }

  private take(piece: Buffer): void {
    if (piece.length === 0) return;
    if (this.skipped >= 0) { this.skipped += piece.length; return; }
    if (this.held + piece.length > this.maxBytes) {
      this.skipped = this.held + piece.length;
      this.parts = [];
      this.held = 0;
      return;
    }
    this.parts.push(Buffer.from(piece));
    this.held += piece.length;
  }

  private endLine(): void {
    if (this.skipped >= 0) {
      const n = this.skipped;
      this.skipped = -1;
      this.emit('oversize', n);
      return;
    }
    const text = Buffer.concat(this.parts, this.held).toString('utf8').replace(/\r$/, '');
    this.parts = [];
    this.held = 0;
    this.emit('line', text);
  }

  /** Stops reading (what is still buffered is dropped) and emits close. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.parts = [];
    this.held = 0;
    this.skipped = -1;
    this.input.pause();
    this.emit('close');
  }

  private finish(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.held > 0 || this.skipped >= 0) this.endLine();
    this.emit('close');
  }
}
