// One chat on one socket: binds, resolves the peer, routes the peer's datagrams to the session
// and everyone else's to the stranger log, with per-source rate limits. Shared by the extension
// and the terminal peer; no `vscode` here.
import type { PeerAddress } from '../core/address';
import { formatAddress, sameEndpoint } from '../core/address';
import { decode } from '../core/codec';
import { readMark } from '../core/firstContact';
import { SecureChannel } from '../core/secure';
import type { SessionConfig, SessionEvents } from '../core/session';
import { ChatSession, systemClock } from '../core/session';
import { DEFAULT_GUARD, SourceGuard, STRANGER_GUARD, STRANGER_HOST_GUARD, STRANGER_TOTAL_GUARD } from '../core/sourceGuard';
import { isIP } from 'node:net';
import type { Endpoint } from './udpEndpoint';
import { resolveHost, UdpEndpoint, UdpError } from './udpEndpoint';

export interface RuntimeEvents extends SessionEvents {
  /** A datagram from an address other than the peer (not shown as the peer's message). */
  stranger?(from: Endpoint, bytes: number, preview: string): void;
  /** Periodic summary of datagrams dropped by rate limits. */
  rateLimited?(from: string, dropped: number, stranger: boolean): void;
  /** A socket error after binding (send failures and the like). */
  socketError?(err: Error): void;
  /** Encrypted session established (or re-established with new keys). */
  secured?(fingerprint: string): void;
  /**
   * A UDP Chat writes from the peer's host but another port (the peer restarted on a new port,
   * for example after "Use Any Free Port"). At most once per 30 s per source.
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
  /** Pre-shared key from the passphrase (derivePsk); with it, the session is encrypted. */
  psk?: Buffer;
  /** Uids of messages already shown (saved history): not shown again if the peer resends them. */
  shownUids?: () => Iterable<string>;
}

export class ChatRuntime {
  session!: ChatSession;
  /** The encryption layer, when a passphrase is set. */
  secure?: SecureChannel;
  peerEndpoint!: Endpoint;
  peer!: PeerAddress;
  private readonly peerGuard = new SourceGuard(DEFAULT_GUARD, () => Date.now());
  private readonly strangerGuard = new SourceGuard(STRANGER_GUARD, () => Date.now());
  private readonly strangerHostGuard = new SourceGuard(STRANGER_HOST_GUARD, () => Date.now());
  private readonly strangerTotalGuard = new SourceGuard(STRANGER_TOTAL_GUARD, () => Date.now());
  private readonly disposers: Array<() => void> = [];
  private summaryTimer?: NodeJS.Timeout;
  strangerDatagrams = 0;
  private readonly elsewhereAt = new Map<string, number>();

  private constructor(readonly endpoint: UdpEndpoint, private readonly opts: RuntimeOptions) {}

  /** Resolves the peer, binds the socket and starts the session; rejects with a UdpError a user can read. */
  static async start(opts: RuntimeOptions): Promise<ChatRuntime> {
    const localFamily = opts.localAddress ? (isIP(opts.localAddress.split('%')[0]) as 0 | 4 | 6) : 0;
    // A hostname resolves in the local address's family when one is set.
    const resolved = await resolveHost(opts.peer.host, opts.peer.family || localFamily);
    if (localFamily && localFamily !== resolved.family) {
      // Refused here, clearly, instead of binding and then failing every send.
      throw new UdpError(`The local address ${opts.localAddress} is IPv${localFamily}, but the peer ${formatAddress(resolved.address, opts.peer.port)} is IPv${resolved.family}: an IPv${localFamily} socket cannot reach it. Use a local address of the same family, or leave the local address empty (all interfaces).`, 'EAFNOSUPPORT');
    }
    const family: 4 | 6 = localFamily || resolved.family;
    const endpoint = await UdpEndpoint.bind({ address: opts.localAddress, port: opts.localPort, family, bufferBytes: 4 * 1024 * 1024 });
    const rt = new ChatRuntime(endpoint, opts);
    rt.disposers.push(endpoint.onDatagram((msg, from) => rt.route(msg, from)));
    rt.disposers.push(endpoint.onError((err) => opts.events.socketError?.(err)));
    rt.summaryTimer = setInterval(() => rt.summarizeDrops(), 5000);
    rt.summaryTimer.unref();
    rt.attach(opts.peer, { address: resolved.address, port: opts.peer.port });
    return rt;
  }

  get local(): Endpoint { return this.endpoint.local; }
  get localText(): string { const l = this.local; return formatAddress(l.address, l.port); }

