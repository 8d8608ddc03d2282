// The receive side: per peer instance, in-order delivery, reassembly, the digest chain, and shown-once dedupe.
import * as zlib from 'node:zlib';
import type { DataFrame } from './codec';
import { decodeBody, streamDigest } from './codec';
import { DEDUPE_MEMORY, MAX_BUFFERED_FRAGMENTS, MAX_MESSAGE_BYTES, MAX_PENDING_REASSEMBLIES } from './limits';
import { StreamAck } from './ackState';
import type { IncomingMessage, SessionCore } from './sessionTypes';

export interface InFrag {
  msgId: number;
  fragIndex: number;
  fragCount: number;
  payload: Buffer;
}

export interface RxStream {
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
  /** Retransmissions seen on an older stream (the sender may still be on it: see onData). */
  older?: { streamId: number; count: number; since: number };
  /** What this stream owes the sender (ackState.ts). */
  ack: StreamAck;
}

/** What one frame did (onFrames). */
const enum FrameResult { Dropped, Duplicate, New }

export class ReceiveBuffer {
  /** State per peer instance: a few kept, so a forged sender id cannot wipe the real one's. */
  private readonly instances = new Map<number, { rx?: RxStream }>();
  /**
   * Message uids shown (with the body's CRC-32, or -1 when seeded from history): across every
   * instance of the peer, so a message sent again after the sender's reload is shown once.
   */
  private readonly delivered = new Map<string, number>();

  /** `peerId`: the sender id of the peer instance we talk to now. */
  constructor(private readonly core: SessionCore, private readonly peerId: () => number, shownUids: Iterable<string> = []) {
    for (const uid of shownUids) this.rememberDelivered(uid, -1);
  }

  /** The current instance's state, made on first use (the oldest of four is forgotten). */
  private get current(): { rx?: RxStream } {
    const id = this.peerId();
    let st = this.instances.get(id);
    if (!st) {
      if (this.instances.size >= 4) this.instances.delete(this.instances.keys().next().value as number);
      st = {};
      this.instances.set(id, st);
    }
    return st;
  }

  /** The current instance's receive stream. */
  get rx(): RxStream | undefined { return this.current.rx; }

  /** This sender id has been seen (it is not a new instance). */
  knows(senderId: number): boolean { return this.instances.has(senderId); }

  /** Makes the current instance's state if it does not exist yet. */
  touch(): void { void this.current; }

  /** A DATA datagram (one frame). Returns true when the ack decision is due (ackState.schedule). */
  onData(p: DataFrame & { streamId: number }): boolean {
    return this.onFrames(p.streamId, [p]);
  }

  /**
   * The frames of one data datagram (DATA: one; PACKED: one or more, all of stream `streamId`).
   * Returns true when the ack decision is due (ackState.schedule). The datagram counts once towards
   * the ack frequency (`ack.pending`, as QUIC counts ack-eliciting packets), whatever its frames.
   */
  onFrames(streamId: number, frames: readonly DataFrame[]): boolean {
    const now = this.core.clock.now();
    const rx = this.streamFor(streamId, now);
    if (!rx) return false;
    let fresh = false;
    let due = false;
    for (const f of frames) {
      const r = this.onFrame(rx, f, now);
      if (r === FrameResult.New) fresh = true;
      if (r !== FrameResult.Dropped) due = true;
    }
    if (fresh) rx.ack.pending++;
    return due;
  }

  /** The receive stream for data of `streamId`, or undefined when the data is to be ignored (an older stream). */
  private streamFor(streamId: number, now: number): RxStream | undefined {
    let rx = this.rx;
    if (rx && streamId < rx.streamId) {
      // Usually a late datagram of an abandoned stream. But if the sender keeps retransmitting on
      // that stream while ours makes no progress, it never left it (our stream id was forged): go back.
      // This is also why any jump forward is believed: a sender that failed many messages while the
      // link was down is many streams ahead, and a forged jump is undone here within about a second.
      const o = rx.older?.streamId === streamId ? rx.older : (rx.older = { streamId, count: 0, since: now });
      o.count++;
      if (!(o.count >= 4 && now - o.since >= 1000 && now - rx.lastProgress >= 1000)) return undefined;
      rx = undefined;
    }
    if (!rx || streamId !== rx.streamId) {
      if (rx && (rx.buffer.size > 0 || rx.assembling)) this.core.notice('warning', 'The peer gave up on a message; its incomplete fragments were freed.');
      rx = this.current.rx = { streamId, expected: 0, buffer: new Map(), ack: new StreamAck(), lastProgress: now, highestSeq: -1, digest: 0 };
    }
    return rx;
  }

