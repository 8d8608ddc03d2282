// People are their keys: trust on first use, like SSH's known_hosts. A contact (the configured peer
// address) is pinned to the first key that answers there; another key there later is a key change,
// never accepted without the user. Pure: storage is injected.
import { personId } from './identity';

export interface KnownPerson {
  /** Raw public key, base64. */
  key: string;
  id: string;
  name: string;
  verified: boolean;
  firstSeen: number;
  lastSeen: number;
}

export interface TrustData {
  version: 1;
  people: KnownPerson[];
  /** Contact label (as the user configured the address, e.g. "host:port") → pinned key, base64. */
  pins: Record<string, string>;
  /**
   * Blocked people: person ids (16 lowercase hex, identity.ts personId) or "addr:host:port" for a
   * peer known only by its address (a plain-text peer). Added after version 1 shipped: a store
   * without it has nobody blocked.
   */
  blocked: string[];
}

export interface TrustStorage {
  load(): TrustData | undefined;
  save(data: TrustData): void;
}

export type KeyCheck =
  | { kind: 'new' }
  | { kind: 'known'; person: KnownPerson }
  /** The contact is pinned to another key: warn, and hold the session until the user accepts. */
  | { kind: 'changed'; previousKey: Buffer; previous?: KnownPerson };

export function emptyTrust(): TrustData {
  return { version: 1, people: [], pins: {}, blocked: [] };
}

const PERSON_ID = /^[0-9a-f]{16}$/;
/** "addr:" then "host:port" as formatAddress writes it (IPv6 as "[ip]:port"). */
const ADDRESS_ID = /^addr:(?:\[[^\s[\]]+\]|[^\s:[\]]+):(\d{1,5})$/;
const MAX_ID_LENGTH = 300;

/** True for an id that can be blocked: a person id, or "addr:host:port". */
export function isBlockableId(id: unknown): id is string {
  if (typeof id !== 'string' || id.length > MAX_ID_LENGTH) return false;
  if (PERSON_ID.test(id)) return true;
  const m = ADDRESS_ID.exec(id);
  // eslint-disable-next-line no-control-regex
  return m !== null && Number(m[1]) <= 65535 && !/[\u0000-\u001f\u007f]/.test(id);
}

/** Storage in memory (tests, and the terminal peer with --no-save). */
export class MemoryTrustStorage implements TrustStorage {
  data?: TrustData;
  load(): TrustData | undefined { return this.data && JSON.parse(JSON.stringify(this.data)) as TrustData; }
  save(data: TrustData): void { this.data = JSON.parse(JSON.stringify(data)) as TrustData; }
}

/** Checks stored data loosely: a damaged entry is dropped, never trusted. */
export function parseTrust(value: unknown): TrustData {
  const out = emptyTrust();
  const v = value as Partial<TrustData> | undefined;
  if (!v || v.version !== 1) return out;
  for (const p of Array.isArray(v.people) ? v.people : []) {
    if (!p || typeof p.key !== 'string' || Buffer.from(p.key, 'base64').length !== 32) continue;
    out.people.push({
      key: p.key,
      id: personId(Buffer.from(p.key, 'base64')),
      name: typeof p.name === 'string' ? p.name : '',
      verified: p.verified === true,
      firstSeen: Number(p.firstSeen) || 0,
      lastSeen: Number(p.lastSeen) || 0,
    });
  }
  for (const [label, key] of Object.entries(v.pins && typeof v.pins === 'object' ? v.pins : {})) {
    if (typeof key === 'string' && Buffer.from(key, 'base64').length === 32) out.pins[label] = key;
  }
  for (const id of Array.isArray(v.blocked) ? v.blocked as unknown[] : []) {
    if (isBlockableId(id) && !out.blocked.includes(id)) out.blocked.push(id);
  }
  return out;
}

export class TrustStore {
  private data: TrustData;
  private readonly byKey = new Map<string, KnownPerson>();
  private readonly blockedIds = new Set<string>();

  constructor(private readonly storage: TrustStorage, private readonly now: () => number = Date.now) {
    this.data = parseTrust(storage.load());
    for (const p of this.data.people) this.byKey.set(p.key, p);
    for (const id of this.data.blocked) this.blockedIds.add(id);
  }

  person(key: Buffer): KnownPerson | undefined { return this.byKey.get(key.toString('base64')); }
  get people(): readonly KnownPerson[] { return this.data.people; }
  pinnedKey(label: string): Buffer | undefined {
    const k = this.data.pins[label];
    return k === undefined ? undefined : Buffer.from(k, 'base64');
  }

  /** What a key answering at `label` (undefined: not a configured contact) means. Changes nothing. */
  check(label: string | undefined, key: Buffer): KeyCheck {
    const b64 = key.toString('base64');
    const pinned = label === undefined ? undefined : this.data.pins[label];
    if (pinned !== undefined && pinned !== b64) {
      const previousKey = Buffer.from(pinned, 'base64');
      return { kind: 'changed', previousKey, previous: this.byKey.get(pinned) };
    }
    const person = this.byKey.get(b64);
    return person ? { kind: 'known', person } : { kind: 'new' };
  }

  /** Records a key as a person (first use, or the user accepted it) and pins the contact to it. */
  remember(key: Buffer, name: string, label?: string): KnownPerson {
    const b64 = key.toString('base64');
    const now = this.now();
    let p = this.byKey.get(b64);
    if (!p) {
      p = { key: b64, id: personId(key), name, verified: false, firstSeen: now, lastSeen: now };
      this.byKey.set(b64, p);
      this.data.people.push(p);
    } else {
      p.lastSeen = now;
      if (name) p.name = name;
    }
    if (label !== undefined) this.data.pins[label] = b64;
    this.save();
    return p;
  }

  /** The person's display name changed (it is theirs to choose; the key is what identifies them). */
  rename(key: Buffer, name: string): void {
    const p = this.byKey.get(key.toString('base64'));
    if (!p || !name || p.name === name) return;
    p.name = name;
    this.save();
  }

  setVerified(key: Buffer, verified: boolean): void {
    const p = this.byKey.get(key.toString('base64'));
    if (!p || p.verified === verified) return;
    p.verified = verified;
    this.save();
  }

  /** Blocked people (person ids, or "addr:host:port"), in the order they were blocked. */
  get blocked(): readonly string[] { return this.data.blocked; }

  isBlocked(id: string): boolean { return this.blockedIds.has(id); }

  /** Remembers that `id` is blocked (saved). Throws RangeError for an id that is neither a person id nor "addr:host:port". */
  block(id: string): void {
    if (!isBlockableId(id)) throw new RangeError(`not a person id: ${JSON.stringify(String(id).slice(0, 80))}`);
    if (this.blockedIds.has(id)) return;
    this.blockedIds.add(id);
    this.data.blocked.push(id);
    this.save();
  }

  /** Forgets a block (saved). False when `id` was not blocked. */
  unblock(id: string): boolean {
    if (!this.blockedIds.delete(id)) return false;
    this.data.blocked = this.data.blocked.filter((b) => b !== id);
    this.save();
    return true;
  }

  /** Forgets everyone, blocks included (the user asked, or a test starts clean). */
  clear(): void {
    this.data = emptyTrust();
    this.byKey.clear();
    this.blockedIds.clear();
    this.save();
  }

  isVerified(key: Buffer): boolean { return this.byKey.get(key.toString('base64'))?.verified === true; }

  private save(): void { this.storage.save(this.data); }
}
