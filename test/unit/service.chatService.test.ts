import assert from 'node:assert/strict';
import type { PeerAddress } from '../../src/core/address';
import { newIdentity, personId } from '../../src/core/identity';
import type { OutgoingContent } from '../../src/core/session';
import { newStats } from '../../src/core/sessionTypes';
import { MemoryTrustStorage, TrustStore } from '../../src/core/trust';
import type { PeerOrigin, RuntimeEvents, RuntimeOptions } from '../../src/net/chatRuntime';
import { contactLabel } from '../../src/net/chatRuntime';
import type { RuntimePeer, ServiceRuntime, ServiceSession } from '../../src/service/chatService';
import type { Peer } from '../../src/core/peer';
import { ChatService } from '../../src/service/chatService';
import type { ChatServiceListener, Person } from '../../src/service/types';
import { freeUdpPort } from '../support/udp';

class FakeSession implements ServiceSession {
  isRunning = true;
  presence: 'unknown' | 'online' | 'offline' = 'unknown';
  plainPeer = false;
  remoteName = '';
  config = { retryBudgetMs: 200 };
  stats = newStats();
  rto = 1000;
  srtt: number | undefined = 12.34;
  full = false;
  name = '';
  readonly sent: string[] = [];
  private uids = 0;
  send(content: OutgoingContent, localId?: string): string {
    if (!this.isRunning) throw new Error('The session is not running.');
    if (this.full) throw new Error('The offline queue is full');
    this.sent.push(content.text);
    return localId!;
  }
  retry(): boolean { return false; }
  newUid(): string { return `u${++this.uids}`; }
  setDisplayName(name: string): void { this.name = name; }
}

class FakePeer implements RuntimePeer {
  session = new FakeSession();
  key?: Buffer;
  established = false;
  held?: unknown;
  safetyNumber = '';
  constructor(public address: { address: string; port: number }) {}
}

/** Its events take core Peers; the service only reads what RuntimePeer has. */
const P = (p: FakePeer | undefined) => p as unknown as Peer;

class FakeRuntime implements ServiceRuntime {
  contact?: FakePeer;
  peer?: PeerAddress;
  peers: FakePeer[] = [];
  local = { address: '127.0.0.1', port: 40000 };
  localText = '127.0.0.1:40000';
  trust: TrustStore;
  ownId = personId(newIdentity().publicKey);
  ownFingerprint = 'ffff';
  verifiedPeers = new Set<RuntimePeer>();
  requests = new Set<RuntimePeer>();
  events: RuntimeEvents;
  stopped?: string;
  constructor(opts: RuntimeOptions) {
    this.peer = opts.peer;
    if (opts.peer) this.contact = this.addPeer({ address: opts.peer.host, port: opts.peer.port });
    this.trust = opts.trust ?? new TrustStore(new MemoryTrustStorage());
    if (opts.peer) this.contact!.key = this.trust.pinnedKey(contactLabel(opts.peer));
    this.events = opts.events;
  }
  origin(p: RuntimePeer): PeerOrigin { return p === this.contact ? 'contact' : 'added'; }
  isRequest(p: RuntimePeer): boolean { return this.requests.has(p); }
  verified(p: RuntimePeer): boolean { return this.verifiedPeers.has(p); }
  addPeer(to: { address: string; port: number }): FakePeer { const p = new FakePeer(to); this.peers.push(p); return p; }
  async resolve(peer: PeerAddress) { return { address: peer.host, port: peer.port }; }
  removePeer(p: RuntimePeer): void { (p as FakePeer).session.isRunning = false; this.peers = this.peers.filter((x) => x !== p); }
  acceptRequest(p: RuntimePeer): boolean { return this.requests.delete(p); }
  remember(): void { /* nothing to remember in the fake */ }
  block(p: RuntimePeer): string {
    const id = p.key ? personId(p.key) : `addr:${p.address.address}:${p.address.port}`;
    this.trust.block(id);
    if (p !== this.contact) this.removePeer(p);
    return id;
  }
  setVerified(p: RuntimePeer, v: boolean): boolean {
    if (!p.safetyNumber) return false;
    if (v) this.verifiedPeers.add(p); else this.verifiedPeers.delete(p);
    return true;
  }
  acceptKeyChange(p: RuntimePeer): boolean { const f = p as FakePeer; const was = f.held !== undefined; f.held = undefined; return was; }
  rejectKeyChange(p: RuntimePeer): boolean { return this.acceptKeyChange(p); }
  async changePeer(peer: PeerAddress): Promise<void> {
    if (this.contact) this.removePeer(this.contact);
    this.peer = peer;
    this.contact = this.addPeer({ address: peer.host, port: peer.port });
  }
  async stop(reason?: string): Promise<void> { this.stopped = reason; for (const p of this.peers) p.session.isRunning = false; }
  get session(): FakeSession { return this.contact!.session; }
}

