// The driver: one dual-stack socket feeds one endpoint, and one timer (the timer table's) runs every
// conversation's deadlines. It keeps a conversation per person: the configured peer, people added
// by hand or found on the LAN, and people who reached us (as `reach` allows); decides who may
// connect (trust on first use, blocks, requests), and reports what users must see. No `vscode` here.
import type { PeerAddress } from '../core/address';
import { formatAddress, normalizeIp } from '../core/address';
import type { Address, Decision } from '../core/handshake';
import type { Endpoint as CoreEndpoint } from '../core/endpoint';
import { addressKey, Endpoint as PeerEndpoint } from '../core/endpoint';
import type { Identity } from '../core/identity';
import { keyFingerprint, newIdentity, personId, safetyNumber } from '../core/identity';
import type { Peer } from '../core/peer';
import type { IncomingMessage, OutStatus, Presence, SessionConfig } from '../core/session';
import { ChatSession, systemClock } from '../core/session';
import { DEFAULT_GUARD, SourceGuard, STRANGER_GUARD, STRANGER_HOST_GUARD, STRANGER_TOTAL_GUARD } from '../core/sourceGuard';
import { NoticeLimiter } from '../core/noticeLimiter';
import { TimerTable } from '../core/timerTable';
import { MemoryTrustStorage, TrustStore } from '../core/trust';
import { RejectReason, WIRE_VERSION } from '../core/wire';
import { isIP } from 'node:net';
import type { Endpoint } from './udpEndpoint';
import { resolveHost, UdpEndpoint, UdpError } from './udpEndpoint';

export interface KeyChange {
  /** Person id of the new key, and both short fingerprints. */
  newFingerprint: string;
  oldFingerprint: string;
  from: Endpoint;
}

/**
 * How a conversation began: the configured peer (`contact`), an address the user added (`added`),
 * a peer found on the LAN (`discovered`), or someone whose handshake reached us (`reached`).
 */
export type PeerOrigin = 'contact' | 'added' | 'discovered' | 'reached';

/**
 * Who may start a conversation with us: `anyone` (every LAN messenger's default), `known` (people
 * we know; a stranger's messages wait as a request until the user accepts or blocks), `contact`
 * (the configured peer only, as a single-peer chat).
 */
export type Reach = 'anyone' | 'known' | 'contact';

export interface SecuredInfo { verified: boolean; firstContact: boolean; personId: string }

/** What the driver reports. Per-conversation events name the peer (core/peer.ts). */
export interface RuntimeEvents {
  message?(p: Peer, m: IncomingMessage): void;
  status?(p: Peer, localId: string, status: OutStatus): void;
  presence?(p: Peer, presence: Presence, detail: { name: string; plain: boolean; reason: string }): void;
  plainPeer?(p: Peer, plain: boolean): void;
  /** `p`: the conversation it is about, when it is about one. */
  notice?(level: 'info' | 'warning' | 'error', text: string, p?: Peer): void;
  diagnostic?(text: string): void;
  /** Someone new completed a handshake with us (reach allowed it): a new conversation. */
  peerAdded?(p: Peer): void;
  /** A datagram from an address that is no conversation of ours (not shown as anyone's message). */
  stranger?(from: Endpoint, bytes: number, preview: string): void;
  /** Periodic summary of datagrams dropped by rate limits. */
  rateLimited?(from: string, dropped: number, stranger: boolean): void;
  /** A socket error after binding (send failures and the like). */
  socketError?(err: Error): void;
  /** Encrypted, authenticated session with the peer's key; `safetyNumber` is the same on both sides. */
  secured?(p: Peer, safetyNumber: string, info: SecuredInfo): void;
  /** A contact answered with another key than the pinned one. Nothing flows until acceptKeyChange(). */
  keyChanged?(p: Peer, change: KeyChange): void;
  /** The remembered key answered again after a key-change warning: the other key was not the peer. */
  keyChangeCleared?(p: Peer): void;
  /** The peer now writes from another address (port change, DHCP, NAT rebinding): same person. */
  roamed?(p: Peer, to: Endpoint): void;
  /** A keyless conversation (say, the configured address before anyone answered) was the same person as `into`. */
  merged?(gone: Peer, into: Peer): void;
  /**
   * A UDP Chat writes from the configured peer's host but another port, and is not (yet) known to
   * be the peer. At most once per 30 s per source.
   */
  peerElsewhere?(p: Peer, from: Endpoint): void;
}

