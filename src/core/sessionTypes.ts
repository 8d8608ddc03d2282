// Types shared by the session and its parts: options, events, config, statistics, outgoing messages.
import type { MessageBody, PacketType } from './codec';
import type { SentRecord } from './congestion';
import { MAX_TEXT_BYTES, REASSEMBLY_TIMEOUT_MS, SEND_WINDOW } from './limits';
import type { RtoBounds } from './rtt';
import { DEFAULT_RTO_BOUNDS } from './rtt';
import type { Clock, Timers } from './timers';

/** Sends one datagram to the session's peer. May throw; the session reports it. */
export interface Transport {
  send(datagram: Buffer): void;
}

/** The layer that seals outgoing protocol datagrams: a Peer (peer.ts) in the product; none in pure unit tests. */
export interface PacketFilter {
  /**
   * Returns the sealed datagram to put on the wire, or undefined to hold it (no keys yet: then the
   * peer starts a handshake). Incoming binary traffic is opened by the endpoint (receiveOpened).
   */
  outgoing(plain: Buffer, packetType: PacketType, seal?: boolean): Buffer | undefined;
  /** True while an authenticated peer is alive: then nothing unauthenticated may reach the user. */
  authenticatedPeerAlive?(): boolean;
}

export type Presence = 'unknown' | 'online' | 'offline';
/**
 * `textSent`: sent as readable text to a peer that has not shown which protocol it speaks (first
 * contact); if it turns out to be UDP Chat, the message goes again reliably and ends `delivered`.
 * `unconfirmed`: sent to a plain-text peer, which never acknowledges.
 */
export type OutStatus = 'queued' | 'sending' | 'delivered' | 'failed' | 'unconfirmed' | 'textSent';

/**
 * What the peer's address has shown (docs/PROTOCOL.md §8.1): nothing yet, our protocol, or plain text.
 * Binary datagrams go only to a `protocol` peer.
 */
export type Contact = 'unknown' | 'protocol' | 'plain';

export interface OutgoingContent {
  text: string;
  code?: MessageBody['code'];
  /**
   * The body's raw meta (UTF-8 JSON text, at most 65,535 bytes; docs/PROTOCOL.md §8), e.g. a group
   * envelope (groupEnvelope.ts encodeGroupMeta). When present the body carries exactly this meta
   * (kind 2 when `code` is set: then it must hold the code keys itself); when absent the meta is
   * the JSON of `code`, or empty.
   */
  meta?: string;
}

export interface IncomingMessage {
  text: string;
  code?: MessageBody['code'];
  /** Peer's clock, Unix ms (0 for plain text). */
  sentAt: number;
  /** True when it came as a plain-text datagram. */
  plain: boolean;
  /** The sender's message identity (empty for plain text): kept with the history so a restart still knows it. */
  uid: string;
  /** The body's raw meta text when it had one (a code message's JSON, a group envelope); absent for plain text and an empty meta. */
  meta?: string;
}

export interface SessionEvents {
  message?(m: IncomingMessage): void;
  status?(localId: string, status: OutStatus): void;
  presence?(presence: Presence, detail: { name: string; plain: boolean; reason: string }): void;
  notice?(level: 'info' | 'warning' | 'error', text: string): void;
  /** For the log only, never the chat: what unauthenticated datagrams caused in a healthy encrypted session. */
  diagnostic?(text: string): void;
  /** The peer became known as a plain-text peer, or stopped being one. */
  plainPeer?(plain: boolean): void;
}

