// One endpoint, many peers (quinn-proto's endpoint.rs, wireguard-go's indextable.go): every
// datagram is sorted by its first bytes. Text goes to the peer at that address (first contact,
// plain programs); binary v2 goes by the receiver id at offset 6 to a handshake or to a peer's
// keys: one map lookup. Roaming: an authenticated datagram from a new address moves the peer
// there. Pure: the clock and the socket's send are injected.
import * as crypto from 'node:crypto';
import { hasMagic } from './codec';
import { readMark } from './firstContact';
import type { Address, Decision, HandshakeHost, HandshakeTarget, Initiation, Response } from './handshake';
import { Handshakes } from './handshake';
import type { Identity } from './identity';
import type { Keypair } from './keypairs';
import { Peer } from './peer';
import { decodePlain } from './plain';
import type { Clock } from './session';
import { decodeOuter, OuterType, receiverIdOf, RejectReason, WIRE_VERSION } from './wire';

/** A new handshake with the same peer at most this often (marks, unknown ids and sends all ask). */
export const CONNECT_INTERVAL_MS = 2000;

/** `initiation`: the handshake we started that made these keys (its message 3 is resent until they confirm). */
type IndexEntry = Initiation | Response | { kind: 'keys'; peer: Peer; keypair: Keypair; initiation?: Initiation };

export interface EndpointEvents {
  /** A person the endpoint did not know finished a handshake and was let in (policy said accept). */
  peerAdded?(peer: Peer): void;
  /** Keys agreed with a peer (new session, restart, or after a key change was accepted). */
  secured?(peer: Peer): void;
  /** A contact answered with another key than the one pinned: held until the user decides. */
  keyChanged?(peer: Peer, newKey: Buffer): void;
  /** The pinned key spoke again (or completed a handshake): the held key change is void. */
  keyChangeCleared?(peer: Peer): void;
  /** The peer moved to another address (port change, DHCP, NAT rebinding, IPv4 ↔ IPv6). */
  roamed?(peer: Peer, from: Address): void;
  /** A keyless peer at the address `into` moved to was the same person: it is gone, `into` goes on. */
  merged?(gone: Peer, into: Peer): void;
  /** A handshake problem worth a notice (passphrase mismatch, no answer, refused). */
  handshakeProblem?(at: Address, peer: Peer | undefined, kind: 'noAnswer' | 'ownKey' | RejectReason): void;
  /** Our magic with a version we do not speak (an older or newer UDP Chat). */
  otherVersion?(from: Address, version: number): void;
  /** Text from an address with no peer (not shown as anyone's message). */
  stranger?(from: Address, bytes: number, preview: string, markedVersion?: number): void;
  /** For the log only. */
  diagnostic?(text: string): void;
}

export interface EndpointOptions {
  identity: Identity;
  psk?: Buffer;
  /** Usually a TimerTable: every peer's timers on one clock timer. */
  clock: Clock;
  send(datagram: Buffer, to: Address): void;
  /** A handshake showed `key`; `peer` is who it is for (found by key, target or address). */
  decide(key: Buffer, from: Address, peer: Peer | undefined): Decision;
  /** Builds the chat session for a new peer (the peer is its packet filter). */
  attachSession(peer: Peer): void;
  events: EndpointEvents;
  /** Random receiver ids (tests inject a seeded source). */
  randomId?: () => number;
}

export function addressKey(a: Address): string { return `${a.address}|${a.port}`; }

export class Endpoint implements HandshakeHost {
  readonly identity: Identity;
  readonly psk?: Buffer;
  readonly clock: Clock;
  private readonly index = new Map<number, IndexEntry>();
  private readonly byAddress = new Map<string, Peer>();
  private readonly byKey = new Map<string, Peer>();
  private readonly handshakes: Handshakes;
  readonly stats = { received: 0, routedByIndex: 0, unknownIndex: 0, malformed: 0, text: 0, roamed: 0 };

  constructor(private readonly opts: EndpointOptions) {
    this.identity = opts.identity;
    this.psk = opts.psk;
    this.clock = opts.clock;
    this.handshakes = new Handshakes(this);
  }

  get peers(): Peer[] { return [...new Set([...this.byAddress.values(), ...this.byKey.values()])]; }
  peerAt(a: Address): Peer | undefined { return this.byAddress.get(addressKey(a)); }
  peerByKey(key: Buffer): Peer | undefined { return this.byKey.get(key.toString('base64')); }

