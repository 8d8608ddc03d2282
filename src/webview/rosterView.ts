// The list of conversations at the top of the view (a navigation landmark "Conversations"): a bar
// with the Conversations toggle, Add Peer… and New Group…, then People and Groups, each a heading
// and a listbox. A listbox is one Tab stop (roving tabindex on its options): ArrowUp/ArrowDown,
// Home/End move, Enter or Space (or a click) opens the conversation. With a single conversation and
// nothing waiting elsewhere the list starts closed (the header already names that person; the
// space goes to the messages); the bar still says how many conversations there are and what waits,
// and the user's open/closed choice is kept. A host with one conversation sends no roster: nothing shows.
import type { RosterItem } from '../shared/protocol';
import { el, icon, setIcon } from './dom';
import { isNavKey, navTarget } from './listNav';
import { rosterModel, rosterOpen, type RosterRow } from './roster';
import { f, s } from './strings';
import { post, saveState, state } from './vscodeApi';

export interface RosterView {
  element: HTMLElement;
  render(roster: readonly RosterItem[], shown: string, seen: boolean): void;
}

export function createRosterView(): RosterView {
  const nav = el('nav', 'roster');
  nav.setAttribute('aria-label', s('conversations'));
  nav.hidden = true;

  const bar = el('div', 'roster-bar');
  const toggle = el('button', 'roster-toggle');
  toggle.type = 'button';
  const chevron = icon('chevron-right', 'button-icon');
  const summary = el('span', 'roster-summary');
  toggle.append(chevron, el('span', 'roster-title', s('conversations')), summary);
  toggle.setAttribute('aria-controls', 'roster-lists');
  const addPeer = iconButton(s('addPeer'), 'person-add', 'roster-add-peer', () => post({ type: 'addPeer' }));
  const newGroup = iconButton(s('newGroup'), 'organization', 'roster-new-group', () => post({ type: 'createGroup' }));
  bar.append(toggle, addPeer, newGroup);

  const lists = el('div', 'roster-lists');
  lists.id = 'roster-lists';
  const people = section(s('people'), 'roster-people', s('noPeople'));
  const groups = section(s('groups'), 'roster-groups', s('noGroups'));
  lists.append(people.element, groups.element);
  nav.append(bar, lists);

  let last: { roster: readonly RosterItem[]; shown: string; seen: boolean } = { roster: [], shown: '', seen: false };

  toggle.addEventListener('click', () => {
    state.rosterOpen = toggle.getAttribute('aria-expanded') !== 'true';
    saveState();
    render(last.roster, last.shown, last.seen);
  });

  function render(roster: readonly RosterItem[], shown: string, seen: boolean): void {
    last = { roster, shown, seen };
    nav.hidden = !seen;
    if (!seen) return;
    const model = rosterModel(roster, shown);
    const open = rosterOpen(model, state.rosterOpen);
    toggle.setAttribute('aria-expanded', String(open));
    setIcon(chevron, open ? 'chevron-down' : 'chevron-right');
    // Open, the list says the rest; closed, the bar says what waits.
    summary.textContent = open ? String(model.total) : model.summary;
    nav.dataset.open = String(open);
    lists.hidden = !open;
    people.render(model.people);
    groups.render(model.groups);
  }

  return { element: nav, render };
}

function iconButton(label: string, iconName: string, className: string, onClick: () => void): HTMLButtonElement {
  const b = el('button', `icon-button ${className}`);
  b.type = 'button';
  b.appendChild(icon(iconName, 'button-icon'));
  b.setAttribute('aria-label', label);
  b.title = label;
  b.addEventListener('click', onClick);
  return b;
}

let sectionCount = 0;