export interface SessionConfig {
  heartbeatIntervalMs: number;
  /** About three missed heartbeats. */
  offlineAfterMs: number;
  /** First hello retry; doubles up to helloMaxIntervalMs while the peer is silent. */
  helloInitialIntervalMs: number;
  helloMaxIntervalMs: number;
  /** A message that is not acknowledged this long after its first transmission fails. */
  retryBudgetMs: number;
  ackDelayMs: number;
  /** Ack at once after this many unacknowledged in-order data datagrams (ack-eliciting datagrams, as QUIC counts: a PACKED datagram counts once). */
  ackEvery: number;
  /** At most this many fragments sent and not acknowledged, whatever the congestion window allows. */
  window: number;
  /**
   * Congestion control and pacing (PROTOCOL.md §9): the congestion window and the pacing rate limit
   * what goes on the wire. False: only `window` does (tests of other parts; the bench's comparison).
   */
  congestionControl: boolean;
  rto: RtoBounds;
  /** Fragments with this many higher fragments acknowledged count as lost (RFC 6675 DupThresh). */
  dupThresh: number;
  reassemblyTimeoutMs: number;
  /** A peer that has not answered our greeting this long gets typed messages as text (first contact). */
  textFallbackMs: number;
  /**
   * Pack several fragments and the ack into one datagram (PACKED, PROTOCOL.md §7.4) for a peer whose
   * HELLO says it reads them; our HELLO says we do. False: one fragment per DATA datagram, as before.
   */
  pack: boolean;
}

export const DEFAULT_SESSION_CONFIG: SessionConfig = {
  heartbeatIntervalMs: 5000,
  offlineAfterMs: 16_000,
  helloInitialIntervalMs: 1000,
  helloMaxIntervalMs: 30_000,
  retryBudgetMs: 20_000,
  ackDelayMs: 10,
  ackEvery: 2,
  window: SEND_WINDOW,
  congestionControl: true,
  rto: DEFAULT_RTO_BOUNDS,
  dupThresh: 3,
  reassemblyTimeoutMs: REASSEMBLY_TIMEOUT_MS,
  textFallbackMs: 1000,
  pack: true,
};

export class MessageTooLargeError extends Error {
  /** `limit`/`part`: which limit was passed (the text's by default; 'metadata' for a body's meta). */
  constructor(readonly bytes: number, readonly limit: number = MAX_TEXT_BYTES, part: 'message' | 'metadata' = 'message') {
    super(part === 'message' && limit === MAX_TEXT_BYTES
      ? `The message is too large: ${bytes} bytes (the limit is ${MAX_TEXT_BYTES} bytes, 1 MiB).`
      : `The message's ${part} is too large: ${bytes} bytes (the limit is ${limit} bytes).`);
  }
}

export interface SessionOptions {
  transport: Transport;
  clock?: Clock;
  events?: SessionEvents;
  displayName: string;
  config?: Partial<SessionConfig>;
  /** Force plain-text mode (talk to nc -u and the classic scripts); no hello, no acks. */
  plainMode?: boolean;
  /** Source of randomness for ids; tests inject a seeded one. */
  random32?: () => number;
  filter?: PacketFilter;
  /** Require the peer to run the encrypted handshake; affects the hello flag only. */
  secure?: boolean;
  /** The peer's key is known (a UDP Chat): messages typed before it answers never go as readable text. */
  neverInClear?: boolean;
  /** The peer reached us with a handshake: it speaks the protocol already (no greeting line). */
  speaksProtocol?: boolean;
  /** Uids of messages already shown (from the saved history): they are not shown again. */
  shownUids?: Iterable<string>;
  /**
   * Runs `fn` once the caller's current synchronous work is done, so that messages sent in one go
   * leave packed together (PROTOCOL.md §7.4). Default: queueMicrotask. Tests on a fake clock pass a
   * 0 ms timer of that clock.
   */
  defer?: (fn: () => void) => void;
}

