// The message list is one Tab stop, like VS Code's own lists: a roving tabindex over the entries
// (tabindex 0 on the active entry, -1 on the others). ArrowUp/ArrowDown, Home/End and
// PageUp/PageDown move between entries; Tab leaves the list. The controls inside an entry (Copy,
// Open, Retry, Show more, links, a code block's scroller) are Tab stops only while focus is in that
// entry; Enter or F2 on an entry moves into its first control, Escape goes back to the entry.
import { CONTROL_ATTR } from './entries';
import { isNavKey, navTarget, scrollWithinEntry, type Geometry, type NavKey } from './listNav';

const CONTROLS = `button, a[href], [${CONTROL_ATTR}]`;

/** The list scrolls only through the Scroller (scroller.ts); these are its calls for keyboard moves. */
export interface ListFocusHooks {
  /** Scrolls the list by `delta` pixels (negative: towards older entries). */
  scrollBy(delta: number): void;
  /** Brings `item` into view; `up`: it is older than the entry the keyboard left. */
  reveal(item: HTMLElement, up: boolean): void;
}

function isEntry(node: Element | null | undefined): node is HTMLElement {
  return !!node && node.classList.contains('entry');
}

export class ListFocus {
  private active: HTMLElement | undefined;
  /** The active entry follows the newest one, until the user moves to an older one. */
  private followNewest = true;

  constructor(private readonly list: HTMLElement, private readonly hooks: ListFocusHooks) {
    // The list itself is focusable from script (and by a click between entries) but is no Tab stop:
    // focus that lands on it goes on to its active entry, as in VS Code's lists.
    list.tabIndex = -1;
    list.addEventListener('focus', () => this.active?.focus({ preventScroll: true }));
    list.addEventListener('keydown', (e) => this.onKeyDown(e));
    list.addEventListener('focusin', (e) => this.onFocusIn(e));
    list.addEventListener('focusout', (e) => this.onFocusOut(e));
  }

  /** A new entry element: its controls wait until the entry has the focus. */
  prepare(item: HTMLElement): void {
    item.tabIndex = item === this.active ? 0 : -1;
    this.setControls(item, false);
  }

  /** Part of an entry was rebuilt: its new controls get the tabindex the entry's focus calls for. */
  changed(item: HTMLElement): void {
    this.setControls(item, item.contains(document.activeElement));
  }

  /** After entries were added or removed: exactly one entry (if any) is the list's Tab stop. */
  sync(): void {
    if (this.active && !this.active.isConnected) {
      this.active = undefined;
      this.followNewest = true;
    }
    const newest = this.newest();
    if (!this.active || (this.followNewest && !this.hasFocus())) this.setActive(newest);
  }

  private newest(): HTMLElement | undefined {
    for (let n = this.list.lastElementChild; n; n = n.previousElementSibling) if (isEntry(n)) return n as HTMLElement;
    return undefined;
  }

  private entries(): HTMLElement[] {
    return Array.from(this.list.children).filter(isEntry);
  }

  private hasFocus(): boolean {
    return this.list.contains(document.activeElement);
  }

  private setActive(item: HTMLElement | undefined): void {
    if (item === this.active) return;
    if (this.active?.isConnected) this.active.tabIndex = -1;
    this.active = item;
    if (item) item.tabIndex = 0;
  }

  private setControls(item: HTMLElement, tabbable: boolean): void {
    for (const c of Array.from(item.querySelectorAll<HTMLElement>(CONTROLS))) c.tabIndex = tabbable ? 0 : -1;
  }

  private controls(item: HTMLElement): HTMLElement[] {
    return Array.from(item.querySelectorAll<HTMLElement>(CONTROLS)).filter((c) => c.getClientRects().length > 0);
  }

  private onFocusIn(event: FocusEvent): void {
    const item = (event.target as Element | null)?.closest('.entry');
    if (!isEntry(item) || item.parentElement !== this.list) return;
    this.setActive(item);
    this.followNewest = item === this.newest();
    this.setControls(item, true);
  }

  private onFocusOut(event: FocusEvent): void {
    const to = event.relatedTarget instanceof Node ? event.relatedTarget : null;
    const item = (event.target as Element | null)?.closest('.entry');
    if (isEntry(item) && !(to && item.contains(to))) this.setControls(item, false);
    // Leaving the list while on the newest entry: the Tab stop keeps following the newest.
    if (!(to && this.list.contains(to)) && this.followNewest) this.setActive(this.newest());
  }

  private onKeyDown(event: KeyboardEvent): void {
    const target = event.target as HTMLElement;
    const item = target.closest('.entry');
    if (!isEntry(item) || item.parentElement !== this.list) return;
    const plain = !event.altKey && !event.ctrlKey && !event.metaKey && !event.shiftKey;
    if (target === item) {
      if (plain && isNavKey(event.key)) {
        event.preventDefault();
        this.move(item, event.key);
      } else if (plain && (event.key === 'Enter' || event.key === 'F2')) {
        const first = this.controls(item)[0];
        if (first) {
          event.preventDefault();
          first.focus();
        }
      }
      return;
    }
    if (event.key === 'Escape' && plain) {
      event.preventDefault();
      event.stopPropagation();
      item.focus();
    }
  }

  private move(item: HTMLElement, key: NavKey): void {
    const list = this.list;
    const view = list.getBoundingClientRect();
    if (key === 'ArrowUp' || key === 'ArrowDown') {
      const r = item.getBoundingClientRect();
      const delta = scrollWithinEntry(key, { top: r.top, bottom: r.bottom }, { top: view.top, bottom: view.bottom });
      if (delta !== 0) {
        this.hooks.scrollBy(delta);
        return;
      }
    }
    const entries = this.entries();
    const index = entries.indexOf(item);
    let geometry: Geometry | undefined;
    if (key === 'PageUp' || key === 'PageDown') {
      geometry = { tops: entries.map((e) => e.getBoundingClientRect().top - view.top + list.scrollTop), viewTop: list.scrollTop, viewHeight: list.clientHeight };
    }
    const to = navTarget(key, index, entries.length, geometry);
    if (to === undefined) return;
    const next = entries[to]!;
    this.setActive(next);
    this.followNewest = to === entries.length - 1;
    next.focus({ preventScroll: true });
    this.hooks.reveal(next, to < index);
  }
}
