import assert from 'node:assert/strict';
import { aeadDecrypt, aeadEncrypt, Initiator, keyPairFromPrivate, PROTOCOL_NAME, respond } from '../../src/core/noise';

// Published test vectors for every Noise pattern the project uses. Source: the cacophony vectors
// (haskell-cryptography/cacophony, vectors/cacophony.txt, also shipped in mcginty/snow as
// tests/vectors/cacophony.txt): the one vector for Noise_NNpsk0_25519_ChaChaPoly_SHA256.
const NNPSK0 = {
  protocol_name: 'Noise_NNpsk0_25519_ChaChaPoly_SHA256',
  prologue: '4a6f686e2047616c74',
  psk: '54686973206973206d7920417573747269616e20706572737065637469766521',
  init_ephemeral: '893e28b9dc6ca8d611ab664754b8ceb7bac5117349a4439a6b0569da977c464a',
  resp_ephemeral: 'bbdb4cdbd309f1a1f2e1456967fe288cadd6f712d65dc7b7793d5e63da6b375b',
  handshake_hash: 'f4d03dc34495c95729ea6de9e1b59004b59733102488b3e24bc441e0be208eaf',
  messages: [
    { payload: '4c756477696720766f6e204d69736573', ciphertext: 'ca35def5ae56cec33dc2036731ab14896bc4c75dbb07a61f879f8e3afa4c794479b962b8aff8485742ac32f905ba45369e2465fb59e138a93d67a0d1266b6a54' },
    { payload: '4d757272617920526f746862617264', ciphertext: '95ebc60d2b1fa672c1f46a8aa265ef51bfe38e7ccb39ec5be34069f144808843d6062704d5a9c422a8e834423f8c1feada7e8d0d910a1a2cd030fb584221e3' },
    { payload: '462e20412e20486179656b', ciphertext: 'e632c3763d7669067383433197a3baddf146e9e70ad4b4e9e59e0f' },
    { payload: '4361726c204d656e676572', ciphertext: '64c6bee32ea91c8474bb4c21d7a700109ad45af77b29764ba5eb1e' },
    { payload: '4a65616e2d426170746973746520536179', ciphertext: 'e2fa0bed0603b62d3ccac2ecabbf3fe33f3e86514909b323361626266cb2471cc8' },
    { payload: '457567656e2042f6686d20766f6e2042617765726b', ciphertext: '0c01dc9cec1fe4ddd692e8dd32188aa351088dc91183639a53b57aa4692b5ebdef8b8ca111' },
  ],
};

const hex = (s: string) => Buffer.from(s, 'hex');

describe('core/noise: published test vectors', () => {
  it(`${NNPSK0.protocol_name} (cacophony): both handshake messages, the handshake hash and four transport messages`, () => {
    assert.equal(PROTOCOL_NAME, NNPSK0.protocol_name);
    const v = NNPSK0;
    const m = v.messages;
    const initiator = new Initiator(hex(v.psk), hex(v.prologue), hex(m[0].payload), keyPairFromPrivate(hex(v.init_ephemeral)));
    assert.equal(initiator.message1.toString('hex'), m[0].ciphertext, 'message 1');
    const r = respond(hex(v.psk), hex(v.prologue), initiator.message1, hex(m[1].payload), keyPairFromPrivate(hex(v.resp_ephemeral)));
    assert.equal(r.payload.toString('hex'), m[0].payload);
    assert.equal(r.message2.toString('hex'), m[1].ciphertext, 'message 2');
    const i = initiator.readMessage2(r.message2);
    assert.equal(i.payload.toString('hex'), m[1].payload);
    assert.equal(i.keys.handshakeHash.toString('hex'), v.handshake_hash);
    assert.equal(r.keys.handshakeHash.toString('hex'), v.handshake_hash);
    // Transport: the initiator sends the even messages, the responder the odd ones; nonces count from 0.
    const empty = Buffer.alloc(0);
    for (let k = 2; k < m.length; k++) {
      const fromInitiator = k % 2 === 0;
      const n = BigInt(Math.floor((k - 2) / 2));
      const key = fromInitiator ? i.keys.send : r.keys.send;
      assert.equal(aeadEncrypt(key, n, empty, hex(m[k].payload)).toString('hex'), m[k].ciphertext, `transport message ${k}`);
      const back = aeadDecrypt(fromInitiator ? r.keys.recv : i.keys.recv, n, empty, hex(m[k].ciphertext));
      assert.equal(back?.toString('hex'), m[k].payload);
    }
  });
});
