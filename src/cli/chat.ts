// The terminal peer's chat controller, shared by the interactive and the JSON front ends: starts the
// runtime, gives every outgoing line an id, holds lines the session cannot take yet (offline queue
// full) in order, tracks delivery, and ends the session after pending messages had their chance.
import { formatAddress } from '../core/address';
import type { IncomingMessage, OutStatus, Presence, SessionStats } from '../core/session';
import { MAX_TEXT_BYTES } from '../core/limits';
import { MessageTooLargeError } from '../core/session';
import { ChatRuntime } from '../net/chatRuntime';
import type { CliOptions } from './args';

export interface ReadyInfo { local: string; peer: string; name: string; plain: boolean }

export interface Summary {
  sent: number;
  delivered: number;
  failed: number;
  unconfirmed: number;
  /** Still queued or in flight when the session ended. */
  undelivered: number;
  received: number;
}

/** Session counters at the end (empty when the session never started), plus the RTO and SRTT in ms. */
export type FinalStats = Partial<SessionStats> & { rto: number; srtt: number | null };

/** What a front end shows. Every method is optional so a front end can ignore what it does not show. */
export interface CliView {
  ready?(info: ReadyInfo): void;
  accepted?(id: string, text: string): void;
  status?(id: string, status: OutStatus, text: string): void;
  message?(from: string, m: IncomingMessage): void;
  presence?(presence: Presence, detail: { name: string; plain: boolean; reason: string }): void;
  plainPeer?(plain: boolean): void;
  notice?(level: 'info' | 'warning' | 'error', text: string): void;
  /** The encrypted session is established; both sides show the same fingerprint (safety number). */
  secured?(fingerprint: string, info: { verified: boolean; firstContact: boolean; personId: string }): void;
  /** The peer answered with another key than the one remembered: nothing flows until acceptKey(). */
  keyChanged?(change: { oldKey: string; newKey: string; from: string }): void;
  stranger?(from: string, bytes: number, preview: string): void;
  /** A message could not be taken (too large); `id` is set when it had been accepted. */
  error?(code: string, message: string, id?: string): void;
  ended?(reason: string, summary: Summary, stats: FinalStats): void;
}

interface Own { id: string; text: string; status: OutStatus | 'new' }

export class CliChat {
  runtime?: ChatRuntime;
  private readonly own = new Map<string, Own>();
  /** Accepted lines the session could not take yet; sent in order before anything newer. */
  private backlog: Own[] = [];
  private nextId = 0;
  private lastProgress = Date.now();
  private ending?: Promise<void>;
  private stopNow?: () => void;
  readonly summary: Summary = { sent: 0, delivered: 0, failed: 0, unconfirmed: 0, undelivered: 0, received: 0 };

  constructor(private readonly options: CliOptions, private readonly view: CliView) {}

  /** Resolves the peer, binds and starts; rejects with a UdpError (code + readable message). */
  async start(): Promise<ReadyInfo> {
    const o = this.options;
    const v = this.view;
    this.runtime = await ChatRuntime.start({
      localAddress: o.localAddress,
      localPort: o.localPort,
      peer: o.peer!,
      displayName: o.displayName,
      plainMode: o.plain,
      psk: o.psk,
      identity: o.identity,
      trust: o.trust,
      events: {
        secured: (fp, info) => v.secured?.(fp, info),
        keyChanged: (c) => v.keyChanged?.({ oldKey: c.oldFingerprint, newKey: c.newFingerprint, from: formatAddress(c.from.address, c.from.port) }),
        roamed: (to) => v.notice?.('info', `The peer now writes from ${formatAddress(to.address, to.port)} (same key, same conversation).`),
        message: (m) => { this.summary.received++; v.message?.(this.peerName(), m); },
        status: (id, s) => this.onStatus(id, s),
        presence: (p, d) => {
          v.presence?.(p, { ...d, name: d.name || this.peerName() });
          // After the session has flushed its own queue (it does so right after this event).
          if (p === 'online') queueMicrotask(() => this.flushBacklog());
        },
        plainPeer: (plain) => { v.plainPeer?.(plain); if (plain) queueMicrotask(() => this.flushBacklog()); },
        notice: (level, text) => v.notice?.(level, text),
        stranger: (from, bytes, preview) => v.stranger?.(formatAddress(from.address, from.port), bytes, preview),
        rateLimited: (from, dropped, stranger) => v.notice?.('warning', `Dropped ${dropped} datagrams from ${stranger ? 'stranger ' : 'the peer at '}${from} (rate limit).`),
        socketError: (err) => v.notice?.('warning', `Socket: ${err.message}`),
      },
    });
    const rt = this.runtime;
    const info: ReadyInfo = {
      local: rt.localText,
      peer: formatAddress(rt.peerEndpoint.address, rt.peerEndpoint.port),
      name: o.displayName,
      plain: o.plain,
    };
    v.ready?.(info);
    return info;
  }

  get session() { return this.runtime!.session; }
  get isEnding(): boolean { return this.ending !== undefined; }

