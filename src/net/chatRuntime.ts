// The driver: one dual-stack socket feeds one endpoint, and one timer (the timer table's) runs every
// peer's deadlines. It keeps the conversation with the configured peer for the extension and the
// terminal peer, decides who may connect (trust on first use), and reports what users must see.
// No `vscode` here.
import type { PeerAddress } from '../core/address';
import { formatAddress, normalizeIp } from '../core/address';
import type { Address, Decision } from '../core/handshake';
import type { Endpoint as CoreEndpoint } from '../core/endpoint';
import { addressKey, Endpoint as PeerEndpoint } from '../core/endpoint';
import type { Identity } from '../core/identity';
import { keyFingerprint, newIdentity, safetyNumber } from '../core/identity';
import type { Peer } from '../core/peer';
import type { SessionConfig, SessionEvents } from '../core/session';
import { ChatSession, systemClock } from '../core/session';
import { DEFAULT_GUARD, SourceGuard, STRANGER_GUARD, STRANGER_HOST_GUARD, STRANGER_TOTAL_GUARD } from '../core/sourceGuard';
import { NoticeLimiter } from '../core/noticeLimiter';
import { TimerTable } from '../core/timerTable';
import { MemoryTrustStorage, TrustStore } from '../core/trust';
import { RejectReason } from '../core/wire';
import { isIP } from 'node:net';
import type { Endpoint } from './udpEndpoint';
import { resolveHost, UdpEndpoint, UdpError } from './udpEndpoint';

export interface KeyChange {
  /** Person id of the new key, and both short fingerprints. */
  newFingerprint: string;
  oldFingerprint: string;
  from: Endpoint;
}

export interface RuntimeEvents extends SessionEvents {
  /** A datagram from an address other than the peer (not shown as the peer's message). */
  stranger?(from: Endpoint, bytes: number, preview: string): void;
  /** Periodic summary of datagrams dropped by rate limits. */
  rateLimited?(from: string, dropped: number, stranger: boolean): void;
  /** A socket error after binding (send failures and the like). */
  socketError?(err: Error): void;
  /** Encrypted, authenticated session with the peer's key; `safetyNumber` is the same on both sides. */
  secured?(safetyNumber: string, info: { verified: boolean; firstContact: boolean; personId: string }): void;
  /** The configured peer answered with another key than the pinned one. Nothing flows until acceptKeyChange(). */
  keyChanged?(change: KeyChange): void;
  /** The remembered key answered again after a key-change warning: the other key was not the peer. */
  keyChangeCleared?(): void;
  /** The peer now writes from another address (port change, DHCP, NAT rebinding): same person. */
  roamed?(to: Endpoint): void;
  /**
   * A UDP Chat writes from the peer's host but another port, and is not (yet) known to be the peer.
   * At most once per 30 s per source.
   */
  peerElsewhere?(from: Endpoint): void;
}

export interface RuntimeOptions {
  localAddress: string;
  localPort: number;
  peer: PeerAddress;
  displayName: string;
  plainMode?: boolean;
  events: RuntimeEvents;
  config?: Partial<SessionConfig>;
  /** Pre-shared key from the passphrase (derivePsk): only people who know it can talk to us. */
  psk?: Buffer;
  /** This installation's identity key (a fresh one when absent: then nobody can recognise us later). */
  identity?: Identity;
  /** Known people and pins (in memory when absent). */
  trust?: TrustStore;
  /** Uids of messages already shown (saved history): not shown again if the peer resends them. */
  shownUids?: () => Iterable<string>;
}

/** The label a configured peer is pinned under: the address as the user wrote it. */
export function contactLabel(peer: PeerAddress): string { return formatAddress(peer.host.toLowerCase(), peer.port); }

