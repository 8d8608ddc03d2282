// Group chats (issue 13), the pure core: one GroupBook per person holds the groups that person is
// (or was) in, turns the user's actions into per-member sends over the pairwise sessions (fan-out;
// no multicast of our own), and applies what members send. No I/O: the caller sends the requests
// over each member's ChatSession (reliable, exactly once, in order per pair) and feeds what arrives.
//
// Rules:
// - A group's state is {id, name, members, epoch}; every change (name, members) makes a new state
//   with epoch n+1 by the person who made it, carries the whole membership, and goes to the old and
//   the new members. The highest epoch wins; equal n: the higher person id wins (deterministic).
// - A change is accepted only from its maker (`by` is the authenticated sender) and only if the
//   maker was a member of a state we know at epoch n-1 or later; a change that is ahead of what we
//   know waits (held) until the states before it arrive. A group we do not know is accepted when
//   its maker and we are both members of it (an invitation); so is a group we were removed from,
//   when a member of the last state we know adds us back.
// - A message carries the epoch its sender was at. It is shown when that state is known and has
//   both the sender and us; it waits when it is ahead of what we know; messages from one sender
//   keep their order (a message waits behind a held one from the same sender). A message under an
//   older state we have not seen waits for it too (its maker sent it to us: we were a member); one
//   older than every state we remember is judged by the current members.
// - A member removed (or who left) applies that state like any other and from then on shows only
//   messages sent under earlier states: senders that have seen the removal no longer send to it,
//   and it drops anything sent at the removal's epoch or later ("after" = after the sender saw it).
// - A group message has one uid for every member; a member shows (sender, uid) once.
import * as crypto from 'node:crypto';
import type { Code, Epoch, GroupEnvelope, GroupOp, GroupState } from './groupEnvelope';
import { changeFallbackText, cleanGroupName, compareEpoch, decodeGroupMeta, encodeGroupMeta, hasGroupMeta, isId, MAX_GROUP_MEMBERS, sameEpoch, validState } from './groupEnvelope';
import type { OutStatus } from './sessionTypes';

export type { Code, Epoch, GroupEnvelope, GroupOp, GroupState } from './groupEnvelope';

/** Known states kept per group (for judging messages sent at a recent epoch). */
export const GROUP_HISTORY = 16;
/** (sender, uid) pairs remembered per group for showing a message once. */
export const GROUP_SEEN_MEMORY = 2048;
/** Items waiting for an earlier state, per group. */
export const MAX_HELD_PER_GROUP = 1024;
/** Groups we do not know yet that may have items waiting. */
export const MAX_ORPHAN_GROUPS = 16;
export const MAX_ORPHANS_PER_GROUP = 256;

export class GroupError extends Error {}

/** One send over a member's pairwise session: body uid, meta and text (docs: groupEnvelope.ts). */
export interface SendRequest {
  to: string;
  uid: string;
  meta: string;
  text: string;
  code?: Code;
}

export interface GroupView {
  id: string;
  name: string;
  members: string[];
  epoch: Epoch;
  /** We are a member (false once removed or left). */
  active: boolean;
}

export interface GroupMessage {
  groupId: string;
  from: string;
  uid: string;
  text: string;
  code?: Code;
  sentAt: number;
  epoch: Epoch;
}

export type GroupEvent =
  | { kind: 'message'; message: GroupMessage }
  | {
      kind: 'changed'; group: GroupView; op: GroupOp; by: string;
      added: string[]; removed: string[]; renamed: boolean;
      /** We were a member before / are one now (joined: !was && is; removed or left: was && !is). */
      wasMember: boolean; isMember: boolean;
    };

/** What arrived over a pairwise session (the body's uid, meta and text). */
export interface IncomingItem { uid: string; meta: string; text: string; sentAt?: number }

interface Held { from: string; item: IncomingItem; env: GroupEnvelope; code?: Code }

interface Rec {
  state: GroupState;
  history: GroupState[];
  seen: Set<string>;
  held: Held[];
  /** Counts changes of state and history (a held item may become decidable). */
  version: number;
}

export interface GroupBookOptions {
  /** 16 lowercase hex digits; crypto random by default (tests inject a seeded one). */
  random64?: () => string;
}

const STORE_TYPE = 'udp-chat-groups';