  peerName(): string {
    const s = this.runtime?.session;
    if (s?.remoteName) return s.remoteName;
    return this.runtime ? formatAddress(this.runtime.peerEndpoint.address, this.runtime.peerEndpoint.port) : 'peer';
  }

  /** Queued, in flight, or sent as text to a peer that has not answered yet (including lines held back here). */
  get pending(): number {
    let n = 0;
    for (const m of this.own.values()) if (m.status === 'new' || m.status === 'queued' || m.status === 'sending' || m.status === 'textSent') n++;
    return n;
  }

  failedIds(): string[] {
    return [...this.own.values()].filter((m) => m.status === 'failed').map((m) => m.id);
  }

  /** Takes one message; returns its id, or undefined when the session is over. */
  submit(text: string): string | undefined {
    if (!this.runtime || !this.session.isRunning) return undefined;
    const bytes = Buffer.byteLength(text, 'utf8');
    if (bytes > MAX_TEXT_BYTES) {
      // Refused before it is accepted or echoed: nobody wants 64 MiB back on their screen.
      this.view.error?.('EMSGSIZE', new MessageTooLargeError(bytes).message);
      return undefined;
    }
    const m: Own = { id: `m${++this.nextId}`, text, status: 'new' };
    this.own.set(m.id, m);
    this.summary.sent++;
    this.view.accepted?.(m.id, text);
    if (this.backlog.length > 0) { this.hold(m); return m.id; }
    this.handOver(m);
    return m.id;
  }

  /** Accepts the peer's changed key (after a warning). False when no change is waiting. */
  acceptKey(): boolean { return this.runtime?.acceptKeyChange() ?? false; }

  /** Marks the peer's current key as verified (the safety numbers matched). */
  verify(): boolean { return this.runtime?.setVerified(true) ?? false; }

  /** Resends failed messages (one id, or all). Returns how many went out again. */
  retry(id: string | 'all'): number {
    const ids = id === 'all' ? this.failedIds() : [id];
    let n = 0;
    for (const i of ids) {
      const m = this.own.get(i);
      if (!m || m.status !== 'failed') continue;
      if (this.session.retry(i)) { this.summary.failed--; n++; }
    }
    return n;
  }

  private hold(m: Own): void {
    this.backlog.push(m);
    this.onStatus(m.id, 'queued');
  }

  /** Gives a message to the session. Returns false when it had to be held back. */
  private handOver(m: Own): boolean {
    try {
      this.session.send({ text: m.text }, m.id);
      return true;
    } catch (e) {
      if (e instanceof MessageTooLargeError) {
        this.view.error?.('EMSGSIZE', e.message, m.id);
        this.onStatus(m.id, 'failed');
        return true;
      }
      if (!this.session.isRunning) return true;
      // The session's offline queue is full: hold it here, in order, until the peer comes online.
      this.hold(m);
      return false;
    }
  }

  private flushBacklog(): void {
    while (this.backlog.length > 0 && this.runtime && this.session.isRunning) {
      const m = this.backlog.shift()!;
      if (!this.handOver(m)) {
        // handOver held it again at the end: move it back to the front to keep the order.
        this.backlog.unshift(this.backlog.pop()!);
        return;
      }
    }
  }

  private onStatus(id: string, status: OutStatus): void {
    this.lastProgress = Date.now();
    const m = this.own.get(id);
    if (!m || m.status === status) return; // e.g. the session's 'queued' for a line held here first
    m.status = status;
    if (status === 'delivered') this.summary.delivered++;
    if (status === 'failed') this.summary.failed++;
    if (status === 'unconfirmed') this.summary.unconfirmed++;
    this.view.status?.(id, status, m.text);
    if (status === 'delivered' || status === 'unconfirmed') this.own.delete(id);
  }

  /**
   * Ends the session. With `drain`, first waits while messages are pending and still making
   * progress: until none is pending, or nothing changed for the retry budget + 2 s.
   * Idempotent; a second call with drain=false cuts the wait short.
   */
  finish(reason: string, drain: boolean, onWait?: (pending: number) => void): Promise<void> {
    if (this.ending) { if (!drain) this.stopNow?.(); return this.ending; }
    this.ending = (async () => {
      if (drain && this.runtime) {
        const idleLimit = this.session.config.retryBudgetMs + 2000;
        if (this.pending > 0) onWait?.(this.pending);
        await new Promise<void>((resolve) => {
          this.stopNow = resolve;
          const check = () => {
            if (this.pending === 0 || Date.now() - this.lastProgress > idleLimit || !this.session.isRunning) { resolve(); return; }
            setTimeout(check, 50);
          };
          this.lastProgress = Date.now();
          check();
        });
      }
      this.summary.undelivered = this.pending;
      let stats: FinalStats = { rto: 0, srtt: null };
      if (this.runtime) {
        const s = this.session;
        stats = { ...s.stats, rto: Math.round(s.rto), srtt: s.srtt === undefined ? null : Math.round(s.srtt * 10) / 10 };
        await this.runtime.stop(reason);
      }
      this.view.ended?.(reason, this.summary, stats);
    })();
    return this.ending;
  }
}
