// What the chat service needs of the driver and its session: ChatRuntime and ChatSession have it;
// tests pass fakes.
import type { PeerAddress } from '../core/address';
import type { Presence, SessionStats } from '../core/session';
import type { TrustStore } from '../core/trust';
import type { RuntimeOptions } from '../net/chatRuntime';
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

/** What the service needs of the driver (ChatRuntime has it; tests pass a fake). */
export interface ServiceRuntime {
  readonly session: ServiceSession;
  readonly peer: PeerAddress;
  readonly peerEndpoint: Endpoint;
  readonly local: Endpoint;
  readonly localText: string;
  readonly trust: TrustStore;
  readonly safetyNumber: string;
  readonly peerVerified: boolean;
  readonly encrypted: boolean;
  readonly keyChangePending: boolean;
  setVerified(verified: boolean): boolean;
  acceptKeyChange(): boolean;
  rejectKeyChange(): boolean;
  changePeer(peer: PeerAddress): Promise<void>;
  stop(reason?: string): Promise<void>;
}

export interface ChatServiceOptions<R extends ServiceRuntime> {
  /** Starts the driver; ChatRuntime.start when absent. */
  startRuntime?(opts: RuntimeOptions): Promise<R>;
  now?(): number;
}
