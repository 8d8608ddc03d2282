// Group chats on the fake network: one GroupBook per node of a FakeNet, its sends carried over the
// nodes' pairwise ChatSessions, what those sessions deliver fed back into the books.
//
// ChatSession does not carry a body's meta through yet (OutgoingContent and IncomingMessage have
// text and code only), so this harness frames meta and text into the session's text:
// FRAME + JSON {meta, text}. The session's uid is the group's uid, as in the product.
import type { GroupEvent, GroupMessage, SendRequest } from '../../../src/core/groups';
import { DeliveryTracker, GroupBook } from '../../../src/core/groups';
import { identityFromPrivate, personId } from '../../../src/core/identity';
import type { Peer } from '../../../src/core/peer';
import type { SessionConfig } from '../../../src/core/session';
import type { Impairment } from './link';
import type { NetNode } from './net';
import { FakeNet, lastStatusOf, logOf } from './net';

export const FRAME = '\u0001udp-chat-group\u0001';

export interface Sent { group: string; uid: string; from: string; to: string[]; text: string; localIds: Map<string, string> }

export interface GroupMember {
  name: string;
  id: string;
  node: NetNode;
  book: GroupBook;
  /** Group messages shown, in order. */
  shown: GroupMessage[];
  events: GroupEvent[];
  /** What this member sent to groups, in order. */
  sent: Sent[];
  tracker: DeliveryTracker;
  /** Session messages read so far, per peer. */
  cursor: Map<Peer, number>;
}

export class GroupNet {
  readonly net: FakeNet;
  readonly members: GroupMember[] = [];
  readonly byId = new Map<string, GroupMember>();
  private seq = 0;

  constructor(seed: number, imp: Impairment, count: number, config: Partial<SessionConfig> = {}) {
    this.net = new FakeNet(seed, imp, config);
    for (let i = 0; i < count; i++) {
      const name = `p${i}`;
      // People who know each other (a LAN messenger lets known people in): the later one accepts.
      const node = this.net.add(name, { address: `10.0.${(i >> 8) + 1}.${(i & 0xff) + 1}`, port: 6000 + i }, {
        acceptStrangers: true,
        // Seeded keys: the same people (ids, member order, sends) every run.
        identity: identityFromPrivate(Buffer.from(Array.from({ length: 32 }, (_, k) => (seed * 131 + i * 31 + k * 7 + 1) & 0xff))),
      });
      const id = personId(node.identity.publicKey);
      // Seeded group and message ids: the run is the same every time.
      const random64 = () => (seed * 1_000_003 + ++this.seq).toString(16).padStart(16, '0').slice(-16);
      const m: GroupMember = { name, id, node, book: new GroupBook(id, { random64 }), shown: [], events: [], sent: [], tracker: new DeliveryTracker(), cursor: new Map() };
      this.members.push(m);
      this.byId.set(id, m);
    }
  }

  /** Pairwise sessions between every two of `who`: the earlier one writes to the later one, which lets it in. */
  connect(who: GroupMember[]): void {
    for (let i = 0; i < who.length; i++) {
      for (let j = i + 1; j < who.length; j++) {
        const [a, b] = this.members.indexOf(who[i]) < this.members.indexOf(who[j]) ? [who[i], who[j]] : [who[j], who[i]];
        if (b.node.endpoint.peerByKey(a.node.identity.publicKey)) continue;
        a.node.endpoint.connect(a.node.endpoint.addPeer(b.node.address, b.name, b.node.identity.publicKey));
      }
    }
  }

  /**
   * Runs until every session between `who` is up (keys confirmed, protocol, online). The greeting
   * line goes once and may be lost, so pairs without keys start a handshake again (the endpoint
   * limits that to one per 2 s). And the sealed hello after a handshake (ChatSession.kick) goes
   * once too, with no retry until the peer has been online: if both are lost, neither side ever
   * comes online and messages stay queued; so sessions with keys that are not online are kicked.
   */
  meet(who: GroupMember[][], maxMs = 30_000): boolean {
    for (let t = 0; t < maxMs; t += 500) {
      if (who.every((w) => this.allUp(w))) return true;
      for (const w of who) {
        for (const a of w) {
          for (const b of w) {
            const p = a !== b && a.node.endpoint.peerByKey(b.node.identity.publicKey);
            if (!p) continue;
            if (!(p.established && p.session.speaksProtocol)) a.node.endpoint.connect(p);
            else if (p.session.presence !== 'online') p.session.kick();
          }
        }
      }
      this.run(500);
    }
    return who.every((w) => this.allUp(w));
  }

  peer(a: GroupMember, to: string): Peer {
    const b = this.byId.get(to);
    const p = b && a.node.endpoint.peerByKey(b.node.identity.publicKey);
    if (!p) throw new Error(`${a.name} has no session with ${b?.name ?? to}`);
    return p;
  }

  /** Every session between `who` is up and speaks the protocol. */
  allUp(who: GroupMember[]): boolean {
    for (const a of who) {
      for (const b of who) {
        if (a === b) continue;
        const p = a.node.endpoint.peerByKey(b.node.identity.publicKey);
        if (!p || !p.established || !p.session.speaksProtocol || p.session.presence !== 'online') return false;
      }
    }
    return true;
  }

  /** Hands a book's requests to the pairwise sessions; returns the local id per recipient. */
  dispatch(a: GroupMember, sends: SendRequest[]): Map<string, string> {
    const ids = new Map<string, string>();
    for (const s of sends) {
      const text = FRAME + JSON.stringify({ meta: s.meta, text: s.text });
      ids.set(s.to, this.peer(a, s.to).session.send({ text }, undefined, { uid: s.uid }));
    }
    return ids;
  }

  /** A message to a group, sent and recorded. */
  say(a: GroupMember, group: string, text: string): Sent {
    const { uid, sends } = a.book.send(group, text);
    const localIds = this.dispatch(a, sends);
    a.tracker.track(uid, sends.map((s) => s.to));
    const sent: Sent = { group, uid, from: a.id, to: sends.map((s) => s.to), text, localIds };
    a.sent.push(sent);
    return sent;
  }

  /** Runs the clock, feeding what the sessions delivered into the books every `step` ms. */
  run(ms: number, step = 25): void {
    for (let t = 0; t < ms; t += step) {
      this.net.clock.advance(Math.min(step, ms - t));
      this.poll();
    }
  }

  poll(): void {
    for (const m of this.members) {
      for (const [peer, log] of m.node.logs) {
        const at = m.cursor.get(peer) ?? 0;
        if (at >= log.received.length) continue;
        m.cursor.set(peer, log.received.length);
        const from = peer.key ? personId(peer.key) : '';
        for (const msg of log.received.slice(at)) {
          if (!msg.text.startsWith(FRAME)) continue;
          let framed: { meta: string; text: string };
          try { framed = JSON.parse(msg.text.slice(FRAME.length)) as { meta: string; text: string }; } catch { continue; }
          const events = m.book.receive(from, { uid: msg.uid, meta: framed.meta, text: framed.text, sentAt: msg.sentAt }) ?? [];
          for (const e of events) {
            m.events.push(e);
            if (e.kind === 'message') m.shown.push(e.message);
          }
        }
      }
    }
  }

  /** Copies the sessions' last statuses of a member's group messages into its tracker. */
  refreshDelivery(a: GroupMember): void {
    for (const s of a.sent) {
      for (const [to, localId] of s.localIds) {
        const st = lastStatusOf(logOf(a.node, this.peer(a, to)), localId);
        if (st) a.tracker.update(s.uid, to, st);
      }
    }
  }
}
