// The chat inside VS Code, assembled: builds the parts and is the one object that src/extension.ts,
// the commands, the view and the tests hold. Each job lives in its own file:
//   sessionLifecycle.ts  start, end, resume, change of peer, the header (over the chat service, src/service)
//   startErrors.ts       what a failed start tells the user and which fix it offers
//   outbox.ts            our messages: send, retry, what waits for which peer
//   viewBridge.ts        posts to the webview (batched) and the switch over its messages
//   notifications.ts     VS Code notifications, unread badge, new-message summaries (`answer` hook)
//   peerEvents.ts        what the chat service reports: peer messages, statuses, presence, security
//   codeLinks.ts         send selection, open/copy code blocks, open links
//   settings.ts          the udpChat.* settings, Set Peer Address
//   addresses.ts         where a peer can reach us; same-peer comparison
//   statusBar.ts         the status bar item
//   commands.ts          the palette commands
import * as vscode from 'vscode';
import type { ChatEntry, CodeBlock, HeaderInfo, SessionState, WebviewToHost } from '../shared/protocol';
import type { ChatViewProvider } from './chatViewProvider';
import { CodeLinks } from './codeLinks';
import type { Conversation } from './conversation';
import { Notifications } from './notifications';
import { Outbox } from './outbox';
import type { SecurityProvider, StartOptions } from './sessionLifecycle';
import { SessionLifecycle } from './sessionLifecycle';
import { onSettingsChanged } from './settings';
import { ChatStatusBar } from './statusBar';
import type { WebviewActions } from './viewBridge';
import { ViewBridge } from './viewBridge';

export { reachableAddresses, samePeer } from './addresses';
export type { SecurityProvider } from './sessionLifecycle';

export class ChatController implements vscode.Disposable {
  view?: ChatViewProvider;
  /** Where the unsent input text is kept between reloads (workspace state). */
  drafts?: { get(): string; set(text: string): void };
  private readonly notifications: Notifications;
  private readonly bridge: ViewBridge;
  private readonly statusBar: ChatStatusBar;
  private readonly codeLinks: CodeLinks;
  private readonly session: SessionLifecycle;
  private readonly outbox: Outbox;
  private readonly actions: WebviewActions;
  private readonly disposables: vscode.Disposable[] = [];
  private disposing?: Promise<void>;

  constructor(
    private readonly log: vscode.LogOutputChannel,
    readonly conversation: Conversation,
    private readonly security?: SecurityProvider,
  ) {
    const view = () => this.view;
    this.statusBar = new ChatStatusBar();
    this.disposables.push(this.statusBar);
    this.notifications = new Notifications(log, view, () => this.updateStatusBar());
    const show = this.notifications.show;
    this.bridge = new ViewBridge(log, conversation, view);
    this.codeLinks = new CodeLinks(conversation, view, show, (text, code) => this.sendText(text, code));
    this.session = new SessionLifecycle({
      log, conversation, security, notifications: this.notifications, bridge: this.bridge, view,
      workspaceHas: (path) => this.codeLinks.workspaceHas(path),
      headerChanged: () => this.pushHeader(),
      resendPending: () => this.outbox.resendPending(),
    });
    this.outbox = new Outbox(conversation, this.session, this.bridge, view, show);
    this.actions = {
      sendText: (text, code) => this.sendText(text, code),
      retry: (id) => this.retry(id),
      openCode: (id) => this.codeLinks.openCode(id),
      copyCode: (id) => this.codeLinks.copyCode(id),
      openLink: (url) => this.codeLinks.openLink(url),
      start: () => this.start(),
      setPeer: () => this.setPeer(),
      endSession: () => this.endSession(),
      saveDraft: (text) => this.drafts?.set(text),
      verifyPeer: () => this.verifyPeer(),
      acceptPeerKey: () => this.acceptPeerKey(),
    };
    this.disposables.push(onSettingsChanged({
      peer: () => void this.session.onPeerSettingChanged(),
      displayName: () => this.session.displayNameChanged(),
    }));
    this.updateStatusBar();
  }

  // ------------------------------------------------------------------ state (the view, tests)

  header(): HeaderInfo { return this.session.header(); }

  snapshot(): { header: HeaderInfo; entries: ChatEntry[]; draft: string } {
    return { header: this.header(), entries: this.conversation.all(), draft: this.drafts?.get() ?? '' };
  }

