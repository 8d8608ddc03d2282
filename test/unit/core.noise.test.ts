import assert from 'node:assert/strict';
import type { HandshakeOptions, KeyPair, PatternName } from '../../src/core/noise';
import { aeadDecrypt, aeadEncrypt, generateKeyPair, HandshakeState, NoiseError, publicKeyOf } from '../../src/core/noise';

// Behaviour of the general HandshakeState (the byte-exact checks are in core.noiseVectors.test.ts).

const prologue = Buffer.from('udp-chat test prologue');
const msg = (s: string) => Buffer.from(s, 'utf8');

interface Pair { init: HandshakeState; resp: HandshakeState; is: KeyPair; rs: KeyPair }

function pair(pattern: PatternName, extra: { initPsk?: Buffer; respPsk?: Buffer; initRs?: Buffer } = {}): Pair {
  const is = generateKeyPair();
  const rs = generateKeyPair();
  const ik = pattern.startsWith('IK');
  const initOpts: HandshakeOptions = { pattern, initiator: true, prologue, s: is, psk: extra.initPsk };
  if (ik) initOpts.rs = extra.initRs ?? publicKeyOf(rs);
  return { init: new HandshakeState(initOpts), resp: new HandshakeState({ pattern, initiator: false, prologue, s: rs, psk: extra.respPsk }), is, rs };
}

/** Runs the handshake from where it is to the end; returns the payloads each reader got. */
function run(p: Pick<Pair, 'init' | 'resp'>): string[] {
  const got: string[] = [];
  while (!p.init.complete) {
    const k = p.init.messageIndex;
    const [w, r] = k % 2 === 0 ? [p.init, p.resp] : [p.resp, p.init];
    got.push(r.readMessage(w.writeMessage(msg(`payload ${k + 1}`))).toString('utf8'));
  }
  return got;
}

function assertTransportWorks(a: HandshakeState, b: HandshakeState): void {
  const ka = a.split();
  const kb = b.split();
  assert.deepEqual(ka.send, kb.recv);
  assert.deepEqual(ka.recv, kb.send);
  assert.notDeepEqual(ka.send, ka.recv);
  assert.deepEqual(ka.handshakeHash, kb.handshakeHash);
  const c = aeadEncrypt(ka.send, 0n, Buffer.alloc(0), msg('hello'));
  assert.equal(aeadDecrypt(kb.recv, 0n, Buffer.alloc(0), c)?.toString('utf8'), 'hello');
}

/** A copy of the message with one bit flipped at `at` (from the end when negative). */
function flipped(m: Buffer, at: number): Buffer {
  const f = Buffer.from(m);
  f[at < 0 ? f.length + at : at] ^= 1;
  return f;
}

