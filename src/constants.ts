// Every id the extension contributes, in one place (package.json must match).
export const EXTENSION_ID = 'udp-chat.udp-chat';

export const Commands = {
  start: 'udpChat.start',
  setPeer: 'udpChat.setPeer',
  endSession: 'udpChat.endSession',
  sendSelection: 'udpChat.sendSelection',
  setPassphrase: 'udpChat.setPassphrase',
  clearPassphrase: 'udpChat.clearPassphrase',
  clearHistory: 'udpChat.clearHistory',
  /** VS Code's own command for the view (there is no "Open Chat" of ours: it duplicated it). */
  focusView: 'udpChat.chatView.focus',
} as const;

export const VIEW_ID = 'udpChat.chatView';
export const CONTEXT_ACTIVE = 'udpChat.sessionActive';
/** A passphrase is stored (Clear Passphrase applies). */
export const CONTEXT_HAS_PASSPHRASE = 'udpChat.hasPassphrase';

export const Settings = {
  section: 'udpChat',
  peer: 'peer',
  localAddress: 'localAddress',
  localPort: 'localPort',
  displayName: 'displayName',
  notifications: 'notifications',
  historyLimit: 'historyLimit',
} as const;

export const SECRET_PASSPHRASE = 'udpChat.passphrase';
export const OUTPUT_CHANNEL = 'UDP Chat';