export interface SessionStats {
  datagramsSent: number;
  datagramsReceived: number;
  /** Data fragments sent (each transmission of a fragment, retransmissions included). */
  dataSent: number;
  /** Datagrams that carried data fragments (DATA, or PACKED with one or more). */
  dataDatagramsSent: number;
  retransmissions: number;
  fastRetransmits: number;
  timeouts: number;
  duplicatesDropped: number;
  acksSent: number;
  messagesDelivered: number;
  messagesReceived: number;
  messagesFailed: number;
  malformed: number;
  streamResets: number;
  /** Plain-text lines dropped by the per-peer line rate limit. */
  plainDropped: number;
  /** Datagrams with another sender id while the current peer instance was alive (forged). */
  foreignDropped: number;
  /** Tail loss probes sent (also counted in retransmissions). */
  tailProbes: number;
  /** Acks whose digest showed the peer delivered something else than we sent (forged fragments). */
  foreignDelivered: number;
  /** Times the SACK ranges were computed from the receive buffer. */
  ackRangeBuilds: number;
}

export function newStats(): SessionStats {
  return {
    datagramsSent: 0, datagramsReceived: 0, dataSent: 0, dataDatagramsSent: 0, retransmissions: 0, fastRetransmits: 0, timeouts: 0,
    duplicatesDropped: 0, acksSent: 0, messagesDelivered: 0, messagesReceived: 0, messagesFailed: 0, malformed: 0, streamResets: 0, plainDropped: 0, foreignDropped: 0, tailProbes: 0, foreignDelivered: 0, ackRangeBuilds: 0,
  };
}

export type NoticeLevel = 'info' | 'warning' | 'error';

/** What every part of a session shares: config, counters, events, clock and timers, and the notice channel. */
export interface SessionCore {
  readonly config: SessionConfig;
  readonly stats: SessionStats;
  readonly events: SessionEvents;
  readonly clock: Clock;
  readonly timers: Timers;
  /** Between start() and end(). */
  readonly running: boolean;
  notice(level: NoticeLevel, text: string): void;
  /** A notice at most once per rate-limit period per key. */
  noticeOnce(key: string, level: NoticeLevel, text: string): void;
}

/**
 * A message of ours until it settles. Kept lean (issue 14): while it waits (offline queue, outbox)
 * it holds its content and identity, not its body; the body is built when its first fragment goes
 * in flight and dropped again when it fails or goes back to the queue (rebuilt byte for byte: same
 * uid, same sentAt).
 */
/** A message's content as sent (OutMessage keeps plain text as a bare string). */
export function contentOf(msg: OutMessage): OutgoingContent {
  const c = msg.content;
  return typeof c === 'string' ? { text: c } : c;
}

export interface OutMessage {
  localId: string;
  msgId: number;
  /** What the user sent: just its text when that is all there is (no code, no meta), which spares an object per queued message. */
  content: OutgoingContent | string;
  /** The message identity (16 hex digits); undefined until the body is first built, which then chooses one. */
  uid: string | undefined;
  /** When the user wrote it (Unix ms, the body's sentAt). */
  sentAt: number;
  /** The encoded body (PROTOCOL.md §8) while the message is on the wire; undefined while it waits. */
  body: Buffer | undefined;
  fragCount: number;
  /** Next fragment index to put in flight. */
  nextFrag: number;
  acked: number;
  /** First transmission time, or undefined while not yet on the wire. */
  firstSentAt: number | undefined;
  status: OutStatus;
  /** Encrypted session, unknown peer: the readable notice for this message went out. */
  announced?: boolean;
}

/** A fragment in flight: its place in the stream and its loss-recovery state (the bytes stay in its message's body). */
export interface OutFrag {
  seq: number;
  msg: OutMessage;
  fragIndex: number;
  lastSent: number;
  transmissions: number;
  /** Selectively acknowledged: not retransmitted, but kept until the cumulative ack passes it. */
  sacked: boolean;
  /** When it was last fast-retransmitted (to spot spurious ones). */
  fastAt: number | undefined;
  /** The stream's digest chain up to and including this fragment (what the receiver's ack must echo). */
  chain: number;
  /** Serial number of the data datagram that last carried it (fragments packed together share it). */
  datagram: number;
  /** The congestion record of that datagram while it is in flight (flight.ts). */
  rec: SentRecord | undefined;
  /** Declared lost and waiting in the retransmission queue for the window and the pacer. */
  queuedAgain: boolean;
}
