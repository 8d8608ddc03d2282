// One person (or one plain-text address) on an endpoint: where they are now, their key once a
// handshake showed it, their session keys, and the chat session that runs over them. The peer is
// the session's packet filter: everything binary it sends is sealed under the current keys.
import type { Address, Initiation } from './handshake';
import { formatAddress } from './address';
import { personId, safetyNumber } from './identity';
import type { Keypair } from './keypairs';
import { Keypairs } from './keypairs';
import { PacketType } from './codec';
import type { ChatSession, PacketFilter } from './session';

/** A key change waiting for the user: that key gets no session keys until accepted. */
export interface HeldKey { key: Buffer; from: Address; at: number }

export interface PeerHooks {
  /** Start (or restart) a handshake with this peer; the endpoint rate-limits it. */
  connect(peer: Peer): void;
  now(): number;
  ownKey: Buffer;
}

export class Peer implements PacketFilter {
  session!: ChatSession;
  readonly keypairs = new Keypairs();
  /** The key that answered (undefined until a handshake finishes with this peer). */
  key?: Buffer;
  /** The initiation in flight, if any. */
  initiation?: Initiation;
  held?: HeldKey;
  /** Keys the user refused after a key-change warning (base64). */
  readonly rejectedKeys = new Set<string>();
  /** Last time a sealed datagram opened (presence of an authenticated peer). */
  lastOpenedAt = -Infinity;
  /** Last mark's sender id seen from this address: a new one means the peer restarted. */
  lastMarkSender = 0;
  lastConnectAt = -Infinity;
  /** Created because the person completed a handshake with us: it speaks the protocol (no greeting). */
  reachedUs = false;

  constructor(
    /** Where datagrams go: updated when an authenticated datagram comes from elsewhere (roaming). */
    public address: Address,
    /** The contact label it was configured under (pinning), if any. */
    readonly label: string | undefined,
    private readonly hooks: PeerHooks,
  ) {}

  /** The person id of `key` ('' without one); remembered for the key it was computed from (a hash per call cost every message its share). */
  get id(): string {
    const key = this.key;
    if (!key) return '';
    if (this.idOf?.key !== key) this.idOf = { key, id: personId(key) };
    return this.idOf.id;
  }
  private idOf?: { key: Buffer; id: string };
  /** What blocks a keyless (plain-text) peer: "addr:" and its address; remembered for the address it was made from. */
  get addressId(): string {
    const at = this.address;
    if (this.addressIdOf?.at !== at) this.addressIdOf = { at, id: `addr:${formatAddress(at.address, at.port)}` };
    return this.addressIdOf.id;
  }
  private addressIdOf?: { at: Address; id: string };
  /** Keys in use that the peer proved it has (a datagram opened under them). */
  get established(): boolean { return this.keypairs.current?.confirmed === true; }
  /** Both keys, in an order both sides agree on: what two people compare. */
  get safetyNumber(): string { return this.key ? safetyNumber(this.hooks.ownKey, this.key) : ''; }

  // ------------------------------------------------------------ PacketFilter (the session's view)

  outgoing(plain: Buffer, type: PacketType, _seal?: boolean): Buffer | undefined {
    // Keys in use always belong to the pinned key (a held key never gets any), so they stay usable.
    const sealed = this.keypairs.seal(plain);
    if (sealed) return sealed;
    if (type === PacketType.Bye) return undefined; // a goodbye is no reason to start a handshake
    // No keys yet: the session wants to speak the protocol, so a handshake starts (or is running).
    this.hooks.connect(this);
    return undefined;
  }


  /** Keys work and the session heard the peer recently: every protocol datagram it hears opened under them. */
  authenticatedPeerAlive(): boolean {
    return this.established && this.session.peerAlive;
  }

  /** New keys for this peer; returns pairs whose receiver ids are free now. */
  install(keypair: Keypair): Keypair[] {
    return this.keypairs.install(keypair);
  }
}