export interface RuntimeOptions {
  localAddress: string;
  localPort: number;
  /** The configured peer; none in LAN mode. */
  peer?: PeerAddress;
  displayName: string;
  plainMode?: boolean;
  events: RuntimeEvents;
  config?: Partial<SessionConfig>;
  /** Pre-shared key from the passphrase (derivePsk): only people who know it can talk to us. */
  psk?: Buffer;
  /** This installation's identity key (a fresh one when absent: then nobody can recognise us later). */
  identity?: Identity;
  /** Known people, pins and blocks (in memory when absent). */
  trust?: TrustStore;
  /** Uids of messages already shown (saved history): not shown again if the peer resends them. */
  shownUids?: () => Iterable<string>;
  /** Who may start a conversation (default `contact` with a configured peer, else `anyone`). */
  reach?: Reach;
}

/** The label a configured peer is pinned under: the address as the user wrote it. */
export function contactLabel(peer: PeerAddress): string { return formatAddress(peer.host.toLowerCase(), peer.port); }

/** Most conversations one endpoint keeps (people who reached us beyond this are refused). */
export const MAX_PEERS = 512;

interface PeerState {
  origin: PeerOrigin;
  /** Waiting as a request (reach 'known', a stranger): not remembered until accepted. */
  request: boolean;
  announcedKey?: Buffer;
  /** A key-change warning was shown and not yet resolved. */
  warned: boolean;
}

export class ChatRuntime {
  readonly endpointCore: CoreEndpoint;
  readonly identity: Identity;
  readonly trust: TrustStore;
  /** The configured peer's conversation (none in LAN mode). */
  contact?: Peer;
  /** The configured peer's address as given. */
  peer?: PeerAddress;
  readonly reach: Reach;
  private readonly state = new WeakMap<Peer, PeerState>();
  private readonly timers = new TimerTable(systemClock);
  private readonly peerGuard = new SourceGuard({ ...DEFAULT_GUARD, maxSources: MAX_PEERS }, () => Date.now());
  private readonly strangerGuard = new SourceGuard(STRANGER_GUARD, () => Date.now());
  private readonly strangerHostGuard = new SourceGuard(STRANGER_HOST_GUARD, () => Date.now());
  private readonly strangerTotalGuard = new SourceGuard(STRANGER_TOTAL_GUARD, () => Date.now());
  private readonly disposers: Array<() => void> = [];
  private summaryTimer?: NodeJS.Timeout;
  strangerDatagrams = 0;
  private readonly elsewhereAt = new Map<string, number>();
  /** Origin of the next peer the endpoint creates through attachSession. */
  private nextOrigin: PeerOrigin = 'reached';

  private constructor(readonly endpoint: UdpEndpoint, private readonly opts: RuntimeOptions) {
    this.identity = opts.identity ?? newIdentity();
    this.trust = opts.trust ?? new TrustStore(new MemoryTrustStorage());
    this.reach = opts.reach ?? (opts.peer ? 'contact' : 'anyone');
    this.endpointCore = new PeerEndpoint({
      identity: this.identity,
      psk: opts.psk,
      clock: this.timers,
      send: (d, to) => this.endpoint.send(d, to),
      decide: (key, from, peer) => this.decide(key, from, peer),
      attachSession: (p) => this.attachSession(p),
      events: {
        peerAdded: (p) => this.onPeerAdded(p),
        secured: (p) => this.onSecured(p),
        keyChanged: (p, key) => this.onKeyChanged(p, key),
        roamed: (p) => opts.events.roamed?.(p, p.address),
        merged: (gone, into) => {
          // The configured address turned out to be someone who also reached us elsewhere: they are the contact.
          if (gone === this.contact) {
            this.contact = into;
            const st = this.state.get(into);
            if (st) { st.origin = 'contact'; st.request = false; }
          }
          opts.events.merged?.(gone, into);
        },
        // Said once per warning shown: another key retrying is held again silently (the warning is rate-limited).
        keyChangeCleared: (p) => {
          const st = this.state.get(p);
          if (st?.warned) { st.warned = false; opts.events.keyChangeCleared?.(p); }
        },
        handshakeProblem: (at, p, kind) => this.onHandshakeProblem(at, p, kind),
        otherVersion: (from, version) => this.onOtherVersion(from, version),
        stranger: (from, bytes, preview, marked) => this.onStranger(from, bytes, preview, marked),
        diagnostic: (text) => opts.events.diagnostic?.(text),
      },
    });
  }

