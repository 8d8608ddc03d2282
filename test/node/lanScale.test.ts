// Scale in the LAN lab (issue 13): 20 real terminal peers (`udp-chat --json --interface eth0`, LAN
// mode), one per lab host, all in one group. Asserts only correctness: everyone discovers everyone,
// every group message reaches each of the 19 others exactly once, from the right sender. PRINTS, never
// asserts, what it costs: CPU time and RSS per peer (from /proc), idle CPU, and how long a group
// message takes to reach all 19 others (median of several). Speed is a measurement here, not a
// requirement: a slow machine must not fail this test. Needs root: prints SKIPPED otherwise.
// UCL_SCALE_PEERS=N changes the number of peers (default 20, at most 250); UCL_LAB_DUMP=DIR keeps
// every peer's events for reading afterwards.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { buildCli } from './cliHarness';
import type { ProcStats } from './labPeers';
import { Lab, LabPeer, median, sleep, stopPeers, waitFor } from './labPeers';

const N = Number(process.env.UCL_SCALE_PEERS ?? 20);
const GROUP = 'everyone';
/** Timed group messages, one after the other (the median of their fan-out times is printed). */
const TIMED = 7;
const IDLE_MS = 5000;
/** Generous bounds for slow machines: a bound here only ends a stuck run, it measures nothing. */
const SLOW = 90_000;

const mb = (kb: number) => (kb / 1024).toFixed(1);
const stat3 = (xs: number[], f: (x: number) => string) => `min ${f(Math.min(...xs))}, median ${f(median(xs))}, max ${f(Math.max(...xs))}`;

