// The bridge to the chat webview. Host → view: changes to the conversation and the header go out
// batched, at most once per frame. View → host: one exhaustive switch over the shared union
// (src/shared/protocol.ts) hands each message to the part that does it.
import * as vscode from 'vscode';
import type { OutStatus } from '../core/session';
import type { ChatEntry, CodeBlock, ConversationId, DeliveryStatus, HeaderInfo, HostToWebview, WebviewToHost } from '../shared/protocol';
import { assertNever, SINGLE_CONVERSATION } from '../shared/protocol';
import type { ChatViewProvider } from './chatViewProvider';
import type { Conversation } from './conversation';

/** View updates are sent at most this often. */
const VIEW_BATCH_MS = 16;

/** What the webview can ask the host to do. */
export interface WebviewActions {
  sendText(text: string, code?: CodeBlock): Promise<void>;
  retry(id: string): void;
  openCode(id: string): Promise<void>;
  copyCode(id: string): Promise<void>;
  openLink(url: string): Promise<void>;
  start(): Promise<boolean>;
  setPeer(): Promise<string | undefined>;
  endSession(): Promise<void>;
  saveDraft(text: string): void;
  verifyPeer(): Promise<boolean>;
  acceptPeerKey(): Promise<boolean>;
  // ---- several conversations (issue 13): not wired yet; absent, the bridge logs the request ----
  /** Send to a conversation; absent, `sendText` (the one conversation). */
  sendTo?(conversation: ConversationId, text: string): Promise<void>;
  /** Keep a conversation's draft; absent, `saveDraft` (the one conversation's draft). */
  saveDraftFor?(conversation: ConversationId, text: string): void;
  /** Show a conversation: post didSnapshot for it (and the roster with it active). */
  openConversation?(conversation: ConversationId): Promise<void> | void;
  addPeer?(): Promise<void> | void;
  createGroup?(): Promise<void> | void;
  editGroup?(conversation: ConversationId): Promise<void> | void;
  leaveGroup?(conversation: ConversationId): Promise<void> | void;
  acceptRequest?(conversation: ConversationId): Promise<void> | void;
  blockPerson?(conversation: ConversationId): Promise<void> | void;
}

export class ViewBridge {
  private outgoing: HostToWebview[] = [];
  private flushTimer?: NodeJS.Timeout;
  /** The last render time the view reported, for the performance report. */
  lastRender?: { count: number; ms: number };
  /**
   * The conversation this host shows: one today (SINGLE_CONVERSATION). With the roster, the host sets
   * it when the user opens another and sends entries and statuses with their own conversation ids.
   */
  conversationId: ConversationId = SINGLE_CONVERSATION;

  constructor(
    private readonly log: vscode.LogOutputChannel,
    private readonly conversation: Conversation,
    private readonly view: () => ChatViewProvider | undefined,
  ) {}

  // ------------------------------------------------------------------ host → view

  /** The configured peer's messages that arrived while another conversation was shown. */
  unseen = 0;
  /** `unseen` changed (the list shows it). */
  onUnseen?: () => void;

  /** Entries were added to the configured peer's conversation (shown or not: the view sorts by id). */
  added(entry: ChatEntry): void {
    this.post({ type: 'didAddEntries', conversation: SINGLE_CONVERSATION, entries: [entry] });
    if (entry.kind === 'peer' && this.conversationId !== SINGLE_CONVERSATION) { this.unseen++; this.onUnseen?.(); }
  }

  /** A notice in the chat (session started, peer online, errors, ...). */
  notice(level: 'info' | 'warning' | 'error', text: string): void {
    const entry = this.conversation.add({ id: this.conversation.newId(), kind: 'notice', text, time: Date.now(), level });
    this.added(entry);
  }

  /** An own message's delivery status changed. */
  setStatus(id: string, status: OutStatus | DeliveryStatus): void {
    if (this.conversation.setStatus(id, status)) this.post({ type: 'didChangeStatus', conversation: SINGLE_CONVERSATION, id, status });
  }

  header(header: HeaderInfo): void {
    this.post({ type: 'didChangeHeader', header: { ...header, conversation: header.conversation ?? this.conversationId } });
  }

  /** The configured peer's history was cleared: the view empties only if it shows it. */
  cleared(): void {
    if (this.conversationId === SINGLE_CONVERSATION) this.post({ type: 'didClear' });
  }

