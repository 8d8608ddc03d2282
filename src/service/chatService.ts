// The chat service: people, conversations and sending, for the extension and the terminal peer
// alike. It owns the driver (src/net/chatRuntime.ts: one socket, the v2 endpoint, identity and
// trust), keeps a view of every person up to date from the driver's events, keys conversations by
// person, and reports through one listener interface (types.ts). No `vscode` here.
import type { PeerAddress } from '../core/address';
import { formatAddress } from '../core/address';
import { personId as keyPersonId } from '../core/identity';
import type { IncomingMessage, OutgoingContent } from '../core/session';
import type { RuntimeEvents, RuntimeOptions } from '../net/chatRuntime';
import { ChatRuntime, contactLabel } from '../net/chatRuntime';
import type { Endpoint } from '../net/udpEndpoint';
import type { Conversation } from './conversations';
import { Conversations } from './conversations';
import { endedPerson, newPerson, People } from './people';
import type { ChatServiceOptions, ServiceRuntime } from './runtime';
import type { ChatServiceListener, EndInfo, FinalStats, OwnMessage, Person, SendOptions, SendResult, ServiceStartOptions, StopOptions, Summary } from './types';
import { addressPersonId, emptySummary } from './types';

export type { ChatServiceOptions, ServiceRuntime, ServiceSession } from './runtime';

export class ChatService<R extends ServiceRuntime = ChatRuntime> {
  private readonly listeners = new Set<ChatServiceListener>();
  private readonly peopleBook = new People();
  private readonly conversations: Conversations;
  private readonly startRuntime: (opts: RuntimeOptions) => Promise<R>;
  private readonly now: () => number;
  private rt?: R;
  /** The person the driver's one session talks to (the configured peer). */
  private currentId?: string;
  private nextId = 0;
  private lastProgress = 0;
  private ending?: Promise<EndInfo>;
  private stopNow?: () => void;
  private startingUp = false;

  constructor(opts: ChatServiceOptions<R> = {}) {
    this.startRuntime = opts.startRuntime ?? ((o) => ChatRuntime.start(o) as unknown as Promise<R>);
    this.now = opts.now ?? Date.now;
    this.conversations = new Conversations({
      session: (id) => (this.rt && id === this.currentId ? this.rt.session : undefined),
      newId: () => `m${++this.nextId}`,
      accepted: (id, m) => this.emit((l) => l.accepted?.(id, m)),
      status: (id, msgId, s, m) => this.emit((l) => l.status?.(id, msgId, s, m)),
      sendError: (id, msgId, code, message) => this.emit((l) => l.sendError?.(id, msgId, code, message)),
    });
  }

  /** Adds a listener; returns what removes it. */
  on(listener: ChatServiceListener): () => void {
    this.listeners.add(listener);
    return () => { this.listeners.delete(listener); };
  }

  // ------------------------------------------------------------------ lifecycle

  /** The driver while a session runs (until stop() lets it go). */
  get runtime(): R | undefined { return this.rt; }
  get running(): boolean { return this.rt !== undefined; }
  /** stop() is under way (draining, or closing the socket). */
  get stopping(): boolean { return this.ending !== undefined; }
  get local(): Endpoint | undefined { return this.rt?.local; }
  get localText(): string { return this.rt?.localText ?? ''; }
  /** The configured peer's address, as given (host as written). */
  get peerAddress(): PeerAddress | undefined { return this.rt?.peer; }
  /** Where the configured peer is now (resolved; follows roaming). */
  get peerEndpoint(): Endpoint | undefined { return this.rt?.peerEndpoint; }

  /** Resolves the peer, binds and starts; rejects with the driver's UdpError (code + readable message). */
  async start(o: ServiceStartOptions): Promise<Person> {
    if (this.ending) await this.ending.catch(() => undefined); // the socket of the last session is closing
    if (this.rt || this.startingUp) throw new Error('The chat service is already running.');
    this.startingUp = true;
    let rt: R;
    try {
      rt = await this.startRuntime({ ...o, events: this.runtimeEvents() });
    } finally {
      this.startingUp = false;
    }
    this.rt = rt;
    this.lastProgress = this.now();
    return this.attach(rt);
  }

  /** Moves the chat to another peer on the same socket; the person there is a new person. */
  async changePeer(peer: PeerAddress): Promise<Person | undefined> {
    const rt = this.rt;
    if (!rt) throw new Error('The chat service is not running.');
    const before = this.currentId;
    await rt.changePeer(peer);
    if (this.rt !== rt) return undefined; // stopped meanwhile
    // The old session ended: what it had pending stays with the front end (and counts as undelivered).
    if (before !== undefined) this.conversations.get(before)?.outgoing.sessionEnded();
    return this.attach(rt);
  }

