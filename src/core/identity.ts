// Who a person is: a long-term X25519 key pair per installation, its file format, and the short
// numbers people compare to check it (docs/PROTOCOL.md §10).
import * as crypto from 'node:crypto';
import type { KeyPair } from './noise';
import { generateKeyPair, keyPairFromPrivate } from './noise';

export interface Identity {
  keyPair: KeyPair;
  /** Raw 32-byte X25519 public key: what the handshake sends and what others pin. */
  publicKey: Buffer;
}

export const IDENTITY_FILE_TYPE = 'udp-chat-identity';

export class IdentityError extends Error {}

export function newIdentity(): Identity {
  const keyPair = generateKeyPair();
  return { keyPair, publicKey: keyPair.publicRaw };
}

export function identityFromPrivate(raw: Buffer): Identity {
  if (raw.length !== 32) throw new IdentityError('an identity private key is 32 bytes');
  const keyPair = keyPairFromPrivate(raw);
  return { keyPair, publicKey: keyPair.publicRaw };
}

export function privateKeyBytes(id: Identity): Buffer {
  const jwk = id.keyPair.privateKey.export({ format: 'jwk' }) as { d?: string };
  if (!jwk.d) throw new IdentityError('the private key cannot be exported');
  return Buffer.from(jwk.d, 'base64url');
}

/** The identity as stored (JSON, one line); the private key is base64. Keep the file private (0600). */
export function encodeIdentity(id: Identity): string {
  return JSON.stringify({ type: IDENTITY_FILE_TYPE, version: 1, privateKey: privateKeyBytes(id).toString('base64'), publicKey: id.publicKey.toString('base64') });
}

/** Reads what encodeIdentity wrote; throws IdentityError with a reason a user can act on. */
export function decodeIdentity(text: string): Identity {
  let data: unknown;
  try { data = JSON.parse(text); } catch { throw new IdentityError('it is not JSON'); }
  const d = data as { type?: unknown; version?: unknown; privateKey?: unknown; publicKey?: unknown };
  if (!d || d.type !== IDENTITY_FILE_TYPE) throw new IdentityError(`it is not a ${IDENTITY_FILE_TYPE} file`);
  if (d.version !== 1) throw new IdentityError(`version ${String(d.version)} is not supported`);
  if (typeof d.privateKey !== 'string') throw new IdentityError('the private key is missing');
  const raw = Buffer.from(d.privateKey, 'base64');
  if (raw.length !== 32) throw new IdentityError('the private key is not 32 bytes');
  const id = identityFromPrivate(raw);
  if (typeof d.publicKey === 'string' && !Buffer.from(d.publicKey, 'base64').equals(id.publicKey)) {
    throw new IdentityError('the public key does not match the private key (damaged file)');
  }
  return id;
}

/** A person's id: 16 hex digits of SHA-256 over the key. Stable, short enough to type, not secret. */
export function personId(publicKey: Buffer): string {
  return crypto.createHash('sha256').update('udp-chat person id').update(publicKey).digest('hex').slice(0, 16);
}

/** One key's fingerprint, for "your key" displays: 8 groups of 4 hex digits (128 bits). */
export function keyFingerprint(publicKey: Buffer): string {
  const hex = crypto.createHash('sha256').update('udp-chat key fingerprint').update(publicKey).digest('hex').slice(0, 32);
  return hex.match(/.{4}/g)!.join(' ');
}

/**
 * The safety number two people compare (read aloud, or side by side): 6 groups of 5 digits over
 * both keys, in a fixed order, so both sides show the same number. About 100 bits.
 */
export function safetyNumber(a: Buffer, b: Buffer): string {
  const [lo, hi] = Buffer.compare(a, b) <= 0 ? [a, b] : [b, a];
  const d = crypto.createHash('sha256').update('udp-chat safety number').update(lo).update(hi).digest();
  const groups: string[] = [];
  for (let i = 0; i < 6; i++) groups.push(String(d.readUInt32BE(i * 4) % 100_000).padStart(5, '0'));
  return groups.join(' ');
}
