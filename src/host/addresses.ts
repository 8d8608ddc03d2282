// Address helpers: where a peer can reach us, and whether two written peer addresses are the same.
import * as os from 'node:os';
import { formatAddress, parsePeerAddress } from '../core/address';

/**
 * The addresses a peer could send to: the bound address itself when it is specific, otherwise
 * this machine's non-internal interfaces, "ip:port", loopback last. A `::` socket is dual-stack
 * (it takes IPv4 too): its IPv4 addresses come first, as most peers use them.
 */
export function reachableAddresses(local: { address: string; port: number }): string[] {
  const wildcard = local.address === '0.0.0.0' || local.address === '::';
  if (!wildcard) return [formatAddress(local.address, local.port)];
  const dual = local.address === '::';
  const v4: string[] = [];
  const v6: string[] = [];
  const loop: string[] = [];
  for (const list of Object.values(os.networkInterfaces())) {
    for (const a of list ?? []) {
      const fam = a.family === 'IPv6' || (a.family as unknown) === 6 ? 6 : 4;
      if (fam === 6 && !dual) continue;
      if (fam === 6 && a.address.toLowerCase().startsWith('fe80')) continue; // link-local needs a zone; rarely what a peer wants
      (a.internal ? loop : fam === 4 ? v4 : v6).push(formatAddress(a.address, local.port));
    }
  }
  return [...v4, ...v6, ...loop];
}

/** Two peer addresses as written ("host:port", "[v6]:port", default port) name the same peer. */
export function samePeer(a: string, b: string): boolean {
  const x = parsePeerAddress(a);
  const y = parsePeerAddress(b);
  if (!x.ok || !y.ok) return a.trim() === b.trim();
  return x.value.port === y.value.port && x.value.host.toLowerCase() === y.value.host.toLowerCase();
}
