// What the v1 encrypted layer (SecureChannel, NNpsk0) was tested for, checked again on the v2 core:
// two endpoints on a FakeNet, with and without a passphrase (psk), and an attacker who can read the
// wire and send anything from any address. Handshake-level Noise properties (crosswise keys, forged
// messages leave the state as it was, psk mismatch, fresh ephemerals) are in core.noise.test.ts.
import assert from 'node:assert/strict';
import { encode, PacketType } from '../../src/core/codec';
import type { EndpointEvents, EndpointOptions } from '../../src/core/endpoint';
import type { Address } from '../../src/core/handshake';
import { PROLOGUE } from '../../src/core/handshake';
import { newIdentity, safetyNumber } from '../../src/core/identity';
import { REPLAY_WINDOW, ReplayWindow } from '../../src/core/keypairs';
import { aeadDecrypt, derivePsk, HandshakeState, hkdf } from '../../src/core/noise';
import type { Peer } from '../../src/core/peer';
import type { SessionEvents } from '../../src/core/session';
import { decodeOuter, encodeOuter, OuterType, RejectReason, TRANSPORT_HEADER, WirePattern } from '../../src/core/wire';
import type { Impairment } from './support/link';
import type { NetNode } from './support/net';
import { FakeNet, logOf } from './support/net';

const A = { address: '10.0.0.1', port: 5000 };
const B = { address: '10.0.0.2', port: 5000 };

// scrypt is slow on purpose; derive each passphrase once.
const pskCache = new Map<string, Buffer>();
const psk = (p: string) => pskCache.get(p) ?? pskCache.set(p, derivePsk(p)).get(p)!;

interface Captured { d: Buffer; from: Address; to: Address }

/** What an endpoint told its owner, as the runtime sees it (chatRuntime.ts routes on `keysWorked`). */
function watch(node: NetNode) {
  const events = (node.endpoint as unknown as { opts: EndpointOptions }).opts.events as EndpointEvents;
  const w = { secured: 0, diagnostics: [] as string[], problems: [] as Array<{ kind: string; keysWorked: boolean }> };
  const secured = events.secured;
  events.secured = (p) => { w.secured++; secured?.(p); };
  events.diagnostic = (t) => w.diagnostics.push(t);
  const problem = events.handshakeProblem;
  events.handshakeProblem = (at, p, kind) => {
    // The runtime's rule: while the peer's keys work, a problem goes to the log only.
    w.problems.push({ kind: String(kind), keysWorked: p?.authenticatedPeerAlive() ?? false });
    problem?.(at, p, kind);
  };
  return w;
}

/** The session's log-only channel (diagnostic), which FakeNet does not record. */
function sessionDiagnostics(peer: Peer): string[] {
  const out: string[] = [];
  (peer.session as unknown as { events: SessionEvents }).events.diagnostic = (t) => out.push(t);
  return out;
}

function pair(opts: { seed?: number; pskA?: Buffer; pskB?: Buffer; imp?: Impairment } = {}) {
  const net = new FakeNet(opts.seed ?? 1, opts.imp);
  const wire: Captured[] = [];
  net.tap = (d, from, to) => wire.push({ d: Buffer.from(d), from: { ...from }, to: { ...to } });
  const a = net.add('alice', A, { psk: opts.pskA });
  const b = net.add('bob', B, { psk: opts.pskB });
  const wa = watch(a);
  const wb = watch(b);
  const pa = a.endpoint.addPeer(B, 'bob:5000');
  const pb = b.endpoint.addPeer(A, 'alice:5000');
  return { net, wire, a, b, wa, wb, pa, pb, la: () => logOf(a, pa), lb: () => logOf(b, pb) };
}

const isBinary = (d: Buffer) => d[0] === 0xf5;
const transportsTo = (wire: Captured[], to: Address, from = 0) =>
  wire.slice(from).filter((w) => w.to.address === to.address && w.to.port === to.port && isBinary(w.d) && w.d[4] === OuterType.Transport).map((w) => w.d);