const PEER: PeerAddress = { host: '127.0.0.1', port: 6000, family: 4 };

function setup() {
  let rt!: FakeRuntime;
  const service = new ChatService<FakeRuntime>({ startRuntime: async (o) => { rt = new FakeRuntime(o); return rt; } });
  const log: string[] = [];
  const changes: Array<{ person: Person; previousId?: string }> = [];
  const listener: ChatServiceListener = {
    personChanged: (person, previousId) => changes.push({ person: { ...person }, previousId }),
    status: (pid, id, s) => log.push(`${s} ${id} @${pid}`),
    message: (p, m) => log.push(`message ${m.text} from ${p.id} (${p.name})`),
    presence: (p, pr) => log.push(`presence ${pr} ${p.presence}`),
    secured: (p, sn) => log.push(`secured ${p.id} ${sn}`),
    ended: (i) => log.push(`ended ${i.reason} sent=${i.summary.sent} undelivered=${i.summary.undelivered} srtt=${i.stats.srtt}`),
  };
  service.on(listener);
  const start = async (trust?: TrustStore) => {
    const person = (await service.start({ localAddress: '127.0.0.1', localPort: 0, peer: PEER, displayName: 'me', trust }))!;
    return { person, rt };
  };
  return { service, log, changes, start, rt: () => rt };
}

const tick = () => new Promise<void>((r) => setImmediate(r));

