import assert from 'node:assert/strict';
import type { FloodResult } from '../../scripts/flood';
import { runFlood } from '../../scripts/flood';

// Real sockets, a child process as the flood source. Asserts bounded counts and delivery, never timing.
describe('flood: 100,000 datagrams against a running ChatRuntime', function () {
  this.timeout(120_000);
  let r: FloodResult;
  before(async () => { r = await runFlood({ strangerSources: 2000, log: (s) => console.log(`      ${s}`) }); });

  it('one stranger source: the events that reach the handler stay within its rate limit', () => {
    const p = r.phases.find((x) => x.name === 'stranger')!;
    assert.ok(p.received > 0, 'the flood reached the socket');
    assert.ok(p.passed <= p.bound, `${p.passed} stranger events passed (bound ${p.bound})`);
  });

  it('one stranger host rotating source ports is still bounded (not a fresh burst per port)', () => {
    const p = r.phases.find((x) => x.name.startsWith('stranger×'))!;
    // The allowance of ten strangers is generous for one host; per address:port buckets give it one per port.
    const tenStrangers = p.bound / 2000 * 10;
    assert.ok(p.passed <= tenStrangers, `${p.passed} of ${p.received} stranger datagrams reached the handler (bound for ten strangers: ${Math.round(tenStrangers)})`);
  });

  it('garbage from the peer\'s own address is rate-limited, and a real message from the peer still arrives', () => {
    const p = r.phases.find((x) => x.name === 'peer')!;
    assert.ok(p.passed <= p.bound, `${p.passed} message events from garbage (bound ${p.bound})`);
    assert.equal(r.realMessageArrived, true);
  });
});