  /** Whether a session was running when the window closed (workspace state): it is resumed. */
  get sessionMemory(): { get(): boolean; set(active: boolean): void } | undefined { return this.session.memory; }
  set sessionMemory(memory: { get(): boolean; set(active: boolean): void } | undefined) { this.session.memory = memory; }

  get sessionState(): SessionState { return this.session.sessionState; }
  get isActive(): boolean { return this.session.sessionState === 'active'; }
  get currentRuntime() { return this.session.currentRuntime; }
  /** The people the chat service knows, as view models (src/service/types.ts Person). */
  people() { return this.session.people(); }
  get unreadCount(): number { return this.notifications.unreadCount; }
  /** For tests and the status bar: last bind address shown in the header. */
  get localText(): string { return this.session.localText; }
  /** Tests answer notifications through this instead of a click (the text and the actions offered). */
  get answer(): ((text: string, actions: string[]) => string | undefined) | undefined { return this.notifications.answer; }
  set answer(fn: ((text: string, actions: string[]) => string | undefined) | undefined) { this.notifications.answer = fn; }
  /** The last messages shown to the user (errors, warnings, info), newest last; tests read them. */
  get shownMessages(): Array<{ level: 'error' | 'warning' | 'info'; text: string }> { return this.notifications.shownMessages; }
  /** Known people and pinned keys (tests start from a clean slate). */
  get knownPeople() { return this.security?.trust?.(); }
  /** The last render time the view reported. */
  get lastRender(): { count: number; ms: number } | undefined { return this.bridge.lastRender; }

  // ------------------------------------------------------------------ what commands and the view do

  /** Resumes the session that was running when the window was closed or reloaded. */
  restore(): Promise<void> { return this.session.restore(); }
  /** Start UDP Chat. Resolves true when a session is running afterwards. */
  start(opts?: StartOptions): Promise<boolean> { return this.session.start(opts); }
  /** UDP Chat: Set Peer Address. Resolves the text written, or undefined when cancelled. */
  setPeer(given?: string): Promise<string | undefined> { return this.session.setPeer(given); }
  /** UDP Chat: End Session. The conversation stays. */
  endSession(reason?: string): Promise<void> { return this.session.endSession(reason); }
  /** The passphrase was set or cleared: it applies from the next session. */
  securityChanged(what: 'set' | 'cleared'): void { this.session.securityChanged(what); }
  /** UDP Chat: Verify Safety Number (tests pass the answer instead of clicking the modal). */
  verifyPeer(answer?: 'verified' | 'not verified'): Promise<boolean> { return this.session.verifyPeer(answer); }
  /** UDP Chat: Accept the Peer's New Key (tests pass the answer). */
  acceptPeerKey(answer?: boolean | 'refuse'): Promise<boolean> { return this.session.acceptPeerKey(answer); }
  /** Sends what the user typed. Never loses it: on failure it stays in the input or shows as unsent. */
  sendText(text: string, code?: CodeBlock): Promise<void> { return this.outbox.sendText(text, code); }
  retry(id: string): void { this.outbox.retry(id); }
  /** UDP Chat: Send Selection. */
  sendSelection(): Promise<void> { return this.codeLinks.sendSelection(); }

  clearHistory(): void {
    this.conversation.clear();
    this.bridge.cleared();
  }

  /** The saved history did not load cleanly: say what was recovered and where the damaged file is. */
  reportHistoryProblem(text: string): void {
    this.log.warn(`History: ${text}`);
    this.bridge.notice('warning', text);
    this.notifications.show('warning', `UDP Chat: ${text}`);
  }

  onWebviewMessage(msg: WebviewToHost): Promise<void> { return this.bridge.onMessage(msg, this.actions); }

  onVisibilityChanged(visible: boolean): void { this.notifications.visibilityChanged(visible); }

  // ------------------------------------------------------------------ header and status bar

  private pushHeader(): void {
    this.bridge.header(this.header());
    this.updateStatusBar();
  }

  private updateStatusBar(): void {
    this.statusBar.update({ ...this.session.statusBarInfo(), unread: this.notifications.unreadCount });
  }

  /** Idempotent: VS Code calls deactivate and then disposes the subscriptions. */
  dispose(): Promise<void> {
    this.disposing ??= this.disposeOnce();
    return this.disposing;
  }

  private async disposeOnce(): Promise<void> {
    // First, while there is time: a reloading window does not wait for asynchronous work.
    this.conversation.flushSync();
    this.notifications.dispose();
    await this.session.dispose();
    await this.conversation.flush();
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}
