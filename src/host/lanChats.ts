// The conversations beside the configured peer's: people found on the LAN, added by hand, or who
// reached us, and groups. Each has its own saved history (a journal per conversation), an unread
// count, and its header; the roster lists them all. What the chat service reports about these
// people and groups comes here (the configured peer's events go to peerEvents.ts).
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ChatService } from '../service/chatService';
import type { ChatServiceListener, GroupChange, GroupDelivery, GroupInfo, IncomingMessage, NoticeLevel, OutStatus, Person } from '../service/types';
import type { ChatEntry, CodeBlock, ConversationId, DeliveryStatus, HeaderInfo, HostToWebview, RosterItem } from '../shared/protocol';
import { SINGLE_CONVERSATION } from '../shared/protocol';
import { Conversation } from './conversation';
import { HistoryJournal } from './historyJournal';
import type { Notifications } from './notifications';
import { deliveryWords, sendFailureText } from './words';

export interface LanChatParts {
  log: vscode.LogOutputChannel;
  notifications: Notifications;
  post(msg: HostToWebview): void;
  /** The chat service while a session runs. */
  service(): ChatService | undefined;
  /** Folder for the conversations' journals (a local disk), or undefined: kept in memory. */
  storageDir?: string;
  /** What is remembered of each conversation between windows (names, kinds). */
  memo?: { get(): Record<string, ConversationMemo>; set(v: Record<string, ConversationMemo>): void };
  workspaceHas(path: string): boolean;
  /** The conversation the view shows. */
  active(): ConversationId;
  /** Show a conversation (the user picked it, or a notification's Open). */
  open(id: ConversationId): void;
  /** The roster changed (names, presence, unread, new people). */
  rosterChanged(): void;
  /** The shown conversation's header changed. */
  headerChanged(): void;
  /** The session fields of every header (state, local addresses, passphrase). */
  sessionHeader(): HeaderInfo;
}

/** What is remembered of a conversation: its name, and the folder of its journal when it is not named after the id. */
export interface ConversationMemo { name: string; dir?: string }

export const personConversation = (personId: string): ConversationId => `p:${personId}`;
export const groupConversation = (groupId: string): ConversationId => `g:${groupId}`;

/** What the user sees as a person's name. */
export function displayName(p: Person): string { return p.name || p.address; }

export class LanChats implements ChatServiceListener {
  private readonly conversations = new Map<ConversationId, Conversation>();
  private readonly unread = new Map<ConversationId, number>();
  /** People whose request was announced (one short notice each). */
  private readonly requestsSaid = new Set<string>();

  constructor(private readonly parts: LanChatParts) {}

  // ------------------------------------------------------------------ conversations

  /** The conversation's history (loaded on first use). */
  async conversation(id: ConversationId): Promise<Conversation> {
    let c = this.conversations.get(id);
    if (c) return c;
    const dir = this.parts.storageDir;
    const folder = this.parts.memo?.get()[id]?.dir ?? safeName(id);
    c = new Conversation(dir ? new HistoryJournal(path.join(dir, 'conversations', folder)) : undefined, undefined, (e) => this.parts.log.error(`History of ${id}: ${e instanceof Error ? e.message : String(e)}`));
    this.conversations.set(id, c);
    const problem = await c.load();
    if (problem) this.parts.log.warn(`History of ${id}: ${problem}`);
    return c;
  }

  /** The conversation if it is loaded (events arrive synchronously; loading is not). */
  private loaded(id: ConversationId): Conversation | undefined { return this.conversations.get(id); }

  /** Adds an entry to a conversation, loading it first if needed; shows it if it is the one shown. */
  private add(id: ConversationId, entry: Omit<ChatEntry, 'id'>, after?: (e: ChatEntry) => void): void {
    const put = (c: Conversation) => {
      const e = c.add({ ...entry, id: c.newId() });
      if (this.parts.active() === id) this.parts.post({ type: 'didAddEntries', conversation: id, entries: [e] });
      after?.(e);
    };
    const c = this.loaded(id);
    if (c) put(c);
    else void this.conversation(id).then(put);
  }

  private remember(id: ConversationId, name: string): void {
    const memo = this.parts.memo;
    if (!memo || !name) return;
    const all = { ...memo.get() };
    if (all[id]?.name === name) return;
    all[id] = { ...all[id], name };
    memo.set(all);
  }

  /** Entries and header of a conversation, for the view's snapshot. */
  async snapshot(id: ConversationId): Promise<{ header: HeaderInfo; entries: ChatEntry[] }> {
    const c = await this.conversation(id);
    this.unread.delete(id);
    this.parts.rosterChanged();
    return { header: this.header(id), entries: c.all() };
  }

