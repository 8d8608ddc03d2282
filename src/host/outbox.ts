// Our own messages on their way out: what the user typed goes into the conversation first (never
// lost: on failure it stays in the input or shows as "not sent"), then to the session, starting one
// if needed. Messages written to one peer are never sent to another unless the user says so.
import * as vscode from 'vscode';
import { MAX_TEXT_BYTES } from '../core/limits';
import { isQuitWord } from '../core/plain';
import type { ChatEntry, CodeBlock } from '../shared/protocol';
import { samePeer } from './addresses';
import type { ChatViewProvider } from './chatViewProvider';
import type { Conversation } from './conversation';
import type { Show } from './notifications';
import type { SessionLifecycle } from './sessionLifecycle';
import { configuredPeerText } from './settings';
import type { ViewBridge } from './viewBridge';

export class Outbox {
  constructor(
    private readonly conversation: Conversation,
    private readonly session: SessionLifecycle,
    private readonly bridge: ViewBridge,
    private readonly view: () => ChatViewProvider | undefined,
    private readonly show: Show,
  ) {}

  /** Sends what the user typed. Never loses it: on failure it stays in the input or shows as unsent. */
  async sendText(text: string, code?: CodeBlock): Promise<void> {
    if (text.trim() === '' && !code) return;
    const bytes = Buffer.byteLength(text, 'utf8');
    if (bytes > MAX_TEXT_BYTES) {
      this.view()?.post({ type: 'didRestoreDraft', text });
      this.show('error', vscode.l10n.t('UDP Chat: the message is too large ({bytes} bytes; the limit is {limit} bytes, 1 MiB). It is still in the input box.', { bytes, limit: MAX_TEXT_BYTES }));
      return;
    }
    const session = this.session;
    const to = session.running ? session.peerInUse() : configuredPeerText();
    const entry = this.conversation.add({ id: this.conversation.newId(), kind: 'own', text, time: Date.now(), status: 'unsent', code, to: to || undefined });
    this.bridge.added(entry);
    if (!session.running && session.startingUp) await session.startingUp.catch(() => false);
    if (!session.running) {
      if (!to) {
        this.show('warning', vscode.l10n.t('UDP Chat: set your peer\'s address first. The message is kept as "not sent" and goes out when the chat starts.'), [vscode.l10n.t('Set Peer Address')], async () => {
          if (await session.setPeer()) await session.start();
        });
        return;
      }
      // Sending is starting: the session takes the message with the other waiting ones (resendPending).
      if (!(await session.start())) return;
      if (isQuitWord(text)) await this.quitAfter(entry.id);
      return;
    }
    session.send(entry);
    if (isQuitWord(text)) await this.quitAfter(entry.id);
  }

  /** The classic programs end the chat after sending a quit word; so do we, once it is out. */
  private async quitAfter(id: string): Promise<void> {
    const deadline = Date.now() + 3000;
    while (Date.now() < deadline) {
      const st = this.conversation.get(id)?.status;
      if (st === 'delivered' || st === 'failed' || st === 'unconfirmed' || st === 'unsent' || st === 'textSent') break;
      await new Promise((r) => setTimeout(r, 50));
    }
    await this.session.endSession('quit');
  }

  /** The view's Retry (or Send) on one of our messages. */
  retry(id: string): void {
    const entry = this.conversation.get(id);
    if (!entry || entry.kind !== 'own') return;
    if (!this.session.running) {
      // Starting sends what waits for this peer, this message with it.
      if (entry.status === 'unsent' && configuredPeerText()) { void this.session.start(); return; }
      this.show('warning', vscode.l10n.t('UDP Chat: start the session first, then retry.'), [vscode.l10n.t('Start UDP Chat')], async () => {
        if (await this.session.start()) this.retry(id);
      });
      return;
    }
    if (entry.status === 'failed' && this.session.retryFailed(id)) return;
    if (entry.status === 'failed' || entry.status === 'unsent') this.session.send(entry);
  }

  /** Messages left queued or unconfirmed by an earlier session (or window) go out again. */
  resendPending(): void {
    const current = this.session.peerInUse();
    const others = new Map<string, ChatEntry[]>();
    for (const e of this.conversation.waiting()) {
      if (!e.to || samePeer(e.to, current)) {
        if (!e.to) this.conversation.setTo(e.id, current);
        this.session.send(e);
      } else {
        const list = others.get(e.to) ?? [];
        list.push(e);
        // It left with the old session: it waits again (not "sending" to nobody).
        if (e.status === 'sending') this.bridge.setStatus(e.id, 'queued');
        others.set(e.to, list);
      }
    }
    // Written to someone else: never sent here unless the user says so.
    for (const [to, list] of others) {
      const n = list.length;
      const text = n === 1
        ? vscode.l10n.t('1 message was written to {to}, not to {current}. It waits for {to}.', { to, current })
        : vscode.l10n.t('{count} messages were written to {to}, not to {current}. They wait for {to}.', { count: n, to, current });
      this.bridge.notice('info', text);
      const sendHere = vscode.l10n.t('Send to {peer}', { peer: current });
      this.show('info', vscode.l10n.t('UDP Chat: {0}', text), [sendHere, vscode.l10n.t('Keep for {peer}', { peer: to })], (pick) => {
        if (pick !== sendHere || this.session.peerInUse() !== current) return;
        for (const e of list) {
          const now = this.conversation.get(e.id);
          if (!now || now.to !== to) continue;
          this.conversation.setTo(e.id, current);
          this.session.send(now);
        }
      });
    }
  }
}
