import assert from 'node:assert/strict';
import { decode, encode, PacketType } from '../../src/core/codec';
import { aeadDecrypt, aeadEncrypt, derivePsk, hkdf, Initiator, respond } from '../../src/core/noise';
import { ReplayWindow, SecureChannel } from '../../src/core/secure';
import type { FakeClock } from './support/fakeClock';
import type { Side } from './support/pair';
import { lazyFilter, makePair, makeSide } from './support/pair';
import { mulberry32 } from './support/fakeClock';
import { PERFECT } from './support/link';
import type { ChatSession } from '../../src/core/session';

// scrypt is slow on purpose; derive each passphrase once.
const pskCache = new Map<string, Buffer>();
const psk = (p: string) => pskCache.get(p) ?? pskCache.set(p, derivePsk(p)).get(p)!;

function securePair(passA: string | undefined, passB: string | undefined, seed = 1) {
  const fps: { a: string[]; b: string[] } = { a: [], b: [] };
  let chA: SecureChannel | undefined;
  let chB: SecureChannel | undefined;
  const holder: { a?: Side; b?: Side; clock?: FakeClock } = {};
  const lazy = (which: 'a' | 'b', pass: string | undefined) => {
    if (pass === undefined) return undefined;
    let ch: SecureChannel | undefined;
    const get = () => {
      if (!ch) {
        const side = holder[which]!;
        ch = new SecureChannel(psk(pass), () => side.session.senderId, holder.clock!, {
          ready: (fp) => { fps[which].push(fp); side.session.kick(); },
          notice: (_l, t) => side.notices.push(t),
          send: (d) => side.link.send(d),
        });
        if (which === 'a') chA = ch; else chB = ch;
      }
      return ch;
    };
    return lazyFilter(get);
  };
  const pair = makePair({ seed, a: { filter: lazy('a', passA), secure: passA !== undefined }, b: { filter: lazy('b', passB), secure: passB !== undefined } });
  holder.a = pair.a; holder.b = pair.b; holder.clock = pair.clock;
  return { ...pair, fps, ch: () => ({ a: chA, b: chB }) };
}

describe('core/noise (NNpsk0)', () => {
  it('both sides derive the same transport keys, crosswise, and the same handshake hash', () => {
    const k = psk('correct horse');
    const pro = Buffer.from('prologue');
    const ini = new Initiator(k, pro, Buffer.from('hi'));
    const r = respond(k, pro, ini.message1, Buffer.from('yo'));
    assert.equal(r.payload.toString(), 'hi');
    const i = ini.readMessage2(r.message2);
    assert.equal(i.payload.toString(), 'yo');
    assert.deepEqual(i.keys.send, r.keys.recv);
    assert.deepEqual(i.keys.recv, r.keys.send);
    assert.deepEqual(i.keys.handshakeHash, r.keys.handshakeHash);
    assert.notDeepEqual(i.keys.send, i.keys.recv);
  });

  it('a forged handshake answer does not spoil the real one that follows', () => {
    const k = psk('correct horse');
    const ini = new Initiator(k, Buffer.alloc(0));
    const r = respond(k, Buffer.alloc(0), ini.message1);
    const forged = Buffer.from(r.message2);
    forged[40] ^= 1;
    assert.throws(() => ini.readMessage2(forged));
    assert.throws(() => ini.readMessage2(Buffer.alloc(48))); // all-zero key: refused, as a NoiseError
    assert.deepEqual(ini.readMessage2(r.message2).keys.send, r.keys.recv);
  });

  it('a wrong passphrase fails the handshake on the responder', () => {
    const ini = new Initiator(psk('one'), Buffer.alloc(0));
    assert.throws(() => respond(psk('two'), Buffer.alloc(0), ini.message1), /authentication failed/);
  });

  it('a different prologue (other session ids) fails the handshake', () => {
    const ini = new Initiator(psk('one'), Buffer.from('a'));
    assert.throws(() => respond(psk('one'), Buffer.from('b'), ini.message1));
  });

  it('forward secrecy: two handshakes with one passphrase give unrelated keys, and the psk alone cannot open traffic', () => {
    const k = psk('same');
    const run = () => { const ini = new Initiator(k, Buffer.alloc(0)); const r = respond(k, Buffer.alloc(0), ini.message1); return ini.readMessage2(r.message2).keys; };
    const s1 = run();
    const s2 = run();
    assert.notDeepEqual(s1.send, s2.send);
    // An attacker with the passphrase and the transcript can compute everything except ee.
    const guess = hkdf(hkdf(k, Buffer.alloc(0), 2)[0], Buffer.alloc(0), 2);
    const sealed = aeadEncrypt(s1.send, 0n, Buffer.alloc(0), Buffer.from('secret'));
    for (const g of [...guess, k, s2.send, s2.recv]) assert.equal(aeadDecrypt(g, 0n, Buffer.alloc(0), sealed), undefined);
    assert.equal(aeadDecrypt(s1.send, 0n, Buffer.alloc(0), sealed)?.toString(), 'secret');
  });
});

