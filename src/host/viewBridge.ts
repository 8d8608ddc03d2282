// The bridge to the chat webview. Host → view: changes to the conversation and the header go out
// batched, at most once per frame. View → host: one exhaustive switch over the shared union
// (src/shared/protocol.ts) hands each message to the part that does it.
import * as vscode from 'vscode';
import type { OutStatus } from '../core/session';
import type { ChatEntry, CodeBlock, DeliveryStatus, HeaderInfo, HostToWebview, WebviewToHost } from '../shared/protocol';
import { assertNever } from '../shared/protocol';
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
}

export class ViewBridge {
  private outgoing: HostToWebview[] = [];
  private flushTimer?: NodeJS.Timeout;
  /** The last render time the view reported, for the performance report. */
  lastRender?: { count: number; ms: number };

  constructor(
    private readonly log: vscode.LogOutputChannel,
    private readonly conversation: Conversation,
    private readonly view: () => ChatViewProvider | undefined,
  ) {}

  // ------------------------------------------------------------------ host → view

  /** Entries were added to the conversation. */
  added(entry: ChatEntry): void {
    this.post({ type: 'didAddEntries', entries: [entry] });
  }

  /** A notice in the chat (session started, peer online, errors, ...). */
  notice(level: 'info' | 'warning' | 'error', text: string): void {
    const entry = this.conversation.add({ id: this.conversation.newId(), kind: 'notice', text, time: Date.now(), level });
    this.added(entry);
  }

  /** An own message's delivery status changed. */
  setStatus(id: string, status: OutStatus | DeliveryStatus): void {
    if (this.conversation.setStatus(id, status)) this.post({ type: 'didChangeStatus', id, status });
  }

  header(header: HeaderInfo): void {
    this.post({ type: 'didChangeHeader', header });
  }

  cleared(): void {
    this.post({ type: 'didClear' });
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
    let adds: ChatEntry[] | undefined;
    for (const m of batch) {
      if (m.type === 'didAddEntries') {
        (adds ??= []).push(...m.entries);
        continue;
      }
      if (adds) { this.view()?.post({ type: 'didAddEntries', entries: adds }); adds = undefined; }
      // A header or status change superseded by a later one in the same batch is skipped.
      this.view()?.post(m);
    }
    if (adds) this.view()?.post({ type: 'didAddEntries', entries: adds });
  }

  // ------------------------------------------------------------------ view → host

  async onMessage(msg: WebviewToHost, to: WebviewActions): Promise<void> {
    switch (msg.type) {
      case 'ready':
        return;
      case 'sendMessage':
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
      case 'saveDraft':
        to.saveDraft(typeof msg.text === 'string' ? msg.text.slice(0, 2 * 1024 * 1024) : '');
        return;
      case 'didRender':
        this.log.info(`View rendered ${msg.count} entries in ${msg.ms.toFixed(1)} ms`);
        this.lastRender = { count: msg.count, ms: msg.ms };
        return;
      default:
        assertNever(msg);
    }
  }
}