export class GroupBook {
  private readonly recs = new Map<string, Rec>();
  private readonly orphans = new Map<string, Held[]>();
  private readonly random64: () => string;
  readonly stats = { dropped: 0, duplicates: 0, heldDropped: 0 };

  constructor(readonly self: string, opts: GroupBookOptions = {}) {
    if (!isId(self)) throw new GroupError('a person id is 16 hex digits');
    this.random64 = opts.random64 ?? (() => crypto.randomBytes(8).toString('hex'));
  }

  // ------------------------------------------------------------------ reading

  groups(): GroupView[] { return [...this.recs.values()].map((r) => this.view(r)); }
  group(id: string): GroupView | undefined { const r = this.recs.get(id); return r && this.view(r); }
  /** Items waiting for an earlier state (for diagnostics and tests). */
  heldCount(id?: string): number {
    if (id !== undefined) return (this.recs.get(id)?.held.length ?? 0) + (this.orphans.get(id)?.length ?? 0);
    let n = 0;
    for (const r of this.recs.values()) n += r.held.length;
    for (const o of this.orphans.values()) n += o.length;
    return n;
  }

  private view(r: Rec): GroupView {
    const s = r.state;
    return { id: s.id, name: s.name, members: [...s.members], epoch: { ...s.epoch }, active: s.members.includes(this.self) };
  }

  // ------------------------------------------------------------------ the user's actions

  /** A new group of us and `members`; returns the group and the invitations to send. */
  create(name: string, members: string[]): { group: GroupView; sends: SendRequest[] } {
    const clean = this.checkName(name);
    const all = this.checkMembers([this.self, ...members]);
    let id = this.random64();
    while (this.recs.has(id)) id = this.random64();
    const state: GroupState = { id, name: clean, members: all, epoch: { n: 1, by: this.self } };
    const rec: Rec = { state, history: [state], seen: new Set(), held: [], version: 0 };
    this.recs.set(id, rec);
    this.adoptOrphans(rec);
    return { group: this.view(rec), sends: this.changeSends(undefined, state, 'create') };
  }

  rename(id: string, name: string): SendRequest[] {
    const rec = this.activeRec(id);
    const clean = this.checkName(name);
    if (clean === rec.state.name) return [];
    return this.change(rec, clean, rec.state.members, 'update');
  }

  addMembers(id: string, ids: string[]): SendRequest[] {
    const rec = this.activeRec(id);
    const next = this.checkMembers([...rec.state.members, ...ids]);
    if (next.length === rec.state.members.length) return [];
    return this.change(rec, rec.state.name, next, 'update');
  }

  /** The whole new member list (we stay in: use leave to go), as one change. */
  setMembers(id: string, ids: string[]): SendRequest[] {
    const rec = this.activeRec(id);
    const next = this.checkMembers([...ids, this.self]);
    const same = next.length === rec.state.members.length && next.every((m, i) => m === rec.state.members[i]);
    if (same) return [];
    return this.change(rec, rec.state.name, next, 'update');
  }

  /** Removes members (not ourselves: use leave). */
  removeMembers(id: string, ids: string[]): SendRequest[] {
    const rec = this.activeRec(id);
    if (ids.includes(this.self)) throw new GroupError('to leave a group, use leave');
    const next = rec.state.members.filter((m) => !ids.includes(m));
    if (next.length === rec.state.members.length) return [];
    return this.change(rec, rec.state.name, next, 'update');
  }

  leave(id: string): SendRequest[] {
    const rec = this.activeRec(id);
    return this.change(rec, rec.state.name, rec.state.members.filter((m) => m !== this.self), 'leave');
  }

  /** A message to the group: one request per other member, all with the same uid. */
  send(id: string, text: string, opts: { uid?: string; code?: Code } = {}): { uid: string; sends: SendRequest[] } {
    const rec = this.activeRec(id);
    const uid = opts.uid !== undefined && isId(opts.uid) ? opts.uid : this.random64();
    rec.seen.add(seenKey(this.self, uid));
    this.trimSeen(rec);
    const meta = encodeGroupMeta({ type: 'message', id, epoch: rec.state.epoch }, opts.code);
    const sends = rec.state.members.filter((m) => m !== this.self).map((to) => {
      const r: SendRequest = { to, uid, meta, text };
      if (opts.code) r.code = opts.code;
      return r;
    });
    return { uid, sends };
  }

