// Our messages to one person in the running session: every message gets an id and a uid, is handed
// to the session, or held back here, in order, while the session's offline queue is full (and sent
// before anything newer once the person is back). Tracks statuses and the counters of the summary.
import { MAX_TEXT_BYTES } from '../core/limits';
import type { OutgoingContent, OutStatus } from '../core/session';
import { MessageTooLargeError } from '../core/session';
import type { OwnMessage, SendOptions, SendResult, Summary } from './types';
import { emptySummary } from './types';

/** What sending needs from a chat session (core/session.ts ChatSession has it). */
export interface SendingSession {
  readonly isRunning: boolean;
  send(content: OutgoingContent, localId?: string, opts?: { sentAsText?: boolean; uid?: string }): string;
  retry(localId: string): boolean;
  newUid(): string;
}

export interface OutgoingHooks {
  /** The session that carries this person's messages now (undefined: none running). */
  session(): SendingSession | undefined;
  /** A fresh id for a message that came without one. */
  newId(): string;
  accepted(m: OwnMessage): void;
  status(id: string, status: OutStatus, m: OwnMessage): void;
  sendError(id: string, code: 'EMSGSIZE', message: string): void;
}

/** Statuses that still wait for something (the drain before exit waits for them). */
export function isPending(status: OwnMessage['status']): boolean {
  return status === 'new' || status === 'queued' || status === 'sending' || status === 'textSent';
}

export class Outgoing {
  /** This session's messages that may still change: delivered and unconfirmed ones are forgotten. */
  private readonly own = new Map<string, OwnMessage>();
  /** Accepted messages the session could not take yet; handed over in order before anything newer. */
  private backlog: OwnMessage[] = [];
  /** The ids in `backlog` (a submit looks there only when its id is one: filtering on every submit was O(backlog) per message). */
  private readonly backlogIds = new Set<string>();
  readonly summary: Summary = emptySummary();

  constructor(private readonly hooks: OutgoingHooks) {}

  /** Queued, in flight, or sent as text to a peer that has not answered yet (held back here too). */
  get pending(): number {
    let n = 0;
    for (const m of this.own.values()) if (isPending(m.status)) n++;
    return n;
  }

  get held(): number { return this.backlog.length; }

  failedIds(): string[] {
    return [...this.own.values()].filter((m) => m.status === 'failed').map((m) => m.id);
  }

  get(id: string): OwnMessage | undefined { return this.own.get(id); }

  /** Takes one message: accepted (then handed over or held back), or refused with a reason. */
  submit(content: OutgoingContent, opts: SendOptions = {}): SendResult {
    const session = this.hooks.session();
    if (!session || !session.isRunning) return { ok: false, code: 'ENOTRUNNING', message: 'The session is not running.' };
    const bytes = Buffer.byteLength(content.text, 'utf8');
    // Refused before it is accepted: nobody wants 64 MiB back on their screen.
    if (bytes > MAX_TEXT_BYTES) return { ok: false, code: 'EMSGSIZE', message: new MessageTooLargeError(bytes).message };
    const m: OwnMessage = {
      id: opts.id ?? this.hooks.newId(),
      uid: opts.uid ?? session.newUid(),
      content,
      status: 'new',
      sentAsText: opts.sentAsText === true,
    };
    if (this.backlogIds.delete(m.id)) this.backlog = this.backlog.filter((b) => b.id !== m.id); // the same entry sent again replaces itself
    this.own.set(m.id, m);
    this.summary.sent++;
    this.hooks.accepted(m);
    if (this.backlog.length > 0) this.hold(m);
    else this.handOver(session, m);
    return { ok: true, id: m.id, uid: m.uid, status: m.status };
  }

  /** Resends failed messages (one id, or all). Returns how many went out again. */
  retry(id: string | 'all'): number {
    const session = this.hooks.session();
    if (!session) return 0;
    const ids = id === 'all' ? this.failedIds() : [id];
    let n = 0;
    for (const i of ids) {
      const m = this.own.get(i);
      if (!m || m.status !== 'failed') continue;
      if (session.retry(i)) { this.summary.failed--; n++; }
    }
    return n;
  }

  /** The person came online (or turned out to speak plain text): what was held back goes now. */
  flushBacklog(): void {
    const session = this.hooks.session();
    while (this.backlog.length > 0 && session && session.isRunning) {
      const m = this.backlog.shift()!;
      this.backlogIds.delete(m.id);
      if (!this.handOver(session, m)) {
        // handOver held it again at the end: back to the front, to keep the order.
        this.backlog.unshift(this.backlog.pop()!);
        return;
      }
    }
  }

  /** A status from the session (ids it does not know here are ignored). */
  onStatus(id: string, status: OutStatus): void {
    const m = this.own.get(id);
    if (!m || m.status === status) return; // e.g. the session's 'queued' for a message held here first
    m.status = status;
    if (status === 'delivered') this.summary.delivered++;
    if (status === 'failed') this.summary.failed++;
    if (status === 'unconfirmed') this.summary.unconfirmed++;
    this.hooks.status(id, status, m);
    if (status === 'delivered' || status === 'unconfirmed') this.own.delete(id);
  }

  /** The session ended: what is still pending is counted as undelivered; this session's records go. */
  sessionEnded(): number {
    const undelivered = this.pending;
    this.summary.undelivered += undelivered;
    this.own.clear();
    this.backlog = [];
    this.backlogIds.clear();
    return undelivered;
  }

  private hold(m: OwnMessage): void {
    this.backlog.push(m);
    this.backlogIds.add(m.id);
    this.onStatus(m.id, 'queued');
  }

  /** Gives a message to the session. Returns false when it had to be held back. */
  private handOver(session: SendingSession, m: OwnMessage): boolean {
    try {
      session.send(m.content, m.id, { uid: m.uid, sentAsText: m.sentAsText });
      return true;
    } catch (e) {
      if (e instanceof MessageTooLargeError) {
        this.hooks.sendError(m.id, 'EMSGSIZE', e.message);
        this.onStatus(m.id, 'failed');
        return true;
      }
      if (!session.isRunning) return true;
      // The session's offline queue is full: hold it here, in order, until the person is back.
      this.hold(m);
      return false;
    }
  }
}
