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
  /** Compare the safety number with the peer and mark its key verified. */
  verifyPeer: 'udpChat.verifyPeer',
  /** After a key-change warning: accept the peer's new identity key. */
  acceptPeerKey: 'udpChat.acceptPeerKey',
  /** Start a conversation with an address (a person not found on the LAN, a plain-text program). */
  addPeer: 'udpChat.addPeer',
  /** Create a group from people in the list. */
  newGroup: 'udpChat.newGroup',
  /** Block a person: nothing of theirs reaches us again (remembered). */
  block: 'udpChat.block',
  unblock: 'udpChat.unblock',
  /** VS Code's own command for the view (there is no "Open Chat" of ours: it duplicated it). */
  focusView: 'udpChat.chatView.focus',
} as const;

export const VIEW_ID = 'udpChat.chatView';
/** The getting-started walkthrough (package.json contributes.walkthroughs). */
export const WALKTHROUGH_ID = 'udpChat.gettingStarted';
export const CONTEXT_ACTIVE = 'udpChat.sessionActive';
/** A passphrase is stored (Clear Passphrase applies). */
export const CONTEXT_HAS_PASSPHRASE = 'udpChat.hasPassphrase';
/** The peer's key is known (Verify Safety Number applies). */
export const CONTEXT_PEER_KEY = 'udpChat.peerKeyKnown';
/** The peer answered with another key than the pinned one (Accept New Key applies). */
export const CONTEXT_KEY_CHANGED = 'udpChat.peerKeyChanged';
/** udpChat.peer is set (Send Selection starts the chat by itself). */
export const CONTEXT_PEER_SET = 'udpChat.peerSet';

export const Settings = {
  section: 'udpChat',
  peer: 'peer',
  localAddress: 'localAddress',
  localPort: 'localPort',
  displayName: 'displayName',
  notifications: 'notifications',
  historyLimit: 'historyLimit',
  discoverable: 'discoverable',
  whoCanReachMe: 'whoCanReachMe',
  discoveryInterface: 'discoveryInterface',
} as const;

export const SECRET_PASSPHRASE = 'udpChat.passphrase';
/** This installation's identity key (X25519, private): in secret storage, never in settings. */
export const SECRET_IDENTITY = 'udpChat.identity';
/** Known people and pinned contact keys (public keys only): global state. */
export const STATE_KNOWN_PEOPLE = 'udpChat.knownPeople';
export const OUTPUT_CHANNEL = 'UDP Chat';
