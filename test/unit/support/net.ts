// An in-memory network of endpoints on one fake clock, with seeded loss, duplication, reordering
// and delay per datagram: for the many-peer, roaming and key-change tests of the v2 core.
import type { Address, Decision } from '../../../src/core/handshake';
import { addressKey, Endpoint } from '../../../src/core/endpoint';
import type { Identity } from '../../../src/core/identity';
import { newIdentity } from '../../../src/core/identity';
import type { Peer } from '../../../src/core/peer';
import type { IncomingMessage, OutStatus, Presence, SessionConfig } from '../../../src/core/session';
import { ChatSession } from '../../../src/core/session';
import { TimerTable } from '../../../src/core/timerTable';
import { MemoryTrustStorage, TrustStore } from '../../../src/core/trust';
import { FakeClock, mulberry32 } from './fakeClock';
import type { Impairment } from './link';
import { PERFECT } from './link';

export interface PeerLog {
  received: IncomingMessage[];
  statuses: Map<string, OutStatus[]>;
  presence: Presence[];
  notices: string[];
}

export interface NetNode {
  name: string;
  address: Address;
  identity: Identity;
  trust: TrustStore;
  endpoint: Endpoint;
  /** Per peer: what its session reported. */
  logs: Map<Peer, PeerLog>;
  keyChanges: Array<{ peer: Peer; key: Buffer }>;
  roams: Array<{ peer: Peer; from: Address }>;
  problems: string[];
  /** Let people we have no peer for in (a LAN messenger's default). */
  acceptStrangers: boolean;
  up: boolean;
}

export class FakeNet {
  readonly clock = new FakeClock();
  readonly rand: () => number;
  private readonly nodes = new Map<string, NetNode>();
  sent = 0;
  dropped = 0;
  /** Every datagram on the wire, when tapping. */
  tap?: (d: Buffer, from: Address, to: Address) => void;
  /** Drops chosen datagrams (on top of the random loss). */
  drop?: (d: Buffer, from: Address, to: Address) => boolean;

  constructor(seed = 1, public imp: Impairment = PERFECT, private readonly config: Partial<SessionConfig> = {}) {
    this.rand = mulberry32(seed);
  }

  node(name: string): NetNode {
    const n = this.nodes.get(name);
    if (!n) throw new Error(`no node ${name}`);
    return n;
  }

  add(name: string, address: Address, opts: { psk?: Buffer; identity?: Identity; trust?: TrustStore; acceptStrangers?: boolean } = {}): NetNode {
    const timers = new TimerTable(this.clock);
    const node: NetNode = {
      name, address, identity: opts.identity ?? newIdentity(), trust: opts.trust ?? new TrustStore(new MemoryTrustStorage(), () => this.clock.now()),
      endpoint: undefined as unknown as Endpoint, logs: new Map(), keyChanges: [], roams: [], problems: [], acceptStrangers: opts.acceptStrangers ?? false, up: true,
    };
    let ids = [...name].reduce((h, c) => (h * 31 + c.charCodeAt(0)) >>> 0, 17);
    const random32 = () => (ids = (ids * 1103515245 + 12345) >>> 0) || 1;
    node.endpoint = new Endpoint({
      identity: node.identity,
      psk: opts.psk,
      clock: timers,
      randomId: () => (this.rand() * 0x1_0000_0000) >>> 0,
      send: (d, to) => this.send(node, to, d),
      decide: (key, _from, peer) => this.decide(node, key, peer),
      attachSession: (peer) => {
        const log: PeerLog = { received: [], statuses: new Map(), presence: [], notices: [] };
        node.logs.set(peer, log);
        peer.session = new ChatSession({
          transport: { send: (d) => this.send(node, peer.address, d) },
          clock: timers, displayName: name, random32, config: this.config, filter: peer, secure: opts.psk !== undefined,
          defer: (fn) => { timers.setTimeout(fn, 0); },
          speaksProtocol: peer.reachedUs,
          events: {
            message: (m) => log.received.push(m),
            status: (id, s) => { const l = log.statuses.get(id) ?? []; l.push(s); log.statuses.set(id, l); },
            presence: (p) => log.presence.push(p),
            notice: (_l, t) => log.notices.push(t),
          },
        });
        peer.session.start();
      },
      events: {
        secured: (peer) => { if (peer.key) node.trust.remember(peer.key, peer.session.remoteName, peer.label); },
        keyChanged: (peer, key) => node.keyChanges.push({ peer, key }),
        roamed: (peer, from) => node.roams.push({ peer, from }),
        handshakeProblem: (_at, _peer, kind) => node.problems.push(String(kind)),
      },
    });
    this.nodes.set(addressKey(address), node);
    this.nodes.set(name, node);
    return node;
  }

  /** The trust rule of the runtime: a pinned contact with another key is held; strangers as the node says. */
  private decide(node: NetNode, key: Buffer, peer: Peer | undefined): Decision {
    if (!peer) return node.acceptStrangers || node.trust.person(key) ? 'accept' : 'reject';
    return node.trust.check(peer.label, key).kind === 'changed' ? 'hold' : 'accept';
  }

  /** Moves a node to another address (a port change, DHCP, NAT rebinding): same keys, same sessions. */
  move(node: NetNode, to: Address): void {
    this.nodes.delete(addressKey(node.address));
    node.address = to;
    this.nodes.set(addressKey(to), node);
  }

  send(from: NetNode, to: Address, datagram: Buffer): void {
    this.sent++;
    const src = { ...from.address };
    this.tap?.(datagram, src, to);
    if (!from.up || this.drop?.(datagram, src, to) || this.rand() < this.imp.loss) { this.dropped++; return; }
    const copies = this.rand() < this.imp.duplicate ? 2 : 1;
    for (let i = 0; i < copies; i++) {
      let delay = this.imp.delayMs;
      if (this.rand() < this.imp.reorder) delay += this.rand() * this.imp.reorderMs;
      const copy = Buffer.from(datagram);
      this.clock.setTimeout(() => {
        const dest = this.nodes.get(addressKey(to));
        if (dest && dest.up) dest.endpoint.receive(copy, src);
      }, delay);
    }
  }

  /** Injects a datagram as if it came from `from` (spoofing tests). */
  inject(to: NetNode, from: Address, datagram: Buffer): void { to.endpoint.receive(datagram, from); }
}

export function logOf(node: NetNode, peer: Peer | undefined): PeerLog {
  const l = peer && node.logs.get(peer);
  if (!l) throw new Error(`${node.name} has no log for that peer`);
  return l;
}

export function lastStatusOf(log: PeerLog, id: string): OutStatus | undefined {
  const l = log.statuses.get(id);
  return l ? l[l.length - 1] : undefined;
}