  /** A peer at an address we write to first (the configured peer); `label` pins its key. */
  addPeer(address: Address, label?: string, expectedKey?: Buffer): Peer {
    const existing = (expectedKey && this.peerByKey(expectedKey)) || this.peerAt(address);
    if (existing) return existing;
    const peer = this.newPeer(address, label);
    if (expectedKey) { peer.key = expectedKey; this.byKey.set(expectedKey.toString('base64'), peer); }
    this.opts.attachSession(peer);
    return peer;
  }

  /** Forgets a peer: its keys, its handshake, its routes. The caller ends its session first. */
  removePeer(peer: Peer): void {
    if (peer.initiation) this.handshakes.cancel(peer.initiation);
    for (const kp of peer.keypairs.clear()) this.index.delete(kp.localId);
    if (this.byAddress.get(addressKey(peer.address)) === peer) this.byAddress.delete(addressKey(peer.address));
    if (peer.key && this.byKey.get(peer.key.toString('base64')) === peer) this.byKey.delete(peer.key.toString('base64'));
  }

  /** The user accepted a changed key: it becomes the peer's key and a fresh handshake runs. */
  acceptHeldKey(peer: Peer): void {
    const held = peer.held;
    if (!held) return;
    peer.held = undefined;
    this.setKey(peer, held.key);
    peer.lastConnectAt = -Infinity;
    this.connect(peer);
  }

  /** The user refused a changed key: it is refused from now on, and the pinned key may talk again. */
  rejectHeldKey(peer: Peer): void {
    const held = peer.held;
    if (!held) return;
    peer.held = undefined;
    peer.rejectedKeys.add(held.key.toString('base64'));
    peer.lastConnectAt = -Infinity;
    this.connect(peer);
  }

  // ------------------------------------------------------------------ routing

  receive(datagram: Buffer, source: Address): void {
    this.stats.received++;
    const from = { address: source.address, port: source.port };
    if (!hasMagic(datagram)) { this.onText(datagram, from); return; }
    if (datagram.length < 4) { this.stats.malformed++; return; }
    if (datagram[3] !== WIRE_VERSION) { this.opts.events.otherVersion?.(from, datagram[3]); return; }
    if (datagram.length < 10) { this.stats.malformed++; return; }
    const o = decodeOuter(datagram);
    if (!o) { this.stats.malformed++; return; }
    if (o.type === OuterType.HandshakeInit) { this.noteProtocol(from); this.handshakes.onInit(o, from); return; }
    const entry = this.index.get(receiverIdOf(datagram));
    if (!entry) {
      // Keys we no longer have (we restarted, or they expired): a fresh handshake, if it is a peer of ours.
      this.stats.unknownIndex++;
      const peer = this.peerAt(from);
      if (peer && o.type === OuterType.Transport) { peer.session.noteProtocol(); this.connect(peer); }
      return;
    }
    this.stats.routedByIndex++;
    if (entry.kind === 'initiation') {
      if (o.type === OuterType.HandshakeResp) this.handshakes.onResp(entry, o, from);
      else if (o.type === OuterType.HandshakeReject) this.replaceInitiation(entry, this.handshakes.onReject(entry, o, from));
      return;
    }
    if (entry.kind === 'response') {
      if (o.type === OuterType.HandshakeFinish) this.handshakes.onFinish(entry, o, from);
      return;
    }
    const { peer, keypair, initiation } = entry;
    if (o.type === OuterType.HandshakeFinish) { peer.session.kick(); return; } // our traffic did not reach it yet
    if (initiation && !keypair.confirmed) {
      // Our XX message 3 is out: a lost answer comes again, or a refusal (passphrase mismatch).
      if (o.type === OuterType.HandshakeResp) { this.handshakes.onResp(initiation, o, from); return; }
      if (o.type === OuterType.HandshakeReject) {
        this.handshakes.onReject(initiation, o, from);
        // Only a refused message 3 voids these keys; other reasons do not apply once message 2 came.
        if (o.reason === RejectReason.PassphraseMismatch) {
          peer.keypairs.remove(keypair);
          this.index.delete(keypair.localId);
        }
        return;
      }
    }
    if (o.type === OuterType.HandshakeReject && !keypair.confirmed && !keypair.initiator && o.reason === RejectReason.PassphraseMismatch) {
      // Our IKpsk2 answer did not verify at the initiator: these keys will never confirm.
      peer.keypairs.remove(keypair);
      this.index.delete(keypair.localId);
      this.opts.events.handshakeProblem?.(from, peer, o.reason);
      return;
    }
    if (o.type !== OuterType.Transport) return;
    const r = peer.keypairs.open(keypair, datagram, o.counter, o.sealed);
    if ('error' in r) { this.opts.events.diagnostic?.(`dropped a datagram for ${peer.id || 'a peer'}: ${r.error === 'replay' ? 'replayed' : 'failed authentication'}`); return; }
    for (const d of r.dropped ?? []) this.index.delete(d.localId);
    peer.lastOpenedAt = this.clock.now();
    if (initiation) this.handshakes.confirmed(initiation);
    this.proven(peer, from);
    // The first datagram under keys we made as XX initiator or answered as IK responder: now both sides have them.
    if (r.confirmedNow) { this.opts.events.secured?.(peer); if (r.promoted) peer.session.kick(); }
    peer.session.receiveOpened(r.inner);
  }

