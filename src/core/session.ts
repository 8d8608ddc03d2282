// The chat session with one peer: wires presence, first contact, the send and receive sides and one timer
// table. Pure: the clock and the transport are injected, so the same code runs in the extension host,
// the terminal peer and the unit tests.
import type { AckBlock, Packet } from './codec';
import { ackBlockBytes, decode, encode, FRAME_HEADER_BYTES, PACKED_HEADER_BYTES, PackedWriter, PacketType, VERSION } from './codec';
import { AckState } from './ackState';
import { MAX_FRAGMENT_PAYLOAD, MAX_INNER_DATAGRAM, MAX_PACKED_FRAME_BYTES, MAX_QUEUED_MESSAGES } from './limits';
import { DATAGRAM_OVERHEAD_BYTES } from './flight';
import { LossRecovery } from './lossRecovery';
import { NoticeLimiter } from './noticeLimiter';
import { PlainPeer } from './plainPeer';
import { PeerPresence } from './presence';
import { ReceiveBuffer } from './receiveBuffer';
import type { PendingMessage } from './sendQueue';
import { FILL_BLOCKED, FILL_DONE, fragPayloadBytes, SendQueue } from './sendQueue';
import type { Contact, NoticeLevel, OutFrag, OutgoingContent, OutMessage, PacketFilter, Presence, SessionConfig, SessionCore, SessionEvents, SessionOptions, SessionStats, Transport } from './sessionTypes';
import { contentOf, DEFAULT_SESSION_CONFIG, newStats } from './sessionTypes';
import type { Clock } from './timers';
import { systemClock, Timers } from './timers';

export type { Clock, TimerHandle } from './timers';
export { systemClock } from './timers';
export type { Contact, IncomingMessage, OutgoingContent, OutStatus, PacketFilter, Presence, SessionConfig, SessionEvents, SessionOptions, SessionStats, Transport } from './sessionTypes';
export { DEFAULT_SESSION_CONFIG, MessageTooLargeError } from './sessionTypes';

const defaultRandom32 = (): number => (Math.random() * 0x1_0000_0000) >>> 0 || 1;

export class ChatSession {
  readonly config: SessionConfig;
  readonly stats: SessionStats = newStats();
  readonly senderId: number;

  private readonly clock: Clock;
  private readonly timers: Timers;
  private readonly transport: Transport;
  private readonly events: SessionEvents;
  private readonly random32: () => number;
  private readonly filter?: PacketFilter;
  private readonly secure: boolean;
  private readonly startsInProtocol: boolean;
  private readonly notices: NoticeLimiter;
  private displayName: string;
  private running = false;
  private lastSent = 0;
  private readonly defer: (fn: () => void) => void;
  /** A pump is deferred (send): messages sent in one go leave packed together. */
  private pumpDeferred = false;
  /** Fragments transmitted since the last flush, in order: they leave packed (flushFrames). */
  private outFrames: OutFrag[] = [];
  /** Serial number of the last data datagram sent. */
  private dataSerial = 0;
  /** Sender id of the peer instance known to read PACKED datagrams (its HELLO said so, or it sent one), else 0. */
  private packsId = 0;

  /** The send side: queues by stage, and its loss recovery. */
  private readonly q: SendQueue;
  private readonly loss: LossRecovery;
  /** The receive side: what came in, and what we owe the sender in acks. */
  private readonly rxBuf: ReceiveBuffer;
  private readonly acks: AckState;
  private readonly peer: PeerPresence;
  /** First contact and the plain-text side; owns what the address has shown (`contact`). */
  private readonly first: PlainPeer;