  /** Resolves the peer, binds the socket and starts; rejects with a UdpError a user can read. */
  static async start(opts: RuntimeOptions): Promise<ChatRuntime> {
    const localFamily = opts.localAddress ? (isIP(opts.localAddress.split('%')[0]) as 0 | 4 | 6) : 0;
    let resolved: { address: string; family: 4 | 6 } | undefined;
    if (opts.peer) {
      resolved = await resolveHost(opts.peer.host, opts.peer.family || localFamily);
      if (localFamily && localFamily !== resolved.family) {
        // Refused here, clearly, instead of binding and then failing every send.
        throw new UdpError(`The local address ${opts.localAddress} is IPv${localFamily}, but the peer ${formatAddress(resolved.address, opts.peer.port)} is IPv${resolved.family}: an IPv${localFamily} socket cannot reach it. Use a local address of the same family, or leave the local address empty (all interfaces, IPv4 and IPv6).`, 'EAFNOSUPPORT');
      }
    }
    const endpoint = await bindDualStack(opts.localAddress, opts.localPort, localFamily || resolved?.family || 4);
    const rt = new ChatRuntime(endpoint, opts);
    rt.disposers.push(endpoint.onDatagram((msg, from) => rt.route(msg, from)));
    rt.disposers.push(endpoint.onError((err) => opts.events.socketError?.(err)));
    rt.summaryTimer = setInterval(() => rt.summarizeDrops(), 5000);
    rt.summaryTimer.unref();
    if (opts.peer && resolved) rt.attachContact(opts.peer, { address: normalizeIp(resolved.address), port: opts.peer.port });
    return rt;
  }

  get local(): Endpoint { return this.endpoint.local; }
  get localText(): string { const l = this.local; return formatAddress(l.address, l.port); }
  /** This side's key fingerprint, for "your key" displays. */
  get ownFingerprint(): string { return keyFingerprint(this.identity.publicKey); }
  /** This side's person id (what others know us by). */
  get ownId(): string { return personId(this.identity.publicKey); }
  /** Every conversation on the endpoint. */
  get peers(): Peer[] { return this.endpointCore.peers; }

  // The configured peer's conversation, for code that chats with it alone (tests' peers, benches).
  /** The configured peer's session (throws in LAN mode). */
  get session(): ChatSession { return this.need().session; }
  get peerEndpoint(): Endpoint { return this.need().address; }
  /** The safety number with the configured peer, once its key is known. */
  get safetyNumber(): string { return this.contact?.key ? this.contact.safetyNumber : ''; }
  get peerVerified(): boolean { return this.contact ? this.verified(this.contact) : false; }
  get encrypted(): boolean { return this.contact?.established === true; }
  get keyChangePending(): boolean { return this.contact?.held !== undefined; }
  private need(): Peer {
    if (!this.contact) throw new Error('No configured peer: this chat runs in LAN mode.');
    return this.contact;
  }

  origin(p: Peer): PeerOrigin { return this.state.get(p)?.origin ?? 'reached'; }
  isRequest(p: Peer): boolean { return this.state.get(p)?.request === true; }
  verified(p: Peer): boolean { return p.key ? this.trust.isVerified(p.key) : false; }

