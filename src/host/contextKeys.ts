// The context keys that package.json's `when` and `enablement` clauses read, so the palette, the
// menus and the keybinding offer a command only when it can apply. This is the one place that
// calls setContext: the controller computes the session's keys (syncSession), the passphrase
// store's change sets hasPassphrase. A key is only sent to VS Code when its value changes.
import * as vscode from 'vscode';
import { CONTEXT_ACTIVE, CONTEXT_HAS_PASSPHRASE, CONTEXT_KEY_CHANGED, CONTEXT_PEER_KEY, CONTEXT_PEER_SET } from '../constants';

/** What the keys describe; every field is one context key. */
export interface ContextState {
  /** udpChat.sessionActive: a session runs or is starting (End Session, New Group…, Block…). */
  sessionActive: boolean;
  /** udpChat.peerSet: udpChat.peer is set (Send Selection then starts the chat by itself). */
  peerSet: boolean;
  /** udpChat.peerKeyKnown: the conversation shown has an encrypted session with a safety number (Verify). */
  peerKeyKnown: boolean;
  /** udpChat.peerKeyChanged: the conversation shown waits for a decision on a new key (Accept New Key). */
  peerKeyChanged: boolean;
  /** udpChat.hasPassphrase: a passphrase is stored (Clear Passphrase). */
  hasPassphrase: boolean;
}

const KEYS: Record<keyof ContextState, string> = {
  sessionActive: CONTEXT_ACTIVE,
  peerSet: CONTEXT_PEER_SET,
  peerKeyKnown: CONTEXT_PEER_KEY,
  peerKeyChanged: CONTEXT_KEY_CHANGED,
  hasPassphrase: CONTEXT_HAS_PASSPHRASE,
};

export class ContextKeys {
  private readonly values: ContextState = { sessionActive: false, peerSet: false, peerKeyKnown: false, peerKeyChanged: false, hasPassphrase: false };
  private sentOnce = false;

  /** The values last sent to VS Code, by context key name (tests read them). */
  get current(): Readonly<Record<string, boolean>> {
    return Object.fromEntries(Object.entries(KEYS).map(([field, key]) => [key, this.values[field as keyof ContextState]]));
  }

  /** Sets the given keys; only changed ones (and all of them the first time) reach VS Code. */
  set(next: Partial<ContextState>): void {
    const first = !this.sentOnce;
    this.sentOnce = true;
    for (const field of Object.keys(KEYS) as Array<keyof ContextState>) {
      const v = next[field];
      if (v === undefined && !first) continue;
      const value = v ?? this.values[field];
      if (!first && value === this.values[field]) continue;
      this.values[field] = value;
      void vscode.commands.executeCommand('setContext', KEYS[field], value);
    }
  }
}
