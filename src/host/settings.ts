// The udpChat.* settings: reading and validating them, asking the user for the peer address and
// the local port, and writing them (to the workspace settings when a folder is open and trusted,
// else to the user settings). Every read goes to VS Code's configuration: nothing is cached here.
import * as os from 'node:os';
import * as vscode from 'vscode';
import { Settings } from '../constants';
import { DEFAULT_PORT, parsePeerAddress, parsePort } from '../core/address';
import { resolveHost } from '../net/udpEndpoint';
import type { Show } from './notifications';
import { settingsTarget } from './restrictedSettings';

/** The peer address as configured, trimmed; empty when unset. */
export function configuredPeerText(): string {
  return (vscode.workspace.getConfiguration(Settings.section).get<string>(Settings.peer) ?? '').trim();
}

/** The name the peer sees: the setting, else the OS user name. */
export function displayName(): string {
  const n = (vscode.workspace.getConfiguration(Settings.section).get<string>(Settings.displayName) ?? '').trim();
  if (n) return n;
  try { return os.userInfo().username || 'vscode'; } catch { return 'vscode'; }
}

/** The address to bind, trimmed; empty binds all interfaces. */
export function localAddress(): string {
  return (vscode.workspace.getConfiguration(Settings.section).get<string>(Settings.localAddress) ?? '').trim();
}

/** The port to bind as configured (not validated: see isValidPort). */
export function localPort(): number {
  return vscode.workspace.getConfiguration(Settings.section).get<number>(Settings.localPort) ?? DEFAULT_PORT;
}

/** Announce us and find people on the LAN (mDNS). */
export function discoverable(): boolean {
  return vscode.workspace.getConfiguration(Settings.section).get<boolean>(Settings.discoverable, true);
}

/** The interface to announce and browse on ('' = all). */
export function discoveryInterface(): string {
  return (vscode.workspace.getConfiguration(Settings.section).get<string>(Settings.discoveryInterface) ?? '').trim();
}

/** Who may start a conversation: anyone on the LAN, or people we know (a stranger's first message is a request). */
export function whoCanReachMe(): 'anyone' | 'known' {
  return vscode.workspace.getConfiguration(Settings.section).get<string>(Settings.whoCanReachMe, 'anyone') === 'knownPeople' ? 'known' : 'anyone';
}

export function isValidPort(port: number): boolean {
  return Number.isInteger(port) && port >= 0 && port <= 65535;
}

/** Whether a message that arrives while the view is hidden is announced. */
export function notificationsEnabled(): boolean {
  return vscode.workspace.getConfiguration(Settings.section).get<boolean>(Settings.notifications, true);
}

/** Calls back when the peer or the display name setting changes. */
export function onSettingsChanged(on: { peer(): void; displayName(): void }): vscode.Disposable {
  return vscode.workspace.onDidChangeConfiguration((e) => {
    if (e.affectsConfiguration(`${Settings.section}.${Settings.peer}`)) on.peer();
    if (e.affectsConfiguration(`${Settings.section}.${Settings.displayName}`)) on.displayName();
  });
}

/**
 * Writes to the workspace settings when a folder is open, else to the user settings. In an untrusted
 * folder the restricted settings (peer, local address and port, ...) go to the user settings: VS Code
 * would ignore them in the workspace's (restrictedSettings.ts settingsTarget).
 */
export async function writeSetting(key: string, value: unknown): Promise<'workspace' | 'user'> {
  const cfg = vscode.workspace.getConfiguration(Settings.section);
  const hasFolder = (vscode.workspace.workspaceFolders?.length ?? 0) > 0;
  const where = settingsTarget(hasFolder, vscode.workspace.isTrusted, key);
  await cfg.update(key, value, where === 'workspace' ? vscode.ConfigurationTarget.Workspace : vscode.ConfigurationTarget.Global);
  return where;
}

/** Asks for the local port and saves it. Resolves false when cancelled. */
export async function askPort(current: number): Promise<boolean> {
  const value = await vscode.window.showInputBox({
    title: vscode.l10n.t('UDP Chat: local port'),
    prompt: vscode.l10n.t('UDP port to bind (0 = any free port)'),
    value: String(current),
    validateInput: (v) => { const r = parsePort(v.trim(), true); return r.ok ? undefined : r.error; },
  });
  if (value === undefined) return false;
  const p = parsePort(value.trim(), true);
  if (!p.ok) return false;
  await writeSetting(Settings.localPort, p.value);
  return true;
}

/** What setPeer needs to know about the running session, if any. */
export interface PeerInUse {
  readonly running: boolean;
  /** The peer the running session talks to, "host:port". */
  peerInUse(): string;
}

/**
 * UDP Chat: Set Peer Address. `given` skips the input box. Resolves the text written, or undefined
 * when cancelled or refused.
 */
export async function setPeer(given: string | undefined, session: PeerInUse, show: Show): Promise<string | undefined> {
  const current = configuredPeerText();
  const value = typeof given === 'string' ? given : await vscode.window.showInputBox({
    title: vscode.l10n.t('UDP Chat: peer address'),
    prompt: vscode.l10n.t('host:port, IPv4, [IPv6]:port or hostname (default port {port})', { port: DEFAULT_PORT }),
    placeHolder: '192.0.2.7:50505',
    value: current,
    ignoreFocusOut: true,
    validateInput: (v) => { const r = parsePeerAddress(v); return r.ok ? undefined : r.error; },
  });
  if (value === undefined) return undefined;
  const r = parsePeerAddress(value);
  if (!r.ok) {
    show('error', vscode.l10n.t('UDP Chat: invalid peer address "{address}": {reason}', { address: value, reason: r.error }), [vscode.l10n.t('Set Peer Address')], () => setPeer(undefined, session, show));
    return undefined;
  }
  const text = value.trim();
  if (session.running) {
    // The session moves to the new peer: one that does not resolve is refused before it is saved,
    // so the header, the settings and the session keep agreeing.
    try {
      await resolveHost(r.value.host, r.value.family);
    } catch (e) {
      show('error', vscode.l10n.t('UDP Chat: {reason} The peer address was not changed; still chatting with {peer}.', { reason: e instanceof Error ? e.message : String(e), peer: session.peerInUse() }), [vscode.l10n.t('Set Peer Address')], () => setPeer(undefined, session, show));
      return undefined;
    }
  }
  const where = await writeSetting(Settings.peer, text);
  if (where === 'user') {
    show('info', (vscode.workspace.workspaceFolders?.length ?? 0) > 0
      ? vscode.l10n.t("UDP Chat: this folder is not trusted, so the peer {peer} was saved in your user settings (a restricted setting in the folder's settings would be ignored).", { peer: text })
      : vscode.l10n.t('UDP Chat: no folder is open, so the peer {peer} was saved in your user settings.', { peer: text }));
  }
  return text;
}