  /**
   * Ends the session (bye to the person) and closes the socket; with `drain`, after pending messages
   * had their chance. Idempotent while under way; a call without drain cuts a drain short. Without
   * drain, `runtime` is undefined as soon as this returns.
   */
  stop(reason = 'session ended', opts: StopOptions = {}): Promise<EndInfo> {
    if (this.ending) { if (!opts.drain) this.stopNow?.(); return this.ending; }
    const rt = this.rt;
    if (!rt) return Promise.resolve({ reason, summary: this.summary(), stats: { rto: 0, srtt: null } });
    this.ending = (async () => {
      if (opts.drain) await this.drain(rt, opts.onWait);
      const s = rt.session;
      const stats: FinalStats = { ...s.stats, rto: Math.round(s.rto), srtt: s.srtt === undefined ? null : Math.round(s.srtt * 10) / 10 };
      for (const c of this.conversations.all()) c.outgoing.sessionEnded();
      this.rt = undefined;
      const id = this.currentId;
      const p = id === undefined ? undefined : this.peopleBook.get(id);
      if (p) this.changed(this.peopleBook.update(endedPerson(p)));
      await rt.stop(reason);
      const info: EndInfo = { reason, summary: this.summary(), stats };
      this.emit((l) => l.ended?.(info));
      return info;
    })().finally(() => { this.ending = undefined; this.stopNow = undefined; });
    return this.ending;
  }

  private drain(rt: R, onWait?: (pending: number) => void): Promise<void> {
    const idleLimit = rt.session.config.retryBudgetMs + 2000;
    if (this.pending() > 0) onWait?.(this.pending());
    return new Promise<void>((resolve) => {
      this.stopNow = resolve;
      const check = () => {
        if (this.pending() === 0 || this.now() - this.lastProgress > idleLimit || !rt.session.isRunning) { resolve(); return; }
        setTimeout(check, 50);
      };
      this.lastProgress = this.now();
      check();
    });
  }

  // ------------------------------------------------------------------ people

  // Reading people reads the driver first: a change it made without an event (keys confirmed after
  // a re-handshake, a name said in a hello) shows at once, and is reported as personChanged.
  people(): Person[] { this.refresh(); return this.peopleBook.list(); }
  person(id: string): Person | undefined { this.refresh(); return this.peopleBook.get(id); }
  /** The configured peer (today the one person the session talks to), also after the session ended. */
  get peer(): Person | undefined {
    this.refresh();
    return this.currentId === undefined ? undefined : this.peopleBook.get(this.currentId);
  }

  /** The user compared the safety number: remember the person's key as verified (or not). */
  verify(personId: string, verified = true): boolean {
    if (!this.rt || personId !== this.currentId) return false;
    const ok = this.rt.setVerified(verified);
    this.refresh();
    return ok;
  }

  /** The user accepted the person's new key: it is pinned and the session talks again. */
  acceptKey(personId: string): boolean {
    if (!this.rt || personId !== this.currentId) return false;
    const ok = this.rt.acceptKeyChange();
    this.refresh();
    return ok;
  }

  /** The user refused the person's new key: it stays refused; the remembered key may talk again. */
  rejectKey(personId: string): boolean {
    if (!this.rt || personId !== this.currentId) return false;
    const ok = this.rt.rejectKeyChange();
    this.refresh();
    return ok;
  }

  setDisplayName(name: string): void { this.rt?.session.setDisplayName(name); }

  // ------------------------------------------------------------------ sending

  /** Takes one message for a person; see SendResult. Status events follow. */
  send(personId: string, content: OutgoingContent, opts?: SendOptions): SendResult {
    if (!this.rt) return { ok: false, code: 'ENOTRUNNING', message: 'The session is not running.' };
    if (personId !== this.currentId) return { ok: false, code: 'ENOPERSON', message: `Not chatting with ${personId} now.` };
    return this.conversations.with(personId).outgoing.submit(content, opts);
  }

  /** Resends failed messages of a person (one id, or all). Returns how many went out again. */
  retry(personId: string, id: string | 'all'): number {
    return this.conversations.get(personId)?.outgoing.retry(id) ?? 0;
  }

  /** One of our messages in this session (until it is delivered or unconfirmed). */
  message(personId: string, id: string): OwnMessage | undefined { return this.conversations.get(personId)?.outgoing.get(id); }

  /** Messages still pending (of one person, or all). */
  pending(personId?: string): number {
    if (personId !== undefined) return this.conversations.get(personId)?.outgoing.pending ?? 0;
    return this.conversations.all().reduce((n, c) => n + c.outgoing.pending, 0);
  }