  /** Where a peer found on the LAN or added by hand is: its conversation (an existing one at that address is reused). */
  addPeer(to: Endpoint, origin: 'added' | 'discovered', label?: string): Peer {
    const at = { address: normalizeIp(to.address), port: to.port };
    const existing = this.endpointCore.peerAt(at);
    if (existing) {
      const st = this.state.get(existing);
      // The user named them: no longer a request.
      if (st && origin === 'added' && st.request) this.acceptRequest(existing);
      return existing;
    }
    this.nextOrigin = origin;
    try {
      const pinned = label !== undefined ? this.trust.pinnedKey(label) : undefined;
      return this.endpointCore.addPeer(at, label, pinned);
    } finally {
      this.nextOrigin = 'reached';
    }
  }

  /** Resolves a host name for addPeer (same family rules as the socket). */
  async resolve(peer: PeerAddress): Promise<Endpoint> {
    const r = await resolveHost(peer.host, peer.family);
    if (r.family === 6 && this.endpoint.family === 4) {
      throw new UdpError(`${peer.host} is an IPv6 peer, but this session's socket is IPv4 only. End the session and start it again to switch.`, 'EAFNOSUPPORT');
    }
    return { address: normalizeIp(r.address), port: peer.port };
  }

  /** Ends a conversation and forgets its keys and routes (the configured peer's cannot be removed). */
  removePeer(p: Peer, reason: string): void {
    if (p === this.contact) return;
    try { p.session.end(reason); } catch { /* ending must not fail */ }
    this.endpointCore.removePeer(p);
  }

  /** The user accepted a request: the person is known from now on. */
  acceptRequest(p: Peer): boolean {
    const st = this.state.get(p);
    if (!st?.request) return false;
    st.request = false;
    if (p.key) this.trust.remember(p.key, p.session.remoteName);
    return true;
  }

  /** We write to this person: remember them (people we write to are people we know). */
  remember(p: Peer): void {
    const st = this.state.get(p);
    if (!p.key || st?.request) return;
    this.trust.remember(p.key, p.session.remoteName, p.label);
  }

  /**
   * Blocks a person: remembered (their key, or a plain peer's address), their conversation ends,
   * and nothing of theirs is let in again. The configured peer's conversation stays (silenced).
   */
  block(p: Peer): string {
    const id = p.key ? p.id : p.addressId;
    this.trust.block(id);
    if (p !== this.contact) this.removePeer(p, 'blocked');
    return id;
  }

  isBlocked(p: Peer): boolean {
    if (p.key && this.trust.isBlocked(p.id)) return true;
    return this.trust.isBlocked(p.addressId);
  }

  /** The user compared the safety number: remember the peer's key as verified (or not). */
  setVerified(p: Peer, verified: boolean): boolean {
    if (!p.key) return false;
    if (!this.trust.person(p.key)) this.trust.remember(p.key, p.session.remoteName, p.label);
    this.trust.setVerified(p.key, verified);
    return true;
  }

  /** The user refused the peer's new key: it stays refused; the remembered key may talk again. */
  rejectKeyChange(p: Peer): boolean {
    if (!p.held) return false;
    this.endpointCore.rejectHeldKey(p);
    return true;
  }

  /** The user accepted the peer's new key: pin it and talk again. */
  acceptKeyChange(p: Peer): boolean {
    const held = p.held;
    if (!held) return false;
    this.trust.remember(held.key, '', p.label);
    this.endpointCore.acceptHeldKey(p);
    return true;
  }

  private attachContact(peer: PeerAddress, to: Endpoint): void {
    this.peer = peer;
    const label = contactLabel(peer);
    const pinned = this.trust.pinnedKey(label);
    this.nextOrigin = 'contact';
    try {
      this.contact = this.endpointCore.addPeer(to, label, pinned);
    } finally {
      this.nextOrigin = 'reached';
    }
    const st = this.state.get(this.contact);
    // Reused (someone at that address already had a conversation): it is the contact now.
    if (st) { st.origin = 'contact'; st.request = false; }
  }

