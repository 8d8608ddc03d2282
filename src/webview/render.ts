// The view state as DOM: the header (header.ts), the message box's mode (composer.ts), the guidance
// shown while there is no entry, and the conversation log, one element per entry (entries.ts). A
// snapshot paints its newest entries at once and older ones in idle time; new entries and delivery
// statuses update in place. The log changes only inside Scroller calls: scroller.ts does all scrolling.
// Links in entries go to the host; they never navigate the webview.
import { assertNever } from '../shared/protocol';
import type { ChatEntry, HeaderInfo } from '../shared/protocol';
import { el } from './dom';
import { announcement, deliveryOf, entryLabel, renderEntry, renderStatus, type EntryHooks } from './entries';
import type { HeaderView } from './header';
import { ListFocus } from './listFocus';
import { splitFirstPaint } from './paint';
import { Scroller } from './scroller';
import { s } from './strings';
import { emptyGuidance } from './texts';
import type { ViewChange, ViewStore } from './viewState';
import { post } from './vscodeApi';

/** Time spent building one backlog chunk, so a frame (16 ms) keeps room for layout and the user's scrolling. */
const BACKLOG_CHUNK_MS = 8;
const BACKLOG_STEP = 25;

type IdleDeadlineLike = { timeRemaining(): number };

function whenIdle(callback: (deadline: IdleDeadlineLike) => void): void {
  if (typeof requestIdleCallback === 'function') {
    // The timeout keeps history coming while the view is busy (e.g. a stream of live messages).
    requestIdleCallback(callback, { timeout: 200 });
  } else {
    setTimeout(() => callback({ timeRemaining: () => BACKLOG_CHUNK_MS }), 0);
  }
}

export interface RenderParts {
  header: HeaderView;
  /** The message box follows the header (enabled or not, placeholder, hint). */
  applyHeader(h: HeaderInfo): void;
  /** Says `text` through the live region beside the log. */
  announce(text: string): void;
  /** The list of conversations follows the roster and the conversation shown. */
  renderRoster(): void;
}

export class Renderer {
  /** The conversation: a log named "Conversation". */
  readonly list = el('div', 'messages');
  /** One or two lines saying what to do next, while there is no entry at all. */
  readonly empty = el('div', 'empty-state');
  readonly scroller: Scroller;
  private readonly listFocus: ListFocus;
  private readonly hooks: EntryHooks;
  /** Rendered entries only, by id. */
  private readonly elements = new Map<string, HTMLElement>();
  /** Older snapshot entries not rendered yet, oldest first; rendered from the end, newest first. */
  private backlog: ChatEntry[] = [];
  /** Bumped by every snapshot and clear, so a stale backlog job stops. */
  private generation = 0;
  /** History is streaming in: the log is aria-busy and announces nothing. */
  private busy = false;

  constructor(private readonly store: ViewStore, private readonly parts: RenderParts) {
    const list = this.list;
    this.empty.id = 'empty-state';
    list.id = 'messages';
    list.setAttribute('role', 'log');
    list.setAttribute('aria-live', 'polite');
    list.setAttribute('aria-label', s('conversationLog'));
    // ListFocus first: its key handler runs before the Scroller's, which leaves keys it handled alone.
    this.listFocus = new ListFocus(list, {
      scrollBy: (delta) => this.scroller.scrollBy(delta),
      reveal: (item, up) => this.scroller.reveal(item, up),
    });
    this.scroller = new Scroller(list, () => this.backlog.length > 0);
    this.hooks = { changed: (item) => this.listFocus.changed(item) };

    // Links never navigate the webview: the host confirms and opens them. Enter on a focused link
    // fires this click too, so mouse and keyboard take the same path.
    list.addEventListener('click', (event) => {
      const target = event.target instanceof Element ? event.target.closest('a') : null;
      if (!target) return;
      event.preventDefault();
      const url = target.dataset.url;
      if (url) post({ type: 'openLink', url });
    });
    // Middle click would open href="#" in a new window; a drag would drop it somewhere.
    list.addEventListener('auxclick', (event) => {
      if (event.target instanceof Element && event.target.closest('a')) event.preventDefault();
    });
    list.addEventListener('dragstart', (event) => {
      if (event.target instanceof Element && event.target.closest('a')) event.preventDefault();
    });
  }

  /** Brings the DOM up to the store's state after `change`; `receivedAt`: when the host's message came. */
  render(change: ViewChange, receivedAt = performance.now()): void {
    switch (change.type) {
      case 'snapshot':
        if (change.switched) this.scroller.conversationSwitched();
        this.snapshot(change.entries, receivedAt);
        this.parts.renderRoster();
        break;
      case 'header':
        this.renderHeader();
        break;
      case 'roster':
        this.parts.renderRoster();
        break;
      case 'added':
        this.add(change.entries, change.arrived);
        break;
      case 'status':
        this.status(change.entry);
        break;
      case 'cleared':
        this.scroller.cleared();
        this.clear();
        break;
      case 'none':
        break;
      default:
        assertNever(change);
    }
  }

