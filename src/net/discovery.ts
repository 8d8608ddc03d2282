// LAN discovery: advertises this peer and browses for others with DNS-SD over multicast DNS
// (service type _udpchat._udp), on IPv4 (224.0.0.251) and IPv6 (ff02::fb), with bonjour-service.
// Standard tools (avahi-browse, dns-sd) see UDP Chat users too. Presence does not come from here:
// mDNS notices a peer that leaves (goodbye packets) but not one that crashed; the chat's own
// heartbeats tell whether a peer is there. No vscode.
//
// Sockets per address family: one for browsing, one for the current publication. A new name is a
// new instance name, so setName() publishes the new one first and then says goodbye for the old one
// (browsers map both to one person id and see no "lost" in between).
import { EventEmitter } from 'node:events';
import { randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import { networkInterfaces } from 'node:os';
import { Bonjour } from 'bonjour-service';
import type { Browser, Service } from 'bonjour-service';
import type { OwnRecord } from './discoveryRecord';
import {
  classifyTxt, decodeTxt, encodeTxt, hostName, instanceName, SERVICE_PROTOCOL, SERVICE_TYPE, usableAddresses,
} from './discoveryRecord';

export interface DiscoveryOptions {
  /** Display name (cut to 63 bytes in TXT; the instance name is `<name> (<first 6 of id>)`). */
  name: string;
  /** The UDP port the chat listens on (1–65535). */
  port: number;
  personId: string;
  /** The identity key's fingerprint ("ab12 cd34 …"); TXT carries it without spaces. */
  fingerprint: string;
  /** Host name for the SRV record (`x` or `x.local`). Default: made from the person id (never os.hostname()). */
  host?: string;
  /** Network interface name (`eth0`) or one of its IPv4 addresses. Default: all (IPv4), the first with IPv6. */
  interface?: string;
  /** Also advertise and browse over IPv6 (ff02::fb). Default true. */
  ipv6?: boolean;
}

export interface DiscoveredPeer {
  id: string;
  name: string;
  /** Routable addresses from the peer's A/AAAA records: IPv4 first, no IPv6 link-local. */
  addresses: string[];
  port: number;
  /** 32 lowercase hex digits. */
  fingerprint: string;
  version: string;
}

export interface IncompatiblePeer {
  version: string;
  id?: string;
  name: string;
  addresses: string[];
  port: number;
}

export interface DiscoveryEvents {
  /** A peer appeared, or what it advertises changed (name, port, addresses): an upsert by id. */
  discovered: [peer: DiscoveredPeer];
  /** The peer said goodbye (every instance of that id is gone). Crashed peers are never reported. */
  lost: [id: string];
  /** A UDP Chat record with another discovery version; reported once per instance and version. */
  incompatible: [peer: IncompatiblePeer];
  /** Something did not work (a socket, a send); discovery goes on with what does. */
  warning: [message: string];
}

export interface DiscoveryStatus { ipv4: boolean; ipv6: boolean }

type Family = 4 | 6;

interface Transport {
  family: Family;
  mdnsOptions: Record<string, unknown>;
  browse?: Bonjour;
  browser?: Browser;
  publish?: Bonjour;
  ready: boolean;
}

/** What one instance (fqdn) last told us, per address family it was heard on. */
interface InstanceState {
  id: string;
  name: string;
  port: number;
  fingerprint: string;
  version: string;
  addresses: Map<Family, string[]>;
  seenAt: number;
}

const REQUERY_FIRST_MS = 1000;
const REQUERY_MAX_MS = 300_000;
const READY_TIMEOUT_MS = 3000;

export class LanDiscovery extends EventEmitter<DiscoveryEvents> {
  private transports: Transport[] = [];
  private own?: DiscoveryOptions;
  private running = false;
  private requeryTimer?: NodeJS.Timeout;
  private requeryDelay = REQUERY_FIRST_MS;
  private readonly instances = new Map<string, InstanceState>();
  private readonly byId = new Map<string, Set<string>>();
  private readonly lastEmitted = new Map<string, string>();
  private readonly incompatibleSeen = new Set<string>();
  private publishing: Promise<void> = Promise.resolve();

  /** Advertises and browses. Resolves once the sockets are bound (or failed: see `warning`). */
  async start(opts: DiscoveryOptions): Promise<DiscoveryStatus> {
    if (this.running) throw new Error('LanDiscovery is already started');
    if (!Number.isInteger(opts.port) || opts.port < 1 || opts.port > 65535) throw new Error(`invalid port ${opts.port}`);
    if (!opts.personId) throw new Error('personId is required');
    this.own = { ...opts };
    this.running = true;
    const iface = resolveInterface(opts.interface);
    const v4: Record<string, unknown> = iface.v4 ? { interface: iface.v4, bind: '0.0.0.0' } : {};
    this.transports = [{ family: 4, mdnsOptions: v4, ready: false }];
    if (opts.ipv6 !== false) {
      if (iface.v6) this.transports.push({ family: 6, mdnsOptions: { type: 'udp6', ip: 'ff02::fb', interface: `::%${iface.v6}` }, ready: false });
      else this.warn('IPv6 discovery is off: no network interface with an IPv6 address');
    }
    const ready: Promise<void>[] = [];
    for (const t of this.transports) {
      const bonjour = this.newBonjour(t, (ok) => { t.ready = t.ready || ok; });
      if (!bonjour) continue;
      t.browse = bonjour.instance;
      ready.push(bonjour.ready);
      try {
        t.browser = t.browse.find({ type: SERVICE_TYPE, protocol: SERVICE_PROTOCOL });
        this.watch(t.family, t.browser);
      } catch (e) {
        this.warn(`IPv${t.family} browse: ${message(e)}`);
      }
    }
    this.publishAll();
    await Promise.all(ready);
    this.scheduleRequery();
    return { ipv4: this.transports.some((t) => t.family === 4 && t.ready), ipv6: this.transports.some((t) => t.family === 6 && t.ready) };
  }

  /** Re-announces under a new display name (new instance name; the old one says goodbye). */
  setName(name: string): void {
    if (!this.own || this.own.name === name) return;
    this.own = { ...this.own, name };
    if (this.running) this.publishAll();
  }

  /** Peers currently known (said hello, not goodbye), by id. */
  peers(): DiscoveredPeer[] {
    return [...this.byId.keys()].map((id) => this.view(id)).filter((p): p is DiscoveredPeer => p !== undefined);
  }

  /** Sends goodbyes and closes every socket. Safe to call twice. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    clearTimeout(this.requeryTimer);
    await this.publishing.catch(() => undefined);
    const closing: Promise<void>[] = [];
    for (const t of this.transports) {
      try { t.browser?.stop(); } catch { /* closing anyway */ }
      if (t.publish) closing.push(this.retire(t.publish, t.family));
      if (t.browse) closing.push(destroy(t.browse));
      t.publish = t.browse = t.browser = undefined;
    }
    await Promise.all(closing);
    this.transports = [];
    this.instances.clear();
    this.byId.clear();
    this.lastEmitted.clear();
    this.incompatibleSeen.clear();
  }

  // ---- publishing

  private publishAll(): void {
    const own = this.own;
    if (!own) return;
    const record: OwnRecord = { name: own.name, personId: own.personId, fingerprint: own.fingerprint };
    const instance = instanceName(own.name, own.personId);
    // A fresh host name per publication: the old one's goodbye (A/AAAA with TTL 0) must not take
    // the new one's addresses with it.
    const host = own.host ? (own.host.includes('.') ? own.host : `${own.host}.local`) : hostName(own.personId, randomBytes(3).toString('hex'));
    const txt = encodeTxt(record);
    const previous = this.publishing;
    this.publishing = (async () => {
      await previous.catch(() => undefined);
      const retiring: Promise<void>[] = [];
      for (const t of this.transports) {
        if (!this.running) break;
        const created = this.newBonjour(t);
        if (!created) continue;
        try {
          const service = created.instance.publish({ name: instance, type: SERVICE_TYPE, protocol: SERVICE_PROTOCOL, port: own.port, host, txt, probe: false });
          service.on('error', (e: unknown) => this.warn(`IPv${t.family} publish: ${message(e)}`));
        } catch (e) {
          this.warn(`IPv${t.family} publish: ${message(e)}`);
          void destroy(created.instance);
          continue;
        }
        const old = t.publish;
        t.publish = created.instance;
        if (old) retiring.push(created.ready.then(() => this.retire(old, t.family)));
      }
      await Promise.all(retiring);
    })().catch((e) => this.warn(`publish: ${message(e)}`));
  }

  /** Goodbye for everything `bonjour` published, then close it. */
  private retire(bonjour: Bonjour, family: Family): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => { void destroy(bonjour).then(resolve); }, 1000);
      try {
        bonjour.unpublishAll(() => { clearTimeout(timer); void destroy(bonjour).then(resolve); });
      } catch (e) {
        this.warn(`IPv${family} goodbye: ${message(e)}`);
        clearTimeout(timer);
        void destroy(bonjour).then(resolve);
      }
    });
  }

  // ---- browsing

  private watch(family: Family, browser: Browser): void {
    const seen = (s: Service) => this.guard(() => this.onRecord(family, s));
    browser.on('up', seen);
    browser.on('txt-update', seen);
    browser.on('srv-update', seen);
    browser.on('down', (s: Service) => this.guard(() => this.onGoodbye(s)));
  }

  private onRecord(family: Family, s: Service): void {
    if (!this.running || !this.own) return;
    const fqdn = typeof s.fqdn === 'string' ? s.fqdn.toLowerCase() : '';
    if (fqdn === '') return;
    const c = classifyTxt(decodeTxt((s as { rawTxt?: unknown }).rawTxt), this.own.personId, typeof s.name === 'string' ? s.name : '');
    const port = Number.isInteger(s.port) && s.port > 0 && s.port < 65536 ? s.port : 0;
    const addresses = usableAddresses(Array.isArray(s.addresses) ? s.addresses : []);
    if (c.kind === 'self' || c.kind === 'malformed') return;
    if (c.kind === 'incompatible') {
      const key = `${fqdn}\n${c.version}`;
      if (this.incompatibleSeen.has(key)) return;
      this.incompatibleSeen.add(key);
      this.emitSafe('incompatible', { version: c.version, ...(c.id ? { id: c.id } : {}), name: c.name, addresses, port });
      return;
    }
    if (port === 0) return;
    const p = c.peer;
    let inst = this.instances.get(fqdn);
    if (inst && inst.id !== p.id) { this.forget(fqdn); inst = undefined; }
    if (!inst) {
      inst = { id: p.id, name: p.name, port, fingerprint: p.fingerprint, version: p.version, addresses: new Map(), seenAt: 0 };
      this.instances.set(fqdn, inst);
    }
    Object.assign(inst, { name: p.name, port, fingerprint: p.fingerprint, version: p.version, seenAt: Date.now() });
    inst.addresses.set(family, addresses);
    let ids = this.byId.get(p.id);
    if (!ids) this.byId.set(p.id, ids = new Set());
    ids.add(fqdn);
    this.emitIfChanged(p.id);
  }

  private onGoodbye(s: Service): void {
    if (!this.running) return;
    const fqdn = typeof s.fqdn === 'string' ? s.fqdn.toLowerCase() : '';
    this.forget(fqdn);
  }

  private forget(fqdn: string): void {
    const inst = this.instances.get(fqdn);
    if (!inst) return;
    this.instances.delete(fqdn);
    const ids = this.byId.get(inst.id);
    ids?.delete(fqdn);
    if (ids && ids.size > 0) { this.emitIfChanged(inst.id); return; }
    this.byId.delete(inst.id);
    this.lastEmitted.delete(inst.id);
    this.emitSafe('lost', inst.id);
  }

  /** The newest instance of `id` speaks for it; addresses heard on IPv4 and IPv6 are merged. */
  private view(id: string): DiscoveredPeer | undefined {
    let best: InstanceState | undefined;
    for (const fqdn of this.byId.get(id) ?? []) {
      const inst = this.instances.get(fqdn);
      if (inst && (!best || inst.seenAt >= best.seenAt)) best = inst;
    }
    if (!best) return undefined;
    return {
      id, name: best.name, addresses: usableAddresses([...best.addresses.values()].flat()), port: best.port,
      fingerprint: best.fingerprint, version: best.version,
    };
  }

  private emitIfChanged(id: string): void {
    const peer = this.view(id);
    if (!peer) return;
    const key = JSON.stringify(peer);
    if (this.lastEmitted.get(id) === key) return;
    this.lastEmitted.set(id, key);
    this.emitSafe('discovered', peer);
  }

  private scheduleRequery(): void {
    if (!this.running) return;
    this.requeryTimer = setTimeout(() => {
      for (const t of this.transports) this.guard(() => t.browser?.update());
      this.requeryDelay = Math.min(this.requeryDelay * 3, REQUERY_MAX_MS);
      this.scheduleRequery();
    }, this.requeryDelay);
    this.requeryTimer.unref();
  }

  // ---- plumbing

  /** One mDNS socket. Errors become warnings; a throwing handler inside the library cannot escape. */
  private newBonjour(t: Transport, onReady?: (ok: boolean) => void): { instance: Bonjour; ready: Promise<void> } | undefined {
    let instance: Bonjour;
    try {
      instance = new Bonjour(t.mdnsOptions as never, (e: unknown) => this.warn(`IPv${t.family} mDNS: ${message(e)}`));
    } catch (e) {
      this.warn(`IPv${t.family} mDNS: ${message(e)}`);
      onReady?.(false);
      return undefined;
    }
    const mdns = (instance as unknown as { server?: { mdns?: EventEmitter } }).server?.mdns;
    let settle: (ok: boolean) => void = () => undefined;
    const ready = new Promise<void>((resolve) => {
      const timer = setTimeout(() => settle(false), READY_TIMEOUT_MS);
      settle = (ok) => { clearTimeout(timer); settle = () => undefined; onReady?.(ok); resolve(); };
    });
    if (mdns) {
      const emit = mdns.emit.bind(mdns);
      // Handlers inside bonjour-service run from the socket's 'message' event: a record it cannot
      // digest must not become an uncaught exception.
      mdns.emit = ((event: string | symbol, ...args: unknown[]) => {
        if (event === 'error') { this.warn(`IPv${t.family} mDNS socket: ${message(args[0])}`); settle(false); return true; }
        try { return emit(event, ...args); } catch (e) { this.warn(`IPv${t.family} mDNS ${String(event)}: ${message(e)}`); return true; }
      }) as typeof mdns.emit;
      mdns.once('ready', () => settle(true));
    } else {
      settle(true);
    }
    return { instance, ready };
  }

  private guard(fn: () => void): void {
    try { fn(); } catch (e) { this.warn(message(e)); }
  }

  private emitSafe<K extends keyof DiscoveryEvents>(event: K, ...args: DiscoveryEvents[K]): void {
    try {
      (this.emit as (e: K, ...a: DiscoveryEvents[K]) => boolean)(event, ...args);
    } catch {
      // A listener's exception is its own; discovery goes on.
    }
  }

  private warn(text: string): void {
    if (this.listenerCount('warning') === 0) return;
    this.emitSafe('warning', text);
  }
}

