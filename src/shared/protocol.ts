// Messages between the extension host and the chat webview: one union per direction,
// shared by both sides. Webview→host are imperative commands; host→webview are `didX`
// notifications. Both sides switch exhaustively (see assertNever).

export type SessionState = 'idle' | 'starting' | 'active' | 'ended' | 'error';

export type PeerPresence = 'unknown' | 'online' | 'offline';

/**
 * A conversation: "p:<personId>" (a person id is 16 hex digits, or "addr:host:port" for a contact
 * known only by its address) or "g:<groupId>" (16 hex digits). SINGLE_CONVERSATION is the one
 * conversation of a host that has no roster yet.
 */
export type ConversationId = string;
export type ConversationKind = 'person' | 'group';
export const SINGLE_CONVERSATION: ConversationId = 'p:configured';

/** One person or group in the view's list of conversations. */
export interface RosterItem {
  /** The conversation id ("p:…" or "g:…"). */
  id: ConversationId;
  kind: ConversationKind;
  /** Display name (the person's or the group's). */
  name: string;
  /** One short line under the name: an address, "4 members", "wants to chat", … */
  detail: string;
  /** Groups: 'online' when a member was heard from, else 'unknown'. */
  presence: PeerPresence;
  /** Messages not seen yet (the host counts them; 0 for the open conversation). */
  unread: number;
  /** An encrypted, authenticated session with this person (groups: with every member). */
  encrypted: boolean;
  /** A plain-text peer (no encryption, no delivery confirmation). */
  plain: boolean;
  /** A stranger's messages wait as a request: Accept or Block. */
  request: boolean;
  /** The configured contact (udpChat.peer). */
  configured: boolean;
  /** Groups: the members' names (self not included). */
  members?: string[];
}

/** A group message's delivery summary, e.g. { label: "delivered to 3 of 4", tooltip: "Ann: delivered\nBob: sending" }. */
export interface DeliverySummary {
  label: string;
  tooltip: string;
}

/**
 * Delivery status of one of our own messages. `unconfirmed`: sent to a plain-text peer, which never acks.
 * `textSent`: sent as text to a peer that has not answered yet; delivered reliably if it turns out to be UDP Chat.
 */
export type DeliveryStatus = 'queued' | 'sending' | 'delivered' | 'failed' | 'unsent' | 'unconfirmed' | 'textSent';

export interface CodeBlock {
  code: string;
  language: string;
  /** Path relative to the sender's workspace, with forward slashes. Empty if unknown. */
  path: string;
  /** 1-based inclusive line range in that file; 0 when unknown. */
  startLine: number;
  endLine: number;
}

export interface ChatEntry {
  /** Unique within the conversation (host assigned). */
  id: string;
  kind: 'own' | 'peer' | 'notice';
  text: string;
  /** Unix epoch milliseconds. */
  time: number;
  /** Sender display name (peer messages), empty for notices. */
  from?: string;
  /** Only for own messages. */
  status?: DeliveryStatus;
  /**
   * Own messages: the peer address it was written to ("host:port" as configured then). It is never
   * sent to anyone else unless the user says so.
   */
  to?: string;
  /** Notices: severity drives the look. */
  level?: 'info' | 'warning' | 'error';
  /** A shared code selection. */
  code?: CodeBlock;
  /** Peer code blocks: true when the path exists in our workspace (Open is offered). */
  canOpen?: boolean;
  /**
   * The message's wire identity (16 hex digits): for own messages, sent again unchanged after a
   * reload so the peer shows it once; for peer messages, remembered so a resent copy is not shown.
   */
  uid?: string;
  /** Own group messages: delivery per member, summed up (the status then says the worst case). */
  delivery?: DeliverySummary;
}

