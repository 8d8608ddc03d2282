// What the chat service reports, turned into what the user sees: the peer's messages become
// entries (and notifications while the view is hidden), delivery changes update our messages, and
// presence, plain text, security and network trouble become notices; any change in the person's
// view (src/service: presence, name, keys) updates the header.
import * as vscode from 'vscode';
import { formatAddress } from '../core/address';
import type { ChatServiceListener, IncomingMessage, NoticeLevel, OutStatus, Person, Presence } from '../service/types';
import type { Conversation } from './conversation';
import type { Notifications } from './notifications';
import { configuredPeerText } from './settings';
import type { ViewBridge } from './viewBridge';

export interface PeerEventParts {
  log: vscode.LogOutputChannel;
  conversation: Conversation;
  notifications: Notifications;
  bridge: ViewBridge;
  /** Whether a code block's path is in this workspace (see CodeLinks). */
  workspaceHas(path: string): boolean;
  /** The header changed: the view and the status bar show it. */
  headerChanged(): void;
  /** The peer the running session talks to, "host:port". */
  peerInUse(): string;
  setPeer(given: string): Promise<unknown>;
  acceptKey(): Promise<unknown>;
  verify(): Promise<unknown>;
}

export class PeerEvents implements ChatServiceListener {
  private lastSocketNotice = 0;
  /** Messages the session refused as too large: they show as "not sent", not as failed. */
  private readonly refused = new Set<string>();

  constructor(private readonly parts: PeerEventParts) {}

  private say(level: NoticeLevel, text: string): void { this.parts.bridge.notice(level, text); }
  private who(p: Person): string { return p.name || configuredPeerText(); }

  message(person: Person, m: IncomingMessage): void {
    const { conversation, bridge, notifications } = this.parts;
    const code = m.code ? { ...m.code, code: m.text } : undefined;
    const entry = conversation.add({
      id: conversation.newId(), kind: 'peer', text: m.text, time: Date.now(), uid: m.uid || undefined,
      from: this.who(person), code, canOpen: code ? this.parts.workspaceHas(code.path) : undefined,
    });
    bridge.added(entry);
    notifications.incoming(entry);
  }

  status(_personId: string, id: string, status: OutStatus): void {
    if (status === 'failed' && this.refused.delete(id)) return;
    this.parts.bridge.setStatus(id, status);
  }

  sendError(_personId: string, id: string, _code: 'EMSGSIZE', message: string): void {
    this.refused.add(id);
    this.parts.bridge.setStatus(id, 'unsent');
    this.parts.notifications.show('error', vscode.l10n.t('UDP Chat: {reason} The message is kept as "not sent".', { reason: message }));
  }

  personChanged(): void { this.parts.headerChanged(); }

  presence(person: Person, p: Presence, d: { name: string; plain: boolean; reason: string }): void {
    const who = this.who(person);
    if (p === 'online') this.say('info', d.plain ? vscode.l10n.t('{who} is online (plain text: delivery cannot be confirmed).', { who }) : vscode.l10n.t('{who} is online.', { who }));
    else if (p === 'offline') {
      this.say('warning', d.reason
        ? vscode.l10n.t('{who} went offline ({reason}). New messages are queued until they come back.', { who, reason: d.reason })
        : vscode.l10n.t('{who} went offline. New messages are queued until they come back.', { who }));
    }
  }

  notice(level: NoticeLevel, text: string): void {
    this.parts.log.appendLine(`[${level}] ${text}`);
    this.say(level, text);
  }

  diagnostic(text: string): void { this.parts.log.appendLine(`[unauthenticated] ${text}`); }

  peerElsewhere(_person: Person, from: { address: string; port: number }): void {
    const there = formatAddress(from.address, from.port);
    const text = vscode.l10n.t('A UDP Chat at {address} is writing to you (your peer {peer} on a new port?).', { address: there, peer: this.parts.peerInUse() });
    this.say('info', text);
    this.parts.notifications.show('info', vscode.l10n.t('UDP Chat: {0}', text), [vscode.l10n.t('Chat with {address}', { address: there })], async () => { await this.parts.setPeer(there); });
  }

  stranger(from: { address: string; port: number }, bytes: number, preview: string): void {
    this.parts.log.warn(`Ignored ${bytes} bytes from ${formatAddress(from.address, from.port)}, which is not the peer: "${preview}"`);
  }

  rateLimited(from: string, dropped: number, stranger: boolean): void {
    this.parts.log.warn(`Rate limit: dropped ${dropped} datagrams from ${from}${stranger ? ' (not the peer)' : ''}.`);
    if (!stranger) this.say('warning', vscode.l10n.t('The peer sent too fast: {count} datagrams were dropped (limit per source).', { count: dropped }));
  }

