import assert from 'node:assert/strict';
import { RttEstimator } from '../../src/core/rtt';

describe('core/rtt (RFC 6298)', () => {
  const bounds = { initialRtoMs: 1000, minRtoMs: 200, maxRtoMs: 8000, granularityMs: 1 };

  it('starts at the initial RTO', () => {
    assert.equal(new RttEstimator(bounds).rto, 1000);
  });

  it('first sample: SRTT = R, RTTVAR = R/2, RTO = SRTT + 4 RTTVAR', () => {
    const e = new RttEstimator(bounds);
    e.sample(100);
    assert.equal(e.srtt, 100);
    assert.equal(e.rttvar, 50);
    assert.equal(e.rto, 300);
  });

  it('later samples use alpha 1/8 and beta 1/4', () => {
    const e = new RttEstimator(bounds);
    e.sample(100);
    e.sample(200);
    assert.equal(e.rttvar, 0.75 * 50 + 0.25 * 100);
    assert.equal(e.srtt, 0.875 * 100 + 0.125 * 200);
    assert.equal(e.rto, e.srtt! + 4 * e.rttvar);
  });

  it('clamps to the minimum and maximum, and backs off exponentially until a new sample', () => {
    const e = new RttEstimator(bounds);
    e.sample(1);
    assert.equal(e.rto, 200);
    e.onTimeout();
    assert.equal(e.rto, 200); // 2 * 7 ms is still below the floor
    const w = new RttEstimator(bounds);
    w.sample(1000); // RTO 3000
    w.onTimeout();
    assert.equal(w.rto, 6000);
    w.onTimeout();
    assert.equal(w.rto, 8000);
    w.sample(1000);
    assert.ok(w.rto < 6000);
  });
});