export interface HeaderInfo {
  state: SessionState;
  /** e.g. "0.0.0.0:50505", empty when not bound (no session, ended, error). */
  local: string;
  /**
   * Addresses of this machine a peer could send to, "ip:port" (IPv6 as "[ip]:port"), usable ones
   * first; empty when not bound. Shown with a Copy action instead of a useless "0.0.0.0".
   */
  localAddresses: string[];
  /** As configured, e.g. "127.0.0.1:50506", empty when unset. */
  peer: string;
  peerName: string;
  presence: PeerPresence;
  /** The peer speaks plain text only: delivery cannot be confirmed. */
  plainPeer: boolean;
  /** An encrypted, authenticated session with the peer's identity key is up (never for plain-text peers). */
  encrypted: boolean;
  /** The safety number both users compare (6 groups of 5 digits); empty until the peer's key is known. */
  fingerprint: string;
  /** The user compared the safety number and marked this key verified. */
  verified: boolean;
  /** The peer answered with another key than the one pinned: nothing flows until the user accepts. */
  keyChanged: boolean;
  /** A passphrase is required of the peer as well. */
  passphrase: boolean;
  /**
   * The conversation this header describes. Absent (a host without a roster): the one shown.
   * The session fields above are the same for every conversation.
   */
  conversation?: ConversationId;
  /** Absent: 'person'. A group's name is in `peerName`, its `peer` is empty. */
  kind?: ConversationKind;
  /** A stranger (not in the known people) wrote: the view offers Accept and Block. */
  request?: boolean;
  /** Groups: the members' names (self not included). */
  members?: string[];
}

// ---- host → webview ----
// `conversation` on entries and statuses: the view ignores those of another conversation than the
// one it shows (the host counts them as unread). Absent: the conversation shown.
export type HostToWebview =
  /**
   * The conversation to show, all of it. `draft`: the unsent input text the host kept for it
   * (survives reloads); the webview's own state wins if newer.
   */
  | { type: 'didSnapshot'; conversation?: ConversationId; header: HeaderInfo; entries: ChatEntry[]; sentAt: number; draft?: string }
  | { type: 'didChangeHeader'; header: HeaderInfo }
  /** The people and groups, in the host's order; `active`: the conversation the host considers open. */
  | { type: 'didChangeRoster'; roster: RosterItem[]; active: ConversationId }
  | { type: 'didAddEntries'; conversation?: ConversationId; entries: ChatEntry[] }
  /** `delivery`: a group message's new summary. */
  | { type: 'didChangeStatus'; conversation?: ConversationId; id: string; status: DeliveryStatus; delivery?: DeliverySummary }
  | { type: 'didClear' }
  /** Ask the webview to put text back into the input (it could not be sent). */
  | { type: 'didRestoreDraft'; text: string }
  | { type: 'didFocusInput' };

// ---- webview → host ----
export type WebviewToHost =
  | { type: 'ready' }
  /** `conversation`: where the text goes (the conversation the composer writes to). */
  | { type: 'sendMessage'; text: string; conversation: ConversationId }
  | { type: 'retryMessage'; id: string }
  | { type: 'openCode'; id: string }
  | { type: 'copyCode'; id: string }
  | { type: 'openLink'; url: string }
  | { type: 'startSession' }
  | { type: 'setPeer' }
  | { type: 'endSession' }
  /** The input's unsent text for `conversation`, debounced by the webview, so it survives window reloads. */
  | { type: 'saveDraft'; text: string; conversation: ConversationId }
  /** Show this conversation: the host answers with a didSnapshot for it (and a roster with it active). */
  | { type: 'openConversation'; id: ConversationId }
  /** Ask for a person's address (or name) and add them. */
  | { type: 'addPeer' }
  /** Ask for a name and members, and create a group. */
  | { type: 'createGroup' }
  /** Change a group's members (or name). */
  | { type: 'editGroup'; conversation: ConversationId }
  | { type: 'leaveGroup'; conversation: ConversationId }
  /** A stranger's request: let their messages in. */
  | { type: 'acceptRequest'; conversation: ConversationId }
  /** A stranger's request: block them (remembered). */
  | { type: 'blockPerson'; conversation: ConversationId }
  /** Compare the safety number and mark the peer verified. */
  | { type: 'verifyPeer' }
  /** Accept the peer's new key after a key-change warning. */
  | { type: 'acceptPeerKey' }
  /** Put text on the clipboard (an address from the header). */
  | { type: 'copyText'; text: string }
  /** Time from snapshot receipt to paint, for the performance report. */
  | { type: 'didRender'; count: number; ms: number };

