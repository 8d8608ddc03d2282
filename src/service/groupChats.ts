// Group chats in the service: the group book (core/groups.ts) fed with what members send over
// their pairwise sessions, our group messages fanned out as one copy per member (same uid), and
// per-member delivery ("delivered to 3 of 4"). A member with no conversation yet (not found on the
// LAN this run) gets their copy when one starts. No `vscode` here.
import type { GroupEvent, GroupView, SendRequest } from '../core/groups';
import { DeliveryTracker, GroupBook, GroupError } from '../core/groups';
import type { IncomingMessage, OutgoingContent, OutStatus } from '../core/session';
import type { GroupChange, GroupDelivery, GroupInfo, GroupSendResult, GroupStorage, SendResult } from './types';

export { GroupError } from '../core/groups';

export interface GroupHooks {
  /** Hands one copy to a member's conversation (its id and uid given); ENOPERSON when they have none. */
  submit(to: string, content: OutgoingContent, opts: { id: string; uid: string }): SendResult;
  nameOf(id: string): string;
  changed(group: GroupInfo, change: GroupChange): void;
  message(group: GroupInfo, from: { id: string; name: string }, m: IncomingMessage): void;
  status(groupId: string, id: string, delivery: GroupDelivery): void;
  /** The groups could not be saved (they stay in memory; the next change tries again). */
  saveFailed(err: Error): void;
  /** Resends a member's failed copy (its conversation's retry); how many went again. */
  retry(to: string, id: string): number;
}

/** A change copy that failed is resent this many times (a member who missed a change would hold later items). */
const CHANGE_RETRIES = 5;

/** Our message ids of group copies start with this (the conversations' own ids are m1, m2, ...). */
const GROUP_ID = 'g';
/** Ids of the copies of a group change (create, members, name, leave). */
const CHANGE_ID = 'gc';

export class GroupChats {
  readonly book: GroupBook;
  private readonly tracker = new DeliveryTracker();
  /** Our group message id → its group and uid. */
  private readonly ours = new Map<string, { groupId: string; uid: string }>();
  /** Copies waiting for a member's conversation to start, per member, in order. */
  private readonly waiting = new Map<string, Array<{ req: SendRequest; id: string }>>();
  private next = 0;
  private readonly changeRetries = new Map<string, number>();
  /** Ids of the copies of our group changes (their statuses are no one's messages). */
  private readonly changeIds = new Set<string>();

  constructor(self: string, private readonly storage: GroupStorage | undefined, private readonly hooks: GroupHooks) {
    const saved = storage?.load();
    this.book = saved ? GroupBook.deserialize(self, saved) : new GroupBook(self);
  }

  groups(): GroupInfo[] { return this.book.groups().map((g) => this.info(g)); }
  group(id: string): GroupInfo | undefined { const g = this.book.group(id); return g && this.info(g); }

  /** Groups by name (case-insensitive) or id. */
  find(nameOrId: string): GroupInfo[] {
    const q = nameOrId.trim().toLowerCase();
    const byId = this.book.group(q);
    if (byId) return [this.info(byId)];
    return this.groups().filter((g) => g.name.toLowerCase() === q);
  }

  create(name: string, members: string[]): GroupInfo {
    const { group, sends } = this.book.create(name, members);
    this.fanOut(sends);
    this.save();
    const info = this.info(group);
    this.hooks.changed(info, { op: 'create', by: this.book.self, added: group.members.filter((m) => m !== this.book.self), removed: [], renamed: false, wasMember: false, isMember: true });
    return info;
  }

  /** The new member list (we stay in; leave() to go). */
  setMembers(groupId: string, members: string[]): GroupInfo {
    const before = this.book.group(groupId);
    if (!before) throw new GroupError('no such group');
    const wanted = new Set([...members, this.book.self]);
    const add = [...wanted].filter((m) => !before.members.includes(m));
    const remove = before.members.filter((m) => !wanted.has(m));
    if (add.length || remove.length) this.fanOut(this.book.setMembers(groupId, [...wanted]));
    this.save();
    const info = this.info(this.book.group(groupId)!);
    if (add.length || remove.length) this.hooks.changed(info, { op: 'update', by: this.book.self, added: add, removed: remove, renamed: false, wasMember: true, isMember: true });
    return info;
  }

  rename(groupId: string, name: string): GroupInfo {
    this.fanOut(this.book.rename(groupId, name));
    this.save();
    const info = this.info(this.book.group(groupId)!);
    this.hooks.changed(info, { op: 'update', by: this.book.self, added: [], removed: [], renamed: true, wasMember: true, isMember: true });
    return info;
  }

  leave(groupId: string): GroupInfo {
    this.fanOut(this.book.leave(groupId));
    this.save();
    const info = this.info(this.book.group(groupId)!);
    this.hooks.changed(info, { op: 'leave', by: this.book.self, added: [], removed: [this.book.self], renamed: false, wasMember: true, isMember: false });
    return info;
  }

