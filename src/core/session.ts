// The chat session with one peer: presence, reliable ordered delivery, fragmentation,
// and the plain-text fallback. Pure: the clock and the transport are injected, so the
// same code runs in the extension host, the terminal peer and the unit tests.
import type { AckBlock, MessageBody, Packet } from './codec';
import * as zlib from 'node:zlib';
import { decode, decodeBody, encode, encodeBody, PacketType, streamDigest } from './codec';
import {
  DEDUPE_MEMORY,
  MAX_BUFFERED_FRAGMENTS,
  MAX_FRAGMENT_PAYLOAD,
  MAX_MESSAGE_BYTES,
  MAX_PENDING_REASSEMBLIES,
  MAX_QUEUED_MESSAGES,
  MAX_SACK_RANGES,
  MAX_TEXT_BYTES,
  REASSEMBLY_TIMEOUT_MS,
  SEND_WINDOW,
} from './limits';
import { NoticeLimiter } from './noticeLimiter';
import { encryptedNoticeDatagram, greetingDatagram, markedTextDatagrams, readMark, stripMark } from './firstContact';
import { decodePlain, isQuitWord, splitUtf8 } from './plain';
import { PLAIN_MESSAGE_GUARD, SourceGuard } from './sourceGuard';
import type { RtoBounds } from './rtt';
import { DEFAULT_RTO_BOUNDS, RttEstimator } from './rtt';

export type TimerHandle = unknown;

export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