  private attachSession(p: Peer): void {
    const origin = this.nextOrigin;
    this.state.set(p, { origin, request: false, warned: false });
    const events = this.opts.events;
    p.session = new ChatSession({
      transport: { send: (d) => this.endpoint.send(d, p.address) },
      clock: this.timers,
      events: {
        message: (m) => { if (!this.isBlocked(p)) events.message?.(p, m); },
        status: (id, s) => events.status?.(p, id, s),
        presence: (state, d) => {
          // Names arrive sealed, after the keys: the known person's name follows what they call themselves.
          if (d.name && p.key) this.trust.rename(p.key, d.name);
          events.presence?.(p, state, d);
        },
        plainPeer: (plain) => events.plainPeer?.(p, plain),
        notice: (level, text) => events.notice?.(level, text, p),
        diagnostic: (text) => events.diagnostic?.(text),
      },
      displayName: this.opts.displayName,
      plainMode: this.opts.plainMode,
      config: this.opts.config,
      filter: p,
      secure: this.opts.psk !== undefined,
      // Found on the LAN or reached us with a handshake: a UDP Chat, no greeting in text.
      speaksProtocol: origin === 'discovered' || p.reachedUs,
      neverInClear: p.key !== undefined || origin === 'discovered',
      shownUids: this.opts.shownUids?.(),
    });
    p.session.start();
    // Found on the LAN: say hello under keys at once (it starts the handshake); retried until heard.
    if (origin === 'discovered') p.session.kick();
  }

  private decide(key: Buffer, _from: Address, peer: Peer | undefined): Decision {
    if (this.trust.isBlocked(personId(key))) return 'reject';
    if (peer && peer.label !== undefined) {
      // A contact (configured, or added by address): pinned on first use.
      const check = this.trust.check(peer.label, key);
      if (check.kind === 'changed') return 'hold';
      // A key already answered for this contact in this session (before it was pinned): another is a change too.
      if (peer.key && !peer.key.equals(key)) return 'hold';
      return 'accept';
    }
    if (peer) return 'accept'; // found on the LAN: the key says who it is
    // Someone new reaches us.
    if (this.reach === 'contact') return 'reject';
    if (this.endpointCore.peers.length >= MAX_PEERS) return 'reject';
    return 'accept';
  }

  private onPeerAdded(p: Peer): void {
    this.markStranger(p);
    this.opts.events.peerAdded?.(p);
  }

  /**
   * Under reach 'known', someone whose key we do not know, and whom we did not name (configured,
   * added by address), is a stranger: their conversation is a request until the user accepts or
   * writes back. (The service reports the request at their first message, not before: a LAN full of
   * people found is no LAN full of requests.)
   */
  private markStranger(p: Peer): void {
    const st = this.state.get(p);
    if (!st || this.reach !== 'known' || !p.key || this.trust.person(p.key)) return;
    if (st.origin === 'reached' || st.origin === 'discovered') st.request = true;
  }

  private onSecured(p: Peer): void {
    const st = this.state.get(p);
    if (!p.key || !st) return;
    this.markStranger(p);
    const known = this.trust.person(p.key);
    // People the user named (configured, added by address) are remembered; others only when the
    // user writes to them or accepts their request (a LAN's worth of strangers is nobody's contacts).
    if (st.origin === 'contact' || st.origin === 'added' || known) this.trust.remember(p.key, p.session.remoteName, p.label);
    // Both sides may start a handshake at once, and a restart makes new keys: one announcement per key.
    if (st.announcedKey?.equals(p.key)) return;
    st.announcedKey = p.key;
    this.opts.events.secured?.(p, safetyNumber(this.identity.publicKey, p.key), { verified: known?.verified === true, firstContact: !known, personId: p.id });
  }

  private readonly keyWarnings = new NoticeLimiter(() => Date.now(), 10 * 60_000);
  private onKeyChanged(p: Peer, key: Buffer): void {
    const st = this.state.get(p);
    // The same new key again (it retried, or came back after the known key cleared it): one warning per 10 minutes.
    if (!st || !this.keyWarnings.allow(key.toString('base64'))) return;
    st.warned = true;
    const old = this.trust.pinnedKey(p.label ?? '') ?? p.key;
    this.opts.events.keyChanged?.(p, { newFingerprint: keyFingerprint(key), oldFingerprint: old ? keyFingerprint(old) : '', from: p.held?.from ?? p.address });
  }

