// The list of conversations (people and groups) as a pure model: what each row says and how a
// screen reader names it, and whether the list starts open. No DOM (test/unit/webview.roster.test.ts);
// rosterView.ts draws it.
import type { ConversationKind, RosterItem } from '../shared/protocol';
import { f, plural, s } from './strings';
import { clip, normalPresence, presenceLook, type Presence } from './texts';

/** A badge shows at most this; the name says the real number. */
export const MAX_BADGE = 99;
/** Names and details are cut here in labels (a peer chooses its name). */
export const MAX_NAME_CHARS = 80;

export interface RosterRow {
  id: string;
  kind: ConversationKind;
  name: string;
  detail: string;
  presence: Presence;
  /** Codicon for the presence (people) or the group. */
  icon: string;
  /** The icon's words (shown to screen readers in the row's name). */
  iconText: string;
  /** The badge's text ('' without unread messages), e.g. "3" or "99+". */
  badge: string;
  /** The badge's name, e.g. "3 unread". */
  unreadText: string;
  encrypted: boolean;
  plain: boolean;
  request: boolean;
  /** Groups: the members as one line ('' for people). */
  members: string;
  /** The conversation shown. */
  selected: boolean;
  /** Tooltip: groups list their members. */
  title: string;
  /** The row's accessible name: name, presence, detail, marks, unread, members. */
  label: string;
}

export interface RosterModel {
  people: RosterRow[];
  groups: RosterRow[];
  total: number;
  /** Unread messages in conversations other than the one shown. */
  unreadElsewhere: number;
  requests: number;
  /** The list starts open: more than one conversation, or something waiting in another one. */
  autoOpen: boolean;
  /** The bar's line while the list is closed, e.g. "3 · 2 unread · 1 request" (open: the count). */
  summary: string;
}

const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const count = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? Math.floor(v) : 0);

export function unreadBadge(unread: number): string {
  const n = count(unread);
  return n === 0 ? '' : n > MAX_BADGE ? `${MAX_BADGE}+` : String(n);
}

/** A group's members as one line for a tooltip or a label: "Ann, Bob and Cy". */
export function memberList(members: unknown): string {
  const names = Array.isArray(members) ? members.filter((m): m is string => typeof m === 'string' && m !== '').map((m) => clip(m, MAX_NAME_CHARS)) : [];
  if (names.length <= 1) return names.join('');
  return f('namesAnd', { names: names.slice(0, -1).join(', '), last: names[names.length - 1]! });
}

export function memberCount(members: unknown): number {
  return Array.isArray(members) ? members.filter((m) => typeof m === 'string' && m !== '').length : 0;
}

export function rosterRow(item: RosterItem, shown: string): RosterRow {
  const kind: ConversationKind = item.kind === 'group' ? 'group' : 'person';
  const name = clip(str(item.name).trim(), MAX_NAME_CHARS) || s(kind === 'group' ? 'unnamedGroup' : 'unnamedPerson');
  const detail = clip(str(item.detail), MAX_NAME_CHARS);
  const presence = normalPresence(item.presence);
  const unread = count(item.unread);
  const encrypted = item.encrypted === true;
  const request = item.request === true;
  const members = memberList(item.members);
  const icon = kind === 'group' ? 'organization' : presenceLook(presence).icon;
  const iconText = kind === 'group' ? plural(memberCount(item.members), 'groupOfOne', 'groupOfMany') : presenceLook(presence).text;
  const unreadText = unread > 0 ? f('unread', { count: unread }) : '';
  // In the order the row shows them (rosterView.ts names the option by its content, in this order).
  const parts = [name, iconText];
  if (item.plain === true) parts.push(s('plainText'));
  if (detail) parts.push(detail);
  if (encrypted) parts.push(s('encrypted'));
  if (request) parts.push(s('request'));
  if (unreadText) parts.push(unreadText);
  if (kind === 'group' && members) parts.push(f('membersList', { names: members }));
  return {
    id: item.id, kind, name, detail, presence, icon, iconText, badge: unreadBadge(unread), unreadText, encrypted, request, plain: item.plain === true, members,
    selected: item.id === shown,
    title: kind === 'group' ? (members ? `${name}: ${members}` : name) : detail ? `${name} (${detail})` : name,
    label: parts.join(', '),
  };
}

/** The roster as rows, people and groups apart, in the host's order; `shown`: the conversation shown. */
export function rosterModel(roster: readonly RosterItem[], shown: string): RosterModel {
  const rows = roster.map((item) => rosterRow(item, shown));
  const elsewhere = rows.filter((r) => !r.selected);
  const unreadElsewhere = roster.filter((i) => i.id !== shown).reduce((n, i) => n + count(i.unread), 0);
  const requests = rows.filter((r) => r.request).length;
  const summary = [String(rows.length)];
  if (unreadElsewhere > 0) summary.push(f('unread', { count: unreadElsewhere }));
  if (requests > 0) summary.push(plural(requests, 'requestsOne', 'requestsMany'));
  return {
    people: rows.filter((r) => r.kind === 'person'),
    groups: rows.filter((r) => r.kind === 'group'),
    total: rows.length,
    unreadElsewhere,
    requests,
    autoOpen: rows.length > 1 || elsewhere.some((r) => r.request || r.badge !== '') || (rows.length === 1 && !rows[0]!.selected),
    summary: summary.join(' · '),
  };
}

/** Whether the list is open: the user's own choice if they made one, else the model's. */
export function rosterOpen(model: RosterModel, userChoice: boolean | undefined): boolean {
  return userChoice ?? model.autoOpen;
}
