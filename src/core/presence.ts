// Presence of the peer: who it is (instance, name), when it was last heard, whether it is alive, hellos while silent.
import type { Presence, SessionCore } from './sessionTypes';

/** What presence asks of the session. */
export interface PresenceHost {
  /** The address has shown our protocol (hellos go only there). */
  speaksProtocol(): boolean;
  /** The peer is known to speak plain text (for the presence event). */
  plain(): boolean;
  /** A binary hello (to the instance `echoId`, 0 for none yet). */
  sendHello(echoId: number): void;
  /** The peer came online: what waited may go. */
  cameOnline(): void;
}

/**
 * One record of hearing the peer, and every question about it answered here:
 * - `heardAt`: the last datagram that showed the peer is there (protocol or text); `offlineDue` is
 *   `offlineAfterMs` of silence after it;
 * - `isAlive(within)`: the instance we talk to sent a protocol datagram within `within` and did not
 *   say bye. Plain text from its address is not believed while it is alive for `offlineAfterMs`, and
 *   another sender id is not believed while it is alive for `restartSilenceMs`.
 */
export class PeerPresence {
  state: Presence = 'unknown';
  /** Sender id of the peer instance we talk to; 0 before any. */
  peerId = 0;
  /** What the current instance calls itself ('' until it says). */
  name = '';
  private lastHeard = 0;
  /** Last protocol datagram from the current instance, and whether it was a bye. */
  private instanceAt = 0;
  private saidBye = false;
  private helloInterval: number;

  constructor(private readonly core: SessionCore, private readonly host: PresenceHost) {
    this.helloInterval = core.config.helloInitialIntervalMs;
  }

  get heardAt(): number { return this.lastHeard; }
  get online(): boolean { return this.state === 'online'; }

  /**
   * Silence after which another sender id from the peer's address counts as a restart: two heartbeat
   * intervals (a live peer is never that quiet, so a forger cannot just wait for the gap between two).
   */
  get restartSilenceMs(): number { return 2 * this.core.config.heartbeatIntervalMs; }

  /** The instance we talk to spoke our protocol within `withinMs` and did not say bye. */
  isAlive(withinMs = this.core.config.offlineAfterMs): boolean {
    return this.peerId !== 0 && !this.saidBye && this.core.clock.now() - this.instanceAt < withinMs;
  }

  /** Online, and silent for longer than `offlineAfterMs`. */
  offlineDue(now: number): boolean {
    return this.state === 'online' && now - this.lastHeard > this.core.config.offlineAfterMs;
  }

  /** A protocol datagram of the current instance arrived (before it is handled). */
  instanceSpoke(bye: boolean): void {
    this.instanceAt = this.core.clock.now();
    this.saidBye = bye;
  }

  /** The peer showed it is there; `name` when it said it. Comes online if it was not. */
  heard(name?: string): void {
    this.lastHeard = this.core.clock.now();
    if (name) this.name = name;
    if (this.state === 'online') return;
    this.state = 'online';
    this.helloInterval = this.core.config.helloInitialIntervalMs;
    this.core.timers.clear('hello');
    this.core.events.presence?.('online', { name: this.name, plain: this.host.plain(), reason: '' });
    this.host.cameOnline();
  }

  goOffline(reason: string): void {
    if (this.state === 'offline') return;
    this.state = 'offline';
    this.core.events.presence?.('offline', { name: this.name, plain: this.host.plain(), reason });
    if (this.host.speaksProtocol() && this.core.running) this.scheduleHello();
  }

  /** A hello to the instance `echoId`; while the peer is not online, more follow. */
  hello(echoId = this.peerId): void {
    this.host.sendHello(echoId);
    if (this.state !== 'online') this.scheduleHello();
  }

  /** Once per tick: goes offline after `offlineAfterMs` of silence; true when a heartbeat is due (nothing sent for an interval). */
  heartbeatDue(now: number, lastSent: number): boolean {
    if (this.offlineDue(now)) this.goOffline('no heartbeat from the peer');
    return this.state === 'online' && now - lastSent >= this.core.config.heartbeatIntervalMs;
  }

  /** While the peer is silent, hellos go out with exponential backoff (1 s, 2 s, 4 s, ... 30 s). */
  scheduleHello(): void {
    const { core } = this;
    if (core.timers.has('hello') || !core.running || !this.host.speaksProtocol()) return;
    const wait = this.helloInterval;
    this.helloInterval = Math.min(this.helloInterval * 2, core.config.helloMaxIntervalMs);
    core.timers.set('hello', wait, () => {
      if (core.running && this.state !== 'online' && this.host.speaksProtocol()) this.hello();
    });
  }

  stopHellos(): void { this.core.timers.clear('hello'); }
}