  private onText(datagram: Buffer, from: Address): void {
    this.stats.text++;
    const peer = this.peerAt(from);
    const mark = datagram.length <= 1024 ? readMark(decodePlain(datagram)) : undefined;
    if (peer) {
      // Another mark sender id: the UDP Chat at that address restarted and lost its keys; a handshake may start at once.
      if (mark && mark.version === WIRE_VERSION && mark.senderId !== peer.lastMarkSender) {
        peer.lastMarkSender = mark.senderId;
        peer.lastConnectAt = -Infinity;
      }
      peer.session.receive(datagram);
      return;
    }
    const preview = new TextDecoder('utf-8', { fatal: false }).decode(datagram.subarray(0, 80)).replace(/[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069\u2000-\u200a]/g, '·');
    this.opts.events.stranger?.(from, datagram.length, preview, mark?.version);
    // A UDP Chat we have no peer for (restarted on a new port, or someone new): find out who it is.
    if (mark && mark.version === WIRE_VERSION) this.probe(from);
  }

  private readonly probedAt = new Map<string, number>();
  /** A handshake with an address that has no peer yet: when it completes, the key says who it is. */
  private probe(to: Address): void {
    const k = addressKey(to);
    const now = this.clock.now();
    if (now - (this.probedAt.get(k) ?? -Infinity) < CONNECT_INTERVAL_MS) return;
    this.probedAt.set(k, now);
    if (this.probedAt.size > 256) this.probedAt.delete(this.probedAt.keys().next().value as string);
    this.handshakes.initiate({ address: to });
  }

  /** A v2 datagram from an address: the peer there speaks the protocol. */
  private noteProtocol(from: Address): void { this.peerAt(from)?.session.noteProtocol(); }

  // ------------------------------------------------------------------ handshakes (HandshakeHost)

  connect(peer: Peer): void {
    const now = this.clock.now();
    if (peer.held) return;
    if (peer.initiation && !peer.initiation.keypair && peer.initiation.timer !== undefined) return; // one is running
    if (now - peer.lastConnectAt < CONNECT_INTERVAL_MS) return;
    peer.lastConnectAt = now;
    if (peer.initiation) this.handshakes.cancel(peer.initiation);
    peer.initiation = this.handshakes.initiate({ address: peer.address, expectedKey: peer.key });
    this.targets.set(peer.initiation.target, peer);
  }

  private readonly targets = new WeakMap<HandshakeTarget, Peer>();

  private replaceInitiation(old: Initiation, next: Initiation | undefined): void {
    if (!next) return;
    const peer = this.targets.get(old.target);
    if (peer) { peer.initiation = next; this.targets.set(next.target, peer); }
  }

  send(datagram: Buffer, to: Address): void { this.opts.send(datagram, to); }

  allocateId(owner: Initiation | Response): number {
    for (;;) {
      const id = (this.opts.randomId ? this.opts.randomId() : crypto.randomBytes(4).readUInt32BE(0)) >>> 0;
      if (id !== 0 && !this.index.has(id)) { this.index.set(id, owner); return id; }
    }
  }

  freeId(id: number): void {
    const e = this.index.get(id);
    if (e && e.kind !== 'keys') this.index.delete(id);
  }

  /** Who a handshake is with: the peer with that key, else the one it was meant for, else the one at that address. */
  private peerFor(key: Buffer, from: Address, target?: HandshakeTarget): Peer | undefined {
    return this.peerByKey(key) ?? (target && this.targets.get(target)) ?? this.peerAt(from);
  }

  decide(key: Buffer, from: Address, target?: HandshakeTarget): Decision {
    if (key.equals(this.identity.publicKey)) {
      // Our own key: a reflection, or a second UDP Chat sharing our identity file (one account, two peers).
      this.opts.events.handshakeProblem?.(from, (target && this.targets.get(target)) ?? this.peerAt(from), 'ownKey');
      return 'reject';
    }
    const peer = this.peerFor(key, from, target);
    if (peer?.rejectedKeys.has(key.toString('base64'))) return 'reject';
    const d = this.opts.decide(key, from, peer);
    if (d === 'hold' && peer) {
      const first = !peer.held || !peer.held.key.equals(key);
      peer.held = { key, from, at: this.clock.now() };
      if (first) this.opts.events.keyChanged?.(peer, key);
    }
    return d;
  }