export class ChatRuntime {
  readonly endpointCore: CoreEndpoint;
  readonly identity: Identity;
  readonly trust: TrustStore;
  private conversation!: Peer;
  peer!: PeerAddress;
  private readonly timers = new TimerTable(systemClock);
  private readonly peerGuard = new SourceGuard(DEFAULT_GUARD, () => Date.now());
  private readonly strangerGuard = new SourceGuard(STRANGER_GUARD, () => Date.now());
  private readonly strangerHostGuard = new SourceGuard(STRANGER_HOST_GUARD, () => Date.now());
  private readonly strangerTotalGuard = new SourceGuard(STRANGER_TOTAL_GUARD, () => Date.now());
  private readonly disposers: Array<() => void> = [];
  private summaryTimer?: NodeJS.Timeout;
  strangerDatagrams = 0;
  private readonly elsewhereAt = new Map<string, number>();

  private constructor(readonly endpoint: UdpEndpoint, private readonly opts: RuntimeOptions) {
    this.identity = opts.identity ?? newIdentity();
    this.trust = opts.trust ?? new TrustStore(new MemoryTrustStorage());
    this.endpointCore = new PeerEndpoint({
      identity: this.identity,
      psk: opts.psk,
      clock: this.timers,
      send: (d, to) => this.endpoint.send(d, to),
      decide: (key, from, peer) => this.decide(key, from, peer),
      attachSession: (p) => this.attachSession(p),
      events: {
        secured: (p) => this.onSecured(p),
        keyChanged: (p, key) => this.onKeyChanged(p, key),
        roamed: (p) => { if (p === this.conversation) opts.events.roamed?.(p.address); },
        // Said once per warning shown: another key retrying is held again silently (the warning is rate-limited).
        keyChangeCleared: (p) => { if (p === this.conversation && this.warned) { this.warned = false; opts.events.keyChangeCleared?.(); } },
        handshakeProblem: (at, p, kind) => this.onHandshakeProblem(at, p, kind),
        otherVersion: (from, version) => this.onOtherVersion(from, version),
        stranger: (from, bytes, preview, marked) => this.onStranger(from, bytes, preview, marked),
        diagnostic: (text) => opts.events.diagnostic?.(text),
      },
    });
  }

  /** Resolves the peer, binds the socket and starts the session; rejects with a UdpError a user can read. */
  static async start(opts: RuntimeOptions): Promise<ChatRuntime> {
    const localFamily = opts.localAddress ? (isIP(opts.localAddress.split('%')[0]) as 0 | 4 | 6) : 0;
    const resolved = await resolveHost(opts.peer.host, opts.peer.family || localFamily);
    if (localFamily && localFamily !== resolved.family) {
      // Refused here, clearly, instead of binding and then failing every send.
      throw new UdpError(`The local address ${opts.localAddress} is IPv${localFamily}, but the peer ${formatAddress(resolved.address, opts.peer.port)} is IPv${resolved.family}: an IPv${localFamily} socket cannot reach it. Use a local address of the same family, or leave the local address empty (all interfaces, IPv4 and IPv6).`, 'EAFNOSUPPORT');
    }
    const endpoint = await bindDualStack(opts.localAddress, opts.localPort, localFamily || resolved.family);
    const rt = new ChatRuntime(endpoint, opts);
    rt.disposers.push(endpoint.onDatagram((msg, from) => rt.route(msg, from)));
    rt.disposers.push(endpoint.onError((err) => opts.events.socketError?.(err)));
    rt.summaryTimer = setInterval(() => rt.summarizeDrops(), 5000);
    rt.summaryTimer.unref();
    rt.attach(opts.peer, { address: normalizeIp(resolved.address), port: opts.peer.port });
    return rt;
  }

  get session(): ChatSession { return this.conversation.session; }
  get peerEndpoint(): Endpoint { return this.conversation.address; }
  get local(): Endpoint { return this.endpoint.local; }
  get localText(): string { const l = this.local; return formatAddress(l.address, l.port); }
  /** This side's key fingerprint, for "your key" displays. */
  get ownFingerprint(): string { return keyFingerprint(this.identity.publicKey); }
  /** The safety number with the peer, once its key is known. */
  get safetyNumber(): string { return this.conversation.key ? safetyNumber(this.identity.publicKey, this.conversation.key) : ''; }
  get peerVerified(): boolean { return this.conversation.key ? this.trust.isVerified(this.conversation.key) : false; }
  get encrypted(): boolean { return this.conversation.established; }
  get keyChangePending(): boolean { return this.conversation.held !== undefined; }

