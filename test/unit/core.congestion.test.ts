// The congestion controller and the pacer (src/core/congestion.ts, src/core/pacer.ts; docs/PROTOCOL.md §9.5).
// The figures come from a seeded discrete-event simulation (support/linkSim.ts): simulated time only,
// so every assertion is deterministic and none depends on how fast the machine runs.
import assert from 'node:assert/strict';
import { BETA, CongestionController, RttSubsample, WindowedMax } from '../../src/core/congestion';
import { Pacer } from '../../src/core/pacer';
import { LinkSim, DATAGRAM, type LinkSpec } from './support/linkSim';

const mbps = (bytesPerMs: number): number => (bytesPerMs * 8) / 1000;
const bdpBytes = (rateMbps: number, rttMs: number): number => rateMbps * 125 * rttMs;

function alone(link: LinkSpec, durMs: number, fromMs: number): { goodput: number; sim: LinkSim; flow: ReturnType<LinkSim['addFlow']> } {
  const sim = new LinkSim(link);
  const flow = sim.addFlow({ kind: 'cc' });
  sim.run(durMs);
  return { goodput: flow.goodputMbps(fromMs, durMs), sim, flow };
}

function againstReno(bufferBdp: number, seed: number): { ours: number; tcp: number; share: number } {
  const sim = new LinkSim({ rateMbps: 10, rttMs: 20, bufferBytes: bufferBdp * bdpBytes(10, 20), seed });
  const ours = sim.addFlow({ kind: 'cc', cc: { seed } });
  const tcp = sim.addFlow({ kind: 'reno' });
  sim.run(60_000);
  const a = ours.goodputMbps(10_000, 60_000);
  const b = tcp.goodputMbps(10_000, 60_000);
  return { ours: a, tcp: b, share: a / b };
}

