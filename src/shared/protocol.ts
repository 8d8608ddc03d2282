// Messages between the extension host and the chat webview: one union per direction,
// shared by both sides. Webview→host are imperative commands; host→webview are `didX`
// notifications. Both sides switch exhaustively (see assertNever).

export type SessionState = 'idle' | 'starting' | 'active' | 'ended' | 'error';

export type PeerPresence = 'unknown' | 'online' | 'offline';

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
}

// ---- host → webview ----
export type HostToWebview =
  /** `draft`: the unsent input text the host kept (survives reloads); the webview's own state wins if newer. */
  | { type: 'didSnapshot'; header: HeaderInfo; entries: ChatEntry[]; sentAt: number; draft?: string }
  | { type: 'didChangeHeader'; header: HeaderInfo }
  | { type: 'didAddEntries'; entries: ChatEntry[] }
  | { type: 'didChangeStatus'; id: string; status: DeliveryStatus }
  | { type: 'didClear' }
  /** Ask the webview to put text back into the input (it could not be sent). */
  | { type: 'didRestoreDraft'; text: string }
  | { type: 'didFocusInput' };

// ---- webview → host ----
export type WebviewToHost =
  | { type: 'ready' }
  | { type: 'sendMessage'; text: string }
  | { type: 'retryMessage'; id: string }
  | { type: 'openCode'; id: string }
  | { type: 'copyCode'; id: string }
  | { type: 'openLink'; url: string }
  | { type: 'startSession' }
  | { type: 'setPeer' }
  | { type: 'endSession' }
  /** The input's unsent text, debounced by the webview, so it survives window reloads. */
  | { type: 'saveDraft'; text: string }
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
