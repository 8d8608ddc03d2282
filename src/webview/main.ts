// The chat webview: renders host snapshots and deltas, sends user commands back.
// Peer and user text only ever reaches the DOM through textContent / createTextNode.
//
// Landmarks: the header (banner, with the page's level-one heading), then main holding the
// conversation (a log named "Conversation") and the composer (a form named "Send a message").
import { assertNever } from '../shared/protocol';
import type { ChatEntry, DeliveryStatus, HeaderInfo, HostToWebview } from '../shared/protocol';
import { createComposer } from './composer';
import { el } from './dom';
import { CURRENT_CONVERSATION, Drafts } from './drafts';
import { announcement, entryLabel, MAX_RENDER_CHARS, renderEntry, renderStatus } from './entries';
import { createHeader } from './header';
import { ListFocus } from './listFocus';
import { Scroller } from './scroller';
import { emptyGuidance } from './texts';
import { post, saveState, state } from './vscodeApi';

/** A snapshot paints its newest entries at once (far more than a screenful); older ones follow in idle time. */
const FIRST_PAINT_ENTRIES = 200;
/** …unless they are long: stop the first batch early past this many characters (at least a screenful stays). */
const FIRST_PAINT_CHARS = 200_000;
const FIRST_PAINT_MIN_ENTRIES = 30;
/** Time spent building one backlog chunk, so a frame (16 ms) keeps room for layout and the user's scrolling. */
const BACKLOG_CHUNK_MS = 8;
const BACKLOG_STEP = 25;

/** Scroll position is restored once, after the first snapshot fills the list. */
let scrollRestored = false;
/** The user just sent: their own next entry scrolls into view even if they were reading history. */
let scrollOnOwnEntry = false;
let header: HeaderInfo = {
  state: 'idle', local: '', localAddresses: [], peer: '', peerName: '', presence: 'unknown',
  plainPeer: false, encrypted: false, fingerprint: '',
};

/** Rendered entries only. */
const entryElements = new Map<string, HTMLElement>();
/** Every entry, rendered or still in the backlog: the latest data for an id wins. */
const entryData = new Map<string, ChatEntry>();
/** Older snapshot entries not rendered yet, oldest first; rendered from the end, newest first. */
let backlog: ChatEntry[] = [];
/** Bumped by every snapshot and clear, so a stale backlog job stops. */
let backlogGeneration = 0;

// ---- skeleton ----

// While the log is aria-busy (history streaming in) it announces nothing; messages arriving then are read from here.
const announcer = el('div', 'visually-hidden live-announcer');
announcer.setAttribute('role', 'status');
announcer.setAttribute('aria-live', 'polite');
announcer.setAttribute('aria-atomic', 'true');
function announce(text: string): void {
  announcer.textContent = text;
}

const headerView = createHeader(announce);

const main = el('main', 'chat-main');
const empty = el('div', 'empty-state');
empty.id = 'empty-state';

const list = el('div', 'messages');
list.id = 'messages';
list.setAttribute('role', 'log');
list.setAttribute('aria-live', 'polite');
list.setAttribute('aria-label', 'Conversation');

const listFocus = new ListFocus(list, {
  userScroll: (up) => (up ? scroller.userScrollsUp() : scroller.userScrolls()),
});
const scroller = new Scroller(list, () => backlog.length > 0);
const hooks = { changed: (item: HTMLElement) => listFocus.changed(item) };

const drafts = new Drafts(state.drafts, {
  persist: (texts) => {
    state.drafts = texts;
    saveState();
  },
  // The host keeps one draft: the one of the conversation this view shows.
  toHost: (_conversation, text) => post({ type: 'saveDraft', text }),
});
const composer = createComposer(drafts, CURRENT_CONVERSATION, () => {
  scrollOnOwnEntry = true;
});

main.append(empty, list, composer.element, announcer);
document.body.append(headerView.element, main);

function renderHeader(h: HeaderInfo): void {
  header = h;
  headerView.render(h);
  composer.applyHeader(h);
  updateEmptyState();
}

/** With no entry at all, one or two lines say what to do next. */
function updateEmptyState(): void {
  const none = entryData.size === 0;
  empty.hidden = !none;
  document.body.dataset.empty = String(none);
  if (none) empty.replaceChildren(...emptyGuidance(header).map((line) => el('p', 'empty-line', line)));
}

// ---- entries ----