describe('core/congestion: model-based controller with a delay-aware loss response (simulated)', function () {
  this.timeout(180_000);

  it('alone on 10 Mbit/s, 20 ms RTT, a 1×BDP drop-tail buffer: at least 85% of the link', () => {
    const { goodput, flow } = alone({ rateMbps: 10, rttMs: 20, bufferBytes: bdpBytes(10, 20), seed: 1 }, 20_000, 2_000);
    const r = flow.rttStats(2_000, 20_000);
    console.log(`      alone 10 Mbit/s 20 ms 1×BDP: goodput ${goodput.toFixed(2)} Mbit/s = ${(goodput / 10 * 100).toFixed(1)}% of the link; RTT min ${r.min.toFixed(1)} mean ${r.mean.toFixed(1)} p95 ${r.p95.toFixed(1)} ms`);
    assert.ok(goodput >= 0.85 * 10, `utilization ${goodput / 10}`);
  });

  it('alone with a shallow buffer (0.25×BDP) and a deep one (4×BDP): still at least 85%', () => {
    for (const buf of [0.25, 4]) {
      const { goodput } = alone({ rateMbps: 10, rttMs: 20, bufferBytes: buf * bdpBytes(10, 20), seed: 1 }, 20_000, 2_000);
      console.log(`      alone 10 Mbit/s 20 ms ${buf}×BDP: ${(goodput / 10 * 100).toFixed(1)}% of the link`);
      assert.ok(goodput >= 0.85 * 10, `buffer ${buf}×BDP: utilization ${goodput / 10}`);
    }
  });

  it('30% random loss on a fast path: goodput at least 0.7 × the lossless goodput of the same sim', () => {
    const link: LinkSpec = { rateMbps: 100, rttMs: 20, bufferBytes: bdpBytes(100, 20), seed: 7 };
    const lossless = alone(link, 10_000, 2_000).goodput;
    const lossy = alone({ ...link, loss: 0.3 }, 10_000, 2_000);
    const both = alone({ ...link, loss: 0.3, ackLoss: 0.3 }, 10_000, 2_000).goodput;
    console.log(`      100 Mbit/s 20 ms: lossless ${lossless.toFixed(1)} Mbit/s; 30% data loss ${lossy.goodput.toFixed(1)} (${(lossy.goodput / lossless).toFixed(3)}×, random loss learnt ${lossy.flow.cc!.randomLossRate.toFixed(3)}); 30% data + 30% ack loss ${both.toFixed(1)} (${(both / lossless).toFixed(3)}×)`);
    assert.ok(lossy.goodput >= 0.7 * lossless, `ratio ${lossy.goodput / lossless}`);
    assert.ok(both >= 0.7 * lossless, `ratio with ack loss ${both / lossless}`);
  });

  it('30% random loss on the 10 Mbit/s link (few datagrams per round: noisy loss rates) does not collapse either', () => {
    const link: LinkSpec = { rateMbps: 10, rttMs: 20, bufferBytes: bdpBytes(10, 20), seed: 5 };
    const lossless = alone(link, 20_000, 2_000).goodput;
    const lossy = alone({ ...link, loss: 0.3 }, 20_000, 2_000).goodput;
    console.log(`      10 Mbit/s 20 ms: lossless ${lossless.toFixed(2)}, 30% loss ${lossy.toFixed(2)} Mbit/s (${(lossy / lossless).toFixed(3)}×)`);
    assert.ok(lossy >= 0.7 * lossless, `ratio ${lossy / lossless}`);
  });

  it('shares a 10 Mbit/s bottleneck with one TCP Reno flow within 0.5–2× (buffers of 0.5, 1 and 2 × BDP)', () => {
    for (const buf of [0.5, 1, 2]) {
      for (const seed of [1, 2]) {
        const { ours, tcp, share } = againstReno(buf, seed);
        console.log(`      vs Reno, buffer ${buf}×BDP, seed ${seed}: ours ${ours.toFixed(2)} Mbit/s, TCP ${tcp.toFixed(2)} Mbit/s, share ${share.toFixed(2)}, link ${((ours + tcp) / 10 * 100).toFixed(1)}%`);
        assert.ok(share >= 0.5 && share <= 2, `buffer ${buf}×BDP seed ${seed}: share ${share}`);
        assert.ok(ours + tcp >= 0.9 * 10, `the link stays used: ${ours + tcp}`);
      }
    }
  });

  it('keeps the queue bounded in a deep buffer: RTT far below minRtt + buffer delay, no drops', () => {
    const buf = 10 * bdpBytes(10, 20); // 200 ms of buffer
    const { sim, flow } = alone({ rateMbps: 10, rttMs: 20, bufferBytes: buf, seed: 1 }, 30_000, 2_000);
    const r = flow.rttStats(2_000, 30_000);
    const bufferDelay = buf / 1250;
    console.log(`      10 Mbit/s 20 ms 10×BDP buffer: RTT min ${r.min.toFixed(1)} mean ${r.mean.toFixed(1)} p95 ${r.p95.toFixed(1)} max ${r.max.toFixed(1)} ms (buffer delay ${bufferDelay} ms); max queue ${(sim.maxQueueBytes / 1000).toFixed(1)} kB; drops ${sim.tailDrops[0]}`);
    assert.ok(r.max < r.min + bufferDelay, 'below minRtt + buffer delay');
    // cwnd = 2 × BDP bounds the queue near one BDP (+ the receiver's 10 ms ack delay in a sample).
    assert.ok(r.p95 <= r.min + 1.5 * 20, `p95 ${r.p95}`);
    assert.ok(r.max <= r.min + 2 * 20 + 10, `max ${r.max}`);
    assert.equal(sim.tailDrops[0], 0);
  });

  it('Startup reaches the link rate within a few RTTs', () => {
    for (const [rate, rtt, maxRounds] of [[10, 20, 6], [100, 50, 10]] as const) {
      const sim = new LinkSim({ rateMbps: rate, rttMs: rtt, bufferBytes: 2 * bdpBytes(rate, rtt), seed: 1 });
      const flow = sim.addFlow({ kind: 'cc' });
      let reached: number | undefined;
      sim.every(1, (t) => { if (reached === undefined && mbps(flow.cc!.bandwidthBytesPerMs) >= 0.9 * rate) reached = t; });
      sim.run(30 * rtt);
      const later = flow.goodputMbps(15 * rtt, 30 * rtt);
      console.log(`      ${rate} Mbit/s ${rtt} ms: estimate at 90% of the link after ${reached} ms (${(reached! / rtt).toFixed(1)} RTTs); goodput over RTTs 15–30 ${later.toFixed(1)} Mbit/s; state ${flow.cc!.state}`);
      assert.ok(reached !== undefined && reached <= maxRounds * rtt, `reached ${reached}`);
      assert.ok(later >= 0.9 * rate);
      assert.notEqual(flow.cc!.state, 'startup');
    }
  });

  it('an app-limited sender does not inflate its estimate or its window, and ramps up once it has data', () => {
    const sim = new LinkSim({ rateMbps: 10, rttMs: 20, bufferBytes: bdpBytes(10, 20), seed: 1 });
    const flow = sim.addFlow({ kind: 'cc', appRateMbps: 2, bulkFromMs: 5_000 });
    let maxBw = 0;
    let maxCwnd = 0;
    let reached: number | undefined;
    sim.every(1, (t) => {
      const cc = flow.cc!;
      if (t < 5_000) { maxBw = Math.max(maxBw, cc.bandwidthBytesPerMs); maxCwnd = Math.max(maxCwnd, cc.cwndBytes); }
      else if (reached === undefined && mbps(cc.bandwidthBytesPerMs) >= 9) reached = t - 5_000;
    });
    sim.run(8_000);
    console.log(`      app-limited at 2 Mbit/s on 10: estimate ≤ ${mbps(maxBw).toFixed(2)} Mbit/s, window ≤ ${maxCwnd} B (link BDP ${bdpBytes(10, 20)} B); goodput ${flow.goodputMbps(1_000, 5_000).toFixed(2)}; then bulk: 90% of the link after ${reached} ms, goodput ${flow.goodputMbps(5_500, 8_000).toFixed(2)} Mbit/s`);
    assert.ok(mbps(maxBw) <= 2 * 1.25, `estimate ${mbps(maxBw)}`);
    assert.ok(maxCwnd <= bdpBytes(10, 20), `window ${maxCwnd}`);
    assert.ok(reached !== undefined && reached <= 10 * 20, `reached ${reached}`);
    assert.ok(flow.goodputMbps(5_500, 8_000) >= 0.85 * 10);
  });

  it('is deterministic: the same seed gives the same figures', () => {
    const a = againstReno(1, 3);
    const b = againstReno(1, 3);
    assert.deepEqual(a, b);
  });
});

