// The chat service: people, conversations, groups and sending, for the extension and the terminal
// peer alike. It owns the driver (src/net/chatRuntime.ts: one socket, the v2 endpoint, identity,
// trust, blocks), LAN discovery (lanPeople.ts) and the groups (groupChats.ts); keeps a view of
// every person up to date from the driver's events, keys conversations by person, and reports
// through one listener interface (types.ts). No `vscode` here.
import type { PeerAddress } from '../core/address';
import { formatAddress } from '../core/address';
import { hasGroupMeta } from '../core/groupEnvelope';
import { personId as keyPersonId } from '../core/identity';
import type { IncomingMessage, OutgoingContent } from '../core/session';
import type { Peer } from '../core/peer';
import type { RuntimeEvents, RuntimeOptions } from '../net/chatRuntime';
import { ChatRuntime, contactLabel } from '../net/chatRuntime';
import type { Endpoint } from '../net/udpEndpoint';
import type { Conversation } from './conversations';
import { Conversations } from './conversations';
import { GroupChats, GroupError } from './groupChats';
import { LanPeople, reachableAddress } from './lanPeople';
import type { DiscoveredPeer } from '../net/discovery';
import { endedPerson, newPerson, People } from './people';
import type { ChatServiceOptions, RuntimePeer, ServiceRuntime } from './runtime';
import type { ChatServiceListener, EndInfo, FinalStats, GroupDelivery, GroupInfo, GroupSendResult, OwnMessage, Person, SendOptions, SendResult, ServiceStartOptions, StopOptions, Summary } from './types';
import { addressPersonId, emptySummary } from './types';

export type { ChatServiceOptions, RuntimePeer, ServiceRuntime, ServiceSession } from './runtime';
export { GroupError } from './groupChats';

export class ChatService<R extends ServiceRuntime = ChatRuntime> {
  private readonly listeners = new Set<ChatServiceListener>();
  private readonly peopleBook = new People();
  private readonly conversations: Conversations;
  private readonly startRuntime: (opts: RuntimeOptions) => Promise<R>;
  private readonly now: () => number;
  private rt?: R;
  /** Person id of each conversation of the driver, and back. */
  private readonly ids = new Map<RuntimePeer, string>();
  private readonly byId = new Map<string, RuntimePeer>();
  /** The configured peer's person id (also after the session ended). */
  private contactId?: string;
  private lan?: LanPeople;
  private groupChats?: GroupChats;
  private nextId = 0;
  private lastProgress = 0;
  private ending?: Promise<EndInfo>;
  private stopNow?: () => void;
  private startingUp = false;
  private displayName = '';
  /** Strangers (reach 'known') who wrote: their conversation is a request. */
  private readonly requested = new Set<string>();
  /** People found on the LAN whose heartbeats stopped (reported lost until heard again). */
  private readonly silent = new Set<string>();