  constructor(opts: SessionOptions) {
    this.config = { ...DEFAULT_SESSION_CONFIG, ...opts.config };
    this.clock = opts.clock ?? systemClock;
    this.transport = opts.transport;
    this.events = opts.events ?? {};
    this.random32 = opts.random32 ?? defaultRandom32;
    this.filter = opts.filter;
    this.secure = opts.secure ?? false;
    this.startsInProtocol = opts.speaksProtocol ?? false;
    this.displayName = opts.displayName;
    this.defer = opts.defer ?? queueMicrotask;
    this.senderId = this.random32() >>> 0 || 1;
    this.timers = new Timers(this.clock);
    this.notices = new NoticeLimiter(() => this.clock.now());
    const session = this;
    const core: SessionCore = {
      config: this.config, stats: this.stats, events: this.events, clock: this.clock, timers: this.timers,
      get running() { return session.running; },
      notice: (level, text) => this.notice(level, text),
      noticeOnce: (key, level, text) => this.noticeOnce(key, level, text),
    };
    this.q = new SendQueue(core, () => this.newUid(), this.senderId);
    this.loss = new LossRecovery(core, this.q, {
      transmit: (f) => this.transmit(f), flush: () => this.flushFrames(true), pump: () => this.pump(), peerAlive: () => this.peer.online,
    });
    this.peer = new PeerPresence(core, {
      speaksProtocol: () => this.speaksProtocol, plain: () => this.first.plain, cameOnline: () => this.flushQueue(),
      sendHello: (echoId) => this.sendPacket({ type: PacketType.Hello, senderId: this.senderId, echoId, secure: this.secure, name: this.displayName, pack: this.config.pack }),
    });
    this.first = new PlainPeer(core, {
      senderId: this.senderId, secure: this.secure, neverInClear: opts.neverInClear ?? false, displayName: () => this.displayName, sendRaw: (bytes) => this.sendRaw(bytes),
      armRto: () => this.loss.armRto(), unauthNotice: (key, level, text) => this.unauthNotice(key, level, text),
    }, this.q, this.peer, opts.plainMode ?? false);
    this.rxBuf = new ReceiveBuffer(core, () => this.peer.peerId, opts.shownUids);
    this.acks = new AckState(core, () => this.rxBuf.rx, (ack) => this.sendPacket({ type: PacketType.Ack, senderId: this.senderId, ack }));
  }

  // ---------------------------------------------------------------- public API

  get presence(): Presence { return this.peer.state; }
  get plainPeer(): boolean { return this.first.plain; }
  /** True once the peer has shown it speaks our protocol: only then may binary datagrams go to it. */
  get speaksProtocol(): boolean { return this.first.contact === 'protocol'; }
  get contactState(): Contact { return this.first.contact; }
  get remoteName(): string { return this.peer.name; }
  /** The peer instance spoke our protocol within the offline time and did not say bye (presence's one rule). */
  get peerAlive(): boolean { return this.peer.isAlive(); }
  get isRunning(): boolean { return this.running; }
  get rto(): number { return this.loss.rto; }
  get srtt(): number | undefined { return this.loss.rtt.srtt; }
  /** Fragments sent and not yet acknowledged. */
  get inFlightCount(): number { return this.q.unsacked; }
  /** The congestion controller's view of the path (for statistics and the bench). */
  get congestion(): { state: string; cwndBytes: number; bytesInFlight: number; pacingRateBytesPerMs: number; bandwidthBytesPerMs: number; minRttMs: number; randomLossRate: number; lossCapBytes: number; stats: Record<string, number> } {
    const cc = this.q.flight.cc;
    return {
      state: cc.state, cwndBytes: cc.cwndBytes, bytesInFlight: cc.bytesInFlight, pacingRateBytesPerMs: cc.pacingRateBytesPerMs,
      bandwidthBytesPerMs: cc.bandwidthBytesPerMs, minRttMs: cc.minRttMs, randomLossRate: cc.randomLossRate, lossCapBytes: cc.lossCapBytes, stats: { ...cc.stats },
    };
  }
  /** Messages not yet delivered or failed (queued, waiting or in flight). */
  get pendingCount(): number { return this.q.pendingCount; }

  start(): void {
    if (this.running) return;
    this.running = true;
    // A peer that reached us with a handshake has shown the protocol: no greeting line for it.
    if (this.startsInProtocol) this.first.becomeProtocol();
    else this.first.greet();
    this.scheduleTick();
  }

  /** The peer's address sent a datagram of our protocol (a handshake, or sealed traffic). */
  noteProtocol(): void {
    if (!this.running || this.speaksProtocol) return;
    this.first.becomeProtocol();
    // Say hello (under keys: it starts our own handshake if none completes), as for marked text.
    if (!this.peer.online) this.peer.hello(0);
  }

