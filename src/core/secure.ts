// The encrypted session layer: runs the NNpsk0 handshake and seals every datagram after it with
// ChaCha20-Poly1305, with a sliding replay window. Pure: clock and output injected.
import { decode, encode, HEADER_BYTES, MAGIC, PacketType, VERSION } from './codec';
import type { TransportKeys } from './noise';
import { aeadDecrypt, aeadEncrypt, fingerprintOf, Initiator, respond } from './noise';
import { NoticeLimiter } from './noticeLimiter';
import type { Clock, PacketFilter, TimerHandle } from './session';

/** Counters this far behind the highest one seen are rejected as too old (RFC 6479-style window). */
export const REPLAY_WINDOW = 2048;
export const HANDSHAKE_RETRY_MS = 1000;
export const HANDSHAKE_ATTEMPTS = 10;
const SEALED_HEADER = HEADER_BYTES + 4 + 8;
/** A sealed datagram this recent means the peer is alive (the session's offline time). */
const ALIVE_MS = 16_000;

/** Sliding-window replay filter over 64-bit counters. */
export class ReplayWindow {
  private max = -1n;
  private readonly seen = new Set<bigint>();

  constructor(private readonly size = REPLAY_WINDOW) {}

  /** True when the counter is fresh. Call `accept` only after the datagram authenticated. */
  check(counter: bigint): boolean {
    if (counter > this.max) return true;
    if (this.max - counter >= BigInt(this.size)) return false;
    return !this.seen.has(counter);
  }

  accept(counter: bigint): void {
    this.seen.add(counter);
    if (counter > this.max) {
      this.max = counter;
      const floor = this.max - BigInt(this.size);
      if (this.seen.size > this.size * 2) for (const c of this.seen) if (c <= floor) this.seen.delete(c);
    }
  }
}

export interface SecureEvents {
  /** Handshake done: keys in place. */
  ready(fingerprint: string): void;
  notice(level: 'info' | 'warning' | 'error', text: string): void;
  /** Diagnostics that must not reach the chat (for a log): unauthenticated input once keys are in use. */
  diagnostic?(text: string): void;
  /** Send a datagram to the peer (handshake messages). */
  send(datagram: Buffer): void;
}

export interface SecureStats {
  sealed: number;
  opened: number;
  rejectedAuth: number;
  rejectedReplay: number;
  rejectedPlain: number;
  handshakes: number;
}

export class SecureChannel implements PacketFilter {
  private keys?: TransportKeys;
  private peerId = 0;
  private sendCounter = 0n;
  private replay = new ReplayWindow();
  /** Handshakes we started as initiator, by responder sender id (a few at once, so a forged hello cannot cancel the real one). */
  private readonly pending = new Map<number, { initiator: Initiator; hs1: Buffer; timer?: TimerHandle; attempts: number }>();
  /** Our answer to the last handshake we responded to, resent for a byte-identical retry. */
  private lastResponse?: { from: number; hs1: Buffer; hs2: Buffer };
  /**
   * Keys from a handshake we answered while other keys are in use. Message 1 of NNpsk0 can be
   * replayed, so they are used only once a datagram opens under them (the initiator has them too).
   */
  private unconfirmed?: { peerId: number; keys: TransportKeys; replay: ReplayWindow };
  private _fingerprint = '';
  private lastOpenedAt = -Infinity;
  readonly stats: SecureStats = { sealed: 0, opened: 0, rejectedAuth: 0, rejectedReplay: 0, rejectedPlain: 0, handshakes: 0 };

  private readonly notices: NoticeLimiter;

  constructor(
    private readonly psk: Buffer,
    private readonly localId: () => number,
    private readonly clock: Clock,
    private readonly events: SecureEvents,
  ) {
    this.notices = new NoticeLimiter(() => this.clock.now());
  }

  get established(): boolean { return this.keys !== undefined; }

  /** Keys are in use and a sealed datagram opened recently: a healthy session that forgeries must not disturb. */
  authenticatedPeerAlive(): boolean {
    return this.keys !== undefined && this.clock.now() - this.lastOpenedAt < ALIVE_MS;
  }
  get fingerprint(): string { return this._fingerprint; }

