// The send side's queues by stage (queue → outbox → in flight), fragmentation, the window, streams and statuses.
import { bodyBytes, encodeBody, FRAME_HEADER_BYTES, MAX_BODY_META_BYTES, PACKED_HEADER_BYTES, streamDigest } from './codec';
import { MAX_BUFFERED_FRAGMENTS, MAX_FRAGMENT_PAYLOAD, MAX_MESSAGE_BYTES, MAX_PACKED_FRAME_BYTES, MAX_TEXT_BYTES } from './limits';
import type { MessageBody } from './codec';
import { DATAGRAM_OVERHEAD_BYTES, Flight } from './flight';
import type { OutFrag, OutgoingContent, OutMessage, OutStatus, SessionCore } from './sessionTypes';
import { contentOf, MessageTooLargeError } from './sessionTypes';

/** fill: nothing more may go until an ack opens the window. */
export const FILL_BLOCKED = -1;
/** fill: everything is on the wire. */
export const FILL_DONE = 0;

export type PendingMessage = { localId: string; content: OutgoingContent; status: OutStatus };

export class SendQueue {
  streamId = 1;
  nextSeq = 0;
  /** Digest chain of the current stream up to the last fragment put in flight. */
  private sendDigest = 0;
  private nextMsgId = 1;
  private localSeq = 0;
  /** Typed while the peer was not online (or not known to speak our protocol). */
  queue: OutMessage[] = [];
  /**
   * Messages not yet fully in flight, in send order: `outbox[outHead..]` (the head moves instead of
   * shift(), which copies the whole array once it is large: a 20,000-message burst made fill O(n²)).
   */
  private outbox: OutMessage[] = [];
  private outHead = 0;
  /** Fragments not yet passed by the cumulative ack, in sequence order (SACKed ones included). */
  readonly inFlight = new Map<number, OutFrag>();
  /** Fragments in flight and not SACKed: what the window limits. */
  unsacked = 0;
  cumAcked = 0;
  /** Fragments declared lost, in the order they go again (before new ones), when the window and the pacer allow. */
  private again: OutFrag[] = [];
  /** Congestion control and pacing of what leaves (one record per data datagram). */
  readonly flight: Flight;
  /**
   * Every message whose status may still change (queued, sending, textSent), in the order they were
   * sent (or retried): `live[liveHead..]`, with settled ones left in place until the head passes
   * them or the array is compacted. An array rather than a Map by local id: a 20,000-message burst
   * costs 8 bytes a message here instead of a hash entry each (no lookup by id needs it: only
   * Retry looks up, and only failed messages).
   */
  private live: OutMessage[] = [];
  private liveHead = 0;
  /** Messages settled or failed since the last compaction (what `live` holds beyond the pending ones, about). */
  private liveSettled = 0;
  /** Failed messages, by local id, for Retry. */
  private readonly failed = new Map<string, OutMessage>();

  /** `newUid`: a fresh message identity, for a message sent without one (chosen when its body is first built). */
  constructor(private readonly core: SessionCore, private readonly newUid: () => string = () => { throw new Error('no uid source'); }, seed = 1) {
    this.flight = new Flight(core.config.congestionControl, core.clock.now(), seed, PACKED_HEADER_BYTES + MAX_PACKED_FRAME_BYTES + DATAGRAM_OVERHEAD_BYTES);
  }

  nextLocalId(): string { return `m${++this.localSeq}`; }
  takeMsgId(): number { return this.nextMsgId++; }

  /** Messages not yet delivered or failed (queued, waiting or in flight). */
  get pendingCount(): number {
    let n = 0;
    for (let i = this.liveHead; i < this.live.length; i++) { const s = this.live[i].status; if (s === 'queued' || s === 'sending') n++; }
    return n;
  }

  /** Messages still waiting to go out (queued or not yet acknowledged), for persistence. */
  pendingMessages(): PendingMessage[] {
    const out: PendingMessage[] = [];
    for (let i = this.liveHead; i < this.live.length; i++) {
      const m = this.live[i];
      if (isLive(m)) out.push({ localId: m.localId, content: contentOf(m), status: m.status });
    }
    return out;
  }

  /** The failed message with this local id (Retry), if any. */
  failedMessage(localId: string): OutMessage | undefined { return this.failed.get(localId); }

