import assert from 'node:assert/strict';
import { Timers } from '../../src/core/timers';
import { FakeClock } from './support/fakeClock';

describe('core/timers: the session timer table', () => {
  it('runs a timer once after its delay, and forgets it before its function runs', () => {
    const clock = new FakeClock();
    const t = new Timers(clock);
    const seen: boolean[] = [];
    t.set('rto', 100, () => seen.push(t.has('rto')));
    assert.ok(t.has('rto'));
    clock.advance(99);
    assert.deepEqual(seen, []);
    clock.advance(1);
    assert.deepEqual(seen, [false]);
    assert.ok(!t.has('rto'));
    clock.advance(1000);
    assert.deepEqual(seen, [false], 'once');
  });

  it('keeps one timer per name: setting it again replaces it; names are independent', () => {
    const clock = new FakeClock();
    const t = new Timers(clock);
    const fired: string[] = [];
    t.set('probe', 50, () => fired.push('probe 1'));
    t.set('probe', 80, () => fired.push('probe 2'));
    t.set('ackDelay', 10, () => fired.push('ack'));
    assert.equal(clock.pendingTimers, 2, 'the replaced timer is cancelled on the clock');
    clock.advance(100);
    assert.deepEqual(fired, ['ack', 'probe 2']);
  });

  it('clear and clearAll cancel; a timer may arm itself again from its function', () => {
    const clock = new FakeClock();
    const t = new Timers(clock);
    let ticks = 0;
    const tick = (): void => { ticks++; t.set('tick', 10, tick); };
    t.set('tick', 10, tick);
    t.set('hello', 5, () => assert.fail('cleared'));
    t.clear('hello');
    t.clear('textFallback'); // not armed: nothing happens
    clock.advance(35);
    assert.equal(ticks, 3);
    t.set('rto', 1, () => assert.fail('cleared by clearAll'));
    t.clearAll();
    assert.equal(clock.pendingTimers, 0);
    assert.ok(!t.has('tick') && !t.has('rto'));
    clock.advance(100);
    assert.equal(ticks, 3);
  });
});
