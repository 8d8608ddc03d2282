import * as assert from 'node:assert/strict';
import { TimerTable } from '../../src/core/timerTable';
import { FakeClock } from './support/fakeClock';

describe('core/timerTable: every conversation on one timer', () => {
  it('runs timers in deadline order on one base timer, skips cleared ones, and reports the next deadline', () => {
    const base = new FakeClock();
    const table = new TimerTable(base);
    const ran: string[] = [];
    table.setTimeout(() => ran.push('c'), 30);
    const b = table.setTimeout(() => ran.push('b'), 20);
    table.setTimeout(() => ran.push('a'), 10);
    table.setTimeout(() => ran.push('a2'), 10);
    assert.equal(base.pendingTimers, 1, 'one base timer for all of them');
    assert.equal(table.nextDeadline(), base.now() + 10);
    table.clearTimeout(b);
    base.advance(25);
    assert.deepEqual(ran, ['a', 'a2']);
    base.advance(10);
    assert.deepEqual(ran, ['a', 'a2', 'c']);
    assert.equal(table.nextDeadline(), undefined);
    assert.equal(table.pending, 0);
  });

  it('a timer set from a callback runs later, and 1,000 sessions’ timers still use one base timer', () => {
    const base = new FakeClock();
    const table = new TimerTable(base);
    let n = 0;
    const again = () => { n++; if (n < 5) table.setTimeout(again, 0); };
    table.setTimeout(again, 0);
    base.advance(0);
    assert.ok(n >= 1 && n <= 5);
    base.advance(1);
    assert.equal(n, 5);
    for (let i = 0; i < 1000; i++) table.setTimeout(() => undefined, 1000 + i);
    assert.equal(base.pendingTimers, 1);
    const t0 = base.now();
    base.advance(2000);
    assert.equal(table.pending, 0);
    assert.ok(base.now() >= t0 + 2000);
  });
});
