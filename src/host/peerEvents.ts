// What the running session reports, turned into what the user sees: the peer's messages become
// entries (and notifications while the view is hidden), delivery changes update our messages, and
// presence, plain text, security and network trouble become notices and the header's peer fields.
import type * as vscode from 'vscode';
import { formatAddress } from '../core/address';
import type { OutStatus, Presence } from '../core/session';
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

export class PeerEvents {
  /** What the header shows about the peer; the session resets it when it starts or changes peer. */
  presence: Presence = 'unknown';
  peerName = '';
  plainPeer = false;
  private lastSocketNotice = 0;

  constructor(private readonly parts: PeerEventParts) {}

  /** A new peer (or none): nothing is known about it yet. */
  forgetPeer(): void {
    this.presence = 'unknown';
    this.plainPeer = false;
    this.peerName = '';
  }

  /** The callbacks a session calls (the driver's events). */
  handlers() {
    const { log, conversation, bridge, notifications } = this.parts;
    const notice = (level: 'info' | 'warning' | 'error', text: string) => bridge.notice(level, text);
    return {
      message: (m: { text: string; code?: { language: string; path: string; startLine: number; endLine: number }; sentAt: number; plain: boolean; uid: string }) => {
        const code = m.code ? { ...m.code, code: m.text } : undefined;
        const entry = conversation.add({
          id: conversation.newId(), kind: 'peer', text: m.text, time: Date.now(), uid: m.uid || undefined,
          from: this.peerName || configuredPeerText(), code, canOpen: code ? this.parts.workspaceHas(code.path) : undefined,
        });
        bridge.added(entry);
        notifications.incoming(entry);
      },
      status: (localId: string, status: OutStatus) => bridge.setStatus(localId, status),
      presence: (p: Presence, d: { name: string; plain: boolean; reason: string }) => {
        this.presence = p;
        if (d.name) this.peerName = d.name;
        const who = this.peerName || configuredPeerText();
        if (p === 'online') notice('info', `${who} is online${d.plain ? ' (plain text: delivery cannot be confirmed)' : ''}.`);
        else if (p === 'offline') notice('warning', `${who} went offline${d.reason ? ` (${d.reason})` : ''}. New messages are queued until they come back.`);
        this.parts.headerChanged();
      },
      notice: (level: 'info' | 'warning' | 'error', text: string) => {
        log.appendLine(`[${level}] ${text}`);
        notice(level, text);
      },
      diagnostic: (text: string) => log.appendLine(`[unauthenticated] ${text}`),
      peerElsewhere: (from: { address: string; port: number }) => {
        const there = formatAddress(from.address, from.port);
        const text = `A UDP Chat at ${there} is writing to you (your peer ${this.parts.peerInUse()} on a new port?).`;
        notice('info', text);
        notifications.show('info', `UDP Chat: ${text}`, [`Chat with ${there}`], async () => { await this.parts.setPeer(there); });
      },
      plainPeer: (plain: boolean) => {
        this.plainPeer = plain;
        this.parts.headerChanged();
      },
      stranger: (from: { address: string; port: number }, bytes: number, preview: string) => {
        log.warn(`Ignored ${bytes} bytes from ${formatAddress(from.address, from.port)}, which is not the peer: "${preview}"`);
      },
      rateLimited: (from: string, dropped: number, stranger: boolean) => {
        log.warn(`Rate limit: dropped ${dropped} datagrams from ${from}${stranger ? ' (not the peer)' : ''}.`);
        if (!stranger) notice('warning', `The peer sent too fast: ${dropped} datagrams were dropped (limit per source).`);
      },
      secured: (safety: string, info: { verified: boolean; firstContact: boolean }) => {
        const who = this.peerName || configuredPeerText();
        notice('info', info.verified
          ? `Encrypted and authenticated: ${who} is verified (safety number ${safety}).`
          : `Encrypted and authenticated with ${who}'s key${info.firstContact ? ' (first contact: the key is remembered)' : ''}. Safety number: ${safety} — compare it with ${who} to be sure nobody is between you ("UDP Chat: Verify Safety Number").`);
        this.parts.headerChanged();
      },
      keyChanged: (c: { newFingerprint: string; oldFingerprint: string; from: { address: string; port: number } }) => {
        const who = this.peerName || configuredPeerText();
        const text = `Warning: ${who} answered with a different identity key (new ${c.newFingerprint}, known ${c.oldFingerprint}). They may have reinstalled UDP Chat, or someone else is answering at that address. Nothing is sent or shown until you accept the new key.`;
        log.warn(text);
        notice('error', text);
        notifications.show('warning', `UDP Chat: ${text}`, ['Accept New Key…'], async () => { await this.parts.acceptKey(); });
        this.parts.headerChanged();
      },
      roamed: (to: { address: string; port: number }) => {
        const text = `${this.peerName || configuredPeerText()} now writes from ${formatAddress(to.address, to.port)} (same key: same conversation).`;
        log.info(text);
        notice('info', text);
      },
      socketError: (err: Error) => {
        log.error(`Socket error: ${err.message}`);
        const now = Date.now();
        if (now - this.lastSocketNotice >= 10_000) {
          this.lastSocketNotice = now;
          notice('error', `Network error: ${err.message}. Messages are kept and retried; check the peer address and your network.`);
        }
      },
    };
  }
}
