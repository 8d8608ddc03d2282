// The terminal peer's side of the chat service (src/service): the interactive and the JSON front
// ends show what the service reports through a CliView. The chat logic itself (message ids,
// statuses, the backlog while the offline queue is full, draining before exit, the summary) lives
// in the service, shared with the extension.
import { formatAddress } from '../core/address';
import type { IncomingMessage, OutStatus, Presence } from '../core/session';
import type { ChatRuntime } from '../net/chatRuntime';
import { ChatService } from '../service/chatService';
import type { FinalStats, Summary } from '../service/types';
import type { CliOptions } from './args';

export type { FinalStats, Summary } from '../service/types';

export interface ReadyInfo { local: string; peer: string; name: string; plain: boolean }

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
  /** The peer's address answered with another key than the one remembered: it gets nothing until acceptKey(). */
  keyChanged?(change: { oldKey: string; newKey: string; from: string }): void;
  stranger?(from: string, bytes: number, preview: string): void;
  /** A message could not be taken (too large); `id` is set when it had been accepted. */
  error?(code: string, message: string, id?: string): void;
  ended?(reason: string, summary: Summary, stats: FinalStats): void;
}

export class CliChat {
  readonly service = new ChatService();
  private ending?: Promise<void>;

  constructor(private readonly options: CliOptions, private readonly view: CliView) {
    const v = view;
    this.service.on({
      accepted: (_p, m) => v.accepted?.(m.id, m.content.text),
      status: (_p, id, status, m) => v.status?.(id, status, m.content.text),
      sendError: (_p, id, code, message) => v.error?.(code, message, id),
      message: (_p, m) => v.message?.(this.peerName(), m),
      presence: (_p, presence, d) => v.presence?.(presence, { ...d, name: d.name || this.peerName() }),
      plainPeer: (_p, plain) => v.plainPeer?.(plain),
      notice: (level, text) => v.notice?.(level, text),
      secured: (_p, fp, info) => v.secured?.(fp, info),
      keyChanged: (_p, c) => v.keyChanged?.({ oldKey: c.oldFingerprint, newKey: c.newFingerprint, from: formatAddress(c.from.address, c.from.port) }),
      keyChangeCleared: () => v.notice?.('info', 'The peer answered with its remembered key again: the other key was someone else. The conversation goes on.'),
      roamed: (_p, to) => v.notice?.('info', `The peer now writes from ${formatAddress(to.address, to.port)} (same key, same conversation).`),
      stranger: (from, bytes, preview) => v.stranger?.(formatAddress(from.address, from.port), bytes, preview),
      rateLimited: (from, dropped, stranger) => v.notice?.('warning', `Dropped ${dropped} datagrams from ${stranger ? 'stranger ' : 'the peer at '}${from} (rate limit).`),
      socketError: (err) => v.notice?.('warning', `Socket: ${err.message}`),
      ended: (i) => v.ended?.(i.reason, i.summary, i.stats),
    });
  }

  /** Resolves the peer, binds and starts; rejects with a UdpError (code + readable message). */
  async start(): Promise<ReadyInfo> {
    const o = this.options;
    await this.service.start({
      localAddress: o.localAddress,
      localPort: o.localPort,
      peer: o.peer!,
      displayName: o.displayName,
      plainMode: o.plain,
      psk: o.psk,
      identity: o.identity,
      trust: o.trust,
    });
    const info: ReadyInfo = { local: this.service.localText, peer: this.service.peer?.address ?? '', name: o.displayName, plain: o.plain };
    this.view.ready?.(info);
    return info;
  }

  get runtime(): ChatRuntime | undefined { return this.service.runtime; }
  /** The configured peer's session (with --peer). */
  get session() { return this.runtime!.contact!.session; }
  get isEnding(): boolean { return this.ending !== undefined; }
  get summary(): Summary { return this.service.summary(); }

  /** What the peer calls itself now, or its address. */
  peerName(): string {
    const rt = this.runtime;
    const c = rt?.contact;
    if (c?.session.remoteName) return c.session.remoteName;
    return c ? formatAddress(c.address.address, c.address.port) : 'peer';
  }

  /** Queued, in flight, or sent as text to a peer that has not answered yet (including lines held back). */
  get pending(): number { return this.service.pending(); }

  failedIds(): string[] { return this.service.failedIds(); }

  /** Takes one message; returns its id, or undefined when the session is over or it is too large. */
  submit(text: string): string | undefined {
    const who = this.service.peer;
    if (!who) return undefined;
    const r = this.service.send(who.id, { text });
    if (r.ok) return r.id;
    if (r.code === 'EMSGSIZE') this.view.error?.('EMSGSIZE', r.message);
    return undefined;
  }

  /** Accepts the peer's changed key (after a warning). False when no change is waiting. */
  acceptKey(): boolean { const p = this.service.peer; return p ? this.service.acceptKey(p.id) : false; }
  /** Refuses the peer's changed key (after a warning); the remembered key may go on. */
  rejectKey(): boolean { const p = this.service.peer; return p ? this.service.rejectKey(p.id) : false; }

  /** Marks the peer's current key as verified (the safety numbers matched). */
  verify(): boolean { const p = this.service.peer; return p ? this.service.verify(p.id, true) : false; }

  /** Resends failed messages (one id, or all). Returns how many went out again. */
  retry(id: string | 'all'): number {
    const p = this.service.peer;
    return p ? this.service.retry(p.id, id) : 0;
  }

  /**
   * Ends the session. With `drain`, first waits while messages are pending and still making
   * progress (see ChatService.stop). Idempotent; a second call with drain=false cuts the wait short.
   */
  finish(reason: string, drain: boolean, onWait?: (pending: number) => void): Promise<void> {
    if (this.ending) { if (!drain && this.service.stopping) void this.service.stop(reason); return this.ending; }
    if (!this.service.running) {
      this.ending = Promise.resolve().then(() => this.view.ended?.(reason, { ...this.summary, undelivered: this.pending }, { rto: 0, srtt: null }));
      return this.ending;
    }
    this.ending = this.service.stop(reason, { drain, onWait }).then(() => undefined);
    return this.ending;
  }
}
