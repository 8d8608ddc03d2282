// How much of a conversation the view renders at once: pure budgets and the first-paint split, no
// DOM (test/unit/webview.paint.test.ts). render.ts applies them.
import type { ChatEntry } from '../shared/protocol';

/** Longer texts render truncated behind "Show more" so a 1 MiB message cannot freeze the view. */
export const MAX_RENDER_CHARS = 20_000;

/** A snapshot paints its newest entries at once (far more than a screenful); older ones follow in idle time. */
export const FIRST_PAINT_ENTRIES = 200;
/** …unless they are long: stop the first batch early past this many characters (at least a screenful stays). */
export const FIRST_PAINT_CHARS = 200_000;
export const FIRST_PAINT_MIN_ENTRIES = 30;

/** How many of the newest entries the first paint shows. */
export function firstPaintCount(entries: readonly ChatEntry[]): number {
  let chars = 0;
  let n = 0;
  while (n < entries.length && n < FIRST_PAINT_ENTRIES) {
    const e = entries[entries.length - 1 - n]!;
    chars += Math.min(String(e.text ?? '').length + String(e.code?.code ?? '').length, 2 * MAX_RENDER_CHARS);
    n++;
    if (chars > FIRST_PAINT_CHARS && n >= FIRST_PAINT_MIN_ENTRIES) break;
  }
  return n;
}

/** The snapshot split for its first paint: older entries for the idle-time backlog, the newest to paint now. */
export function splitFirstPaint<T extends ChatEntry>(entries: readonly T[]): { backlog: T[]; now: T[] } {
  const split = entries.length - firstPaintCount(entries);
  return { backlog: entries.slice(0, split), now: entries.slice(split) };
}