  outgoing(plain: Buffer, type: PacketType, seal = false): Buffer | undefined {
    // Hello starts the handshake, so it travels in clear; a sealed one (seal) carries the name with authentication.
    if (type === PacketType.Hello && !seal) return plain;
    if (!this.keys) return undefined;
    const counter = this.sendCounter++;
    const header = Buffer.alloc(SEALED_HEADER);
    MAGIC.copy(header, 0);
    header[3] = VERSION;
    header[4] = PacketType.Sealed;
    header[5] = 0;
    header.writeUInt32BE(this.localId() >>> 0, HEADER_BYTES);
    header.writeBigUInt64BE(counter, HEADER_BYTES + 4);
    this.stats.sealed++;
    return Buffer.concat([header, aeadEncrypt(this.keys.send, counter, header, plain)]);
  }

  incoming(wire: Buffer): Buffer | undefined {
    const d = decode(wire);
    if (d.kind !== 'packet') return wire; // plain text, version and malformed reports stay with the session
    const p = d.packet;
    switch (p.type) {
      case PacketType.Hello:
        if (!p.secure) {
          this.unauthNotice('nopass', 'error', 'Cannot authenticate peer: it has no passphrase set (passphrase mismatch?). Set the same passphrase on both sides, or clear yours.');
          return undefined;
        }
        // A hello is not authenticated: it may start a handshake, but the keys in use stay until a
        // handshake with the new sender id completes (which proves the passphrase).
        if (!(this.keys && p.senderId === this.peerId) && this.isInitiatorFor(p.senderId) && !this.pending.has(p.senderId)) this.startHandshake(p.senderId);
        return wire;
      case PacketType.HandshakeInit:
        this.onInit(p.senderId, p.body);
        return undefined;
      case PacketType.HandshakeResp:
        this.onResp(p.senderId, p.body);
        return undefined;
      case PacketType.Sealed:
        return this.open(wire, p.senderId, p.counter);
      default:
        this.stats.rejectedPlain++;
        this.unauthNotice('plain', 'warning', 'Dropped an unencrypted datagram: this session is encrypted.');
        return undefined;
    }
  }

  private isInitiatorFor(peerId: number): boolean {
    return (this.localId() >>> 0) < (peerId >>> 0);
  }

  private prologue(initiatorId: number, responderId: number): Buffer {
    const b = Buffer.alloc(9 + 8);
    b.write('UDPChat/1', 0, 'ascii');
    b.writeUInt32BE(initiatorId >>> 0, 9);
    b.writeUInt32BE(responderId >>> 0, 13);
    return b;
  }

  private startHandshake(peerId: number): void {
    if (this.pending.size >= 4) this.dropPending(this.pending.keys().next().value as number);
    const initiator = new Initiator(this.psk, this.prologue(this.localId(), peerId));
    const body = Buffer.alloc(4);
    body.writeUInt32BE(peerId >>> 0);
    const hs1 = encode({ type: PacketType.HandshakeInit, senderId: this.localId(), body: Buffer.concat([body, initiator.message1]) });
    this.pending.set(peerId, { initiator, hs1, attempts: 0 });
    this.sendHs1(peerId);
  }

  private dropPending(peerId: number): void {
    const p = this.pending.get(peerId);
    if (p?.timer !== undefined) this.clock.clearTimeout(p.timer);
    this.pending.delete(peerId);
  }

  private sendHs1(peerId: number): void {
    const p = this.pending.get(peerId);
    if (!p) return;
    if (p.attempts++ >= HANDSHAKE_ATTEMPTS) {
      if (!this.keys) this.noticeOnce('hs-timeout', 'error', `Cannot authenticate peer: no handshake answer after ${HANDSHAKE_ATTEMPTS} tries (is its passphrase set?). Retrying when it says hello again.`);
      this.dropPending(peerId);
      return;
    }
    this.events.send(p.hs1);
    p.timer = this.clock.setTimeout(() => { p.timer = undefined; this.sendHs1(peerId); }, HANDSHAKE_RETRY_MS);
  }

  private onInit(from: number, body: Buffer): void {
    if (body.length < 4) return;
    if (body.readUInt32BE(0) !== (this.localId() >>> 0)) return; // meant for an earlier instance of us
    const msg1 = body.subarray(4);
    if (this.lastResponse && this.lastResponse.from === from && this.lastResponse.hs1.equals(msg1)) {
      this.events.send(this.lastResponse.hs2); // our answer was lost: same answer again
      return;
    }
    let r: ReturnType<typeof respond>;
    try {
      r = respond(this.psk, this.prologue(from, this.localId()), msg1);
    } catch {
      this.stats.rejectedAuth++;
      this.unauthNotice('mismatch', 'error', 'Cannot authenticate peer: passphrase mismatch? Its handshake did not verify with your passphrase.');
      const reject = Buffer.alloc(4);
      reject.writeUInt32BE(from >>> 0);
      this.events.send(encode({ type: PacketType.HandshakeResp, senderId: this.localId(), body: reject }));
      return;
    }
    const head = Buffer.alloc(4);
    head.writeUInt32BE(from >>> 0);
    const hs2 = encode({ type: PacketType.HandshakeResp, senderId: this.localId(), body: Buffer.concat([head, r.message2]) });
    this.lastResponse = { from, hs1: Buffer.from(msg1), hs2 };
    // The answer leaves first: whatever `ready` sends must not overtake it.
    this.events.send(hs2);
    if (!this.keys) this.install(r.keys, from);
    else this.unconfirmed = { peerId: from, keys: r.keys, replay: new ReplayWindow() };
  }

