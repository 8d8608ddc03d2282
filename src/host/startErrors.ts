// A session that could not start: what the user is told, and the fix offered for each kind of
// failure (port taken or forbidden, peer name that does not resolve, local address not here).
import * as vscode from 'vscode';
import { UdpError } from '../net/udpEndpoint';
import type { Show } from './notifications';
import { askPort } from './settings';

export interface StartOptions { anyPort?: boolean; restore?: boolean; attempt?: number }

/** The error code of a failed start ('' when it is not a socket or name-resolution error). */
export function startErrorCode(e: unknown): string {
  return e instanceof UdpError ? e.code : '';
}

/** Logs the failure, says it in the chat, and offers the fix that applies. */
export function explainStartError(e: unknown, port: number, opts: StartOptions, to: {
  log: vscode.LogOutputChannel;
  show: Show;
  notice(level: 'error', text: string): void;
  start(opts: StartOptions): Promise<boolean>;
  setPeer(): Promise<string | undefined>;
}): void {
  const msg = e instanceof Error ? e.message : String(e);
  const code = startErrorCode(e);
  to.log.error(`Start failed: ${msg}`);
  to.notice('error', vscode.l10n.t('Could not start: {reason}', { reason: msg }));
  const shown = vscode.l10n.t('UDP Chat: {0}', msg);
  if (code === 'EADDRINUSE' || code === 'EACCES' || code === 'EPERM') {
    const anyPort = vscode.l10n.t('Use Any Free Port');
    to.show('error', shown, [anyPort, vscode.l10n.t('Change Port')], async (pick) => {
      if (pick === anyPort) await to.start({ ...opts, anyPort: true });
      else if (await askPort(port)) await to.start({ ...opts, anyPort: false });
    });
  } else if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'ENODATA' || code === 'ESERVFAIL') {
    to.show('error', shown, [vscode.l10n.t('Set Peer Address')], async () => {
      if (await to.setPeer()) await to.start(opts);
    });
  } else if (code === 'EADDRNOTAVAIL') {
    to.show('error', vscode.l10n.t('UDP Chat: {reason} Check udpChat.localAddress (empty binds all interfaces).', { reason: msg }), [vscode.l10n.t('Open Settings')], () => vscode.commands.executeCommand('workbench.action.openSettings', 'udpChat.localAddress'));
  } else {
    to.show('error', shown, [vscode.l10n.t('Open Settings')], () => vscode.commands.executeCommand('workbench.action.openSettings', 'udpChat'));
  }
}