  private activeRec(id: string): Rec {
    const rec = this.recs.get(id);
    if (!rec) throw new GroupError('no such group');
    if (!rec.state.members.includes(this.self)) throw new GroupError('you are not a member of this group');
    return rec;
  }

  private checkName(name: string): string {
    const clean = cleanGroupName(typeof name === 'string' ? name : '');
    if (!clean) throw new GroupError('a group needs a name');
    return clean;
  }

  private checkMembers(ids: string[]): string[] {
    for (const m of ids) if (!isId(m)) throw new GroupError(`not a person id: ${String(m)}`);
    const all = [...new Set(ids)].sort();
    if (all.length > MAX_GROUP_MEMBERS) throw new GroupError(`a group has at most ${MAX_GROUP_MEMBERS} members`);
    return all;
  }

  private change(rec: Rec, name: string, members: string[], op: GroupOp): SendRequest[] {
    const prev = rec.state;
    const state: GroupState = { id: prev.id, name, members, epoch: { n: prev.epoch.n + 1, by: this.self } };
    this.install(rec, state);
    const sends = this.changeSends(prev, state, op);
    this.release(rec);
    return sends;
  }

  /** A change goes to the old and the new members: the removed learn they were removed. */
  private changeSends(prev: GroupState | undefined, state: GroupState, op: GroupOp): SendRequest[] {
    const to = new Set([...(prev?.members ?? []), ...state.members]);
    to.delete(this.self);
    const uid = this.random64();
    const meta = encodeGroupMeta({ type: op, state });
    const text = changeFallbackText(state, op);
    return [...to].sort().map((m) => ({ to: m, uid, meta, text }));
  }

  // ------------------------------------------------------------------ what members send

  /**
   * An item that arrived from `from` (an authenticated person id) over its pairwise session.
   * Returns undefined when it is not a group item (show it as a direct message); otherwise what to
   * show or update, possibly nothing (held, duplicate, or not acceptable). Never throws.
   */
  receive(from: string, item: IncomingItem): GroupEvent[] | undefined {
    if (typeof item?.meta !== 'string' || !hasGroupMeta(item.meta)) return undefined;
    const d = decodeGroupMeta(item.meta);
    if (!d || !isId(from) || from === this.self || typeof item.text !== 'string' || !isId(item.uid)) { this.stats.dropped++; return []; }
    const held: Held = { from, item, env: d.env };
    if (d.code) held.code = d.code;
    const id = d.env.type === 'message' ? d.env.id : d.env.state.id;
    const rec = this.recs.get(id);
    const events: GroupEvent[] = [];
    if (!rec) {
      if (d.env.type === 'message') { this.holdOrphan(id, held); return events; }
      this.invitation(held, d.env.state, d.env.type, events);
      return events;
    }
    // One sender's items keep their order: behind a held one, wait too.
    if (rec.held.some((h) => h.from === from)) { this.hold(rec, held); return events; }
    if (this.judge(rec, held, events) === 'hold') this.hold(rec, held);
    else this.release(rec, events);
    return events;
  }

  private invitation(h: Held, state: GroupState, op: GroupOp, events: GroupEvent[]): void {
    const byOk = state.epoch.by === h.from && (state.members.includes(h.from) || op === 'leave');
    if (!byOk || !state.members.includes(this.self)) { this.stats.dropped++; return; }
    const rec: Rec = { state, history: [state], seen: new Set(), held: [], version: 0 };
    this.recs.set(state.id, rec);
    events.push(this.changed(undefined, state, op));
    this.adoptOrphans(rec, events);
  }

