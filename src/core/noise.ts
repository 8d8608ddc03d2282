// Noise Protocol Framework (revision 34) handshakes over 25519 / ChaChaPoly / SHA256, with Node's crypto only.
// HandshakeState runs any pattern in noisePatterns.ts (XX, IK, XXpsk3, IKpsk2, NNpsk0). The chat session
// itself uses NNpsk0 through the Initiator / respond wrappers:
//   -> psk, e
//   <- e, ee
// The psk comes from the shared passphrase (scrypt); ephemeral X25519 on both sides gives forward secrecy.
import * as crypto from 'node:crypto';
import type { Pattern, PatternName, Token } from './noisePatterns';
import { isPatternName, needsLocalStatic, needsRemoteStatic, PATTERNS, protocolNameOf, usesPsk } from './noisePatterns';

/** The protocol of the chat session (Initiator / respond). */
const HASHLEN = 32;
const DHLEN = 32;
const PSKLEN = 32;
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

/** The nonce of aeadEncryptInto and aeadDecrypt (nonceFor's bytes): createCipheriv copies it, so one buffer serves every call. */
const scratchNonce = Buffer.alloc(12);

export function aeadEncrypt(key: Buffer, n: bigint, ad: Buffer, plaintext: Buffer): Buffer {
  const out = Buffer.allocUnsafe(plaintext.length + TAGLEN);
  aeadEncryptInto(key, n, ad, plaintext, out, 0);
  return out;
}

/**
 * aeadEncrypt, written into `out` at `offset` (ciphertext, then the tag: plaintext.length + TAGLEN
 * bytes). The send path seals each datagram straight into the buffer that goes on the wire.
 */
export function aeadEncryptInto(key: Buffer, n: bigint, ad: Uint8Array, plaintext: Uint8Array, out: Buffer, offset: number): void {
  scratchNonce.writeBigUInt64LE(n, 4); // bytes 0..3 stay zero
  const c = crypto.createCipheriv('chacha20-poly1305', key, scratchNonce, { authTagLength: TAGLEN });
  c.setAAD(ad, { plaintextLength: plaintext.length });
  let o = offset + c.update(plaintext).copy(out, offset);
  o += c.final().copy(out, o);
  c.getAuthTag().copy(out, o);
}

