// LAN discovery records (DNS-SD over mDNS, service type _udpchat._udp): the pure parts. What a peer
// advertises (instance name, host label, TXT) and how a browsed record is read back: malformed
// records, our own record and records of another discovery version are told apart here, so the
// socket side (discovery.ts) only moves packets. No I/O, no vscode.
import { isIP } from 'node:net';

/** DNS-SD service type, as `_udpchat._udp`. */
export const SERVICE_TYPE = 'udpchat';
export const SERVICE_PROTOCOL = 'udp';
export const SERVICE_FULL_TYPE = `_${SERVICE_TYPE}._${SERVICE_PROTOCOL}`;
/** The TXT `v=` this code writes and understands. Another value is reported as incompatible. */
export const DISCOVERY_VERSION = '2';
/** RFC 6763 §4.1.1: an instance name is one DNS label, at most 63 bytes of UTF-8. */
export const MAX_LABEL_BYTES = 63;
/** The display name carried in TXT `name=` is cut to this many bytes of UTF-8. */
export const MAX_TXT_NAME_BYTES = 63;
const FALLBACK_NAME = 'UDP Chat';

const PERSON_ID = /^[0-9a-f]{16}$/;
const FINGERPRINT = /^[0-9a-f]{32}$/;

/** What a peer advertises about itself. */
export interface OwnRecord {
  name: string;
  personId: string;
  /** The identity key's fingerprint, as shown ("ab12 cd34 …") or without spaces. */
  fingerprint: string;
}

/** A browsed record that is a usable UDP Chat peer. */
export interface PeerRecord {
  id: string;
  name: string;
  fingerprint: string;
  version: string;
}

export type Classified =
  | { kind: 'peer'; peer: PeerRecord }
  | { kind: 'self' }
  | { kind: 'incompatible'; version: string; id?: string; name: string }
  | { kind: 'malformed'; reason: string };

/** Cuts `text` to at most `maxBytes` of UTF-8 without splitting a character (code point). */
export function truncateUtf8(text: string, maxBytes: number): string {
  if (Buffer.byteLength(text, 'utf8') <= maxBytes) return text;
  let out = '';
  let used = 0;
  for (const ch of text) {
    const n = Buffer.byteLength(ch, 'utf8');
    if (used + n > maxBytes) break;
    out += ch;
    used += n;
  }
  return out;
}

/** A display name fit for a label or a TXT value: no control characters, trimmed, never empty. */
export function cleanName(name: string): string {
  // eslint-disable-next-line no-control-regex
  const cleaned = String(name ?? '').replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, ' ').replace(/\s+/g, ' ').trim();
  return cleaned === '' ? FALLBACK_NAME : cleaned;
}

/** The fingerprint as TXT carries it: 32 lowercase hex digits, no spaces. */
export function compactFingerprint(fingerprint: string): string {
  return String(fingerprint ?? '').replace(/\s+/g, '').toLowerCase();
}

/**
 * The DNS-SD instance name: `<name> (<first 6 of id>)`, at most 63 bytes. The id part keeps two
 * people with one display name apart (no mDNS name conflict). Dots become '-' (the mDNS library
 * treats a dot as a label separator).
 */
export function instanceName(name: string, personId: string): string {
  const suffix = ` (${personId.slice(0, 6)})`;
  const base = truncateUtf8(cleanName(name).replace(/\./g, '-'), MAX_LABEL_BYTES - Buffer.byteLength(suffix, 'utf8')).trim();
  return `${base === '' ? FALLBACK_NAME : base}${suffix}`;
}

/**
 * The host name the SRV record points at. Network namespaces and containers share one hostname, so
 * it is made from the person id and a per-publication token, never from os.hostname().
 */
export function hostName(personId: string, token: string): string {
  return `udpchat-${personId.replace(/[^0-9a-z]/gi, '').slice(0, 16)}-${token}.local`;
}