  /** Applies or drops an item, or says it must wait. */
  private judge(rec: Rec, h: Held, events: GroupEvent[]): 'done' | 'hold' {
    const env = h.env;
    if (env.type === 'message') {
      const cur = rec.state;
      const exact = rec.history.find((s) => sameEpoch(s.epoch, env.epoch));
      let ok: boolean;
      if (exact) ok = exact.members.includes(h.from) && exact.members.includes(this.self);
      // Sent to us under a state we have not seen: its maker sent us that state too (a change goes
      // to the old and the new members), so it is on its way: wait for it. Older than all we
      // remember: judged by the current members.
      else if (compareEpoch(env.epoch, cur.epoch) > 0 || !forgotten(rec, env.epoch)) return 'hold';
      else ok = cur.members.includes(h.from) && cur.members.includes(this.self);
      if (!ok) { this.stats.dropped++; return 'done'; }
      const key = seenKey(h.from, h.item.uid);
      if (rec.seen.has(key)) { this.stats.duplicates++; return 'done'; }
      rec.seen.add(key);
      this.trimSeen(rec);
      const message: GroupMessage = { groupId: rec.state.id, from: h.from, uid: h.item.uid, text: h.item.text, sentAt: finite(h.item.sentAt), epoch: { ...env.epoch } };
      if (h.code) message.code = h.code;
      events.push({ kind: 'message', message });
      return 'done';
    }
    const state = env.state;
    if (state.epoch.by !== h.from) { this.stats.dropped++; return 'done'; }
    const active = rec.state.members.includes(this.self);
    // Out of the group we learn no states, so none is waited for: a member of the last state we
    // know may add us back (as anyone may invite us to a new group).
    const makerKnown = active
      ? rec.history.some((s) => s.epoch.n >= state.epoch.n - 1 && s.members.includes(h.from))
      : rec.state.members.includes(h.from) && state.members.includes(this.self);
    if (!makerKnown) {
      if (!active) { this.stats.dropped++; return 'done'; }
      if (state.epoch.n - 1 > rec.state.epoch.n) return 'hold';
      this.stats.dropped++;
      return 'done';
    }
    const cmp = compareEpoch(state.epoch, rec.state.epoch);
    if (cmp === 0) { this.stats.duplicates++; return 'done'; }
    if (cmp < 0) {
      // Lost a tie, or old: not current, but messages sent under it may still come.
      if (!rec.history.some((s) => sameEpoch(s.epoch, state.epoch))) this.remember(rec, state);
      return 'done';
    }
    const prev = rec.state;
    this.install(rec, state);
    events.push(this.changed(prev, state, env.type));
    return 'done';
  }

  private changed(prev: GroupState | undefined, state: GroupState, op: GroupOp): GroupEvent {
    const before = new Set(prev?.members ?? []);
    const after = new Set(state.members);
    return {
      kind: 'changed', group: this.viewOf(state), op, by: state.epoch.by,
      added: state.members.filter((m) => !before.has(m)), removed: [...before].filter((m) => !after.has(m)).sort(),
      renamed: prev !== undefined && prev.name !== state.name,
      wasMember: before.has(this.self), isMember: after.has(this.self),
    };
  }

  private viewOf(s: GroupState): GroupView {
    return { id: s.id, name: s.name, members: [...s.members], epoch: { ...s.epoch }, active: s.members.includes(this.self) };
  }

  private install(rec: Rec, state: GroupState): void {
    rec.state = state;
    this.remember(rec, state);
  }

  private remember(rec: Rec, state: GroupState): void {
    rec.version++;
    rec.history.push(state);
    rec.history.sort((a, b) => compareEpoch(a.epoch, b.epoch));
    while (rec.history.length > GROUP_HISTORY) rec.history.shift();
  }

  private hold(rec: Rec, h: Held): void {
    if (rec.held.length >= MAX_HELD_PER_GROUP) { this.stats.heldDropped++; return; }
    rec.held.push(h);
  }

  private holdOrphan(id: string, h: Held): void {
    let list = this.orphans.get(id);
    if (!list) {
      if (this.orphans.size >= MAX_ORPHAN_GROUPS) { this.stats.heldDropped++; return; }
      list = [];
      this.orphans.set(id, list);
    }
    if (list.length >= MAX_ORPHANS_PER_GROUP) { this.stats.heldDropped++; return; }
    list.push(h);
  }

  private adoptOrphans(rec: Rec, events: GroupEvent[] = []): void {
    const list = this.orphans.get(rec.state.id);
    if (!list) return;
    this.orphans.delete(rec.state.id);
    rec.held.push(...list);
    this.release(rec, events);
  }

  /** Runs held items again after a change, in arrival order, keeping each sender's order. */
  private release(rec: Rec, events: GroupEvent[] = []): void {
    for (let progress = true; progress && rec.held.length > 0;) {
      progress = false;
      const blocked = new Set<string>();
      const keep: Held[] = [];
      for (const h of rec.held) {
        if (blocked.has(h.from)) { keep.push(h); continue; }
        const before = rec.version;
        if (this.judge(rec, h, events) === 'hold') { blocked.add(h.from); keep.push(h); continue; }
        if (before !== rec.version) progress = true;
      }
      rec.held = keep;
    }
  }

