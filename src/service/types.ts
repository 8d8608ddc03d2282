// The chat service's vocabulary: people, outgoing messages, counters, and the one listener interface
// both front ends (the extension's host and the terminal peer) implement. No `vscode` here.
import type { PeerAddress } from '../core/address';
import type { Identity } from '../core/identity';
import type { IncomingMessage, OutgoingContent, OutStatus, Presence, SessionConfig, SessionStats } from '../core/session';
import type { TrustStore } from '../core/trust';
import type { KeyChange, Reach } from '../net/chatRuntime';
import type { DiscoveryEvents, DiscoveryOptions, DiscoveryStatus } from '../net/discovery';
import type { Endpoint } from '../net/udpEndpoint';

export type { IncomingMessage, OutgoingContent, OutStatus, Presence } from '../core/session';

/**
 * Someone we chat with, as the front ends show them. People are their keys: `id` is the person id of
 * the key (see core/identity.ts personId), or `addr:host:port` while no key is known (a plain-text
 * peer, or before the first handshake). When the key becomes known, the person (and the
 * conversation with them) takes the key's id and `personChanged` says which id it had before.
 */
export interface Person {
  id: string;
  /** What the person calls themselves; the last name heard ('' until they say). */
  name: string;
  /** Where they write from now, "host:port" (IPv6 as "[ip]:port"). */
  address: string;
  presence: Presence;
  /** They speak plain text (like nc -u): unencrypted, delivery cannot be confirmed. */
  plain: boolean;
  /** An encrypted, authenticated session with their key is up. */
  encrypted: boolean;
  /** What both sides compare; '' while their key is unknown. */
  safetyNumber: string;
  /** The user compared the safety number and marked the key as verified. */
  verified: boolean;
  /** They answered with another key than the remembered one: nothing flows until it is accepted. */
  keyChangePending: boolean;
  /** Announced on the LAN now (mDNS; not said goodbye). Presence still comes from heartbeats. */
  discovered: boolean;
  /** A stranger under reach 'known': their messages wait as a request until accepted or blocked. */
  request: boolean;
  /** The configured peer (udpChat.peer, --peer). */
  configured: boolean;
}

/** A group as the front ends show it. */
export interface GroupInfo {
  id: string;
  name: string;
  /** Every member, us included (our own entry has our id). */
  members: Array<{ id: string; name: string }>;
  /** We are a member (false once we left or were removed). */
  active: boolean;
}

export interface GroupChange {
  op: 'create' | 'update' | 'leave';
  /** Who made the change (a person id; ours when we did). */
  by: string;
  added: string[];
  removed: string[];
  renamed: boolean;
  wasMember: boolean;
  isMember: boolean;
}

/** Per-member delivery of one of our group messages. */
export interface GroupDelivery {
  /** "delivered to 3 of 4" (", 1 failed" when some failed). */
  label: string;
  /** "Delivered: Ann, Bob\nWaiting: Cid" (for a hover). */
  tooltip: string;
  delivered: number;
  total: number;
  perMember: Array<{ id: string; name: string; status: 'pending' | 'delivered' | 'failed' }>;
}

export type GroupSendResult =
  | { ok: true; id: string; uid: string; delivery: GroupDelivery }
  | { ok: false; code: 'ENOTRUNNING' | 'ENOGROUP' | 'EMSGSIZE'; message: string };

/** Where the groups are kept between runs (the extension's globalState, the terminal peer's file). */
export interface GroupStorage { load(): string | undefined; save(data: string): void }

/** What LAN discovery needs (src/net/discovery.ts LanDiscovery has it; tests pass fakes). */
export interface DiscoveryLike {
  on<E extends keyof DiscoveryEvents>(event: E, f: (...args: DiscoveryEvents[E]) => void): unknown;
  start(opts: DiscoveryOptions): Promise<DiscoveryStatus>;
  setName(name: string): void;
  stop(): Promise<void>;
}

/** The id of a person known only by an address. */
export function addressPersonId(address: string): string { return `addr:${address}`; }

/** Counters of one conversation (or of all of them). */
export interface Summary {
  sent: number;
  delivered: number;
  failed: number;
  unconfirmed: number;
  /** Still queued or in flight when the session ended (set when it ends). */
  undelivered: number;
  received: number;
}

export function emptySummary(): Summary {
  return { sent: 0, delivered: 0, failed: 0, unconfirmed: 0, undelivered: 0, received: 0 };
}

/** Session counters at the end (empty when the session never started), plus the RTO and SRTT in ms. */
export type FinalStats = Partial<SessionStats> & { rto: number; srtt: number | null };

/** `new`: accepted, not yet taken by the session (held back while its offline queue is full). */
export type OwnStatus = OutStatus | 'new';

/** One of our messages on its way to a person. */
export interface OwnMessage {
  id: string;
  /** The message's identity on the wire (the receiver shows it once, also after a restart). */
  uid: string;
  content: OutgoingContent;
  status: OwnStatus;
  /** It went out as readable text once (first contact): it goes again only reliably. */
  sentAsText: boolean;
}

export interface SendOptions {
  /** The front end's id for it (the extension's history entry); `m1`, `m2`, ... when absent. */
  id?: string;
  /** The uid it already had (sent before a reload); a new one is chosen when absent. */
  uid?: string;
  sentAsText?: boolean;
}