/** The TXT key/value pairs we advertise. */
export function encodeTxt(own: OwnRecord): Record<string, string> {
  return {
    v: DISCOVERY_VERSION,
    id: own.personId,
    fp: compactFingerprint(own.fingerprint),
    name: truncateUtf8(cleanName(own.name), MAX_TXT_NAME_BYTES),
  };
}

/**
 * TXT strings (as received: Buffers or strings) to key → value. RFC 6763 §6: keys are
 * case-insensitive, the first occurrence of a key wins, a string without '=' is a boolean
 * attribute (value ''), an empty key is ignored. Anything unreadable gives an empty map.
 */
export function decodeTxt(raw: unknown): Map<string, string> {
  const out = new Map<string, string>();
  const items: unknown[] = Array.isArray(raw) ? raw : raw === undefined || raw === null ? [] : [raw];
  for (const item of items) {
    let text: string;
    if (Buffer.isBuffer(item)) text = item.toString('utf8');
    else if (item instanceof Uint8Array) text = Buffer.from(item).toString('utf8');
    else if (typeof item === 'string') text = item;
    else continue;
    const eq = text.indexOf('=');
    const key = (eq < 0 ? text : text.slice(0, eq)).toLowerCase();
    if (key === '' || out.has(key)) continue;
    out.set(key, eq < 0 ? '' : text.slice(eq + 1));
  }
  return out;
}

/**
 * Reads a browsed record's TXT. Our own id → self; another `v` → incompatible; a v2 record without
 * a well-formed id or fingerprint → malformed. `fallbackName` (the instance name) serves when the
 * record carries no usable `name=`.
 */
export function classifyTxt(txt: Map<string, string>, selfId: string, fallbackName = ''): Classified {
  const version = txt.get('v');
  if (version === undefined) return { kind: 'malformed', reason: 'no v= in TXT' };
  const rawId = txt.get('id');
  const id = rawId !== undefined && PERSON_ID.test(rawId.toLowerCase()) ? rawId.toLowerCase() : undefined;
  if (id !== undefined && id === selfId.toLowerCase()) return { kind: 'self' };
  const rawName = txt.get('name');
  const name = truncateUtf8(cleanName(rawName !== undefined && rawName.trim() !== '' ? rawName : stripIdSuffix(fallbackName)), MAX_TXT_NAME_BYTES);
  if (version !== DISCOVERY_VERSION) {
    return { kind: 'incompatible', version: truncateUtf8(version, 32), ...(id ? { id } : {}), name };
  }
  if (id === undefined) return { kind: 'malformed', reason: rawId === undefined ? 'no id= in TXT' : 'id= is not 16 hex digits' };
  const fp = txt.get('fp');
  if (fp === undefined) return { kind: 'malformed', reason: 'no fp= in TXT' };
  const fingerprint = compactFingerprint(fp);
  if (!FINGERPRINT.test(fingerprint)) return { kind: 'malformed', reason: 'fp= is not 32 hex digits' };
  return { kind: 'peer', peer: { id, name, fingerprint, version } };
}

/** `Ada (1a2b3c)` → `Ada`: the instance name without the id suffix we add. */
function stripIdSuffix(instance: string): string {
  return String(instance ?? '').replace(/ \([0-9a-f]{6}\)$/i, '');
}

/**
 * The addresses a peer can be reached at, from its A/AAAA records: valid IPs only, IPv4 first,
 * no duplicates; IPv6 link-local (fe80::/10) is left out (useless without the receiving interface's
 * scope), as are loopback and unspecified addresses.
 */
export function usableAddresses(addresses: readonly unknown[]): string[] {
  const v4: string[] = [];
  const v6: string[] = [];
  for (const a of addresses) {
    if (typeof a !== 'string') continue;
    const family = isIP(a);
    if (family === 4) {
      if (a.startsWith('127.') || a === '0.0.0.0') continue;
      if (!v4.includes(a)) v4.push(a);
    } else if (family === 6) {
      const lower = a.toLowerCase();
      if (/^fe[89ab][0-9a-f]:/.test(lower) || lower === '::1' || lower === '::') continue;
      if (!v6.includes(lower)) v6.push(lower);
    }
  }
  return [...v4, ...v6];
}