  send(groupId: string, content: OutgoingContent, opts: { id?: string; uid?: string } = {}): GroupSendResult {
    const g = this.book.group(groupId);
    if (!g) return { ok: false, code: 'ENOGROUP', message: 'No such group.' };
    if (!g.active) return { ok: false, code: 'ENOGROUP', message: `You are not a member of ${g.name} any more.` };
    let r: { uid: string; sends: SendRequest[] };
    try {
      r = this.book.send(groupId, content.text, { uid: opts.uid, code: content.code });
    } catch (e) {
      return { ok: false, code: e instanceof RangeError ? 'EMSGSIZE' : 'ENOGROUP', message: (e as Error).message };
    }
    const id = opts.id ?? `${GROUP_ID}${++this.next}`;
    this.ours.set(id, { groupId, uid: r.uid });
    this.tracker.track(r.uid, r.sends.map((s) => s.to));
    this.fanOut(r.sends, id);
    return { ok: true, id, uid: r.uid, delivery: this.delivery(r.uid)! };
  }

  /** A member's copy of one of ours changed status; true when `id` is a group message of ours. */
  onStatus(member: string, id: string, status: OutStatus): boolean {
    const o = this.ours.get(id);
    if (this.changeIds.has(id)) {
      // A change must reach every member (a later item waits for it): failed copies go again.
      const k = `${member} ${id}`;
      if (status === 'failed' && (this.changeRetries.get(k) ?? 0) < CHANGE_RETRIES) {
        this.changeRetries.set(k, (this.changeRetries.get(k) ?? 0) + 1);
        queueMicrotask(() => this.hooks.retry(member, id));
      } else if (status === 'delivered') this.changeRetries.delete(k);
      return true;
    }
    if (!o) return false;
    if (this.tracker.update(o.uid, member, status)) this.hooks.status(o.groupId, id, this.delivery(o.uid)!);
    return true;
  }

  /** Something arrived from a person: true when it was a group item (handled here, never a direct message). */
  receive(from: string, m: IncomingMessage): boolean {
    if (m.plain || m.meta === undefined) return false;
    const events = this.book.receive(from, { uid: m.uid, meta: m.meta, text: m.text, sentAt: m.sentAt });
    if (events === undefined) return false;
    for (const e of events) this.report(e);
    if (events.length) this.save();
    return true;
  }

  /** A member's conversation started (or came online): copies waiting for it go now. */
  flush(member: string): void {
    const list = this.waiting.get(member);
    if (!list) return;
    this.waiting.delete(member);
    for (const w of list) this.submit(w.req, w.id);
  }

  /** Members whose copy of one of our group messages failed. */
  failedMembers(id: string): string[] {
    return this.deliveryOf(id)?.perMember.filter((m) => m.status === 'failed').map((m) => m.id) ?? [];
  }

  /** Delivery of one of our group messages now. */
  deliveryOf(id: string): GroupDelivery | undefined {
    const o = this.ours.get(id);
    return o && this.delivery(o.uid);
  }

  private report(e: GroupEvent): void {
    if (e.kind === 'message') {
      const g = this.group(e.message.groupId);
      if (!g) return;
      const m: IncomingMessage = { text: e.message.text, sentAt: e.message.sentAt, plain: false, uid: e.message.uid };
      if (e.message.code) m.code = e.message.code;
      this.hooks.message(g, { id: e.message.from, name: this.hooks.nameOf(e.message.from) }, m);
      return;
    }
    this.hooks.changed(this.info(e.group), { op: e.op, by: e.by, added: e.added, removed: e.removed, renamed: e.renamed, wasMember: e.wasMember, isMember: e.isMember });
  }

  private fanOut(sends: SendRequest[], id?: string): void {
    const changeId = id ?? `${CHANGE_ID}${++this.next}`;
    if (id === undefined) this.changeIds.add(changeId);
    for (const s of sends) this.submit(s, changeId);
  }

  private submit(req: SendRequest, id: string): void {
    const content: OutgoingContent = { text: req.text, meta: req.meta };
    if (req.code) content.code = req.code;
    const r = this.hooks.submit(req.to, content, { id, uid: req.uid });
    if (r.ok) return;
    if (r.code === 'EMSGSIZE') { this.onStatus(req.to, id, 'failed'); return; }
    // No conversation with them now: theirs goes when one starts.
    const list = this.waiting.get(req.to) ?? [];
    list.push({ req, id });
    this.waiting.set(req.to, list);
  }

  private delivery(uid: string): GroupDelivery | undefined {
    const s = this.tracker.summary(uid, (id) => this.hooks.nameOf(id));
    const statuses = this.tracker.statuses(uid);
    if (!s || !statuses) return undefined;
    return {
      label: s.label, tooltip: s.tooltip, delivered: s.delivered, total: s.total,
      perMember: [...statuses].map(([id, status]) => ({ id, name: this.hooks.nameOf(id), status })),
    };
  }

  private info(g: GroupView): GroupInfo {
    return { id: g.id, name: g.name, members: g.members.map((id) => ({ id, name: id === this.book.self ? 'you' : this.hooks.nameOf(id) })), active: g.active };
  }

  private save(): void {
    try { this.storage?.save(this.book.serialize()); } catch (e) { this.hooks.saveFailed(e as Error); }
  }
}