function section(title: string, className: string, emptyText: string) {
  const id = `roster-heading-${++sectionCount}`;
  const element = el('section', `roster-section ${className}`);
  const heading = el('h2', 'roster-heading', title);
  heading.id = id;
  const list = el('div', 'roster-list');
  list.setAttribute('role', 'listbox');
  list.setAttribute('aria-labelledby', id);
  const empty = el('p', 'roster-empty', emptyText);
  element.append(heading, list, empty);
  const options = new Map<string, HTMLElement>();

  const optionsInOrder = (): HTMLElement[] => Array.from(list.querySelectorAll<HTMLElement>(':scope > [role="option"]'));

  function open(option: HTMLElement): void {
    const id = option.dataset.id;
    if (id) post({ type: 'openConversation', id });
  }

  list.addEventListener('click', (event) => {
    const option = event.target instanceof Element ? event.target.closest<HTMLElement>('[role="option"]') : null;
    if (!option) return;
    // The clicked option becomes the list's Tab stop.
    for (const o of optionsInOrder()) o.tabIndex = o === option ? 0 : -1;
    open(option);
  });
  list.addEventListener('keydown', (event) => {
    const option = event.target instanceof Element ? event.target.closest<HTMLElement>('[role="option"]') : null;
    if (!option || event.altKey || event.ctrlKey || event.metaKey || event.shiftKey) return;
    if (event.key === 'Enter' || event.key === ' ') {
      event.preventDefault();
      open(option);
      return;
    }
    if (!isNavKey(event.key) || event.key === 'PageUp' || event.key === 'PageDown') return;
    const all = optionsInOrder();
    const to = navTarget(event.key, all.indexOf(option), all.length);
    event.preventDefault();
    if (to === undefined) return;
    for (const o of all) o.tabIndex = -1;
    all[to]!.tabIndex = 0;
    all[to]!.focus();
    all[to]!.scrollIntoView({ block: 'nearest' });
  });

  function render(rows: readonly RosterRow[]): void {
    const focusedId = list.contains(document.activeElement) ? (document.activeElement as HTMLElement).dataset.id : undefined;
    const keep = new Set(rows.map((r) => r.id));
    for (const [id, node] of options) if (!keep.has(id)) { node.remove(); options.delete(id); }
    rows.forEach((row, i) => {
      let node = options.get(row.id);
      if (!node) {
        node = el('div', 'roster-item');
        node.setAttribute('role', 'option');
        node.dataset.id = row.id;
        options.set(row.id, node);
      }
      fillOption(node, row);
      if (list.children[i] !== node) list.insertBefore(node, list.children[i] ?? null);
    });
    // One Tab stop: the option focused before, else the one shown, else the first.
    const tabStop = rows.find((r) => r.id === focusedId) ?? rows.find((r) => r.selected) ?? rows[0];
    for (const row of rows) options.get(row.id)!.tabIndex = row === tabStop ? 0 : -1;
    if (focusedId && options.has(focusedId) && document.activeElement !== options.get(focusedId)) options.get(focusedId)!.focus({ preventScroll: true });
    list.hidden = rows.length === 0;
    empty.hidden = rows.length > 0;
  }

  return { element, render };
}

/**
 * The option is named by its content (not aria-label: the visible words must be part of the name):
 * the icon's meaning and the lock's are visually hidden words, in the order of RosterRow.label.
 */
function fillOption(node: HTMLElement, row: RosterRow): void {
  node.className = `roster-item roster-${row.kind} presence-${row.presence}`;
  node.setAttribute('aria-selected', String(row.selected));
  node.title = row.title;
  node.dataset.kind = row.kind;
  node.dataset.presence = row.presence;
  node.dataset.request = String(row.request);
  const hidden = (text: string) => el('span', 'visually-hidden', text);
  const text = el('span', 'roster-text');
  const first = el('span', 'roster-line');
  first.append(el('bdi', 'roster-name', row.name), hidden(`, ${row.iconText}${row.plain ? `, ${s('plainText')}` : ''}`));
  text.appendChild(first);
  if (row.detail) {
    const second = el('span', 'roster-line');
    second.append(hidden(', '), el('bdi', 'roster-detail', row.detail));
    text.appendChild(second);
  }
  const parts: Node[] = [icon(row.icon, row.kind === 'group' ? 'roster-icon group-icon' : 'roster-icon presence-dot'), text];
  if (row.encrypted) parts.push(icon('lock', 'roster-icon roster-lock'), hidden(`, ${s('encrypted')}`));
  if (row.request) parts.push(hidden(', '), el('span', 'roster-tag', s('request')));
  if (row.badge) {
    const badge = el('span', 'roster-badge', row.badge);
    badge.setAttribute('role', 'img');
    badge.setAttribute('aria-label', row.unreadText);
    parts.push(hidden(', '), badge);
  }
  if (row.members) parts.push(hidden(`, ${f('membersList', { names: row.members })}`));
  node.replaceChildren(...parts);
}