describe('core/congestion: the controller alone (hand-fed)', () => {
  /** Sends `n` datagrams at `now`, returns their records. */
  function send(cc: CongestionController, n: number, now: number) {
    return Array.from({ length: n }, () => cc.onSent(DATAGRAM, now));
  }

  /** Runs rounds of `perRound` datagrams, acking all but `lost` of them after `rtt`; returns the time. */
  function rounds(cc: CongestionController, count: number, perRound: number, lost: number, rtt: number, t0: number): number {
    let t = t0;
    for (let i = 0; i < count; i++) {
      const recs = send(cc, perRound, t);
      t += rtt;
      cc.onAcked(recs.slice(lost), t, rtt);
      for (const r of recs.slice(0, lost)) cc.onLost(r, t);
    }
    return t;
  }

  it('starts with the initial window, paced, and counts bytes in flight', () => {
    const cc = new CongestionController({ maxDatagramBytes: DATAGRAM });
    assert.equal(cc.cwndBytes, 10 * DATAGRAM);
    assert.ok(cc.pacingRateBytesPerMs > 0);
    const recs = send(cc, 10, 0);
    assert.equal(cc.bytesInFlight, 10 * DATAGRAM);
    assert.equal(cc.canSend(), false);
    cc.onAcked(recs.slice(0, 4), 20, 20);
    cc.onLost(recs[4], 20);
    cc.onDiscarded(recs[5]);
    assert.equal(cc.bytesInFlight, 4 * DATAGRAM);
    assert.equal(cc.canSend(), true);
    assert.equal(cc.minRttMs, 20);
  });

  it('random loss without a queue leaves the window alone; the same loss with a standing queue cuts it by β', () => {
    const clean = new CongestionController({ maxDatagramBytes: DATAGRAM });
    rounds(clean, 40, 20, 0, 20, 0);
    const steady = new CongestionController({ maxDatagramBytes: DATAGRAM });
    rounds(steady, 40, 20, 6, 20, 0); // 30% loss from the start, RTT at its minimum
    assert.equal(steady.stats.congestiveRounds, 0);
    assert.equal(steady.lossCapBytes, Infinity);
    assert.ok(Math.abs(steady.randomLossRate - 0.3) < 0.01, `learnt ${steady.randomLossRate}`);
    // The bandwidth is compensated for the random loss: the same estimate as without loss, and a
    // window of the same BDP (the ack aggregation allowance differs: fewer datagrams are acked at once).
    assert.ok(steady.bandwidthBytesPerMs >= 0.95 * clean.bandwidthBytesPerMs, `${steady.bandwidthBytesPerMs} vs ${clean.bandwidthBytesPerMs}`);
    assert.ok(steady.cwndBytes >= 0.85 * clean.cwndBytes, `${steady.cwndBytes} vs ${clean.cwndBytes}`);

    const queued = new CongestionController({ maxDatagramBytes: DATAGRAM });
    let u = rounds(queued, 30, 20, 0, 20, 0);
    u = rounds(queued, 2, 20, 2, 30, u); // 10% loss while the RTT shows a 10 ms standing queue
    assert.equal(queued.stats.congestiveRounds, 1);
    assert.ok(queued.lossCapBytes <= BETA * 20 * DATAGRAM + 1, `cap ${queued.lossCapBytes}`);
    assert.ok(queued.cwndBytes <= queued.lossCapBytes);
  });

  it('a retransmission timeout holds the minimum window until an ack; two in a row restart Startup', () => {
    const cc = new CongestionController({ maxDatagramBytes: DATAGRAM, minCwndDatagrams: 4 });
    const t = rounds(cc, 20, 20, 0, 20, 0);
    assert.notEqual(cc.state, 'startup');
    cc.onRetransmitTimeout(t);
    assert.equal(cc.cwndBytes, 4 * DATAGRAM);
    const recs = send(cc, 2, t);
    cc.onAcked(recs, t + 20, 20);
    assert.ok(cc.cwndBytes > 4 * DATAGRAM);
    cc.onRetransmitTimeout(t + 300);
    cc.onRetransmitTimeout(t + 900);
    assert.equal(cc.state, 'startup');
  });
});