function destroy(bonjour: Bonjour): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, 1000);
    try { bonjour.destroy(() => { clearTimeout(timer); resolve(); }); } catch { clearTimeout(timer); resolve(); }
  });
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** `eth0` or an IPv4 address of it → the IPv4 address for multicast and the interface for IPv6. */
export function resolveInterface(spec?: string): { v4?: string; v6?: string } {
  const nets = networkInterfaces();
  const external = Object.entries(nets).filter(([, addrs]) => (addrs ?? []).some((a) => !a.internal));
  const hasV6 = (addrs: typeof nets[string]) => (addrs ?? []).some((a) => a.family === 'IPv6' && !a.internal);
  if (!spec) {
    const v6 = external.find(([, addrs]) => hasV6(addrs))?.[0];
    return v6 ? { v6 } : {};
  }
  if (isIP(spec) === 4) {
    const owner = Object.entries(nets).find(([, addrs]) => (addrs ?? []).some((a) => a.address === spec));
    return { v4: spec, ...(owner && hasV6(owner[1]) ? { v6: owner[0] } : {}) };
  }
  const addrs = nets[spec];
  const v4 = addrs?.find((a) => a.family === 'IPv4')?.address;
  return { ...(v4 ? { v4 } : {}), ...(hasV6(addrs) ? { v6: spec } : {}) };
}