  /** The user compared the safety number: remember the peer's key as verified (or not). */
  setVerified(verified: boolean): boolean {
    if (!this.conversation.key) return false;
    this.trust.setVerified(this.conversation.key, verified);
    return true;
  }

  /** The user refused the peer's new key: it stays refused; the remembered key may talk again. */
  rejectKeyChange(): boolean {
    if (!this.conversation.held) return false;
    this.endpointCore.rejectHeldKey(this.conversation);
    return true;
  }

  /** The user accepted the peer's new key: pin it and talk again. */
  acceptKeyChange(): boolean {
    const held = this.conversation.held;
    if (!held) return false;
    this.trust.remember(held.key, '', contactLabel(this.peer));
    this.endpointCore.acceptHeldKey(this.conversation);
    return true;
  }

  private attach(peer: PeerAddress, to: Endpoint): void {
    this.peer = peer;
    const pinned = this.trust.pinnedKey(contactLabel(peer));
    this.conversation = this.endpointCore.addPeer(to, contactLabel(peer), pinned);
  }

  private attachSession(p: Peer): void {
    // Only the configured peer gets a conversation here; others are let in only when they are it.
    p.session = new ChatSession({
      transport: { send: (d) => this.endpoint.send(d, p.address) },
      clock: this.timers,
      events: {
        ...this.opts.events,
        presence: (state, d) => {
          // Names arrive sealed, after the keys: the known person's name follows what they call themselves.
          if (d.name && p.key) this.trust.rename(p.key, d.name);
          this.opts.events.presence?.(state, d);
        },
      },
      displayName: this.opts.displayName,
      plainMode: this.opts.plainMode,
      config: this.opts.config,
      filter: p,
      secure: this.opts.psk !== undefined,
      neverInClear: p.key !== undefined,
      shownUids: this.opts.shownUids?.(),
    });
    p.session.start();
  }

  private decide(key: Buffer, _from: Address, peer: Peer | undefined): Decision {
    if (peer !== this.conversation) return 'reject'; // only the configured peer's conversation, for now
    const check = this.trust.check(peer.label, key);
    if (check.kind === 'changed') return 'hold';
    // A key already answered for this contact in this session (before it was pinned): another is a change too.
    if (peer.key && !peer.key.equals(key)) return 'hold';
    return 'accept';
  }

  private announcedKey?: Buffer;
  private onSecured(p: Peer): void {
    if (p !== this.conversation || !p.key) return;
    const known = this.trust.person(p.key);
    this.trust.remember(p.key, p.session.remoteName, p.label);
    // Both sides may start a handshake at once, and a restart makes new keys: one announcement per key.
    if (this.announcedKey?.equals(p.key)) return;
    this.announcedKey = p.key;
    this.opts.events.secured?.(safetyNumber(this.identity.publicKey, p.key), { verified: known?.verified === true, firstContact: !known, personId: p.id });
  }

  private readonly keyWarnings = new NoticeLimiter(() => Date.now(), 10 * 60_000);
  /** A key-change warning was shown and not yet resolved. */
  private warned = false;
  private onKeyChanged(p: Peer, key: Buffer): void {
    if (p !== this.conversation) return;
    // The same new key again (it retried, or came back after the known key cleared it): one warning per 10 minutes.
    if (!this.keyWarnings.allow(key.toString('base64'))) return;
    this.warned = true;
    const old = this.trust.pinnedKey(p.label ?? '');
    this.opts.events.keyChanged?.({ newFingerprint: keyFingerprint(key), oldFingerprint: old ? keyFingerprint(old) : '', from: p.held?.from ?? p.address });
  }

