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
//   contextKeys.ts       the context keys that decide which commands the palette and menus offer
//   lanChats.ts          the other conversations: people on the LAN, added by hand, groups; the roster
//   lanActions.ts        Add Peer…, New Group…, Edit/Leave Group, Block…, Unblock…
import * as vscode from 'vscode';
import type { GroupStorage } from '../service/types';
import type { ChatEntry, CodeBlock, ConversationId, HeaderInfo, RosterItem, SessionState, WebviewToHost } from '../shared/protocol';
import { SINGLE_CONVERSATION } from '../shared/protocol';
import type { ConversationMemo } from './lanChats';
import { LanActions } from './lanActions';
import { displayName as personName, LanChats } from './lanChats';
import type { ChatViewProvider } from './chatViewProvider';
import { CodeLinks } from './codeLinks';
import { ContextKeys } from './contextKeys';
import type { Conversation } from './conversation';
import { Notifications } from './notifications';
import { Outbox } from './outbox';
import type { SecurityProvider, StartOptions } from './sessionLifecycle';
import { SessionLifecycle } from './sessionLifecycle';
import { configuredPeerText, onSettingsChanged } from './settings';
import { ChatStatusBar } from './statusBar';
import type { WebviewActions } from './viewBridge';
import { ViewBridge } from './viewBridge';

export { reachableAddresses, samePeer } from './addresses';
export type { SecurityProvider } from './sessionLifecycle';

