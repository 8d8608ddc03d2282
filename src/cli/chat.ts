// The terminal peer's side of the chat service (src/service): the interactive and the JSON front
// ends show what the service reports through a CliView. The chat logic itself (message ids,
// statuses, the backlog while the offline queue is full, draining before exit, the summary, people,
// groups) lives in the service, shared with the extension. LAN mode (no --peer) talks to many
// people and groups; names given by the user are resolved here (findPeople / findGroups).
import { formatAddress } from '../core/address';
import type { IncomingMessage, OutStatus, Presence } from '../core/session';
import type { ChatRuntime } from '../net/chatRuntime';
import { ChatService } from '../service/chatService';
import type { FinalStats, GroupChange, GroupDelivery, GroupInfo, GroupStorage, Person, Summary } from '../service/types';
import type { CliOptions } from './args';
import type { LanCommand } from './lanCommands';

export type { FinalStats, GroupChange, GroupDelivery, GroupInfo, Person, Summary } from '../service/types';

export interface ReadyInfo {
  local: string;
  /** The configured peer's address; '' in LAN mode. */
  peer: string;
  name: string;
  plain: boolean;
  /** LAN mode (no --peer). */
  lan: boolean;
  /** Our own person id ('' without an identity: plain mode). */
  id: string;
  discovery: boolean;
}

/** Whom one of our messages went to: a person (id) and, for a group message, the group. */
export interface Recipient { to?: string; group?: string; groupId?: string }
/** Who wrote an incoming message; `group` for a group message. */
export interface Sender {
  fromId: string;
  group?: string;
  groupId?: string;
  /** The sender is a stranger whose conversation waits as a request (--reach known): accept or block them. */
  request?: boolean;
}
export interface PersonRef { id: string; name: string; address?: string }

/** A user-facing target of plain lines in LAN mode. */
export type Target = { kind: 'person'; id: string; name: string } | { kind: 'group'; id: string; name: string };

/** What a front end shows. Every method is optional so a front end can ignore what it does not show. */
export interface CliView {
  ready?(info: ReadyInfo): void;
  accepted?(id: string, text: string, to: Recipient): void;
  status?(id: string, status: OutStatus, text: string, to: Recipient): void;
  message?(from: string, m: IncomingMessage, sender: Sender): void;
  presence?(presence: Presence, detail: { name: string; plain: boolean; reason: string; id: string }): void;
  plainPeer?(plain: boolean): void;
  notice?(level: 'info' | 'warning' | 'error', text: string): void;
  /** The encrypted session is established; both sides show the same fingerprint (safety number). */
  secured?(fingerprint: string, info: { verified: boolean; firstContact: boolean; personId: string; name: string }): void;
  /** The peer's address answered with another key than the one remembered: it gets nothing until acceptKey(). */
  keyChanged?(change: { oldKey: string; newKey: string; from: string }): void;
  stranger?(from: string, bytes: number, preview: string): void;
  /** A message or command could not be taken; `id` is set when it had been accepted; `extra` adds fields (candidates). */
  error?(code: string, message: string, id?: string, extra?: Record<string, unknown>): void;
  ended?(reason: string, summary: Summary, stats: FinalStats): void;
  // LAN mode
  discovered?(p: PersonRef): void;
  lost?(p: PersonRef, reason: 'goodbye' | 'offline'): void;
  /** Someone added by address (/add) is being reached. */
  added?(p: PersonRef): void;
  request?(p: PersonRef): void;
  blocked?(p: PersonRef): void;
  /** A blocked person may reach us again. */
  unblocked?(p: PersonRef): void;
  requestAccepted?(p: PersonRef): void;
  groupChanged?(g: GroupInfo, change: GroupChange, byName: string): void;
  /** One member's copy of one of our group messages was delivered (or failed for good). */
  memberStatus?(id: string, status: 'delivered' | 'failed', member: PersonRef, group: { id: string; name: string }, text: string): void;
  groupDelivery?(id: string, group: { id: string; name: string }, delivery: GroupDelivery, text: string): void;
  people?(people: Person[]): void;
  groups?(groups: GroupInfo[]): void;
}

type Resolved<T> = { ok: true; value: T } | { ok: false; code: string; message: string; candidates?: PersonRef[] };

/** A person as shown: their name, or their address while they have not said one. */
export function personName(p: Person): string { return p.name || p.address || p.id; }

