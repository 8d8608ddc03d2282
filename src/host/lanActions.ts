// The palette's and the list's actions on people and groups: Add Peer…, New Group…, Edit Group…
// (members, name), Leave Group, Block…, Unblock…. Each asks what it needs (input box, quick pick;
// tests pass the answers), does it through the chat service, and opens the conversation it made.
import * as vscode from 'vscode';
import { parsePeerAddress } from '../core/address';
import type { TrustStore } from '../core/trust';
import type { ChatService } from '../service/chatService';
import type { ConversationId } from '../shared/protocol';
import { SINGLE_CONVERSATION } from '../shared/protocol';
import type { LanChats } from './lanChats';
import { displayName as personName, groupConversation, personConversation } from './lanChats';
import type { Show } from './notifications';

export interface LanActionParts {
  show: Show;
  lan: LanChats;
  running(): boolean;
  /** The chat service (while running). */
  chat(): ChatService;
  start(): Promise<boolean>;
  open(id: ConversationId): Promise<void>;
  /** The conversation shown. */
  shown(): ConversationId;
  trust(): TrustStore | undefined;
}

export class LanActions {
  constructor(private readonly d: LanActionParts) {}

  /** UDP Chat: Add Peer… — a conversation with an address (a person not found on the LAN, or a plain-text program). */
  async addPeer(given?: string): Promise<string | undefined> {
    const text = given ?? await vscode.window.showInputBox({
      title: vscode.l10n.t('UDP Chat: Add Peer'), prompt: vscode.l10n.t('Address of the person to chat with (host:port, [IPv6]:port or a hostname)'), placeHolder: '192.0.2.7:50505',
      validateInput: (v) => { const r = parsePeerAddress(v.trim()); return r.ok ? undefined : r.error; },
    });
    if (!text) return undefined;
    const parsed = parsePeerAddress(text.trim());
    if (!parsed.ok) { this.d.show('error', vscode.l10n.t('UDP Chat: "{address}" is not an address: {reason}', { address: text, reason: parsed.error })); return undefined; }
    if (!this.d.running() && !(await this.d.start())) return undefined;
    try {
      const person = await this.d.chat().addPeer(parsed.value);
      const id = person.configured ? SINGLE_CONVERSATION : personConversation(person.id);
      await this.d.open(id);
      return id;
    } catch (e) {
      this.d.show('error', vscode.l10n.t('UDP Chat: cannot add {address}: {reason}', { address: text, reason: e instanceof Error ? e.message : String(e) }));
      return undefined;
    }
  }

  /** UDP Chat: New Group… — members picked from the people with keys, then a name. Tests pass both. */
  async newGroup(given?: { name: string; members: string[] }): Promise<string | undefined> {
    if (!this.d.running()) { this.d.show('warning', vscode.l10n.t('UDP Chat: start the chat first: groups are made of the people it finds.')); return undefined; }
    const chat = this.d.chat();
    let members = given?.members;
    if (!members) {
      const people = chat.people().filter((p) => /^[0-9a-f]{16}$/.test(p.id) && !p.request);
      if (people.length === 0) { this.d.show('info', vscode.l10n.t('UDP Chat: nobody to make a group with yet. People appear in the list when they are found on the LAN or added by address (they need UDP Chat: plain-text programs cannot take part in groups).')); return undefined; }
      const picks = await vscode.window.showQuickPick(people.map((p) => ({ label: personName(p), description: p.address, detail: presenceWords(p.presence), id: p.id })), { canPickMany: true, title: vscode.l10n.t('UDP Chat: New Group — members') });
      if (!picks || picks.length === 0) return undefined;
      members = picks.map((x) => x.id);
    }
    const name = given?.name ?? await vscode.window.showInputBox({ title: vscode.l10n.t('UDP Chat: New Group — name'), prompt: vscode.l10n.t('Name of the group'), validateInput: (v) => (v.trim() ? undefined : vscode.l10n.t('A group needs a name.')) });
    if (!name) return undefined;
    try {
      const g = chat.createGroup(name.trim(), members);
      const id = groupConversation(g.id);
      await this.d.open(id);
      return id;
    } catch (e) {
      this.d.show('error', vscode.l10n.t('UDP Chat: cannot create the group: {reason}', { reason: e instanceof Error ? e.message : String(e) }));
      return undefined;
    }
  }