  /**
   * Checks a message against the limits and returns the size of its body (MessageTooLargeError when
   * the text, the meta or the whole body is over its limit; RangeError when a code message's meta is
   * not a JSON object). Nothing is encoded: the body is built when the message goes on the wire.
   */
  check(content: OutgoingContent): number {
    const textBytes = Buffer.byteLength(content.text, 'utf8');
    if (textBytes > MAX_TEXT_BYTES) throw new MessageTooLargeError(textBytes);
    if (content.meta !== undefined) {
      const metaBytes = Buffer.byteLength(content.meta, 'utf8');
      if (metaBytes > MAX_BODY_META_BYTES) throw new MessageTooLargeError(metaBytes, MAX_BODY_META_BYTES, 'metadata');
    }
    const size = bodyBytes(content);
    if (size > MAX_MESSAGE_BYTES) throw new MessageTooLargeError(size);
    return size;
  }

  /**
   * The body of a message, as it goes on the wire (check's errors). `uid`: kept when it is a valid
   * identity (the same message again after a reload), else `newUid()`. `content.meta`, when present,
   * is the body's meta exactly (docs/PROTOCOL.md §8); when absent the body is as before (the JSON of
   * `code`, or no meta).
   */
  compose(content: OutgoingContent, uid: string | undefined, newUid: () => string): Buffer {
    this.check(content);
    return encodeBody(bodyFields(content, validUid(uid) ?? newUid(), Date.now()));
  }

  /**
   * A new message (check's errors): `size` from check, `uid` kept when valid (else one is chosen
   * when the body is built), sentAt now.
   */
  newOut(content: OutgoingContent, localId: string, msgId: number, size: number, uid: string | undefined, sentAt = Date.now()): OutMessage {
    const msg: OutMessage = {
      localId, msgId, content: content.code === undefined && content.meta === undefined ? content.text : content, uid: validUid(uid), sentAt, body: undefined,
      fragCount: Math.max(1, Math.ceil(size / MAX_FRAGMENT_PAYLOAD)), nextFrag: 0, acked: 0, firstSentAt: undefined, status: 'queued',
    };
    // A local id seen again replaces the message it named (as a Map by local id did): a failed one is no longer Retry's.
    if (this.failed.size > 0) this.failed.delete(localId);
    this.live.push(msg);
    return msg;
  }

  /** The message's body, built now if it is not (the same bytes every time: same uid, same sentAt). */
  body(msg: OutMessage): Buffer {
    if (msg.body) return msg.body;
    if (msg.uid === undefined) msg.uid = this.newUid();
    return (msg.body = encodeBody(bodyFields(contentOf(msg), msg.uid, msg.sentAt)));
  }

  setStatus(msg: OutMessage, status: OutStatus): void {
    if (msg.status === status) return;
    msg.status = status;
    this.core.events.status?.(msg.localId, status);
  }

  /** Next in line for the wire. */
  toOutbox(msg: OutMessage): void {
    this.setStatus(msg, 'sending');
    this.outbox.push(msg);
  }

  /** Messages waiting in the outbox (not yet fully in flight). */
  get outboxLength(): number { return this.outbox.length - this.outHead; }

  /** The outbox's messages, in order (a copy). */
  private waiting(): OutMessage[] { return this.outHead === 0 ? this.outbox.slice() : this.outbox.slice(this.outHead); }

  private setOutbox(msgs: OutMessage[]): void {
    this.outbox = msgs;
    this.outHead = 0;
  }

  /** The head message left the outbox (all its fragments are in flight). */
  private dropHead(): void {
    this.outbox[this.outHead++] = undefined as unknown as OutMessage; // not kept alive by the array
    if (this.outHead === this.outbox.length) { this.outbox = []; this.outHead = 0; }
    else if (this.outHead >= 1024 && this.outHead * 2 >= this.outbox.length) { this.outbox = this.outbox.slice(this.outHead); this.outHead = 0; }
  }

  /** A final status that can no longer change (delivered, unconfirmed): the message is forgotten. */
  settle(msg: OutMessage, status: OutStatus): void {
    this.setStatus(msg, status);
    this.forget();
  }

  /** A message in `live` settled or failed: the head moves past settled ones (freeing them), and the array is compacted now and then. */
  private forget(): void {
    const live = this.live;
    let h = this.liveHead;
    while (h < live.length && !isLive(live[h])) live[h++] = undefined as unknown as OutMessage;
    this.liveHead = h;
    if (h === live.length) { this.live = []; this.liveHead = 0; this.liveSettled = 0; return; }
    if (++this.liveSettled >= 1024 && this.liveSettled * 2 >= live.length - h) {
      this.live = live.slice(h).filter(isLive);
      this.liveHead = 0;
      this.liveSettled = 0;
    } else if (h >= 1024 && h * 2 >= live.length) {
      this.live = live.slice(h);
      this.liveHead = 0;
    }
  }