describe(`LAN scale in the lab: ${N} terminal peers in one group (measured, not timed)`, function () {
  this.timeout(SLOW);
  const lab = new Lab('ls');
  let cli = '';
  const peers: LabPeer[] = [];
  /** CPU time of all peers together so far (ms). */
  const cpuSum = () => peers.reduce((sum, p) => sum + (p.stats()?.cpuMs ?? 0), 0);

  before(async function () {
    this.timeout(600_000);
    const reason = lab.unavailable();
    if (reason) {
      console.log(`      SKIPPED: ${reason}`);
      this.skip();
    }
    cli = await buildCli();
    lab.up(N);
  });

  after(async function () {
    this.timeout(60_000);
    await stopPeers(peers);
    lab.down();
    if (cli) rmSync(join(cli, '..'), { recursive: true, force: true });
  });

  it(`${N} peers discover each other, form one group, and every group message reaches the ${N - 1} others exactly once`, async function () {
    this.timeout(170_000);
    const t0 = Date.now();
    for (let i = 1; i <= N; i++) peers.push(new LabPeer(lab, i, `p${i}`, cli));
    await waitFor('every peer to be ready', () => peers.every((p) => p.ready() || !p.running), SLOW, peers);
    for (const p of peers) assert.ok(p.running && p.ready(), `${p.name} did not start\n${p.describe()}`);
    const lastReady = Math.max(...peers.map((p) => p.ready()!.at));
    await waitFor(`every peer to discover the ${N - 1} others`, () => peers.every((a) => peers.every((b) => a === b || a.discovered(b))), SLOW, peers, 10);
    const allDiscovered = Math.max(...peers.flatMap((a) => peers.filter((b) => b !== a).map((b) => a.discovered(b)!.at)));
    for (const b of peers) {
      const ids = new Set(peers.filter((a) => a !== b).map((a) => a.discovered(b)!.id));
      assert.equal(ids.size, 1, `the others disagree on ${b.name}'s id`);
      b.id = String([...ids][0]);
    }
    const afterStart = new Map(peers.map((p) => [p, p.stats()]));
    const pairMs = peers.flatMap((a) => peers.filter((b) => b !== a).map((b) => a.discovered(b)!.at - Math.max(a.ready()!.at, b.ready()!.at)));
    console.log(`      ${N} peers: all ready ${lastReady - t0} ms after the first spawn; everyone discovered everyone ${allDiscovered - lastReady} ms after the last ready`);
    console.log(`      discovery per pair (${pairMs.length} pairs, ms after the later one's ready): ${stat3(pairMs, (x) => `${Math.max(0, x)}`)}; ${pairMs.filter((x) => x >= 2000).length} pairs took 2 s or more`);

    // One group with everyone, created by p1 with the others' names.
    const [creator] = peers;
    creator.send({ group: GROUP, members: peers.slice(1).map((p) => p.name) });
    await waitFor('every peer to be a member of the group', () => peers.every((p) => p.of('group-changed').some((e) => e.group === GROUP && e.isMember === true
      && (e.members as unknown[]).length >= N - 1)), SLOW, peers, 10);
    const groupAt = Math.max(...peers.map((p) => p.of('group-changed').find((e) => e.group === GROUP && e.isMember === true)!.at));

    // Idle: heartbeats, presence, mDNS only.
    await sleep(Math.max(0, groupAt + 500 - Date.now()));
    const idle0 = new Map(peers.map((p) => [p, p.stats()]));
    const idleStart = Date.now();
    await sleep(IDLE_MS);
    const idleMs = Date.now() - idleStart;
    const idleCpu = peers.map((p) => ((p.stats()?.cpuMs ?? NaN) - (idle0.get(p)?.cpuMs ?? NaN)) / idleMs * 100);

    // Timed group messages, one at a time, from different senders.
    const received = (text: string) => peers.filter((p) => p.messages({ group: GROUP }).some((m) => m.text === text));
    const fanOut: number[] = [];
    const fromAccepted: number[] = [];
    const timedTexts: [LabPeer, string][] = [];
    for (let k = 0; k < TIMED; k++) {
      const sender = peers[(k * 7) % N];
      const text = `timed ${k} from ${sender.name}`;
      timedTexts.push([sender, text]);
      const sentAt = sender.send({ group: GROUP, text });
      await waitFor(`"${text}" to reach the ${N - 1} others`, () => received(text).length >= N - 1, SLOW, peers, 10);
      const last = Math.max(...peers.filter((p) => p !== sender).map((p) => p.messages({ group: GROUP }).find((m) => m.text === text)!.at));
      fanOut.push(last - sentAt);
      const acc = sender.of('accepted').find((e) => e.text === text);
      if (acc) fromAccepted.push(last - acc.at);
      await waitFor(`${sender.name} to report "delivered to ${N - 1} of ${N - 1}"`, () => {
        const a = sender.of('accepted').find((e) => e.text === text);
        return a && sender.of('group-delivery').some((e) => e.id === a.id && e.delivered === N - 1 && e.total === N - 1);
      }, SLOW, peers, 10);
    }

    // A burst: every peer sends one group message at the same time (N × (N-1) deliveries).
    const beforeBurst = cpuSum();
    const burstAt = Date.now();
    for (const p of peers) p.send({ group: GROUP, text: `burst from ${p.name}` });
    await waitFor('every burst message to reach every other member', () => peers.every((p) => peers.every((q) => q === p
      || p.messages({ group: GROUP }).some((m) => m.text === `burst from ${q.name}`))), SLOW, peers, 10);
    const burstDone = Date.now() - burstAt;
    const burstCpu = cpuSum() - beforeBurst;
    const burstEach = peers.map((q) => Math.max(...peers.filter((p) => p !== q).map((p) => p.messages({ group: GROUP }).find((m) => m.text === `burst from ${q.name}`)!.at)) - burstAt);
    await sleep(500); // duplicates would show by now
    const end = new Map(peers.map((p) => [p, p.stats()]));
    // Idle again, once everything has settled.
    const idle1Start = Date.now();
    await sleep(IDLE_MS);
    const idle1Ms = Date.now() - idle1Start;
    const idleCpuEnd = peers.map((p) => ((p.stats()?.cpuMs ?? NaN) - (end.get(p)?.cpuMs ?? NaN)) / idle1Ms * 100);

    // Correctness: exactly once, from the right sender, in the group, and not back to the sender.
    const expected: [LabPeer, string][] = [...timedTexts, ...peers.map((p) => [p, `burst from ${p.name}`] as [LabPeer, string])];
    for (const p of peers) {
      assert.deepEqual(p.garbage, [], p.describe());
      for (const [sender, text] of expected) {
        const got = p.of('message').filter((m) => m.text === text);
        if (p === sender) { assert.equal(got.length, 0, `${p.name} does not get its own "${text}"`); continue; }
        assert.equal(got.length, 1, `${p.name} shows "${text}" ${got.length} times\n${p.describe(30)}`);
        assert.equal(got[0].fromId, sender.id, `${p.name}: "${text}" from ${sender.name}`);
        assert.equal(got[0].group, GROUP);
      }
      assert.equal(p.of('failed').length, 0, `${p.name}: no failed deliveries\n${p.describe(30)}`);
      assert.ok(p.running, `${p.name} is still running\n${p.describe()}`);
    }

    // The numbers (printed, never asserted).
    const rows = peers.map((p) => {
      const s = end.get(p) as ProcStats | undefined;
      const a = afterStart.get(p) as ProcStats | undefined;
      return `        ${p.name.padEnd(4)} cpu ${s ? Math.round(s.cpuMs) : '?'} ms (startup+discovery ${a ? Math.round(a.cpuMs) : '?'} ms)  rss ${s ? mb(s.rssKb) : '?'} MB  peak ${s ? mb(s.peakRssKb) : '?'} MB`;
    });
    const cpu = peers.map((p) => end.get(p)?.cpuMs ?? NaN);
    const rss = peers.map((p) => end.get(p)?.rssKb ?? NaN);
    const peak = peers.map((p) => end.get(p)?.peakRssKb ?? NaN);
    console.log(`      per peer, at the end (CPU = user + system since start):\n${rows.join('\n')}`);
    console.log(`      CPU per peer: ${stat3(cpu, (x) => `${Math.round(x)} ms`)}; RSS: ${stat3(rss, (x) => `${mb(x)} MB`)}; peak RSS: ${stat3(peak, (x) => `${mb(x)} MB`)}`);
    console.log(`      idle CPU per peer (${N} peers in one group): ${stat3(idleCpu, (x) => `${x.toFixed(2)} %`)} over ${idleMs} ms right after the group formed;`
      + ` ${stat3(idleCpuEnd, (x) => `${x.toFixed(2)} %`)} over ${idle1Ms} ms at the end`);
    console.log(`      group message to all ${N - 1} others (${TIMED} messages, one at a time): median ${median(fanOut)} ms from the stdin line`
      + ` (${fanOut.join(', ')}), median ${median(fromAccepted)} ms from "accepted"`);
    console.log(`      burst: ${N} group messages at once (${N * (N - 1)} deliveries) all shown in ${burstDone} ms; one message at all ${N - 1} others: ${stat3(burstEach, (x) => `${x} ms`)}; CPU of all peers meanwhile ${Math.round(burstCpu)} ms`);
    console.log(`      machine: ${cpus().length} CPUs; this test ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  });
});