export class CliChat {
  readonly service = new ChatService();
  private ending?: Promise<void>;
  /** Our group messages: group, text, and each member's last reported status. */
  private readonly ownGroup = new Map<string, { group: { id: string; name: string }; text: string; seen: Map<string, string> }>();
  private nextGroupMsg = 0;
  /** People reported lost and not discovered again since. */
  private readonly lostIds = new Set<string>();
  /** Requests reported before the stranger said their name (it comes in their hello, just after): id → fallback timer. */
  private readonly unnamedRequests = new Map<string, ReturnType<typeof setTimeout>>();

  constructor(private readonly options: CliOptions, private readonly view: CliView, private readonly groupStorage?: GroupStorage) {
    const v = view;
    this.service.on({
      accepted: (personId, m) => {
        if (m.content.meta !== undefined) return; // a member's copy of a group item: reported per group
        v.accepted?.(m.id, m.content.text, this.recipient(personId));
      },
      status: (personId, id, status, m) => {
        if (m.content.meta !== undefined) return;
        v.status?.(id, status, m.content.text, this.recipient(personId));
      },
      sendError: (_p, id, code, message) => v.error?.(code, message, id),
      message: (p, m) => v.message?.(this.lan || !p.configured ? personName(p) : this.peerName(), m, { fromId: p.id, ...(p.request ? { request: true } : {}) }),
      presence: (p, presence, d) => v.presence?.(presence, { ...d, name: d.name || p.name || (this.lan ? p.address : this.peerName()), id: p.id }),
      plainPeer: (_p, plain) => v.plainPeer?.(plain),
      notice: (level, text) => v.notice?.(level, text),
      secured: (p, fp, info) => v.secured?.(fp, { ...info, name: personName(p) }),
      keyChanged: (_p, c) => v.keyChanged?.({ oldKey: c.oldFingerprint, newKey: c.newFingerprint, from: formatAddress(c.from.address, c.from.port) }),
      keyChangeCleared: () => v.notice?.('info', 'The peer answered with its remembered key again: the other key was someone else. The conversation goes on.'),
      roamed: (p, to) => v.notice?.('info', `${this.lan ? personName(p) : 'The peer'} now writes from ${formatAddress(to.address, to.port)} (same key, same conversation).`),
      stranger: (from, bytes, preview) => v.stranger?.(formatAddress(from.address, from.port), bytes, preview),
      rateLimited: (from, dropped, stranger) => v.notice?.('warning', `Dropped ${dropped} datagrams from ${stranger ? 'stranger ' : 'the peer at '}${from} (rate limit).`),
      socketError: (err) => v.notice?.('warning', `Socket: ${err.message}`),
      ended: (i) => v.ended?.(i.reason, i.summary, i.stats),
      discovered: (p) => { this.lostIds.delete(p.id); v.discovered?.(ref(p)); },
      // Silence and a goodbye may both report one departure: one person-lost until they are back.
      lost: (p, reason) => { if (!this.lostIds.has(p.id)) { this.lostIds.add(p.id); v.lost?.(ref(p), reason); } },
      request: (p) => this.onRequest(p),
      personChanged: (p, previousId) => this.onPersonChanged(p, previousId),
      blocked: (id, p) => v.blocked?.({ id, name: p ? personName(p) : id, ...(p?.address ? { address: p.address } : {}) }),
      groupChanged: (g, c) => v.groupChanged?.(g, c, this.nameOf(c.by, g)),
      groupMessage: (g, from, m) => v.message?.(from.name || from.id, m, { fromId: from.id, group: g.name, groupId: g.id }),
      groupStatus: (_gid, id, d) => this.onGroupStatus(id, d),
    });
  }

  get lan(): boolean { return this.options.peer === undefined; }

  /** Resolves the peer (if any), binds, starts discovery (if asked); rejects with a UdpError (code + readable message). */
  async start(): Promise<ReadyInfo> {
    const o = this.options;
    await this.service.start({
      localAddress: o.localAddress,
      localPort: o.localPort,
      peer: o.peer,
      displayName: o.displayName,
      plainMode: o.plain,
      psk: o.psk,
      identity: o.identity,
      trust: o.trust,
      ...(o.discovery ? { discovery: { interface: o.discoveryInterface } } : {}),
      ...(o.reach ? { reach: o.reach } : {}),
      ...(this.groupStorage ? { groupStorage: this.groupStorage } : {}),
    });
    const info: ReadyInfo = {
      local: this.service.localText, peer: this.service.peer?.address ?? '', name: o.displayName, plain: o.plain,
      lan: this.lan, id: this.service.ownId, discovery: o.discovery,
    };
    this.view.ready?.(info);
    return info;
  }