describe('core/secure: encrypted sessions', () => {
  it('runs the handshake, shows the same fingerprint on both sides, and chats', () => {
    const { clock, a, b, fps } = securePair('s3cret', 's3cret');
    a.session.start(); b.session.start();
    clock.advance(100);
    assert.equal(fps.a.length, 1);
    assert.equal(fps.b.length, 1);
    assert.equal(fps.a[0], fps.b[0]);
    assert.match(fps.a[0], /^[0-9a-f]{4}( [0-9a-f]{4}){5}$/);
    assert.equal(a.session.presence, 'online');
    assert.equal(b.session.presence, 'online');
    a.session.send({ text: 'private hello' });
    b.session.send({ text: 'private reply' });
    clock.advance(200);
    assert.deepEqual(b.received.map((m) => m.text), ['private hello']);
    assert.deepEqual(a.received.map((m) => m.text), ['private reply']);
  });

  it('no plaintext of any message appears on the wire', () => {
    const { clock, a, b } = securePair('tap-test', 'tap-test');
    a.link.keepTap = true; b.link.keepTap = true;
    a.session.start(); b.session.start();
    clock.advance(100);
    const secrets = ['SECRET-ALPHA-123', 'Zürich 😀 naïve', 'x'.repeat(5000) + 'TAIL-MARKER'];
    for (const s of secrets) a.session.send({ text: s });
    b.session.send({ text: 'REPLY-BRAVO-456' });
    clock.advance(1000);
    assert.equal(b.received.length, 3);
    const wire = Buffer.concat([...a.link.tap, ...b.link.tap]);
    for (const s of [...secrets.map((x) => x.slice(-16)), 'REPLY-BRAVO-456', 'SECRET-ALPHA']) {
      assert.equal(wire.includes(Buffer.from(s, 'utf8')), false, `"${s}" leaked`);
    }
    // and every datagram after the hello is sealed or a handshake; the only text is each side's greeting
    let greetings = 0;
    for (const d of [...a.link.tap, ...b.link.tap]) {
      const p = decode(d);
      if (p.kind === 'plain') { greetings++; assert.match(d.toString('utf8'), /is using UDP Chat and would like to chat/); continue; }
      assert.equal(p.kind, 'packet');
      if (p.kind === 'packet') assert.ok([PacketType.Hello, PacketType.HandshakeInit, PacketType.HandshakeResp, PacketType.Sealed].includes(p.packet.type), `type ${p.packet.type} went unsealed`);
    }
    assert.equal(greetings, 2);
  });

  it('rejects tampered and truncated datagrams and drops replays; reordering is fine', () => {
    const { clock, a, b, ch } = securePair('pw', 'pw');
    a.link.keepTap = true;
    a.session.start(); b.session.start();
    clock.advance(100);
    const start = a.link.tap.length;
    a.link.up = false; // b sees only what the test feeds it
    a.session.send({ text: 'one' });
    clock.advance(5);
    a.link.up = true;
    const sealed = a.link.tap.slice(start).filter((d) => { const p = decode(d); return p.kind === 'packet' && p.packet.type === PacketType.Sealed; });
    assert.ok(sealed.length >= 1);
    const data = sealed[0];
    const beforeAuth = ch().b!.stats.rejectedAuth;
    for (const i of [8, 12, 20, data.length - 1]) {
      const t = Buffer.from(data);
      t[i] ^= 0x40;
      b.session.receive(t);
    }
    b.session.receive(data.subarray(0, data.length - 5));
    b.session.receive(data.subarray(0, 20));
    assert.equal(ch().b!.stats.rejectedAuth - beforeAuth, 6, 'every tampered or truncated copy rejected');
    assert.equal(b.received.length, 0);
    b.session.receive(Buffer.from(data)); // the genuine one still opens
    assert.deepEqual(b.received.map((m) => m.text), ['one']);
    const beforeReplay = ch().b!.stats.rejectedReplay;
    b.session.receive(Buffer.from(data));
    b.session.receive(Buffer.from(data));
    assert.equal(ch().b!.stats.rejectedReplay - beforeReplay, 2);
    assert.deepEqual(b.received.map((m) => m.text), ['one'], 'nothing garbled, nothing twice');
  });

  it('a replay window accepts out-of-order counters once and rejects old ones', () => {
    const w = new ReplayWindow(64);
    for (const c of [5n, 3n, 4n, 100n, 60n]) { assert.ok(w.check(c), `${c}`); w.accept(c); }
    assert.ok(!w.check(5n));
    assert.ok(!w.check(30n), 'too old');
    assert.ok(w.check(99n));
  });

  it('a wrong passphrase gives a clear notice on both sides and nothing in the chat', () => {
    const { clock, a, b } = securePair('alpha', 'bravo');
    a.session.start(); b.session.start();
    clock.advance(3000);
    a.session.send({ text: 'should not arrive' });
    clock.advance(3000);
    assert.ok(a.notices.some((n) => /passphrase mismatch\?/.test(n)), a.notices.join(' | '));
    assert.ok(b.notices.some((n) => /passphrase mismatch\?/.test(n)), b.notices.join(' | '));
    assert.equal(a.received.length + b.received.length, 0);
    assert.notEqual(a.session.presence, 'online');
  });

  it('a peer without a passphrase gets a clear notice on both sides', () => {
    const { clock, a, b } = securePair('alpha', undefined);
    a.session.start(); b.session.start();
    clock.advance(3000);
    assert.ok(a.notices.some((n) => /no passphrase set/.test(n)), a.notices.join(' | '));
    assert.ok(b.notices.some((n) => /requires an encrypted session/.test(n)), b.notices.join(' | '));
    assert.notEqual(a.session.presence, 'online');
    assert.notEqual(b.session.presence, 'online');
  });

  it('a key change: a restarted peer runs a new handshake with new keys; old keys stop working', () => {
    const { clock, a, b, fps, ch } = securePair('pw', 'pw');
    a.link.keepTap = true;
    a.session.start(); b.session.start();
    clock.advance(100);
    a.session.send({ text: 'before' });
    clock.advance(100);
    const oldSealed = a.link.tap.filter((d) => { const p = decode(d); return p.kind === 'packet' && p.packet.type === PacketType.Sealed; });
    assert.equal(fps.b.length, 1);
    // a restarts: bye, then a new instance (new sender id, new ephemeral keys) on the same link.
    a.session.end('restart');
    clock.advance(50);
    let a2Session: ChatSession | undefined;
    const a2 = makeSide(clock, mulberry32(9), PERFECT, 'alice-again', {
      secure: true,
      filter: (() => {
        let c: SecureChannel | undefined;
        const get = () => (c ??= new SecureChannel(psk('pw'), () => a2Session!.senderId, clock, { ready: () => a2Session!.kick(), notice: () => undefined, send: (d) => a2.link.send(d) }));
        return lazyFilter(get);
      })(),
    });
    a2Session = a2.session;
    a2.link.deliver = (d) => b.session.receive(d);
    b.link.deliver = (d) => a2.session.receive(d);
    a2.session.start();
    clock.advance(3000);
    assert.equal(fps.b.length, 2, 'a second handshake ran');
    assert.notEqual(fps.b[1], fps.b[0], 'new keys, new fingerprint');
    a2.session.send({ text: 'after restart' });
    clock.advance(500);
    assert.deepEqual(b.received.map((m) => m.text), ['before', 'after restart']);
    const before = ch().b!.stats.opened;
    for (const d of oldSealed) b.session.receive(d);
    assert.equal(ch().b!.stats.opened, before, 'datagrams sealed with the old keys no longer open');
    assert.deepEqual(b.received.map((m) => m.text), ['before', 'after restart']);
  });

  it('a forged hello with another sender id does not drop the keys in use', () => {
    const { clock, a, b, ch } = securePair('pw', 'pw');
    a.session.start(); b.session.start();
    clock.advance(100);
    b.session.receive(encode({ type: PacketType.Hello, senderId: 0x7fffffff, echoId: 0, secure: true, name: 'mallory' }));
    assert.equal(ch().b!.established, true);
    a.session.send({ text: 'still private' });
    clock.advance(300);
    assert.deepEqual(b.received.map((m) => m.text), ['still private']);
    assert.equal(b.session.remoteName, 'alice');
  });

  it('nothing unauthenticated changes what the user sees: forged hellos, handshakes, garbage, plain text', () => {
    const { clock, a, b, ch } = securePair('pw-forge', 'pw-forge');
    a.session.start(); b.session.start();
    clock.advance(200);
    assert.equal(b.session.remoteName, 'alice');
    assert.equal(b.session.presence, 'online');
    const noticesBefore = b.notices.length;
    const presenceBefore = b.presence.length;
    const alice = a.session.senderId;
    // The peer's own sender id (readable in every sealed header), another name, with and without SECURE.
    b.session.receive(encode({ type: PacketType.Hello, senderId: alice, echoId: 0, secure: true, name: 'Mallory (your bank)' }));
    b.session.receive(encode({ type: PacketType.Hello, senderId: alice, echoId: 0, secure: false, name: 'Mallory' }));
    b.session.receive(encode({ type: PacketType.Bye, senderId: alice, reason: 'forged bye' }));
    b.session.receive(encode({ type: PacketType.HandshakeInit, senderId: alice, body: Buffer.alloc(52, 7) }));
    b.session.receive(Buffer.from([0xf5, 0x55, 0x43, 0x09, 0x01, 0x00]));
    b.session.receive(Buffer.from([0xf5, 0x55, 0x43, 0x01, 0x63]));
    b.session.receive(Buffer.from('plain text from the address'));
    clock.advance(100);
    a.session.send({ text: 'genuine' });
    clock.advance(300);
    assert.deepEqual(b.received.map((m) => m.text), ['genuine']);
    assert.equal(b.session.remoteName, 'alice', 'the name is only taken from a sealed hello');
    assert.deepEqual(b.notices.slice(noticesBefore), [], 'no notice in a healthy session');
    assert.equal(b.presence.length, presenceBefore, 'no presence change');
    assert.equal(ch().b!.established, true);
  });

  it('a changed name arrives sealed and is shown', () => {
    const { clock, a, b } = securePair('pw-name', 'pw-name');
    a.session.start(); b.session.start();
    clock.advance(200);
    a.session.setDisplayName('Alice Liddell');
    clock.advance(50);
    assert.equal(b.session.remoteName, 'Alice Liddell');
  });

  it('a replayed handshake message does not change the keys in use', () => {
    const { clock, a, b, fps } = securePair('pw-replay', 'pw-replay');
    a.link.keepTap = true; b.link.keepTap = true;
    a.session.start(); b.session.start();
    clock.advance(200);
    const inits = [...a.link.tap, ...b.link.tap].filter((d) => { const p = decode(d); return p.kind === 'packet' && p.packet.type === PacketType.HandshakeInit; });
    assert.ok(inits.length >= 1);
    const responder = decode(inits[0]).kind === 'packet' && a.link.tap.includes(inits[0]) ? b : a;
    const before = [...fps.a, ...fps.b].length;
    for (const d of inits) responder.session.receive(Buffer.from(d)); // the captured message 1, replayed
    // A valid message 1 of another handshake between the same two ids (as an attacker would have
    // captured from an earlier attempt): it verifies, but must not replace the keys in use.
    const init = decode(inits[0]);
    assert.ok(init.kind === 'packet' && init.packet.type === PacketType.HandshakeInit);
    const initiatorId = init.packet.senderId;
    const responderId = init.packet.body.readUInt32BE(0);
    const prologue = Buffer.alloc(17);
    prologue.write('UDPChat/1', 0, 'ascii');
    prologue.writeUInt32BE(initiatorId >>> 0, 9);
    prologue.writeUInt32BE(responderId >>> 0, 13);
    const other = new Initiator(psk('pw-replay'), prologue);
    const body = Buffer.alloc(4);
    body.writeUInt32BE(responderId >>> 0);
    responder.session.receive(encode({ type: PacketType.HandshakeInit, senderId: initiatorId, body: Buffer.concat([body, other.message1]) }));
    // The responder answers again (it cannot tell), but the keys in use stay: chat goes on both ways.
    a.session.send({ text: 'after replay a' });
    b.session.send({ text: 'after replay b' });
    clock.advance(500);
    assert.deepEqual(b.received.map((m) => m.text), ['after replay a']);
    assert.deepEqual(a.received.map((m) => m.text), ['after replay b']);
    assert.equal([...fps.a, ...fps.b].length, before, 'no new keys were installed');
  });
});
