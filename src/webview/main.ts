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

const STATUS_LOOK: Record<DeliveryStatus, { icon: string; text: string }> = {
  queued: { icon: '⏳', text: 'queued' },
  sending: { icon: '↻', text: 'sending…' },
  delivered: { icon: '✓', text: 'delivered' },
  failed: { icon: '✗', text: 'failed' },
  unsent: { icon: '⊘', text: 'not sent' },
  unconfirmed: { icon: '?', text: 'sent (unconfirmed)' },
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
};
/** Scroll position is restored once, after the first snapshot fills the list. */
let scrollRestored = false;
/** The user just sent: their own next entry scrolls into view even if they were reading history. */
let scrollOnOwnEntry = false;

const entryElements = new Map<string, HTMLElement>();
const entryData = new Map<string, ChatEntry>();

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
const lockEl = el('span', 'lock', '🔒');
lockEl.setAttribute('aria-hidden', 'true');
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

const composer = el('form', 'composer');
const input = el('textarea', 'message-input');
input.setAttribute('aria-label', 'Message');
input.rows = 2;
input.placeholder = 'Message (Enter to send, Shift+Enter for a new line)';
input.value = state.draft;
const sendBtn = el('button', 'send', 'Send');
sendBtn.type = 'submit';
composer.append(input, sendBtn);

document.body.append(header, list, composer);

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

  if (entry.text) {
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

function buildEntries(entries: readonly ChatEntry[]): DocumentFragment {
  const frag = document.createDocumentFragment();
  for (const entry of entries) {
    const node = renderEntry(entry);
    const previous = entryElements.get(entry.id);
    // A repeated id replaces the older element instead of showing twice.
    if (previous) previous.remove();
    entryElements.set(entry.id, node);
    entryData.set(entry.id, entry);
    frag.appendChild(node);
  }
  return frag;
}

function isNearBottom(): boolean {
  return list.scrollHeight - list.scrollTop - list.clientHeight <= NEAR_BOTTOM_PX;
}

function scrollToBottom(): void {
  list.scrollTop = list.scrollHeight;
}

function clearEntries(): void {
  list.replaceChildren();
  entryElements.clear();
  entryData.clear();
}

function onSnapshot(msg: Extract<HostToWebview, { type: 'didSnapshot' }>): void {
  const start = performance.now();
  const wasNearBottom = isNearBottom();
  renderHeader(msg.header);
  clearEntries();
  list.appendChild(buildEntries(msg.entries));
  if (!scrollRestored) {
    scrollRestored = true;
    if (state.atBottom) scrollToBottom();
    else list.scrollTop = state.scrollTop;
  } else if (wasNearBottom) {
    scrollToBottom();
  }
  const count = msg.entries.length;
  // Two frames: the first callback runs before the paint that shows the new list, the second after it.
  requestAnimationFrame(() =>
    requestAnimationFrame(() => {
      const ms = Math.round((performance.now() - start) * 10) / 10;
      document.body.dataset.renderMs = String(ms);
      document.body.dataset.renderCount = String(count);
      post({ type: 'didRender', count, ms });
    }),
  );
}

function onAddEntries(entries: readonly ChatEntry[]): void {
  const wasNearBottom = isNearBottom();
  list.appendChild(buildEntries(entries));
  const ownArrived = scrollOnOwnEntry && entries.some((e) => e.kind === 'own');
  if (ownArrived) scrollOnOwnEntry = false;
  if (wasNearBottom || ownArrived) scrollToBottom();
}

function onChangeStatus(id: string, status: DeliveryStatus): void {
  const item = entryElements.get(id);
  const data = entryData.get(id);
  if (!item || !data || data.kind !== 'own') return;
  data.status = status;
  let statusEl = item.querySelector<HTMLElement>(':scope > .status');
  if (!statusEl) {
    statusEl = el('div', 'status');
    item.appendChild(statusEl);
  }
  renderStatus(statusEl, id, status);
}

function restoreDraft(text: string): void {
  const current = input.value;
  input.value = current.trim() === '' ? text : `${text}\n${current}`;
  state.draft = input.value;
  saveState();
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
  state.draft = '';
  saveState();
}

composer.addEventListener('submit', (event) => {
  event.preventDefault();
  send();
  input.focus();
});

input.addEventListener('keydown', (event) => {
  // keyCode 229: some IMEs report the confirming Enter this way without isComposing.
  if (event.key !== 'Enter' || event.shiftKey || event.isComposing || event.keyCode === 229) return;
  if (event.altKey || event.ctrlKey || event.metaKey) return;
  event.preventDefault();
  send();
});

input.addEventListener('input', () => {
  state.draft = input.value;
  saveState();
});

let scrollSavePending = false;
list.addEventListener('scroll', () => {
  if (scrollSavePending) return;
  scrollSavePending = true;
  requestAnimationFrame(() => {
    scrollSavePending = false;
    state.scrollTop = list.scrollTop;
    state.atBottom = isNearBottom();
    saveState();
  });
});

// Links never navigate the webview: the host confirms and opens them.
list.addEventListener('click', (event) => {
  const target = event.target instanceof Element ? event.target.closest('a') : null;
  if (!target) return;
  event.preventDefault();
  const url = target.dataset.url;
  if (url) post({ type: 'openLink', url });
});

renderHeader({
  state: 'idle',
  local: '',
  peer: '',
  peerName: '',
  presence: 'unknown',
  plainPeer: false,
  encrypted: false,
  fingerprint: '',
});

post({ type: 'ready' });