  private readonly problemNotices = new NoticeLimiter(() => Date.now());
  private onHandshakeProblem(_at: Address, p: Peer | undefined, kind: 'noAnswer' | 'ownKey' | RejectReason): void {
    if (!p) return;
    // Rejections are unauthenticated: while the peer's keys work, they go to the log only.
    const say = (text: string) => {
      if (p.authenticatedPeerAlive()) this.opts.events.diagnostic?.(text);
      else if (this.problemNotices.allow(`${addressKey(p.address)} ${String(kind)}`)) this.opts.events.notice?.('error', text, p);
    };
    switch (kind) {
      case 'noAnswer': say('Cannot set up the encrypted session: the peer did not answer the handshake. Retrying when it writes again.'); break;
      case 'ownKey': say('The peer uses your own identity key: two UDP Chats sharing one identity (two terminal peers under one account?) cannot tell each other apart. Start one of them with --identity OTHER_FILE (or another UDP_CHAT_HOME).'); break;
      case RejectReason.PassphraseExpected:
      case RejectReason.PassphraseRequired:
        // Whichever side sent the rejection, what matters is who has a passphrase here.
        say(this.opts.psk
          ? 'Cannot authenticate peer: it has no passphrase set (passphrase mismatch?). Set the same passphrase on both sides, or clear yours.'
          : 'Cannot authenticate peer: it requires a passphrase, and you have none set. Set the same passphrase on both sides ("UDP Chat: Set Passphrase").');
        break;
      case RejectReason.PassphraseMismatch: say('Cannot authenticate peer: passphrase mismatch? Its handshake did not verify with your passphrase. Set the same passphrase on both sides.'); break;
      case RejectReason.Refused: say('The peer refused the session (it does not accept your key).'); break;
      case RejectReason.UnknownKey: break; // handled by falling back to XX
    }
  }

  private readonly versionNoticeAt = new Map<string, number>();
  private onOtherVersion(from: Address, version: number): void {
    const k = addressKey(from);
    const now = Date.now();
    if (now - (this.versionNoticeAt.get(k) ?? -Infinity) < 10_000) return;
    this.versionNoticeAt.set(k, now);
    if (this.versionNoticeAt.size > 256) this.versionNoticeAt.delete(this.versionNoticeAt.keys().next().value as string);
    const p = this.endpointCore.peerAt(from);
    const who = p ? 'The peer' : `A UDP Chat at ${formatAddress(from.address, from.port)}`;
    const text = version < 2
      ? `${who} runs an older UDP Chat (protocol ${version}). Ask them to update UDP Chat; until then its protocol datagrams are ignored.`
      : `${who} speaks UDP Chat protocol ${version}; this side speaks 2. Update UDP Chat.`;
    // Unauthenticated: while the peer's keys work, a forger must not put alarms on screen.
    if (p && !p.authenticatedPeerAlive()) this.opts.events.notice?.('error', text, p);
    else this.opts.events.diagnostic?.(text);
  }

  private onStranger(from: Address, bytes: number, preview: string, markedVersion?: number): void {
    const c = this.contact;
    if (c && markedVersion !== undefined && from.address === c.address.address && this.opts.events.peerElsewhere) {
      const key = addressKey(from);
      const now = Date.now();
      if (now - (this.elsewhereAt.get(key) ?? 0) >= 30_000) {
        this.elsewhereAt.set(key, now);
        if (this.elsewhereAt.size > 64) this.elsewhereAt.delete(this.elsewhereAt.keys().next().value as string);
        this.opts.events.peerElsewhere(c, from);
      }
    }
    // A UDP Chat greeting us while others may reach us: a conversation follows (the probe), not a stranger.
    if (markedVersion === WIRE_VERSION && this.reach !== 'contact') {
      this.opts.events.diagnostic?.(`a UDP Chat at ${formatAddress(from.address, from.port)} greets us; a handshake follows`);
      return;
    }
    this.opts.events.stranger?.(from, bytes, preview);
  }