export class ChatController implements vscode.Disposable {
  view?: ChatViewProvider;
  /** Where the unsent input text is kept between reloads (workspace state). */
  drafts?: { get(): string; set(text: string): void };
  /** The LAN conversations' drafts (workspace state), by conversation id. */
  lanDrafts?: { get(): Record<string, string>; set(v: Record<string, string>): void };
  readonly lan: LanChats;
  /** Add Peer…, New Group…, Edit/Leave Group, Block…, Unblock…. */
  readonly actionsOnPeople: LanActions;
  /** The when-clause keys (package.json): set by syncContext, and by the commands for the passphrase. */
  readonly contextKeys = new ContextKeys();
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
    store: {
      /** Folder of the LAN conversations' journals (local disk), else in memory. */
      storageDir?: string;
      memo?: { get(): Record<string, ConversationMemo>; set(v: Record<string, ConversationMemo>): void };
      groups?: GroupStorage;
    } = {},
  ) {
    const view = () => this.view;
    this.statusBar = new ChatStatusBar();
    this.disposables.push(this.statusBar);
    this.notifications = new Notifications(log, view, () => this.updateStatusBar());
    const show = this.notifications.show;
    this.bridge = new ViewBridge(log, conversation, view);
    this.bridge.onUnseen = () => this.scheduleRoster();
    this.lan = new LanChats({
      log, notifications: this.notifications, storageDir: store.storageDir, memo: store.memo,
      post: (m) => this.view?.post(m),
      service: () => (this.session.running ? this.session.chat : undefined),
      workspaceHas: (p) => this.codeLinks.workspaceHas(p),
      active: () => this.bridge.conversationId,
      open: (id) => void this.openConversation(id),
      rosterChanged: () => this.scheduleRoster(),
      headerChanged: () => this.pushHeader(),
      sessionHeader: () => this.session.header(),
    });
    this.codeLinks = new CodeLinks(conversation, view, show, (text, code) => this.sendText(text, code));
    this.session = new SessionLifecycle({
      log, conversation, security, notifications: this.notifications, bridge: this.bridge, view,
      workspaceHas: (path) => this.codeLinks.workspaceHas(path),
      headerChanged: () => { this.pushHeader(); this.scheduleRoster(); },
      resendPending: () => { this.outbox.resendPending(); this.lan.sessionStarted(); },
      lan: this.lan,
      groupStorage: store.groups,
    });
    this.outbox = new Outbox(conversation, this.session, this.bridge, view, show);
    this.actionsOnPeople = new LanActions({
      show, lan: this.lan, running: () => this.session.running, chat: () => this.session.chat, start: () => this.start(),
      open: (id) => this.openConversation(id), shown: () => this.bridge.conversationId, trust: () => this.security?.trust?.(),
    });
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
      sendTo: (conv, text) => (conv === SINGLE_CONVERSATION ? this.sendText(text) : this.lan.send(conv, text)),
      saveDraftFor: (conv, text) => this.saveDraft(conv, text),
      openConversation: (conv) => this.openConversation(conv),
      addPeer: () => this.actionsOnPeople.addPeer().then(() => undefined),
      createGroup: () => this.actionsOnPeople.newGroup().then(() => undefined),
      editGroup: (conv) => this.actionsOnPeople.editGroup(conv),
      leaveGroup: (conv) => this.actionsOnPeople.leaveGroup(conv),
      acceptRequest: (conv) => { this.lan.acceptRequest(conv); },
      blockPerson: (conv) => this.actionsOnPeople.blockPerson(conv),
    };
    this.disposables.push(onSettingsChanged({
      peer: () => { this.syncContext(); void this.session.onPeerSettingChanged(); },
      displayName: () => this.session.displayNameChanged(),
    }));
    this.updateStatusBar();
  }

  // ------------------------------------------------------------------ state (the view, tests)

  /** The header of the conversation shown. */
  header(): HeaderInfo {
    const id = this.bridge.conversationId;
    return id === SINGLE_CONVERSATION ? { ...this.session.header(), conversation: id } : this.lan.header(id);
  }

  /** The conversation shown (the view asks when it loads); the roster follows. */
  snapshot(): { header: HeaderInfo; entries: ChatEntry[]; draft: string; conversation: ConversationId } {
    const id = this.bridge.conversationId;
    queueMicrotask(() => this.postRoster());
    if (id !== SINGLE_CONVERSATION) {
      return { conversation: id, header: this.lan.header(id), entries: this.lan.loadedEntries(id), draft: this.lanDrafts?.get()[id] ?? '' };
    }
    return { conversation: id, header: this.header(), entries: this.conversation.all(), draft: this.drafts?.get() ?? '' };
  }

  /** The people and groups to list: the configured peer first. */
  roster(): RosterItem[] {
    const items: RosterItem[] = [];
    const p = this.session.running ? this.session.chat.peer : undefined;
    const configured = configuredPeerText();
    if (p || configured) {
      items.push({
        id: SINGLE_CONVERSATION, kind: 'person', name: p ? personName(p) : configured, detail: p?.address ?? configured,
        presence: p?.presence ?? 'unknown', unread: this.bridge.unseen, encrypted: p?.encrypted ?? false, plain: p?.plain ?? false,
        request: false, configured: true,
      });
    }
    return [...items, ...this.lan.roster()];
  }

  private rosterTimer?: NodeJS.Timeout;
  /** Roster changes come in bursts (a LAN full of people appearing): one post per 50 ms. */
  private scheduleRoster(): void {
    if (this.rosterTimer) return;
    this.rosterTimer = setTimeout(() => { this.rosterTimer = undefined; this.postRoster(); }, 50);
  }

  private postRoster(): void {
    this.view?.post({ type: 'didChangeRoster', roster: this.roster(), active: this.bridge.conversationId });
  }

  /** Shows a conversation: its snapshot, and the roster with it active. */
  async openConversation(id: ConversationId): Promise<void> {
    this.bridge.conversationId = id;
    if (id === SINGLE_CONVERSATION) {
      this.bridge.unseen = 0;
      const s = this.snapshot();
      this.view?.post({ type: 'didSnapshot', conversation: id, header: s.header, entries: s.entries, sentAt: Date.now(), ...(s.draft ? { draft: s.draft } : {}) });
    } else {
      const s = await this.lan.snapshot(id);
      if (this.bridge.conversationId !== id) return; // another was opened meanwhile
      const draft = this.lanDrafts?.get()[id];
      this.view?.post({ type: 'didSnapshot', conversation: id, header: s.header, entries: s.entries, sentAt: Date.now(), ...(draft ? { draft } : {}) });
    }
    this.postRoster();
    this.updateStatusBar();
  }

  private saveDraft(id: ConversationId, text: string): void {
    if (id === SINGLE_CONVERSATION) { this.drafts?.set(text); return; }
    if (!this.lanDrafts) return;
    const all = { ...this.lanDrafts.get() };
    if (text) all[id] = text; else delete all[id];
    this.lanDrafts.set(all);
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

  /**
   * A notice in the chat and the same text as a notification with `actions` (Workspace Trust). The
   * notice is not repeated when the conversation already ends with it (a window reloaded untrusted).
   */
  announce(level: 'error' | 'warning' | 'info', text: string, actions: string[] = [], then?: (pick: string) => unknown): void {
    const last = this.conversation.all().at(-1);
    if (!(last?.kind === 'notice' && last.text === text)) this.bridge.notice(level, text);
    this.notifications.show(level, vscode.l10n.t('UDP Chat: {0}', text), actions, then);
  }

  /** The peer setting may have changed (the folder was trusted): a running session follows it. */
  peerMayHaveChanged(): void { void this.session.onPeerSettingChanged(); }

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
  /** UDP Chat: Add Peer… (tests pass the address). Resolves the conversation opened. */
  addPeer(given?: string): Promise<string | undefined> { return this.actionsOnPeople.addPeer(given); }
  /** UDP Chat: New Group… (tests pass name and members). Resolves the conversation opened. */
  newGroup(given?: { name: string; members: string[] }): Promise<string | undefined> { return this.actionsOnPeople.newGroup(given); }

  /** UDP Chat: Verify Safety Number (tests pass the answer instead of clicking the modal). */
  verifyPeer(answer?: 'verified' | 'not verified'): Promise<boolean> { return this.session.verifyPeer(answer, this.otherPerson()); }
  /** UDP Chat: Accept the Peer's New Key (tests pass the answer). */
  acceptPeerKey(answer?: boolean | 'refuse'): Promise<boolean> { return this.session.acceptPeerKey(answer, this.otherPerson()); }

  /** The person of the LAN conversation shown (Verify and Accept New Key apply to them), if one is shown. */
  private otherPerson() {
    const id = this.bridge.conversationId;
    if (id === SINGLE_CONVERSATION || !id.startsWith('p:')) return undefined;
    return { personId: id.slice(2), notice: (level: 'info' | 'warning', text: string) => { this.lan.note(id, level, text); this.pushHeader(); } };
  }
  /** Sends what the user typed to the conversation shown. Never loses it: on failure it stays in the input or shows as unsent. */
  sendText(text: string, code?: CodeBlock): Promise<void> {
    const id = this.bridge.conversationId;
    return id === SINGLE_CONVERSATION ? this.outbox.sendText(text, code) : this.lan.send(id, text, code);
  }
  retry(id: string): void {
    const conv = this.bridge.conversationId;
    if (conv === SINGLE_CONVERSATION) this.outbox.retry(id); else this.lan.retry(conv, id);
  }
  /** UDP Chat: Send Selection. */
  sendSelection(): Promise<void> { return this.codeLinks.sendSelection(); }

  /** Clear History: every conversation of this workspace. */
  clearHistory(): void {
    this.conversation.clear();
    this.bridge.cleared();
    void this.lan.clearAll().catch((e) => this.log.error(`Clear History: ${e instanceof Error ? e.message : String(e)}`));
  }

  /** The saved history did not load cleanly: say what was recovered and where the damaged file is. */
  reportHistoryProblem(text: string): void {
    this.log.warn(`History: ${text}`);
    this.bridge.notice('warning', text);
    this.notifications.show('warning', vscode.l10n.t('UDP Chat: {0}', text));
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
    this.syncContext();
  }

  /**
   * The session's context keys, from the state now. Called wherever the header or the status bar
   * changes (session state, peer events, the conversation shown) and when the peer setting changes.
   * Verify and Accept New Key act on the conversation shown, so their keys describe its person.
   */
  private syncContext(): void {
    const state = this.session.sessionState;
    const running = this.session.running;
    const id = this.bridge.conversationId;
    const shown = !running ? undefined
      : id === SINGLE_CONVERSATION ? this.session.chat.peer
        : id.startsWith('p:') ? this.session.chat.person(id.slice(2)) : undefined;
    this.contextKeys.set({
      sessionActive: state === 'active' || state === 'starting',
      peerSet: configuredPeerText() !== '',
      peerKeyKnown: Boolean(shown?.safetyNumber),
      peerKeyChanged: shown?.keyChangePending ?? false,
    });
  }

  /** Idempotent: VS Code calls deactivate and then disposes the subscriptions. */
  dispose(): Promise<void> {
    this.disposing ??= this.disposeOnce();
    return this.disposing;
  }

  private async disposeOnce(): Promise<void> {
    // First, while there is time: a reloading window does not wait for asynchronous work.
    this.conversation.flushSync();
    this.lan.flushSync();
    this.notifications.dispose();
    if (this.rosterTimer) clearTimeout(this.rosterTimer);
    await this.session.dispose();
    await this.conversation.flush();
    await this.lan.flush();
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}
