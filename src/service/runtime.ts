// What the chat service needs of the driver, its conversations and their sessions: ChatRuntime,
// core Peer and ChatSession have it; tests pass fakes.
import type { PeerAddress } from '../core/address';
import type { Presence, SessionStats } from '../core/session';
import type { TrustStore } from '../core/trust';
import type { PeerOrigin, RuntimeOptions } from '../net/chatRuntime';
import type { Endpoint } from '../net/udpEndpoint';
import type { SendingSession } from './outgoing';

/** What the service needs of a chat session (core/session.ts ChatSession has it). */
export interface ServiceSession extends SendingSession {
  readonly presence: Presence;
  readonly plainPeer: boolean;
  readonly remoteName: string;
  readonly config: { retryBudgetMs: number };
  readonly stats: SessionStats;
  readonly rto: number;
  readonly srtt: number | undefined;
  setDisplayName(name: string): void;
}

/** One conversation of the driver (core/peer.ts Peer has it). */
export interface RuntimePeer {
  readonly session: ServiceSession;
  /** Where they are now (follows roaming). */
  readonly address: Endpoint;
  /** Their identity key, once a handshake showed it. */
  readonly key?: Buffer;
  /** Keys in use that they proved they hold. */
  readonly established: boolean;
  /** A key change waits for the user. */
  readonly held?: unknown;
  readonly safetyNumber: string;
}

/** What the service needs of the driver (ChatRuntime has it; tests pass a fake). */
export interface ServiceRuntime {
  /** The configured peer's conversation (none in LAN mode). */
  readonly contact?: RuntimePeer;
  /** The configured peer's address as given. */
  readonly peer?: PeerAddress;
  readonly peers: RuntimePeer[];
  readonly local: Endpoint;
  readonly localText: string;
  readonly trust: TrustStore;
  /** Our person id and key fingerprint. */
  readonly ownId: string;
  readonly ownFingerprint: string;
  origin(p: RuntimePeer): PeerOrigin;
  isRequest(p: RuntimePeer): boolean;
  verified(p: RuntimePeer): boolean;
  addPeer(to: Endpoint, origin: 'added' | 'discovered', label?: string): RuntimePeer;
  resolve(peer: PeerAddress): Promise<Endpoint>;
  removePeer(p: RuntimePeer, reason: string): void;
  acceptRequest(p: RuntimePeer): boolean;
  remember(p: RuntimePeer): void;
  block(p: RuntimePeer): string;
  setVerified(p: RuntimePeer, verified: boolean): boolean;
  acceptKeyChange(p: RuntimePeer): boolean;
  rejectKeyChange(p: RuntimePeer): boolean;
  changePeer(peer: PeerAddress): Promise<void>;
  stop(reason?: string): Promise<void>;
}

export interface ChatServiceOptions<R extends ServiceRuntime> {
  /** Starts the driver; ChatRuntime.start when absent. */
  startRuntime?(opts: RuntimeOptions): Promise<R>;
  now?(): number;
}