  /** The message failed; it is kept for Retry (without its body: a retry builds the same one again). */
  fail(msg: OutMessage): void {
    msg.body = undefined;
    this.setStatus(msg, 'failed');
    this.failed.set(msg.localId, msg);
    this.forget();
    this.core.stats.messagesFailed++;
  }

  /** `f` was declared lost: it goes again, before new fragments, when the window and the pacer allow. */
  queueAgain(f: OutFrag): void {
    if (f.queuedAgain) return;
    f.queuedAgain = true;
    this.again.push(f);
  }

  /**
   * Puts fragments on the wire while the congestion window and the pacer allow: first those declared
   * lost, then new ones (within `config.window` and the receiver's buffer). `transmit` sends each
   * (they leave packed at the next flush). Returns FILL_BLOCKED when the window is full (an ack must
   * open it), FILL_DONE when all is sent, else the time (ms) at which the pacer lets the next one go.
   */
  fill(transmit: (frag: OutFrag, now: number) => void): number {
    const { core, flight } = this;
    if (!core.running) return FILL_DONE;
    const now = core.clock.now();
    let pending = 0;
    while (this.again.length > 0) {
      const f = this.again[0];
      if (!f.queuedAgain || this.inFlight.get(f.seq) !== f || f.sacked) { this.again.shift(); f.queuedAgain = false; continue; }
      const cost = FRAME_HEADER_BYTES + fragPayloadBytes(f.msg.body?.length ?? 0, f.fragIndex);
      const g = flight.gate(pending, cost, now);
      if (g !== true) return g === false ? FILL_BLOCKED : g;
      this.again.shift();
      f.queuedAgain = false;
      pending += cost;
      transmit(f, now);
    }
    // The window caps unacknowledged fragments; the receiver's buffer caps the span above the cumulative ack.
    while (this.unsacked < core.config.window && this.nextSeq - this.cumAcked < MAX_BUFFERED_FRAGMENTS && this.outHead < this.outbox.length) {
      const msg = this.outbox[this.outHead];
      const i = msg.nextFrag;
      const body = this.body(msg);
      const cost = FRAME_HEADER_BYTES + fragPayloadBytes(body.length, i);
      const g = flight.gate(pending, cost, now);
      if (g !== true) return g === false ? FILL_BLOCKED : g;
      pending += cost;
      if (msg.firstSentAt === undefined) msg.firstSentAt = now;
      msg.nextFrag++;
      const start = i * MAX_FRAGMENT_PAYLOAD;
      const frag: OutFrag = {
        seq: this.nextSeq++, msg, fragIndex: i, lastSent: 0, transmissions: 0, sacked: false, fastAt: undefined, chain: 0, datagram: 0,
        rec: undefined, queuedAgain: false,
      };
      // (A one-fragment message's payload is its whole body: no view made for it.)
      const payload = start === 0 && body.length <= MAX_FRAGMENT_PAYLOAD ? body : body.subarray(start, start + MAX_FRAGMENT_PAYLOAD);
      frag.chain = this.sendDigest = streamDigest(this.sendDigest, msg.msgId, i, msg.fragCount, payload);
      this.inFlight.set(frag.seq, frag);
      this.unsacked++;
      if (msg.nextFrag >= msg.fragCount) this.dropHead();
      transmit(frag, now);
    }
    // Nothing more to send although the window and the pacer allowed it: the rate samples are app-limited.
    if (this.outHead >= this.outbox.length) { flight.appLimited(); return FILL_DONE; }
    // (Held by config.window or the receiver's buffer: like a full window, an ack opens it.)
    return FILL_BLOCKED;
  }

  /** The cumulative ack passed `f`: it leaves the flight, and its message is delivered after its last fragment. */
  retire(f: OutFrag): void {
    this.inFlight.delete(f.seq);
    const m = f.msg;
    m.acked++;
    // Delivered means the receiver has handed it to its user: the cumulative ack passed its last fragment.
    if (m.acked >= m.fragCount && m.status === 'sending') {
      this.settle(m, 'delivered');
      this.core.stats.messagesDelivered++;
    }
  }

  /** A fresh stream: sequence numbers and the digest chain start over. */
  newStream(): void {
    this.streamId = (this.streamId + 1) >>> 0 || 1;
    this.nextSeq = 0;
    this.sendDigest = 0;
    this.cumAcked = 0;
    this.core.stats.streamResets++;
  }

  /**
   * Empties the flight and returns its messages in send order, each rewound to its first fragment
   * (they go again, whole, on a new stream). A message partly sent also stays at the head of the
   * outbox; callers drop it from there.
   */
  takeInFlightMessages(): OutMessage[] {
    const msgs = [...new Set([...this.inFlight.values()].map((f) => f.msg))];
    this.clearInFlight();
    for (const m of msgs) { m.nextFrag = 0; m.acked = 0; }
    return msgs;
  }

