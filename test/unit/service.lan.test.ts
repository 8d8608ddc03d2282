// The chat service with several people: real services on real loopback sockets, found through an
// in-memory stand-in for mDNS (the real discovery runs in the LAN lab, test/node/lan*.test.ts).
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { newIdentity, personId } from '../../src/core/identity';
import { MemoryTrustStorage, TrustStore } from '../../src/core/trust';
import type { DiscoveredPeer, DiscoveryEvents, DiscoveryOptions, DiscoveryStatus } from '../../src/net/discovery';
import { ChatService } from '../../src/service/chatService';
import type { DiscoveryLike, GroupDelivery, GroupInfo, Person } from '../../src/service/types';
import type { IncomingMessage } from '../../src/core/session';
import { freeUdpPort } from '../support/udp';

/** Everyone started on one FakeLan sees everyone else, as mDNS would (goodbye on stop). */
class FakeLan { readonly members = new Set<FakeDiscovery>(); }

class FakeDiscovery extends EventEmitter<DiscoveryEvents> implements DiscoveryLike {
  own?: DiscoveredPeer;
  constructor(private readonly lan: FakeLan) { super(); }
  async start(o: DiscoveryOptions): Promise<DiscoveryStatus> {
    this.own = { id: o.personId, name: o.name, addresses: ['127.0.0.1'], port: o.port, fingerprint: o.fingerprint.replace(/ /g, ''), version: '2' };
    for (const m of this.lan.members) {
      if (!m.own) continue;
      m.emit('discovered', this.own);
      this.emit('discovered', m.own);
    }
    this.lan.members.add(this);
    return { ipv4: true, ipv6: false };
  }
  setName(name: string): void { if (this.own) this.own = { ...this.own, name }; }
  async stop(): Promise<void> {
    this.lan.members.delete(this);
    for (const m of this.lan.members) if (this.own) m.emit('lost', this.own.id);
  }
}

interface Seen {
  messages: Array<{ from: string; text: string; request: boolean }>;
  group: Array<{ group: string; from: string; text: string }>;
  changes: Array<{ group: string; members: string[]; isMember: boolean; op: string }>;
  deliveries: Map<string, GroupDelivery>;
  discovered: string[];
  lost: Array<{ id: string; reason: string }>;
  requests: string[];
}