  private onFrame(rx: RxStream, p: DataFrame, now: number): FrameResult {
    if (p.seq < rx.expected || rx.buffer.has(p.seq)) {
      this.core.stats.duplicatesDropped++;
      rx.ack.now = true; // our ack was probably lost
      return FrameResult.Duplicate;
    }
    if (p.seq >= rx.expected + MAX_BUFFERED_FRAGMENTS) {
      this.core.noticeOnce('window', 'warning', `Dropped a fragment beyond the receive window (${MAX_BUFFERED_FRAGMENTS} fragments).`);
      return FrameResult.Dropped;
    }
    if (p.seq !== rx.expected) {
      // Pending reassemblies: multi-fragment messages of which some fragments wait in the buffer.
      if (p.fragCount > 1 && !isPendingReassembly(rx, p.msgId) && pendingReassemblies(rx) >= MAX_PENDING_REASSEMBLIES) {
        this.core.noticeOnce('reassembly', 'warning', `Too many incomplete messages at once (limit ${MAX_PENDING_REASSEMBLIES}); a fragment was dropped and will be resent.`);
        return FrameResult.Dropped;
      }
      rx.ack.now = true;
      if (rx.gapSince === undefined) rx.gapSince = now;
    }
    // A fragment below the highest seen fills a gap (a retransmission): ack at once, so the sender
    // learns quickly (RFC 9002 §13.2.1 does the same).
    if (p.seq < rx.highestSeq) rx.ack.now = true;
    else rx.highestSeq = p.seq;
    if (p.seq === rx.expected) {
      // In order: taken at once, never buffered. The payload is a view of the datagram: a message of
      // one fragment is decoded from it directly; a fragment of a longer one is copied (it is kept).
      this.take(rx, p.msgId, p.fragIndex, p.fragCount, p.fragCount === 1 ? p.payload : Buffer.from(p.payload), now);
    } else {
      rx.buffer.set(p.seq, { msgId: p.msgId, fragIndex: p.fragIndex, fragCount: p.fragCount, payload: Buffer.from(p.payload) });
      rx.ack.invalidate();
    }
    while (rx.buffer.size > 0 && rx.buffer.has(rx.expected)) {
      const f = rx.buffer.get(rx.expected)!;
      rx.buffer.delete(rx.expected);
      rx.ack.invalidate();
      this.take(rx, f.msgId, f.fragIndex, f.fragCount, f.payload, now);
    }
    if (rx.buffer.size === 0) rx.gapSince = undefined;
    else if (p.seq === rx.expected - 1) rx.gapSince = now; // progress: restart the gap clock
    return FrameResult.New;
  }

  /** The fragment at `expected`: the digest chain and reassembly take it. */
  private take(rx: RxStream, msgId: number, fragIndex: number, fragCount: number, payload: Buffer, now: number): void {
    rx.expected++;
    rx.digest = streamDigest(rx.digest, msgId, fragIndex, fragCount, payload);
    rx.lastProgress = now;
    this.assemble(rx, msgId, fragIndex, fragCount, payload);
  }

  /** Frees a head-of-line gap that made no progress for `reassemblyTimeoutMs`. */
  expireGap(now: number): void {
    const rx = this.rx;
    const timeout = this.core.config.reassemblyTimeoutMs;
    if (!rx || rx.gapSince === undefined || now - rx.gapSince <= timeout) return;
    const n = rx.buffer.size;
    rx.buffer.clear();
    rx.ack.invalidate();
    rx.assembling = undefined;
    rx.gapSince = undefined;
    this.core.notice('warning', `Freed ${n} fragments of an incomplete message after ${Math.round(timeout / 1000)} s without progress.`);
  }

  private rememberDelivered(uid: string, crc: number): void {
    this.delivered.delete(uid);
    this.delivered.set(uid, crc);
    if (this.delivered.size > DEDUPE_MEMORY) this.delivered.delete(this.delivered.keys().next().value as string);
  }

  private assemble(rx: RxStream, msgId: number, fragIndex: number, fragCount: number, payload: Buffer): void {
    if (fragIndex === 0) {
      if (rx.assembling) this.core.notice('warning', 'An incomplete message from the peer was discarded (protocol error).');
      if (fragCount === 1) { rx.assembling = undefined; this.deliver(payload); return; } // the usual case: no reassembly
      rx.assembling = { msgId, fragCount, next: 0, parts: [], bytes: 0 };
    }
    const a = rx.assembling;
    if (!a || a.msgId !== msgId || a.next !== fragIndex || a.fragCount !== fragCount) {
      rx.assembling = undefined;
      this.core.stats.malformed++;
      this.core.noticeOnce('frag', 'warning', 'Dropped a fragment that did not fit the message being reassembled.');
      return;
    }
    a.parts.push(payload);
    a.bytes += payload.length;
    a.next++;
    if (a.bytes > MAX_MESSAGE_BYTES) {
      rx.assembling = undefined;
      this.core.notice('warning', `The peer sent a message larger than ${MAX_MESSAGE_BYTES} bytes; it was dropped.`);
      return;
    }
    if (a.next < a.fragCount) return;
    rx.assembling = undefined;
    this.deliver(Buffer.concat(a.parts, a.bytes));
  }

  /** A whole body: shown unless it is a copy of one shown already. */
  private deliver(bodyBytes: Buffer): void {
    const body = decodeBody(bodyBytes);
    if (!body) {
      this.core.stats.malformed++;
      this.core.noticeOnce('body', 'warning', 'Dropped a message whose body could not be decoded.');
      return;
    }
    // Shown once per uid: a retry, or the same message again from the sender's next instance (a
    // reload), is dropped. Another body under a known uid is another message (it is shown).
    // The checksum leaves out sentAt (offset 1, 8 bytes): a resend after a reload is stamped anew.
    const crc = zlib.crc32(bodyBytes.subarray(9));
    const seen = this.delivered.get(body.uid);
    if (seen === crc || seen === -1) { this.core.stats.duplicatesDropped++; return; }
    this.rememberDelivered(body.uid, crc);
    this.core.stats.messagesReceived++;
    const m: IncomingMessage = { text: body.text, code: body.code, sentAt: body.sentAt, plain: false, uid: body.uid };
    if (body.meta !== undefined) m.meta = body.meta;
    this.core.events.message?.(m);
  }
}

function isPendingReassembly(rx: RxStream, msgId: number): boolean {
  if (rx.assembling?.msgId === msgId) return true;
  for (const f of rx.buffer.values()) if (f.msgId === msgId) return true;
  return false;
}

function pendingReassemblies(rx: RxStream): number {
  const ids = new Set<number>();
  for (const f of rx.buffer.values()) if (f.fragCount > 1) ids.add(f.msgId);
  if (rx.assembling) ids.add(rx.assembling.msgId);
  return ids.size;
}