export type SendResult =
  | { ok: true; id: string; uid: string; status: OwnStatus }
  /** Nothing was accepted: no session (`ENOTRUNNING`), no such person (`ENOPERSON`), too large (`EMSGSIZE`). */
  | { ok: false; code: 'ENOTRUNNING' | 'ENOPERSON' | 'EMSGSIZE'; message: string };

export interface ServiceStartOptions {
  localAddress: string;
  localPort: number;
  /** The configured peer: the person we chat with first (none in LAN mode). */
  peer?: PeerAddress;
  /** Be discoverable and find people on the LAN (mDNS); absent: neither. */
  discovery?: { interface?: string; ipv6?: boolean; create?(): DiscoveryLike };
  /** Who may start a conversation: default 'contact' with a configured peer and no discovery, else 'anyone'. */
  reach?: Reach;
  /** Where groups are kept; in memory when absent. */
  groupStorage?: GroupStorage;
  displayName: string;
  plainMode?: boolean;
  /** Pre-shared key from the passphrase. */
  psk?: Buffer;
  identity?: Identity;
  trust?: TrustStore;
  /** Uids of messages already shown (saved history): not shown again if the peer resends them. */
  shownUids?: () => Iterable<string>;
  config?: Partial<SessionConfig>;
}

export interface StopOptions {
  /**
   * First wait while messages are pending and still making progress: until none is pending, or
   * nothing changed for the retry budget + 2 s. A later stop() without drain cuts the wait short.
   */
  drain?: boolean;
  /** Called once when the drain starts waiting, with the number of pending messages. */
  onWait?(pending: number): void;
}

export interface EndInfo { reason: string; summary: Summary; stats: FinalStats }

export type NoticeLevel = 'info' | 'warning' | 'error';

/**
 * What the service reports. Every method is optional: a front end implements what it shows.
 * `person` is the person's view at the time of the event (after the change it reports).
 */
export interface ChatServiceListener {
  /** A message from a person (never a group message: see groupMessage). */
  message?(person: Person, m: IncomingMessage): void;
  /** A person appeared on the LAN (or came back online after being lost). */
  discovered?(person: Person): void;
  /** A person found on the LAN left: said goodbye (mDNS) or went silent (heartbeats). */
  lost?(person: Person, reason: 'goodbye' | 'offline'): void;
  /** A stranger started a conversation under reach 'known': it waits for acceptRequest() or block(). Once per person. */
  request?(person: Person): void;
  /** The user blocked a person: nothing of theirs is shown again. */
  blocked?(id: string, person: Person | undefined): void;
  groupChanged?(group: GroupInfo, change: GroupChange): void;
  groupMessage?(group: GroupInfo, from: { id: string; name: string }, m: IncomingMessage): void;
  /** One of our group messages: a member's copy changed status. */
  groupStatus?(groupId: string, id: string, delivery: GroupDelivery): void;
  /** One of our messages was accepted (before the session sees it; status events follow). */
  accepted?(personId: string, m: OwnMessage): void;
  /** One of our messages changed status. */
  status?(personId: string, id: string, status: OutStatus, m: OwnMessage): void;
  /** One of our messages could not be taken after it was accepted (too large); `failed` follows. */
  sendError?(personId: string, id: string, code: 'EMSGSIZE', message: string): void;
  /**
   * Something in a person's view changed (presence, name, address, security, ...), or they were
   * added (`previousId` undefined and first time seen) or took their key's id (`previousId`).
   */
  personChanged?(person: Person, previousId?: string): void;
  /** The session's presence events, as they come (with the reason for going offline). */
  presence?(person: Person, presence: Presence, detail: { name: string; plain: boolean; reason: string }): void;
  /** The person became known as a plain-text peer, or stopped being one. */
  plainPeer?(person: Person, plain: boolean): void;
  /** `person`: the conversation it is about, when it is about one. */
  notice?(level: NoticeLevel, text: string, person?: Person): void;
  /** For the log only: what unauthenticated datagrams caused while the peer's keys work. */
  diagnostic?(text: string): void;
  /** Encrypted and authenticated with the person's key; both sides show `safetyNumber`. */
  secured?(person: Person, safetyNumber: string, info: { verified: boolean; firstContact: boolean; personId: string }): void;
  /** The person answered with another key than the pinned one: nothing flows until acceptKey(). */
  keyChanged?(person: Person, change: KeyChange): void;
  /** The remembered key answered again after a key-change warning: the other key was not the person. */
  keyChangeCleared?(person: Person): void;
  /** The person now writes from another address (same key, same conversation). */
  roamed?(person: Person, to: Endpoint): void;
  /** A UDP Chat on the person's host but another port writes to us (the person on a new port?). */
  peerElsewhere?(person: Person, from: Endpoint): void;
  /** A datagram from someone who is not a person we chat with. */
  stranger?(from: Endpoint, bytes: number, preview: string): void;
  rateLimited?(from: string, dropped: number, stranger: boolean): void;
  socketError?(err: Error): void;
  /** The session ended (stop()): what was sent, delivered, received, and the last session's counters. */
  ended?(info: EndInfo): void;
}