describe('core/endpoint security: what the v1 encrypted layer guaranteed, on wire v2', () => {
  it('with a passphrase: keys agreed and announced on each side, the same safety number, chat both ways', () => {
    const { net, a, b, wa, wb, pa, pb, la, lb } = pair({ pskA: psk('s3cret'), pskB: psk('s3cret') });
    pa.session.send({ text: 'private hello' });
    pb.session.send({ text: 'private reply' });
    net.clock.advance(3000);
    // Both sides start a handshake at once (each saw the other's greeting): up to two key pairs, each announced once confirmed.
    assert.ok(wa.secured >= 1 && wa.secured <= 2, `alice: ${wa.secured} secured events`);
    assert.ok(wb.secured >= 1 && wb.secured <= 2, `bob: ${wb.secured} secured events`);
    assert.ok(pa.established && pb.established);
    assert.equal(pa.safetyNumber, pb.safetyNumber);
    assert.equal(pa.safetyNumber, safetyNumber(a.identity.publicKey, b.identity.publicKey));
    assert.match(pa.safetyNumber, /^\d{5}( \d{5}){5}$/);
    assert.equal(pa.session.presence, 'online');
    assert.equal(pb.session.presence, 'online');
    assert.deepEqual(lb().received.map((m) => m.text), ['private hello']);
    assert.deepEqual(la().received.map((m) => m.text), ['private reply']);
    assert.deepEqual([...wa.problems, ...wb.problems], []);
  });

  for (const withPsk of [true, false]) {
    it(`no plaintext of any message on the wire ${withPsk ? 'with' : 'without'} a passphrase: every binary datagram is an outer v2 datagram, the only text one greeting each`, () => {
      const k = withPsk ? psk('tap-test') : undefined;
      const { net, wire, pa, pb, lb, la } = pair({ pskA: k, pskB: k });
      const secrets = ['SECRET-ALPHA-123', 'Zürich 😀 naïve', 'x'.repeat(5000) + 'TAIL-MARKER'];
      for (const s of secrets) pa.session.send({ text: s });
      pb.session.send({ text: 'REPLY-BRAVO-456' });
      net.clock.advance(5000);
      assert.deepEqual(lb().received.map((m) => m.text), secrets);
      assert.deepEqual(la().received.map((m) => m.text), ['REPLY-BRAVO-456']);
      const all = Buffer.concat(wire.map((w) => w.d));
      for (const s of [...secrets.map((x) => x.slice(-16)), 'REPLY-BRAVO-456', 'SECRET-ALPHA', 'xxxxxxxxxxxxxxxxxxxxxxxx']) {
        assert.equal(all.includes(Buffer.from(s, 'utf8')), false, `"${s}" leaked`);
      }
      let greetings = 0;
      const types = new Set<number>();
      for (const { d } of wire) {
        if (!isBinary(d)) { greetings++; assert.match(d.toString('utf8'), /is using UDP Chat and would like to chat/); continue; }
        assert.equal(d[3], 2, 'wire version 2');
        const o = decodeOuter(d);
        assert.ok(o, `an outer v2 datagram (type ${d[4]}), not an inner one in clear`);
        types.add(o.type);
      }
      assert.equal(greetings, 2);
      assert.ok(types.has(OuterType.Transport) && types.has(OuterType.HandshakeInit), `types ${[...types]}`);
    });
  }

  it('tampered and truncated TRANSPORT datagrams are dropped without using up their counter; the genuine ones open once, in any order; replays are dropped', () => {
    const { net, wire, a, wb, pa, pb, lb } = pair({ pskA: psk('pw'), pskB: psk('pw') });
    net.clock.advance(3000);
    assert.ok(pa.established && pb.established);
    const start = wire.length;
    a.up = false; // bob sees only what the test feeds him
    // Apart, so that each goes in a datagram of its own (sent in one go they would be packed in one).
    pa.session.send({ text: 'one' });
    net.clock.advance(1);
    pa.session.send({ text: 'two' });
    net.clock.advance(5);
    const genuine = transportsTo(wire, B, start);
    assert.ok(genuine.length >= 2, `${genuine.length} sealed datagrams`);
    const opened = () => pb.session.stats.datagramsReceived;
    const before = opened();
    for (const d of genuine) {
      // Flags, counter (the lowest byte names a neighbour's counter), ciphertext, tag: all authenticated.
      for (const i of [5, 10, 17, TRANSPORT_HEADER, TRANSPORT_HEADER + 3, d.length - 1]) {
        const t = Buffer.from(d);
        t[i] ^= i === 17 ? 0x01 : 0x40;
        net.inject(net.node('bob'), A, t);
      }
      net.inject(net.node('bob'), A, d.subarray(0, d.length - 1));
      net.inject(net.node('bob'), A, d.subarray(0, TRANSPORT_HEADER + 15));
      net.inject(net.node('bob'), A, d.subarray(0, 20));
    }
    assert.equal(opened() - before, 0, 'nothing tampered or truncated reached the session');
    assert.deepEqual(lb().received, []);
    assert.ok(wb.diagnostics.filter((t) => /failed authentication/.test(t)).length >= 5 * genuine.length, wb.diagnostics.slice(0, 3).join(' | '));
    for (const d of [...genuine].reverse()) net.inject(net.node('bob'), A, Buffer.from(d));
    assert.equal(opened() - before, genuine.length, 'every genuine datagram opens, last one first');
    assert.deepEqual(lb().received.map((m) => m.text), ['one', 'two']);
    const replayedBefore = wb.diagnostics.filter((t) => /replayed/.test(t)).length;
    for (const d of genuine) { net.inject(net.node('bob'), A, Buffer.from(d)); net.inject(net.node('bob'), A, Buffer.from(d)); }
    assert.equal(opened() - before, genuine.length, 'replays do not reach the session');
    assert.equal(wb.diagnostics.filter((t) => /replayed/.test(t)).length - replayedBefore, 2 * genuine.length);
    a.up = true;
    net.clock.advance(3000);
    assert.deepEqual(lb().received.map((m) => m.text), ['one', 'two'], 'nothing garbled, nothing twice');
  });

  it('a replay window accepts out-of-order counters once and rejects old ones (the endpoint keeps REPLAY_WINDOW counters)', () => {
    const w = new ReplayWindow(64);
    for (const c of [5n, 3n, 4n, 100n, 60n]) { assert.ok(w.check(c), `${c}`); w.accept(c); }
    assert.ok(!w.check(5n));
    assert.ok(!w.check(100n));
    assert.ok(!w.check(30n), 'too old');
    assert.ok(w.check(99n));
    const d = new ReplayWindow();
    d.accept(BigInt(REPLAY_WINDOW + 10));
    assert.ok(d.check(11n), 'inside the default window');
    assert.ok(!d.check(10n), 'just outside it');
  });

  it('the passphrase alone opens nothing: a captured datagram does not open under the psk or keys derived from it alone', () => {
    const k = psk('same');
    const { net, wire, pa, pb } = pair({ pskA: k, pskB: k });
    pa.session.send({ text: 'secret' });
    net.clock.advance(3000);
    const d = transportsTo(wire, B)[0];
    const o = decodeOuter(d);
    assert.ok(o && o.type === OuterType.Transport);
    const ad = d.subarray(0, TRANSPORT_HEADER);
    const guesses = [k, ...hkdf(k, Buffer.alloc(0), 2), ...hkdf(Buffer.alloc(32), k, 2), ...hkdf(k, PROLOGUE, 2)];
    for (const g of guesses) assert.equal(aeadDecrypt(g, o.counter, ad, o.sealed), undefined);
    // Fresh ephemerals: the same two identities and psk agree on other keys each run (bob restarts).
    const kp1 = pb.keypairs.current!;
    assert.ok(aeadDecrypt(kp1.recv, o.counter, ad, o.sealed), 'the session keys do open it');
    const net2 = new FakeNet(2);
    const a2 = net2.add('alice', A, { psk: k, identity: net.node('alice').identity });
    net2.add('bob', B, { psk: k, identity: net.node('bob').identity });
    const pa2 = a2.endpoint.addPeer(B, 'bob:5000');
    net2.node('bob').endpoint.addPeer(A, 'alice:5000');
    pa2.session.send({ text: 'again' });
    net2.clock.advance(3000);
    assert.ok(pa2.established);
    assert.notDeepEqual(pa2.keypairs.current!.send, pa.keypairs.current!.send);
  });

  it('a wrong passphrase: nothing is delivered, no keys, and both sides report a passphrase mismatch while nothing works', () => {
    const { net, wa, wb, pa, pb, la, lb } = pair({ pskA: psk('alpha'), pskB: psk('bravo') });
    pa.session.send({ text: 'should not arrive' });
    pb.session.send({ text: 'nor this' });
    net.clock.advance(15_000);
    assert.equal(la().received.length + lb().received.length, 0);
    assert.ok(!pa.established && !pb.established);
    assert.equal(wa.secured + wb.secured, 0);
    const mismatch = String(RejectReason.PassphraseMismatch);
    assert.ok(wa.problems.some((p) => p.kind === mismatch), JSON.stringify(wa.problems));
    assert.ok(wb.problems.some((p) => p.kind === mismatch), JSON.stringify(wb.problems));
    assert.ok([...wa.problems, ...wb.problems].every((p) => !p.keysWorked), 'shown to the user, not only logged');
    assert.notEqual(pa.session.presence, 'online');
    assert.notEqual(pb.session.presence, 'online');
  });

  it('a passphrase on one side only: both sides report which side lacks it (wire.ts reasons), nothing is delivered', () => {
    const { net, wa, wb, pa, pb, la, lb } = pair({ pskA: psk('alpha'), pskB: undefined });
    pa.session.send({ text: 'should not arrive' });
    pb.session.send({ text: 'nor this' });
    net.clock.advance(15_000);
    assert.equal(la().received.length + lb().received.length, 0);
    assert.ok(!pa.established && !pb.established);
    // PassphraseExpected: the side with a passphrase met one without; PassphraseRequired: the other way round.
    const kinds = (w: typeof wa) => new Set(w.problems.map((p) => p.kind));
    assert.deepEqual(kinds(wa), new Set([String(RejectReason.PassphraseExpected)]), 'alice has the passphrase');
    assert.deepEqual(kinds(wb), new Set([String(RejectReason.PassphraseRequired)]), 'bob has none');
    assert.notEqual(pa.session.presence, 'online');
    assert.notEqual(pb.session.presence, 'online');
  });

  it('the handshake is retried under heavy loss until it completes, with a passphrase', () => {
    const inits = new Map<number, number>();
    const { net, wire, pa, pb, la, lb } = pair({ seed: 21, pskA: psk('lossy'), pskB: psk('lossy') });
    // The greetings went out (first contact is one line each, never repeated); from here on half is lost.
    net.imp = { loss: 0.5, duplicate: 0.1, reorder: 0.2, delayMs: 5, reorderMs: 30 };
    pa.session.send({ text: 'through the storm' });
    pb.session.send({ text: 'and back' });
    net.clock.advance(60_000);
    for (const { d } of wire) if (isBinary(d) && d[4] === OuterType.HandshakeInit) inits.set(d.readUInt32BE(10), (inits.get(d.readUInt32BE(10)) ?? 0) + 1);
    assert.ok([...inits.values()].some((n) => n > 1), `a message 1 was resent (${[...inits.values()]})`);
    assert.ok(pa.established && pb.established);
    assert.deepEqual(lb().received.map((m) => m.text), ['through the storm']);
    assert.deepEqual(la().received.map((m) => m.text), ['and back']);
    assert.ok(net.dropped > 10);
  });

  it('a forged HS_REJECT (any reason, to the ids of working keys, to a handshake in progress, to random ids) cannot break working keys', () => {
    const { net, wire, a, wa, pa, pb, la, lb } = pair({ pskA: psk('pw-rej'), pskB: psk('pw-rej') });
    pa.session.send({ text: 'before' });
    net.clock.advance(3000);
    assert.ok(pa.established && pb.established);
    const keysBefore = pa.keypairs.current;
    const reasons = [RejectReason.UnknownKey, RejectReason.PassphraseExpected, RejectReason.PassphraseRequired, RejectReason.PassphraseMismatch, RejectReason.Refused];
    const reject = (receiverId: number, reason: RejectReason) => net.inject(a, B, encodeOuter({ type: OuterType.HandshakeReject, receiverId, reason }));
    // The receiver id of alice's keys is on the wire at offset 6 of every datagram to her.
    const ids = new Set(transportsTo(wire, A).map((d) => d.readUInt32BE(6)));
    assert.ok(ids.size > 0);
    for (const id of [...ids, 1, 0xffffffff, (net.rand() * 2 ** 32) >>> 0]) for (const r of reasons) reject(id, r);
    assert.equal(pa.keypairs.current, keysBefore, 'the keys in use stay');
    assert.ok(pa.established);
    assert.equal(wa.problems.length, 0, `a rejection of working keys is not even a problem: ${JSON.stringify(wa.problems)}`);
    // A new handshake while the keys work (what a restarted peer's mark asks for), refused by a forger at once.
    pa.lastConnectAt = -Infinity;
    a.endpoint.connect(pa);
    const first = pa.initiation!;
    assert.ok(first && first.localId !== 0);
    // Each refusal goes to the handshake then in progress (its id is in its HS_INIT on the wire):
    // UnknownKey turns IK into XX, the others stop it and cause a problem report.
    for (const r of reasons) reject(pa.initiation!.localId, r);
    assert.ok(pa.initiation!.fellBackToXX, 'the forged UnknownKey made it fall back to XX');
    pa.session.send({ text: 'after a' });
    pb.session.send({ text: 'after b' });
    net.clock.advance(5000);
    assert.ok(pa.established && pb.established);
    assert.deepEqual(lb().received.map((m) => m.text), ['before', 'after a']);
    assert.deepEqual(la().received.map((m) => m.text), ['after b']);
    // What was reported came while the keys worked: the runtime logs it and shows nothing.
    assert.ok(wa.problems.length > 0, 'the forged refusals were reported');
    assert.ok(wa.problems.every((p) => p.keysWorked), JSON.stringify(wa.problems));
  });

  it('a replayed or bogus handshake does not change the keys in use (IK message 1 replayed, garbage at every handshake id)', () => {
    const net = new FakeNet(23);
    const wire: Captured[] = [];
    net.tap = (d, from, to) => wire.push({ d: Buffer.from(d), from: { ...from }, to: { ...to } });
    const k = psk('pw-replay');
    const a = net.add('alice', A, { psk: k });
    const b = net.add('bob', B, { psk: k });
    const wa = watch(a);
    const wb = watch(b);
    // Alice knows bob's key: IK, whose message 1 anyone can replay.
    const pa = a.endpoint.addPeer(B, 'bob:5000', b.identity.publicKey);
    a.trust.remember(b.identity.publicKey, 'bob', 'bob:5000');
    const pb = b.endpoint.addPeer(A, 'alice:5000');
    pa.session.send({ text: 'first' });
    net.clock.advance(3000);
    assert.deepEqual(logOf(b, pb).received.map((m) => m.text), ['first']);
    const inits = wire.filter((w) => w.to.address === B.address && isBinary(w.d) && w.d[4] === OuterType.HandshakeInit).map((w) => w.d);
    assert.ok(inits.some((d) => d[14] === WirePattern.IKpsk2), 'IKpsk2 was used');
    const keysA = pa.keypairs.current;
    const keysB = pb.keypairs.current;
    const secured = wa.secured + wb.secured;
    net.clock.advance(20_000); // the responder forgot the handshake: a replay is new to it
    for (const d of inits) net.inject(b, A, Buffer.from(d));
    net.clock.advance(10);
    assert.ok(pb.keypairs.next, 'the replayed IK message 1 was answered; its keys wait as next');
    // Garbage to every handshake id seen on the wire, and to none.
    const hsIds = new Set(wire.filter((w) => isBinary(w.d) && w.d[4] !== OuterType.HandshakeInit).map((w) => w.d.readUInt32BE(6)));
    for (const id of hsIds) {
      for (const t of [OuterType.HandshakeResp, OuterType.HandshakeFinish]) {
        const bogus = Buffer.alloc(10 + 80, 7);
        Buffer.from([0xf5, 0x55, 0x43, 2, t, 0]).copy(bogus);
        bogus.writeUInt32BE(id, 6);
        net.inject(a, B, bogus);
        net.inject(b, A, bogus);
      }
    }
    net.inject(b, A, encodeOuter({ type: OuterType.HandshakeInit, senderId: 99, pattern: WirePattern.XXpsk3, noise: Buffer.alloc(32, 9) }));
    net.inject(b, A, encodeOuter({ type: OuterType.HandshakeInit, senderId: 98, pattern: WirePattern.IKpsk2, noise: Buffer.alloc(200, 9) }));
    pa.session.send({ text: 'after replay a' });
    pb.session.send({ text: 'after replay b' });
    net.clock.advance(3000);
    assert.deepEqual(logOf(b, pb).received.map((m) => m.text), ['first', 'after replay a']);
    assert.deepEqual(logOf(a, pa).received.map((m) => m.text), ['after replay b']);
    assert.equal(pa.keypairs.current, keysA, 'alice: the keys in use stay');
    assert.equal(pb.keypairs.current, keysB, 'bob: the keys in use stay');
    assert.equal(wa.secured + wb.secured, secured, 'no new keys were announced');
    assert.ok(wb.problems.every((p) => p.keysWorked), JSON.stringify(wb.problems));
  });

  it('nothing unauthenticated changes what the user sees: inner datagrams in clear, other versions, bogus handshakes, plain text', () => {
    const { net, a, b, pa, pb, la, lb } = pair({ pskA: psk('pw-forge'), pskB: psk('pw-forge') });
    pa.session.send({ text: 'hello' });
    net.clock.advance(3000);
    assert.equal(pb.session.remoteName, 'alice');
    assert.equal(pb.session.presence, 'online');
    const logged = sessionDiagnostics(pb);
    const noticesBefore = lb().notices.length;
    const presenceBefore = lb().presence.length;
    const alice = pa.session.senderId;
    const forged = [
      // The inner datagrams of the session, unsealed, with the peer's own sender id.
      encode({ type: PacketType.Hello, senderId: alice, echoId: 0, secure: true, name: 'Mallory (your bank)' }),
      encode({ type: PacketType.Hello, senderId: 0x7fffffff, echoId: 0, secure: false, name: 'Mallory' }),
      encode({ type: PacketType.Bye, senderId: alice, reason: 'forged bye' }),
      encode({ type: PacketType.Data, senderId: alice, streamId: 1, seq: 5, msgId: 5, fragIndex: 0, fragCount: 1, payload: Buffer.from('forged') }),
      encodeOuter({ type: OuterType.HandshakeInit, senderId: alice, pattern: WirePattern.XXpsk3, noise: Buffer.alloc(52, 7) }),
      Buffer.from([0xf5, 0x55, 0x43, 0x09, 0x01, 0x00]),
      Buffer.from([0xf5, 0x55, 0x43, 0x01, 0x63]),
      Buffer.from([0xf5, 0x55, 0x43, 0x02, 0x15]),
      Buffer.from('plain text from the address'),
    ];
    for (const d of forged) net.inject(b, A, d);
    net.clock.advance(100);
    pa.session.send({ text: 'genuine' });
    net.clock.advance(300);
    assert.deepEqual(lb().received.map((m) => m.text), ['hello', 'genuine']);
    assert.equal(pb.session.remoteName, 'alice', 'the name is only taken from a sealed hello');
    assert.deepEqual(lb().notices.slice(noticesBefore), [], 'no notice while the keys work');
    assert.ok(logged.some((t) => /plain-text datagram/.test(t)), `logged instead: ${logged.join(' | ')}`);
    assert.equal(lb().presence.length, presenceBefore, 'no presence change');
    assert.ok(pa.established && pb.established);
    assert.equal(a.endpoint.peers.length + b.endpoint.peers.length, 2);
    assert.deepEqual(la().notices.filter((n) => /passphrase|authenticate/i.test(n)), []);
  });

  it('a changed name arrives sealed and is shown; it never crosses the wire in clear', () => {
    const { net, wire, pa, pb } = pair({ pskA: psk('pw-name'), pskB: psk('pw-name') });
    pa.session.send({ text: 'hi' });
    net.clock.advance(3000);
    const start = wire.length;
    pa.session.setDisplayName('Alice Liddell');
    net.clock.advance(50);
    assert.equal(pb.session.remoteName, 'Alice Liddell');
    assert.ok(wire.slice(start).length > 0);
    assert.equal(wire.slice(start).some((w) => w.d.includes(Buffer.from('Liddell'))), false);
  });

  it('a peer that restarts (same key) agrees new keys; datagrams under keys two handshakes old no longer open', () => {
    const k = psk('pw-restart');
    const net = new FakeNet(29);
    const wire: Captured[] = [];
    net.tap = (d, from, to) => wire.push({ d: Buffer.from(d), from: { ...from }, to: { ...to } });
    const b = net.add('bob', B, { psk: k });
    const wb = watch(b);
    const pb = b.endpoint.addPeer(A, 'alice:5000');
    let a = net.add('alice', A, { psk: k });
    const identity = a.identity;
    let pa = a.endpoint.addPeer(B, 'bob:5000');
    pa.session.send({ text: 'before' });
    net.clock.advance(3000);
    assert.ok(wb.secured >= 1);
    // Sealed by the first instance and never delivered: what an attacker could hold back.
    const start = wire.length;
    a.up = false;
    pa.session.send({ text: 'held back' });
    net.clock.advance(5);
    const old = transportsTo(wire, B, start);
    assert.ok(old.length > 0);
    const recvKeys = [pb.keypairs.current!.recv];
    for (const n of [2, 3]) {
      const secured = wb.secured;
      a.up = false;
      pa.session.end('restart');
      a = net.add(`alice #${n}`, A, { psk: k, identity });
      pa = a.endpoint.addPeer(B, 'bob:5000');
      pa.session.send({ text: `from instance ${n}` });
      net.clock.advance(5000);
      assert.ok(wb.secured > secured, `handshake #${n} ran`);
      recvKeys.push(pb.keypairs.current!.recv);
    }
    assert.equal(new Set(recvKeys.map((x) => x.toString('hex'))).size, 3, 'new keys each time');
    assert.deepEqual(logOf(b, pb).received.map((m) => m.text), ['before', 'from instance 2', 'from instance 3']);
    const opened = pb.session.stats.datagramsReceived;
    const unknown = b.endpoint.stats.unknownIndex;
    for (const d of old) net.inject(b, A, d);
    assert.equal(pb.session.stats.datagramsReceived, opened, 'datagrams sealed with the first keys no longer open');
    assert.equal(b.endpoint.stats.unknownIndex - unknown, old.length, 'their receiver id is gone');
    net.clock.advance(1000);
    assert.deepEqual(logOf(b, pb).received.map((m) => m.text), ['before', 'from instance 2', 'from instance 3']);
    assert.equal(b.endpoint.peers.length, 1);
  });

  it('someone who knows the passphrase cannot take over the conversation from the peer\'s address: the key change is held and nothing of theirs shows', () => {
    const k = psk('shared');
    const { net, wire, b, wb, pa, pb, lb } = pair({ pskA: k, pskB: k });
    pa.session.send({ text: 'real' });
    net.clock.advance(3000);
    const keysB = pb.keypairs.current;
    const secured = wb.secured;
    // Mallory: the passphrase, her own key, and the peer's source address (XXpsk3 needs no known key).
    const mallory = newIdentity();
    const hs = new HandshakeState({ pattern: 'XXpsk3', initiator: true, prologue: PROLOGUE, s: mallory.keyPair, psk: k });
    const start = wire.length;
    net.inject(b, A, encodeOuter({ type: OuterType.HandshakeInit, senderId: 0x4d4d4d4d, pattern: WirePattern.XXpsk3, noise: hs.writeMessage() }));
    const resp = wire.slice(start).map((w) => decodeOuter(w.d)).find((o) => o?.type === OuterType.HandshakeResp);
    assert.ok(resp && resp.type === OuterType.HandshakeResp, 'bob answered message 1');
    hs.readMessage(resp.noise);
    net.inject(b, A, encodeOuter({ type: OuterType.HandshakeFinish, receiverId: resp.senderId, noise: hs.writeMessage() }));
    assert.equal(b.keyChanges.length, 1, 'one warning');
    assert.ok(b.keyChanges[0].key.equals(mallory.publicKey));
    assert.ok(pb.key!.equals(net.node('alice').identity.publicKey), 'the pinned key stays');
    assert.equal(pb.keypairs.current, keysB, 'the keys in use stay');
    assert.equal(wb.secured, secured);
    assert.deepEqual(lb().received.map((m) => m.text), ['real']);
  });
});