  /** Moves the chat with the configured peer to another address on the same socket: bye to the old one, hello to the new one. */
  async changePeer(peer: PeerAddress): Promise<void> {
    // One change at a time, in the order asked: the last one wins, whatever DNS does.
    const run = this.changing.then(async () => {
      const resolved = await resolveHost(peer.host, peer.family);
      if (this.stopped) throw new UdpError('The session ended while the new peer address was being resolved.', 'ESTOPPED');
      if (resolved.family === 6 && this.endpoint.family === 4) {
        throw new UdpError(`${peer.host} is an IPv6 peer, but this session's socket is IPv4 only. End the session and start it again to switch.`, 'EAFNOSUPPORT');
      }
      const old = this.contact;
      if (old) {
        old.session.end('the peer address changed');
        this.endpointCore.removePeer(old);
      }
      this.contact = undefined;
      this.attachContact(peer, { address: normalizeIp(resolved.address), port: peer.port });
    });
    this.changing = run.catch(() => undefined);
    return run;
  }

  private changing: Promise<void> = Promise.resolve();
  private stopped = false;

  private route(msg: Buffer, source: Endpoint): void {
    const from = { address: normalizeIp(source.address), port: source.port };
    const known = this.endpointCore.peerAt(from);
    if (known) {
      if (!this.peerGuard.admit(addressKey(from))) return;
      // A blocked plain-text address: nothing of theirs, not even text.
      if (!known.key && this.isBlocked(known)) return;
    } else {
      this.strangerDatagrams++;
      // All three must admit: per address:port, per address, and all strangers together.
      if (!this.strangerTotalGuard.admit('*') || !this.strangerHostGuard.admit(from.address) || !this.strangerGuard.admit(`${from.address}:${from.port}`)) return;
    }
    this.endpointCore.receive(msg, from);
  }

  private summarizeDrops(): void {
    for (const [src, n] of this.peerGuard.takeDropped()) this.opts.events.rateLimited?.(src.replace('|', ':'), n, false);
    for (const [src, n] of this.strangerGuard.takeDropped()) this.opts.events.rateLimited?.(src, n, true);
    for (const [src, n] of this.strangerHostGuard.takeDropped()) this.opts.events.rateLimited?.(`${src} (all ports)`, n, true);
    for (const [, n] of this.strangerTotalGuard.takeDropped()) this.opts.events.rateLimited?.('all strangers', n, true);
  }

  /** Ends every conversation (bye to each peer) and closes the socket. */
  async stop(reason = 'session ended'): Promise<void> {
    this.stopped = true;
    if (this.summaryTimer) clearInterval(this.summaryTimer);
    for (const p of this.endpointCore.peers) {
      try { p.session.end(reason); } catch { /* ending must not fail */ }
    }
    this.endpointCore.dispose();
    for (const d of this.disposers.splice(0)) d();
    // Let the byes leave before the socket closes.
    await new Promise((r) => setImmediate(r));
    await this.endpoint.close();
  }
}

/**
 * With no local address, one IPv6 socket on `::` serves IPv4 peers too (IPv4-mapped), so a peer
 * may move between families. Where the machine has no IPv6, an IPv4 socket does.
 */
async function bindDualStack(localAddress: string, port: number, family: 4 | 6): Promise<UdpEndpoint> {
  if (localAddress) return UdpEndpoint.bind({ address: localAddress, port, family, bufferBytes: 4 * 1024 * 1024 });
  try {
    return await UdpEndpoint.bind({ address: '', port, family: 6, bufferBytes: 4 * 1024 * 1024 });
  } catch (e) {
    if (e instanceof UdpError && (e.code === 'EADDRINUSE' || e.code === 'EACCES')) throw e;
    return UdpEndpoint.bind({ address: '', port, family, bufferBytes: 4 * 1024 * 1024 });
  }
}