describe('service/chatService: people, conversations and sending over the driver', () => {
  it('the configured peer is a person known by address until a key is known; with a pinned key, by the key at once', async () => {
    const a = setup();
    const { person } = await a.start();
    assert.equal(person.id, 'addr:127.0.0.1:6000');
    assert.deepEqual(a.service.people().map((p) => p.id), ['addr:127.0.0.1:6000']);
    assert.equal(a.changes[0].person.id, 'addr:127.0.0.1:6000');

    const key = newIdentity().publicKey;
    const trust = new TrustStore(new MemoryTrustStorage());
    trust.remember(key, 'ann', contactLabel(PEER));
    const b = setup();
    const started = await b.start(trust);
    assert.equal(started.person.id, personId(key));
  });

  it('when the key becomes known, the person and the conversation take its id: pending messages and their statuses follow', async () => {
    const { service, log, changes, start } = setup();
    const { rt } = await start();
    const sent = service.send('addr:127.0.0.1:6000', { text: 'hello' });
    assert.ok(sent.ok);
    const key = newIdentity().publicKey;
    const id = personId(key);
    rt.contact!.key = key;
    rt.contact!.established = true;
    rt.contact!.safetyNumber = '11111 22222';
    rt.events.secured!(P(rt.contact), '11111 22222', { verified: false, firstContact: true, personId: id });
    assert.equal(service.peer?.id, id);
    assert.deepEqual(service.people().map((p) => p.id), [id]);
    const moved = changes.find((c) => c.previousId !== undefined)!;
    assert.deepEqual([moved.previousId, moved.person.id, moved.person.encrypted], ['addr:127.0.0.1:6000', id, true]);
    assert.equal(service.pending(id), 1);
    assert.equal(service.pending('addr:127.0.0.1:6000'), 0);
    rt.events.status!(P(rt.contact), sent.ok ? sent.id : '', 'delivered');
    assert.ok(log.includes(`delivered m1 @${id}`), log.join('\n'));
    assert.equal(service.summary(id).delivered, 1);
    assert.equal(service.send('addr:127.0.0.1:6000', { text: 'old id' }).ok, false, 'the old id is nobody now');
  });

  it('incoming messages are tagged with the person (name as said) and counted', async () => {
    const { service, log, start } = setup();
    const { rt } = await start();
    rt.session.remoteName = 'ann';
    rt.events.message!(P(rt.contact), { text: 'hi', sentAt: 1, plain: false, uid: 'x' });
    assert.deepEqual(log, ['message hi from addr:127.0.0.1:6000 (ann)']);
    assert.equal(service.summary().received, 1);
  });

  it('messages held while the offline queue is full go out once the person is online, after the session\'s own queue', async () => {
    const { service, log, start } = setup();
    const { rt } = await start();
    const pid = service.peer!.id;
    rt.session.full = true;
    service.send(pid, { text: 'a' });
    service.send(pid, { text: 'b' });
    assert.deepEqual(rt.session.sent, []);
    rt.session.full = false;
    rt.session.presence = 'online';
    rt.events.presence!(P(rt.contact), 'online', { name: '', plain: false, reason: '' });
    assert.ok(log.includes('presence online online'), 'the person is online when the event is reported');
    assert.deepEqual(rt.session.sent, [], 'not inside the event');
    await tick();
    assert.deepEqual(rt.session.sent, ['a', 'b']);
  });

  it('stop without drain lets the driver go at once; the person stays with nothing live; ended reports the counters', async () => {
    const { service, log, start } = setup();
    const { rt } = await start();
    rt.contact!.established = true;
    rt.contact!.safetyNumber = '1';
    rt.session.presence = 'online';
    service.send(service.peer!.id, { text: 'pending' });
    const done = service.stop('bye now');
    assert.equal(service.running, false);
    assert.equal(service.runtime, undefined);
    assert.ok(service.stopping);
    await done;
    assert.equal(rt.stopped, 'bye now');
    assert.deepEqual(log.filter((l) => l.startsWith('ended')), ['ended bye now sent=1 undelivered=1 srtt=12.3']);
    const p = service.peer!;
    assert.deepEqual([p.presence, p.encrypted, p.safetyNumber], ['unknown', false, '']);
    assert.equal(service.stopping, false);
  });

  it('stop with drain waits for pending messages, and a stop without drain cuts the wait short', async () => {
    const { service, start } = setup();
    const { rt } = await start();
    const pid = service.peer!.id;
    service.send(pid, { text: 'a' });
    let waited = -1;
    let stopped = false;
    const done = service.stop('quit', { drain: true, onWait: (n) => { waited = n; } }).then(() => { stopped = true; });
    assert.equal(waited, 1);
    await new Promise((r) => setTimeout(r, 80));
    assert.equal(stopped, false, 'still draining');
    assert.ok(service.running, 'the session runs while draining');
    rt.events.status!(P(rt.contact), 'm1', 'delivered');
    await done;
    assert.equal(rt.stopped, 'quit');

    const b = setup();
    const r2 = (await b.start()).rt;
    r2.session.config.retryBudgetMs = 60_000; // the drain would wait a minute for progress
    b.service.send(b.service.peer!.id, { text: 'never acknowledged' });
    let ended = false;
    const draining = b.service.stop('quit', { drain: true }).then(() => { ended = true; });
    await new Promise((r) => setTimeout(r, 60));
    assert.equal(ended, false);
    const cut = Date.now();
    await Promise.race([b.service.stop('interrupted'), new Promise((r) => setTimeout(r, 1000))]);
    assert.ok(ended, `the stop without drain ended the wait (${Date.now() - cut} ms)`);
    await draining;
    assert.equal(r2.stopped, 'quit', 'the first reason is the one used');
  });

  it('verify and accept the key only for the person the session talks to; the view follows', async () => {
    const { service, changes, start } = setup();
    const { rt } = await start();
    const pid = service.peer!.id;
    assert.equal(service.verify(pid), false, 'no key yet');
    rt.contact!.safetyNumber = '12345';
    assert.equal(service.verify('someone else'), false);
    assert.equal(service.verify(pid), true);
    assert.equal(service.peer!.verified, true);
    assert.equal(changes.at(-1)!.person.verified, true);
    rt.contact!.held = {};
    rt.events.keyChanged!(P(rt.contact), { newFingerprint: 'n', oldFingerprint: 'o', from: { address: '127.0.0.1', port: 6000 } });
    assert.equal(service.peer!.keyChangePending, true);
    assert.equal(service.acceptKey(pid), true);
    assert.equal(changes.at(-1)!.person.keyChangePending, false, 'reported as a change at once');
    assert.equal(service.peer!.keyChangePending, false);
    assert.equal(service.acceptKey(pid), false);
    rt.contact!.held = {};
    assert.equal(service.rejectKey(pid), true);
    assert.equal(changes.at(-1)!.person.keyChangePending, false);
    rt.contact!.held = {};
    rt.events.keyChanged!(P(rt.contact), { newFingerprint: 'n', oldFingerprint: 'o', from: { address: '127.0.0.1', port: 6000 } });
    assert.equal(changes.at(-1)!.person.keyChangePending, true);
    rt.contact!.held = undefined;
    rt.events.keyChangeCleared!(P(rt.contact));
    assert.equal(changes.at(-1)!.person.keyChangePending, false, 'the remembered key spoke again');
  });

  it('changing the peer makes a new person; what was pending for the old one counts as undelivered', async () => {
    const { service, start } = setup();
    await start();
    service.send(service.peer!.id, { text: 'for the old one' });
    const next = await service.changePeer({ host: '127.0.0.1', port: 6001, family: 4 });
    assert.equal(next?.id, 'addr:127.0.0.1:6001');
    assert.deepEqual(service.people().map((p) => p.id), ['addr:127.0.0.1:6001']);
    assert.equal(service.summary('addr:127.0.0.1:6000').undelivered, 1);
    assert.equal(service.pending(), 0);
  });

  it('refuses a second start while running, and starts again after a stop', async () => {
    const { service, start } = setup();
    await start();
    await assert.rejects(start(), /already running/);
    await service.stop();
    const again = await start();
    assert.equal(again.person.name, '', 'a new session starts with a fresh view');
    assert.ok(service.running);
  });

  it('two services on real loopback sockets: encrypted, each sees the other as the person of its key, a message delivered', async function () {
    this.timeout(5000);
    const [pa, pb] = [await freeUdpPort(), await freeUdpPort()];
    const ida = newIdentity();
    const idb = newIdentity();
    const a = new ChatService();
    const b = new ChatService();
    const got: Array<{ from: string; text: string }> = [];
    const statuses: string[] = [];
    b.on({ message: (p, m) => got.push({ from: p.id, text: m.text }) });
    a.on({ status: (_p, _id, s) => statuses.push(s) });
    const t0 = Date.now();
    try {
      await a.start({ localAddress: '127.0.0.1', localPort: pa, peer: { host: '127.0.0.1', port: pb, family: 4 }, displayName: 'ann', identity: ida });
      await b.start({ localAddress: '127.0.0.1', localPort: pb, peer: { host: '127.0.0.1', port: pa, family: 4 }, displayName: 'bob', identity: idb });
      const r = a.send(a.peer!.id, { text: 'over loopback' });
      assert.ok(r.ok);
      const until = Date.now() + 4000;
      while (Date.now() < until && !statuses.includes('delivered')) await new Promise((res) => setTimeout(res, 10));
      assert.ok(statuses.includes('delivered'), statuses.join(','));
      assert.deepEqual(got, [{ from: personId(ida.publicKey), text: 'over loopback' }]);
      assert.equal(a.peer!.id, personId(idb.publicKey));
      assert.ok(a.peer!.encrypted && b.peer!.encrypted);
      assert.equal(a.peer!.safetyNumber, b.peer!.safetyNumber);
      assert.equal(a.peer!.name, 'bob');
    } finally {
      await a.stop();
      await b.stop();
    }
    assert.ok(Date.now() - t0 < 1000, `took ${Date.now() - t0} ms`);
  });
});
