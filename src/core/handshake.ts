// The Noise handshakes of one endpoint (docs/PROTOCOL.md §10), one Create/Consume step per message
// as in wireguard-go's noise-protocol.go: XX when the peer's key is unknown, IK when it is known,
// with psk3/psk2 when a passphrase is set. Retries: the initiator resends message 1 (and 3) until
// answered; a responder answers a resent message 1 with the same message 2. Pure: clock injected.
import type { Identity } from './identity';
import type { Keypair } from './keypairs';
import { ReplayWindow } from './keypairs';
import type { PatternName } from './noise';
import { HandshakeState, NoiseError } from './noise';
import type { Clock, TimerHandle } from './session';
import type { Outer } from './wire';
import { encodeOuter, OuterType, RejectReason, WirePattern } from './wire';

export const HANDSHAKE_RETRY_MS = 1000;
export const HANDSHAKE_ATTEMPTS = 10;
/** A responder forgets an unfinished XX handshake after this long. */
export const RESPONDER_TTL_MS = 15_000;
const MAX_RESPONDERS = 256;
export const PROLOGUE = Buffer.from('UDPChat/2', 'ascii');
const KNOWN_REASONS = new Set<number>([RejectReason.UnknownKey, RejectReason.PassphraseExpected, RejectReason.PassphraseRequired, RejectReason.PassphraseMismatch, RejectReason.Refused]);

export interface Address { address: string; port: number }

/** What the handshakes need to know about a peer we initiate to. */
export interface HandshakeTarget {
  address: Address;
  /** The key we expect (pinned or learned): then IK, else XX. */
  expectedKey?: Buffer;
}

export type Decision = 'accept' | 'hold' | 'reject';

export interface HandshakeHost {
  readonly identity: Identity;
  readonly psk?: Buffer;
  readonly clock: Clock;
  send(datagram: Buffer, to: Address): void;
  /** A fresh random non-zero receiver id, registered to `owner` in the endpoint's index table. */
  allocateId(owner: Initiation | Response): number;
  freeId(id: number): void;
  /** The remote key is known: may the handshake go on? (`target` when we initiated.) */
  decide(key: Buffer, from: Address, target?: HandshakeTarget): Decision;
  /** Keys agreed with the holder of `key`, who is at `from`. */
  established(key: Buffer, from: Address, keypair: Keypair, target?: HandshakeTarget): void;
  /** Something the user should hear about a handshake with `at` (unauthenticated hints included). */
  problem(at: Address, target: HandshakeTarget | undefined, kind: 'noAnswer' | RejectReason): void;
}

export interface Initiation {
  kind: 'initiation';
  target: HandshakeTarget;
  hs: HandshakeState;
  localId: number;
  message1: Buffer;
  /** HS_FINISH, resent until a datagram opens under the new keys. */
  finish?: Buffer;
  keypair?: Keypair;
  attempts: number;
  timer?: TimerHandle;
  fellBackToXX: boolean;
}

export interface Response {
  kind: 'response';
  from: Address;
  remoteSender: number;
  hs: HandshakeState;
  localId: number;
  message1: Buffer;
  message2: Buffer;
  timer?: TimerHandle;
}

function patternFor(known: boolean, psk: boolean): { name: PatternName; wire: WirePattern } {
  if (known) return psk ? { name: 'IKpsk2', wire: WirePattern.IKpsk2 } : { name: 'IK', wire: WirePattern.IK };
  return psk ? { name: 'XXpsk3', wire: WirePattern.XXpsk3 } : { name: 'XX', wire: WirePattern.XX };
}

const PATTERN_NAMES: Record<WirePattern, PatternName> = { [WirePattern.XX]: 'XX', [WirePattern.IK]: 'IK', [WirePattern.XXpsk3]: 'XXpsk3', [WirePattern.IKpsk2]: 'IKpsk2' };

function keypairFrom(hs: HandshakeState, localId: number, remoteId: number, initiator: boolean, confirmed: boolean, now: number): Keypair {
  const k = hs.split();
  return { localId, remoteId, send: k.send, recv: k.recv, sendCounter: 0n, replay: new ReplayWindow(), initiator, confirmed, createdAt: now };
}

export class Handshakes {
  private readonly responders = new Map<string, Response>();
  stats = { started: 0, answered: 0, completed: 0, failed: 0 };

  constructor(private readonly host: HandshakeHost) {}