  /** A loaded conversation's entries (empty until loaded: the view asks again when it opens it). */
  loadedEntries(id: ConversationId): ChatEntry[] { return this.conversations.get(id)?.all() ?? []; }

  header(id: ConversationId): HeaderInfo {
    const base = this.parts.sessionHeader();
    const s = this.parts.service();
    if (id.startsWith('g:')) {
      const g = s?.group(id.slice(2));
      const memo = this.parts.memo?.get()[id];
      return {
        ...base, conversation: id, kind: 'group', peer: '', peerName: g?.name ?? memo?.name ?? vscode.l10n.t('Group'),
        presence: 'unknown', plainPeer: false, encrypted: g !== undefined, fingerprint: '', verified: false, keyChanged: false,
        // Every member, you first: the header's count is the group's size, as in the list.
        members: g ? [vscode.l10n.t('you'), ...g.members.filter((m) => m.id !== s?.ownId).map((m) => m.name)] : [],
      };
    }
    const p = s?.person(id.slice(2));
    const memo = this.parts.memo?.get()[id];
    return {
      ...base, conversation: id, kind: 'person', peer: p?.address ?? '', peerName: p ? displayName(p) : memo?.name ?? id.slice(2),
      presence: p?.presence ?? 'unknown', plainPeer: p?.plain ?? false, encrypted: p?.encrypted ?? false, fingerprint: p?.safetyNumber ?? '',
      verified: p?.verified ?? false, keyChanged: p?.keyChangePending ?? false, request: p?.request ?? false,
    };
  }

  /** Everyone and every group to list, after the configured peer (which the caller puts first). */
  roster(): RosterItem[] {
    const s = this.parts.service();
    const items: RosterItem[] = [];
    const seen = new Set<string>();
    const people = s?.people() ?? [];
    const byId = new Map(people.map((p) => [p.id, p]));
    for (const p of people) {
      if (p.configured) continue;
      const id = personConversation(p.id);
      seen.add(id);
      items.push({
        id, kind: 'person', name: displayName(p), detail: p.request ? vscode.l10n.t('wants to chat') : p.address,
        presence: p.presence, unread: this.unread.get(id) ?? 0, encrypted: p.encrypted, plain: p.plain, request: p.request, configured: false,
      });
    }
    for (const g of s?.groups() ?? []) {
      const id = groupConversation(g.id);
      seen.add(id);
      const others = g.members.filter((m) => m.id !== s?.ownId);
      const online = others.some((m) => byId.get(m.id)?.presence === 'online');
      items.push({
        // A group we left or were removed from stays listed (its history), marked.
        id, kind: 'group', name: g.name, detail: g.active ? vscode.l10n.t('{count} members', { count: g.members.length }) : vscode.l10n.t('you are no longer a member'), presence: g.active && online ? 'online' : 'unknown',
        unread: this.unread.get(id) ?? 0, encrypted: true, plain: false, request: false, configured: false, members: others.map((m) => m.name),
      });
    }
    // Conversations remembered from earlier sessions (their people are not here now).
    for (const [id, m] of Object.entries(this.parts.memo?.get() ?? {})) {
      if (seen.has(id) || id === SINGLE_CONVERSATION || id.startsWith('g:')) continue;
      items.push({ id, kind: 'person', name: m.name, detail: vscode.l10n.t('not here now'), presence: 'unknown', unread: this.unread.get(id) ?? 0, encrypted: false, plain: false, request: false, configured: false });
    }
    items.sort((a, b) => (a.kind === b.kind ? a.name.localeCompare(b.name) : a.kind === 'person' ? -1 : 1));
    return items;
  }

  /** Marks a conversation read (the user opened it). */
  read(id: ConversationId): void {
    if (this.unread.delete(id)) this.parts.rosterChanged();
  }

  // ------------------------------------------------------------------ what the user does

  /** Sends what the user typed to a person or a group; never loses it (on failure it shows as not sent). */
  async send(id: ConversationId, text: string, code?: CodeBlock): Promise<void> {
    const c = await this.conversation(id);
    const entry = c.add({ id: c.newId(), kind: 'own', text, time: Date.now(), status: 'unsent', code });
    this.parts.post({ type: 'didAddEntries', conversation: id, entries: [entry] });
    const s = this.parts.service();
    if (!s?.running) {
      this.parts.notifications.show('warning', vscode.l10n.t('UDP Chat: the chat is not running. The message is kept as "not sent"; start UDP Chat and retry it.'));
      return;
    }
    const content = code ? { text, code: { language: code.language, path: code.path, startLine: code.startLine, endLine: code.endLine } } : { text };
    if (id.startsWith('g:')) {
      const r = s.sendGroup(id.slice(2), content, { id: entry.id });
      if (!r.ok) { this.notSent(r); return; }
      c.setUid(entry.id, r.uid);
      this.setDelivery(id, entry.id, r.delivery);
      return;
    }
    const r = s.send(id.slice(2), content, { id: entry.id });
    if (!r.ok) { this.notSent(r); return; }
    c.setUid(entry.id, r.uid);
    this.remember(id, displayName(s.person(id.slice(2))!));
  }