describe('core/noise: HandshakeState', () => {
  it('names the protocols as the Noise spec does', () => {
    assert.equal(HandshakeState.protocolName('XX'), 'Noise_XX_25519_ChaChaPoly_SHA256');
    assert.equal(HandshakeState.protocolName('IK'), 'Noise_IK_25519_ChaChaPoly_SHA256');
    assert.equal(HandshakeState.protocolName('XXpsk3'), 'Noise_XXpsk3_25519_ChaChaPoly_SHA256');
    assert.equal(HandshakeState.protocolName('IKpsk2'), 'Noise_IKpsk2_25519_ChaChaPoly_SHA256');
    assert.equal(HandshakeState.protocolName('NNpsk0'), 'Noise_NNpsk0_25519_ChaChaPoly_SHA256');
  });

  it('XX round trip with random keys: payloads arrive, transport keys match, statics learned at messages 2 and 3', () => {
    const p = pair('XX');
    assert.equal(p.init.remoteStatic, undefined);
    assert.equal(p.resp.remoteStatic, undefined);
    assert.equal(p.resp.readMessage(p.init.writeMessage(msg('one'))).toString(), 'one');
    assert.equal(p.resp.remoteStatic, undefined, 'message 1 carries no static');
    assert.equal(p.init.readMessage(p.resp.writeMessage(msg('two'))).toString(), 'two');
    assert.deepEqual(p.init.remoteStatic, p.rs.publicRaw, 'initiator learns the responder static at message 2');
    assert.equal(p.resp.remoteStatic, undefined);
    assert.equal(p.init.complete, false);
    assert.throws(() => p.init.split(), NoiseError, 'no split before the end');
    assert.equal(p.resp.readMessage(p.init.writeMessage(msg('three'))).toString(), 'three');
    assert.deepEqual(p.resp.remoteStatic, p.is.publicRaw, 'responder learns the initiator static at message 3');
    assert.ok(p.init.complete && p.resp.complete);
    assert.equal(p.init.messageIndex, 3);
    assert.equal(p.resp.messageIndex, 3);
    assertTransportWorks(p.init, p.resp);
    assertTransportWorks(p.resp, p.init);
  });

  it('IK round trip with random keys: the responder learns the initiator static at message 1', () => {
    const p = pair('IK');
    assert.deepEqual(p.init.remoteStatic, p.rs.publicRaw, 'the IK initiator is given it');
    assert.equal(p.resp.remoteStatic, undefined);
    assert.equal(p.resp.readMessage(p.init.writeMessage(msg('one'))).toString(), 'one');
    assert.deepEqual(p.resp.remoteStatic, p.is.publicRaw);
    assert.equal(p.init.readMessage(p.resp.writeMessage(msg('two'))).toString(), 'two');
    assert.ok(p.init.complete && p.resp.complete);
    assertTransportWorks(p.init, p.resp);
  });

  it('psk patterns round trip when both sides have the same psk', () => {
    for (const pattern of ['XXpsk3', 'IKpsk2', 'NNpsk0'] as const) {
      const psk = generateKeyPair().publicRaw;
      const p = pattern === 'NNpsk0'
        ? { init: new HandshakeState({ pattern, initiator: true, prologue, psk }), resp: new HandshakeState({ pattern, initiator: false, prologue, psk }) }
        : pair(pattern, { initPsk: psk, respPsk: psk });
      assert.equal(run(p).length, pattern === 'XXpsk3' ? 3 : 2, pattern);
      assertTransportWorks(p.init, p.resp);
    }
  });

  it('two runs with the same keys give different transport keys (fresh ephemerals)', () => {
    const is = generateKeyPair();
    const rs = generateKeyPair();
    const once = () => {
      const init = new HandshakeState({ pattern: 'IK', initiator: true, prologue, s: is, rs: rs.publicRaw });
      const resp = new HandshakeState({ pattern: 'IK', initiator: false, prologue, s: rs });
      resp.readMessage(init.writeMessage());
      init.readMessage(resp.writeMessage());
      return init.split().send;
    };
    assert.notDeepEqual(once(), once());
  });

  it('IK with the wrong responder static fails at the responder on message 1', () => {
    const p = pair('IK', { initRs: generateKeyPair().publicRaw });
    assert.throws(() => p.resp.readMessage(p.init.writeMessage(msg('one'))), NoiseError);
    assert.equal(p.resp.messageIndex, 0);
    assert.equal(p.resp.remoteStatic, undefined);
  });

  it('XXpsk3 with different psks fails at message 3 on the responder', () => {
    const p = pair('XXpsk3', { initPsk: Buffer.alloc(32, 1), respPsk: Buffer.alloc(32, 2) });
    p.resp.readMessage(p.init.writeMessage());
    p.init.readMessage(p.resp.writeMessage());
    assert.throws(() => p.resp.readMessage(p.init.writeMessage()), /authentication failed/);
    assert.equal(p.resp.complete, false);
  });

  it('IKpsk2 with different psks fails at message 2 on the initiator', () => {
    const p = pair('IKpsk2', { initPsk: Buffer.alloc(32, 1), respPsk: Buffer.alloc(32, 2) });
    p.resp.readMessage(p.init.writeMessage(msg('one')));
    assert.throws(() => p.init.readMessage(p.resp.writeMessage(msg('two'))), /authentication failed/);
    assert.equal(p.init.complete, false);
  });

  it('a forged or truncated message leaves the state exactly as it was: the genuine one still succeeds', () => {
    const p = pair('XX');
    const m1 = p.init.writeMessage(msg('one'));
    p.resp.readMessage(m1);
    const m2 = p.resp.writeMessage(msg('two'));
    const hashBefore = p.init.handshakeHash;
    // Message 2: e (32) | encrypted s (48) | encrypted payload (3 + 16).
    for (const bad of [flipped(m2, 40), flipped(m2, -1), flipped(m2, 0), m2.subarray(0, m2.length - 1), m2.subarray(0, 31), Buffer.alloc(0), Buffer.alloc(m2.length)]) {
      assert.throws(() => p.init.readMessage(bad), NoiseError);
      assert.equal(p.init.messageIndex, 1);
      assert.equal(p.init.remoteStatic, undefined);
      assert.deepEqual(p.init.handshakeHash, hashBefore);
    }
    assert.equal(p.init.readMessage(m2).toString(), 'two');
    p.resp.readMessage(p.init.writeMessage());
    assertTransportWorks(p.init, p.resp);
  });

  it('a forged IK message 1 does not spoil the responder for the genuine one', () => {
    const p = pair('IK');
    const m1 = p.init.writeMessage(msg('one'));
    assert.throws(() => p.resp.readMessage(flipped(m1, 50)), NoiseError);
    assert.throws(() => p.resp.readMessage(m1.subarray(0, 32 + 48 + 15)), /too short/);
    assert.equal(p.resp.readMessage(m1).toString(), 'one');
    p.init.readMessage(p.resp.writeMessage());
    assertTransportWorks(p.init, p.resp);
  });

  it('an all-zero (low-order) ephemeral is refused as a NoiseError', () => {
    const p = pair('IK');
    const m1 = p.init.writeMessage();
    const zeroE = Buffer.concat([Buffer.alloc(32), m1.subarray(32)]);
    assert.throws(() => p.resp.readMessage(zeroE), NoiseError);
    assert.equal(p.resp.messageIndex, 0);
  });

  it('refuses to write or read out of turn, and after the end', () => {
    const p = pair('XX');
    assert.throws(() => p.resp.writeMessage(), /not our turn to write/);
    assert.throws(() => p.init.readMessage(Buffer.alloc(32)), /not our turn to read/);
    const m1 = p.init.writeMessage();
    assert.throws(() => p.init.writeMessage(), /not our turn to write/);
    assert.equal(p.init.messageIndex, 1);
    p.resp.readMessage(m1);
    run(p);
    assert.ok(p.init.complete);
    assert.throws(() => p.init.writeMessage(), /already complete/);
    assert.throws(() => p.resp.readMessage(m1), /already complete/);
  });

  it('checks its options: missing or unused keys, wrong lengths', () => {
    const s = generateKeyPair();
    const psk = Buffer.alloc(32, 7);
    const bad: HandshakeOptions[] = [
      { pattern: 'XX', initiator: true, prologue },
      { pattern: 'XX', initiator: false, prologue },
      { pattern: 'IK', initiator: true, prologue, s },
      { pattern: 'IK', initiator: true, prologue, s, rs: Buffer.alloc(31, 9) },
      { pattern: 'IK', initiator: false, prologue, s, rs: s.publicRaw },
      { pattern: 'XX', initiator: true, prologue, s, psk },
      { pattern: 'XXpsk3', initiator: true, prologue, s },
      { pattern: 'XXpsk3', initiator: true, prologue, s, psk: Buffer.alloc(16) },
      { pattern: 'NNpsk0', initiator: true, prologue, psk, s },
      { pattern: 'NN' as PatternName, initiator: true, prologue },
    ];
    for (const o of bad) assert.throws(() => new HandshakeState(o), NoiseError, JSON.stringify({ ...o, s: !!o.s }));
  });

  it('payloads may be empty or large, up to the 65535-byte message limit', () => {
    const p = pair('XX');
    assert.equal(p.resp.readMessage(p.init.writeMessage()).length, 0);
    assert.throws(() => p.resp.writeMessage(Buffer.alloc(65535)), /too long/);
    assert.equal(p.resp.messageIndex, 1, 'a refused write changes nothing');
    const big = Buffer.alloc(65535 - 32 - 48 - 16, 5);
    assert.deepEqual(p.init.readMessage(p.resp.writeMessage(big)), big);
  });
});
