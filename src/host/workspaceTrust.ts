// Workspace Trust, the VS Code side: in Restricted Mode, find the folder's restricted udpChat.*
// settings that VS Code ignores (restrictedSettings.ts), tell the user once per window (a notice in
// the chat and a notification offering Manage Workspace Trust), and when the user trusts the folder,
// say that its settings apply and let the running session move to the folder's peer.
import * as vscode from 'vscode';
import { ignoredSettings, parseJsonc, restrictedValuesIn, SECTION, type IgnoredSetting, type RestrictedKey } from './restrictedSettings';
import { ignoredNotice, trustedNotice } from './trustNotices';
import type { Level } from './notifications';

const MANAGE_TRUST_COMMAND = 'workbench.trust.manage';

export interface TrustParts {
  log: vscode.LogOutputChannel;
  /** A notice in the chat view and a notification (prefixed "UDP Chat: ") with `actions`. */
  announce(level: Level, text: string, actions?: string[], then?: (pick: string) => unknown): void;
  /** The folder was trusted: the peer setting may have changed (the session follows it). */
  peerMayHaveChanged(): void;
}

/**
 * The settings file whose window-scoped values VS Code applies as workspace settings: the
 * .code-workspace file of a multi-root workspace (folder settings cannot set window-scoped settings
 * there), else the single folder's .vscode/settings.json. Undefined without a folder.
 */
export function workspaceSettingsFile(): { uri: vscode.Uri; inWorkspaceFile: boolean } | undefined {
  const wsFile = vscode.workspace.workspaceFile;
  if (wsFile && wsFile.scheme !== 'untitled') return { uri: wsFile, inWorkspaceFile: true };
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (!folder) return undefined;
  return { uri: vscode.Uri.joinPath(folder.uri, '.vscode', 'settings.json'), inWorkspaceFile: false };
}

/** The restricted settings the folder sets that VS Code does not apply now (none when trusted). */
export async function findIgnoredSettings(): Promise<IgnoredSetting[]> {
  if (vscode.workspace.isTrusted) return [];
  const file = workspaceSettingsFile();
  if (!file) return [];
  let text: string;
  try {
    text = new TextDecoder().decode(await vscode.workspace.fs.readFile(file.uri));
  } catch {
    return []; // no settings file
  }
  const parsed = parseJsonc(text);
  const settings = file.inWorkspaceFile ? (parsed as { settings?: unknown } | undefined)?.settings : parsed;
  const cfg = vscode.workspace.getConfiguration(SECTION);
  return ignoredSettings(restrictedValuesIn(settings), (key: RestrictedKey) => cfg.inspect(key));
}

export class WorkspaceTrustNotices implements vscode.Disposable {
  /** What is ignored now (tests and the view read it). */
  ignored: IgnoredSetting[] = [];
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(private readonly parts: TrustParts) {
    this.subscriptions.push(vscode.workspace.onDidGrantWorkspaceTrust(() => this.granted()));
  }

  /** Looks for ignored settings and tells the user when there are some. */
  async check(): Promise<IgnoredSetting[]> {
    this.ignored = await findIgnoredSettings();
    const text = ignoredNotice(this.ignored);
    if (text) {
      this.parts.log.warn(`Restricted Mode: ignoring the workspace's ${this.ignored.map((s) => s.id).join(', ')}`);
      const manage = vscode.l10n.t('Manage Workspace Trust');
      this.parts.announce('warning', text, [manage], (pick) => {
        if (pick === manage) return vscode.commands.executeCommand(MANAGE_TRUST_COMMAND);
        return undefined;
      });
    }
    return this.ignored;
  }

  private granted(): void {
    const applied = this.ignored;
    this.ignored = [];
    this.parts.log.info('The workspace is trusted now');
    if (applied.length === 0) return;
    this.parts.announce('info', trustedNotice(applied));
    // VS Code also reports the peer setting as changed; asking here too is harmless (same peer: no-op).
    if (applied.some((s) => s.key === 'peer')) this.parts.peerMayHaveChanged();
  }

  dispose(): void {
    for (const d of this.subscriptions) d.dispose();
  }
}