  get runtime(): ChatRuntime | undefined { return this.service.runtime; }
  /** The configured peer's session (with --peer); undefined in LAN mode. */
  get session() { return this.runtime?.contact?.session; }
  get isEnding(): boolean { return this.ending !== undefined; }
  get summary(): Summary { return this.service.summary(); }

  /** What the configured peer calls itself now, or its address. */
  peerName(): string {
    const c = this.runtime?.contact;
    if (c?.session.remoteName) return c.session.remoteName;
    return c ? formatAddress(c.address.address, c.address.port) : 'peer';
  }

  /** Queued, in flight, or sent as text to a peer that has not answered yet (including lines held back). */
  get pending(): number { return this.service.pending(); }

  failedIds(): string[] { return this.service.failedIds(); }

  /** Takes one message for the configured peer; returns its id, or undefined when the session is over, there is no peer, or it is too large. */
  submit(text: string): string | undefined {
    const who = this.service.peer;
    if (!who) {
      if (this.lan) this.view.error?.('ENOPEER', 'LAN mode has no --peer contact: say whom to write to ({"to": NAME, "text": ...} or {"group": NAME, "text": ...}).');
      return undefined;
    }
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

  /**
   * A key command for a person: named (`who`), else the --peer contact, else (LAN mode, key
   * commands) the one person whose key change waits. `undefined` when the person could not be
   * found (an error was reported); otherwise whether it applied, and to whom.
   */
  keyCommand(op: 'accept-key' | 'reject-key' | 'verify', who?: string): { ok: boolean; person: Person } | undefined {
    let p: Person | undefined;
    if (who !== undefined) {
      const r = this.resolvePerson(who);
      if (!r.ok) { this.fail(r); return undefined; }
      p = r.value;
    } else {
      p = this.service.peer;
      if (!p && op !== 'verify') {
        const waiting = this.service.people().filter((x) => x.keyChangePending);
        if (waiting.length === 1) p = waiting[0];
      }
      if (!p) {
        this.view.error?.('ENOPERSON', op === 'verify' ? 'Say whose key to verify: verify NAME.' : `No key change is waiting for just one person: ${op} NAME.`);
        return undefined;
      }
    }
    const ok = op === 'accept-key' ? this.service.acceptKey(p.id) : op === 'reject-key' ? this.service.rejectKey(p.id) : this.service.verify(p.id, true);
    return { ok, person: this.service.person(p.id) ?? p };
  }

  /** Resends failed messages (one id, or all; of every conversation and group in LAN mode). Returns how many went out again. */
  retry(id: string | 'all'): number {
    if (this.lan) {
      let n = 0;
      for (const [gid, own] of this.ownGroup) {
        if ((id === 'all' || id === gid) && [...own.seen.values()].includes('failed')) n += this.service.retryGroup(own.group.id, gid);
      }
      if (id !== 'all' && this.ownGroup.has(id)) return n;
      return n + this.service.people().reduce((k, p) => k + this.service.retry(p.id, id), 0);
    }
    const p = this.service.peer;
    return p ? this.service.retry(p.id, id) : 0;
  }

  // ------------------------------------------------------------------ LAN commands

  /** Runs one LAN command; reports through the view. Returns the conversation it wrote to (for plain lines after it). */
  run(cmd: LanCommand): Target | undefined {
    switch (cmd.kind) {
      case 'who': this.view.people?.(this.service.people()); return undefined;
      case 'groups': this.view.groups?.(this.service.groups()); return undefined;
      case 'send': {
        const p = this.resolvePerson(cmd.to);
        if (!p.ok) { this.fail(p); return undefined; }
        return this.sendTo({ kind: 'person', id: p.value.id, name: personName(p.value) }, cmd.text) ? { kind: 'person', id: p.value.id, name: personName(p.value) } : undefined;
      }
      case 'groupSend': {
        const g = this.resolveGroup(cmd.group);
        if (!g.ok) { this.fail(g); return undefined; }
        const t: Target = { kind: 'group', id: g.value.id, name: g.value.name };
        return this.sendTo(t, cmd.text) ? t : undefined;
      }
      case 'groupMembers': return this.setMembers(cmd.group, cmd.members);
      case 'groupLeave': {
        const g = this.resolveGroup(cmd.group);
        if (!g.ok) { this.fail(g); return undefined; }
        try { this.service.leaveGroup(g.value.id); } catch (e) { this.view.error?.('EGROUP', (e as Error).message); }
        return undefined;
      }
      case 'accept': {
        const p = this.resolvePerson(cmd.person);
        if (!p.ok) { this.fail(p); return undefined; }
        if (!p.value.request) { this.view.notice?.('info', `${personName(p.value)} has no request waiting.`); return undefined; }
        if (this.service.acceptRequest(p.value.id)) this.view.requestAccepted?.(ref(p.value));
        else this.view.error?.('ENOPERSON', `Could not accept ${personName(p.value)}: no conversation with them now.`);
        return undefined;
      }
      case 'block': {
        const p = this.resolvePerson(cmd.person);
        if (!p.ok) { this.fail(p); return undefined; }
        if (!this.service.block(p.value.id)) this.view.error?.('ENOPERSON', `Could not block ${personName(p.value)}: no conversation with them now.`);
        return undefined;
      }
      case 'unblock': {
        const trust = this.service.runtime?.trust;
        const q = cmd.person.trim().toLowerCase();
        const nameOf = (id: string) => trust?.people.find((k) => k.id === id)?.name || (id.startsWith('addr:') ? id.slice(5) : id);
        const hits = (trust?.blocked ?? []).filter((id) => id === q || id === `addr:${q}` || (q.length >= 4 && id.startsWith(q)) || nameOf(id).toLowerCase() === q);
        if (hits.length !== 1) {
          this.view.error?.(hits.length ? 'EAMBIGUOUS' : 'ENOPERSON', hits.length ? `"${cmd.person}" names ${hits.length} blocked people: give the id.` : `Nobody blocked is called "${cmd.person}".`);
          return undefined;
        }
        if (this.service.unblock(hits[0])) this.view.unblocked?.({ id: hits[0], name: nameOf(hits[0]) });
        return undefined;
      }
      case 'add': {
        this.service.addPeer(cmd.address).then(
          (p) => this.view.added?.(ref(p)),
          (e: { code?: string; message?: string }) => this.view.error?.(e.code ?? 'EADD', `Could not add ${cmd.text}: ${e.message ?? String(e)}`),
        );
        return undefined;
      }
    }
  }

  /** Sends one line to a person or a group; false (and an error reported) when it was not taken. */
  sendTo(t: Target, text: string): boolean {
    if (t.kind === 'person') {
      const r = this.service.send(t.id, { text });
      if (!r.ok) this.view.error?.(r.code, r.code === 'ENOPERSON' ? `No conversation with ${t.name} now.` : r.message);
      return r.ok;
    }
    const id = `g${++this.nextGroupMsg}`;
    const g = this.service.group(t.id);
    this.ownGroup.set(id, { group: { id: t.id, name: g?.name ?? t.name }, text, seen: new Map() });
    const r = this.service.sendGroup(t.id, { text }, { id });
    if (!r.ok) {
      this.ownGroup.delete(id);
      this.view.error?.(r.code, r.code === 'ENOGROUP' ? `${t.name}: ${r.message}` : r.message);
      return false;
    }
    this.view.accepted?.(id, text, { group: g?.name ?? t.name, groupId: t.id });
    this.onGroupStatus(id, r.delivery);
    return true;
  }

  private setMembers(groupName: string, names: string[]): Target | undefined {
    const ids: string[] = [];
    for (const n of names) {
      const p = this.resolvePerson(n);
      if (!p.ok) { this.fail(p); return undefined; }
      if (p.value.id === this.service.ownId) continue;
      if (!/^[0-9a-f]{16}$/.test(p.value.id)) {
        this.view.error?.('EGROUP', `${personName(p.value)} cannot be in a group yet: no encrypted session with them (they have not answered, or speak plain text).`);
        return undefined;
      }
      if (!ids.includes(p.value.id)) ids.push(p.value.id);
    }
    const found = this.service.findGroups(groupName).filter((g) => g.active);
    if (found.length > 1) {
      this.view.error?.('EAMBIGUOUS', `More than one group is called "${groupName}": use its id.`, undefined, { candidates: found.map((g) => ({ id: g.id, name: g.name })) });
      return undefined;
    }
    try {
      const g = found.length === 1 ? this.service.setGroupMembers(found[0].id, ids) : this.service.createGroup(groupName, ids);
      return { kind: 'group', id: g.id, name: g.name };
    } catch (e) {
      this.view.error?.('EGROUP', (e as Error).message);
      return undefined;
    }
  }

  /** A person by id, id prefix (4+ hex digits), name (any case) or address; ambiguity is an error listing the candidates. */
  resolvePerson(q: string): Resolved<Person> {
    const found = this.service.findPeople(q);
    if (found.length === 1) return { ok: true, value: found[0] };
    if (found.length === 0) return { ok: false, code: 'ENOPERSON', message: `Nobody called "${q}" is known here (who lists the people; add someone with add HOST:PORT).` };
    return { ok: false, code: 'EAMBIGUOUS', message: `"${q}" could be ${found.length} people: use an id (or its first digits).`, candidates: found.map(ref) };
  }

  /** A group by id or name (any case); only groups we are in. */
  resolveGroup(q: string): Resolved<GroupInfo> {
    const found = this.service.findGroups(q);
    const active = found.filter((g) => g.active);
    if (active.length === 1) return { ok: true, value: active[0] };
    if (active.length > 1) return { ok: false, code: 'EAMBIGUOUS', message: `"${q}" could be ${active.length} groups: use the group's id.`, candidates: active.map((g) => ({ id: g.id, name: g.name })) };
    if (found.length) return { ok: false, code: 'ENOGROUP', message: `You are not a member of ${found[0].name} any more.` };
    return { ok: false, code: 'ENOGROUP', message: `No group called "${q}" (groups lists yours; create one with members).` };
  }

  private fail(r: { code: string; message: string; candidates?: PersonRef[] }): void {
    this.view.error?.(r.code, r.message, undefined, r.candidates ? { candidates: r.candidates } : undefined);
  }

  private recipient(personId: string): Recipient { return { to: personId }; }

  /** A person's name for a group change: the group's member list knows it, else the people list. */
  private nameOf(id: string, g?: GroupInfo): string {
    if (id === this.service.ownId) return 'you';
    const m = g?.members.find((x) => x.id === id);
    if (m?.name) return m.name;
    const p = this.service.person(id);
    return p ? personName(p) : id;
  }

  /** A request is shown with the stranger's name; their name follows the handshake within a moment. */
  private onRequest(p: Person): void {
    if (p.name || this.unnamedRequests.has(p.id)) { if (p.name) this.view.request?.(ref(p)); return; }
    const timer = setTimeout(() => {
      this.unnamedRequests.delete(p.id);
      const now = this.service.person(p.id);
      if (now?.request) this.view.request?.(ref(now));
    }, REQUEST_NAME_WAIT_MS);
    timer.unref?.();
    this.unnamedRequests.set(p.id, timer);
  }

  private onPersonChanged(p: Person, previousId?: string): void {
    for (const id of [p.id, previousId]) {
      if (id === undefined) continue;
      const timer = this.unnamedRequests.get(id);
      if (!timer || !p.name) continue;
      clearTimeout(timer);
      this.unnamedRequests.delete(id);
      if (p.request) this.view.request?.(ref(p));
    }
  }

  private onGroupStatus(id: string, d: GroupDelivery): void {
    const own = this.ownGroup.get(id);
    if (!own) return;
    let changed = false;
    for (const m of d.perMember) {
      if (own.seen.get(m.id) === m.status) continue;
      own.seen.set(m.id, m.status);
      if (m.status === 'delivered' || m.status === 'failed') {
        changed = true;
        this.view.memberStatus?.(id, m.status, { id: m.id, name: m.name }, own.group, own.text);
      }
    }
    if (changed) this.view.groupDelivery?.(id, own.group, d, own.text);
    // Kept while a member's copy failed: /retry sends it again.
    if (d.perMember.every((m) => m.status === 'delivered')) this.ownGroup.delete(id);
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

/** How long a request waits for the stranger's name before it is shown with their address. */
const REQUEST_NAME_WAIT_MS = 1500;

function ref(p: Person): PersonRef { return { id: p.id, name: personName(p), address: p.address }; }
