import assert from 'node:assert/strict';
import { PeerPresence } from '../../src/core/presence';
import type { Presence, SessionCore } from '../../src/core/sessionTypes';
import { DEFAULT_SESSION_CONFIG, newStats } from '../../src/core/sessionTypes';
import { Timers } from '../../src/core/timers';
import { FakeClock } from './support/fakeClock';

describe('core/presence: one record of hearing the peer', () => {
  function setup() {
    const clock = new FakeClock();
    const events: Presence[] = [];
    const core: SessionCore = {
      config: DEFAULT_SESSION_CONFIG, stats: newStats(), events: { presence: (p) => events.push(p) }, clock, timers: new Timers(clock), running: true,
      notice: () => undefined, noticeOnce: () => undefined,
    };
    const hellos: number[] = [];
    let cameOnline = 0;
    const presence = new PeerPresence(core, {
      speaksProtocol: () => true, plain: () => false, sendHello: () => hellos.push(clock.now()), cameOnline: () => cameOnline++,
    });
    return { clock, presence, events, hellos, online: () => cameOnline };
  }

  it('is alive while the current instance spoke within the window and did not say bye', () => {
    const { clock, presence } = setup();
    assert.ok(!presence.isAlive(), 'no instance yet');
    presence.peerId = 42;
    presence.instanceSpoke(false);
    assert.ok(presence.isAlive());
    assert.equal(presence.restartSilenceMs, 2 * DEFAULT_SESSION_CONFIG.heartbeatIntervalMs);
    clock.advance(presence.restartSilenceMs - 1);
    assert.ok(presence.isAlive(presence.restartSilenceMs));
    clock.advance(1);
    assert.ok(!presence.isAlive(presence.restartSilenceMs), 'silent for two heartbeats: a restart may be believed');
    assert.ok(presence.isAlive(), 'but still alive for plain text from its address');
    presence.instanceSpoke(true);
    assert.ok(!presence.isAlive(), 'a bye ends it at once');
  });

  it('comes online when heard, goes offline after offlineAfterMs of silence, and asks for heartbeats in between', () => {
    const { clock, presence, events, online } = setup();
    presence.heard('bob');
    assert.deepEqual(events, ['online']);
    assert.equal(presence.name, 'bob');
    assert.equal(online(), 1);
    presence.heard();
    assert.equal(online(), 1, 'once');
    const start = clock.now();
    assert.ok(!presence.heartbeatDue(start, start), 'just sent something');
    assert.ok(presence.heartbeatDue(start + DEFAULT_SESSION_CONFIG.heartbeatIntervalMs, start));
    clock.advance(DEFAULT_SESSION_CONFIG.offlineAfterMs);
    assert.ok(!presence.offlineDue(clock.now()));
    clock.advance(1);
    assert.ok(!presence.heartbeatDue(clock.now(), start), 'offline now: no heartbeat');
    assert.deepEqual(events, ['online', 'offline']);
    assert.equal(presence.heardAt, start);
  });

  it('sends hellos with exponential backoff while the peer is silent, and stops when it is heard', () => {
    const { clock, presence, hellos } = setup();
    const t0 = clock.now();
    presence.hello();
    clock.advance(1000 + 2000 + 4000);
    assert.deepEqual(hellos.map((t) => t - t0), [0, 1000, 3000, 7000]);
    presence.heard('bob');
    clock.advance(60_000);
    assert.equal(hellos.length, 4);
  });
});