export const systemClock: Clock = {
  now: () => performance.timeOrigin + performance.now(),
  setTimeout: (fn, ms) => {
    const t = setTimeout(fn, ms);
    t.unref?.();
    return t;
  },
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

/** Sends one datagram to the session's peer. May throw; the session reports it. */
export interface Transport {
  send(datagram: Buffer): void;
}

/** Optional layer that seals outgoing and opens incoming protocol datagrams (see secure.ts). */
export interface PacketFilter {
  /**
   * Returns the datagram to put on the wire, or undefined to hold it (handshake not done). HELLO goes
   * in clear unless `seal` (a sealed HELLO carries the name with authentication).
   */
  outgoing(plain: Buffer, packetType: PacketType, seal?: boolean): Buffer | undefined;
  /** True while an authenticated peer is alive: then nothing unauthenticated may reach the user. */
  authenticatedPeerAlive?(): boolean;
  /** Returns the inner datagram, or undefined when the datagram was consumed or rejected. */
  incoming(wire: Buffer): Buffer | undefined;
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
  /** Ack at once after this many unacknowledged in-order data datagrams. */
  ackEvery: number;
  window: number;
  rto: RtoBounds;
  /** Fragments with this many higher fragments acknowledged count as lost (RFC 6675 DupThresh). */
  dupThresh: number;
  reassemblyTimeoutMs: number;
  /** A peer that has not answered our greeting this long gets typed messages as text (first contact). */
  textFallbackMs: number;
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
  rto: DEFAULT_RTO_BOUNDS,
  dupThresh: 3,
  reassemblyTimeoutMs: REASSEMBLY_TIMEOUT_MS,
  textFallbackMs: 1000,
};

export class MessageTooLargeError extends Error {
  constructor(readonly bytes: number) {
    super(`The message is too large: ${bytes} bytes (the limit is ${MAX_TEXT_BYTES} bytes, 1 MiB).`);
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
  /** Uids of messages already shown (from the saved history): they are not shown again. */
  shownUids?: Iterable<string>;
}

export interface SessionStats {
  datagramsSent: number;
  datagramsReceived: number;
  dataSent: number;
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

interface OutMessage {
  localId: string;
  msgId: number;
  content: OutgoingContent;
  body: Buffer;
  fragCount: number;
  /** Next fragment index to put in flight. */
  nextFrag: number;
  acked: number;
  /** First transmission time, or undefined while not yet on the wire. */
  firstSentAt?: number;
  status: OutStatus;
  /** Encrypted session, unknown peer: the readable notice for this message went out. */
  announced?: boolean;
}

interface OutFrag {
  seq: number;
  msg: OutMessage;
  fragIndex: number;
  payload: Buffer;
  lastSent: number;
  transmissions: number;
  /** Selectively acknowledged: not retransmitted, but kept until the cumulative ack passes it. */
  sacked: boolean;
  /** When it was last fast-retransmitted (to spot spurious ones). */
  fastAt?: number;
  /** The stream's digest chain up to and including this fragment (what the receiver's ack must echo). */
  chain: number;
}

interface InFrag {
  msgId: number;
  fragIndex: number;
  fragCount: number;
  payload: Buffer;
}

interface RxState {
  streamId: number;
  expected: number;
  buffer: Map<number, InFrag>;
  assembling?: { msgId: number; fragCount: number; next: number; parts: Buffer[]; bytes: number };
  /** When the head-of-line gap was first seen. */
  gapSince?: number;
  /** Last time `expected` advanced. */
  lastProgress: number;
  /** Highest sequence number received on this stream. */
  highestSeq: number;
  /** Digest chain of the fragments delivered in order (echoed in acks, codec.streamDigest). */
  digest: number;
  /** SACK ranges of the buffer, kept until the buffer changes (duplicates do not rebuild them). */
  ranges?: Array<[number, number]>;
  /** Retransmissions seen on an older stream (the sender may still be on it: see onData). */
  older?: { streamId: number; count: number; since: number };
  ackPending: number;
  /** An ack must go out (out-of-order data or a duplicate). */
  ackNow: boolean;
}


const defaultRandom32 = (): number => (Math.random() * 0x1_0000_0000) >>> 0 || 1;

export class ChatSession {
  readonly config: SessionConfig;
  readonly stats: SessionStats = {
    datagramsSent: 0, datagramsReceived: 0, dataSent: 0, retransmissions: 0, fastRetransmits: 0, timeouts: 0,
    duplicatesDropped: 0, acksSent: 0, messagesDelivered: 0, messagesReceived: 0, messagesFailed: 0, malformed: 0, streamResets: 0, plainDropped: 0, foreignDropped: 0, tailProbes: 0, foreignDelivered: 0, ackRangeBuilds: 0,
  };
  readonly senderId: number;

  private readonly clock: Clock;
  private readonly transport: Transport;
  private readonly events: SessionEvents;
  private readonly random32: () => number;
  private readonly filter?: PacketFilter;
  private readonly secure: boolean;
  private readonly forcedPlain: boolean;
  private displayName: string;

  private running = false;
  private _presence: Presence = 'unknown';
  private contact: Contact = 'unknown';
  /** The address spoke our protocol earlier in this session (then said bye or quit): no text fallback. */
  private provenBefore = false;
  private greetedAt = 0;
  private fallbackTimer?: TimerHandle;
  /** Sent as text while the peer was unknown; sent again reliably if it proves to speak our protocol. */
  private tentative: OutMessage[] = [];
  private peerName = '';
  private peerSenderId = 0;
  private lastHeard = 0;
  /** Last datagram from the current peer instance, and whether it was a bye. */
  private lastFromPeer = 0;
  private peerSaidBye = false;
  private lastSent = 0;

  // sender
  private streamId = 1;
  private nextSeq = 0;
  /** Digest chain of the current stream up to the last fragment put in flight. */
  private sendDigest = 0;
  private nextMsgId = 1;
  private readonly rtt: RttEstimator;
  /** Messages not yet fully in flight, in send order. */
  private outbox: OutMessage[] = [];
  /** Typed while the peer was not online. */
  private queue: OutMessage[] = [];
  /** Fragments not yet passed by the cumulative ack, in sequence order (SACKed ones included). */
  private readonly inFlight = new Map<number, OutFrag>();
  /** Fragments in flight and not SACKed: what the window limits. */
  private unsacked = 0;
  private cumAcked = 0;
  private readonly byLocalId = new Map<string, OutMessage>();

  // receiver: state per peer instance (a few kept, so a forged sender id cannot wipe the real one's)
  private readonly instances = new Map<number, { rx?: RxState }>();
  /**
   * Message uids shown (with the body's CRC-32, or -1 when seeded from history): across every
   * instance of the peer, so a message sent again after the sender's reload is shown once.
   */
  private readonly delivered = new Map<string, number>();
  private get current() {
    let st = this.instances.get(this.peerSenderId);
    if (!st) {
      if (this.instances.size >= 4) this.instances.delete(this.instances.keys().next().value as number);
      st = {};
      this.instances.set(this.peerSenderId, st);
    }
    return st;
  }
  private get rx(): RxState | undefined { return this.current.rx; }
  private set rx(v: RxState | undefined) { this.current.rx = v; }

  // timers
  private rtoTimer?: TimerHandle;
  private rtoDue = Infinity;
  private probeTimer?: TimerHandle;
  private probeDue = Infinity;
  /** Consecutive probes without an ack (each doubles the probe timeout). */
  private probes = 0;
  /** Send time of the most recently sent fragment known to be delivered (RACK). */
  private rackSent = 0;
  private lastAckAt = 0;
  /** Reordering window multiplier (RACK), raised by spurious fast retransmissions. */
  private reoMult = 1;
  private goodRecoveries = 0;
  private ackTimer?: TimerHandle;
  private tickTimer?: TimerHandle;
  private helloTimer?: TimerHandle;
  private helloInterval: number;
  private localSeq = 0;
  private readonly notices: NoticeLimiter;
  private readonly plainGuard: SourceGuard;

  constructor(opts: SessionOptions) {
    this.config = { ...DEFAULT_SESSION_CONFIG, ...opts.config };
    this.clock = opts.clock ?? systemClock;
    this.transport = opts.transport;
    this.events = opts.events ?? {};
    this.random32 = opts.random32 ?? defaultRandom32;
    this.filter = opts.filter;
    this.secure = opts.secure ?? false;
    this.forcedPlain = opts.plainMode ?? false;
    if (this.forcedPlain) this.contact = 'plain';
    this.displayName = opts.displayName;
    this.senderId = this.random32() >>> 0 || 1;
    this.rtt = new RttEstimator(this.config.rto);
    this.helloInterval = this.config.helloInitialIntervalMs;
    this.plainGuard = new SourceGuard(PLAIN_MESSAGE_GUARD, () => this.clock.now());
    this.notices = new NoticeLimiter(() => this.clock.now());
    for (const uid of opts.shownUids ?? []) this.rememberDelivered(uid, -1);
  }

  // ---------------------------------------------------------------- public API

  get presence(): Presence { return this._presence; }
  get plainPeer(): boolean { return this.contact === 'plain'; }
  /** True once the peer has shown it speaks our protocol: only then may binary datagrams go to it. */
  get speaksProtocol(): boolean { return this.contact === 'protocol'; }
  get contactState(): Contact { return this.contact; }
  private get _plainPeer(): boolean { return this.contact === 'plain'; }
  get remoteName(): string { return this.peerName; }
  get isRunning(): boolean { return this.running; }
  get rto(): number { return this.rtt.rto; }
  get srtt(): number | undefined { return this.rtt.srtt; }
  /** Fragments sent and not yet acknowledged. */
  get inFlightCount(): number { return this.unsacked; }
  /** Messages not yet delivered or failed (queued, waiting or in flight). */
  get pendingCount(): number {
    let n = 0;
    for (const m of this.byLocalId.values()) if (m.status === 'queued' || m.status === 'sending') n++;
    return n;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    // First contact is one readable line (§8.1): binary hellos only once the peer has shown our protocol.
    if (!this.forcedPlain) {
      this.sendRaw(greetingDatagram(this.displayName, this.senderId));
      this.greetedAt = this.clock.now();
    }
    this.scheduleTick();
  }

  setDisplayName(name: string): void {
    this.displayName = name;
    if (!this.running || this.contact !== 'protocol' || this._presence !== 'online') return;
    if (this.filter) this.sendSealedHello();
    else this.sendPacket({ type: PacketType.Hello, senderId: this.senderId, echoId: this.peerSenderId, secure: false, name });
  }

  private sendSealedHello(): void {
    this.sendPacket({ type: PacketType.Hello, senderId: this.senderId, echoId: this.peerSenderId, secure: this.secure, name: this.displayName }, true);
  }

  /** The packet filter became ready (handshake done): send what waited. */
  kick(): void {
    if (!this.running) return;
    // A sealed hello proves the keys to the peer, which then counts us as online, and tells it our
    // name with authentication (a hello in clear cannot be trusted with it).
    this.sendSealedHello();
    for (const f of this.inFlight.values()) if (!f.sacked) this.transmit(f);
    this.pump();
  }

  /**
   * Queue a message for the peer. Returns the local id used in status events.
   * Throws MessageTooLargeError when the body exceeds the limit; nothing is queued then.
   */
  /**
   * `opts.uid`: the message's identity (16 hex digits), to pass again when the same message is sent
   * after a reload or restart, so the receiver shows it once; a new one is chosen when absent.
   */
  send(content: OutgoingContent, localId?: string, opts: { sentAsText?: boolean; uid?: string } = {}): string {
    if (!this.running) throw new Error('The session is not running.');
    const id = localId ?? `m${++this.localSeq}`;
    const textBytes = Buffer.byteLength(content.text, 'utf8');
    if (textBytes > MAX_TEXT_BYTES) throw new MessageTooLargeError(textBytes);
    const uid = opts.uid && /^[0-9a-f]{16}$/.test(opts.uid) ? opts.uid : this.newUid();
    const body = encodeBody({ text: content.text, code: content.code, sentAt: Date.now(), uid });
    if (body.length > MAX_MESSAGE_BYTES) throw new MessageTooLargeError(body.length);
    if (!this._plainPeer && this._presence !== 'online' && this.queue.length >= MAX_QUEUED_MESSAGES) {
      throw new Error(`The offline queue is full (${MAX_QUEUED_MESSAGES} messages). Wait for the peer to come back.`);
    }
    if (opts.sentAsText && this.contact !== 'plain') {
      // Restored from an earlier session (a reload): it went out as text once; it goes again only reliably.
      const msg = this.newOut(content, id, this.nextMsgId++, body);
      if (this.contact === 'protocol') this.enqueueMsg(msg);
      else { this.tentative.push(msg); this.setStatus(msg, 'textSent'); }
      return id;
    }
    this.enqueue(content, id, this.nextMsgId++, body);
    return id;
  }

  /** A fresh 64-bit message identity. */
  newUid(): string {
    return (this.random32() >>> 0).toString(16).padStart(8, '0') + (this.random32() >>> 0).toString(16).padStart(8, '0');
  }

  /** Send a failed message again. Returns false when the id is unknown or not failed. */
  retry(localId: string): boolean {
    const msg = this.byLocalId.get(localId);
    if (!msg || msg.status !== 'failed' || !this.running) return false;
    this.byLocalId.delete(localId);
    // Same msgId: if the peer did get it (only the acks were lost), it drops the copy.
    this.enqueue(msg.content, localId, msg.msgId, msg.body);
    return true;
  }

  /** Messages still waiting to go out (queued or not yet acknowledged), for persistence. */
  pendingMessages(): Array<{ localId: string; content: OutgoingContent; status: OutStatus }> {
    const out: Array<{ localId: string; content: OutgoingContent; status: OutStatus }> = [];
    for (const m of this.byLocalId.values()) if (m.status === 'queued' || m.status === 'sending' || m.status === 'textSent') out.push({ localId: m.localId, content: m.content, status: m.status });
    return out;
  }

  /** Feed one datagram that came from the peer's address. Never throws. */
  receive(datagram: Buffer): void {
    if (!this.running) return;
    try {
      this.receiveInner(datagram);
    } catch (e) {
      this.stats.malformed++;
      this.noticeOnce('internal', 'warning', `Dropped a datagram that could not be processed: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  /**
   * Ends the session: bye to the peer (none to a plain-text peer, and none before an encrypted
   * session has its keys), timers stopped. Messages still pending keep their status; the owner
   * decides what to do with them (the extension sends them again in its next session).
   */
  end(reason = 'session ended'): void {
    if (!this.running) return;
    this.sendPacket({ type: PacketType.Bye, senderId: this.senderId, reason }); // only to a protocol peer (sendPacket)
    this.running = false;
    for (const t of [this.rtoTimer, this.probeTimer, this.ackTimer, this.tickTimer, this.helloTimer, this.fallbackTimer]) if (t !== undefined) this.clock.clearTimeout(t);
    this.rtoTimer = this.probeTimer = this.ackTimer = this.tickTimer = this.helloTimer = this.fallbackTimer = undefined;
  }

  // ---------------------------------------------------------------- sending

  private newOut(content: OutgoingContent, localId: string, msgId: number, body: Buffer): OutMessage {
    const msg: OutMessage = {
      localId, msgId, content, body, fragCount: Math.max(1, Math.ceil(body.length / MAX_FRAGMENT_PAYLOAD)), nextFrag: 0, acked: 0, status: 'queued',
    };
    this.byLocalId.set(localId, msg);
    return msg;
  }

  private enqueue(content: OutgoingContent, localId: string, msgId: number, body: Buffer): void {
    this.enqueueMsg(this.newOut(content, localId, msgId, body));
  }

  private enqueueMsg(msg: OutMessage): void {
    if (this._plainPeer) this.sendPlain(msg);
    else if (this.contact === 'protocol' && this._presence === 'online') { this.setStatus(msg, 'sending'); this.outbox.push(msg); this.pump(); }
    else {
      this.queue.push(msg);
      this.events.status?.(msg.localId, 'queued');
      if (this.contact === 'unknown') this.scheduleTextFallback();
    }
  }

  /** A message as the classic programs show it: code as a Markdown fence. */
  private plainText(msg: OutMessage): string {
    const c = msg.content;
    return c.code
      ? `\`\`\`${c.code.language}${c.code.path ? ` ${c.code.path}${c.code.startLine ? `:${c.code.startLine}-${c.code.endLine}` : ''}` : ''}\n${c.text}\n\`\`\``
      : c.text;
  }

  private sendPlain(msg: OutMessage): void {
    if (this.filter) throw new Error('plain text is never sent in an encrypted session');
    for (const chunk of splitUtf8(this.plainText(msg))) this.sendRaw(chunk);
    this.setStatus(msg, 'unconfirmed');
    this.byLocalId.delete(msg.localId);
  }

  /**
   * First contact (§8.1): a peer that has said nothing gets what is typed as text once our greeting
   * is `textFallbackMs` old without an answer, so a classic program that waits for us to speak first
   * gets it within about a second. Each line is marked: another UDP Chat answers in the protocol
   * instead of showing it, and the message then goes again reliably.
   */
  private scheduleTextFallback(): void {
    if (this.fallbackTimer !== undefined || !this.running || this.forcedPlain || this.provenBefore) return;
    const wait = Math.max(0, this.greetedAt + this.config.textFallbackMs - this.clock.now());
    this.fallbackTimer = this.clock.setTimeout(() => { this.fallbackTimer = undefined; this.textFallback(); }, wait);
  }

  private textFallback(): void {
    if (!this.running || this.contact !== 'unknown' || this.provenBefore) return;
    const waiting = this.queue;
    this.queue = [];
    for (const m of waiting) {
      if (this.filter) {
        // Encrypted: the words never go in clear. A readable notice tells a person, and marks us to a UDP Chat.
        if (!m.announced) { m.announced = true; this.sendRaw(encryptedNoticeDatagram(this.displayName, this.senderId)); }
        this.queue.push(m);
      } else if (isQuitWord(m.content.text) && !m.content.code) {
        // A quit word goes unmarked, exactly as typed, so the classic programs recognise it; it is the end anyway.
        this.sendPlain(m);
      } else {
        for (const d of markedTextDatagrams(this.plainText(m), this.senderId)) this.sendRaw(d);
        this.tentative.push(m);
        if (this.tentative.length > MAX_QUEUED_MESSAGES) {
          const old = this.tentative.shift()!;
          this.setStatus(old, 'unconfirmed');
          this.byLocalId.delete(old.localId);
        }
        this.setStatus(m, 'textSent');
      }
    }
  }

  /** The address showed our protocol: binary from now on; what went out as text goes again reliably. */
  private becomeProtocol(): void {
    if (this.contact === 'protocol' || this.forcedPlain) return;
    const wasPlain = this.contact === 'plain';
    this.contact = 'protocol';
    if (this.fallbackTimer !== undefined) { this.clock.clearTimeout(this.fallbackTimer); this.fallbackTimer = undefined; }
    if (wasPlain) this.events.plainPeer?.(false);
    if (this.tentative.length > 0) {
      // The peer never showed these (a UDP Chat does not show marked text): first in line, same msgIds.
      for (const m of this.tentative) this.setStatus(m, 'queued');
      this.queue = [...this.tentative, ...this.queue];
      this.tentative = [];
    }
  }

  /**
   * The peer left (bye, or a quit word): whoever uses the address next has shown nothing yet, so only
   * text goes there. It spoke our protocol before, so no text fallback: messages wait for it.
   */
  private becomeUnknown(): void {
    if (this.contact === 'unknown' || this.forcedPlain) return;
    const wasPlain = this.contact === 'plain';
    if (this.contact === 'protocol') this.provenBefore = true;
    this.contact = 'unknown';
    if (this.helloTimer !== undefined) { this.clock.clearTimeout(this.helloTimer); this.helloTimer = undefined; }
    if (wasPlain) this.events.plainPeer?.(false);
  }

  private setStatus(msg: OutMessage, status: OutStatus): void {
    if (msg.status === status) return;
    msg.status = status;
    this.events.status?.(msg.localId, status);
  }

  /** Put fragments in flight while the window allows. */
  private pump(): void {
    // The window limits unacknowledged fragments; the receiver's buffer limits the span above the cumulative ack.
    while (this.running && this.unsacked < this.config.window && this.nextSeq - this.cumAcked < MAX_BUFFERED_FRAGMENTS && this.outbox.length > 0) {
      const msg = this.outbox[0];
      if (msg.firstSentAt === undefined) msg.firstSentAt = this.clock.now();
      const i = msg.nextFrag++;
      const frag: OutFrag = {
        seq: this.nextSeq++, msg, fragIndex: i,
        payload: msg.body.subarray(i * MAX_FRAGMENT_PAYLOAD, (i + 1) * MAX_FRAGMENT_PAYLOAD),
        lastSent: 0, transmissions: 0, sacked: false, chain: 0,
      };
      frag.chain = this.sendDigest = streamDigest(this.sendDigest, msg.msgId, i, msg.fragCount, frag.payload);
      this.inFlight.set(frag.seq, frag);
      this.unsacked++;
      if (msg.nextFrag >= msg.fragCount) this.outbox.shift();
      this.transmit(frag);
    }
    this.armRto();
    this.armProbe();
  }

  private transmit(frag: OutFrag): void {
    frag.lastSent = this.clock.now();
    frag.transmissions++;
    if (frag.transmissions > 1) this.stats.retransmissions++;
    this.stats.dataSent++;
    this.sendPacket({
      type: PacketType.Data, senderId: this.senderId, streamId: this.streamId, seq: frag.seq, msgId: frag.msg.msgId,
      fragIndex: frag.fragIndex, fragCount: frag.msg.fragCount, payload: frag.payload, ack: this.takeAck(),
    });
  }

  /**
   * One lazy timer: it is only moved earlier, never cancelled and set again on every send (timer churn
   * costs more than the rest of a send); firing early is harmless because onRto checks each fragment.
   */
  private armRto(): void {
    if (!this.running || this.inFlight.size === 0) return;
    const now = this.clock.now();
    let due = Infinity;
    for (const f of this.inFlight.values()) {
      due = Math.min(due, (f.msg.firstSentAt ?? now) + this.config.retryBudgetMs);
      if (!f.sacked) due = Math.min(due, f.lastSent + this.rtt.rto);
    }
    if (this.rtoTimer !== undefined) {
      if (this.rtoDue <= due) return;
      this.clock.clearTimeout(this.rtoTimer);
    }
    this.rtoDue = due;
    this.rtoTimer = this.clock.setTimeout(() => { this.rtoTimer = undefined; this.onRto(); }, Math.max(1, due - now));
  }

  private onRto(): void {
    if (!this.running) return;
    const now = this.clock.now();
    // Retry budget first: a message that has been unacknowledged too long fails.
    for (const f of this.inFlight.values()) {
      if (now - (f.msg.firstSentAt ?? now) >= this.config.retryBudgetMs) {
        this.failAndResetStream(f.msg);
        return;
      }
    }
    const rto = this.rtt.rto;
    let fired = false;
    for (const f of this.inFlight.values()) {
      if (!f.sacked && now - f.lastSent >= rto) {
        if (!fired) { this.stats.timeouts++; fired = true; }
        this.transmit(f);
      }
    }
    if (fired) this.rtt.onTimeout();
    this.armRto();
  }

  /**
   * The peer never acknowledged `failed` in time. Everything after it in the stream was never
   * delivered (delivery is in order), so the rest is sent again on a fresh stream, which also
   * frees whatever the receiver buffered behind the gap.
   */
  private failAndResetStream(failed: OutMessage): void {
    const rest = this.takeInFlightMessages().filter((m) => m !== failed);
    this.setStatus(failed, 'failed');
    this.byLocalId.set(failed.localId, failed);
    this.stats.messagesFailed++;
    // A peer that is still heard from gets a fresh budget for the rest; a silent one does not,
    // so that everything fails in about one budget when the peer is gone.
    const alive = this._presence === 'online';
    if (alive) for (const m of rest) m.firstSentAt = undefined;
    const waiting = this.outbox.filter((m) => m !== failed && !rest.includes(m));
    if (alive) {
      this.outbox = [...rest, ...waiting];
    } else {
      // The peer is gone: what never left waits in the queue for its return instead of starting a
      // new 20 s budget each, one after the other.
      this.outbox = rest;
      for (const m of waiting) { m.nextFrag = 0; m.acked = 0; m.firstSentAt = undefined; this.setStatus(m, 'queued'); }
      this.queue = [...waiting, ...this.queue];
    }
    this.newStream();
    this.pump();
  }

  /**
   * The receiver delivered something other than what we sent below `cumulative` (a forged fragment
   * took the place of ours). What it covers cannot be confirmed: those messages fail (Retry sends
   * them again), and the rest goes again on a new stream.
   */
  private onForeignDelivery(cumulative: number): void {
    this.stats.foreignDelivered++;
    this.noticeOnce('foreign-delivery', 'warning', 'The peer received different data in place of a message (forged datagrams?). The message is marked failed; Retry sends it again.');
    const suspect = new Set<OutMessage>();
    for (const f of this.inFlight.values()) if (f.seq < cumulative) suspect.add(f.msg);
    const rest = this.takeInFlightMessages().filter((m) => !suspect.has(m));
    for (const m of suspect) { this.setStatus(m, 'failed'); this.byLocalId.set(m.localId, m); this.stats.messagesFailed++; }
    this.outbox = [...rest, ...this.outbox.filter((m) => !rest.includes(m) && !suspect.has(m))];
    this.newStream();
    this.pump();
  }

  private newStream(): void {
    this.rackSent = 0;
    this.streamId = (this.streamId + 1) >>> 0 || 1;
    this.nextSeq = 0;
    this.sendDigest = 0;
    this.cumAcked = 0;
    this.stats.streamResets++;
  }

  /**
   * Empties the flight and returns its messages in send order, each rewound to its first fragment
   * (they go again, whole, on a new stream). A message partly sent also stays at the head of the
   * outbox; callers drop it from there.
   */
  private takeInFlightMessages(): OutMessage[] {
    const msgs = [...new Set([...this.inFlight.values()].map((f) => f.msg))];
    this.clearInFlight();
    for (const m of msgs) { m.nextFrag = 0; m.acked = 0; }
    return msgs;
  }

  private clearInFlight(): void {
    this.inFlight.clear();
    this.unsacked = 0;
  }

  private onAck(ack: AckBlock): void {
    if (ack.streamId !== this.streamId || this.inFlight.size === 0) return;
    if (ack.cumulative > this.nextSeq) return; // acknowledges what we never sent: ignore
    if (ack.cumulative > this.cumAcked) {
      // "Delivered" must be true: the receiver's digest of what it delivered must be what we sent.
      const last = this.inFlight.get(ack.cumulative - 1);
      if (last && last.chain !== (ack.digest >>> 0)) { this.onForeignDelivery(ack.cumulative); return; }
    }
    const now = this.clock.now();
    this.lastAckAt = now;
    this.probes = 0;
    let newest: OutFrag | undefined;
    let top = -1;
    let rackSent = 0;
    for (const f of this.inFlight.values()) {
      const cum = f.seq < ack.cumulative;
      if (!cum && (f.sacked || !inRanges(f.seq, ack.ranges))) continue;
      if (!f.sacked) {
        this.unsacked--;
        rackSent = Math.max(rackSent, f.lastSent);
        if (f.fastAt !== undefined) this.noteRecovery(now - f.fastAt);
        // Karn's rule: only fragments sent exactly once give an unambiguous sample.
        if (f.transmissions === 1 && (!newest || f.lastSent > newest.lastSent)) newest = f;
        top = Math.max(top, f.seq);
      }
      if (!cum) { f.sacked = true; continue; }
      this.inFlight.delete(f.seq);
      const m = f.msg;
      m.acked++;
      // Delivered means the receiver has handed it to its user: the cumulative ack passed its last fragment.
      if (m.acked >= m.fragCount && m.status === 'sending') {
        this.setStatus(m, 'delivered');
        this.stats.messagesDelivered++;
        this.byLocalId.delete(m.localId);
      }
    }
    if (ack.cumulative > this.cumAcked) this.cumAcked = ack.cumulative;
    if (newest) this.rtt.sample(now - newest.lastSent);
    // An ack of new data ends the timer backoff even without a sample (RFC 9002 §6.2.1 does the
    // same for its probe timeout): without this, a window of retransmissions (Karn: no samples)
    // keeps doubling the RTO while the peer is plainly answering.
    else if (rackSent > 0) this.rtt.resetBackoff();
    if (ack.ranges.length) top = Math.max(top, ack.ranges[ack.ranges.length - 1][1] - 1);
    if (rackSent > this.rackSent) this.rackSent = rackSent;
    // Loss detection without waiting for the timer:
    // - SACK (RFC 6675): a hole with dupThresh acknowledged fragments above it is lost;
    // - time (RACK, RFC 8985): a fragment sent a reordering window before one that was delivered is lost.
    // Floors of 0.1 ms: timestamps are sub-millisecond, and a LAN round trip is far below 1 ms.
    const guard = Math.max(this.rtt.srtt ?? this.rtt.rto, 0.1);
    const rackRtt = now - this.rackSent;
    const reo = Math.max(((this.rtt.srtt ?? 0) / 4) * this.reoMult, 0.1);
    for (const f of this.inFlight.values()) {
      if (f.sacked) continue;
      const bySack = top >= 0 && f.seq + this.config.dupThresh <= top && now - f.lastSent >= guard;
      const byTime = f.lastSent < this.rackSent && now - f.lastSent >= rackRtt + reo;
      if (!bySack && !byTime) continue;
      this.stats.fastRetransmits++;
      f.fastAt = now;
      this.transmit(f);
    }
    this.pump();
  }

  /**
   * Adapts the reordering window (RFC 8985 §6.2 does it with DSACK): an ack that arrives much sooner
   * than a round trip after a fast retransmission was for the original, so the loss was spurious.
   */
  private noteRecovery(sinceRetransmit: number): void {
    const minRtt = this.rtt.srtt ?? 0;
    if (sinceRetransmit < minRtt / 2) {
      this.reoMult = Math.min(this.reoMult * 2, 16);
      this.goodRecoveries = 0;
    } else if (++this.goodRecoveries >= 16 && this.reoMult > 1) {
      this.reoMult /= 2;
      this.goodRecoveries = 0;
    }
  }

  /**
   * Tail loss probe (RFC 8985 §7): when the last fragments of a burst are lost, no later ack can
   * reveal it, so after about two round trips one fragment is sent again to draw an ack.
   */
  private armProbe(): void {
    const srtt = this.rtt.srtt;
    if (!this.running || this.unsacked === 0 || srtt === undefined) return;
    const now = this.clock.now();
    // Probe timeout (RFC 8985 §7.2): 2 SRTT, plus the peer's ack delay when a single fragment is in
    // flight (only then may its ack be delayed), at least the 1 ms timer granularity; doubled for
    // each probe that drew no ack.
    const pto = (Math.max(2 * srtt, 1) + (this.unsacked === 1 ? this.config.ackDelayMs : 0)) * 2 ** this.probes;
    if (pto >= this.rtt.rto) return; // the retransmission timer comes first anyway
    const due = now + pto;
    if (this.probeTimer !== undefined) {
      if (this.probeDue <= due) return;
      this.clock.clearTimeout(this.probeTimer);
    }
    this.probeDue = due;
    this.probeTimer = this.clock.setTimeout(() => {
      this.probeTimer = undefined;
      if (!this.running || this.unsacked === 0) return;
      const t = this.clock.now();
      // Only when the tail has been quiet for a probe timeout: an ack in between moved things on.
      if (t - this.lastAckAt < pto - 1) { this.armProbe(); return; }
      let last: OutFrag | undefined;
      for (const f of this.inFlight.values()) if (!f.sacked) last = f;
      if (!last) return;
      this.stats.tailProbes++;
      this.probes++;
      this.transmit(last);
      this.armProbe();
    }, pto);
  }

  // ---------------------------------------------------------------- receiving

  private receiveInner(datagram: Buffer): void {
    this.stats.datagramsReceived++;
    let d = decode(datagram);
    // Any well-formed datagram of ours shows the address speaks the protocol (§8.1).
    if (d.kind === 'packet') this.becomeProtocol();
    let sealed = false;
    if (d.kind === 'packet' && this.filter) {
      // The filter opens sealed datagrams, consumes handshakes, and rejects unsealed traffic.
      sealed = d.packet.type === PacketType.Sealed;
      const inner = this.filter.incoming(datagram);
      if (!inner) return;
      d = decode(inner);
    }
    switch (d.kind) {
      case 'plain':
        this.onPlain(datagram);
        return;
      case 'version':
        this.unauthNotice('version', 'error', `The peer speaks UDP Chat protocol version ${d.version}; this side speaks version 1. Its datagrams are ignored: update the older side.`);
        return;
      case 'malformed':
        this.stats.malformed++;
        this.unauthNotice('malformed', 'warning', `Dropped a malformed datagram from the peer (${d.reason}).`);
        return;
      case 'packet':
        this.onPacket(d.packet, sealed);
        return;
    }
  }

  private onPlain(datagram: Buffer): void {
    const decoded = decodePlain(datagram);
    const mark = this.forcedPlain ? undefined : readMark(decoded);
    // Our own mark coming back (someone pasted our line) is not another UDP Chat: it is plain text.
    if (mark && mark.senderId !== this.senderId) { this.onMarkedText(mark.senderId, mark.version); return; }
    if (this.filter) {
      // An encrypted session never falls back to plain text: that would send the user's words in clear.
      this.stats.malformed++;
      this.unauthNotice('plain-in-secure', 'warning', 'Ignored a plain-text datagram from the peer\'s address: this session is encrypted.');
      return;
    }
    if (!this._plainPeer && this.peerSenderId !== 0 && !this.peerSaidBye && this.clock.now() - this.lastFromPeer < this.config.offlineAfterMs) {
      // The peer at this address speaks our protocol and is alive: plain text from the same address
      // is not it (a stray or forged datagram). Switching to plain text would send it our words in clear.
      this.stats.foreignDropped++;
      this.noticeOnce('plain-while-protocol', 'warning', 'Ignored a plain-text datagram from the peer\'s address while the peer speaks the UDP Chat protocol.');
      return;
    }
    if (!this.plainGuard.admit('peer')) {
      this.stats.plainDropped++;
      this.noticeOnce('plain-rate', 'warning', `The peer sends plain text faster than ${PLAIN_MESSAGE_GUARD.ratePerSecond} lines per second; some lines were dropped.`);
      return;
    }
    const text = stripMark(decoded);
    const quit = isQuitWord(text);
    if (!this._plainPeer && !quit) {
      this.contact = 'plain';
      this.events.plainPeer?.(true);
      this.notice('info', 'The peer speaks plain text (like nc -u): messages go as plain UTF-8 and delivery cannot be confirmed.');
      this.cancelProtocolTraffic();
    }
    this.heard('');
    this.stats.messagesReceived++;
    this.events.message?.({ text, sentAt: 0, plain: true, uid: '' });
    if (quit) {
      this.goOffline(`the peer said "${text.trim()}"`);
      // Whoever uses the address next has shown nothing yet (it may be a UDP Chat that quit).
      this.becomeUnknown();
    }
  }

  /**
   * Marked text (§8.1): another UDP Chat that does not know we are one. It is not shown (the sender
   * sends it again reliably); we answer with a binary hello, and the protocol takes over.
   */
  private onMarkedText(senderId: number, version: number): void {
    if (version !== 1) {
      this.noticeOnce('version', 'error', `The peer runs a UDP Chat that speaks protocol version ${version}; this side speaks version 1. Update the older side.`);
      return;
    }
    if (!this.plainGuard.admit('peer')) { this.stats.plainDropped++; return; }
    if (this.contact === 'protocol' && senderId === this.peerSenderId && this._presence === 'online') return; // a late line
    this.becomeProtocol();
    // echoId 0: we have not heard its protocol yet, so it answers with a hello of its own (§6.1).
    this.sendHello(0);
  }

  /** A plain peer gets no hello, heartbeat or data; whatever waits goes as plain text. */
  private cancelProtocolTraffic(): void {
    if (this.helloTimer !== undefined) { this.clock.clearTimeout(this.helloTimer); this.helloTimer = undefined; }
    if (this.fallbackTimer !== undefined) { this.clock.clearTimeout(this.fallbackTimer); this.fallbackTimer = undefined; }
    // Sent as text already: the plain peer has shown them. Now known to be plain, they stay unconfirmed.
    for (const m of this.tentative) { this.setStatus(m, 'unconfirmed'); this.byLocalId.delete(m.localId); }
    this.tentative = [];
    const waiting = [...new Set([...[...this.inFlight.values()].map((f) => f.msg), ...this.outbox, ...this.queue])];
    this.clearInFlight();
    this.outbox = [];
    this.queue = [];
    for (const m of waiting) this.sendPlain(m);
    this.armRto();
  }

  /** The peer left with a bye: what was on the wire waits in the queue, in order, for its return. */
  private requeueAll(): void {
    const rest = this.takeInFlightMessages();
    const waiting = [...rest, ...this.outbox.filter((m) => !rest.includes(m))];
    this.outbox = [];
    if (waiting.length === 0) return;
    for (const m of waiting) { m.firstSentAt = undefined; this.setStatus(m, 'queued'); }
    this.queue = [...waiting, ...this.queue];
    this.newStream();
  }

  /** `sealed`: it came inside a SEALED datagram that authenticated (encrypted sessions). */
  private onPacket(p: Packet, sealed = false): void {
    if (this.forcedPlain) return; // plain mode ignores protocol datagrams
    // A protocol datagram proves the peer is one of ours (after all, if it spoke plain text before).
    this.becomeProtocol();
    if (p.senderId !== this.peerSenderId) {
      if (p.type === PacketType.Bye) return; // a bye from some other instance means nothing to us
      if (this.filter && p.type === PacketType.Hello && !sealed && this.peerSenderId !== 0) {
        // Encrypted session: a hello is not authenticated, so it changes nothing here. It is only
        // answered, so a restarted peer learns our id; the switch comes with its first sealed datagram.
        if (p.echoId !== this.senderId) this.sendPacket({ type: PacketType.Hello, senderId: this.senderId, echoId: p.senderId, secure: this.secure, name: this.displayName });
        return;
      }
      // Everything else that reaches us through the filter opened under the session keys: authentic.
      const authentic = this.filter !== undefined && (p.type !== PacketType.Hello || sealed);
      // Without encryption, while the instance we talk to is alive, another sender id from its
      // address is not believed (forged): a real restart is preceded by a bye, or by silence.
      const now = this.clock.now();
      // Silence of two heartbeat intervals: a live peer is never that quiet, so a forger cannot just
      // wait for the gap between two heartbeats.
      const alive = this.peerSenderId !== 0 && !this.peerSaidBye && now - this.lastFromPeer < 2 * this.config.heartbeatIntervalMs;
      if (alive && !authentic) { this.stats.foreignDropped++; return; }
      this.onNewPeerInstance(p);
    }
    this.lastFromPeer = this.clock.now();
    this.peerSaidBye = p.type === PacketType.Bye;
    switch (p.type) {
      case PacketType.Hello:
        if (p.secure && !this.filter) {
          this.noticeOnce('secure', 'error', 'Cannot authenticate peer: it requires an encrypted session (passphrase mismatch?). Set the same passphrase on both sides.');
          // Answer anyway, so the peer learns from our hello (no SECURE flag) why nothing happens.
          if (p.echoId !== this.senderId) this.sendHello(p.senderId);
          return;
        }
        // In an encrypted session only a sealed hello is believed: a hello in clear changes nothing
        // the user sees (name, presence); it only gets an answer, for the handshake.
        if (this.filter && !sealed) {
          if (p.echoId !== this.senderId) this.sendHello(p.senderId);
          return;
        }
        this.peerName = p.name;
        if (p.echoId !== this.senderId) this.sendHello(p.senderId);
        this.heard(p.name);
        return;
      case PacketType.Heartbeat:
        this.heard();
        if (p.ack) this.onAck(p.ack);
        return;
      case PacketType.Bye:
        if (p.senderId === this.peerSenderId || this.peerSenderId === 0) {
          this.goOffline(p.reason || 'the peer ended the session');
          this.requeueAll();
          this.becomeUnknown();
        }
        return;
      case PacketType.Ack:
        this.heard();
        this.onAck(p.ack);
        return;
      case PacketType.Data:
        this.heard();
        if (p.ack) this.onAck(p.ack);
        this.onData(p);
        return;
      case PacketType.HandshakeInit:
      case PacketType.HandshakeResp:
      case PacketType.Sealed:
        // Only meaningful through a filter; without one the peer wants encryption we do not have.
        this.noticeOnce('secure', 'error', 'Cannot authenticate peer: it requires an encrypted session (passphrase mismatch?). Set the same passphrase on both sides.');
        return;
    }
  }

  /** First contact, or the peer restarted: fresh receive state, and our stream starts over for it. */
  private onNewPeerInstance(p: Packet): void {
    // Only a sender id never seen before counts as a restart; flipping back to a known one (a forged
    // datagram came in between) keeps both its receive state and our stream.
    const known = this.instances.has(p.senderId);
    const restarted = this.peerSenderId !== 0 && !known;
    this.peerSenderId = p.senderId;
    // Another instance is another program run: its name is what it says, not the old one's.
    if (restarted) this.peerName = '';
    void this.current;
    if (restarted && (this.inFlight.size > 0 || this.outbox.length > 0)) {
      const rest = this.takeInFlightMessages();
      this.outbox = [...rest, ...this.outbox.filter((m) => !rest.includes(m))];
    }
    if (restarted) this.newStream();
    if (p.type !== PacketType.Hello) this.sendHello(p.senderId); // tell it who we are
  }

  private onData(p: Extract<Packet, { type: PacketType.Data }>): void {
    let rx = this.rx;
    const now = this.clock.now();
    if (rx && p.streamId < rx.streamId) {
      // Usually a late datagram of an abandoned stream. But if the sender keeps retransmitting on
      // that stream while ours makes no progress, it never left it (our stream id was forged): go back.
      // This is also why any jump forward is believed: a sender that failed many messages while the
      // link was down is many streams ahead, and a forged jump is undone here within about a second.
      const o = rx.older?.streamId === p.streamId ? rx.older : (rx.older = { streamId: p.streamId, count: 0, since: now });
      o.count++;
      if (!(o.count >= 4 && now - o.since >= 1000 && now - rx.lastProgress >= 1000)) return;
      rx = undefined;
    }
    if (!rx || p.streamId !== rx.streamId) {
      if (rx && (rx.buffer.size > 0 || rx.assembling)) this.notice('warning', 'The peer gave up on a message; its incomplete fragments were freed.');
      rx = this.rx = { streamId: p.streamId, expected: 0, buffer: new Map(), ackPending: 0, ackNow: false, lastProgress: now, highestSeq: -1, digest: 0 };
    }
    if (p.seq < rx.expected || rx.buffer.has(p.seq)) {
      this.stats.duplicatesDropped++;
      rx.ackNow = true; // our ack was probably lost
      this.scheduleAck();
      return;
    }
    if (p.seq >= rx.expected + MAX_BUFFERED_FRAGMENTS) {
      this.noticeOnce('window', 'warning', `Dropped a fragment beyond the receive window (${MAX_BUFFERED_FRAGMENTS} fragments).`);
      return;
    }
    if (p.seq !== rx.expected) {
      // Pending reassemblies: multi-fragment messages of which some fragments wait in the buffer.
      if (p.fragCount > 1 && !this.isPendingReassembly(rx, p.msgId) && this.pendingReassemblies(rx) >= MAX_PENDING_REASSEMBLIES) {
        this.noticeOnce('reassembly', 'warning', `Too many incomplete messages at once (limit ${MAX_PENDING_REASSEMBLIES}); a fragment was dropped and will be resent.`);
        return;
      }
      rx.ackNow = true;
      if (rx.gapSince === undefined) rx.gapSince = this.clock.now();
    }
    // A fragment below the highest seen fills a gap (a retransmission): ack at once, so the sender
    // learns quickly (RFC 9002 §13.2.1 does the same).
    if (p.seq < rx.highestSeq) rx.ackNow = true;
    else rx.highestSeq = p.seq;
    rx.ranges = undefined;
    rx.buffer.set(p.seq, { msgId: p.msgId, fragIndex: p.fragIndex, fragCount: p.fragCount, payload: Buffer.from(p.payload) });
    rx.ackPending++;
    while (rx.buffer.has(rx.expected)) {
      const f = rx.buffer.get(rx.expected)!;
      rx.buffer.delete(rx.expected);
      rx.ranges = undefined;
      rx.expected++;
      rx.digest = streamDigest(rx.digest, f.msgId, f.fragIndex, f.fragCount, f.payload);
      rx.lastProgress = now;
      this.assemble(rx, f);
    }
    if (rx.buffer.size === 0) rx.gapSince = undefined;
    else if (p.seq === rx.expected - 1) rx.gapSince = this.clock.now(); // progress: restart the gap clock
    this.scheduleAck();
  }

  private rememberDelivered(uid: string, crc: number): void {
    this.delivered.delete(uid);
    this.delivered.set(uid, crc);
    if (this.delivered.size > DEDUPE_MEMORY) this.delivered.delete(this.delivered.keys().next().value as string);
  }

  private isPendingReassembly(rx: RxState, msgId: number): boolean {
    if (rx.assembling?.msgId === msgId) return true;
    for (const f of rx.buffer.values()) if (f.msgId === msgId) return true;
    return false;
  }

  private pendingReassemblies(rx: RxState): number {
    const ids = new Set<number>();
    for (const f of rx.buffer.values()) if (f.fragCount > 1) ids.add(f.msgId);
    if (rx.assembling) ids.add(rx.assembling.msgId);
    return ids.size;
  }

  private assemble(rx: RxState, f: InFrag): void {
    if (f.fragIndex === 0) {
      if (rx.assembling) this.notice('warning', 'An incomplete message from the peer was discarded (protocol error).');
      rx.assembling = { msgId: f.msgId, fragCount: f.fragCount, next: 0, parts: [], bytes: 0 };
    }
    const a = rx.assembling;
    if (!a || a.msgId !== f.msgId || a.next !== f.fragIndex || a.fragCount !== f.fragCount) {
      rx.assembling = undefined;
      this.stats.malformed++;
      this.noticeOnce('frag', 'warning', 'Dropped a fragment that did not fit the message being reassembled.');
      return;
    }
    a.parts.push(f.payload);
    a.bytes += f.payload.length;
    a.next++;
    if (a.bytes > MAX_MESSAGE_BYTES) {
      rx.assembling = undefined;
      this.notice('warning', `The peer sent a message larger than ${MAX_MESSAGE_BYTES} bytes; it was dropped.`);
      return;
    }
    if (a.next < a.fragCount) return;
    rx.assembling = undefined;
    const bodyBytes = Buffer.concat(a.parts, a.bytes);
    const body = decodeBody(bodyBytes);
    if (!body) {
      this.stats.malformed++;
      this.noticeOnce('body', 'warning', 'Dropped a message whose body could not be decoded.');
      return;
    }
    // Shown once per uid: a retry, or the same message again from the sender's next instance (a
    // reload), is dropped. Another body under a known uid is another message (it is shown).
    // The checksum leaves out sentAt (offset 1, 8 bytes): a resend after a reload is stamped anew.
    const crc = zlib.crc32(bodyBytes.subarray(9));
    const seen = this.delivered.get(body.uid);
    if (seen === crc || seen === -1) { this.stats.duplicatesDropped++; return; }
    this.rememberDelivered(body.uid, crc);
    this.stats.messagesReceived++;
    this.events.message?.({ text: body.text, code: body.code, sentAt: body.sentAt, plain: false, uid: body.uid });
  }

  private buildAck(): AckBlock | undefined {
    const rx = this.rx;
    if (!rx) return undefined;
    if (!rx.ranges) { rx.ranges = this.sackRanges(rx); this.stats.ackRangeBuilds++; }
    return { streamId: rx.streamId, cumulative: rx.expected, digest: rx.digest, ranges: rx.ranges };
  }

  private sackRanges(rx: RxState): Array<[number, number]> {
    const ranges: Array<[number, number]> = [];
    if (rx.buffer.size > 0) {
      const seqs = [...rx.buffer.keys()].sort((a, b) => a - b);
      let s = seqs[0];
      let e = s + 1;
      for (let i = 1; i < seqs.length; i++) {
        if (seqs[i] === e) e++;
        else { ranges.push([s, e]); s = seqs[i]; e = s + 1; }
      }
      ranges.push([s, e]);
    }
    // Too many holes for one ack: the lowest ranges (the holes to fill first) and the highest ones
    // (so the sender learns how far the data got, and does not stall on what it cannot see).
    const half = MAX_SACK_RANGES / 2;
    return ranges.length <= MAX_SACK_RANGES ? ranges : [...ranges.slice(0, half), ...ranges.slice(-half)];
  }

  /** The ack to piggyback on an outgoing datagram, if one is owed; clears the debt. */
  private takeAck(): AckBlock | undefined {
    const rx = this.rx;
    if (!rx || (rx.ackPending === 0 && !rx.ackNow)) return undefined;
    rx.ackPending = 0;
    rx.ackNow = false;
    // The delayed-ack timer is left to run out: it finds nothing owed (cheaper than cancelling it).
    return this.buildAck();
  }

  private scheduleAck(): void {
    const rx = this.rx;
    if (!rx) return;
    if (rx.ackNow || rx.ackPending >= this.config.ackEvery) { this.flushAck(); return; }
    if (this.ackTimer === undefined && rx.ackPending > 0) {
      this.ackTimer = this.clock.setTimeout(() => { this.ackTimer = undefined; this.flushAck(); }, this.config.ackDelayMs);
    }
  }

  private flushAck(): void {
    const ack = this.takeAck();
    if (!ack || !this.running) return;
    this.stats.acksSent++;
    this.sendPacket({ type: PacketType.Ack, senderId: this.senderId, ack });
  }

  // ---------------------------------------------------------------- presence

  private heard(name?: string): void {
    this.lastHeard = this.clock.now();
    if (name) this.peerName = name;
    if (this._presence !== 'online') {
      this._presence = 'online';
      this.helloInterval = this.config.helloInitialIntervalMs;
      if (this.helloTimer !== undefined) { this.clock.clearTimeout(this.helloTimer); this.helloTimer = undefined; }
      this.events.presence?.('online', { name: this.peerName, plain: this._plainPeer, reason: '' });
      this.flushQueue();
    }
  }

  private flushQueue(): void {
    // A peer heard only through a quit word has shown no protocol yet: the text fallback decides.
    if (this.contact === 'unknown') { if (this.queue.length > 0) this.scheduleTextFallback(); return; }
    const q = this.queue;
    this.queue = [];
    for (const m of q) {
      if (this._plainPeer) this.sendPlain(m);
      else { this.setStatus(m, 'sending'); this.outbox.push(m); }
    }
    this.pump();
  }

  private goOffline(reason: string): void {
    if (this._presence === 'offline') return;
    this._presence = 'offline';
    this.events.presence?.('offline', { name: this.peerName, plain: this._plainPeer, reason });
    if (this.contact === 'protocol' && this.running) this.scheduleHello();
  }

  private sendHello(echoId = this.peerSenderId): void {
    this.sendPacket({ type: PacketType.Hello, senderId: this.senderId, echoId, secure: this.secure, name: this.displayName });
    if (this._presence !== 'online') this.scheduleHello();
  }

  /** While the peer is silent, hellos go out with exponential backoff (1 s, 2 s, 4 s, ... 30 s). */
  private scheduleHello(): void {
    if (this.helloTimer !== undefined || !this.running || this.contact !== 'protocol') return;
    const wait = this.helloInterval;
    this.helloInterval = Math.min(this.helloInterval * 2, this.config.helloMaxIntervalMs);
    this.helloTimer = this.clock.setTimeout(() => {
      this.helloTimer = undefined;
      if (this.running && this._presence !== 'online' && this.contact === 'protocol') this.sendHello();
    }, wait);
  }

  /** Heartbeats, offline detection and reassembly timeouts, once per second-ish. */
  private scheduleTick(): void {
    const period = Math.min(1000, this.config.heartbeatIntervalMs / 2);
    this.tickTimer = this.clock.setTimeout(() => {
      this.tickTimer = undefined;
      if (!this.running) return;
      this.tick();
      this.scheduleTick();
    }, period);
  }

  private tick(): void {
    const now = this.clock.now();
    if (this.contact !== 'protocol') return;
    if (this._presence === 'online' && now - this.lastHeard > this.config.offlineAfterMs) {
      this.goOffline('no heartbeat from the peer');
    }
    if (this._presence === 'online' && now - this.lastSent >= this.config.heartbeatIntervalMs) {
      this.sendPacket({ type: PacketType.Heartbeat, senderId: this.senderId, ack: this.takeAck() });
    }
    const rx = this.rx;
    if (rx && rx.gapSince !== undefined && now - rx.gapSince > this.config.reassemblyTimeoutMs) {
      const n = rx.buffer.size;
      rx.buffer.clear();
      rx.ranges = undefined;
      rx.assembling = undefined;
      rx.gapSince = undefined;
      this.notice('warning', `Freed ${n} fragments of an incomplete message after ${Math.round(this.config.reassemblyTimeoutMs / 1000)} s without progress.`);
    }
  }

  // ---------------------------------------------------------------- output

  private sendPacket(p: Packet, seal = false): void {
    // Never a binary datagram to an address that has not shown our protocol (§8.1): it could be a
    // classic program whose strict UTF-8 decoding dies on it.
    if (this.contact !== 'protocol') return;
    let bytes = encode(p);
    if (this.filter) {
      const sealed = this.filter.outgoing(bytes, p.type, seal);
      if (!sealed) return;
      bytes = sealed;
    }
    this.sendRaw(bytes);
  }

  private sendRaw(bytes: Buffer): void {
    this.lastSent = this.clock.now();
    this.stats.datagramsSent++;
    try {
      this.transport.send(bytes);
    } catch (e) {
      this.noticeOnce('send', 'error', `Could not send: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  private notice(level: 'info' | 'warning' | 'error', text: string): void {
    this.events.notice?.(level, text);
  }

  private noticeOnce(key: string, level: 'info' | 'warning' | 'error', text: string): void {
    if (this.notices.allow(key)) this.notice(level, text);
  }

  /** A notice caused by an unauthenticated datagram: only to the log while an authenticated peer is alive. */
  private unauthNotice(key: string, level: 'info' | 'warning' | 'error', text: string): void {
    if (this.filter?.authenticatedPeerAlive?.()) { if (this.notices.allow(`log:${key}`)) this.events.diagnostic?.(text); return; }
    this.noticeOnce(key, level, text);
  }
}

function inRanges(seq: number, ranges: Array<[number, number]>): boolean {
  for (const [s, e] of ranges) if (seq >= s && seq < e) return true;
  return false;
}