/** Renders entries whose data is current (a later entry with the same id wins); `entryData` must already hold them. */
function buildEntries(entries: readonly ChatEntry[], eager = false): DocumentFragment {
  const frag = document.createDocumentFragment();
  for (const entry of entries) {
    if (entryData.get(entry.id) !== entry) continue;
    const node = renderEntry(entry, hooks);
    listFocus.prepare(node);
    // The newest entries lay out fully at once, so the first paint shows them at their real height.
    if (eager) node.classList.add('entry-eager');
    const previous = entryElements.get(entry.id);
    // A repeated id replaces the older element instead of showing twice.
    if (previous) previous.remove();
    entryElements.set(entry.id, node);
    frag.appendChild(node);
  }
  return frag;
}

function setBusy(busy: boolean): void {
  if (busy) {
    list.setAttribute('aria-busy', 'true');
    document.body.dataset.backlogDone = 'false';
  } else {
    list.removeAttribute('aria-busy');
    document.body.dataset.backlogDone = 'true';
  }
}

function clearEntries(): void {
  backlogGeneration++;
  backlog = [];
  list.replaceChildren();
  entryElements.clear();
  entryData.clear();
  scroller.pendingFromBottom = undefined;
  setBusy(false);
  listFocus.sync();
  updateEmptyState();
}