  established(key: Buffer, from: Address, keypair: Keypair, target?: HandshakeTarget): void {
    let peer = this.peerFor(key, from, target);
    let added = false;
    if (!peer || (peer.key && !peer.key.equals(key))) {
      // A person we had no peer for (decide let them in), or another person at a known address.
      peer = this.newPeer(from, undefined);
      peer.reachedUs = true;
      this.opts.attachSession(peer);
      added = true;
    }
    if (target && this.targets.get(target) !== peer) this.targets.set(target, peer);
    // Our own initiation, or a probe of an address that turned out to be this peer: either way its
    // message 3 must stop once these keys work.
    const initiation = keypair.initiator ? this.initiationOf(keypair) : undefined;
    this.setKey(peer, key);
    this.index.set(keypair.localId, { kind: 'keys', peer, keypair, initiation });
    for (const d of peer.install(keypair)) if (d.localId !== keypair.localId) this.index.delete(d.localId);
    // An answered IK message 1 proves nothing yet (it can be replayed from anywhere). Keys we
    // initiated do: message 2 answers our fresh ephemeral key from where it came.
    if (keypair.confirmed || keypair.initiator) this.proven(peer, from);
    peer.session.noteProtocol();
    if (added) this.opts.events.peerAdded?.(peer);
    // Tell the user only about keys the peer proved it holds (XX responder, IK initiator); the others
    // are announced when the first datagram opens under them. The session may send at once anyway.
    if (keypair.confirmed) this.opts.events.secured?.(peer);
    if (keypair.confirmed || keypair.initiator) peer.session.kick();
  }

  private initiationOf(keypair: Keypair): Initiation | undefined {
    const e = this.index.get(keypair.localId);
    return e && e.kind === 'initiation' ? e : undefined;
  }

  problem(at: Address, target: HandshakeTarget | undefined, kind: 'noAnswer' | RejectReason): void {
    const peer = (target && this.targets.get(target)) ?? this.peerAt(at);
    // A probe of a stranger that does not answer is nobody's business.
    if (!peer && kind === 'noAnswer') return;
    this.opts.events.handshakeProblem?.(at, peer, kind);
  }

  // ------------------------------------------------------------------ peers and addresses

  private newPeer(address: Address, label: string | undefined): Peer {
    const peer = new Peer(address, label, { connect: (p) => this.connect(p), now: () => this.clock.now(), ownKey: this.identity.publicKey });
    if (!this.byAddress.has(addressKey(address))) this.byAddress.set(addressKey(address), peer);
    return peer;
  }

  private setKey(peer: Peer, key: Buffer): void {
    if (peer.key && !peer.key.equals(key) && this.byKey.get(peer.key.toString('base64')) === peer) this.byKey.delete(peer.key.toString('base64'));
    peer.key = key;
    this.byKey.set(key.toString('base64'), peer);
  }

  /** Keys of this peer's pinned key just proved themselves from `from`: it is there, and it is itself. */
  private proven(peer: Peer, from: Address): void {
    // The pinned key is alive: whoever offered the other key was someone else, not a change.
    if (peer.held && peer.key && !peer.held.key.equals(peer.key)) { peer.held = undefined; this.opts.events.keyChangeCleared?.(peer); }
    this.roam(peer, from);
  }

  /** An authenticated datagram from `from`: that is where the peer is now. */
  private roam(peer: Peer, from: Address): void {
    if (peer.address.address === from.address && peer.address.port === from.port) return;
    const old = peer.address;
    if (this.byAddress.get(addressKey(old)) === peer) this.byAddress.delete(addressKey(old));
    const there = this.byAddress.get(addressKey(from));
    if (there && there !== peer && !there.key) {
      // A keyless peer at the new address (say, the configured address before the person moved
      // there) is this person: one conversation, not two.
      there.session.end('merged into the conversation with the same person');
      this.removePeer(there);
      this.opts.events.merged?.(there, peer);
    }
    peer.address = from;
    if (!this.byAddress.has(addressKey(from)) || this.byAddress.get(addressKey(from)) === there) this.byAddress.set(addressKey(from), peer);
    this.stats.roamed++;
    this.opts.events.roamed?.(peer, old);
  }

  dispose(): void {
    for (const p of this.peers) this.removePeer(p);
    this.handshakes.dispose();
  }
}