  async editGroup(conv: ConversationId): Promise<void> {
    const chat = this.d.running() ? this.d.chat() : undefined;
    const g = chat?.group(conv.slice(2));
    if (!chat || !g) { this.d.show('warning', vscode.l10n.t('UDP Chat: start the chat to change the group.')); return; }
    const what = await vscode.window.showQuickPick([
      { label: vscode.l10n.t('Members…'), detail: g.members.map((m) => m.name).join(', '), id: 'members' },
      { label: vscode.l10n.t('Rename…'), detail: g.name, id: 'rename' },
    ], { title: vscode.l10n.t('UDP Chat: {0}', g.name) });
    if (!what) return;
    try {
      if (what.id === 'rename') {
        const name = await vscode.window.showInputBox({ title: vscode.l10n.t('UDP Chat: rename {name}', { name: g.name }), value: g.name, validateInput: (v) => (v.trim() ? undefined : vscode.l10n.t('A group needs a name.')) });
        if (name && name.trim() !== g.name) chat.renameGroup(g.id, name.trim());
        return;
      }
      const inGroup = new Set(g.members.map((m) => m.id));
      const people = chat.people().filter((p) => /^[0-9a-f]{16}$/.test(p.id) && !p.request);
      const items = people.map((p) => ({ label: personName(p), description: p.address, id: p.id, picked: inGroup.has(p.id) }));
      // Members not here now stay pickable.
      for (const m of g.members) if (m.id !== chat.ownId && !people.some((p) => p.id === m.id)) items.push({ label: m.name, description: vscode.l10n.t('not here now'), id: m.id, picked: true });
      const picks = await vscode.window.showQuickPick(items, { canPickMany: true, title: vscode.l10n.t('UDP Chat: members of {name}', { name: g.name }) });
      if (!picks) return;
      chat.setGroupMembers(g.id, picks.map((x) => x.id));
    } catch (e) {
      this.d.show('error', vscode.l10n.t('UDP Chat: cannot change the group: {reason}', { reason: e instanceof Error ? e.message : String(e) }));
    }
  }

  /** UDP Chat: Block… — the person of the conversation shown (or one picked); remembered. */
  async blockCommand(given?: string): Promise<void> {
    const chat = this.d.running() ? this.d.chat() : undefined;
    if (!chat) { this.d.show('info', vscode.l10n.t('UDP Chat: start the chat first.')); return; }
    let id = given;
    if (!id) {
      const shown = this.d.shown();
      const people = chat.people();
      const pick = await vscode.window.showQuickPick(people.map((p) => ({ label: personName(p), description: p.address, id: p.id, picked: shown === personConversation(p.id) })), { title: vscode.l10n.t('UDP Chat: block whom? Nothing of theirs will reach you.') });
      id = pick?.id;
    }
    if (!id) return;
    const conv = chat.person(id)?.configured ? SINGLE_CONVERSATION : personConversation(id);
    if (conv === SINGLE_CONVERSATION) {
      if (chat.block(id)) this.d.show('info', vscode.l10n.t('UDP Chat: blocked your configured peer. Nothing of theirs reaches you any more; set another peer address, or unblock them with "UDP Chat: Unblock…".'));
      return;
    }
    await this.blockPerson(conv);
  }

  /** UDP Chat: Unblock… — lets a blocked person (or address) reach you again. */
  async unblockCommand(given?: string): Promise<void> {
    const trust = this.d.trust();
    const blocked = trust?.blocked ?? [];
    if (blocked.length === 0) { this.d.show('info', vscode.l10n.t('UDP Chat: nobody is blocked.')); return; }
    const nameOf = (id: string) => trust?.people.find((k) => k.id === id)?.name || (id.startsWith('addr:') ? id.slice(5) : id);
    const id = given ?? (await vscode.window.showQuickPick(blocked.map((b) => ({ label: nameOf(b), description: b, id: b })), { title: vscode.l10n.t('UDP Chat: unblock whom?') }))?.id;
    if (!id || !trust?.unblock(id)) return;
    this.d.show('info', vscode.l10n.t('UDP Chat: {name} can reach you again.', { name: nameOf(id) }));
  }

  async leaveGroup(conv: ConversationId): Promise<void> {
    const chat = this.d.running() ? this.d.chat() : undefined;
    const g = chat?.group(conv.slice(2));
    if (!chat || !g) return;
    try {
      chat.leaveGroup(g.id);
      await this.d.open(SINGLE_CONVERSATION);
    } catch (e) {
      this.d.show('error', vscode.l10n.t('UDP Chat: cannot leave the group: {reason}', { reason: e instanceof Error ? e.message : String(e) }));
    }
  }

  async blockPerson(conv: ConversationId): Promise<void> {
    if (!this.d.lan.block(conv)) return;
    if (this.d.shown() === conv) await this.d.open(SINGLE_CONVERSATION);
  }
}

/** A person's presence in a quick pick's words. */
function presenceWords(presence: string): string {
  return presence === 'online' ? vscode.l10n.t('online') : presence === 'offline' ? vscode.l10n.t('offline') : vscode.l10n.t('not heard from yet');
}