  constructor(opts: ChatServiceOptions<R> = {}) {
    this.startRuntime = opts.startRuntime ?? ((o) => ChatRuntime.start(o) as unknown as Promise<R>);
    this.now = opts.now ?? Date.now;
    this.conversations = new Conversations({
      session: (id) => (this.rt ? this.byId.get(id)?.session : undefined),
      newId: () => `m${++this.nextId}`,
      accepted: (id, m) => this.emit((l) => l.accepted?.(id, m)),
      status: (id, msgId, s, m) => {
        if (this.groupChats?.onStatus(id, msgId, s)) return;
        this.emit((l) => l.status?.(id, msgId, s, m));
      },
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
  /** Our person id (what others know us by), while running. */
  get ownId(): string { return this.rt?.ownId ?? ''; }
  /** The configured peer's address, as given (host as written). */
  get peerAddress(): PeerAddress | undefined { return this.rt?.peer; }
  /** Where the configured peer is now (resolved; follows roaming). */
  get peerEndpoint(): Endpoint | undefined { return this.rt?.contact?.address; }

  /**
   * Resolves the configured peer (if any), binds, starts discovery (if asked); rejects with the
   * driver's UdpError (code + readable message). Returns the configured peer's person, if any.
   */
  async start(o: ServiceStartOptions): Promise<Person | undefined> {
    if (this.ending) await this.ending.catch(() => undefined); // the socket of the last session is closing
    if (this.rt || this.startingUp) throw new Error('The chat service is already running.');
    this.startingUp = true;
    let rt: R;
    try {
      const reach = o.reach ?? (o.peer && !o.discovery ? 'contact' : 'anyone');
      rt = await this.startRuntime({ ...o, reach, events: this.runtimeEvents() });
    } finally {
      this.startingUp = false;
    }
    this.rt = rt;
    this.displayName = o.displayName;
    this.lastProgress = this.now();
    this.groupChats = new GroupChats(rt.ownId, o.groupStorage, {
      submit: (to, content, opts) => this.submitTo(to, content, opts),
      nameOf: (id) => this.nameOf(id),
      changed: (g, c) => this.emit((l) => l.groupChanged?.(g, c)),
      message: (g, from, m) => this.emit((l) => l.groupMessage?.(g, from, m)),
      status: (gid, id, d) => { this.lastProgress = this.now(); this.emit((l) => l.groupStatus?.(gid, id, d)); },
      retry: (to, id) => this.retry(to, id),
      saveFailed: (e) => this.emit((l) => l.notice?.('warning', `Could not save the groups: ${e.message}. They stay until UDP Chat closes; the next change tries again.`)),
    });
    const contact = rt.contact ? this.track(rt.contact) : undefined;
    this.contactId = contact?.id;
    if (o.discovery) {
      this.lan = new LanPeople(rt, o.discovery, {
        announced: (rec) => this.onAnnounced(rec),
        gone: (id) => { const p = this.refreshId(id); if (p) this.emit((l) => l.lost?.(p, 'goodbye')); },
        warning: (text) => this.emit((l) => l.notice?.('warning', text)),
        diagnostic: (text) => this.emit((l) => l.diagnostic?.(text)),
      });
      await this.lan.start(o.displayName);
    }
    return contact;
  }

  /** Moves the chat with the configured peer to another address on the same socket; the person there is a new person. */
  async changePeer(peer: PeerAddress): Promise<Person | undefined> {
    const rt = this.rt;
    if (!rt) throw new Error('The chat service is not running.');
    const before = this.contactId;
    const old = rt.contact;
    await rt.changePeer(peer);
    if (this.rt !== rt) return undefined; // stopped meanwhile
    // The old session ended: what it had pending stays with the front end (and counts as undelivered).
    if (before !== undefined) this.conversations.get(before)?.outgoing.sessionEnded();
    if (old) this.untrack(old);
    // Today the configured peer before leaves the list (the view shows the configured peer first).
    if (before !== undefined && !this.byId.has(before)) this.peopleBook.remove(before);
    const p = rt.contact ? this.track(rt.contact) : undefined;
    this.contactId = p?.id;
    return p;
  }

  /**
   * Ends every conversation (bye to each person) and closes the socket; with `drain`, after pending
   * messages had their chance. Idempotent while under way; a call without drain cuts a drain short.
   * Without drain, `runtime` is undefined as soon as this returns.
   */
  stop(reason = 'session ended', opts: StopOptions = {}): Promise<EndInfo> {
    if (this.ending) { if (!opts.drain) this.stopNow?.(); return this.ending; }
    const rt = this.rt;
    if (!rt) return Promise.resolve({ reason, summary: this.summary(), stats: { rto: 0, srtt: null } });
    this.ending = (async () => {
      if (opts.drain) await this.drain(rt, opts.onWait);
      const s = rt.contact?.session;
      const stats: FinalStats = s ? { ...s.stats, rto: Math.round(s.rto), srtt: s.srtt === undefined ? null : Math.round(s.srtt * 10) / 10 } : { rto: 0, srtt: null };
      for (const c of this.conversations.all()) c.outgoing.sessionEnded();
      this.rt = undefined;
      const lan = this.lan;
      this.lan = undefined;
      for (const [, id] of this.ids) {
        const p = this.peopleBook.get(id);
        if (p) this.changed(this.peopleBook.update({ ...endedPerson(p), discovered: false, request: false }));
      }
      this.ids.clear();
      this.byId.clear();
      await Promise.all([lan?.stop(), rt.stop(reason)]);
      const info: EndInfo = { reason, summary: this.summary(), stats };
      this.emit((l) => l.ended?.(info));
      return info;
    })().finally(() => { this.ending = undefined; this.stopNow = undefined; });
    return this.ending;
  }

  private drain(rt: R, onWait?: (pending: number) => void): Promise<void> {
    const budget = rt.contact?.session.config.retryBudgetMs ?? rt.peers[0]?.session.config.retryBudgetMs ?? 20_000;
    const idleLimit = budget + 2000;
    if (this.pending() > 0) onWait?.(this.pending());
    return new Promise<void>((resolve) => {
      this.stopNow = resolve;
      const check = () => {
        if (this.pending() === 0 || this.now() - this.lastProgress > idleLimit || this.rt !== rt) { resolve(); return; }
        setTimeout(check, 50);
      };
      this.lastProgress = this.now();
      check();
    });
  }

  // ------------------------------------------------------------------ people

  // Reading people reads the driver first: a change it made without an event (keys confirmed after
  // a re-handshake, a name said in a hello) shows at once, and is reported as personChanged.
  people(): Person[] { this.refreshAll(); return this.peopleBook.list(); }
  person(id: string): Person | undefined { this.refreshAll(); return this.peopleBook.get(id); }
  /** The configured peer's person id, without reading the driver (cheap: for routing events). */
  get peerId(): string | undefined { return this.contactId; }

  /** The configured peer, also after the session ended. */
  get peer(): Person | undefined {
    this.refreshAll();
    return this.contactId === undefined ? undefined : this.peopleBook.get(this.contactId);
  }

  /**
   * People whose id is `q`, whose id starts with `q` (4 or more hex digits), or whose name is `q`
   * (case-insensitive). More than one: the caller asks which.
   */
  findPeople(q: string): Person[] {
    const all = this.people();
    const t = q.trim();
    const exact = all.filter((p) => p.id === t);
    if (exact.length) return exact;
    const lower = t.toLowerCase();
    const byName = all.filter((p) => p.name.toLowerCase() === lower);
    if (byName.length) return byName;
    if (/^[0-9a-f]{4,}$/.test(lower)) return all.filter((p) => p.id.startsWith(lower));
    return all.filter((p) => p.address === t);
  }

  /** Starts a conversation with someone at an address (Add Peer…); the person there, once known. */
  async addPeer(address: PeerAddress): Promise<Person> {
    const rt = this.rt;
    if (!rt) throw new Error('The chat service is not running.');
    const to = await rt.resolve(address);
    if (this.rt !== rt) throw new Error('The chat service stopped.');
    const p = rt.addPeer(to, 'added', contactLabel(address));
    return this.track(p);
  }

  /** The user compared the safety number: remember the person's key as verified (or not). */
  verify(personId: string, verified = true): boolean { return this.onPeer(personId, (rt, p) => rt.setVerified(p, verified)); }

  /** The user accepted the person's new key: it is pinned and the session talks again. */
  acceptKey(personId: string): boolean { return this.onPeer(personId, (rt, p) => rt.acceptKeyChange(p)); }

  /** The user refused the person's new key: it stays refused; the remembered key may talk again. */
  rejectKey(personId: string): boolean { return this.onPeer(personId, (rt, p) => rt.rejectKeyChange(p)); }

  /** The user accepted a stranger's request: they are known from now on. */
  acceptRequest(personId: string): boolean { return this.onPeer(personId, (rt, p) => rt.acceptRequest(p)); }

  /** Something the user decided about a person's conversation; the view follows at once. */
  private onPeer(personId: string, f: (rt: R, p: RuntimePeer) => boolean): boolean {
    const p = this.peerOf(personId);
    if (!this.rt || !p) return false;
    const ok = f(this.rt, p);
    this.refresh(p);
    return ok;
  }

  /** Blocks a person: remembered; their conversation ends and nothing of theirs reaches the front ends again. */
  block(personId: string): boolean {
    const rt = this.rt;
    const p = this.peerOf(personId);
    if (!rt || !p) return false;
    const person = this.refresh(p);
    const id = rt.block(p);
    if (p !== rt.contact) {
      this.untrack(p);
      this.peopleBook.remove(person?.id ?? id);
    }
    this.emit((l) => l.blocked?.(id, person));
    return true;
  }

  /** Lets a blocked person reach us again. */
  unblock(personId: string): boolean { return this.rt?.trust.unblock(personId) ?? false; }

  setDisplayName(name: string): void {
    this.displayName = name;
    for (const p of this.rt?.peers ?? []) p.session.setDisplayName(name);
    this.lan?.setName(name);
  }

  // ------------------------------------------------------------------ groups

  groups(): GroupInfo[] { return this.groupChats?.groups() ?? []; }
  group(id: string): GroupInfo | undefined { return this.groupChats?.group(id); }
  findGroups(nameOrId: string): GroupInfo[] { return this.groupChats?.find(nameOrId) ?? []; }

  /** A new group of us and these people (person ids of their keys); throws GroupError with a readable message. */
  createGroup(name: string, memberIds: string[]): GroupInfo { return this.groups_().create(name, memberIds); }
  setGroupMembers(groupId: string, memberIds: string[]): GroupInfo { return this.groups_().setMembers(groupId, memberIds); }
  renameGroup(groupId: string, name: string): GroupInfo { return this.groups_().rename(groupId, name); }
  leaveGroup(groupId: string): GroupInfo { return this.groups_().leave(groupId); }

  sendGroup(groupId: string, content: OutgoingContent, opts: { id?: string; uid?: string } = {}): GroupSendResult {
    if (!this.rt || !this.groupChats) return { ok: false, code: 'ENOTRUNNING', message: 'The session is not running.' };
    return this.groupChats.send(groupId, content, opts);
  }

  /** Delivery of one of our group messages in this session (undefined: not sent in this session). */
  groupDelivery(id: string): GroupDelivery | undefined { return this.groupChats?.deliveryOf(id); }

  /** Resends the copies of a group message that failed (members who were away too long). Returns how many went again. */
  retryGroup(groupId: string, id: string): number {
    const g = this.groupChats;
    if (!this.rt || !g || !g.group(groupId)) return 0;
    let n = 0;
    for (const member of g.failedMembers(id)) {
      const r = this.retry(member, id);
      if (r > 0) { n += r; g.onStatus(member, id, 'sending'); }
    }
    return n;
  }

  private groups_(): GroupChats {
    if (!this.groupChats || !this.rt) throw new GroupError('The session is not running.');
    return this.groupChats;
  }

  // ------------------------------------------------------------------ sending

  /** Takes one message for a person; see SendResult. Status events follow. */
  send(personId: string, content: OutgoingContent, opts?: SendOptions): SendResult {
    if (!this.rt) return { ok: false, code: 'ENOTRUNNING', message: 'The session is not running.' };
    const p = this.peerOf(personId);
    if (!p) return { ok: false, code: 'ENOPERSON', message: `Not chatting with ${personId} now.` };
    // Writing back to someone is knowing them (and answers their request).
    if (this.rt.isRequest(p)) this.acceptRequest(personId);
    this.rt.remember(p);
    return this.conversations.with(this.ids.get(p)!).outgoing.submit(content, opts);
  }

  private submitTo(personId: string, content: OutgoingContent, opts: { id: string; uid: string }): SendResult {
    const p = this.peerOf(personId);
    if (!this.rt || !p) return { ok: false, code: 'ENOPERSON', message: `No conversation with ${personId} now.` };
    return this.conversations.with(this.ids.get(p)!).outgoing.submit(content, opts);
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

  // ------------------------------------------------------------------ people ↔ the driver's conversations

  private emit(f: (l: ChatServiceListener) => void): void {
    for (const l of [...this.listeners]) f(l);
  }

  private peerOf(personId: string): RuntimePeer | undefined { return this.byId.get(personId); }

  private nameOf(id: string): string {
    if (id === this.rt?.ownId) return this.displayName || 'you';
    const p = this.peopleBook.get(id);
    if (p?.name) return p.name;
    return this.rt?.trust.people.find((k) => k.id === id)?.name || id.slice(0, 8);
  }

  /**
   * A conversation of the driver becomes a person: by its key's id when known, else the id it was
   * announced with (LAN), else its address. Reports the person (new, or changed).
   */
  private track(p: RuntimePeer, announcedId?: string, announcedName?: string): Person {
    let id = this.ids.get(p);
    if (id === undefined) {
      const address = formatAddress(p.address.address, p.address.port);
      const pinned = p.key;
      id = pinned ? keyPersonId(pinned) : announcedId ?? addressPersonId(address);
      this.ids.set(p, id);
      this.byId.set(id, p);
      this.conversations.with(id);
      const before = this.peopleBook.get(id);
      const fresh = { ...newPerson(id, address), name: announcedName ?? before?.name ?? '' };
      const person = this.peopleBook.add(fresh);
      this.emit((l) => l.personChanged?.(person));
      this.groupChats?.flush(id);
    }
    return this.refresh(p) ?? this.peopleBook.get(id)!;
  }

  private untrack(p: RuntimePeer): void {
    const id = this.ids.get(p);
    this.ids.delete(p);
    if (id !== undefined && this.byId.get(id) === p) this.byId.delete(id);
  }

  private refreshAll(): void {
    for (const p of [...this.ids.keys()]) this.refresh(p);
  }

  private refreshId(id: string): Person | undefined {
    const p = this.byId.get(id);
    return p ? this.refresh(p) : this.peopleBook.get(id);
  }

  /** Someone announced on the LAN: their conversation starts (or what we show of them follows the announcement). */
  private onAnnounced(rec: DiscoveredPeer): void {
    const rt = this.rt;
    if (!rt || rt.trust.isBlocked(rec.id)) return;
    if (this.byId.has(rec.id)) { this.refreshId(rec.id); return; }
    const address = reachableAddress(rec.addresses, rt.local.address.includes(':') ? 6 : 4);
    if (!address) { this.emit((l) => l.diagnostic?.(`LAN discovery: ${rec.name} has no address this socket can reach (${rec.addresses.join(', ')})`)); return; }
    this.track(rt.addPeer({ address, port: rec.port }, 'discovered'), rec.id, rec.name);
  }

  /** Reads a conversation's state from the driver; reports a change (and a move to the key's id). */
  private refresh(p: RuntimePeer): Person | undefined {
    const rt = this.rt;
    const id = this.ids.get(p);
    if (!rt || id === undefined) return undefined;
    const s = p.session;
    const keyId = p.key ? keyPersonId(p.key) : undefined;
    const nextId = keyId ?? id;
    if (nextId !== id) {
      this.conversations.move(id, nextId);
      this.ids.set(p, nextId);
      if (this.byId.get(id) === p) this.byId.delete(id);
      this.byId.set(nextId, p);
      if (this.contactId === id) this.contactId = nextId;
      // Announced under another id than its key's: the announcement was not theirs (stale, or a lie).
      if (this.lan?.isDiscovered(id)) this.emit((l) => l.diagnostic?.(`LAN discovery: the peer announced as ${id} answered with the key of ${nextId}; the key is who it is`));
    }
    const wasDiscovered = this.peopleBook.get(id)?.discovered === true;
    const u = this.peopleBook.update({
      id: nextId, name: s.remoteName || this.lan?.nameOf(nextId) || '', address: formatAddress(p.address.address, p.address.port),
      presence: s.presence, plain: s.plainPeer, encrypted: p.established, safetyNumber: p.key ? p.safetyNumber : '',
      verified: rt.verified(p), keyChangePending: p.held !== undefined,
      discovered: this.lan?.isDiscovered(nextId) === true, request: rt.isRequest(p) && this.requested.has(nextId), configured: p === rt.contact,
    }, id);
    this.changed(u);
    if (nextId !== id) this.groupChats?.flush(nextId);
    if (!wasDiscovered && u.person.discovered && u.changed) this.emit((l) => l.discovered?.(u.person));
    return u.person;
  }

  private changed(u: { person: Person; previousId?: string; changed: boolean }): void {
    if (u.changed) this.emit((l) => l.personChanged?.(u.person, u.previousId));
  }

  private conversationOf(p: RuntimePeer): Conversation | undefined {
    const id = this.ids.get(p);
    return id === undefined ? undefined : this.conversations.get(id);
  }

  /** Events about a conversation the service does not track (yet) start tracking it. */
  private withPerson(p: Peer, f: (person: Person) => void): void {
    if (!this.rt) return;
    const person = this.ids.has(p) ? this.refresh(p) : this.track(p);
    if (person) f(person);
  }

  private runtimeEvents(): RuntimeEvents {
    return {
      message: (p, m: IncomingMessage) => this.withPerson(p, (person) => {
        if (this.rt?.isRequest(p)) {
          // A stranger's group items wait for nothing: accepted people may invite us again.
          if (m.meta !== undefined && hasGroupMeta(m.meta)) { this.emit((l) => l.diagnostic?.(`dropped a group item from ${person.name || person.id}, whose request is not accepted`)); return; }
          if (!this.requested.has(person.id)) {
            this.requested.add(person.id);
            person = this.refresh(p) ?? person;
            this.emit((l) => l.request?.(person));
          }
        }
        if (this.groupChats?.receive(person.id, m)) return;
        const c = this.conversationOf(p);
        if (c) c.summary.received++;
        this.emit((l) => l.message?.(person, m));
      }),
      status: (p, id, status) => {
        this.lastProgress = this.now();
        this.conversationOf(p)?.outgoing.onStatus(id, status);
      },
      presence: (p, presence, detail) => this.withPerson(p, (person) => {
        this.emit((l) => l.presence?.(person, presence, detail));
        // mDNS never notices a crash: a person found on the LAN who went silent is lost until heard again.
        if (presence === 'offline' && person.discovered && !this.silent.has(person.id)) { this.silent.add(person.id); this.emit((l) => l.lost?.(person, 'offline')); }
        if (presence === 'online' && this.silent.delete(person.id) && person.discovered) this.emit((l) => l.discovered?.(person));
        // After the session has flushed its own queue (it does so right after this event).
        if (presence === 'online') queueMicrotask(() => this.conversationOf(p)?.outgoing.flushBacklog());
      }),
      plainPeer: (p, plain) => this.withPerson(p, (person) => {
        this.emit((l) => l.plainPeer?.(person, plain));
        if (plain) queueMicrotask(() => this.conversationOf(p)?.outgoing.flushBacklog());
      }),
      notice: (level, text, p) => {
        if (p) this.withPerson(p, (person) => this.emit((l) => l.notice?.(level, text, person)));
        else this.emit((l) => l.notice?.(level, text));
      },
      diagnostic: (text) => this.emit((l) => l.diagnostic?.(text)),
      peerAdded: (p) => { this.track(p); },
      stranger: (from, bytes, preview) => this.emit((l) => l.stranger?.(from, bytes, preview)),
      rateLimited: (from, dropped, stranger) => this.emit((l) => l.rateLimited?.(from, dropped, stranger)),
      socketError: (err) => this.emit((l) => l.socketError?.(err)),
      secured: (p, sn, info) => this.withPerson(p, (person) => this.emit((l) => l.secured?.(person, sn, info))),
      keyChanged: (p, change) => this.withPerson(p, (person) => this.emit((l) => l.keyChanged?.(person, change))),
      keyChangeCleared: (p) => this.withPerson(p, (person) => this.emit((l) => l.keyChangeCleared?.(person))),
      roamed: (p, to) => this.withPerson(p, (person) => this.emit((l) => l.roamed?.(person, to))),
      merged: (gone, into) => {
        const id = this.ids.get(gone);
        this.untrack(gone);
        if (id !== undefined && this.contactId === id) this.contactId = undefined;
        if (id !== undefined && !this.byId.has(id)) this.peopleBook.remove(id);
        const person = this.ids.has(into) ? this.refresh(into) : this.track(into);
        if (person?.configured) this.contactId = person.id;
      },
      peerElsewhere: (p, from) => this.withPerson(p, (person) => this.emit((l) => l.peerElsewhere?.(person, from))),
    };
  }
}