  private trimSeen(rec: Rec): void {
    if (rec.seen.size <= GROUP_SEEN_MEMORY) return;
    const it = rec.seen.values();
    while (rec.seen.size > GROUP_SEEN_MEMORY) rec.seen.delete(it.next().value as string);
  }

  // ------------------------------------------------------------------ storage

  /** The book as stored (JSON): groups, what was shown lately, what waits. */
  serialize(): string {
    const groups = [...this.recs.values()].map((r) => ({
      id: r.state.id, name: r.state.name, members: r.state.members, epoch: r.state.epoch.n, by: r.state.epoch.by,
      history: r.history.filter((s) => s !== r.state).map((s) => ({ name: s.name, members: s.members, epoch: s.epoch.n, by: s.epoch.by })),
      seen: [...r.seen],
      held: r.held.map(storedHeld),
    }));
    const orphans = [...this.orphans.values()].flat().map(storedHeld);
    return JSON.stringify({ type: STORE_TYPE, version: 1, self: this.self, groups, orphans });
  }

  /**
   * Reads what serialize wrote. Never throws: damaged parts are left out (a damaged group is
   * dropped, not the book); anything not for `self` gives an empty book.
   */
  static deserialize(self: string, text: string, opts: GroupBookOptions = {}): GroupBook {
    const book = new GroupBook(self, opts);
    let d: unknown;
    try { d = JSON.parse(text); } catch { return book; }
    if (typeof d !== 'object' || d === null) return book;
    const o = d as Record<string, unknown>;
    if (o.type !== STORE_TYPE || o.version !== 1 || o.self !== self) return book;
    if (Array.isArray(o.groups)) {
      for (const g of o.groups.slice(0, 10_000)) {
        try { book.restoreGroup(g); } catch { /* a damaged group is left out */ }
      }
    }
    if (Array.isArray(o.orphans)) {
      for (const h of o.orphans.slice(0, MAX_ORPHAN_GROUPS * MAX_ORPHANS_PER_GROUP)) {
        const held = restoredHeld(h);
        if (!held) continue;
        const id = held.env.type === 'message' ? held.env.id : held.env.state.id;
        const rec = book.recs.get(id);
        if (rec) rec.held.push(held);
        else book.holdOrphan(id, held);
      }
    }
    return book;
  }

  private restoreGroup(g: unknown): void {
    if (typeof g !== 'object' || g === null) return;
    const r = g as Record<string, unknown>;
    const state = validState({ id: r.id, name: r.name, members: r.members, epoch: { n: r.epoch, by: r.by } });
    if (!state || this.recs.has(state.id)) return;
    const rec: Rec = { state, history: [state], seen: new Set(), held: [], version: 0 };
    if (Array.isArray(r.history)) {
      for (const x of r.history.slice(0, GROUP_HISTORY)) {
        const h = x as Record<string, unknown> | null;
        const s = h && validState({ id: state.id, name: h.name, members: h.members, epoch: { n: h.epoch, by: h.by } });
        if (s && compareEpoch(s.epoch, state.epoch) < 0 && !rec.history.some((k) => sameEpoch(k.epoch, s.epoch))) this.remember(rec, s);
      }
    }
    if (Array.isArray(r.seen)) {
      for (const k of r.seen.slice(-GROUP_SEEN_MEMORY)) if (typeof k === 'string' && /^[0-9a-f]{16}:[0-9a-f]{16}$/.test(k)) rec.seen.add(k);
    }
    if (Array.isArray(r.held)) {
      for (const x of r.held.slice(0, MAX_HELD_PER_GROUP)) {
        const h = restoredHeld(x);
        if (h && (h.env.type === 'message' ? h.env.id : h.env.state.id) === state.id) rec.held.push(h);
      }
    }
    this.recs.set(state.id, rec);
  }
}

/** An epoch older than every state we remember, once the history is full (we may have dropped it). */
function forgotten(rec: Rec, e: Epoch): boolean {
  return rec.history.length >= GROUP_HISTORY && compareEpoch(e, rec.history[0].epoch) < 0;
}

