// The chat webview: renders host snapshots and deltas, sends user commands back.
// Peer and user text only ever reaches the DOM through textContent / createTextNode.
import { assertNever } from '../shared/protocol';
import type { ChatEntry, DeliveryStatus, HeaderInfo, HostToWebview, SessionState, WebviewToHost } from '../shared/protocol';
import { render, tokenize } from './format';

interface WebviewState {
  draft: string;
  scrollTop: number;
  /** The user was at the bottom: restore there rather than at a pixel offset. */
  atBottom: boolean;
  /** Pixels between the view's bottom edge and the end of the list: stable while older history is prepended. */
  fromBottom?: number;
}

interface VsCodeApi {
  postMessage(msg: WebviewToHost): void;
  getState(): WebviewState | undefined;
  setState(state: WebviewState): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

/** Longer texts render truncated behind "Show more" so a 1 MiB message cannot freeze the view. */
const MAX_RENDER_CHARS = 20_000;
/** Within this many pixels of the bottom counts as "at the bottom" for auto-scroll. */
const NEAR_BOTTOM_PX = 48;
/** A snapshot paints its newest entries at once (far more than a screenful); older ones follow in idle time. */
const FIRST_PAINT_ENTRIES = 200;
/** …unless they are long: stop the first batch early past this many characters (at least a screenful stays). */
const FIRST_PAINT_CHARS = 200_000;
const FIRST_PAINT_MIN_ENTRIES = 30;
/** Time spent building one backlog chunk, so a frame (16 ms) keeps room for layout and the user's scrolling. */
const BACKLOG_CHUNK_MS = 8;
const BACKLOG_STEP = 25;
/** Drafts reach the host this long after the last keystroke (and at once when the view hides). */
const DRAFT_SAVE_DELAY_MS = 300;
/** Announcements of new messages are cut here: a screen reader should not read a 1 MiB message. */
const MAX_ANNOUNCE_CHARS = 500;

const STATUS_LOOK: Record<DeliveryStatus, { icon: string; text: string }> = {
  queued: { icon: '⏳', text: 'queued' },
  sending: { icon: '↻', text: 'sending…' },
  delivered: { icon: '✓', text: 'delivered' },
  failed: { icon: '✗', text: 'failed' },
  unsent: { icon: '⊘', text: 'not sent' },
  unconfirmed: { icon: '?', text: 'sent (unconfirmed)' },
  textSent: { icon: '?', text: 'sent as text (not confirmed yet)' },
};

const STATE_TEXT: Record<SessionState, string> = {
  idle: 'Not started',
  starting: 'Starting…',
  active: 'Active',
  ended: 'Ended',
  error: 'Error',
};

const vscode = acquireVsCodeApi();
const saved = vscode.getState();
const state: WebviewState = {
  draft: typeof saved?.draft === 'string' ? saved.draft : '',
  scrollTop: typeof saved?.scrollTop === 'number' ? saved.scrollTop : 0,
  atBottom: saved?.atBottom !== false,
  fromBottom: typeof saved?.fromBottom === 'number' && saved.fromBottom >= 0 ? saved.fromBottom : undefined,
};
/** Scroll position is restored once, after the first snapshot fills the list. */
let scrollRestored = false;
/** Distance from the bottom still to reach while older entries stream in; cleared once reached or when the user scrolls. */
let pendingFromBottom: number | undefined;
/**
 * The view follows the newest message. Only the user changes this (by scrolling to or away from the bottom):
 * layout shifts (history prepended, off-screen entries taking their real height) must not.
 */
let stickToBottom = state.atBottom;
/** Scroll events until then come from the user (wheel, keys, scrollbar, touch), not from layout. */
let userScrollUntil = 0;
let pointerHeld = false;
/** Frames left in which the bottom is re-pinned after a change: entries settle their height a frame or two later. */
let settleFrames = 0;
let pinScheduled = false;
/** The host's kept draft is offered once per document: later snapshots must not resurrect text the user removed. */
let hostDraftOffered = false;
/** The user just sent: their own next entry scrolls into view even if they were reading history. */
let scrollOnOwnEntry = false;

/** Rendered entries only. */
const entryElements = new Map<string, HTMLElement>();
/** Every entry, rendered or still in the backlog: the latest data for an id wins. */
const entryData = new Map<string, ChatEntry>();

/** Older snapshot entries not rendered yet, oldest first; rendered from the end, newest first. */
let backlog: ChatEntry[] = [];
/** Bumped by every snapshot and clear, so a stale backlog job stops. */
let backlogGeneration = 0;

function post(msg: WebviewToHost): void {
  vscode.postMessage(msg);
}

function saveState(): void {
  vscode.setState(state);
}

function el<K extends keyof HTMLElementTagNameMap>(tag: K, className?: string, text?: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function button(label: string, className: string, onClick: () => void): HTMLButtonElement {
  const b = el('button', className, label);
  b.type = 'button';
  b.addEventListener('click', onClick);
  return b;
}

// ---- skeleton ----

const header = el('header', 'chat-header');
header.setAttribute('aria-label', 'Session');
const stateEl = el('span', 'session-state');
const localEl = el('span', 'local-address');
const presenceEl = el('span', 'presence');
const presenceDot = el('span', 'presence-dot');
presenceDot.setAttribute('aria-hidden', 'true');
const presenceText = el('span', 'presence-text');
presenceEl.append(presenceDot, presenceText);
const peerEl = el('span', 'peer');
const plainPeerEl = el('div', 'plain-peer', 'plain text peer: delivery cannot be confirmed');
const encryptionEl = el('div', 'encryption');
const lockEl = el('span', 'lock');
lockEl.setAttribute('aria-hidden', 'true');
lockEl.appendChild(lockIcon());
const fingerprintEl = el('code', 'fingerprint');
encryptionEl.append(lockEl, el('span', 'encryption-label', 'Encrypted, fingerprint '), fingerprintEl);
const startBtn = button('Start', 'action action-start', () => post({ type: 'startSession' }));
const setPeerBtn = button('Set Peer', 'action action-set-peer', () => post({ type: 'setPeer' }));
const endBtn = button('End', 'action action-end', () => post({ type: 'endSession' }));
const actions = el('div', 'actions');
actions.append(startBtn, setPeerBtn, endBtn);
const row1 = el('div', 'header-row');
row1.append(stateEl, localEl);
const row2 = el('div', 'header-row');
row2.append(presenceEl, peerEl);
header.append(row1, row2, plainPeerEl, encryptionEl, actions);

const list = el('div', 'messages');
list.id = 'messages';
list.setAttribute('role', 'log');
list.setAttribute('aria-live', 'polite');
list.setAttribute('aria-label', 'Conversation');
// Keyboard users can scroll the history.
list.tabIndex = 0;

// While the log is aria-busy (history streaming in) it announces nothing; messages arriving then are read from here.
const announcer = el('div', 'visually-hidden live-announcer');
announcer.setAttribute('role', 'status');
announcer.setAttribute('aria-live', 'polite');
announcer.setAttribute('aria-atomic', 'true');

const composer = el('form', 'composer');
const input = el('textarea', 'message-input');
input.setAttribute('aria-label', 'Message');
input.rows = 2;
input.placeholder = 'Message (Enter to send, Shift+Enter for a new line)';
input.value = state.draft;
const sendBtn = el('button', 'send', 'Send');
sendBtn.type = 'submit';
composer.append(input, sendBtn);

document.body.append(header, list, composer, announcer);

// ---- header ----

function renderHeader(h: HeaderInfo): void {
  document.body.dataset.state = h.state;
  stateEl.textContent = `Session: ${STATE_TEXT[h.state] ?? h.state}`;
  stateEl.dataset.state = h.state;
  localEl.textContent = h.local ? `Local ${h.local}` : 'Not bound';
  const presence = h.presence === 'online' || h.presence === 'offline' ? h.presence : 'unknown';
  presenceEl.className = `presence presence-${presence}`;
  presenceEl.dataset.presence = presence;
  presenceText.textContent = presence;
  if (h.peer) {
    // The peer chooses its name: isolate it so bidi controls in it cannot reorder the address.
    const parts: (string | Node)[] = ['Peer '];
    if (h.peerName) {
      const name = el('bdi', 'peer-name', h.peerName);
      parts.push(name, ' ');
    }
    parts.push('(', el('bdi', 'peer-address', h.peer), ')');
    peerEl.replaceChildren(...parts);
  } else {
    peerEl.textContent = 'No peer set';
  }
  plainPeerEl.hidden = !h.plainPeer;
  encryptionEl.hidden = !h.encrypted;
  fingerprintEl.textContent = h.fingerprint;
  const running = h.state === 'active' || h.state === 'starting';
  startBtn.hidden = running;
  endBtn.hidden = !running;
  setPeerBtn.hidden = h.state === 'starting';
}

// ---- entries ----

function hhmm(time: number): string {
  const d = new Date(time);
  if (Number.isNaN(d.getTime())) return '';
  return `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
}

/** Fills `body` with `text`, truncated when long; returns the Show more / Show less toggle to place, if any. */
function renderLongText(body: HTMLElement, text: string, fill: (into: HTMLElement, text: string) => void): HTMLButtonElement | undefined {
  if (text.length <= MAX_RENDER_CHARS) {
    fill(body, text);
    return undefined;
  }
  fill(body, text.slice(0, MAX_RENDER_CHARS));
  const toggle = el('button', 'show-more', 'Show more');
  toggle.type = 'button';
  toggle.setAttribute('aria-expanded', 'false');
  toggle.title = `${text.length.toLocaleString()} characters`;
  toggle.addEventListener('click', () => {
    const expand = toggle.getAttribute('aria-expanded') !== 'true';
    body.replaceChildren();
    fill(body, expand ? text : text.slice(0, MAX_RENDER_CHARS));
    toggle.setAttribute('aria-expanded', String(expand));
    toggle.textContent = expand ? 'Show less' : 'Show more';
  });
  return toggle;
}

function fillMarkdown(into: HTMLElement, text: string): void {
  into.appendChild(render(tokenize(text)));
}

function fillPlain(into: HTMLElement, text: string): void {
  into.textContent = text;
}

function renderStatus(statusEl: HTMLElement, id: string, status: DeliveryStatus): void {
  const look = STATUS_LOOK[status] ?? { icon: '', text: String(status) };
  statusEl.className = `status status-${status}`;
  statusEl.dataset.status = status;
  const icon = el('span', 'status-icon', look.icon);
  icon.setAttribute('aria-hidden', 'true');
  statusEl.replaceChildren(icon, el('span', 'status-text', look.text));
  if (status === 'failed') {
    const retry = button('Retry', 'retry', () => post({ type: 'retryMessage', id }));
    statusEl.appendChild(retry);
  }
}

function renderCode(entry: ChatEntry): HTMLElement | undefined {
  const code = entry.code;
  if (!code) return undefined;
  const box = el('div', 'codeblock');
  const head = el('div', 'codeblock-header');
  head.appendChild(el('span', 'code-language', code.language || 'text'));
  if (code.path) {
    const range = code.startLine > 0 ? `:${code.startLine}-${code.endLine > 0 ? code.endLine : code.startLine}` : '';
    const path = el('span', 'code-path', `${code.path}${range}`);
    path.dir = 'auto';
    head.appendChild(path);
  }
  const tools = el('span', 'code-actions');
  tools.appendChild(button('Copy', 'code-copy', () => post({ type: 'copyCode', id: entry.id })));
  if (entry.canOpen) tools.appendChild(button('Open', 'code-open', () => post({ type: 'openCode', id: entry.id })));
  head.appendChild(tools);
  box.appendChild(head);
  const pre = el('pre', 'code');
  const codeEl = el('code');
  if (code.language) codeEl.dataset.language = code.language;
  pre.appendChild(codeEl);
  box.appendChild(pre);
  const toggle = renderLongText(codeEl, String(code.code), fillPlain);
  if (toggle) box.appendChild(toggle);
  return box;
}

function renderEntry(entry: ChatEntry): HTMLElement {
  const kind = entry.kind === 'own' || entry.kind === 'peer' ? entry.kind : 'notice';
  const item = el('div', `entry entry-${kind}`);
  item.dataset.id = entry.id;
  item.dataset.kind = kind;
  if (kind === 'notice') {
    const level = entry.level === 'warning' || entry.level === 'error' ? entry.level : 'info';
    item.classList.add(`notice-${level}`);
    item.dataset.level = level;
  }

  const meta = el('div', 'meta');
  const sender = kind === 'own' ? 'You' : kind === 'peer' ? entry.from || 'Peer' : entry.from || '';
  if (sender) {
    const s = el('span', 'sender', sender);
    s.dir = 'auto';
    meta.appendChild(s);
  }
  const time = el('time', 'time', hhmm(entry.time));
  if (Number.isFinite(entry.time)) time.dateTime = new Date(entry.time).toISOString();
  meta.appendChild(time);
  item.appendChild(meta);

  // A code entry's text is its code: shown once, in the code block.
  if (entry.text && !entry.code) {
    const text = el('div', 'text');
    text.dir = 'auto';
    item.appendChild(text);
    const toggle = renderLongText(text, String(entry.text), kind === 'notice' ? fillPlain : fillMarkdown);
    if (toggle) item.appendChild(toggle);
  }
  const code = renderCode(entry);
  if (code) item.appendChild(code);

  if (kind === 'own' && entry.status) {
    const status = el('div', 'status');
    renderStatus(status, entry.id, entry.status);
    item.appendChild(status);
  }
  return item;
}

/** Renders entries whose data is current (a later entry with the same id wins); `entryData` must already hold them. */
function buildEntries(entries: readonly ChatEntry[], eager = false): DocumentFragment {
  const frag = document.createDocumentFragment();
  for (const entry of entries) {
    if (entryData.get(entry.id) !== entry) continue;
    const node = renderEntry(entry);
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

function distanceFromBottom(): number {
  return Math.max(0, list.scrollHeight - list.scrollTop - list.clientHeight);
}

function isNearBottom(): boolean {
  return distanceFromBottom() <= NEAR_BOTTOM_PX;
}

function scrollToBottom(): void {
  list.scrollTop = list.scrollHeight;
}

/** Scrolls so `fromBottom` pixels of content lie below the view; false when the content is too short for that yet. */
function scrollToFromBottom(fromBottom: number): boolean {
  const top = list.scrollHeight - list.clientHeight - fromBottom;
  list.scrollTop = Math.max(0, top);
  return top >= 0;
}

/** Keeps the view at the bottom (when it sticks there) for a while, since heights settle after the paint. */
function keepPinned(frames = 30): void {
  settleFrames = Math.max(settleFrames, frames);
  if (pinScheduled) return;
  pinScheduled = true;
  requestAnimationFrame(pinFrame);
}

function pinFrame(): void {
  pinScheduled = false;
  if (!stickToBottom) {
    settleFrames = 0;
    return;
  }
  // Never fight a scroll the user is making; their scroll events decide stickiness meanwhile.
  if (!userScrolling() && distanceFromBottom() > 1) scrollToBottom();
  settleFrames--;
  if (settleFrames > 0 || backlog.length > 0) {
    pinScheduled = true;
    requestAnimationFrame(pinFrame);
  }
}

function userScrolling(): boolean {
  return pointerHeld || performance.now() < userScrollUntil;
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
  pendingFromBottom = undefined;
  setBusy(false);
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
    const fromBottom = distanceFromBottom();
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
    if (stickToBottom) {
      scrollToBottom();
      keepPinned();
    } else if (pendingFromBottom !== undefined) {
      if (scrollToFromBottom(pendingFromBottom) || backlog.length === 0) pendingFromBottom = undefined;
    } else {
      // Content grew above: keep the same content under the user's eyes (at the bottom stays at the bottom).
      scrollToFromBottom(fromBottom);
    }
    if (backlog.length > 0) renderBacklog(generation);
    else setBusy(false);
  });
}

function onSnapshot(msg: Extract<HostToWebview, { type: 'didSnapshot' }>): void {
  const start = performance.now();
  const wasNearBottom = isNearBottom();
  renderHeader(msg.header);
  clearEntries();
  // Until the history is in, the log announces nothing: a screen reader should not read 10,000 old messages.
  setBusy(true);
  const entries = msg.entries;
  for (const entry of entries) entryData.set(entry.id, entry);
  const split = entries.length - firstPaintCount(entries);
  backlog = entries.slice(0, split);
  list.appendChild(buildEntries(entries.slice(split), true));
  if (!scrollRestored) {
    scrollRestored = true;
    stickToBottom = state.atBottom || state.fromBottom === undefined;
    if (stickToBottom) {
      scrollToBottom();
    } else if (!scrollToFromBottom(state.fromBottom ?? 0) && backlog.length > 0) {
      // The spot is in history not rendered yet: keep heading there as older entries arrive.
      pendingFromBottom = state.fromBottom;
    }
  } else if (wasNearBottom || stickToBottom) {
    stickToBottom = true;
    scrollToBottom();
  }
  keepPinned();
  offerHostDraft(msg.draft);
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

/** What a screen reader says for a new message: sender, then text (or the shared code's path). */
function announcement(entry: ChatEntry): string {
  const sender = entry.kind === 'own' ? 'You' : entry.kind === 'peer' ? entry.from || 'Peer' : entry.from || '';
  let text = String(entry.text ?? '');
  if (!text && entry.code) text = `code ${entry.code.path || entry.code.language || ''}`.trim();
  if (text.length > MAX_ANNOUNCE_CHARS) text = `${text.slice(0, MAX_ANNOUNCE_CHARS)}…`;
  return sender ? `${sender}: ${text}` : text;
}

function onAddEntries(entries: readonly ChatEntry[]): void {
  const wasNearBottom = stickToBottom || isNearBottom();
  for (const entry of entries) entryData.set(entry.id, entry);
  list.appendChild(buildEntries(entries, true));
  // The busy log stays silent, so new messages are announced on the side until the history is in.
  if (list.getAttribute('aria-busy') === 'true' && entries.length > 0) {
    announcer.textContent = entries.map(announcement).join('\n');
  }
  const ownArrived = scrollOnOwnEntry && entries.some((e) => e.kind === 'own');
  if (ownArrived) scrollOnOwnEntry = false;
  if (wasNearBottom || ownArrived) {
    stickToBottom = true;
    scrollToBottom();
    keepPinned();
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
  renderStatus(statusEl, id, status);
}

// ---- drafts: kept in the webview state (hide/show) and by the host (window reloads) ----

/** The draft the host is known to hold; undefined until the first snapshot tells. */
let hostDraft: string | undefined;
let draftTimer: ReturnType<typeof setTimeout> | undefined;

function flushDraft(): void {
  if (draftTimer !== undefined) clearTimeout(draftTimer);
  draftTimer = undefined;
  if (hostDraft === state.draft) return;
  hostDraft = state.draft;
  post({ type: 'saveDraft', text: state.draft });
}

function scheduleDraftSave(): void {
  if (draftTimer !== undefined) clearTimeout(draftTimer);
  draftTimer = setTimeout(flushDraft, DRAFT_SAVE_DELAY_MS);
}

function setDraft(text: string): void {
  state.draft = text;
  saveState();
}

/** The webview's own draft wins (it is newer); the host's fills an empty box after a reload. */
function offerHostDraft(draft: string | undefined): void {
  const kept = typeof draft === 'string' ? draft : '';
  if (hostDraftOffered) return;
  hostDraftOffered = true;
  hostDraft = kept;
  if (kept && input.value === '' && !saved?.draft) {
    input.value = kept;
    setDraft(kept);
  } else if (input.value !== kept) {
    // The host holds an older draft than this view: bring it up to date.
    scheduleDraftSave();
  }
}

function restoreDraft(text: string): void {
  const current = input.value;
  input.value = current.trim() === '' ? text : `${text}\n${current}`;
  setDraft(input.value);
  // Text the host handed back must survive a reload too.
  flushDraft();
  input.focus();
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
      restoreDraft(msg.text);
      break;
    case 'didFocusInput':
      input.focus();
      break;
    default:
      assertNever(msg);
  }
}

window.addEventListener('message', (event: MessageEvent<unknown>) => {
  const msg = event.data;
  if (typeof msg !== 'object' || msg === null || typeof (msg as { type?: unknown }).type !== 'string') return;
  try {
    handle(msg as HostToWebview);
  } catch (err) {
    console.error('[udp-chat] cannot handle message', err);
  }
});

// ---- input ----

function send(): void {
  const text = input.value;
  if (text.trim() === '') return;
  post({ type: 'sendMessage', text });
  scrollOnOwnEntry = true;
  input.value = '';
  setDraft('');
  // At once, and even if the host never saw this text: a reload right after sending must not bring it back.
  hostDraft = undefined;
  flushDraft();
}

composer.addEventListener('submit', (event) => {
  event.preventDefault();
  send();
  input.focus();
});

input.addEventListener('keydown', (event) => {
  // Escape is left alone: the text stays, and VS Code gets the key (e.g. to leave the view).
  // keyCode 229: some IMEs report the confirming Enter this way without isComposing.
  if (event.key !== 'Enter' || event.shiftKey || event.isComposing || event.keyCode === 229) return;
  if (event.altKey || event.ctrlKey || event.metaKey) return;
  event.preventDefault();
  send();
});

input.addEventListener('input', () => {
  setDraft(input.value);
  scheduleDraftSave();
});

// The view may be torn down right after hiding (no retainContextWhenHidden): save now, not in 300 ms.
window.addEventListener('pagehide', flushDraft);
document.addEventListener('visibilitychange', () => {
  if (document.visibilityState === 'hidden') flushDraft();
});

let scrollSavePending = false;
list.addEventListener('scroll', () => {
  if (scrollSavePending) return;
  scrollSavePending = true;
  requestAnimationFrame(() => {
    scrollSavePending = false;
    // Heading for a restored spot in history not rendered yet: that spot is still the one to keep.
    if (pendingFromBottom !== undefined) return;
    const fromBottom = distanceFromBottom();
    if (userScrolling()) stickToBottom = fromBottom <= NEAR_BOTTOM_PX;
    state.scrollTop = list.scrollTop;
    state.fromBottom = fromBottom;
    state.atBottom = stickToBottom;
    saveState();
  });
});

// The user takes over scrolling: stop steering towards a restored position; their scrolling decides stickiness.
function userScrolls(): void {
  pendingFromBottom = undefined;
  userScrollUntil = performance.now() + 1000;
}
/** Scrolling up leaves the bottom at once: a smooth scroll's first frames are still near it. */
function userScrollsUp(): void {
  userScrolls();
  stickToBottom = false;
  state.atBottom = false;
}
list.addEventListener('wheel', (event) => (event.deltaY < 0 ? userScrollsUp() : userScrolls()), { passive: true });
list.addEventListener('keydown', (event) => {
  if (event.target !== list) return;
  if (event.key === 'ArrowUp' || event.key === 'PageUp' || event.key === 'Home') userScrollsUp();
  else userScrolls();
});
for (const type of ['touchstart', 'touchmove'] as const) {
  list.addEventListener(type, userScrolls, { passive: true });
}
list.addEventListener('pointerdown', () => {
  pointerHeld = true;
  userScrolls();
});
window.addEventListener('pointerup', () => {
  pointerHeld = false;
  userScrolls();
});
// A resized view (panel dragged, window resized) keeps showing the newest message.
new ResizeObserver(() => {
  if (stickToBottom) keepPinned(2);
}).observe(list);

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

renderHeader({
  state: 'idle',
  local: '',
  localAddresses: [],
  peer: '',
  peerName: '',
  presence: 'unknown',
  plainPeer: false,
  encrypted: false,
  fingerprint: '',
});

post({ type: 'ready' });


/** A padlock drawn as SVG (an emoji needs a font the machine may not have). */
function lockIcon(): SVGSVGElement {
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('viewBox', '0 0 16 16');
  svg.setAttribute('width', '12');
  svg.setAttribute('height', '12');
  svg.setAttribute('fill', 'currentColor');
  const body = document.createElementNS(ns, 'path');
  body.setAttribute('d', 'M4 7V5a4 4 0 0 1 8 0v2h1v8H3V7h1zm1.5 0h5V5a2.5 2.5 0 0 0-5 0v2z');
  svg.appendChild(body);
  return svg;
}
