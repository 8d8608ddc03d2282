// Keyboard movement in the message list, as in VS Code's lists: pure index and geometry math
// (test/unit/webview.listNav.test.ts); listFocus.ts applies it to the DOM.

export const NAV_KEYS = ['ArrowUp', 'ArrowDown', 'Home', 'End', 'PageUp', 'PageDown'] as const;
export type NavKey = (typeof NAV_KEYS)[number];

export function isNavKey(key: string): key is NavKey {
  return (NAV_KEYS as readonly string[]).includes(key);
}

/** Where an entry and the visible part of the list are, in the list's scroll coordinates. */
export interface Geometry {
  /** Top of each entry, in order. */
  tops: readonly number[];
  viewTop: number;
  viewHeight: number;
}

/**
 * The entry the key moves to, or undefined when it does not move (empty list, or already at the
 * end it moves towards). PageUp/PageDown move by about one view height, and at least one entry.
 */
export function navTarget(key: NavKey, current: number, count: number, geometry?: Geometry): number | undefined {
  if (count <= 0) return undefined;
  const from = current >= 0 && current < count ? current : count - 1;
  let to: number;
  switch (key) {
    case 'ArrowUp':
      to = Math.max(0, from - 1);
      break;
    case 'ArrowDown':
      to = Math.min(count - 1, from + 1);
      break;
    case 'Home':
      to = 0;
      break;
    case 'End':
      to = count - 1;
      break;
    case 'PageUp':
    case 'PageDown':
      to = pageTarget(key === 'PageDown' ? 1 : -1, from, count, geometry);
      break;
  }
  return to === current ? undefined : to;
}

function pageTarget(dir: 1 | -1, from: number, count: number, g?: Geometry): number {
  const tops = g?.tops;
  if (!g || !tops || tops.length !== count || !(g.viewHeight > 0)) {
    return dir > 0 ? Math.min(count - 1, from + 10) : Math.max(0, from - 10);
  }
  const goal = tops[from]! + dir * g.viewHeight;
  let to = from;
  if (dir > 0) {
    while (to + 1 < count && tops[to + 1]! <= goal) to++;
    return Math.max(to, Math.min(count - 1, from + 1));
  }
  while (to - 1 >= 0 && tops[to - 1]! >= goal) to--;
  return Math.min(to, Math.max(0, from - 1));
}

/**
 * An entry taller than the view is read by scrolling through it first: ArrowDown scrolls while the
 * focused entry's end is still below the view, ArrowUp while its start is above it. Returns the
 * pixels to scroll (negative: up), or 0 to move to the next entry instead.
 */
export function scrollWithinEntry(
  key: NavKey,
  entry: { top: number; bottom: number },
  view: { top: number; bottom: number },
  step = 40,
): number {
  if (key === 'ArrowDown' && entry.bottom > view.bottom + 1 && entry.top < view.bottom) {
    return Math.min(step, entry.bottom - view.bottom);
  }
  if (key === 'ArrowUp' && entry.top < view.top - 1 && entry.bottom > view.top) {
    return -Math.min(step, view.top - entry.top);
  }
  return 0;
}
