// The status bar item: session state, peer and unread count at a glance; a click opens the chat.
import * as vscode from 'vscode';
import { Commands } from '../constants';
import type { Presence } from '../core/session';
import type { SessionState } from '../shared/protocol';

export interface StatusBarInfo {
  state: SessionState;
  presence: Presence;
  /** The peer's name when known, else the configured address, else empty. */
  who: string;
  /** The bound address, shown while a session runs. */
  local: string;
  unread: number;
}

export class ChatStatusBar implements vscode.Disposable {
  private readonly item: vscode.StatusBarItem;

  constructor() {
    this.item = vscode.window.createStatusBarItem('udpChat.status', vscode.StatusBarAlignment.Right, 100);
    this.item.name = vscode.l10n.t('UDP Chat');
    this.item.command = Commands.focusView;
  }

  update({ state, presence, who: peer, local, unread }: StatusBarInfo): void {
    const icon = state === 'active' ? (presence === 'online' ? '$(broadcast)' : '$(radio-tower)') : '$(comment-discussion)';
    const who = peer || vscode.l10n.t('no peer');
    const st = stateWords(state, presence);
    this.item.text = unread ? vscode.l10n.t('{icon} UDP Chat ({unread})', { icon, unread }) : vscode.l10n.t('{icon} UDP Chat', { icon });
    const lines = [state === 'active' ? vscode.l10n.t('UDP Chat: {state} — {who}, local {local}', { state: st, who, local }) : vscode.l10n.t('UDP Chat: {state}', { state: st })];
    if (unread) lines.push(vscode.l10n.t('{count} unread', { count: unread }));
    lines.push(vscode.l10n.t('Click to open the chat'));
    this.item.tooltip = lines.join('\n');
    this.item.accessibilityInformation = {
      label: unread ? vscode.l10n.t('UDP Chat {state}, {count} unread messages', { state: st, count: unread }) : vscode.l10n.t('UDP Chat {state}', { state: st }),
    };
    this.item.show();
  }

  dispose(): void {
    this.item.dispose();
  }
}

/** The session state in the status bar's words. */
function stateWords(state: SessionState, presence: Presence): string {
  switch (state) {
    case 'active': return presence === 'online' ? vscode.l10n.t('online') : presence === 'offline' ? vscode.l10n.t('offline') : vscode.l10n.t('waiting');
    case 'idle': return vscode.l10n.t('idle');
    case 'starting': return vscode.l10n.t('starting');
    case 'ended': return vscode.l10n.t('ended');
    case 'error': return vscode.l10n.t('error');
    default: return String(state);
  }
}