  private onResp(from: number, body: Buffer): void {
    if (body.length < 4 || body.readUInt32BE(0) !== (this.localId() >>> 0)) return;
    const p = this.pending.get(from);
    if (!p) return;
    const msg2 = body.subarray(4);
    if (msg2.length === 0) {
      // Unauthenticated by nature: it can only produce this notice, never change keys.
      this.unauthNotice('rejected', 'error', 'Cannot authenticate peer: it could not verify our handshake (passphrase mismatch?).');
      return;
    }
    let keys: TransportKeys;
    try {
      keys = p.initiator.readMessage2(msg2).keys;
    } catch {
      // A failed answer leaves the handshake as it was (readMessage2 works on a copy): the real one may still come.
      this.stats.rejectedAuth++;
      this.unauthNotice('mismatch', 'error', 'Cannot authenticate peer: passphrase mismatch? Its handshake answer did not verify with your passphrase.');
      return;
    }
    this.dropPending(from);
    this.install(keys, from);
  }

  private install(keys: TransportKeys, peerId: number, replay = new ReplayWindow()): void {
    if (this.keys && peerId !== this.peerId) this.notice('info', 'The peer restarted: new session keys were agreed.');
    this.peerId = peerId;
    this.keys = keys;
    this.sendCounter = 0n;
    this.replay = replay;
    if (this.unconfirmed?.peerId === peerId && this.unconfirmed.keys !== keys) this.unconfirmed = undefined;
    this.stats.handshakes++;
    this._fingerprint = fingerprintOf(keys.handshakeHash);
    this.events.ready(this._fingerprint);
  }

  private open(wire: Buffer, from: number, counter: bigint): Buffer | undefined {
    const header = wire.subarray(0, SEALED_HEADER);
    const body = wire.subarray(SEALED_HEADER);
    if (this.keys && from === this.peerId) {
      if (!this.replay.check(counter)) {
        this.stats.rejectedReplay++;
        return undefined;
      }
      const inner = aeadDecrypt(this.keys.recv, counter, header, body);
      if (inner) {
        this.replay.accept(counter);
        this.stats.opened++;
        this.lastOpenedAt = this.clock.now();
        return inner;
      }
    }
    // Keys we answered a handshake with become the keys in use once a datagram opens under them.
    const u = this.unconfirmed;
    if (u && from === u.peerId && u.replay.check(counter)) {
      const inner = aeadDecrypt(u.keys.recv, counter, header, body);
      if (inner) {
        this.unconfirmed = undefined;
        u.replay.accept(counter);
        this.install(u.keys, u.peerId, u.replay);
        this.stats.opened++;
        this.lastOpenedAt = this.clock.now();
        return inner;
      }
    }
    this.stats.rejectedAuth++;
    if (this.keys) this.unauthNotice('tamper', 'warning', 'Dropped a datagram that failed authentication (tampered, or sealed with another key).');
    return undefined;
  }

  dispose(): void {
    for (const id of [...this.pending.keys()]) this.dropPending(id);
    this.keys = undefined;
    this.unconfirmed = undefined;
  }

  private notice(level: 'info' | 'warning' | 'error', text: string): void { this.events.notice(level, text); }

  /**
   * A notice caused by a datagram nobody authenticated. Once keys are in use nothing unauthenticated
   * may change what the user sees (a forger could put alarms on screen at will): it goes to the log.
   */
  private unauthNotice(key: string, level: 'info' | 'warning' | 'error', text: string): void {
    if (this.authenticatedPeerAlive()) { if (this.notices.allow(`log:${key}`)) this.events.diagnostic?.(text); return; }
    this.noticeOnce(key, level, text);
  }

  private noticeOnce(key: string, level: 'info' | 'warning' | 'error', text: string): void {
    if (this.notices.allow(key)) this.notice(level, text);
  }
}
