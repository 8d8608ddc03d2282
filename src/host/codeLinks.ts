// The chat's links into the editor and out of it: sending the editor's selection as a code block,
// opening a received code block at its lines when the file is in this workspace, copying a code
// block, and opening web links from messages.
import * as fs from 'node:fs';
import * as vscode from 'vscode';
import type { CodeBlock } from '../shared/protocol';
import type { ChatViewProvider } from './chatViewProvider';
import type { Conversation } from './conversation';
import type { Show } from './notifications';

export class CodeLinks {
  constructor(
    private readonly conversation: Conversation,
    private readonly view: () => ChatViewProvider | undefined,
    private readonly show: Show,
    /** Sends a message (the outbox). */
    private readonly send: (text: string, code: CodeBlock) => Promise<void>,
  ) {}

  /** UDP Chat: Send Selection (the current line when nothing is selected). */
  async sendSelection(): Promise<void> {
    const editor = vscode.window.activeTextEditor;
    if (!editor) {
      this.show('warning', vscode.l10n.t('UDP Chat: open an editor and select some code to send.'));
      return;
    }
    const sel = editor.selection.isEmpty ? new vscode.Range(editor.selection.active.line, 0, editor.selection.active.line, Number.MAX_SAFE_INTEGER) : editor.selection;
    const text = editor.document.getText(sel);
    if (!text.trim()) {
      this.show('warning', vscode.l10n.t('UDP Chat: the selection is empty.'));
      return;
    }
    const rel = vscode.workspace.asRelativePath(editor.document.uri, false).replace(/\\/g, '/');
    const code: CodeBlock = {
      code: text, language: editor.document.languageId,
      path: editor.document.uri.scheme === 'untitled' ? '' : rel,
      // A selection that ends at the start of a line does not include that line (as VS Code counts it).
      startLine: sel.start.line + 1,
      endLine: sel.end.line > sel.start.line && sel.end.character === 0 ? sel.end.line : sel.end.line + 1,
    };
    await this.view()?.reveal(true);
    await this.send(text, code);
  }

  /** Whether a code block's path names a file in this workspace (the view then offers Open). */
  workspaceHas(relPath: string): boolean {
    return resolveWorkspacePath(relPath) !== undefined;
  }

  /** Opens the code block of entry `id` in its file, its lines selected. */
  async openCode(id: string): Promise<void> {
    const e = this.conversation.get(id);
    if (!e?.code) return;
    const uri = resolveWorkspacePath(e.code.path);
    if (!uri) {
      this.show('warning', vscode.l10n.t('UDP Chat: {path} is not in this workspace.', { path: e.code.path }));
      return;
    }
    const start = Math.max(0, e.code.startLine - 1);
    const end = Math.max(start, e.code.endLine - 1);
    const doc = await vscode.workspace.openTextDocument(uri);
    const range = new vscode.Range(start, 0, Math.min(end, doc.lineCount - 1), Number.MAX_SAFE_INTEGER);
    await vscode.window.showTextDocument(doc, { selection: range, preview: true });
  }

  /** Puts the code block of entry `id` on the clipboard. */
  async copyCode(id: string): Promise<void> {
    const e = this.conversation.get(id);
    if (e?.code) {
      await vscode.env.clipboard.writeText(e.code.code);
      vscode.window.setStatusBarMessage(vscode.l10n.t('UDP Chat: code copied'), 2000);
    }
  }

  /** Opens a link from a message: http, https and mailto only. */
  async openLink(url: string): Promise<void> {
    let uri: vscode.Uri;
    try { uri = vscode.Uri.parse(url, true); } catch { return; }
    if (!['http', 'https', 'mailto'].includes(uri.scheme)) {
      this.show('warning', vscode.l10n.t('UDP Chat: only http, https and mailto links open (not "{scheme}:").', { scheme: uri.scheme }));
      return;
    }
    // VS Code asks before it opens a link to a domain the user has not trusted: asking here too asked twice.
    await vscode.env.openExternal(uri);
  }
}

/** A relative path inside one of the workspace folders, if that file exists; never outside them. */
function resolveWorkspacePath(relPath: string): vscode.Uri | undefined {
  if (!relPath || relPath.includes('\0') || relPath.split(/[\\/]/).includes('..') || relPath.startsWith('/')) return undefined;
  for (const folder of vscode.workspace.workspaceFolders ?? []) {
    const uri = vscode.Uri.joinPath(folder.uri, relPath);
    // Synchronous check: the folder is local to the extension host in all supported setups.
    if (uri.scheme === 'file' && fs.existsSync(uri.fsPath)) return uri;
  }
  return undefined;
}
