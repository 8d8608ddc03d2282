// Noise_NNpsk0_25519_ChaChaPoly_SHA256 (Noise Protocol Framework, revision 34), with Node's crypto only.
//   -> psk, e
//   <- e, ee
// The psk comes from the shared passphrase (scrypt); ephemeral X25519 on both sides gives forward secrecy.
import * as crypto from 'node:crypto';

export const PROTOCOL_NAME = 'Noise_NNpsk0_25519_ChaChaPoly_SHA256';
const HASHLEN = 32;
const DHLEN = 32;
export const TAGLEN = 16;
const X25519_SPKI_PREFIX = Buffer.from('302a300506032b656e032100', 'hex');

export class NoiseError extends Error {}

function sha256(...parts: Buffer[]): Buffer {
  const h = crypto.createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest();
}

function hmac(key: Buffer, ...parts: Buffer[]): Buffer {
  const h = crypto.createHmac('sha256', key);
  for (const p of parts) h.update(p);
  return h.digest();
}

/** Noise §4.3 HKDF with two or three outputs. */
export function hkdf(ck: Buffer, ikm: Buffer, n: 2 | 3): Buffer[] {
  const temp = hmac(ck, ikm);
  const o1 = hmac(temp, Buffer.from([1]));
  const o2 = hmac(temp, o1, Buffer.from([2]));
  if (n === 2) return [o1, o2];
  return [o1, o2, hmac(temp, o2, Buffer.from([3]))];
}

/** ChaChaPoly nonce: 32 bits of zeros, then the 64-bit counter little-endian (Noise §12.3). */
export function nonceFor(n: bigint): Buffer {
  const b = Buffer.alloc(12);
  b.writeBigUInt64LE(n, 4);
  return b;
}

export function aeadEncrypt(key: Buffer, n: bigint, ad: Buffer, plaintext: Buffer): Buffer {
  const c = crypto.createCipheriv('chacha20-poly1305', key, nonceFor(n), { authTagLength: TAGLEN });
  c.setAAD(ad, { plaintextLength: plaintext.length });
  const out = Buffer.concat([c.update(plaintext), c.final(), c.getAuthTag()]);
  return out;
}

/** Returns undefined when authentication fails. */
export function aeadDecrypt(key: Buffer, n: bigint, ad: Buffer, ciphertext: Buffer): Buffer | undefined {
  if (ciphertext.length < TAGLEN) return undefined;
  try {
    const d = crypto.createDecipheriv('chacha20-poly1305', key, nonceFor(n), { authTagLength: TAGLEN });
    d.setAAD(ad, { plaintextLength: ciphertext.length - TAGLEN });
    d.setAuthTag(ciphertext.subarray(ciphertext.length - TAGLEN));
    return Buffer.concat([d.update(ciphertext.subarray(0, ciphertext.length - TAGLEN)), d.final()]);
  } catch {
    return undefined;
  }
}

export interface KeyPair { privateKey: crypto.KeyObject; publicRaw: Buffer }

export function generateKeyPair(): KeyPair {
  const { privateKey, publicKey } = crypto.generateKeyPairSync('x25519');
  const der = publicKey.export({ format: 'der', type: 'spki' });
  return { privateKey, publicRaw: Buffer.from(der.subarray(der.length - DHLEN)) };
}

const X25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b656e04220420', 'hex');

/** A key pair from a raw 32-byte X25519 private key (test vectors inject their ephemeral keys). */
export function keyPairFromPrivate(raw: Buffer): KeyPair {
  const privateKey = crypto.createPrivateKey({ key: Buffer.concat([X25519_PKCS8_PREFIX, raw]), format: 'der', type: 'pkcs8' });
  const der = crypto.createPublicKey(privateKey).export({ format: 'der', type: 'spki' });
  return { privateKey, publicRaw: Buffer.from(der.subarray(der.length - DHLEN)) };
}

export function dh(priv: crypto.KeyObject, publicRaw: Buffer): Buffer {
  if (publicRaw.length !== DHLEN) throw new NoiseError('bad public key length');
  let out: Buffer;
  try {
    const pub = crypto.createPublicKey({ key: Buffer.concat([X25519_SPKI_PREFIX, publicRaw]), format: 'der', type: 'spki' });
    out = crypto.diffieHellman({ privateKey: priv, publicKey: pub });
  } catch {
    // OpenSSL refuses low-order points itself (before our all-zero check can see them).
    throw new NoiseError('invalid public key');
  }
  // An all-zero result means a low-order point: reject (RFC 7748 §6.1).
  if (out.every((b) => b === 0)) throw new NoiseError('low-order public key');
  return out;
}

/** Noise §5.2 SymmetricState with its CipherState folded in. */
class SymmetricState {
  ck!: Buffer;
  h!: Buffer;
  private k: Buffer | undefined;
  private n = 0n;

  constructor(prologue: Buffer) {
    const name = Buffer.from(PROTOCOL_NAME, 'ascii');
    this.h = name.length <= HASHLEN ? Buffer.concat([name, Buffer.alloc(HASHLEN - name.length)]) : sha256(name);
    this.ck = this.h;
    this.mixHash(prologue);
  }

  mixHash(data: Buffer): void { this.h = sha256(this.h, data); }

  mixKey(ikm: Buffer): void {
    const [ck, k] = hkdf(this.ck, ikm, 2);
    this.ck = ck;
    this.k = k;
    this.n = 0n;
  }