/** Returns undefined when authentication fails. */
export function aeadDecrypt(key: Buffer, n: bigint, ad: Buffer, ciphertext: Buffer): Buffer | undefined {
  if (ciphertext.length < TAGLEN) return undefined;
  try {
    scratchNonce.writeBigUInt64LE(n, 4);
    const d = crypto.createDecipheriv('chacha20-poly1305', key, scratchNonce, { authTagLength: TAGLEN });
    d.setAAD(ad, { plaintextLength: ciphertext.length - TAGLEN });
    d.setAuthTag(ciphertext.subarray(ciphertext.length - TAGLEN));
    const plain = d.update(ciphertext.subarray(0, ciphertext.length - TAGLEN));
    const rest = d.final(); // a stream cipher: nothing more comes out, but final checks the tag
    return rest.length === 0 ? plain : Buffer.concat([plain, rest]);
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

/** The raw 32-byte public key, as sent on the wire and passed as `rs`. */
export function publicKeyOf(kp: KeyPair): Buffer {
  return Buffer.from(kp.publicRaw);
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

  constructor(protocolName: string, prologue: Buffer) {
    const name = Buffer.from(protocolName, 'ascii');
    this.h = name.length <= HASHLEN ? Buffer.concat([name, Buffer.alloc(HASHLEN - name.length)]) : sha256(name);
    this.ck = this.h;
    this.mixHash(prologue);
  }

  hasKey(): boolean { return this.k !== undefined; }

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
    if (!this.k) { this.mixHash(plaintext); return Buffer.from(plaintext); }
    const c = aeadEncrypt(this.k, this.n++, this.h, plaintext);
    this.mixHash(c);
    return c;
  }

  decryptAndHash(ciphertext: Buffer): Buffer {
    if (!this.k) { this.mixHash(ciphertext); return Buffer.from(ciphertext); }
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

export type { PatternName } from './noisePatterns';

export interface HandshakeOptions {
  pattern: PatternName;
  initiator: boolean;
  prologue: Buffer;
  /** Local static key pair: required exactly when the pattern uses this side's static key (XX, IK and their psk forms). */
  s?: KeyPair;
  /** Remote static public key, 32 raw bytes: required exactly when it is a pre-message (IK and IKpsk2 initiator). */
  rs?: Buffer;
  /** 32 bytes: required exactly for psk patterns. */
  psk?: Buffer;
  /** Ephemeral key pair to use instead of a fresh one: for test vectors only. */
  e?: KeyPair;
}

/** Noise §5.3 limit on any message, handshake or transport. */
export const MAX_MESSAGE_LEN = 65535;

/** Everything a message changes; copied before each message so that a failure changes nothing. */
interface Progress {
  ss: SymmetricState;
  e: KeyPair | undefined;
  re: Buffer | undefined;
  rs: Buffer | undefined;
  index: number;
}

function copyProgress(p: Progress): Progress {
  return { ...p, ss: p.ss.clone() };
}

/** Noise §5.3 HandshakeState for the patterns in noisePatterns.ts. */
export class HandshakeState {
  private readonly pattern: Pattern;
  private readonly initiator: boolean;
  private readonly s: KeyPair | undefined;
  private readonly psk: Buffer | undefined;
  private readonly fixedE: KeyPair | undefined;
  private readonly pskMode: boolean;
  private progress: Progress;

  constructor(opts: HandshakeOptions) {
    if (!isPatternName(opts.pattern)) throw new NoiseError(`unknown handshake pattern: ${String(opts.pattern)}`);
    const p = PATTERNS[opts.pattern];
    const who = opts.initiator ? 'initiator' : 'responder';
    this.pattern = p;
    this.initiator = opts.initiator;
    this.pskMode = usesPsk(p);
    // Unused keys are refused too: a caller who believes a key is used when it is not has a security bug.
    if (needsLocalStatic(p, opts.initiator) !== (opts.s !== undefined)) throw new NoiseError(`${opts.pattern} ${who}: local static key ${opts.s ? 'not used' : 'required'}`);
    if (needsRemoteStatic(p, opts.initiator) !== (opts.rs !== undefined)) throw new NoiseError(`${opts.pattern} ${who}: remote static key ${opts.rs ? 'not used' : 'required'}`);
    if (this.pskMode !== (opts.psk !== undefined)) throw new NoiseError(`${opts.pattern}: psk ${opts.psk ? 'not used' : 'required'}`);
    if (opts.s && opts.s.publicRaw.length !== DHLEN) throw new NoiseError('bad local static key length');
    if (opts.e && opts.e.publicRaw.length !== DHLEN) throw new NoiseError('bad ephemeral key length');
    if (opts.rs && opts.rs.length !== DHLEN) throw new NoiseError('bad remote static key length');
    if (opts.psk && opts.psk.length !== PSKLEN) throw new NoiseError('bad psk length');
    this.s = opts.s;
    this.psk = opts.psk && Buffer.from(opts.psk);
    this.fixedE = opts.e;
    const ss = new SymmetricState(protocolNameOf(opts.pattern), opts.prologue);
    const rs = opts.rs && Buffer.from(opts.rs);
    // Pre-messages: the initiator's first, then the responder's (Noise §5.3 Initialize).
    for (const [ofInitiator, tokens] of [[true, p.initiatorPre], [false, p.responderPre]] as const) {
      for (const t of tokens) {
        if (t !== 's') throw new NoiseError(`pre-message token ${t} not supported`);
        ss.mixHash(ofInitiator === opts.initiator ? opts.s!.publicRaw : rs!);
      }
    }
    this.progress = { ss, e: undefined, re: undefined, rs, index: 0 };
  }

  static protocolName(p: PatternName): string {
    return protocolNameOf(p);
  }

  get complete(): boolean { return this.progress.index >= this.pattern.messages.length; }
  get messageIndex(): number { return this.progress.index; }
  get remoteStatic(): Buffer | undefined { return this.progress.rs && Buffer.from(this.progress.rs); }
  get handshakeHash(): Buffer { return Buffer.from(this.progress.ss.h); }

  /** An independent copy: lets a caller try a message and keep the state it had. */
  clone(): HandshakeState {
    const c = Object.create(HandshakeState.prototype) as HandshakeState;
    Object.assign(c, this);
    c.progress = copyProgress(this.progress);
    return c;
  }

  writeMessage(payload: Buffer = Buffer.alloc(0)): Buffer {
    this.checkTurn(true);
    const v = copyProgress(this.progress);
    const out: Buffer[] = [];
    for (const t of this.pattern.messages[v.index]) {
      if (t === 'e') {
        const e = this.fixedE ?? generateKeyPair();
        v.e = e;
        out.push(e.publicRaw);
        this.mixEphemeral(v, e.publicRaw);
      } else if (t === 's') {
        out.push(v.ss.encryptAndHash(this.s!.publicRaw));
      } else if (t === 'psk') {
        v.ss.mixKeyAndHash(this.psk!);
      } else {
        this.mixDh(v, t);
      }
    }
    out.push(v.ss.encryptAndHash(payload));
    const message = Buffer.concat(out);
    if (message.length > MAX_MESSAGE_LEN) throw new NoiseError('handshake message too long');
    v.index++;
    this.progress = v;
    return message;
  }

  /** Returns the payload. On any failure throws NoiseError and leaves the state as it was. */
  readMessage(message: Buffer): Buffer {
    this.checkTurn(false);
    if (message.length > MAX_MESSAGE_LEN) throw new NoiseError('handshake message too long');
    const v = copyProgress(this.progress);
    let off = 0;
    const take = (n: number): Buffer => {
      if (message.length - off < n) throw new NoiseError('handshake message too short');
      off += n;
      return Buffer.from(message.subarray(off - n, off));
    };
    let payload: Buffer;
    try {
      for (const t of this.pattern.messages[v.index]) {
        if (t === 'e') {
          v.re = take(DHLEN);
          this.mixEphemeral(v, v.re);
        } else if (t === 's') {
          v.rs = v.ss.decryptAndHash(take(DHLEN + (v.ss.hasKey() ? TAGLEN : 0)));
        } else if (t === 'psk') {
          v.ss.mixKeyAndHash(this.psk!);
        } else {
          this.mixDh(v, t);
        }
      }
      const rest = message.subarray(off);
      if (v.ss.hasKey() && rest.length < TAGLEN) throw new NoiseError('handshake message too short');
      payload = v.ss.decryptAndHash(rest);
    } catch (err) {
      throw err instanceof NoiseError ? err : new NoiseError(`handshake message rejected: ${(err as Error).message}`);
    }
    v.index++;
    this.progress = v;
    return payload;
  }

  split(): TransportKeys {
    if (!this.complete) throw new NoiseError('handshake not complete');
    const [k1, k2] = this.progress.ss.split();
    const handshakeHash = this.handshakeHash;
    return this.initiator ? { send: k1, recv: k2, handshakeHash } : { send: k2, recv: k1, handshakeHash };
  }

  private checkTurn(writing: boolean): void {
    if (this.complete) throw new NoiseError('handshake already complete');
    const ours = (this.progress.index % 2 === 0) === this.initiator;
    if (ours !== writing) throw new NoiseError(writing ? 'not our turn to write' : 'not our turn to read');
  }

  /** With a psk every ephemeral also mixes the key (Noise §9.2): else the psk could be skipped by replaying e. */
  private mixEphemeral(v: Progress, pub: Buffer): void {
    v.ss.mixHash(pub);
    if (this.pskMode) v.ss.mixKey(pub);
  }

  /** In ee/es/se/ss the first letter is the initiator's key, the second the responder's. */
  private mixDh(v: Progress, t: Token): void {
    const mine = this.initiator ? t[0] : t[1];
    const theirs = this.initiator ? t[1] : t[0];
    const local = mine === 'e' ? v.e : this.s;
    const remote = theirs === 'e' ? v.re : v.rs;
    if (!local || !remote) throw new NoiseError(`no key for ${t}`);
    v.ss.mixKey(dh(local.privateKey, remote));
  }
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