describe('core/pacer: token bucket', () => {
  it('lets a burst go at once, then spaces datagrams at the rate', () => {
    const p = new Pacer({ maxDatagramBytes: 1000, burstDatagrams: 2, granularityMs: 0 }, 0);
    const rate = 100; // bytes per ms: one 1000-byte datagram per 10 ms
    assert.equal(p.nextSendTime(0, 1000, rate), 0);
    p.onSent(0, 1000, rate);
    assert.equal(p.nextSendTime(0, 1000, rate), 0);
    p.onSent(0, 1000, rate);
    assert.equal(p.nextSendTime(0, 1000, rate), 10);
    assert.equal(p.canSendNow(5, 1000, rate), false);
    assert.equal(p.nextSendTime(10, 1000, rate), 10);
    p.onSent(10, 1000, rate);
    assert.equal(p.nextSendTime(12, 1000, rate), 20);
  });

  it('does not save up more than the bucket while idle', () => {
    const p = new Pacer({ maxDatagramBytes: 1000, burstDatagrams: 2, granularityMs: 0 }, 0);
    const rate = 100;
    let sent = 0;
    for (let i = 0; i < 10 && p.canSendNow(10_000, 1000, rate); i++) { p.onSent(10_000, 1000, rate); sent++; }
    assert.equal(sent, 2);
  });

  it('holds a timer tick of data at high rates (granularity), capped', () => {
    const p = new Pacer({ maxDatagramBytes: 1200, burstDatagrams: 2, granularityMs: 1, maxBurstBytes: 64 * 1024 }, 0);
    assert.equal(p.bucketBytes(100), 2400);
    assert.equal(p.bucketBytes(12_500), 12_500); // 100 Mbit/s: 1 ms of data
    assert.equal(p.bucketBytes(1e6), 64 * 1024);
  });
});

describe('core/congestion: filters', () => {
  it('WindowedMax keeps the best of the window and forgets older bests', () => {
    const f = new WindowedMax(10);
    f.update(0, 5);
    f.update(1, 9);
    f.update(2, 3);
    assert.equal(f.value, 9);
    for (let t = 3; t <= 11; t++) f.update(t, 4);
    assert.equal(f.value, 9);
    f.update(12, 4);
    assert.ok(f.value < 9);
  });

  it('RttSubsample keeps an even subsample in bounded memory and gives its median', () => {
    const s = new RttSubsample(8);
    for (let i = 1; i <= 1000; i++) s.add(i);
    const m = s.median()!;
    assert.ok(m > 350 && m < 650, `median ${m}`);
    s.clear();
    assert.equal(s.median(), undefined);
    s.add(3); s.add(1); s.add(2);
    assert.equal(s.median(), 2);
  });
});