  /**
   * View updates are batched: they go out at most once per frame (16 ms), consecutive additions
   * merged into one message, so a burst of thousands of messages cannot flood the webview.
   */
  private post(msg: HostToWebview): void {
    this.outgoing.push(msg);
    if (this.flushTimer === undefined) this.flushTimer = setTimeout(() => this.flush(), VIEW_BATCH_MS);
  }

  private flush(): void {
    this.flushTimer = undefined;
    const batch = this.outgoing;
    this.outgoing = [];
    // Consecutive additions to one conversation go out as one message.
    let adds: { conversation: ConversationId | undefined; entries: ChatEntry[] } | undefined;
    const sendAdds = () => {
      if (adds) this.view()?.post({ type: 'didAddEntries', ...(adds.conversation !== undefined ? { conversation: adds.conversation } : {}), entries: adds.entries });
      adds = undefined;
    };
    for (const m of batch) {
      if (m.type === 'didAddEntries') {
        if (adds && adds.conversation !== m.conversation) sendAdds();
        (adds ??= { conversation: m.conversation, entries: [] }).entries.push(...m.entries);
        continue;
      }
      sendAdds();
      this.view()?.post(m);
    }
    sendAdds();
  }

  // ------------------------------------------------------------------ view → host

  async onMessage(msg: WebviewToHost, to: WebviewActions): Promise<void> {
    switch (msg.type) {
      case 'ready':
        return;
      case 'sendMessage':
        if (to.sendTo) return to.sendTo(msg.conversation, msg.text);
        if (msg.conversation !== this.conversationId) this.log.warn(`A message for ${msg.conversation} is sent to the one conversation (${this.conversationId})`);
        return to.sendText(msg.text);
      case 'retryMessage':
        return to.retry(msg.id);
      case 'openCode':
        return to.openCode(msg.id);
      case 'copyCode':
        return to.copyCode(msg.id);
      case 'openLink':
        return to.openLink(msg.url);
      case 'startSession':
        await to.start();
        return;
      case 'setPeer':
        await to.setPeer();
        return;
      case 'endSession':
        return to.endSession();
      case 'verifyPeer':
        await to.verifyPeer();
        return;
      case 'acceptPeerKey':
        await to.acceptPeerKey();
        return;
      case 'copyText':
        if (typeof msg.text === 'string') void vscode.env.clipboard.writeText(msg.text.slice(0, 1024));
        return;
      case 'saveDraft': {
        const text = typeof msg.text === 'string' ? msg.text.slice(0, 2 * 1024 * 1024) : '';
        if (to.saveDraftFor) to.saveDraftFor(msg.conversation, text);
        // The host keeps one draft: only the shown conversation's.
        else if (msg.conversation === this.conversationId) to.saveDraft(text);
        return;
      }
      case 'openConversation':
        if (to.openConversation) return to.openConversation(msg.id);
        return this.notWired(msg.type, msg.id);
      case 'addPeer':
        if (to.addPeer) return to.addPeer();
        return this.notWired(msg.type);
      case 'createGroup':
        if (to.createGroup) return to.createGroup();
        return this.notWired(msg.type);
      case 'editGroup':
        if (to.editGroup) return to.editGroup(msg.conversation);
        return this.notWired(msg.type, msg.conversation);
      case 'leaveGroup':
        if (to.leaveGroup) return to.leaveGroup(msg.conversation);
        return this.notWired(msg.type, msg.conversation);
      case 'acceptRequest':
        if (to.acceptRequest) return to.acceptRequest(msg.conversation);
        return this.notWired(msg.type, msg.conversation);
      case 'blockPerson':
        if (to.blockPerson) return to.blockPerson(msg.conversation);
        return this.notWired(msg.type, msg.conversation);
      case 'didRender':
        this.log.info(`View rendered ${msg.count} entries in ${msg.ms.toFixed(1)} ms`);
        this.lastRender = { count: msg.count, ms: msg.ms };
        return;
      default:
        assertNever(msg);
    }
  }

  /** A request of the roster UI that this host does not do yet (one conversation only). */
  private notWired(type: string, conversation?: ConversationId): void {
    this.log.info(`Chat view asked for ${type}${conversation ? ` (${conversation})` : ''}: not available yet`);
  }
}