  private attach(peer: PeerAddress, to: Endpoint): void {
    this.peer = peer;
    this.peerEndpoint = to;
    let session: ChatSession | undefined;
    this.secure?.dispose();
    this.secure = this.opts.psk
      ? new SecureChannel(this.opts.psk, () => session?.senderId ?? 0, systemClock, {
        ready: (fp) => { this.opts.events.secured?.(fp); session?.kick(); },
        notice: (level, text) => this.opts.events.notice?.(level, text),
        diagnostic: (text) => this.opts.events.diagnostic?.(text),
        // Handshakes are binary: only to a peer that has shown our protocol (the session knows).
        send: (d) => { if (session?.speaksProtocol) this.endpoint.send(d, to); },
      })
      : undefined;
    session = new ChatSession({
      transport: { send: (d) => this.endpoint.send(d, to) },
      clock: systemClock,
      events: this.opts.events,
      displayName: this.opts.displayName,
      plainMode: this.opts.plainMode,
      config: this.opts.config,
      filter: this.secure,
      secure: this.secure !== undefined,
      shownUids: this.opts.shownUids?.(),
    });
    this.session = session;
    session.start();
  }

  /** Moves the chat to another peer on the same socket: bye to the old one, hello to the new one. */
  async changePeer(peer: PeerAddress): Promise<void> {
    // One change at a time, in the order asked: the last one wins, whatever DNS does.
    const run = this.changing.then(async () => {
      const resolved = await resolveHost(peer.host, peer.family);
      if (this.stopped) throw new UdpError('The session ended while the new peer address was being resolved.', 'ESTOPPED');
      if (resolved.family === 6 && this.endpoint.family === 4) {
        throw new UdpError(`${peer.host} is an IPv6 peer, but this session's socket is IPv4. End the session and start it again to switch.`, 'EAFNOSUPPORT');
      }
      this.session.end('the peer address changed');
      this.attach(peer, { address: resolved.address, port: peer.port });
    });
    this.changing = run.catch(() => undefined);
    return run;
  }

  private changing: Promise<void> = Promise.resolve();
  private stopped = false;

  private route(msg: Buffer, from: Endpoint): void {
    if (sameEndpoint(from, this.peerEndpoint)) {
      // One source only (the peer): a constant key, no string built per datagram.
      if (!this.peerGuard.admit('peer')) return;
      this.session.receive(msg);
      return;
    }
    this.strangerDatagrams++;
    // All three must admit: per address:port, per address, and all strangers together.
    if (!this.strangerTotalGuard.admit('*') || !this.strangerHostGuard.admit(from.address) || !this.strangerGuard.admit(`${from.address}:${from.port}`)) return;
    if (from.address === this.peerEndpoint.address && this.opts.events.peerElsewhere && speaksUdpChat(msg)) {
      const key = `${from.address}|${from.port}`;
      const now = Date.now();
      if (now - (this.elsewhereAt.get(key) ?? 0) >= 30_000) {
        this.elsewhereAt.set(key, now);
        if (this.elsewhereAt.size > 64) this.elsewhereAt.delete(this.elsewhereAt.keys().next().value as string);
        this.opts.events.peerElsewhere(from);
      }
    }
    const preview = new TextDecoder('utf-8', { fatal: false }).decode(msg.subarray(0, 80)).replace(/[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069]/g, '·');
    this.opts.events.stranger?.(from, msg.length, preview);
  }

  private summarizeDrops(): void {
    for (const [, n] of this.peerGuard.takeDropped()) this.opts.events.rateLimited?.(`${this.peerEndpoint.address}:${this.peerEndpoint.port}`, n, false);
    for (const [src, n] of this.strangerGuard.takeDropped()) this.opts.events.rateLimited?.(src, n, true);
    for (const [src, n] of this.strangerHostGuard.takeDropped()) this.opts.events.rateLimited?.(`${src} (all ports)`, n, true);
    for (const [, n] of this.strangerTotalGuard.takeDropped()) this.opts.events.rateLimited?.('all strangers', n, true);
  }

  /** Ends the session (bye to the peer) and closes the socket. */
  async stop(reason = 'session ended'): Promise<void> {
    this.stopped = true;
    if (this.summaryTimer) clearInterval(this.summaryTimer);
    try { this.session.end(reason); } catch { /* ending must not fail */ }
    this.secure?.dispose();
    for (const d of this.disposers.splice(0)) d();
    // Let the bye leave before the socket closes.
    await new Promise((r) => setImmediate(r));
    await this.endpoint.close();
  }
}

/** A datagram of our protocol, or first-contact text with our mark (PROTOCOL.md §8.1). */
function speaksUdpChat(msg: Buffer): boolean {
  const d = decode(msg);
  if (d.kind === 'packet' || d.kind === 'version') return true;
  return d.kind === 'plain' && msg.length <= 1024 && readMark(msg.toString('utf8').replace(/\r?\n$/, '')) !== undefined;
}