  private notSent(r: { code: string; message: string }): void {
    this.parts.notifications.show('error', vscode.l10n.t('UDP Chat: {reason} The message is kept as "not sent".', { reason: sendFailureText(r) }));
  }

  /** Retries one of our messages in a LAN conversation. */
  retry(id: ConversationId, entryId: string): void {
    const s = this.parts.service();
    const c = this.loaded(id);
    const e = c?.get(entryId);
    if (!s?.running || !c || !e || e.kind !== 'own') return;
    if (e.status === 'failed') {
      const n = id.startsWith('g:') ? s.retryGroup(id.slice(2), entryId) : s.retry(id.slice(2), entryId);
      if (n > 0) return;
    }
    this.parts.notifications.show('info', vscode.l10n.t('UDP Chat: this message is not known to the running session any more (it was written before a restart): write it again to resend it.'));
  }

  /** Our messages that did not get through before a restart or reload: they go again (same uid: shown once). */
  private async resendWaiting(id: ConversationId): Promise<void> {
    const s = this.parts.service();
    if (!s?.running) return;
    const c = await this.conversation(id);
    for (const e of c.all()) {
      if (e.kind !== 'own' || !isWaiting(e.status)) continue;
      const content = e.code ? { text: e.text, code: { language: e.code.language, path: e.code.path, startLine: e.code.startLine, endLine: e.code.endLine } } : { text: e.text };
      if (id.startsWith('g:')) {
        if (s.groupDelivery(e.id)) continue; // the running session has it
        const r = s.sendGroup(id.slice(2), content, { id: e.id, uid: e.uid });
        if (r.ok) { if (!e.uid) c.setUid(e.id, r.uid); this.setDelivery(id, e.id, r.delivery); }
      } else {
        const pid = id.slice(2);
        if (s.message(pid, e.id)) continue;
        const r = s.send(pid, content, { id: e.id, uid: e.uid });
        if (r.ok && !e.uid) c.setUid(e.id, r.uid);
      }
    }
  }

  /** A session started: what waits in the groups goes out (members not here get theirs when they come). */
  sessionStarted(): void {
    const s = this.parts.service();
    for (const g of s?.groups() ?? []) if (g.active) void this.resendWaiting(groupConversation(g.id));
  }

  // ------------------------------------------------------------------ what the service reports

  message(person: Person, m: IncomingMessage): void {
    if (person.configured) return; // peerEvents.ts shows the configured peer's
    const id = personConversation(person.id);
    this.remember(id, displayName(person));
    this.incoming(id, person.request ? vscode.l10n.t('{name} (request)', { name: displayName(person) }) : displayName(person), m);
    if (person.request && !this.requestsSaid.has(person.id)) this.request(person);
  }

  groupMessage(group: GroupInfo, from: { id: string; name: string }, m: IncomingMessage): void {
    const id = groupConversation(group.id);
    this.remember(id, group.name);
    this.incoming(id, from.name, m, group.name);
  }

  private incoming(id: ConversationId, from: string, m: IncomingMessage, groupName?: string): void {
    const code = m.code ? { ...m.code, code: m.text } : undefined;
    this.add(id, { kind: 'peer', text: m.text, time: Date.now(), uid: m.uid || undefined, from, code, canOpen: code ? this.parts.workspaceHas(code.path) : undefined }, (e) => {
      if (this.parts.active() !== id) {
        this.unread.set(id, (this.unread.get(id) ?? 0) + 1);
        this.parts.rosterChanged();
      }
      this.parts.notifications.incoming({ ...e, from: groupName ? vscode.l10n.t('{name} in {group}', { name: from, group: groupName }) : from }, () => this.parts.open(id));
    });
  }

  status(personId: string, msgId: string, status: OutStatus): void {
    if (personId === this.parts.service()?.peerId) return; // peerEvents.ts shows the configured peer's
    const id = personConversation(personId);
    const c = this.loaded(id);
    if (c?.setStatus(msgId, status as DeliveryStatus)) this.parts.post({ type: 'didChangeStatus', conversation: id, id: msgId, status: status as DeliveryStatus });
  }