  renderHeader(): void {
    const h = this.store.state.header;
    this.parts.header.render(h);
    this.parts.applyHeader(h);
    this.updateEmptyState();
  }

  /** With no entry at all, one or two lines say what to do next. */
  private updateEmptyState(): void {
    const none = this.store.state.entries.size === 0;
    this.empty.hidden = !none;
    document.body.dataset.empty = String(none);
    if (none) this.empty.replaceChildren(...emptyGuidance(this.store.state.header).map((line) => el('p', 'empty-line', line)));
  }

  /**
   * Elements for `entries` with the data the state holds now, in a fragment. A repeated id replaces the
   * older element instead of showing twice; a backlog entry already shown (added again since) is skipped.
   */
  private build(entries: readonly ChatEntry[], backlog: boolean): DocumentFragment {
    const frag = document.createDocumentFragment();
    const table = this.store.state.entries;
    for (const { id } of entries) {
      const entry = table.get(id);
      if (!entry || (backlog && this.elements.has(id))) continue;
      const node = renderEntry(entry, this.hooks);
      this.listFocus.prepare(node);
      // The newest entries lay out fully at once, so the first paint shows them at their real height.
      if (!backlog) node.classList.add('entry-eager');
      this.elements.get(id)?.remove();
      this.elements.set(id, node);
      frag.appendChild(node);
    }
    return frag;
  }

  private setBusy(busy: boolean): void {
    this.busy = busy;
    if (busy) {
      this.list.setAttribute('aria-busy', 'true');
      document.body.dataset.backlogDone = 'false';
    } else {
      this.list.removeAttribute('aria-busy');
      document.body.dataset.backlogDone = 'true';
    }
  }

  private clear(): void {
    this.generation++;
    this.backlog = [];
    this.list.replaceChildren();
    this.elements.clear();
    this.setBusy(false);
    this.listFocus.sync();
    this.updateEmptyState();
  }

  private snapshot(entries: readonly ChatEntry[], start: number): void {
    this.scroller.replaceAll(() => {
      this.clear();
      // Until the history is in, the log announces nothing: a screen reader should not read 10,000 old messages.
      this.setBusy(true);
      this.renderHeader();
      const { backlog, now } = splitFirstPaint(entries);
      this.backlog = backlog;
      this.list.appendChild(this.build(now, false));
      this.listFocus.sync();
    });
    const count = entries.length;
    const generation = this.generation;
    // Two frames: the first callback runs before the paint that shows the new list, the second after it.
    requestAnimationFrame(() =>
      requestAnimationFrame(() => {
        const ms = Math.round((performance.now() - start) * 10) / 10;
        document.body.dataset.renderMs = String(ms);
        document.body.dataset.renderCount = String(count);
        post({ type: 'didRender', count, ms });
        // Older entries start only after the first paint, so they never delay it.
        if (generation === this.generation) this.renderBacklog(generation);
      }),
    );
  }

  /** Prepends older entries chunk by chunk in idle time, keeping what the user sees in place. */
  private renderBacklog(generation: number): void {
    whenIdle((deadline) => {
      if (generation !== this.generation) return;
      const start = performance.now();
      const budget = Math.max(BACKLOG_CHUNK_MS, Math.min(deadline.timeRemaining(), 12));
      this.scroller.prependOlder(() => {
        const frag = document.createDocumentFragment();
        // Newest first in small steps until the budget is spent; each step goes in front, so the order stays chronological.
        let from = this.backlog.length;
        do {
          const to = from;
          from = Math.max(0, from - BACKLOG_STEP);
          frag.prepend(this.build(this.backlog.slice(from, to), true));
        } while (from > 0 && performance.now() - start < budget);
        this.backlog.length = from;
        this.list.prepend(frag);
      });
      if (this.backlog.length > 0) this.renderBacklog(generation);
      else this.setBusy(false);
    });
  }

  private add(entries: readonly ChatEntry[], arrived: readonly ChatEntry[]): void {
    this.scroller.appendNewest(() => {
      this.list.appendChild(this.build(entries, false));
      this.listFocus.sync();
      this.updateEmptyState();
      // The busy log stays silent, so new messages are announced on the side until the history is in.
      if (this.busy && arrived.length > 0) this.parts.announce(arrived.map(announcement).join('\n'));
    }, arrived.some((e) => e.kind === 'own'));
  }

  /** An own entry's new status; an entry still in the backlog shows it when it is rendered. */
  private status(entry: ChatEntry): void {
    const item = this.elements.get(entry.id);
    if (!item) return;
    let statusEl = item.querySelector<HTMLElement>(':scope > .status');
    if (!statusEl) {
      statusEl = el('div', 'status');
      item.appendChild(statusEl);
    }
    const hadFocus = statusEl.contains(document.activeElement);
    renderStatus(statusEl, entry.id, entry.status!, deliveryOf(entry));
    item.setAttribute('aria-label', entryLabel(entry));
    this.listFocus.changed(item);
    // Retry went away under the keyboard focus (it worked): the focus stays on the entry.
    if (hadFocus && !statusEl.contains(document.activeElement)) item.focus({ preventScroll: true });
  }
}