  clearInFlight(): void {
    for (const f of this.again) f.queuedAgain = false;
    this.again = [];
    this.inFlight.clear();
    this.unsacked = 0;
    this.flight.discardAll();
  }

  /** The peer restarted: what was in flight goes first again (the caller starts a new stream). */
  rewindForNewInstance(): void {
    if (this.inFlight.size === 0 && this.outboxLength === 0) return;
    const rest = this.takeInFlightMessages();
    const inRest = new Set(rest);
    this.setOutbox([...rest, ...this.waiting().filter((m) => !inRest.has(m))]);
  }

  /**
   * `failed` was not acknowledged in time. Everything after it in the stream was never delivered
   * (delivery is in order), so the rest goes again (the caller starts a new stream, which also frees
   * whatever the receiver buffered behind the gap).
   */
  failAndRewind(failed: OutMessage, peerAlive: boolean): void {
    const rest = this.takeInFlightMessages().filter((m) => m !== failed);
    const inRest = new Set(rest);
    this.fail(failed);
    // A peer that is still heard from gets a fresh budget for the rest; a silent one does not,
    // so that everything fails in about one budget when the peer is gone.
    if (peerAlive) for (const m of rest) m.firstSentAt = undefined;
    const waiting = this.waiting().filter((m) => m !== failed && !inRest.has(m));
    if (peerAlive) {
      this.setOutbox([...rest, ...waiting]);
    } else {
      // The peer is gone: what never left waits in the queue for its return instead of starting a
      // new 20 s budget each, one after the other.
      this.setOutbox(rest);
      for (const m of waiting) { m.nextFrag = 0; m.acked = 0; m.firstSentAt = undefined; m.body = undefined; this.setStatus(m, 'queued'); }
      this.queue = [...waiting, ...this.queue];
    }
  }

  /** What the receiver delivered below `cumulative` was not what we sent: those messages fail, the rest goes again. */
  failBelow(cumulative: number): void {
    const suspect = new Set<OutMessage>();
    for (const f of this.inFlight.values()) if (f.seq < cumulative) suspect.add(f.msg);
    const rest = this.takeInFlightMessages().filter((m) => !suspect.has(m));
    const inRest = new Set(rest);
    for (const m of suspect) this.fail(m);
    this.setOutbox([...rest, ...this.waiting().filter((m) => !inRest.has(m) && !suspect.has(m))]);
  }

  /** The peer left with a bye: what was on the wire waits in the queue, in order. Returns false when nothing waited. */
  requeueAll(): boolean {
    const rest = this.takeInFlightMessages();
    const inRest = new Set(rest);
    const waiting = [...rest, ...this.waiting().filter((m) => !inRest.has(m))];
    this.setOutbox([]);
    if (waiting.length === 0) return false;
    for (const m of waiting) { m.firstSentAt = undefined; m.body = undefined; this.setStatus(m, 'queued'); }
    this.queue = [...waiting, ...this.queue];
    return true;
  }

  /** Empties every stage (the peer turned out to speak plain text); returns the messages in order. */
  drainAll(): OutMessage[] {
    const waiting = [...new Set([...[...this.inFlight.values()].map((f) => f.msg), ...this.waiting(), ...this.queue])];
    this.clearInFlight();
    this.setOutbox([]);
    this.queue = [];
    return waiting;
  }

  /** Takes the offline queue. */
  takeQueue(): OutMessage[] {
    const q = this.queue;
    this.queue = [];
    return q;
  }
}

/** Payload bytes of fragment `fragIndex` of a body of `bodyLength` bytes. */
export function fragPayloadBytes(bodyLength: number, fragIndex: number): number {
  return Math.min(MAX_FRAGMENT_PAYLOAD, bodyLength - fragIndex * MAX_FRAGMENT_PAYLOAD);
}

/** A message whose status may still change: what pendingMessages lists. */
function isLive(m: OutMessage): boolean {
  return m.status === 'queued' || m.status === 'sending' || m.status === 'textSent';
}

/** A uid when it is a valid identity (16 lowercase hex digits), else undefined. */
function validUid(uid: string | undefined): string | undefined {
  return uid !== undefined && /^[0-9a-f]{16}$/.test(uid) ? uid : undefined;
}

/** The body fields of a message: without meta the body is as before (the JSON of `code`, or none). */
function bodyFields(content: OutgoingContent, uid: string, sentAt: number): MessageBody {
  const fields: MessageBody = { text: content.text, code: content.code, sentAt, uid };
  if (content.meta !== undefined) fields.meta = content.meta;
  return fields;
}