  private readonly problemNotices = new NoticeLimiter(() => Date.now());
  private onHandshakeProblem(_at: Address, p: Peer | undefined, kind: 'noAnswer' | 'ownKey' | RejectReason): void {
    if (p !== this.conversation) return;
    // Rejections are unauthenticated: while the peer's keys work, they go to the log only.
    const say = (text: string) => {
      if (this.conversation.authenticatedPeerAlive()) this.opts.events.diagnostic?.(text);
      else if (this.problemNotices.allow(String(kind))) this.opts.events.notice?.('error', text);
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
    const who = from.address === this.conversation.address.address && from.port === this.conversation.address.port ? 'The peer' : `A UDP Chat at ${formatAddress(from.address, from.port)}`;
    const text = version < 2
      ? `${who} runs an older UDP Chat (protocol ${version}). Ask them to update UDP Chat; until then its protocol datagrams are ignored.`
      : `${who} speaks UDP Chat protocol ${version}; this side speaks 2. Update UDP Chat.`;
    // Unauthenticated: while the peer's keys work, a forger must not put alarms on screen.
    if (who === 'The peer' && !this.conversation.authenticatedPeerAlive()) this.opts.events.notice?.('error', text);
    else this.opts.events.diagnostic?.(text);
  }

  private onStranger(from: Address, bytes: number, preview: string, markedVersion?: number): void {
    if (markedVersion !== undefined && from.address === this.conversation.address.address && this.opts.events.peerElsewhere) {
      const key = addressKey(from);
      const now = Date.now();
      if (now - (this.elsewhereAt.get(key) ?? 0) >= 30_000) {
        this.elsewhereAt.set(key, now);
        if (this.elsewhereAt.size > 64) this.elsewhereAt.delete(this.elsewhereAt.keys().next().value as string);
        this.opts.events.peerElsewhere(from);
      }
    }
    this.opts.events.stranger?.(from, bytes, preview);
  }

  /** Moves the chat to another peer on the same socket: bye to the old one, hello to the new one. */
  async changePeer(peer: PeerAddress): Promise<void> {
    // One change at a time, in the order asked: the last one wins, whatever DNS does.
    const run = this.changing.then(async () => {
      const resolved = await resolveHost(peer.host, peer.family);
      if (this.stopped) throw new UdpError('The session ended while the new peer address was being resolved.', 'ESTOPPED');
      if (resolved.family === 6 && this.endpoint.family === 4) {
        throw new UdpError(`${peer.host} is an IPv6 peer, but this session's socket is IPv4 only. End the session and start it again to switch.`, 'EAFNOSUPPORT');
      }
      const old = this.conversation;
      old.session.end('the peer address changed');
      this.endpointCore.removePeer(old);
      this.announcedKey = undefined;
      this.attach(peer, { address: normalizeIp(resolved.address), port: peer.port });
    });
    this.changing = run.catch(() => undefined);
    return run;
  }

  private changing: Promise<void> = Promise.resolve();
  private stopped = false;

  private route(msg: Buffer, source: Endpoint): void {
    const from = { address: normalizeIp(source.address), port: source.port };
    const known = this.endpointCore.peerAt(from);
    if (known === this.conversation) {
      if (!this.peerGuard.admit('peer')) return;
    } else {
      this.strangerDatagrams++;
      // All three must admit: per address:port, per address, and all strangers together.
      if (!this.strangerTotalGuard.admit('*') || !this.strangerHostGuard.admit(from.address) || !this.strangerGuard.admit(`${from.address}:${from.port}`)) return;
    }
    this.endpointCore.receive(msg, from);
  }

  private summarizeDrops(): void {
    const p = this.conversation.address;
    for (const [, n] of this.peerGuard.takeDropped()) this.opts.events.rateLimited?.(`${p.address}:${p.port}`, n, false);
    for (const [src, n] of this.strangerGuard.takeDropped()) this.opts.events.rateLimited?.(src, n, true);
    for (const [src, n] of this.strangerHostGuard.takeDropped()) this.opts.events.rateLimited?.(`${src} (all ports)`, n, true);
    for (const [, n] of this.strangerTotalGuard.takeDropped()) this.opts.events.rateLimited?.('all strangers', n, true);
  }

  /** Ends the session (bye to the peer) and closes the socket. */
  async stop(reason = 'session ended'): Promise<void> {
    this.stopped = true;
    if (this.summaryTimer) clearInterval(this.summaryTimer);
    try { this.session.end(reason); } catch { /* ending must not fail */ }
    this.endpointCore.dispose();
    for (const d of this.disposers.splice(0)) d();
    // Let the bye leave before the socket closes.
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
