import * as assert from 'node:assert/strict';
import { safetyNumber } from '../../src/core/identity';
import { FakeNet, logOf } from './support/net';

const A = { address: '10.0.0.1', port: 5000 };
const B = { address: '10.0.0.2', port: 5000 };

describe('core/endpoint: one endpoint, many peers (wire v2)', () => {
  it('two UDP Chats meet by text, then speak only sealed v2 datagrams: messages both ways, the same safety number', () => {
    const net = new FakeNet(1);
    const wire: Buffer[] = [];
    net.tap = (d) => wire.push(d);
    const a = net.add('alice', A);
    const b = net.add('bob', B);
    const pa = a.endpoint.addPeer(B, '10.0.0.2:5000');
    const pb = b.endpoint.addPeer(A, '10.0.0.1:5000');
    net.clock.advance(50);
    pa.session.send({ text: 'hi bob' });
    pb.session.send({ text: 'hi alice' });
    net.clock.advance(3000);
    assert.deepEqual(logOf(b, pb).received.map((m) => m.text), ['hi bob']);
    assert.deepEqual(logOf(a, pa).received.map((m) => m.text), ['hi alice']);
    assert.ok(pa.established && pb.established);
    assert.ok(pa.key!.equals(b.identity.publicKey) && pb.key!.equals(a.identity.publicKey));
    assert.equal(pa.safetyNumber, pb.safetyNumber);
    assert.equal(pa.safetyNumber, safetyNumber(a.identity.publicKey, b.identity.publicKey));
    // After first contact, every binary datagram is v2 and carries a receiver id (non-zero except HS_INIT).
    const binary = wire.filter((d) => d[0] === 0xf5);
    assert.ok(binary.length > 5);
    for (const d of binary) {
      assert.equal(d[3], 2);
      if (d[4] !== 0x11) assert.notEqual(d.readUInt32BE(6), 0);
    }
    // No user text in clear on the wire once the protocol runs: only the greeting lines are text.
    const text = wire.filter((d) => d[0] !== 0xf5).map((d) => d.toString('utf8'));
    assert.ok(text.every((t) => t.includes('is using UDP Chat')), text.join('|'));
  });
});

function meet(net: FakeNet, ms = 3000) { net.clock.advance(ms); }