  mixKeyAndHash(ikm: Buffer): void {
    const [ck, th, k] = hkdf(this.ck, ikm, 3);
    this.ck = ck;
    this.mixHash(th);
    this.k = k;
    this.n = 0n;
  }

  encryptAndHash(plaintext: Buffer): Buffer {
    if (!this.k) { this.mixHash(plaintext); return plaintext; }
    const c = aeadEncrypt(this.k, this.n++, this.h, plaintext);
    this.mixHash(c);
    return c;
  }

  decryptAndHash(ciphertext: Buffer): Buffer {
    if (!this.k) { this.mixHash(ciphertext); return ciphertext; }
    const p = aeadDecrypt(this.k, this.n++, this.h, ciphertext);
    if (!p) throw new NoiseError('handshake authentication failed');
    this.mixHash(ciphertext);
    return p;
  }

  clone(): SymmetricState {
    const c = Object.create(SymmetricState.prototype) as SymmetricState;
    c.ck = this.ck;
    c.h = this.h;
    c.k = this.k;
    c.n = this.n;
    return c;
  }

  split(): [Buffer, Buffer] {
    const [k1, k2] = hkdf(this.ck, Buffer.alloc(0), 2);
    return [k1, k2];
  }
}

export interface TransportKeys {
  /** Key for what this side sends. */
  send: Buffer;
  /** Key for what this side receives. */
  recv: Buffer;
  /** Handshake hash: identical on both sides; its prefix is the session fingerprint. */
  handshakeHash: Buffer;
}

/** Initiator: builds message 1, then reads message 2. */
export class Initiator {
  private readonly ss: SymmetricState;
  private readonly e: KeyPair;
  readonly message1: Buffer;

  /** `ephemeral` only for test vectors; normally a fresh key pair. */
  constructor(psk: Buffer, prologue: Buffer, payload: Buffer = Buffer.alloc(0), ephemeral: KeyPair = generateKeyPair()) {
    this.e = ephemeral;
    this.ss = new SymmetricState(prologue);
    this.ss.mixKeyAndHash(psk); // psk0
    this.ss.mixHash(this.e.publicRaw); // e
    this.ss.mixKey(this.e.publicRaw); // psk modifier: e also mixes the key
    this.message1 = Buffer.concat([this.e.publicRaw, this.ss.encryptAndHash(payload)]);
  }

  /** Throws NoiseError when the responder did not prove knowledge of the psk. */
  readMessage2(msg: Buffer): { keys: TransportKeys; payload: Buffer } {
    if (msg.length < DHLEN + TAGLEN) throw new NoiseError('handshake response too short');
    // On a copy: a forged answer that fails must not spoil the state for the real one.
    const ss = this.ss.clone();
    const re = msg.subarray(0, DHLEN);
    ss.mixHash(re);
    ss.mixKey(re);
    ss.mixKey(dh(this.e.privateKey, re)); // ee
    const payload = ss.decryptAndHash(msg.subarray(DHLEN));
    const [k1, k2] = ss.split();
    return { keys: { send: k1, recv: k2, handshakeHash: ss.h }, payload };
  }
}

/** Responder: reads message 1 and answers with message 2 in one step. */
export function respond(psk: Buffer, prologue: Buffer, message1: Buffer, payload: Buffer = Buffer.alloc(0), ephemeral?: KeyPair): { message2: Buffer; keys: TransportKeys; payload: Buffer } {
  if (message1.length < DHLEN + TAGLEN) throw new NoiseError('handshake message too short');
  const ss = new SymmetricState(prologue);
  ss.mixKeyAndHash(psk);
  const ie = message1.subarray(0, DHLEN);
  ss.mixHash(ie);
  ss.mixKey(ie);
  const got = ss.decryptAndHash(message1.subarray(DHLEN));
  const e = ephemeral ?? generateKeyPair();
  ss.mixHash(e.publicRaw);
  ss.mixKey(e.publicRaw);
  ss.mixKey(dh(e.privateKey, ie)); // ee
  const message2 = Buffer.concat([e.publicRaw, ss.encryptAndHash(payload)]);
  const [k1, k2] = ss.split();
  return { message2, keys: { send: k2, recv: k1, handshakeHash: ss.h }, payload: got };
}

/** The pre-shared key: scrypt over the passphrase with a fixed, protocol-specific salt. */
export const SCRYPT_PARAMS = { N: 1 << 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 };
export const PSK_SALT = Buffer.from('udp-chat/v1/psk', 'ascii');

export function derivePsk(passphrase: string): Buffer {
  return crypto.scryptSync(Buffer.from(passphrase.normalize('NFC'), 'utf8'), PSK_SALT, 32, SCRYPT_PARAMS);
}

export function derivePskAsync(passphrase: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    crypto.scrypt(Buffer.from(passphrase.normalize('NFC'), 'utf8'), PSK_SALT, 32, SCRYPT_PARAMS, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

/** Short, human-comparable fingerprint: 6 groups of 4 hex digits of SHA-256("fp" || handshake hash). */
export function fingerprintOf(handshakeHash: Buffer): string {
  const d = sha256(Buffer.from('udp-chat fingerprint', 'ascii'), handshakeHash).toString('hex').slice(0, 24);
  return d.match(/.{4}/g)!.join(' ');
}