  groupStatus(groupId: string, msgId: string, d: GroupDelivery): void {
    this.setDelivery(groupConversation(groupId), msgId, d);
  }

  private setDelivery(id: ConversationId, msgId: string, d: GroupDelivery): void {
    const c = this.loaded(id);
    if (!c) return;
    // The message's status says the worst case: failed if a copy failed, delivered when all were.
    const failed = d.perMember.some((m) => m.status === 'failed');
    const status: DeliveryStatus = d.total > 0 && d.delivered === d.total ? 'delivered' : failed ? 'failed' : 'sending';
    const delivery = deliveryWords(d);
    c.setDelivery(msgId, status, delivery);
    this.parts.post({ type: 'didChangeStatus', conversation: id, id: msgId, status, delivery });
  }

  personChanged(person: Person, previousId?: string): void {
    if (person.configured) return;
    if (previousId !== undefined) {
      // They took their key's id: the conversation (and its unread count) goes with them.
      const from = personConversation(previousId);
      const to = personConversation(person.id);
      const c = this.conversations.get(from);
      if (c && !this.conversations.has(to)) {
        this.conversations.delete(from);
        this.conversations.set(to, c);
        // Its journal stays where it is: remembered under the new id, so a reload finds it.
        const memo = this.parts.memo;
        if (memo) {
          const all = { ...memo.get() };
          all[to] = { name: displayName(person), dir: all[from]?.dir ?? safeName(from) };
          delete all[from];
          memo.set(all);
        }
      }
      const n = this.unread.get(from);
      if (n) { this.unread.delete(from); this.unread.set(to, n); }
      if (this.parts.active() === from) this.parts.open(to);
    }
    this.parts.rosterChanged();
    if (this.parts.active() === personConversation(person.id)) this.parts.headerChanged();
  }

  discovered(): void { this.parts.rosterChanged(); }
  lost(): void { this.parts.rosterChanged(); }

  request(person: Person): void {
    if (person.configured || this.requestsSaid.has(person.id)) return;
    this.requestsSaid.add(person.id);
    const who = displayName(person);
    const id = personConversation(person.id);
    this.add(id, { kind: 'notice', level: 'info', text: vscode.l10n.t('{name} is not in your known people and wants to chat. Accept to answer, or Block: nothing of theirs will show again.', { name: who }), time: Date.now() });
    const accept = vscode.l10n.t('Accept');
    const block = vscode.l10n.t('Block');
    this.parts.notifications.show('info', vscode.l10n.t('UDP Chat: {name} wants to chat.', { name: who }), [vscode.l10n.t('Open'), accept, block], async (pick) => {
      if (pick === accept) this.acceptRequest(id);
      else if (pick === block) this.block(id);
      else this.parts.open(id);
    });
    this.parts.rosterChanged();
  }

  acceptRequest(id: ConversationId): boolean {
    const ok = this.parts.service()?.acceptRequest(id.slice(2)) ?? false;
    if (ok) this.add(id, { kind: 'notice', level: 'info', text: vscode.l10n.t('Accepted: you can write to each other now.'), time: Date.now() });
    this.parts.rosterChanged();
    this.parts.headerChanged();
    return ok;
  }

  block(id: ConversationId): boolean {
    const s = this.parts.service();
    const person = s?.person(id.slice(2));
    const ok = s?.block(id.slice(2)) ?? false;
    if (ok) {
      this.add(id, { kind: 'notice', level: 'info', text: person ? vscode.l10n.t('Blocked {name}. Nothing of theirs reaches you any more.', { name: displayName(person) }) : vscode.l10n.t('Blocked this person. Nothing of theirs reaches you any more.'), time: Date.now() });
      this.parts.notifications.show('info', vscode.l10n.t('UDP Chat: blocked {name}. Nothing of theirs reaches you any more.', { name: person ? displayName(person) : id.slice(2) }));
    }
    this.parts.rosterChanged();
    return ok;
  }

