// One conversation entry as DOM: an article in the log (focusable by the list's roving tabindex),
// with its sender and time, its text (light markdown), a shared code block, and for own messages
// the delivery status in words with a codicon. Peer text reaches the DOM only through textContent.
import type { ChatEntry, DeliveryStatus, DeliverySummary } from '../shared/protocol';
import { button, el, hhmm, icon, setButtonLabel } from './dom';
import { render, tokenize } from './format';
import { MAX_RENDER_CHARS } from './paint';
import { f, s } from './strings';
import { clip, noticeLook, statusLook } from './texts';
import { post } from './vscodeApi';

/** Marks elements inside an entry that take the keyboard focus (besides buttons and links). */
export const CONTROL_ATTR = 'data-entry-control';

export interface EntryHooks {
  /** Part of an entry was built again (Show more, a new status): its controls need their tabindex. */
  changed(item: HTMLElement): void;
}

type Kind = 'own' | 'peer' | 'notice';
type Level = 'info' | 'warning' | 'error';

function kindOf(entry: ChatEntry): Kind {
  return entry.kind === 'own' || entry.kind === 'peer' ? entry.kind : 'notice';
}

function levelOf(entry: ChatEntry): Level {
  return entry.level === 'warning' || entry.level === 'error' ? entry.level : 'info';
}

function senderOf(entry: ChatEntry): string {
  const kind = kindOf(entry);
  return kind === 'own' ? s('you') : kind === 'peer' ? entry.from || s('peer') : entry.from || '';
}

/** "code" and the shared code's path or language, in words. */
function codeWords(code: NonNullable<ChatEntry['code']>): string {
  const name = code.path || code.language || '';
  return name ? f('codeSharedNamed', { name }) : s('codeShared');
}

/** What a screen reader says for a new message: sender, then text (or the shared code's path). */
export function announcement(entry: ChatEntry): string {
  const sender = senderOf(entry);
  let text = String(entry.text ?? '');
  if (entry.code) text = codeWords(entry.code);
  text = clip(text);
  return sender ? `${sender}: ${text}` : text;
}

/** An own entry's delivery in words: a group message's summary ("delivered to 3 of 4"), else its status. */
function statusWords(entry: ChatEntry): string {
  const label = deliveryOf(entry)?.label;
  if (label) return `. ${clip(label)}`;
  return entry.status ? `. ${statusLook(entry.status).text}` : '';
}

/** A group message's delivery summary, if well formed. */
export function deliveryOf(entry: ChatEntry): DeliverySummary | undefined {
  const d = entry.delivery;
  if (!d || typeof d !== 'object' || typeof d.label !== 'string' || d.label === '') return undefined;
  return { label: d.label, tooltip: typeof d.tooltip === 'string' ? d.tooltip : '' };
}

/** The entry's name when it has the focus: who, when, what (cut), and the delivery status. */
export function entryLabel(entry: ChatEntry): string {
  const kind = kindOf(entry);
  const who = kind === 'notice' ? noticeLook(levelOf(entry)).text : senderOf(entry);
  const time = hhmm(entry.time);
  let text = entry.code ? codeWords(entry.code) : String(entry.text ?? '');
  if (entry.code && entry.text && entry.text !== entry.code.code) text = `${String(entry.text)}, ${text}`;
  const status = kind === 'own' ? statusWords(entry) : '';
  return `${who}${time ? `, ${time}` : ''}: ${clip(text)}${status}`;
}

/** Fills `body` with `text`, truncated when long; returns the Show more / Show less toggle to place, if any. */
function renderLongText(body: HTMLElement, text: string, fill: (into: HTMLElement, text: string) => void, hooks: EntryHooks): HTMLButtonElement | undefined {
  if (text.length <= MAX_RENDER_CHARS) {
    fill(body, text);
    return undefined;
  }
  fill(body, text.slice(0, MAX_RENDER_CHARS));
  const toggle = button(s('showMore'), 'show-more', () => {
    const expand = toggle.getAttribute('aria-expanded') !== 'true';
    body.replaceChildren();
    fill(body, expand ? text : text.slice(0, MAX_RENDER_CHARS));
    toggle.setAttribute('aria-expanded', String(expand));
    setButtonLabel(toggle, s(expand ? 'showLess' : 'showMore'), expand ? 'fold' : 'unfold');
    const item = toggle.closest<HTMLElement>('.entry');
    if (item) hooks.changed(item);
  }, 'unfold');
  toggle.setAttribute('aria-expanded', 'false');
  toggle.title = f('characters', { count: text.length.toLocaleString() });
  return toggle;
}

/**
 * Code keeps its lines: no wrapping, a horizontal scroller around it. The scroller holds the focusable
 * element (not the other way round), so the list's roving tabindex decides when Tab reaches it.
 */