  /** Starts a handshake with `target` (IK when its key is expected, else XX). */
  initiate(target: HandshakeTarget, forceXX = false): Initiation {
    const { name, wire } = patternFor(target.expectedKey !== undefined && !forceXX, this.host.psk !== undefined);
    const hs = new HandshakeState({ pattern: name, initiator: true, prologue: PROLOGUE, s: this.host.identity.keyPair, rs: name.startsWith('IK') ? target.expectedKey : undefined, psk: this.host.psk });
    const init: Initiation = { kind: 'initiation', target, hs, localId: 0, message1: Buffer.alloc(0), attempts: 0, fellBackToXX: forceXX };
    init.localId = this.host.allocateId(init);
    init.message1 = encodeOuter({ type: OuterType.HandshakeInit, senderId: init.localId, pattern: wire, noise: hs.writeMessage() });
    this.stats.started++;
    this.resend(init);
    return init;
  }

  /** Stops retrying (the peer went away, or a newer handshake replaced this one). */
  cancel(init: Initiation): void {
    if (init.timer !== undefined) this.host.clock.clearTimeout(init.timer);
    init.timer = undefined;
    if (!init.keypair) this.host.freeId(init.localId);
  }

  /** A datagram opened under the keys of this initiation: the responder has them; stop resending. */
  confirmed(init: Initiation): void {
    if (init.timer !== undefined) this.host.clock.clearTimeout(init.timer);
    init.timer = undefined;
    init.finish = undefined;
  }

  private resend(init: Initiation): void {
    if (init.attempts++ >= HANDSHAKE_ATTEMPTS) {
      init.timer = undefined;
      if (!init.keypair) { this.host.freeId(init.localId); this.host.problem(init.target.address, init.target, 'noAnswer'); }
      return;
    }
    this.host.send(init.finish ?? init.message1, init.target.address);
    init.timer = this.host.clock.setTimeout(() => this.resend(init), HANDSHAKE_RETRY_MS);
  }

  /** HS_INIT from `from` (routed here because its receiver id is 0). */
  onInit(o: Extract<Outer, { type: OuterType.HandshakeInit }>, from: Address): void {
    const key = `${from.address}|${from.port}|${o.senderId}`;
    const known = this.responders.get(key);
    if (known && known.message1.equals(o.noise)) { this.host.send(known.message2, from); return; }
    const usesPsk = o.pattern === WirePattern.XXpsk3 || o.pattern === WirePattern.IKpsk2;
    if (usesPsk !== (this.host.psk !== undefined)) {
      this.reject(o.senderId, from, usesPsk ? RejectReason.PassphraseExpected : RejectReason.PassphraseRequired);
      this.host.problem(from, undefined, usesPsk ? RejectReason.PassphraseRequired : RejectReason.PassphraseExpected);
      return;
    }
    const name = PATTERN_NAMES[o.pattern];
    const hs = new HandshakeState({ pattern: name, initiator: false, prologue: PROLOGUE, s: this.host.identity.keyPair, psk: this.host.psk });
    try {
      hs.readMessage(o.noise);
    } catch (e) {
      if (!(e instanceof NoiseError)) throw e;
      this.stats.failed++;
      // IK that does not open: the initiator expected another key for us (we are new to it, or it pinned an old one).
      this.reject(o.senderId, from, RejectReason.UnknownKey);
      return;
    }
    if (name.startsWith('IK')) {
      const rs = hs.remoteStatic!;
      const d = this.host.decide(rs, from);
      if (d !== 'accept') { if (d === 'reject') this.reject(o.senderId, from, RejectReason.Refused); return; }
    }
    const resp: Response = { kind: 'response', from, remoteSender: o.senderId, hs, localId: 0, message1: Buffer.from(o.noise), message2: Buffer.alloc(0) };
    resp.localId = this.host.allocateId(resp);
    resp.message2 = encodeOuter({ type: OuterType.HandshakeResp, receiverId: o.senderId, senderId: resp.localId, noise: hs.writeMessage() });
    this.remember(key, resp);
    this.stats.answered++;
    this.host.send(resp.message2, from);
    if (hs.complete) {
      // IK: done on our side; the keys wait as `next` until the initiator uses them (message 1 replays).
      this.stats.completed++;
      this.host.established(hs.remoteStatic!, from, keypairFrom(hs, resp.localId, o.senderId, false, false, this.host.clock.now()));
    }
  }