  failedIds(personId?: string): string[] {
    const cs = personId !== undefined ? [this.conversations.get(personId)].filter((c): c is Conversation => c !== undefined) : this.conversations.all();
    return cs.flatMap((c) => c.outgoing.failedIds());
  }

  /** Counters of one person's conversation, or of all of them. */
  summary(personId?: string): Summary {
    if (personId === undefined) return this.conversations.total();
    return { ...(this.conversations.get(personId)?.summary ?? emptySummary()) };
  }

  // ------------------------------------------------------------------ the driver's events

  private emit(f: (l: ChatServiceListener) => void): void {
    for (const l of [...this.listeners]) f(l);
  }

  /** The configured peer's person: a fresh view (the key's id when a key is pinned for the contact). */
  private attach(rt: R): Person {
    const pinned = rt.trust.pinnedKey(contactLabel(rt.peer));
    const address = formatAddress(rt.peerEndpoint.address, rt.peerEndpoint.port);
    const id = pinned ? keyPersonId(pinned) : addressPersonId(address);
    // Today the service chats with the configured peer only: the one before leaves the list.
    if (this.currentId !== undefined && this.currentId !== id) this.peopleBook.remove(this.currentId);
    this.currentId = id;
    this.conversations.with(id);
    const person = this.peopleBook.add(newPerson(id, address));
    this.emit((l) => l.personChanged?.(person));
    return this.refresh() ?? person;
  }

  /** Reads the configured peer's state from the driver; reports a change. `keyId`: their key's id, now known. */
  private refresh(keyId?: string): Person | undefined {
    const rt = this.rt;
    const id = this.currentId;
    if (!rt || id === undefined) return undefined;
    const s = rt.session;
    const nextId = keyId && keyId !== id ? keyId : id;
    if (nextId !== id) {
      this.conversations.move(id, nextId);
      this.currentId = nextId;
    }
    const u = this.peopleBook.update({
      id: nextId, name: s.remoteName, address: formatAddress(rt.peerEndpoint.address, rt.peerEndpoint.port),
      presence: s.presence, plain: s.plainPeer, encrypted: rt.encrypted, safetyNumber: rt.safetyNumber,
      verified: rt.peerVerified, keyChangePending: rt.keyChangePending,
    }, id);
    this.changed(u);
    return u.person;
  }

  private changed(u: { person: Person; previousId?: string; changed: boolean }): void {
    if (u.changed) this.emit((l) => l.personChanged?.(u.person, u.previousId));
  }

  private current(): Conversation | undefined {
    return this.currentId === undefined ? undefined : this.conversations.get(this.currentId);
  }

  private flushBacklog(): void { this.current()?.outgoing.flushBacklog(); }

  /** Events from the driver before the first person is attached (during start) carry no person. */
  private withPerson(f: (p: Person) => void, keyId?: string): void {
    const p = this.refresh(keyId);
    if (p) f(p);
  }

  private runtimeEvents(): RuntimeEvents {
    return {
      message: (m: IncomingMessage) => {
        const c = this.current();
        if (c) c.summary.received++;
        this.withPerson((p) => this.emit((l) => l.message?.(p, m)));
      },
      status: (id, status) => {
        this.lastProgress = this.now();
        this.current()?.outgoing.onStatus(id, status);
      },
      presence: (presence, detail) => {
        this.withPerson((p) => this.emit((l) => l.presence?.(p, presence, detail)));
        // After the session has flushed its own queue (it does so right after this event).
        if (presence === 'online') queueMicrotask(() => this.flushBacklog());
      },
      plainPeer: (plain) => {
        this.withPerson((p) => this.emit((l) => l.plainPeer?.(p, plain)));
        if (plain) queueMicrotask(() => this.flushBacklog());
      },
      notice: (level, text) => this.emit((l) => l.notice?.(level, text)),
      diagnostic: (text) => this.emit((l) => l.diagnostic?.(text)),
      stranger: (from, bytes, preview) => this.emit((l) => l.stranger?.(from, bytes, preview)),
      rateLimited: (from, dropped, stranger) => this.emit((l) => l.rateLimited?.(from, dropped, stranger)),
      socketError: (err) => this.emit((l) => l.socketError?.(err)),
      secured: (sn, info) => this.withPerson((p) => this.emit((l) => l.secured?.(p, sn, info)), info.personId),
      keyChanged: (change) => this.withPerson((p) => this.emit((l) => l.keyChanged?.(p, change))),
      keyChangeCleared: () => this.withPerson((p) => this.emit((l) => l.keyChangeCleared?.(p))),
      roamed: (to) => this.withPerson((p) => this.emit((l) => l.roamed?.(p, to))),
      peerElsewhere: (from) => this.withPerson((p) => this.emit((l) => l.peerElsewhere?.(p, from))),
    };
  }
}