  secured(person: Person, safety: string, info: { verified: boolean; firstContact: boolean }): void {
    const who = this.who(person);
    this.say('info', info.verified
      ? vscode.l10n.t('Encrypted and authenticated: {who} is verified (safety number {number}).', { who, number: safety })
      : info.firstContact
        ? vscode.l10n.t('Encrypted and authenticated with {who}\'s key (first contact: the key is remembered). Safety number: {number} — compare it with {who} to be sure nobody is between you ("UDP Chat: Verify Safety Number").', { who, number: safety })
        : vscode.l10n.t('Encrypted and authenticated with {who}\'s key. Safety number: {number} — compare it with {who} to be sure nobody is between you ("UDP Chat: Verify Safety Number").', { who, number: safety }));
    this.parts.headerChanged();
  }

  keyChanged(person: Person, c: { newFingerprint: string; oldFingerprint: string }): void {
    const text = vscode.l10n.t('Warning: {who} answered with a different identity key (new {new}, known {old}). They may have reinstalled UDP Chat, or someone else is answering at that address. Nothing goes to the new key, and nothing from it is shown, until you accept it; ask them another way first.', { who: this.who(person), new: c.newFingerprint, old: c.oldFingerprint });
    this.parts.log.warn(text);
    this.say('error', text);
    this.parts.notifications.show('warning', vscode.l10n.t('UDP Chat: {0}', text), [vscode.l10n.t('Accept New Key…')], async () => { await this.parts.acceptKey(); });
    this.parts.headerChanged();
  }

  keyChangeCleared(person: Person): void {
    const text = vscode.l10n.t('{who} answered with the remembered key again: the other key was not theirs. The conversation goes on.', { who: this.who(person) });
    this.parts.log.info(text);
    this.say('info', text);
  }

  roamed(person: Person, to: { address: string; port: number }): void {
    const text = vscode.l10n.t('{who} now writes from {address} (same key: same conversation).', { who: this.who(person), address: formatAddress(to.address, to.port) });
    this.parts.log.info(text);
    this.say('info', text);
  }

  socketError(err: Error): void {
    this.parts.log.error(`Socket error: ${err.message}`);
    const now = Date.now();
    if (now - this.lastSocketNotice >= 10_000) {
      this.lastSocketNotice = now;
      this.say('error', vscode.l10n.t('Network error: {reason}. Messages are kept and retried; check the peer address and your network.', { reason: err.message }));
    }
  }
}

/**
 * The configured peer's events only (the other people's go to lanChats.ts): events about a person
 * pass when the person is the configured one; events about nobody in particular always pass.
 */
export function onlyTheContact(l: ChatServiceListener, contactId: () => string | undefined): ChatServiceListener {
  const mine = (p: Person) => p.configured;
  const mineId = (id: string) => id === contactId();
  return {
    message: (p, m) => { if (mine(p)) l.message?.(p, m); },
    accepted: (id, m) => { if (mineId(id)) l.accepted?.(id, m); },
    status: (id, msg, s, m) => { if (mineId(id)) l.status?.(id, msg, s, m); },
    sendError: (id, msg, code, text) => { if (mineId(id)) l.sendError?.(id, msg, code, text); },
    personChanged: (p, prev) => { if (mine(p)) l.personChanged?.(p, prev); },
    presence: (p, pr, d) => { if (mine(p)) l.presence?.(p, pr, d); },
    plainPeer: (p, plain) => { if (mine(p)) l.plainPeer?.(p, plain); },
    notice: (level, text, p) => { if (!p || mine(p)) l.notice?.(level, text, p); },
    diagnostic: (text) => l.diagnostic?.(text),
    secured: (p, sn, info) => { if (mine(p)) l.secured?.(p, sn, info); },
    keyChanged: (p, c) => { if (mine(p)) l.keyChanged?.(p, c); },
    keyChangeCleared: (p) => { if (mine(p)) l.keyChangeCleared?.(p); },
    roamed: (p, to) => { if (mine(p)) l.roamed?.(p, to); },
    peerElsewhere: (p, from) => { if (mine(p)) l.peerElsewhere?.(p, from); },
    stranger: (from, bytes, preview) => l.stranger?.(from, bytes, preview),
    rateLimited: (from, n, stranger) => l.rateLimited?.(from, n, stranger),
    socketError: (err) => l.socketError?.(err),
    ended: (info) => l.ended?.(info),
  };
}
