// People on the LAN for the chat service: announces us and browses with DNS-SD over mDNS
// (src/net/discovery.ts), and remembers who is announced now. mDNS says who is there and where;
// whether they are online comes from the conversations' heartbeats (a crashed peer never says
// goodbye). No `vscode` here.
import type { DiscoveredPeer } from '../net/discovery';
import { LanDiscovery } from '../net/discovery';
import type { ServiceRuntime } from './runtime';
import type { DiscoveryLike } from './types';

export interface LanHooks {
  /** Someone is announced (first time, or what they announce changed). */
  announced(peer: DiscoveredPeer): void;
  /** They said goodbye. */
  gone(id: string): void;
  warning(text: string): void;
  diagnostic(text: string): void;
}

export class LanPeople {
  private readonly byId = new Map<string, DiscoveredPeer>();
  private discovery?: DiscoveryLike;
  private stopped = false;

  constructor(
    private readonly rt: ServiceRuntime,
    private readonly opts: { interface?: string; ipv6?: boolean; create?(): DiscoveryLike },
    private readonly hooks: LanHooks,
  ) {}

  async start(name: string): Promise<void> {
    const d = this.opts.create?.() ?? new LanDiscovery();
    this.discovery = d;
    d.on('discovered', (peer) => {
      if (this.stopped || peer.id === this.rt.ownId) return;
      this.byId.set(peer.id, peer);
      this.hooks.announced(peer);
    });
    d.on('lost', (id) => {
      if (this.stopped || !this.byId.delete(id)) return;
      this.hooks.gone(id);
    });
    d.on('warning', (text) => this.hooks.diagnostic(`LAN discovery: ${text}`));
    // Reported once per instance and version by the discovery layer.
    d.on('incompatible', (peer) => this.hooks.warning(`${peer.name || 'A UDP Chat'} on the LAN${peer.addresses[0] ? ` (${peer.addresses[0]})` : ''} announces discovery version ${peer.version}; this UDP Chat reads version 2, so it cannot list them. One of you should update UDP Chat.`));
    try {
      const status = await d.start({ name, port: this.rt.local.port, personId: this.rt.ownId, fingerprint: this.rt.ownFingerprint, interface: this.opts.interface, ipv6: this.opts.ipv6 });
      if (!status.ipv4 && !status.ipv6) this.hooks.warning('Finding people on the LAN does not work here: multicast DNS could not start on any network interface. Chats with an address you add still work.');
    } catch (e) {
      this.hooks.warning(`Finding people on the LAN is off: ${(e as Error).message}. Chats with an address you add still work.`);
    }
  }

  isDiscovered(id: string): boolean { return this.byId.has(id); }
  nameOf(id: string): string | undefined { return this.byId.get(id)?.name; }
  get(id: string): DiscoveredPeer | undefined { return this.byId.get(id); }

  setName(name: string): void { this.discovery?.setName(name); }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.discovery?.stop().catch(() => undefined);
  }
}

/** Where to write to someone announced: an address our socket can reach (IPv4 first, as announced). */
export function reachableAddress(addresses: readonly string[], socketFamily: 4 | 6): string | undefined {
  return addresses.find((a) => socketFamily === 6 || !a.includes(':'));
}