/** How many of the newest entries the first paint shows. */
function firstPaintCount(entries: readonly ChatEntry[]): number {
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

type IdleDeadlineLike = { timeRemaining(): number };

function whenIdle(callback: (deadline: IdleDeadlineLike) => void): void {
  if (typeof requestIdleCallback === 'function') {
    // The timeout keeps history coming while the view is busy (e.g. a stream of live messages).
    requestIdleCallback(callback, { timeout: 200 });
  } else {
    setTimeout(() => callback({ timeRemaining: () => BACKLOG_CHUNK_MS }), 0);
  }
}

/** Prepends older entries chunk by chunk in idle time, keeping what the user sees in place. */
function renderBacklog(generation: number): void {
  whenIdle((deadline) => {
    if (generation !== backlogGeneration) return;
    const start = performance.now();
    const budget = Math.max(BACKLOG_CHUNK_MS, Math.min(deadline.timeRemaining(), 12));
    // Measured before the change, while layout is still clean from the last frame.
    const fromBottom = scroller.distanceFromBottom();
    const frag = document.createDocumentFragment();
    // Newest first in small steps until the budget is spent; each step goes in front, so the order stays chronological.
    let from = backlog.length;
    do {
      const to = from;
      from = Math.max(0, from - BACKLOG_STEP);
      frag.prepend(buildEntries(backlog.slice(from, to)));
    } while (from > 0 && performance.now() - start < budget);
    backlog.length = from;
    list.prepend(frag);
    if (scroller.stickToBottom) {
      scroller.scrollToBottom();
      scroller.keepPinned();
    } else if (scroller.pendingFromBottom !== undefined) {
      if (scroller.scrollToFromBottom(scroller.pendingFromBottom) || backlog.length === 0) scroller.pendingFromBottom = undefined;
    } else {
      // Content grew above: keep the same content under the user's eyes (at the bottom stays at the bottom).
      scroller.scrollToFromBottom(fromBottom);
    }
    if (backlog.length > 0) renderBacklog(generation);
    else setBusy(false);
  });
}

function onSnapshot(msg: Extract<HostToWebview, { type: 'didSnapshot' }>): void {
  const start = performance.now();
  const wasNearBottom = scroller.isNearBottom();
  clearEntries();
  // Until the history is in, the log announces nothing: a screen reader should not read 10,000 old messages.
  setBusy(true);
  const entries = msg.entries;
  for (const entry of entries) entryData.set(entry.id, entry);
  renderHeader(msg.header);
  const split = entries.length - firstPaintCount(entries);
  backlog = entries.slice(0, split);
  list.appendChild(buildEntries(entries.slice(split), true));
  listFocus.sync();
  if (!scrollRestored) {
    scrollRestored = true;
    scroller.stickToBottom = state.atBottom || state.fromBottom === undefined;
    if (scroller.stickToBottom) {
      scroller.scrollToBottom();
    } else if (!scroller.scrollToFromBottom(state.fromBottom ?? 0) && backlog.length > 0) {
      // The spot is in history not rendered yet: keep heading there as older entries arrive.
      scroller.pendingFromBottom = state.fromBottom;
    }
  } else if (wasNearBottom || scroller.stickToBottom) {
    scroller.stickToBottom = true;
    scroller.scrollToBottom();
  }
  scroller.keepPinned();
  composer.offerHostDraft(msg.draft);
  snapshotSeen = true;
  if (focusPending) {
    focusPending = false;
    // Only if nothing else took the focus meanwhile.
    if (!document.activeElement || document.activeElement === document.body) focusInput();
  }
  const count = entries.length;
  const generation = backlogGeneration;
  // Two frames: the first callback runs before the paint that shows the new list, the second after it.
  requestAnimationFrame(() =>
    requestAnimationFrame(() => {
      const ms = Math.round((performance.now() - start) * 10) / 10;
      document.body.dataset.renderMs = String(ms);
      document.body.dataset.renderCount = String(count);
      post({ type: 'didRender', count, ms });
      // Older entries start only after the first paint, so they never delay it.
      if (generation === backlogGeneration) renderBacklog(generation);
    }),
  );
}

function onAddEntries(entries: readonly ChatEntry[]): void {
  const wasNearBottom = scroller.stickToBottom || scroller.isNearBottom();
  for (const entry of entries) entryData.set(entry.id, entry);
  list.appendChild(buildEntries(entries, true));
  listFocus.sync();
  updateEmptyState();
  // The busy log stays silent, so new messages are announced on the side until the history is in.
  if (list.getAttribute('aria-busy') === 'true' && entries.length > 0) {
    announce(entries.map(announcement).join('\n'));
  }
  const ownArrived = scrollOnOwnEntry && entries.some((e) => e.kind === 'own');
  if (ownArrived) scrollOnOwnEntry = false;
  if (wasNearBottom || ownArrived) {
    scroller.stickToBottom = true;
    scroller.scrollToBottom();
    scroller.keepPinned();
  }
}

function onChangeStatus(id: string, status: DeliveryStatus): void {
  const data = entryData.get(id);
  if (!data || data.kind !== 'own') return;
  // An entry still in the backlog shows the new status when it is rendered.
  data.status = status;
  const item = entryElements.get(id);
  if (!item) return;
  let statusEl = item.querySelector<HTMLElement>(':scope > .status');
  if (!statusEl) {
    statusEl = el('div', 'status');
    item.appendChild(statusEl);
  }
  const hadFocus = statusEl.contains(document.activeElement);
  renderStatus(statusEl, id, status);
  item.setAttribute('aria-label', entryLabel(data));
  listFocus.changed(item);
  // Retry went away under the keyboard focus (it worked): the focus stays on the entry.
  if (hadFocus && !statusEl.contains(document.activeElement)) item.focus({ preventScroll: true });
}

/** Until the first snapshot, the header (and so whether the box is enabled) is not known yet. */
let snapshotSeen = false;
let focusPending = false;

function focusInput(): void {
  if (!snapshotSeen) {
    focusPending = true;
    return;
  }
  // No peer: the box is disabled, and Set Peer is what to do next.
  if (!composer.focus()) headerView.focusAction();
}

function handle(msg: HostToWebview): void {
  switch (msg.type) {
    case 'didSnapshot':
      onSnapshot(msg);
      break;
    case 'didChangeHeader':
      renderHeader(msg.header);
      break;
    case 'didAddEntries':
      onAddEntries(msg.entries);
      break;
    case 'didChangeStatus':
      onChangeStatus(msg.id, msg.status);
      break;
    case 'didClear':
      clearEntries();
      break;
    case 'didRestoreDraft':
      composer.restoreDraft(msg.text);
      break;
    case 'didFocusInput':
      focusInput();
      break;
    default:
      assertNever(msg);
  }
}

// VS Code's own "Focus on Chat View" focuses the webview document: the keyboard goes on to the
// message box, so typing right after it lands there (as "Open Chat" did before it was dropped).
window.addEventListener('focus', () => {
  if (!document.activeElement || document.activeElement === document.body) focusInput();
});

window.addEventListener('message', (event: MessageEvent<unknown>) => {
  const msg = event.data;
  if (typeof msg !== 'object' || msg === null || typeof (msg as { type?: unknown }).type !== 'string') return;
  try {
    handle(msg as HostToWebview);
  } catch (err) {
    console.error('[udp-chat] cannot handle message', err);
  }
});

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

renderHeader(header);
post({ type: 'ready' });