function seenKey(from: string, uid: string): string { return `${from}:${uid}`; }
function finite(n: unknown): number { return typeof n === 'number' && Number.isFinite(n) ? n : 0; }

function storedHeld(h: Held): unknown {
  return { from: h.from, uid: h.item.uid, meta: h.item.meta, text: h.item.text, sentAt: finite(h.item.sentAt) };
}

function restoredHeld(x: unknown): Held | undefined {
  if (typeof x !== 'object' || x === null) return undefined;
  const r = x as Record<string, unknown>;
  if (!isId(r.from) || !isId(r.uid) || typeof r.meta !== 'string' || typeof r.text !== 'string') return undefined;
  const d = decodeGroupMeta(r.meta);
  if (!d) return undefined;
  const h: Held = { from: r.from, item: { uid: r.uid, meta: r.meta, text: r.text, sentAt: finite(r.sentAt) }, env: d.env };
  if (d.code) h.code = d.code;
  return h;
}

// ---------------------------------------------------------------------- delivery per member

export type MemberDelivery = 'pending' | 'delivered' | 'failed';

/** A session's status of one member's copy, as the group shows it. */
export function memberDelivery(s: OutStatus | MemberDelivery): MemberDelivery {
  if (s === 'delivered') return 'delivered';
  if (s === 'failed') return 'failed';
  return 'pending';
}

export interface DeliverySummary {
  delivered: number;
  /** Recipients: the members (other than the sender) when it was sent. */
  total: number;
  /** "delivered to 3 of 4" (", 1 failed" when some failed). */
  label: string;
  /** Names, for the hover. */
  deliveredTo: string[];
  pending: string[];
  failed: string[];
  /** "Delivered: Ann, Bob\nWaiting: Cid\nFailed: Dan" (the lines that apply). */
  tooltip: string;
}

/** Per-member statuses → the group message's delivery line. A recipient with no status yet is pending. */
export function summarizeDelivery(recipients: ReadonlyArray<{ id: string; name: string }>, statuses: ReadonlyMap<string, OutStatus | MemberDelivery>): DeliverySummary {
  const deliveredTo: string[] = [];
  const pending: string[] = [];
  const failed: string[] = [];
  for (const r of recipients) {
    const s = statuses.get(r.id);
    const d = s === undefined ? 'pending' : memberDelivery(s);
    (d === 'delivered' ? deliveredTo : d === 'failed' ? failed : pending).push(r.name);
  }
  const total = recipients.length;
  let label = total === 0 ? 'no other members' : `delivered to ${deliveredTo.length} of ${total}`;
  if (failed.length > 0) label += `, ${failed.length} failed`;
  const lines: string[] = [];
  if (deliveredTo.length) lines.push(`Delivered: ${deliveredTo.join(', ')}`);
  if (pending.length) lines.push(`Waiting: ${pending.join(', ')}`);
  if (failed.length) lines.push(`Failed: ${failed.join(', ')}`);
  return { delivered: deliveredTo.length, total, label, deliveredTo, pending, failed, tooltip: lines.join('\n') };
}

/** Tracks the per-member statuses of our group messages (by group message uid). */
export class DeliveryTracker {
  private readonly byUid = new Map<string, Map<string, MemberDelivery>>();

  track(uid: string, recipients: Iterable<string>): void {
    const m = new Map<string, MemberDelivery>();
    for (const r of recipients) m.set(r, 'pending');
    this.byUid.set(uid, m);
  }

  /** A member's session reported a status for its copy. Unknown uid or member: ignored (false). */
  update(uid: string, member: string, status: OutStatus | MemberDelivery): boolean {
    const m = this.byUid.get(uid);
    if (!m || !m.has(member)) return false;
    // Delivered is final: a late 'sending' (a retry) does not undo it.
    if (m.get(member) === 'delivered') return true;
    m.set(member, memberDelivery(status));
    return true;
  }

  statuses(uid: string): ReadonlyMap<string, MemberDelivery> | undefined { return this.byUid.get(uid); }

  summary(uid: string, nameOf: (id: string) => string): DeliverySummary | undefined {
    const m = this.byUid.get(uid);
    if (!m) return undefined;
    return summarizeDelivery([...m.keys()].map((id) => ({ id, name: nameOf(id) })), m);
  }

  forget(uid: string): void { this.byUid.delete(uid); }
}