export function assertNever(x: never): never {
  throw new Error(`unexpected message: ${JSON.stringify(x)}`);
}

export function isWebviewToHost(x: unknown): x is WebviewToHost {
  return typeof x === 'object' && x !== null && typeof (x as { type?: unknown }).type === 'string';
}

/** Longest conversation id accepted from the webview ("p:addr:" and a host name of up to 253 characters, a port). */
export const MAX_CONVERSATION_ID = 300;

/** "p:<16 hex>", "p:addr:<host:port>", "g:<16 hex>", or SINGLE_CONVERSATION. */
export function isConversationId(v: unknown): v is ConversationId {
  if (typeof v !== 'string' || v.length > MAX_CONVERSATION_ID) return false;
  return v === SINGLE_CONVERSATION || /^[pg]:[0-9a-f]{16}$/.test(v) || /^p:addr:[\x21-\x7e]+$/.test(v);
}

export type CheckedMessage = { ok: true; msg: WebviewToHost } | { ok: false; reason: string };

const isStr = (v: unknown): v is string => typeof v === 'string';

/**
 * Checks a message from the webview field by field: a message that does not pass is junk and must
 * be ignored (with `reason` logged), never acted upon. Extra fields are allowed (a newer view).
 */
export function checkWebviewMessage(raw: unknown): CheckedMessage {
  if (!isWebviewToHost(raw)) return { ok: false, reason: 'not a message (an object with a string `type`)' };
  const m = raw as unknown as Record<string, unknown>;
  const need = (field: string, ok: boolean, what: string): CheckedMessage =>
    ok ? { ok: true, msg: raw } : { ok: false, reason: `${raw.type}: \`${field}\` must be ${what}` };
  const conv = (field: string): CheckedMessage => need(field, isConversationId(m[field]), 'a conversation id ("p:…" or "g:…")');
  switch (raw.type) {
    case 'ready':
    case 'startSession':
    case 'setPeer':
    case 'endSession':
    case 'verifyPeer':
    case 'acceptPeerKey':
    case 'addPeer':
    case 'createGroup':
      return { ok: true, msg: raw };
    case 'sendMessage':
    case 'saveDraft': {
      const text = need('text', isStr(m.text), 'a string');
      return text.ok ? conv('conversation') : text;
    }
    case 'copyText':
      return need('text', isStr(m.text), 'a string');
    case 'retryMessage':
    case 'openCode':
    case 'copyCode':
      return need('id', isStr(m.id), 'a string');
    case 'openLink':
      return need('url', isStr(m.url), 'a string');
    case 'openConversation':
      return conv('id');
    case 'editGroup':
    case 'leaveGroup': {
      const c = conv('conversation');
      return c.ok && !String(m.conversation).startsWith('g:') ? { ok: false, reason: `${raw.type}: \`conversation\` must be a group ("g:…")` } : c;
    }
    case 'acceptRequest':
    case 'blockPerson': {
      const c = conv('conversation');
      return c.ok && !String(m.conversation).startsWith('p:') ? { ok: false, reason: `${raw.type}: \`conversation\` must be a person ("p:…")` } : c;
    }
    case 'didRender':
      return Number.isFinite(m.count) ? need('ms', Number.isFinite(m.ms), 'a number') : need('count', false, 'a number');
    default:
      // Compile time: every message type has a case above. Run time: an unknown type is junk.
      return unknownType(raw);
  }
}

function unknownType(raw: never): CheckedMessage {
  return { ok: false, reason: `unknown message type ${JSON.stringify(String((raw as { type: unknown }).type)).slice(0, 80)}` };
}
