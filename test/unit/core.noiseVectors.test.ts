import assert from 'node:assert/strict';
import type { PatternName } from '../../src/core/noise';
import { aeadDecrypt, aeadEncrypt, HandshakeState, keyPairFromPrivate, publicKeyOf } from '../../src/core/noise';

// Published test vectors for every Noise pattern the project uses. Source: the cacophony vectors
// (haskell-cryptography/cacophony, vectors/cacophony.txt, also shipped in mcginty/snow as
// tests/vectors/cacophony.txt, copied from mcginty/snow at commit 8ac60f51cfe3e010c84f0a454cc575ad9204fa12):
// the one vector for Noise_NNpsk0_25519_ChaChaPoly_SHA256 ...
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

// ... and, from the same file, the one vector each for XX, IK, XXpsk3 and IKpsk2 (field names as in the file).
interface Vector {
  protocol_name: string;
  init_prologue: string;
  init_psks?: string[];
  init_static?: string;
  init_ephemeral: string;
  init_remote_static?: string;
  resp_prologue: string;
  resp_psks?: string[];
  resp_static?: string;
  resp_ephemeral: string;
  handshake_hash: string;
  messages: { payload: string; ciphertext: string }[];
}

const VECTORS: Vector[] = [
  {
    protocol_name: 'Noise_XX_25519_ChaChaPoly_SHA256',
    init_prologue: '4a6f686e2047616c74',
    init_static: 'e61ef9919cde45dd5f82166404bd08e38bceb5dfdfded0a34c8df7ed542214d1',
    init_ephemeral: '893e28b9dc6ca8d611ab664754b8ceb7bac5117349a4439a6b0569da977c464a',
    resp_prologue: '4a6f686e2047616c74',
    resp_static: '4a3acbfdb163dec651dfa3194dece676d437029c62a408b4c5ea9114246e4893',
    resp_ephemeral: 'bbdb4cdbd309f1a1f2e1456967fe288cadd6f712d65dc7b7793d5e63da6b375b',
    handshake_hash: 'c8e5f64e846193be2a834104c2a009868d6c9f3bd3c186299888b488b2f1f58e',
    messages: [
      { payload: '4c756477696720766f6e204d69736573', ciphertext: 'ca35def5ae56cec33dc2036731ab14896bc4c75dbb07a61f879f8e3afa4c79444c756477696720766f6e204d69736573' },
      { payload: '4d757272617920526f746862617264', ciphertext: '95ebc60d2b1fa672c1f46a8aa265ef51bfe38e7ccb39ec5be34069f14480884381cbad1f276e038c48378ffce2b65285e08d6b68aaa3629a5a8639392490e5b9bd5269c2f1e4f488ed8831161f19b7815528f8982ffe09be9b5c412f8a0db50f8814c7194e83f23dbd8d162c9326ad' },
      { payload: '462e20412e20486179656b', ciphertext: 'c7195ffacac1307ff99046f219750fc47693e23c3cb08b89c2af808b444850a80ae475b9df0f169ae80a89be0865b57f58c9fea0d4ec82a286427402f113e4b6ae769a1d95941d49b25030' },
      { payload: '4361726c204d656e676572', ciphertext: '96763ed773f8e47bb3712f0e29b3060ffc956ffc146cee53d5e1df' },
      { payload: '4a65616e2d426170746973746520536179', ciphertext: '3e40f15f6f3a46ae446b253bf8b1d9ffb6ed9b174d272328ff91a7e2e5c79c07f5' },
      { payload: '457567656e2042f6686d20766f6e2042617765726b', ciphertext: 'eb3f3515110702e047a6c9da4478b6ead94873c11c0f2d710ddb3f09fce024b3a58502ae3f' },
    ],
  },
  {
    protocol_name: 'Noise_IK_25519_ChaChaPoly_SHA256',
    init_prologue: '4a6f686e2047616c74',
    init_static: 'e61ef9919cde45dd5f82166404bd08e38bceb5dfdfded0a34c8df7ed542214d1',
    init_ephemeral: '893e28b9dc6ca8d611ab664754b8ceb7bac5117349a4439a6b0569da977c464a',
    init_remote_static: '31e0303fd6418d2f8c0e78b91f22e8caed0fbe48656dcf4767e4834f701b8f62',
    resp_prologue: '4a6f686e2047616c74',
    resp_static: '4a3acbfdb163dec651dfa3194dece676d437029c62a408b4c5ea9114246e4893',
    resp_ephemeral: 'bbdb4cdbd309f1a1f2e1456967fe288cadd6f712d65dc7b7793d5e63da6b375b',
    handshake_hash: '0b0f68fb0c27e03ce9b97565995ed4838cc0581b762ef72b062f6a546419fad7',
    messages: [
      { payload: '4c756477696720766f6e204d69736573', ciphertext: 'ca35def5ae56cec33dc2036731ab14896bc4c75dbb07a61f879f8e3afa4c7944718da798efbcd91528520204f904b9bd6c7413dccdc214d951e15253e39987f18146e8cd0873654207148333479d4d16c289f0294b29960a72f48e0b7bba2e89083169825e59642148d492020664ccf7' },
      { payload: '4d757272617920526f746862617264', ciphertext: '95ebc60d2b1fa672c1f46a8aa265ef51bfe38e7ccb39ec5be34069f1448088435361e70b2ed446e6c9ec387d1d6b3b840f194e373979d241b203c4acafccf5' },
      { payload: '462e20412e20486179656b', ciphertext: '050e9f3c8fac16b68dbce8f8c4bfbf6617c897f9ada4aa29aa19c8' },
      { payload: '4361726c204d656e676572', ciphertext: '344233a6cabb7141d80f3da2fedc311d9646bbb0f505afe403a667' },
      { payload: '4a65616e2d426170746973746520536179', ciphertext: '62cdeeb172ad7ade7aa7d9e069da5790f12331bfa00177787a1d0810c67dc3b2b4' },
      { payload: '457567656e2042f6686d20766f6e2042617765726b', ciphertext: '029bead1b40992327044d409d9a1f3ad8f36c3c452775d557e18bbeb2e8dfcead32d514024' },
    ],
  },
  {
    protocol_name: 'Noise_XXpsk3_25519_ChaChaPoly_SHA256',
    init_prologue: '4a6f686e2047616c74',
    init_psks: ['54686973206973206d7920417573747269616e20706572737065637469766521'],
    init_static: 'e61ef9919cde45dd5f82166404bd08e38bceb5dfdfded0a34c8df7ed542214d1',
    init_ephemeral: '893e28b9dc6ca8d611ab664754b8ceb7bac5117349a4439a6b0569da977c464a',
    resp_prologue: '4a6f686e2047616c74',
    resp_psks: ['54686973206973206d7920417573747269616e20706572737065637469766521'],
    resp_static: '4a3acbfdb163dec651dfa3194dece676d437029c62a408b4c5ea9114246e4893',
    resp_ephemeral: 'bbdb4cdbd309f1a1f2e1456967fe288cadd6f712d65dc7b7793d5e63da6b375b',
    handshake_hash: 'a477edf6a131bbdb54707f6ea30eab6cd935d9b560f0e5fd1f053a95a99669fb',
    messages: [
      { payload: '4c756477696720766f6e204d69736573', ciphertext: 'ca35def5ae56cec33dc2036731ab14896bc4c75dbb07a61f879f8e3afa4c7944c9f5ff0e8079630cb7e270c20bbf480821b77a384a645c71a2fd9b3db1c16a5f' },
      { payload: '4d757272617920526f746862617264', ciphertext: '95ebc60d2b1fa672c1f46a8aa265ef51bfe38e7ccb39ec5be34069f144808843b123def17f71e6ae8e57e0e1dec5949c5f7415c6f33517398747d821a06dc23ad430aa1fd7381d46195c378a819fd574425462cbb2d4ca339e738a0b7001dc91423fbf55a99af0c6f1df21012ceb2f' },
      { payload: '462e20412e20486179656b', ciphertext: '52187316111b118d4c060364f7b975dc0809b2590779aff2d63113c564f11744493384db7bf32d5ae6686df6ab06d508d2e07caaf1d6afc010b978735fc78900e71ae1d314130d042e729a' },
      { payload: '4361726c204d656e676572', ciphertext: 'eaedc672d4c21e0e2955758756fb98f194c4e90d5deb5b6cf30b27' },
      { payload: '4a65616e2d426170746973746520536179', ciphertext: '522d543c5fe799d09a3d9da7ff54d0dc03c8af1dc7751d2ff708339d2290943e98' },
      { payload: '457567656e2042f6686d20766f6e2042617765726b', ciphertext: '7d4e2c3873eef6a213b04e72f9df60a91666072d3544c5d96c34a09e2329b5030bee796741' },
    ],
  },
  {
    protocol_name: 'Noise_IKpsk2_25519_ChaChaPoly_SHA256',
    init_prologue: '4a6f686e2047616c74',
    init_psks: ['54686973206973206d7920417573747269616e20706572737065637469766521'],
    init_static: 'e61ef9919cde45dd5f82166404bd08e38bceb5dfdfded0a34c8df7ed542214d1',
    init_ephemeral: '893e28b9dc6ca8d611ab664754b8ceb7bac5117349a4439a6b0569da977c464a',
    init_remote_static: '31e0303fd6418d2f8c0e78b91f22e8caed0fbe48656dcf4767e4834f701b8f62',
    resp_prologue: '4a6f686e2047616c74',
    resp_psks: ['54686973206973206d7920417573747269616e20706572737065637469766521'],
    resp_static: '4a3acbfdb163dec651dfa3194dece676d437029c62a408b4c5ea9114246e4893',
    resp_ephemeral: 'bbdb4cdbd309f1a1f2e1456967fe288cadd6f712d65dc7b7793d5e63da6b375b',
    handshake_hash: '8310f86394dc0dabb40beb8210031556db4403ab1202db7034c526232147a700',
    messages: [
      { payload: '4c756477696720766f6e204d69736573', ciphertext: 'ca35def5ae56cec33dc2036731ab14896bc4c75dbb07a61f879f8e3afa4c79442ec9b09893d0f510791784c10cbc959f25b1766e0def6e301d14fbca1c7790ac829b8b3674f5f649a5f0e98479662cbfbf2b2c47cd4b09fcd266cd29d7cb675f1808849707847840f6d178ec4d3733aa' },
      { payload: '4d757272617920526f746862617264', ciphertext: '95ebc60d2b1fa672c1f46a8aa265ef51bfe38e7ccb39ec5be34069f1448088439a1b3cebf680b2c74217fcb5eba4ff58a9468cd90c4aca6194f57479b379a7' },
      { payload: '462e20412e20486179656b', ciphertext: 'a8fde7a0accec190cd306c5950d4fd8e04a205ec288aa747d8b347' },
      { payload: '4361726c204d656e676572', ciphertext: '59caddd9984a3bbe24c4fb31a2bd455b7eba3fa0980674b1a3a5f9' },
      { payload: '4a65616e2d426170746973746520536179', ciphertext: '3b9bfebd210c22ba0cff9de79b4007d7a552fffbf92616881faa8a883e25b80258' },
      { payload: '457567656e2042f6686d20766f6e2042617765726b', ciphertext: 'f37512df1043d564d7c46ac85c53d3b6a9a05724bc297e7142808f217561651217fe85b782' },
    ],
  },
];

