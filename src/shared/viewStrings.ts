// The words of the chat webview, by key. The host fills this table with vscode.l10n.t (in the
// user's display language: src/host/viewStrings.ts) and hands it to the view in its HTML; the view
// (src/webview/strings.ts) renders only from it, so the webview bundle holds no English.
// `{name}` marks a value the view fills in (a count, a name, an address); the host leaves it as is.
// Counts come in pairs (…One / …Many) because the view chooses the form.

export interface ViewStrings {
  // ---- the page ----
  appName: string;
  headingWith: string;
  headingGroup: string;
  conversationLog: string;
  // ---- header ----
  sessionRegion: string;
  stateRunning: string;
  stateConnected: string;
  stateWaitingFor: string;
  stateStarting: string;
  stateEnded: string;
  stateError: string;
  stateNotStarted: string;
  presenceOnline: string;
  presenceOffline: string;
  presenceUnknown: string;
  yourPeer: string;
  theGroup: string;
  peerWithName: string;
  peerAddressOnly: string;
  noPeerSet: string;
  groupLine: string;
  unnamedGroupHeader: string;
  memberCountOne: string;
  memberCountMany: string;
  membersSpoken: string;
  yourAddress: string;
  addressOr: string;
  copyAddressLabel: string;
  copyAddressTitle: string;
  copied: string;
  copiedAnnouncement: string;
  moreShort: string;
  moreAddresses: string;
  listeningOn: string;
  plainPeer: string;
  encryptedSafetyNumber: string;
  verifiedMark: string;
  verify: string;
  verifyLabel: string;
  keyChanged: string;
  acceptNewKey: string;
  requestText: string;
  accept: string;
  block: string;
  editGroup: string;
  leaveGroup: string;
  start: string;
  setPeer: string;
  end: string;
  // ---- what to do next (no entry yet) ----
  emptyGroupNone: string;
  emptyGroupRunning: string;
  emptyStartOrType: string;
  emptyNoPeer: string;
  emptyNoPeerHint: string;
  emptyWaiting: string;
  emptyWaitingHint: string;
  emptyReady: string;
  // ---- composer ----
  composerForm: string;
  messageInput: string;
  send: string;
  placeholderRunning: string;
  placeholderNoPeer: string;
  hintNoPeer: string;
  placeholderIdle: string;
  hintIdle: string;
  // ---- entries ----
  you: string;
  peer: string;
  noticeInfo: string;
  noticeWarning: string;
  noticeError: string;
  statusQueued: string;
  statusSending: string;
  statusDelivered: string;
  statusFailed: string;
  statusUnsent: string;
  statusUnconfirmed: string;
  statusTextSent: string;
  codeShared: string;
  codeSharedNamed: string;
  codeRegion: string;
  codeRegionLanguage: string;
  plainLanguage: string;
  copy: string;
  open: string;
  retry: string;
  showMore: string;
  showLess: string;
  characters: string;
  // ---- the list of conversations ----
  conversations: string;
  addPeer: string;
  newGroup: string;
  people: string;
  groups: string;
  noPeople: string;
  noGroups: string;
  unnamedGroup: string;
  unnamedPerson: string;
  groupOfOne: string;
  groupOfMany: string;
  unread: string;
  plainText: string;
  encrypted: string;
  request: string;
  requestsOne: string;
  requestsMany: string;
  membersList: string;
  namesAnd: string;
}

export type ViewStringKey = keyof ViewStrings;

/** The id of the element in the view's HTML that holds the table (JSON). */
export const VIEW_STRINGS_ELEMENT_ID = 'udp-chat-strings';