async function until(cond: () => boolean, what: string, ms = 8000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('service: people on the LAN, requests, blocks and groups (real loopback sockets)', function () {
  this.timeout(30_000);
  const running: ChatService[] = [];
  afterEach(async () => { await Promise.all(running.splice(0).map((s) => s.stop())); });

  async function peer(lan: FakeLan | undefined, name: string, opts: { reach?: 'anyone' | 'known'; trust?: TrustStore; groups?: { data?: string }; identity?: ReturnType<typeof newIdentity>; port?: number; budgetMs?: number } = {}) {
    const identity = opts.identity ?? newIdentity();
    const service = new ChatService();
    const seen: Seen = { messages: [], group: [], changes: [], deliveries: new Map(), discovered: [], lost: [], requests: [] };
    service.on({
      message: (p: Person, m: IncomingMessage) => seen.messages.push({ from: p.id, text: m.text, request: p.request }),
      groupMessage: (g: GroupInfo, from, m) => seen.group.push({ group: g.name, from: from.id, text: m.text }),
      groupChanged: (g, c) => seen.changes.push({ group: g.name, members: g.members.map((x) => x.id).sort(), isMember: c.isMember, op: c.op }),
      groupStatus: (_g, id, d) => seen.deliveries.set(id, d),
      discovered: (p) => seen.discovered.push(p.id),
      lost: (p, reason) => seen.lost.push({ id: p.id, reason }),
      request: (p) => seen.requests.push(p.id),
    });
    const port = opts.port ?? await freeUdpPort();
    const storage = opts.groups ? { load: () => opts.groups!.data, save: (d: string) => { opts.groups!.data = d; } } : undefined;
    await service.start({
      localAddress: '127.0.0.1', localPort: port, displayName: name, identity, reach: opts.reach, trust: opts.trust,
      discovery: lan ? { create: () => new FakeDiscovery(lan) } : undefined, groupStorage: storage,
      config: { heartbeatIntervalMs: 200, offlineAfterMs: 1000, ...(opts.budgetMs ? { retryBudgetMs: opts.budgetMs } : {}) },
    });
    running.push(service);
    return { service, seen, id: personId(identity.publicKey), port, name, identity };
  }

  it('people found on the LAN become conversations by their keys: named, online, encrypted, a message each way', async () => {
    const lan = new FakeLan();
    const a = await peer(lan, 'ann');
    const b = await peer(lan, 'bob');
    const c = await peer(lan, 'cid');
    for (const x of [a, b, c]) {
      await until(() => x.service.people().filter((p) => p.presence === 'online' && p.encrypted).length === 2, `${x.name} to see two people online`);
    }
    assert.deepEqual(a.service.people().map((p) => p.id).sort(), [b.id, c.id].sort());
    assert.deepEqual(a.service.people().map((p) => p.name).sort(), ['bob', 'cid']);
    assert.ok(a.service.people().every((p) => p.discovered && !p.request && !p.configured));
    assert.deepEqual([...new Set(a.seen.discovered)].sort(), [b.id, c.id].sort());
    assert.deepEqual(a.service.findPeople('BOB').map((p) => p.id), [b.id], 'names are found case-insensitively');
    assert.deepEqual(a.service.findPeople(b.id.slice(0, 6)).map((p) => p.id), [b.id], 'ids by prefix');

    const r = a.service.send(b.id, { text: 'hi bob' });
    assert.ok(r.ok);
    await until(() => b.seen.messages.length === 1, 'bob to get the message');
    assert.deepEqual(b.seen.messages, [{ from: a.id, text: 'hi bob', request: false }]);
    assert.deepEqual(c.seen.messages, [], 'cid got nothing');
    b.service.send(a.id, { text: 'hi ann' });
    await until(() => a.seen.messages.length === 1, 'ann to get the answer');
    assert.equal(a.seen.messages[0].from, b.id);

    await c.service.stop();
    await until(() => a.seen.lost.some((l) => l.id === c.id), 'ann to see cid leave');
    assert.equal(a.seen.lost.find((l) => l.id === c.id)!.reason, 'goodbye');
    assert.equal(a.service.person(c.id)?.discovered, false);
  });

  it('a group: every member gets each message exactly once, in order per sender; delivery per member; a removed member gets nothing after', async () => {
    const lan = new FakeLan();
    const a = await peer(lan, 'ann');
    const b = await peer(lan, 'bob');
    // cid's groups are kept between runs (the extension's globalState, the terminal peer's groups file).
    const cidGroups: { data?: string } = {};
    const c = await peer(lan, 'cid', { groups: cidGroups });
    for (const x of [a, b, c]) await until(() => x.service.people().filter((p) => p.encrypted).length === 2, `${x.name} secured with both`);
    const g = a.service.createGroup('team', [b.id, c.id]);
    assert.deepEqual(g.members.map((m) => m.id).sort(), [a.id, b.id, c.id].sort());
    await until(() => b.service.groups().length === 1 && c.service.groups().length === 1, 'the invitations');
    assert.equal(b.service.groups()[0].name, 'team');
    assert.ok(b.seen.changes.some((x) => x.isMember && x.op === 'create'));

    const ids: string[] = [];
    for (let i = 0; i < 10; i++) {
      const r = a.service.sendGroup(g.id, { text: `a${i}` });
      assert.ok(r.ok);
      if (r.ok) ids.push(r.id);
    }
    const rb = b.service.sendGroup(g.id, { text: 'from bob' });
    assert.ok(rb.ok);
    await until(() => b.seen.group.length === 10 && c.seen.group.length === 11 && a.seen.group.length === 1, 'every group message');
    assert.deepEqual(b.seen.group.map((m) => m.text), ids.map((_, i) => `a${i}`));
    assert.deepEqual(c.seen.group.filter((m) => m.from === a.id).map((m) => m.text), ids.map((_, i) => `a${i}`));
    assert.deepEqual(c.seen.group.filter((m) => m.from === b.id).map((m) => m.text), ['from bob']);
    assert.deepEqual(a.seen.group, [{ group: 'team', from: b.id, text: 'from bob' }]);
    assert.deepEqual([b.seen.messages, c.seen.messages], [[], []], 'group messages are never direct messages');
    await until(() => ids.every((id) => a.seen.deliveries.get(id)?.delivered === 2), 'delivered to 2 of 2');
    const d = a.seen.deliveries.get(ids[0])!;
    assert.equal(d.label, 'delivered to 2 of 2');
    assert.match(d.tooltip, /Delivered: (bob, cid|cid, bob)/);

    a.service.setGroupMembers(g.id, [b.id]);
    await until(() => c.seen.changes.some((x) => !x.isMember), 'cid to learn of the removal');
    await until(() => b.service.groups()[0].members.length === 2, 'bob to learn of the removal');
    const after = a.service.sendGroup(g.id, { text: 'without cid' });
    assert.ok(after.ok);
    await until(() => b.seen.group.some((m) => m.text === 'without cid'), 'bob gets it');
    await new Promise((r) => setTimeout(r, 300));
    assert.ok(!c.seen.group.some((m) => m.text === 'without cid'), 'the removed member got nothing after the removal');
    if (after.ok) assert.equal(a.seen.deliveries.get(after.id)?.label, 'delivered to 1 of 1');
  });

  it('groups survive a restart of the service', async () => {
    const lan = new FakeLan();
    const store: { data?: string } = {};
    const a = await peer(lan, 'ann', { groups: store });
    const b = await peer(lan, 'bob');
    await until(() => a.service.people().some((p) => p.id === b.id && p.encrypted), 'bob secured');
    const g = a.service.createGroup('kept', [b.id]);
    assert.ok(store.data, 'saved');
    await a.service.stop();
    const again = new ChatService();
    running.push(again);
    await again.start({ localAddress: '127.0.0.1', localPort: a.port, displayName: 'ann', identity: a.identity, groupStorage: { load: () => store.data, save: (d) => { store.data = d; } } });
    assert.deepEqual(again.groups().map((x) => [x.id, x.name, x.members.length]), [[g.id, 'kept', 2]]);
  });

  it("reach 'known': a stranger's first message waits as a request; block is remembered and nothing of theirs shows again", async () => {
    const trust = new TrustStore(new MemoryTrustStorage());
    const d = await peer(undefined, 'dee', { reach: 'known', trust });
    const e = await peer(undefined, 'eve');
    const person = await e.service.addPeer({ host: '127.0.0.1', port: d.port, family: 4 });
    e.service.send(person.id, { text: 'hello dee' });
    await until(() => d.seen.messages.length === 1, 'the request message');
    assert.deepEqual(d.seen.requests, [e.id], 'one request');
    assert.deepEqual(d.seen.messages, [{ from: e.id, text: 'hello dee', request: true }]);
    assert.equal(d.service.person(e.id)?.request, true);
    assert.equal(trust.person(e.identity.publicKey), undefined, 'a stranger is not remembered');

    assert.ok(d.service.block(e.id));
    assert.ok(trust.isBlocked(e.id), 'the block is remembered');
    assert.equal(d.service.person(e.id), undefined, 'gone from the list');
    const eveNow = e.service.people()[0];
    e.service.send(eveNow.id, { text: 'let me in' });
    // Eve restarts: a fresh handshake is refused too.
    await e.service.stop();
    const e2 = new ChatService();
    running.push(e2);
    await e2.start({ localAddress: '127.0.0.1', localPort: e.port, displayName: 'eve', identity: e.identity });
    const p2 = await e2.addPeer({ host: '127.0.0.1', port: d.port, family: 4 });
    e2.send(p2.id, { text: 'again' });
    await new Promise((r) => setTimeout(r, 1500));
    assert.deepEqual(d.seen.messages.map((m) => m.text), ['hello dee'], 'nothing after the block');
    assert.equal(d.service.person(e.id), undefined);
  });

  it("reach 'known': accepting a request makes the person known; people we wrote to first are never requests", async () => {
    const trust = new TrustStore(new MemoryTrustStorage());
    const d = await peer(undefined, 'dee', { reach: 'known', trust });
    const f = await peer(undefined, 'fay');
    const p = await f.service.addPeer({ host: '127.0.0.1', port: d.port, family: 4 });
    f.service.send(p.id, { text: 'hi' });
    await until(() => d.seen.requests.length === 1, 'the request');
    assert.ok(d.service.acceptRequest(f.id));
    assert.equal(d.service.person(f.id)?.request, false);
    assert.ok(trust.person(f.identity.publicKey), 'known now');
    const sent = f.service.send(f.service.people()[0].id, { text: 'accepted?' });
    assert.ok(sent.ok, 'the person now goes by their key');
    await until(() => d.seen.messages.length === 2, 'the next message');
    assert.equal(d.seen.messages[1].request, false);

    const g = await peer(undefined, 'gus');
    const toG = await d.service.addPeer({ host: '127.0.0.1', port: g.port, family: 4 });
    d.service.send(toG.id, { text: 'hi gus' });
    await until(() => g.seen.messages.length === 1, 'gus gets it');
    g.service.send(g.service.people()[0].id, { text: 'hi dee' });
    await until(() => d.seen.messages.some((m) => m.text === 'hi dee'), 'the answer');
    assert.equal(d.seen.messages.find((m) => m.text === 'hi dee')!.request, false, 'someone we wrote to is no request');
    assert.deepEqual(d.seen.requests, [f.id]);
  });

  it('a member who is away gets the group message when back, exactly once; delivery shows who is waiting meanwhile', async () => {
    const lan = new FakeLan();
    const a = await peer(lan, 'ann');
    const b = await peer(lan, 'bob');
    // cid's groups are kept between runs (the extension's globalState, the terminal peer's groups file).
    const cidGroups: { data?: string } = {};
    const c = await peer(lan, 'cid', { groups: cidGroups });
    for (const x of [a, b, c]) await until(() => x.service.people().filter((p) => p.encrypted).length === 2, `${x.name} secured with both`);
    const g = a.service.createGroup('team', [b.id, c.id]);
    await until(() => c.service.groups().length === 1 && b.service.groups().length === 1, 'the invitations');
    await c.service.stop();
    await until(() => a.service.person(c.id)?.presence === 'offline', 'cid offline');
    const r = a.service.sendGroup(g.id, { text: 'while cid is away' });
    assert.ok(r.ok);
    if (!r.ok) return;
    await until(() => a.seen.deliveries.get(r.id)?.label === 'delivered to 1 of 2', 'bob has it');
    assert.match(a.seen.deliveries.get(r.id)!.tooltip, /Waiting: cid/);
    assert.equal(a.service.retryGroup(g.id, r.id), 0, 'nothing failed: nothing to retry');
    const c2 = await peer(lan, 'cid', { identity: c.identity, port: c.port, groups: cidGroups });
    await until(() => a.seen.deliveries.get(r.id)?.label === 'delivered to 2 of 2', 'delivered to both', 15_000);
    await new Promise((res) => setTimeout(res, 300));
    assert.deepEqual(c2.seen.group.map((m) => m.text), ['while cid is away'], `exactly once (1:1: ${JSON.stringify(c2.seen.messages.map((m) => m.text))})`);
  });

  it("reach 'known' on the LAN: people found are listed, not requests and not remembered; the first message of one makes a request", async () => {
    const lan = new FakeLan();
    const trust = new TrustStore(new MemoryTrustStorage());
    const d = await peer(lan, 'dee', { reach: 'known', trust });
    const x = await peer(lan, 'xan');
    await until(() => d.service.people().some((p) => p.id === x.id && p.encrypted), 'xan found and secured');
    assert.equal(d.service.person(x.id)?.request, false, 'found is no request');
    assert.deepEqual(d.seen.requests, []);
    assert.equal(trust.person(x.identity.publicKey), undefined, 'a stranger found on the LAN is not remembered');
    x.service.send(d.id, { text: 'hello from the LAN' });
    await until(() => d.seen.messages.length === 1, 'the message');
    assert.deepEqual(d.seen.requests, [x.id]);
    assert.equal(d.seen.messages[0].request, true);
    assert.equal(d.service.person(x.id)?.request, true);
    d.service.send(x.id, { text: 'hi xan' });
    assert.equal(d.service.person(x.id)?.request, false, 'writing back accepts');
    assert.ok(trust.person(x.identity.publicKey), 'and remembers');
  });
});