export function codeScroller(pre: HTMLPreElement, language: string): HTMLDivElement {
  const scroller = el('div', 'code-scroll');
  pre.setAttribute('role', 'group');
  pre.setAttribute('aria-label', language ? f('codeRegionLanguage', { language }) : s('codeRegion'));
  pre.setAttribute(CONTROL_ATTR, '');
  pre.tabIndex = -1;
  scroller.appendChild(pre);
  return scroller;
}

function fillMarkdown(into: HTMLElement, text: string): void {
  const frag = render(tokenize(text));
  for (const pre of Array.from(frag.querySelectorAll<HTMLPreElement>('pre.md-codeblock'))) {
    const place = document.createComment('');
    pre.replaceWith(place);
    place.replaceWith(codeScroller(pre, pre.querySelector('code')?.dataset.language ?? ''));
  }
  into.appendChild(frag);
}

function fillPlain(into: HTMLElement, text: string): void {
  into.textContent = text;
}

/**
 * An own entry's status line: the status's icon and words, or for a group message the delivery
 * summary ("delivered to 3 of 4") with the per-member detail on hover and for screen readers.
 */
export function renderStatus(statusEl: HTMLElement, id: string, status: DeliveryStatus, delivery?: DeliverySummary): void {
  const look = statusLook(status);
  statusEl.className = `status status-${status}`;
  statusEl.dataset.status = status;
  statusEl.replaceChildren(icon(look.icon, 'status-icon'), el('span', 'status-text', delivery ? delivery.label : look.text));
  if (delivery) {
    statusEl.classList.add('status-group');
    statusEl.title = delivery.tooltip;
    if (delivery.tooltip) statusEl.appendChild(el('span', 'visually-hidden', `: ${delivery.tooltip}`));
  } else {
    statusEl.removeAttribute('title');
  }
  if (status === 'failed') statusEl.appendChild(button(s('retry'), 'retry', () => post({ type: 'retryMessage', id }), 'refresh'));
  // "Not sent" (typed with no session): it also goes out by itself when a session starts.
  else if (status === 'unsent') statusEl.appendChild(button(s('send'), 'retry', () => post({ type: 'retryMessage', id }), 'send'));
}

function renderCode(entry: ChatEntry, hooks: EntryHooks): HTMLElement | undefined {
  const code = entry.code;
  if (!code) return undefined;
  const box = el('div', 'codeblock');
  const head = el('div', 'codeblock-header');
  head.appendChild(el('span', 'code-language', code.language || s('plainLanguage')));
  if (code.path) {
    const range = code.startLine > 0 ? `:${code.startLine}-${code.endLine > 0 ? code.endLine : code.startLine}` : '';
    const path = el('span', 'code-path', `${code.path}${range}`);
    path.dir = 'auto';
    head.appendChild(path);
  }
  const tools = el('span', 'code-actions');
  tools.appendChild(button(s('copy'), 'code-copy', () => post({ type: 'copyCode', id: entry.id }), 'copy'));
  if (entry.canOpen) tools.appendChild(button(s('open'), 'code-open', () => post({ type: 'openCode', id: entry.id }), 'go-to-file'));
  head.appendChild(tools);
  box.appendChild(head);
  const pre = el('pre', 'code');
  const codeEl = el('code');
  if (code.language) codeEl.dataset.language = code.language;
  pre.appendChild(codeEl);
  box.appendChild(codeScroller(pre, code.language));
  const toggle = renderLongText(codeEl, String(code.code), fillPlain, hooks);
  if (toggle) box.appendChild(toggle);
  return box;
}

export function renderEntry(entry: ChatEntry, hooks: EntryHooks): HTMLElement {
  const kind = kindOf(entry);
  const item = el('div', `entry entry-${kind}`);
  item.setAttribute('role', 'article');
  item.tabIndex = -1;
  item.dataset.id = entry.id;
  item.dataset.kind = kind;
  item.setAttribute('aria-label', entryLabel(entry));

  const meta = el('div', 'meta');
  if (kind === 'notice') {
    const level = levelOf(entry);
    item.classList.add(`notice-${level}`);
    item.dataset.level = level;
    // The icon shows the level; the words say it to a screen reader reading the log.
    const look = noticeLook(level);
    meta.append(icon(look.icon, 'notice-icon'), el('span', 'visually-hidden', `${look.text}:`));
  }
  const sender = senderOf(entry);
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
    const toggle = renderLongText(text, String(entry.text), kind === 'notice' ? fillPlain : fillMarkdown, hooks);
    if (toggle) item.appendChild(toggle);
  }
  const code = renderCode(entry, hooks);
  if (code) item.appendChild(code);

  if (kind === 'own' && entry.status) {
    const status = el('div', 'status');
    renderStatus(status, entry.id, entry.status, deliveryOf(entry));
    item.appendChild(status);
  }
  return item;
}
