// Hosts the chat webview view: HTML with a strict CSP, the ready handshake, message validation.
// A WebviewView is disposed and resolved again when the user moves it (microsoft/vscode#106826),
// so everything tied to one view lives in `viewDisposables` and dies with it.
import * as crypto from 'node:crypto';
import * as vscode from 'vscode';
import { checkWebviewMessage, SINGLE_CONVERSATION } from '../shared/protocol';
import type { ChatEntry, ConversationId, HeaderInfo, HostToWebview, WebviewToHost } from '../shared/protocol';
import { VIEW_STRINGS_ELEMENT_ID } from '../shared/viewStrings';
import { viewStrings } from './viewStrings';

export interface ChatViewHost {
  /**
   * The conversation to show. `draft`: its unsent input text kept across window reloads.
   * `conversation`: absent, the header's, else SINGLE_CONVERSATION.
   */
  getSnapshot(): { header: HeaderInfo; entries: ChatEntry[]; draft?: string; conversation?: ConversationId };
  onMessage(msg: WebviewToHost): void | Promise<void>;
  onVisibilityChanged(visible: boolean): void;
  /** A message from the webview failed validation and was ignored (default: console.warn). */
  onInvalidMessage?(reason: string): void;
}

/** Invalid messages logged per view at most: a broken view must not flood the log. */
const MAX_INVALID_LOGGED = 20;

export class ChatViewProvider implements vscode.WebviewViewProvider, vscode.Disposable {
  static readonly viewType = 'udpChat.chatView';