  /** Feed an inner datagram that the endpoint opened under the peer's keys (authenticated). Never throws. */
  receiveOpened(inner: Buffer): void {
    if (!this.running) return;
    try {
      this.stats.datagramsReceived++;
      const d = decode(inner);
      if (d.kind !== 'packet') { this.stats.malformed++; this.events.diagnostic?.(`dropped a sealed datagram that did not decode (${d.kind})`); return; }
      this.first.becomeProtocol();
      this.onPacket(d.packet, true);
    } catch (e) {
      this.stats.malformed++;
      this.noticeOnce('internal', 'warning', `Dropped a datagram that could not be processed: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  setDisplayName(name: string): void {
    this.displayName = name;
    if (!this.running || !this.speaksProtocol || !this.peer.online) return;
    if (this.filter) this.sendSealedHello();
    else this.sendPacket({ type: PacketType.Hello, senderId: this.senderId, echoId: this.peer.peerId, secure: false, name, pack: this.config.pack });
  }

  private sendSealedHello(): void {
    this.sendPacket({ type: PacketType.Hello, senderId: this.senderId, echoId: this.peer.peerId, secure: this.secure, name: this.displayName, pack: this.config.pack }, true);
  }

  /** The packet filter became ready (handshake done): send what waited. */
  kick(): void {
    if (!this.running) return;
    // A sealed hello proves the keys to the peer, which then counts us as online, and tells it our
    // name with authentication. Until the peer is heard, hellos are retried (it may be lost).
    if (this.peer.online) this.sendSealedHello();
    else this.peer.hello();
    for (const f of this.q.inFlight.values()) if (!f.sacked) this.transmit(f);
    this.pump();
  }

  /**
   * Queue a message for the peer. Returns the local id used in status events.
   * Throws MessageTooLargeError when the body exceeds the limit; nothing is queued then.
   * `opts.uid`: the message's identity (16 hex digits), to pass again when the same message is sent
   * after a reload or restart, so the receiver shows it once; a new one is chosen when absent.
   */
  send(content: OutgoingContent, localId?: string, opts: { sentAsText?: boolean; uid?: string } = {}): string {
    if (!this.running) throw new Error('The session is not running.');
    const size = this.q.check(content);
    if (!this.first.plain && !this.peer.online && this.q.queue.length >= MAX_QUEUED_MESSAGES) {
      throw new Error(`The offline queue is full (${MAX_QUEUED_MESSAGES} messages). Wait for the peer to come back.`);
    }
    const id = localId ?? this.q.nextLocalId();
    // The body is built when the message goes on the wire (sendQueue.ts): a waiting message holds its content only.
    const msg = this.q.newOut(content, id, this.q.takeMsgId(), size, opts.uid);
    // Restored from an earlier session (a reload): it went out as text once; it goes again only reliably.
    if (opts.sentAsText && this.first.contact === 'unknown') this.first.addTentative(msg);
    else this.enqueueMsg(msg);
    return id;
  }

  /** A fresh 64-bit message identity. */
  newUid(): string {
    return hex32(this.random32()) + hex32(this.random32());
  }

  /** Send a failed message again. Returns false when the id is unknown or not failed. */
  retry(localId: string): boolean {
    const msg = this.q.failedMessage(localId);
    if (!msg || msg.status !== 'failed' || !this.running) return false;
    // Same msgId, uid and sentAt, so the same body: if the peer did get it (only the acks were lost), it drops the copy.
    // (newOut takes it out of the failed ones.)
    const content = contentOf(msg);
    this.enqueueMsg(this.q.newOut(content, localId, msg.msgId, this.q.check(content), msg.uid, msg.sentAt));
    return true;
  }

  /** Messages still waiting to go out (queued or not yet acknowledged), for persistence. */
  pendingMessages(): PendingMessage[] { return this.q.pendingMessages(); }

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
    if (this.pumpDeferred) this.pump(); // what was sent before the end leaves before the bye
    this.sendPacket({ type: PacketType.Bye, senderId: this.senderId, reason }); // only to a protocol peer (sendPacket)
    this.running = false;
    this.timers.clearAll();
  }

  // ---------------------------------------------------------------- sending

  private enqueueMsg(msg: OutMessage): void {
    if (this.first.plain) this.first.sendPlain(msg);
    else if (this.speaksProtocol && this.peer.online) { this.q.toOutbox(msg); this.schedulePump(); }
    else {
      this.q.queue.push(msg);
      this.events.status?.(msg.localId, 'queued');
      if (this.first.contact === 'unknown') this.first.scheduleTextFallback();
    }
  }

  /** The peer came online: what waited goes (as text to a plain peer). */
  private flushQueue(): void {
    // A peer heard only through a quit word has shown no protocol yet: the text fallback decides.
    if (this.first.contact === 'unknown') { if (this.q.queue.length > 0) this.first.scheduleTextFallback(); return; }
    for (const m of this.q.takeQueue()) {
      if (this.first.plain) this.first.sendPlain(m);
      else this.q.toOutbox(m);
    }
    this.pump();
  }

  /** A pump once the caller's synchronous work is done: what it sends in one go leaves packed together. */
  private schedulePump(): void {
    if (this.pumpDeferred) return;
    this.pumpDeferred = true;
    this.defer(() => { if (this.pumpDeferred) this.pump(); });
  }

  /** Put fragments in flight while the window allows, and send what was transmitted. */
  private pump(): void {
    this.pumpDeferred = false;
    const wasInFlight = this.q.flight.bytesInFlight > 0;
    const wait = this.q.fill((f, now) => this.transmit(f, now));
    // The sender waits for an ack (the window is full, or a burst is all sent): the last datagram asks
    // for it at once. A lone message does not: its ack rides on the reply or comes after the ack delay.
    this.flushFrames(wait === FILL_BLOCKED || (wait === FILL_DONE && (wasInFlight || this.outFrames.length > 1)));
    this.loss.arm();
    // The pacer holds the next fragment until `wait`: pump again then (an ack may come first).
    if (wait > 0 && !this.timers.has('pace')) this.timers.set('pace', Math.max(0, wait - this.clock.now()), () => this.pump());
  }

  /** A fragment goes out (first time or again): it leaves with the next flush, packed with the others. */
  /** `now`: the clock's time, when the caller has it (fill reads it once for all it sends: a clock read per fragment cost a share of a burst). */
  private transmit(frag: OutFrag, now = this.clock.now()): void {
    if (frag.datagram === -1) return; // already waiting for this flush
    frag.lastSent = now;
    frag.transmissions++;
    frag.datagram = -1;
    if (frag.transmissions > 1) this.stats.retransmissions++;
    this.stats.dataSent++;
    this.outFrames.push(frag);
  }

  /**
   * Sends the fragments transmitted since the last flush, in order, with the ack we owe on the first
   * datagram. To a peer that reads PACKED datagrams, as many frames as fit go in each (PROTOCOL.md
   * §7.4: the frames total at most MAX_PACKED_FRAME_BYTES, the datagram at most MAX_INNER_DATAGRAM);
   * to another, one DATA datagram per fragment.
   */
  private flushFrames(ackNow = false): void {
    if (this.outFrames.length === 0) return;
    const q = this.q;
    // A fragment that left the flight before this flush (a new stream) is not sent: its seq means nothing now.
    const frames = this.outFrames.filter((f) => q.inFlight.get(f.seq) === f && f.msg.body !== undefined);
    for (const f of this.outFrames) if (f.datagram === -1) f.datagram = 0;
    this.outFrames = [];
    const pack = this.config.pack && this.packsId !== 0 && this.packsId === this.peer.peerId;
    let i = 0;
    while (i < frames.length) {
      const ack = this.acks.take();
      if (!pack) { this.sendData(frames[i], ack); i++; continue; }
      const head = PACKED_HEADER_BYTES + (ack ? ackBlockBytes(ack.ranges.length) : 0);
      const room = Math.min(MAX_PACKED_FRAME_BYTES, MAX_INNER_DATAGRAM - head);
      let used = 0;
      let j = i;
      while (j < frames.length) {
        const n = FRAME_HEADER_BYTES + fragLength(frames[j]);
        if (used + n > room) break;
        used += n;
        j++;
      }
      if (j === i) {
        // A large ack block leaves no room for a full fragment: the ack goes alone, the fragment next.
        this.stats.acksSent++;
        this.sendPacket({ type: PacketType.Ack, senderId: this.senderId, ack: ack! });
        continue;
      }
      const serial = ++this.dataSerial;
      const w = new PackedWriter(head + used, this.senderId, q.streamId, ack, ackNow && j === frames.length);
      for (let k = i; k < j; k++) {
        const f = frames[k];
        f.datagram = serial;
        w.frame(f.seq, f.msg.msgId, f.fragIndex, f.msg.fragCount, f.msg.body!, f.fragIndex * MAX_FRAGMENT_PAYLOAD, fragLength(f));
      }
      q.flight.sent(frames.slice(i, j), head + used + DATAGRAM_OVERHEAD_BYTES, this.clock.now());
      this.stats.dataDatagramsSent++;
      this.sendEncoded(w.done(), PacketType.Packed, false);
      i = j;
    }
  }

  /** One fragment in a DATA datagram (a peer that does not read PACKED ones). */
  private sendData(f: OutFrag, ack: AckBlock | undefined): void {
    f.datagram = ++this.dataSerial;
    const start = f.fragIndex * MAX_FRAGMENT_PAYLOAD;
    this.q.flight.sent([f], FRAME_HEADER_BYTES + fragLength(f) + DATAGRAM_OVERHEAD_BYTES, this.clock.now());
    this.stats.dataDatagramsSent++;
    this.sendPacket({
      type: PacketType.Data, senderId: this.senderId, streamId: this.q.streamId, seq: f.seq, msgId: f.msg.msgId,
      fragIndex: f.fragIndex, fragCount: f.msg.fragCount, payload: f.msg.body!.subarray(start, start + MAX_FRAGMENT_PAYLOAD), ack,
    });
  }

  // ---------------------------------------------------------------- receiving

  private receiveInner(datagram: Buffer): void {
    this.stats.datagramsReceived++;
    const d = decode(datagram);
    if (d.kind === 'packet' && this.filter) {
      // Binary traffic comes opened, through receiveOpened; an inner datagram in clear is a forgery.
      this.stats.malformed++;
      this.unauthNotice('unsealed', 'warning', 'Dropped an unencrypted UDP Chat datagram from the peer\'s address.');
      return;
    }
    // Any well-formed datagram of ours shows the address speaks the protocol (§12.2).
    if (d.kind === 'packet') this.first.becomeProtocol();
    switch (d.kind) {
      case 'plain':
        this.first.onPlain(datagram);
        return;
      case 'version':
        this.unauthNotice('version', 'error', `The peer speaks UDP Chat protocol version ${d.version}; this side speaks version ${VERSION}. Its datagrams are ignored: update the older side.`);
        return;
      case 'malformed':
        this.stats.malformed++;
        this.unauthNotice('malformed', 'warning', `Dropped a malformed datagram from the peer (${d.reason}).`);
        return;
      case 'packet':
        this.onPacket(d.packet, false);
        return;
    }
  }

  /**
   * `sealed`: it opened under the peer's keys (the product's only way in). Unsealed inner datagrams
   * reach this only in the pure tests' filterless mode, where the restart rule below guards them.
   */
  private onPacket(p: Packet, sealed: boolean): void {
    if (this.first.forced) return; // plain mode ignores protocol datagrams
    // A protocol datagram proves the peer is one of ours (after all, if it spoke plain text before).
    this.first.becomeProtocol();
    if (p.senderId !== this.peer.peerId) {
      if (p.type === PacketType.Bye) return; // a bye from some other instance means nothing to us
      // Unauthenticated: while the instance we talk to is alive, another sender id is not believed
      // (a real restart is preceded by a bye, or by silence).
      if (!sealed && this.peer.isAlive(this.peer.restartSilenceMs)) { this.stats.foreignDropped++; return; }
      this.onNewPeerInstance(p);
    }
    this.peer.instanceSpoke(p.type === PacketType.Bye);
    switch (p.type) {
      case PacketType.Hello:
        // FLAG_PACK: this instance reads PACKED datagrams (PROTOCOL.md §7.4).
        if (p.pack) this.packsId = p.senderId;
        else if (this.packsId === p.senderId) this.packsId = 0;
        if (p.secure && !this.filter) {
          this.noticeOnce('secure', 'error', 'Cannot authenticate peer: it requires an encrypted session (passphrase mismatch?). Set the same passphrase on both sides.');
          // Answer anyway, so the peer learns from our hello (no SECURE flag) why nothing happens.
          if (p.echoId !== this.senderId) this.peer.hello(p.senderId);
          return;
        }
        this.peer.name = p.name;
        if (p.echoId !== this.senderId) this.peer.hello(p.senderId);
        this.peer.heard(p.name);
        return;
      case PacketType.Heartbeat:
        this.peer.heard();
        if (p.ack) this.loss.onAck(p.ack);
        return;
      case PacketType.Bye:
        if (p.senderId === this.peer.peerId || this.peer.peerId === 0) {
          this.peer.goOffline(p.reason || 'the peer ended the session');
          if (this.q.requeueAll()) this.loss.newStream(); // what was on the wire waits for its return
          this.first.becomeUnknown();
        }
        return;
      case PacketType.Ack:
        this.peer.heard();
        this.loss.onAck(p.ack);
        return;
      case PacketType.Data:
      case PacketType.Packed: {
        this.peer.heard();
        if (p.type === PacketType.Packed) this.packsId = p.senderId; // it sends them, so it reads them
        // The data first, so that whatever the ack below sends carries the ack of this datagram.
        const due = p.type === PacketType.Data ? this.rxBuf.onData(p) : this.rxBuf.onFrames(p.streamId, p.frames);
        if (!this.running) return; // a message event ended the session
        if (p.ack) this.loss.onAck(p.ack);
        if (due) {
          this.acks.schedule();
          // The sender waits for this ack (FLAG_ACK_NOW): it goes this turn, or rides on a reply.
          if (p.type === PacketType.Packed && p.ackNow) this.acks.soon(this.defer);
        }
        return;
      }
    }
  }

  /** First contact, or the peer restarted: fresh receive state, and our stream starts over for it. */
  private onNewPeerInstance(p: Packet): void {
    // Only a sender id never seen before counts as a restart; flipping back to a known one (a forged
    // datagram came in between) keeps both its receive state and our stream.
    const restarted = this.peer.peerId !== 0 && !this.rxBuf.knows(p.senderId);
    this.peer.peerId = p.senderId;
    // Another instance is another program run: its name is what it says, not the old one's.
    if (restarted) this.peer.name = '';
    this.rxBuf.touch();
    // What was in flight goes again on a new stream, now: the peer may never have looked offline.
    if (restarted) { this.q.rewindForNewInstance(); this.loss.newStream(); this.pump(); }
    if (p.type !== PacketType.Hello) this.peer.hello(p.senderId); // tell it who we are
  }

  // ---------------------------------------------------------------- presence

  /** Heartbeats, offline detection and reassembly timeouts, once per second-ish. */
  private scheduleTick(): void {
    const period = Math.min(1000, this.config.heartbeatIntervalMs / 2);
    this.timers.set('tick', period, () => {
      if (!this.running) return;
      this.tick();
      this.scheduleTick();
    });
  }

  private tick(): void {
    const now = this.clock.now();
    if (!this.speaksProtocol) return;
    if (this.peer.heartbeatDue(now, this.lastSent)) {
      this.sendPacket({ type: PacketType.Heartbeat, senderId: this.senderId, ack: this.acks.take() });
    }
    this.rxBuf.expireGap(now);
  }

  // ---------------------------------------------------------------- output

  private sendPacket(p: Packet, seal = false): void {
    // Never a binary datagram to an address that has not shown our protocol (§8.1): it could be a
    // classic program whose strict UTF-8 decoding dies on it.
    if (!this.speaksProtocol) return;
    this.sendEncoded(encode(p), p.type, seal);
  }

  private sendEncoded(bytes: Buffer, type: PacketType, seal: boolean): void {
    if (!this.speaksProtocol) return;
    if (this.filter) {
      const sealed = this.filter.outgoing(bytes, type, seal);
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

  private notice(level: NoticeLevel, text: string): void {
    this.events.notice?.(level, text);
  }

  private noticeOnce(key: string, level: NoticeLevel, text: string): void {
    if (this.notices.allow(key)) this.notice(level, text);
  }

  /** A notice caused by an unauthenticated datagram: only to the log while an authenticated peer is alive. */
  private unauthNotice(key: string, level: NoticeLevel, text: string): void {
    if (this.filter?.authenticatedPeerAlive?.()) { if (this.notices.allow(`log:${key}`)) this.events.diagnostic?.(text); return; }
    this.noticeOnce(key, level, text);
  }
}

/** Payload bytes of a fragment in flight (its message's body is built). */
function fragLength(f: OutFrag): number {
  return fragPayloadBytes(f.msg.body!.length, f.fragIndex);
}

/** Two lowercase hex digits per byte value. */
const HEX_BYTE = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** A 32-bit value as 8 lowercase hex digits (toString(16) and padStart cost three times more, once per message). */
function hex32(v: number): string {
  return HEX_BYTE[v >>> 24] + HEX_BYTE[(v >>> 16) & 255] + HEX_BYTE[(v >>> 8) & 255] + HEX_BYTE[v & 255];
}
