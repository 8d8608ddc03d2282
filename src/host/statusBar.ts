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
    this.item.name = 'UDP Chat';
    this.item.command = Commands.focusView;
  }

  update({ state, presence, who: peer, local, unread }: StatusBarInfo): void {
    const icon = state === 'active' ? (presence === 'online' ? '$(broadcast)' : '$(radio-tower)') : '$(comment-discussion)';
    const who = peer || 'no peer';
    const st = state === 'active' ? (presence === 'online' ? 'online' : presence === 'offline' ? 'offline' : 'waiting') : state;
    this.item.text = `${icon} UDP Chat${unread ? ` (${unread})` : ''}`;
    this.item.tooltip = `UDP Chat: ${st}${state === 'active' ? ` — ${who}, local ${local}` : ''}${unread ? `\n${unread} unread` : ''}\nClick to open the chat`;
    this.item.accessibilityInformation = { label: `UDP Chat ${st}${unread ? `, ${unread} unread messages` : ''}` };
    this.item.show();
  }

  dispose(): void {
    this.item.dispose();
  }
}