  /** HS_RESP to one of our initiations. */
  onResp(init: Initiation, o: Extract<Outer, { type: OuterType.HandshakeResp }>, from: Address): void {
    if (init.hs.complete || init.finish) {
      if (init.finish) this.host.send(init.finish, from); // our message 3 was lost
      return;
    }
    try {
      init.hs.readMessage(o.noise);
    } catch (e) {
      if (!(e instanceof NoiseError)) throw e;
      this.stats.failed++;
      // IKpsk2 mixes the psk into message 2: a failure is most likely a passphrase mismatch. Tell the
      // responder (its keys never confirm otherwise) and stop; a forged answer fails the same way, and
      // the genuine one, if it comes, still can (readMessage works on a copy) until we give up.
      if (this.host.psk && init.hs.messageIndex === 1 && init.target.expectedKey && !init.fellBackToXX) {
        this.reject(o.senderId, from, RejectReason.PassphraseMismatch);
        this.cancel(init);
        this.host.problem(from, init.target, RejectReason.PassphraseMismatch);
      }
      return;
    }
    const rs = init.hs.remoteStatic!;
    const d = this.host.decide(rs, from, init.target);
    if (d !== 'accept') { this.cancel(init); return; }
    const now = this.host.clock.now();
    if (init.hs.complete) {
      // IK: the responder proved it holds the expected key; keys are confirmed both ways once it sees ours.
      this.cancel(init);
      init.keypair = keypairFrom(init.hs, init.localId, o.senderId, true, true, now);
      this.stats.completed++;
      this.host.established(rs, from, init.keypair, init.target);
      return;
    }
    // XX: message 3 carries our static key; resent until a datagram opens under the new keys.
    init.finish = encodeOuter({ type: OuterType.HandshakeFinish, receiverId: o.senderId, noise: init.hs.writeMessage() });
    init.keypair = keypairFrom(init.hs, init.localId, o.senderId, true, false, now);
    init.target.address = from;
    if (init.timer !== undefined) this.host.clock.clearTimeout(init.timer);
    init.attempts = 0;
    this.stats.completed++;
    // Message 3 leaves before anything sealed under its keys (the responder cannot open those earlier).
    this.resend(init);
    this.host.established(rs, from, init.keypair, init.target);
  }

  /** HS_FINISH: message 3 of XX, to one of our responses. */
  onFinish(resp: Response, o: Extract<Outer, { type: OuterType.HandshakeFinish }>, from: Address): void {
    if (resp.hs.complete) return;
    try {
      resp.hs.readMessage(o.noise);
    } catch (e) {
      if (!(e instanceof NoiseError)) throw e;
      this.stats.failed++;
      if (this.host.psk) {
        this.reject(resp.remoteSender, from, RejectReason.PassphraseMismatch);
        this.host.problem(from, undefined, RejectReason.PassphraseMismatch);
      }
      return;
    }
    this.forget(resp);
    const rs = resp.hs.remoteStatic!;
    const d = this.host.decide(rs, from);
    if (d !== 'accept') { this.host.freeId(resp.localId); if (d === 'reject') this.reject(resp.remoteSender, from, RejectReason.Refused); return; }
    this.stats.completed++;
    this.host.established(rs, from, keypairFrom(resp.hs, resp.localId, resp.remoteSender, false, true, this.host.clock.now()));
  }

  /** HS_REJECT: unauthenticated, so it only changes the pattern (IK → XX) or causes a notice. */
  onReject(init: Initiation, o: Extract<Outer, { type: OuterType.HandshakeReject }>, from: Address): Initiation | undefined {
    if (init.keypair?.confirmed) return undefined; // the keys work: a late or forged rejection
    if (!KNOWN_REASONS.has(o.reason)) return undefined;
    if (o.reason === RejectReason.UnknownKey) {
      if (init.keypair) return undefined;
      if (init.fellBackToXX || init.target.expectedKey === undefined) return undefined;
      this.cancel(init);
      return this.initiate(init.target, true);
    }
    // Message 3 was refused (passphrase mismatch): stop resending it; its keys never confirm.
    if (init.timer !== undefined) this.host.clock.clearTimeout(init.timer);
    init.timer = undefined;
    this.host.problem(from, init.target, o.reason);
    return undefined;
  }

  private reject(receiverId: number, to: Address, reason: RejectReason): void {
    this.host.send(encodeOuter({ type: OuterType.HandshakeReject, receiverId, reason }), to);
  }

  private remember(key: string, resp: Response): void {
    const old = this.responders.get(key);
    if (old) { this.forget(old); if (!old.hs.complete) this.host.freeId(old.localId); }
    if (this.responders.size >= MAX_RESPONDERS) {
      const oldest = this.responders.values().next().value as Response;
      this.forget(oldest);
      if (!oldest.hs.complete) this.host.freeId(oldest.localId);
    }
    this.responders.set(key, resp);
    resp.timer = this.host.clock.setTimeout(() => {
      this.forget(resp);
      if (!resp.hs.complete) this.host.freeId(resp.localId);
    }, RESPONDER_TTL_MS);
  }

  private forget(resp: Response): void {
    const key = `${resp.from.address}|${resp.from.port}|${resp.remoteSender}`;
    if (this.responders.get(key) === resp) this.responders.delete(key);
    if (resp.timer !== undefined) this.host.clock.clearTimeout(resp.timer);
    resp.timer = undefined;
  }

  dispose(): void {
    for (const r of [...this.responders.values()]) this.forget(r);
  }
}