const hex = (s: string) => Buffer.from(s, 'hex');

/** Runs a vector through two HandshakeStates: every handshake message, the hash, then the transport messages. */
function runVector(v: Vector): void {
  const pattern = v.protocol_name.split('_')[1] as PatternName;
  assert.equal(HandshakeState.protocolName(pattern), v.protocol_name);
  const side = (initiator: boolean) => {
    const [pro, psks, st, eph, rs] = initiator
      ? [v.init_prologue, v.init_psks, v.init_static, v.init_ephemeral, v.init_remote_static]
      : [v.resp_prologue, v.resp_psks, v.resp_static, v.resp_ephemeral, undefined];
    return new HandshakeState({
      pattern, initiator, prologue: hex(pro), psk: psks && hex(psks[0]),
      s: st === undefined ? undefined : keyPairFromPrivate(hex(st)),
      rs: rs === undefined ? undefined : hex(rs),
      e: keyPairFromPrivate(hex(eph)),
    });
  };
  const init = side(true);
  const resp = side(false);
  const m = v.messages;
  let k = 0;
  for (; !init.complete; k++) {
    const [writer, reader] = k % 2 === 0 ? [init, resp] : [resp, init];
    const msg = writer.writeMessage(hex(m[k].payload));
    assert.equal(msg.toString('hex'), m[k].ciphertext, `handshake message ${k + 1}`);
    assert.equal(reader.readMessage(msg).toString('hex'), m[k].payload, `payload of handshake message ${k + 1}`);
    assert.equal(writer.messageIndex, k + 1);
    assert.equal(reader.messageIndex, k + 1);
  }
  assert.ok(resp.complete);
  assert.equal(init.handshakeHash.toString('hex'), v.handshake_hash);
  assert.equal(resp.handshakeHash.toString('hex'), v.handshake_hash);
  // Each side has learned (or was given) the other's static key, if the pattern has one.
  if (v.resp_static) assert.deepEqual(init.remoteStatic, publicKeyOf(keyPairFromPrivate(hex(v.resp_static))));
  if (v.init_static) assert.deepEqual(resp.remoteStatic, publicKeyOf(keyPairFromPrivate(hex(v.init_static))));
  const ik = init.split();
  const rk = resp.split();
  assert.equal(ik.handshakeHash.toString('hex'), v.handshake_hash);
  // Transport: the parity of the message number keeps alternating; each direction counts its nonces from 0.
  const empty = Buffer.alloc(0);
  const nonces = [0n, 0n];
  for (; k < m.length; k++) {
    const fromInitiator = k % 2 === 0;
    const n = nonces[fromInitiator ? 0 : 1]++;
    const c = aeadEncrypt(fromInitiator ? ik.send : rk.send, n, empty, hex(m[k].payload));
    assert.equal(c.toString('hex'), m[k].ciphertext, `transport message ${k + 1}`);
    assert.equal(aeadDecrypt(fromInitiator ? rk.recv : ik.recv, n, empty, c)?.toString('hex'), m[k].payload);
  }
}

describe('core/noise: published test vectors', () => {
  it(`${NNPSK0.protocol_name} (cacophony) through HandshakeState`, () => {
    const v = NNPSK0;
    runVector({
      protocol_name: v.protocol_name, init_prologue: v.prologue, resp_prologue: v.prologue, init_psks: [v.psk], resp_psks: [v.psk],
      init_ephemeral: v.init_ephemeral, resp_ephemeral: v.resp_ephemeral, handshake_hash: v.handshake_hash, messages: v.messages,
    });
  });

  for (const v of VECTORS) {
    it(`${v.protocol_name} (cacophony): every handshake message, the handshake hash and the transport messages`, () => runVector(v));
  }

  it('the IK vectors\' remote static is the responder\'s static public key', () => {
    for (const v of VECTORS.filter((x) => x.init_remote_static)) {
      assert.equal(publicKeyOf(keyPairFromPrivate(hex(v.resp_static!))).toString('hex'), v.init_remote_static);
    }
  });
});