  groupChanged(group: GroupInfo, change: GroupChange): void {
    const id = groupConversation(group.id);
    this.remember(id, group.name);
    const s = this.parts.service();
    const you = vscode.l10n.t('you');
    const name = (pid: string) => (pid === s?.ownId ? you : group.members.find((m) => m.id === pid)?.name ?? s?.person(pid)?.name ?? pid.slice(0, 8));
    const by = name(change.by);
    const parts: string[] = [];
    if (change.op === 'create') {
      const members = group.members.filter((m) => m.id !== change.by).map((m) => m.name).join(', ');
      parts.push(by === you
        ? vscode.l10n.t('You created the group {group} with {members}', { group: group.name, members })
        : vscode.l10n.t('{who} created the group {group} with {members}', { who: by, group: group.name, members }));
    } else {
      if (change.added.length) parts.push(vscode.l10n.t('{who} added {names}', { who: by, names: change.added.map(name).join(', ') }));
      if (change.removed.length) parts.push(change.op === 'leave' ? vscode.l10n.t('{who} left', { who: by }) : vscode.l10n.t('{who} removed {names}', { who: by, names: change.removed.map(name).join(', ') }));
      if (change.renamed) parts.push(vscode.l10n.t('{who} renamed the group to {group}', { who: by, group: group.name }));
    }
    if (change.wasMember && !change.isMember && change.op !== 'leave') parts.push(vscode.l10n.t('you no longer receive its messages'));
    if (parts.length) this.add(id, { kind: 'notice', level: 'info', text: vscode.l10n.t('{0}.', parts.join('; ')), time: Date.now() });
    this.parts.rosterChanged();
    if (this.parts.active() === id) this.parts.headerChanged();
  }

  keyChanged(person: Person, c: { newFingerprint: string; oldFingerprint: string }): void {
    if (person.configured) return;
    const id = personConversation(person.id);
    const text = vscode.l10n.t('Warning: {who} answered with a different identity key (new {new}, known {old}). Nothing goes to the new key, and nothing from it is shown, until you accept it ("Accept the Peer\'s New Key" with this conversation open); ask them another way first.', { who: displayName(person), new: c.newFingerprint, old: c.oldFingerprint });
    this.parts.log.warn(text);
    this.add(id, { kind: 'notice', level: 'error', text, time: Date.now() });
    this.parts.notifications.show('warning', vscode.l10n.t('UDP Chat: {0}', text), [vscode.l10n.t('Open')], () => this.parts.open(id));
    this.presence(person);
  }

  presence(person: Person, presence?: string): void {
    if (person.configured) return;
    if (presence === 'online') void this.resendWaiting(personConversation(person.id));
    this.parts.rosterChanged();
    if (this.parts.active() === personConversation(person.id)) this.parts.headerChanged();
  }

  secured(person: Person, safety: string, info: { verified: boolean; firstContact: boolean }): void {
    if (person.configured) return;
    this.add(personConversation(person.id), {
      kind: 'notice', level: 'info', time: Date.now(),
      text: info.verified
        ? vscode.l10n.t('Encrypted and authenticated: {who} is verified (safety number {number}).', { who: displayName(person), number: safety })
        : vscode.l10n.t("Encrypted and authenticated with {who}'s key. Safety number: {number} — compare it with them to be sure nobody is between you.", { who: displayName(person), number: safety }),
    });
    this.presence(person);
  }

  notice(level: NoticeLevel, text: string, person?: Person): void {
    if (!person || person.configured) return;
    this.parts.log.appendLine(`[${level}] ${displayName(person)}: ${text}`);
    this.add(personConversation(person.id), { kind: 'notice', level, text, time: Date.now() });
  }

  /** Clear History: every LAN conversation's history goes (the configured peer's is the controller's). */
  async clearAll(): Promise<void> {
    const ids = new Set([...this.conversations.keys(), ...Object.keys(this.parts.memo?.get() ?? {})]);
    for (const id of ids) {
      if (id === SINGLE_CONVERSATION) continue;
      (await this.conversation(id)).clear();
    }
    this.unread.clear();
    this.parts.rosterChanged();
    if (this.parts.active() !== SINGLE_CONVERSATION) this.parts.post({ type: 'didClear' });
  }

  /** A notice in a conversation (the user verified a key there, ...). */
  note(id: ConversationId, level: NoticeLevel, text: string): void {
    this.add(id, { kind: 'notice', level, text, time: Date.now() });
  }

  /** Flushes every conversation's history (the window closes). */
  flushSync(): void { for (const c of this.conversations.values()) c.flushSync(); }
  async flush(): Promise<void> { await Promise.all([...this.conversations.values()].map((c) => c.flush())); }
}

/** Own messages that still have to get through. */
function isWaiting(status: DeliveryStatus | undefined): boolean {
  return status === 'queued' || status === 'sending' || status === 'unsent' || status === 'textSent';
}

/** A conversation id as a folder name (ids are hex, or addr:host:port). */
function safeName(id: ConversationId): string {
  return id.replace(/[^0-9A-Za-z.-]/g, '_').slice(0, 120);
}