describe('core/endpoint: many peers, loss, roaming, keys', () => {
  it('50 peers on one endpoint at 30% loss with duplicates and reordering: every message exactly once, in order per sender', function () {
    this.timeout(120_000);
    const net = new FakeNet(7, { loss: 0.3, duplicate: 0.1, reorder: 0.2, delayMs: 5, reorderMs: 40 });
    const HUB = { address: '10.0.0.100', port: 5000 };
    const hub = net.add('hub', HUB, { acceptStrangers: true });
    const spokes = Array.from({ length: 50 }, (_, i) => net.add(`p${i}`, { address: `10.0.1.${i + 1}`, port: 6000 + i }));
    const toHub = spokes.map((s) => s.endpoint.addPeer(HUB, 'hub'));
    const PER = 6;
    for (let round = 0; round < PER; round++) {
      spokes.forEach((s, i) => toHub[i].session.send({ text: `${s.name} #${round}` }));
      net.clock.advance(200);
    }
    net.clock.advance(30_000);
    // The hub has one peer per spoke, found by key, each with its messages once and in order.
    assert.equal(hub.endpoint.peers.length, 50);
    for (const s of spokes) {
      const p = hub.endpoint.peerByKey(s.identity.publicKey);
      assert.ok(p, `hub knows ${s.name}`);
      const got = logOf(hub, p).received.map((m) => m.text);
      assert.deepEqual(got, Array.from({ length: PER }, (_, r) => `${s.name} #${r}`), s.name);
    }
    // And the other way: the hub answers every spoke over the sessions they set up.
    for (const s of spokes) hub.endpoint.peerByKey(s.identity.publicKey)!.session.send({ text: `hello ${s.name}` });
    for (const s of spokes) hub.endpoint.peerByKey(s.identity.publicKey)!.session.send({ text: `bye ${s.name}` });
    net.clock.advance(30_000);
    spokes.forEach((s, i) => assert.deepEqual(logOf(s, toHub[i]).received.map((m) => m.text), [`hello ${s.name}`, `bye ${s.name}`], s.name));
    assert.ok(net.dropped > 500, `loss happened (${net.dropped} dropped)`);
  });

  it('a peer that moves to a new port (and to IPv6) mid-conversation stays the same conversation', () => {
    const net = new FakeNet(3, { loss: 0.1, duplicate: 0, reorder: 0, delayMs: 2, reorderMs: 0 });
    const a = net.add('alice', A);
    const b = net.add('bob', B);
    const pa = a.endpoint.addPeer(B, '10.0.0.2:5000');
    const pb = b.endpoint.addPeer(A, '10.0.0.1:5000');
    pb.session.send({ text: 'one' });
    meet(net, 5000);
    assert.deepEqual(logOf(a, pa).received.map((m) => m.text), ['one']);
    // "Use Any Free Port", a DHCP renewal, a NAT rebinding: bob's datagrams now come from elsewhere.
    net.move(b, { address: '10.0.0.2', port: 41234 });
    pb.session.send({ text: 'two' });
    meet(net, 5000);
    net.move(b, { address: 'fd00::2', port: 41234 });
    pb.session.send({ text: 'three' });
    pa.session.send({ text: 'back to you' });
    meet(net, 5000);
    assert.deepEqual(logOf(a, pa).received.map((m) => m.text), ['one', 'two', 'three']);
    assert.deepEqual(logOf(b, pb).received.map((m) => m.text), ['back to you']);
    assert.deepEqual(pa.address, { address: 'fd00::2', port: 41234 });
    assert.equal(a.endpoint.peers.length, 1, 'one conversation, not three');
    assert.ok(a.roams.length >= 2);
  });

  it('a changed key for a pinned contact is held with a warning: nothing from it is shown until the user accepts', () => {
    const net = new FakeNet(5);
    const a = net.add('alice', A);
    net.add('bob', B);
    const pa = a.endpoint.addPeer(B, 'bob:5000');
    const first = net.node('bob');
    const pb = first.endpoint.addPeer(A, 'alice:5000');
    pb.session.send({ text: 'from the real bob' });
    meet(net);
    assert.deepEqual(logOf(a, pa).received.map((m) => m.text), ['from the real bob']);
    // Bob's machine is replaced: same address, a new identity key.
    first.up = false;
    const impostor = net.add('bob2', B);
    const pi = impostor.endpoint.addPeer(A, 'alice:5000');
    pi.session.send({ text: 'trust me' });
    meet(net, 10_000);
    assert.equal(a.keyChanges.length, 1, 'one warning');
    assert.ok(a.keyChanges[0].key.equals(impostor.identity.publicKey));
    assert.ok(pa.key!.equals(first.identity.publicKey), 'the pinned key stays');
    assert.deepEqual(logOf(a, pa).received.map((m) => m.text), ['from the real bob'], 'nothing from the new key');
    pa.session.send({ text: 'are you bob?' });
    meet(net, 5000);
    assert.deepEqual(logOf(impostor, pi).received.map((m) => m.text), [], 'nothing sent to the new key either');
    // The user compares safety numbers and accepts: the new key becomes the contact's key.
    a.trust.remember(impostor.identity.publicKey, '', 'bob:5000');
    a.endpoint.acceptHeldKey(pa);
    meet(net, 10_000);
    assert.deepEqual(logOf(a, pa).received.map((m) => m.text), ['from the real bob', 'trust me']);
    assert.deepEqual(logOf(impostor, pi).received.map((m) => m.text), ['are you bob?']);
  });

  it('a known key uses IK (one round trip); a reinstalled peer makes IK fail, XX follows and the key change is caught', () => {
    const net = new FakeNet(9);
    const inits: number[] = [];
    net.tap = (d) => { if (d[0] === 0xf5 && d[4] === 0x11) inits.push(d[14]); };
    const a = net.add('alice', A);
    const b = net.add('bob', B);
    const pa = a.endpoint.addPeer(B, 'bob:5000', b.identity.publicKey);
    b.endpoint.addPeer(A, 'alice:5000');
    a.trust.remember(b.identity.publicKey, 'bob', 'bob:5000');
    pa.session.send({ text: 'ik' });
    meet(net);
    assert.ok(inits.includes(1), `IK used (patterns ${inits})`);
    assert.deepEqual(logOf(b, b.endpoint.peerByKey(a.identity.publicKey)).received.map((m) => m.text), ['ik']);
    // Bob reinstalls (new key); alice's IK cannot open at the new bob, which says so; XX shows the new key.
    b.up = false;
    const b2 = net.add('bob-new', B);
    b2.endpoint.addPeer(A, 'alice:5000');
    meet(net, 20_000);
    assert.ok(inits.includes(0), `XX followed (patterns ${inits})`);
    assert.equal(a.keyChanges.length, 1);
    assert.ok(a.keyChanges[0].key.equals(b2.identity.publicKey));
  });

  it('a passphrase adds a psk: same passphrase talks; a mismatch or a missing one says so and shows nothing', () => {
    const psk = Buffer.alloc(32, 1);
    const other = Buffer.alloc(32, 2);
    for (const [pa, pb, expect] of [[psk, psk, 'ok'], [psk, other, 'mismatch'], [psk, undefined, 'missing']] as const) {
      const net = new FakeNet(11);
      const a = net.add('alice', A, { psk: pa });
      const b = net.add('bob', B, { psk: pb });
      const toB = a.endpoint.addPeer(B, 'b');
      const toA = b.endpoint.addPeer(A, 'a');
      toA.session.send({ text: 'secret' });
      meet(net, 15_000);
      const got = logOf(a, toB).received.map((m) => m.text);
      if (expect === 'ok') assert.deepEqual(got, ['secret']);
      else {
        assert.deepEqual(got, [], expect);
        assert.ok([...a.problems, ...b.problems].length > 0, `${expect}: a notice (${a.problems} / ${b.problems})`);
      }
    }
  });

  it('a peer that restarts (new instance, same key) is the same person: the conversation goes on exactly once', () => {
    const net = new FakeNet(13, { loss: 0.1, duplicate: 0.05, reorder: 0.1, delayMs: 3, reorderMs: 20 });
    const identity = (net.add('bob', B)).identity;
    const a = net.add('alice', A);
    const pa = a.endpoint.addPeer(B, 'bob:5000');
    const b1 = net.node('bob');
    const p1 = b1.endpoint.addPeer(A, 'alice:5000');
    p1.session.send({ text: 'before' });
    pa.session.send({ text: 'to the first bob' });
    meet(net, 8000);
    b1.up = false;
    p1.session.end();
    const b2 = net.add('bob again', B, { identity });
    const p2 = b2.endpoint.addPeer(A, 'alice:5000');
    p2.session.send({ text: 'after' });
    pa.session.send({ text: 'to the second bob' });
    meet(net, 20_000);
    assert.deepEqual(logOf(a, pa).received.map((m) => m.text), ['before', 'after']);
    assert.deepEqual(logOf(b2, p2).received.map((m) => m.text), ['to the second bob']);
    assert.equal(a.keyChanges.length, 0);
    assert.equal(a.endpoint.peers.length, 1);
  });

  it('forged datagrams (random receiver ids, replayed and tampered TRANSPORT, bogus handshakes) never show', () => {
    const net = new FakeNet(17);
    const wire: Array<{ d: Buffer; to: string }> = [];
    net.tap = (d, _f, to) => wire.push({ d: Buffer.from(d), to: to.address });
    const a = net.add('alice', A);
    const b = net.add('bob', B);
    const pa = a.endpoint.addPeer(B, 'b');
    const pb = b.endpoint.addPeer(A, 'a');
    pb.session.send({ text: 'real' });
    meet(net);
    const rand = (n: number) => Buffer.from(Array.from({ length: n }, () => Math.floor(net.rand() * 256)));
    const transports = wire.filter((w) => w.to === A.address && w.d[0] === 0xf5 && w.d[4] === 0x15);
    assert.ok(transports.length > 0);
    for (let i = 0; i < 2000; i++) {
      const t = Buffer.from(transports[i % transports.length].d);
      if (i % 3 === 0) t[20 + (i % (t.length - 20))] ^= 1; // tampered
      else if (i % 3 === 1) t.writeUInt32BE((net.rand() * 2 ** 32) >>> 0, 6); // guessed receiver id
      net.inject(a, B, t); // and the rest: replays
      net.inject(a, B, Buffer.concat([Buffer.from([0xf5, 0x55, 0x43, 2, 0x11 + (i % 5), 0]), rand(8 + (i % 90))]));
    }
    meet(net, 2000);
    assert.deepEqual(logOf(a, pa).received.map((m) => m.text), ['real']);
    pb.session.send({ text: 'still works' });
    meet(net, 2000);
    assert.deepEqual(logOf(a, pa).received.map((m) => m.text), ['real', 'still works']);
  });

  it('a held key change does not freeze the conversation: the pinned key talking again clears it, and a refused key stays refused', () => {
    const net = new FakeNet(21);
    const a = net.add('alice', A);
    const bob = net.add('bob', B);
    const pa = a.endpoint.addPeer(B, 'bob:5000');
    const pb = bob.endpoint.addPeer(A, 'alice:5000');
    meet(net);
    bob.up = false;
    const mallory = net.add('mallory', B);
    mallory.endpoint.addPeer(A, 'alice:5000').session.send({ text: 'from mallory' });
    meet(net, 8000);
    assert.ok(pa.held, 'held after the other key');
    // Mallory leaves, the real bob is back at the same address with the pinned key.
    mallory.up = false;
    net.move(bob, B);
    bob.up = true;
    pb.session.send({ text: 'the real bob again' });
    meet(net, 20_000);
    assert.equal(pa.held, undefined, 'the pinned key cleared the hold');
    assert.deepEqual(logOf(a, pa).received.map((m) => m.text), ['the real bob again']);
    // Mallory tries again; alice refuses the key: it stays refused, and bob goes on.
    bob.up = false;
    mallory.up = true;
    net.move(mallory, B);
    mallory.endpoint.peers[0].session.send({ text: 'let me in' });
    meet(net, 10_000);
    assert.ok(pa.held);
    const warnings = a.keyChanges.length;
    a.endpoint.rejectHeldKey(pa);
    meet(net, 10_000);
    assert.equal(a.keyChanges.length, warnings, 'a refused key raises no new warning');
    assert.equal(pa.held, undefined);
    assert.ok(!logOf(a, pa).received.some((m) => m.text === 'let me in'));
  });

  it('a replayed IK message 1 from another address moves nothing and clears nothing; the first sealed datagram of XX is not lost', () => {
    const net = new FakeNet(23);
    const wire: Array<{ d: Buffer; from: string }> = [];
    net.tap = (d, f) => wire.push({ d: Buffer.from(d), from: f.address });
    const a = net.add('alice', A);
    const b = net.add('bob', B);
    const pa = a.endpoint.addPeer(B, 'b');
    b.endpoint.addPeer(A, 'a', a.identity.publicKey); // bob knows alice's key: IK from bob
    b.trust.remember(a.identity.publicKey, 'alice', 'a');
    meet(net);
    const ik = wire.find((w) => w.d[0] === 0xf5 && w.d[4] === 0x11 && w.d[14] === 1);
    assert.ok(ik, 'bob used IK');
    // No datagram was dropped for arriving before the handshake it depends on.
    assert.equal(a.endpoint.stats.unknownIndex + b.endpoint.stats.unknownIndex, 0);
    const roams = a.roams.length;
    net.inject(a, { address: '10.9.9.9', port: 666 }, ik!.d);
    net.clock.advance(100);
    assert.deepEqual(pa.address, B, 'a replay does not move the peer');
    assert.equal(a.roams.length, roams);
  });

  it('IKpsk2 with another passphrase: the initiator says so and tells the responder, which says so too', () => {
    const net = new FakeNet(29);
    const a = net.add('alice', A, { psk: Buffer.alloc(32, 1) });
    // Bob only answers (no peer of his own, strangers welcome): what he reports comes from alice's rejection.
    const b = net.add('bob', B, { psk: Buffer.alloc(32, 2), acceptStrangers: true });
    const pa = a.endpoint.addPeer(B, 'b', b.identity.publicKey);
    const patterns: number[] = [];
    net.tap = (d) => { if (d[0] === 0xf5 && d[4] === 0x11) patterns.push(d[14]); };
    pa.session.send({ text: 'x' });
    meet(net, 15_000);
    assert.ok(patterns.includes(3), `IKpsk2 used (${patterns})`);
    assert.ok(a.problems.includes(String(4)), `alice: ${a.problems}`);
    assert.ok(b.problems.includes(String(4)), `bob: ${b.problems}`);
  });

  it('a peer that reached us comes online even when the first sealed hellos after the handshake are lost', () => {
    const net = new FakeNet(31);
    const hub = net.add('hub', A, { acceptStrangers: true });
    const spoke = net.add('spoke', B);
    const toHub = spoke.endpoint.addPeer(A, 'hub');
    // Every sealed datagram of the first 3 s is lost, both ways: the handshake completes, the hellos do not.
    const until = net.clock.now() + 3000;
    net.drop = (d) => d[0] === 0xf5 && d[4] === 0x15 && net.clock.now() < until;
    toHub.session.send({ text: 'after the storm' });
    net.clock.advance(30_000);
    const atHub = hub.endpoint.peerByKey(spoke.identity.publicKey);
    assert.ok(atHub, 'the hub knows the spoke');
    assert.equal(atHub.session.presence, 'online');
    assert.equal(toHub.session.presence, 'online');
    assert.deepEqual(logOf(hub, atHub).received.map((m) => m.text), ['after the storm']);
  });
});
