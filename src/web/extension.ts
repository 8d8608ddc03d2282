// The browser entry point (package.json "browser"): what runs where VS Code has no Node extension host,
// e.g. vscode.dev or github.dev. A browser cannot open UDP sockets, so there is no chat here: every
// command of ours and the view say so plainly and point to where UDP Chat does run (the README's
// "Where it runs", in the Markdown preview). No Node built-in may be imported from here
// (test/unit/web.bundle.test.ts checks the bundle).
import * as vscode from 'vscode';
import { Commands, EXTENSION_ID, VIEW_ID } from '../constants';

/** What every command and the view say here (translated: vscode.l10n.t works in the browser too). */
const unsupportedMessage = (): string => vscode.l10n.t('UDP Chat needs a desktop VS Code or a remote/Codespaces server: browsers cannot open UDP sockets.');
const readMoreLabel = (): string => vscode.l10n.t('Where UDP Chat Runs');

let readme: vscode.Uri | undefined;

/**
 * Shows the README that ships with the extension (section "Where it runs") in the Markdown preview,
 * which runs in a browser too; the extension's page in the Extensions view if that fails.
 */
async function readMore(): Promise<unknown> {
  try {
    if (readme) return await vscode.commands.executeCommand('markdown.showPreview', readme);
  } catch { /* no Markdown preview: the extension's page shows the README as well */ }
  return vscode.commands.executeCommand('extension.open', EXTENSION_ID);
}

function explain(): void {
  const more = readMoreLabel();
  void Promise.resolve(vscode.window.showErrorMessage(unsupportedMessage(), more)).then((pick) => {
    if (pick === more) return readMore();
    return undefined;
  });
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

class UnsupportedView implements vscode.WebviewViewProvider {
  resolveWebviewView(view: vscode.WebviewView): void {
    view.webview.options = { enableScripts: true };
    const nonce = Array.from({ length: 16 }, () => Math.floor(Math.random() * 36).toString(36)).join('');
    view.webview.html = `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'nonce-${nonce}';">
<style>body{font-family:var(--vscode-font-family);font-size:var(--vscode-font-size);color:var(--vscode-foreground);padding:8px 12px}
button{color:var(--vscode-button-foreground);background:var(--vscode-button-background);border:1px solid var(--vscode-button-border,transparent);padding:4px 12px;cursor:pointer}
button:hover{background:var(--vscode-button-hoverBackground)}button:focus-visible{outline:1px solid var(--vscode-focusBorder);outline-offset:2px}</style>
</head><body>
<p id="unsupported" role="alert">${escapeHtml(unsupportedMessage())}</p>
<p>Open this folder in VS Code on your computer, or in a Codespace or another remote server, to chat.</p>
<button id="more" type="button">${escapeHtml(readMoreLabel())}</button>
<script nonce="${nonce}">const api = acquireVsCodeApi(); document.getElementById('more').addEventListener('click', () => api.postMessage({ type: 'readMore' }));</script>
</body></html>`;
    view.webview.onDidReceiveMessage((m: { type?: string }) => { if (m?.type === 'readMore') void readMore(); });
  }
}

export function activate(context: vscode.ExtensionContext): void {
  readme = vscode.Uri.joinPath(context.extensionUri, 'README.md');
  context.subscriptions.push(vscode.window.registerWebviewViewProvider(VIEW_ID, new UnsupportedView()));
  for (const id of Object.values(Commands)) {
    if (id === Commands.focusView) continue; // VS Code's own command for the view
    context.subscriptions.push(vscode.commands.registerCommand(id, explain));
  }
}

export function deactivate(): void { /* nothing to stop */ }