  private view: vscode.WebviewView | undefined;
  /** The script in the current view has posted `ready`; before that, posts would be lost. */
  private ready = false;
  private viewDisposables: vscode.Disposable[] = [];
  private badgeCount = 0;
  private pendingFocus = false;
  private disposed = false;
  private invalidLogged = 0;

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly host: ChatViewHost,
  ) {}

  get visible(): boolean {
    return this.view?.visible ?? false;
  }

  resolveWebviewView(webviewView: vscode.WebviewView): void {
    if (this.disposed) return;
    this.releaseView();
    this.view = webviewView;
    this.ready = false;
    this.invalidLogged = 0;

    const webview = webviewView.webview;
    webview.options = {
      enableScripts: true,
      localResourceRoots: [vscode.Uri.joinPath(this.extensionUri, 'media'), vscode.Uri.joinPath(this.extensionUri, 'dist')],
    };
    this.viewDisposables.push(
      webview.onDidReceiveMessage((raw: unknown) => this.receive(webviewView, raw)),
      webviewView.onDidChangeVisibility(() => {
        // Without retainContextWhenHidden a hidden view loses its document; the new one posts `ready` again.
        if (!webviewView.visible) this.ready = false;
        this.notifyVisibility(webviewView.visible);
      }),
      webviewView.onDidDispose(() => {
        if (this.view !== webviewView) return;
        this.releaseView();
        this.view = undefined;
        this.ready = false;
        this.notifyVisibility(false);
      }),
    );
    webview.html = this.html(webview);
    this.applyBadge();
    this.notifyVisibility(webviewView.visible);
  }

  /** Sends to the webview; dropped (never thrown) while no view is resolved, visible and ready. */
  post(msg: HostToWebview): void {
    const view = this.view;
    if (!view || !this.ready || !view.visible) return;
    try {
      view.webview.postMessage(msg).then(undefined, () => undefined);
    } catch {
      // The view was disposed between the check and the call: the next `ready` resends a snapshot.
    }
  }

  async reveal(preserveFocus?: boolean): Promise<void> {
    if (!this.view) {
      await vscode.commands.executeCommand(`${ChatViewProvider.viewType}.focus`);
      return;
    }
    this.view.show(preserveFocus);
  }

  /** Puts the keyboard focus in the message box, now or as soon as the view is ready. */
  focusInput(): void {
    if (this.view && this.ready && this.view.visible) this.post({ type: 'didFocusInput' });
    else this.pendingFocus = true;
  }

  setBadge(count: number): void {
    this.badgeCount = Number.isFinite(count) && count > 0 ? Math.floor(count) : 0;
    this.applyBadge();
  }

  dispose(): void {
    this.disposed = true;
    this.releaseView();
    this.view = undefined;
    this.ready = false;
  }

  private applyBadge(): void {
    if (!this.view) return;
    const n = this.badgeCount;
    // Setting `undefined` does not clear a badge that was shown (a VS Code bug); a badge of value 0
    // is not drawn, so that is how it is cleared.
    const tooltip = n === 1 ? vscode.l10n.t('1 unread message') : vscode.l10n.t('{count} unread messages', { count: n });
    this.view.badge = n > 0 ? { value: n, tooltip } : { value: 0, tooltip: '' };
  }

  private receive(from: vscode.WebviewView, raw: unknown): void {
    // A message from a view we already replaced is stale.
    if (from !== this.view) return;
    const checked = checkWebviewMessage(raw);
    if (!checked.ok) {
      this.invalid(checked.reason);
      return;
    }
    const msg = checked.msg;
    if (msg.type === 'ready') {
      this.ready = true;
      this.sendSnapshot();
      if (this.pendingFocus) {
        this.pendingFocus = false;
        this.post({ type: 'didFocusInput' });
      }
    }
    this.forward(msg);
  }

  private invalid(reason: string): void {
    if (this.invalidLogged >= MAX_INVALID_LOGGED) return;
    this.invalidLogged++;
    const text = `Ignored an invalid message from the chat view: ${reason}${this.invalidLogged === MAX_INVALID_LOGGED ? ' (further ones are not logged)' : ''}`;
    try {
      if (this.host.onInvalidMessage) this.host.onInvalidMessage(text);
      else console.warn(`[udp-chat] ${text}`);
    } catch {
      // Logging must never break message handling.
    }
  }

  private sendSnapshot(): void {
    let snapshot: ReturnType<ChatViewHost['getSnapshot']>;
    try {
      snapshot = this.host.getSnapshot();
    } catch (err) {
      showError(err);
      return;
    }
    const draft = typeof snapshot.draft === 'string' && snapshot.draft !== '' ? snapshot.draft : undefined;
    const conversation = snapshot.conversation ?? snapshot.header.conversation ?? SINGLE_CONVERSATION;
    const header: HeaderInfo = { ...snapshot.header, conversation };
    this.post({ type: 'didSnapshot', conversation, header, entries: snapshot.entries, sentAt: Date.now(), ...(draft !== undefined ? { draft } : {}) });
  }

  private forward(msg: WebviewToHost): void {
    try {
      const result = this.host.onMessage(msg);
      if (result && typeof result.then === 'function') result.then(undefined, showError);
    } catch (err) {
      showError(err);
    }
  }

  private notifyVisibility(visible: boolean): void {
    try {
      this.host.onVisibilityChanged(visible);
    } catch (err) {
      showError(err);
    }
  }

  private releaseView(): void {
    const disposables = this.viewDisposables;
    this.viewDisposables = [];
    for (const d of disposables) {
      try {
        d.dispose();
      } catch {
        // Disposing a listener of an already disposed view can throw; nothing to clean up then.
      }
    }
  }

  private html(webview: vscode.Webview): string {
    const nonce = crypto.randomBytes(16).toString('base64');
    const script = webview.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, 'dist', 'webview.js'));
    const styles = ['chat.css', 'entries.css', 'highContrast.css'].map((f) => webview.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, 'media', f)));
    // Every icon in the view is a codicon (the font ships in media/codicons, copied there by the build).
    const codicons = webview.asWebviewUri(vscode.Uri.joinPath(this.extensionUri, 'media', 'codicons', 'codicon.css'));
    const src = webview.cspSource;
    // The view's words, translated here (the webview bundle holds none): a JSON data block, never run.
    const strings = JSON.stringify(viewStrings()).replace(/</g, '\\u003c');
    const csp =
      `default-src 'none'; style-src ${src}; script-src 'nonce-${nonce}'; img-src ${src}; ` +
      `font-src ${src}; connect-src 'none'`;
    return `<!DOCTYPE html>
<html lang="${attr(vscode.env.language || 'en')}">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${attr(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${attr(codicons.toString())}">
${styles.map((s) => `<link rel="stylesheet" href="${attr(s.toString())}">`).join('\n')}
<title>${escapeText(vscode.l10n.t('UDP Chat'))}</title>
</head>
<body>
<script type="application/json" id="${VIEW_STRINGS_ELEMENT_ID}">${strings}</script>
<script nonce="${attr(nonce)}" src="${attr(script.toString())}"></script>
</body>
</html>`;
  }
}

function attr(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function escapeText(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function showError(err: unknown): void {
  const message = err instanceof Error ? err.message : String(err);
  try {
    vscode.window.showErrorMessage(vscode.l10n.t('UDP Chat: {0}', message)).then(undefined, () => undefined);
  } catch {
    // Never let error reporting itself become an unhandled error.
  }
}
