// What the user is told outside the chat view: VS Code notifications (errors, warnings, info, with
// actions), and for messages that arrive while the view is hidden, the unread count on the view's
// badge and one summarising notification per quiet time ("3 new messages from Bob").
// Tests answer notifications through `answer` and read what was shown in `shownMessages`.
import * as vscode from 'vscode';
import type { ChatEntry } from '../shared/protocol';
import type { ChatViewProvider } from './chatViewProvider';
import { notificationsEnabled } from './settings';

/** At most one new-message notification this often; the badge counts every message. */
const NOTIFY_INTERVAL_MS = 5000;

export type Level = 'error' | 'warning' | 'info';

/** Shows a notification without blocking; the user's choice among `actions` runs `then` later. */
export type Show = (level: Level, text: string, actions?: string[], then?: (pick: string) => unknown) => void;

export class Notifications implements vscode.Disposable {
  /** Tests answer notifications through this instead of a click (the text and the actions offered). */
  answer?: (text: string, actions: string[]) => string | undefined;
  /** The last messages shown to the user (errors, warnings, info), newest last; tests read them. */
  readonly shownMessages: Array<{ level: Level; text: string }> = [];
  private unread = 0;
  private lastNotifyAt = 0;
  private notifyTimer?: NodeJS.Timeout;
  /** Messages that arrived since the last notification. */
  private unnotified = 0;
  private lastFrom = '';
  private lastPreview = '';
  /** Opens the conversation of the last message announced (a LAN conversation); absent: the configured peer's. */
  private lastOpen?: () => void;

  constructor(
    private readonly log: vscode.LogOutputChannel,
    private readonly view: () => ChatViewProvider | undefined,
    /** The unread count changed (the status bar shows it). */
    private readonly unreadChanged: () => void,
  ) {}

  get unreadCount(): number { return this.unread; }

  /**
   * Shows a message without blocking the caller: the user's choice runs `then` later.
   * (Awaiting a notification's buttons would leave a command pending until the user clicks.)
   */
  readonly show: Show = (level, text, actions = [], then) => {
    this.shownMessages.push({ level, text });
    if (this.shownMessages.length > 50) this.shownMessages.shift();
    if (this.answer && actions.length > 0) {
      const pick = this.answer(text, actions);
      if (pick && then) void Promise.resolve().then(() => then(pick)).catch((e) => this.log.error(`Action "${pick}" failed: ${e instanceof Error ? e.message : String(e)}`));
      return;
    }
    const fn = level === 'error' ? vscode.window.showErrorMessage : level === 'warning' ? vscode.window.showWarningMessage : vscode.window.showInformationMessage;
    void Promise.resolve(fn(text, ...actions)).then(async (pick) => {
      if (pick && then) {
        try { await then(pick); } catch (e) { this.log.error(`Action "${pick}" failed: ${e instanceof Error ? e.message : String(e)}`); }
      }
    }, () => undefined);
  };

  /** A peer message arrived: counted and announced unless the view is showing it. */
  incoming(entry: ChatEntry, open?: () => void): void {
    if (this.view()?.visible) return;
    this.lastOpen = open;
    this.unread++;
    this.view()?.setBadge(this.unread);
    this.unreadChanged();
    if (!notificationsEnabled()) return;
    this.unnotified++;
    this.lastFrom = entry.from ?? '';
    this.lastPreview = entry.text;
    const wait = this.lastNotifyAt + NOTIFY_INTERVAL_MS - Date.now();
    if (wait <= 0) this.notifyUnread();
    // Within the quiet time, one summary follows at its end, if the messages are still unread then.
    else if (!this.notifyTimer) this.notifyTimer = setTimeout(() => { this.notifyTimer = undefined; this.notifyUnread(); }, wait);
  }

  /** One notification for what arrived since the last one: the message itself, or "3 new messages from Bob". */
  private notifyUnread(): void {
    const n = this.unnotified;
    if (n === 0 || this.unread === 0) return;
    this.unnotified = 0;
    this.lastNotifyAt = Date.now();
    const who = this.lastFrom || vscode.l10n.t('your peer');
    const preview = this.lastPreview.length > 80 ? `${this.lastPreview.slice(0, 80)}…` : this.lastPreview;
    const text = n === 1
      ? vscode.l10n.t('UDP Chat — {who}: {text}', { who, text: preview }).replace(/\s+/g, ' ')
      : vscode.l10n.t('UDP Chat: {count} new messages from {who}', { count: n, who });
    const open = this.lastOpen;
    this.show('info', text, [vscode.l10n.t('Open Chat')], async () => {
      await this.view()?.reveal(false);
      open?.();
      this.view()?.focusInput();
    });
  }

  /** The view was shown or hidden: shown, everything counts as read. */
  visibilityChanged(visible: boolean): void {
    if (visible && this.unread > 0) {
      this.unread = 0;
      // Read: the summary that was due is not shown.
      this.unnotified = 0;
      if (this.notifyTimer) { clearTimeout(this.notifyTimer); this.notifyTimer = undefined; }
      this.view()?.setBadge(0);
      this.unreadChanged();
    }
  }

  dispose(): void {
    if (this.notifyTimer) clearTimeout(this.notifyTimer);
  }
}
