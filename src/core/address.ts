// Peer address parsing. Pure: no DNS, no sockets.
import { isIP } from 'node:net';

export const DEFAULT_PORT = 50505;

export interface PeerAddress {
  /** IP literal or hostname, IPv6 without brackets. */
  host: string;
  port: number;
  /** 4, 6, or 0 for a hostname that still needs resolving. */
  family: 0 | 4 | 6;
}

export type ParseResult = { ok: true; value: PeerAddress } | { ok: false; error: string };

const HOSTNAME = /^(?=.{1,253}$)([A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$/;

export function parsePort(text: string, allowZero = false): { ok: true; value: number } | { ok: false; error: string } {
  if (!/^\d{1,5}$/.test(text)) return { ok: false, error: `"${text}" is not a port number (use 1-65535).` };
  const n = Number(text);
  if (n > 65535 || (n === 0 && !allowZero)) return { ok: false, error: `Port ${n} is out of range (use 1-65535).` };
  return { ok: true, value: n };
}

/**
 * Accepts `host:port`, `IPv4`, `IPv4:port`, `[IPv6]:port`, `[IPv6]`, a bare IPv6 literal, or a hostname
 * (with or without port). Without a port, DEFAULT_PORT is used.
 */
export function parsePeerAddress(input: string, defaultPort = DEFAULT_PORT): ParseResult {
  const text = input.trim();
  if (text === '') return { ok: false, error: 'Enter an address such as 192.0.2.7:50505, [::1]:50505 or host.example:50505.' };
  if (/\s/.test(text)) return { ok: false, error: 'An address cannot contain spaces.' };
  let host: string;
  let portText: string | undefined;
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    if (close < 0) return { ok: false, error: 'Missing "]" after the IPv6 address.' };
    host = text.slice(1, close);
    const rest = text.slice(close + 1);
    if (rest !== '') {
      if (!rest.startsWith(':')) return { ok: false, error: 'Expected ":port" after "]".' };
      portText = rest.slice(1);
    }
    if (isIP(host.split('%')[0]) !== 6) return { ok: false, error: `"${host}" is not a valid IPv6 address.` };
  } else if ((text.match(/:/g) ?? []).length > 1) {
    host = text; // bare IPv6 literal, no port possible
    if (isIP(host.split('%')[0]) !== 6) return { ok: false, error: `"${text}" is not a valid address. Write IPv6 with a port as [addr]:port.` };
  } else {
    const colon = text.indexOf(':');
    host = colon < 0 ? text : text.slice(0, colon);
    if (colon >= 0) portText = text.slice(colon + 1);
    if (host === '') return { ok: false, error: 'The host part is empty.' };
    if (isIP(host) !== 4) {
      if (/^[\d.]+$/.test(host)) return { ok: false, error: `"${host}" is not a valid IPv4 address.` };
      if (!HOSTNAME.test(host)) return { ok: false, error: `"${host}" is not a valid hostname.` };
    }
  }
  let port = defaultPort;
  if (portText !== undefined) {
    const p = parsePort(portText);
    if (!p.ok) return p;
    port = p.value;
  }
  const fam = isIP(host.split('%')[0]);
  return { ok: true, value: { host, port, family: fam === 4 ? 4 : fam === 6 ? 6 : 0 } };
}

export function formatAddress(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** Compare an incoming datagram source with the resolved peer (IPv4-mapped IPv6 counts as IPv4). */
export function sameEndpoint(a: { address: string; port: number }, b: { address: string; port: number }): boolean {
  return a.port === b.port && normalizeIp(a.address) === normalizeIp(b.address);
}

/**
 * Canonical text of an IP: IPv4-mapped IPv6 becomes IPv4, IPv6 is compressed the standard way
 * (so 2001:db8:0:0::1 equals 2001:db8::1), and the zone is dropped (the OS may name it
 * differently from what the user typed: %2 vs %eth0).
 */
export function normalizeIp(ip: string): string {
  // Every datagram's source goes through here (chatRuntime's route): the last answer is remembered.
  if (ip === lastIp) return lastNormalized;
  const out = normalizeIpUncached(ip);
  lastIp = ip;
  lastNormalized = out;
  return out;
}
let lastIp: string | undefined;
let lastNormalized = '';

function normalizeIpUncached(ip: string): string {
  const lower = ip.toLowerCase().split('%')[0];
  if (lower.startsWith('::ffff:') && isIP(lower.slice(7)) === 4) return lower.slice(7);
  if (isIP(lower) !== 6) return lower;
  try {
    const host = new URL(`http://[${lower}]/`).hostname; // WHATWG URL serialises IPv6 canonically
    const canon = host.slice(1, -1);
    const mapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(canon);
    if (!mapped) return canon;
    const hi = parseInt(mapped[1], 16);
    const lo = parseInt(mapped[2], 16);
    return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
  } catch {
    return lower;
  }
}
