// `npm run bench:shared-link`: UDP Chat's bulk transfer on a shared 10 Mbit/s bottleneck.
// test/lab/sharedLink.sh builds sender → router → receiver namespaces; the router's egress toward
// the receiver is a `tc tbf` 10 Mbit/s bucket. Three runs, each between the two hosts:
//   1. compete: UDP Chat (large messages back to back through ChatRuntime) and one iperf3 TCP flow
//      (Debian's iperf3) start together and run SL_SECS (20) s;
//   2. alone:   UDP Chat alone, SL_ALONE_SECS (10) s;
//   3. tcp alone (a reference for what the link gives TCP): iperf3 alone, SL_ALONE_SECS s.
// Rates are taken over the steady part of each run (from SL_SKIP_SECS (3) s after the start to 1 s
// before its end): ours from the receiver's byte count, TCP's from iperf3's per-second intervals.
// Last line, JSON: {"share_vs_tcp": ours ÷ TCP's while competing, "utilization_alone": ours alone ÷
// 10 Mbit/s, ...}. Needs root; otherwise it prints SKIPPED (and a JSON line saying so).
// Usage: node dist/benchSharedLink.js   (roles used inside the lab: --measure, recv, send)
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { IncomingMessage, OutStatus } from '../src/core/session';
import { ChatRuntime } from '../src/net/chatRuntime';

const LINK_BPS = 10e6;
const PORT_RECV = 40101;
const PORT_SEND = 40102;
const IPERF_PORT = 40201;
const env = (k: string, d: number): number => (process.env[k] ? Number(process.env[k]) : d);
const SECS = env('SL_SECS', 20);
const ALONE_SECS = env('SL_ALONE_SECS', 10);
const SKIP = env('SL_SKIP_SECS', 3);
const MSG_BYTES = env('SL_MSG_BYTES', 64 * 1024);
const OUTSTANDING = env('SL_OUTSTANDING', 4);
const root = join(__dirname, '..');
const self = join(__dirname, 'benchSharedLink.js');

// ---------------------------------------------------------------- the two UDP Chat ends

/** Receiver: counts the bytes of arriving messages; prints [ms since epoch, cumulative bytes] samples. */
async function recv(local: string, peer: string, secs: number): Promise<void> {
  let bytes = 0;
  let msgs = 0;
  const rt = await ChatRuntime.start({
    localAddress: local, localPort: PORT_RECV, displayName: 'bob', peer: { host: peer, port: PORT_SEND, family: 4 },
    events: { message: (_p, m: IncomingMessage) => { bytes += Buffer.byteLength(m.text); msgs++; } },
  });
  const samples: Array<[number, number]> = [];
  const timer = setInterval(() => samples.push([Date.now(), bytes]), 100);
  console.log('ready');
  await new Promise((r) => setTimeout(r, secs * 1000));
  clearInterval(timer);
  samples.push([Date.now(), bytes]);
  console.log(JSON.stringify({ samples, msgs, bytes }));
  await rt.stop();
  process.exit(0);
}

/** Sender: keeps OUTSTANDING large messages queued (a new one on each delivered or failed), for `secs`. */
async function send(local: string, peer: string, secs: number): Promise<void> {
  let sent = 0;
  let delivered = 0;
  let failed = 0;
  const end = Date.now() + secs * 1000;
  const text = 'x'.repeat(MSG_BYTES);
  let rt!: ChatRuntime;
  let online!: () => void;
  const isOnline = new Promise<void>((r) => { online = r; });
  const more = () => { if (Date.now() < end) { rt.session.send({ text }); sent++; } };
  rt = await ChatRuntime.start({
    localAddress: local, localPort: PORT_SEND, displayName: 'alice', peer: { host: peer, port: PORT_RECV, family: 4 },
    events: {
      presence: (_p, p) => { if (p === 'online') online(); },
      status: (_p, _id, s: OutStatus) => { if (s === 'delivered') { delivered++; more(); } else if (s === 'failed') { failed++; more(); } },
    },
  });
  await isOnline;
  for (let i = 0; i < OUTSTANDING; i++) more();
  await new Promise((r) => setTimeout(r, Math.max(0, end - Date.now())));
  const s = rt.session.stats;
  console.log(JSON.stringify({ sent, delivered, failed, retransmissions: s.retransmissions, timeouts: s.timeouts }));
  await rt.stop();
  process.exit(0);
}

// ---------------------------------------------------------------- the orchestrator, inside the lab

interface Lab { snd: string; rcv: string; sndIp: string; rcvIp: string }

function inNs(ns: string, cmd: string[]): { proc: ChildProcess; out: Promise<string> } {
  const proc = spawn('ip', ['netns', 'exec', ns, ...cmd], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
  proc.stderr!.on('data', (d: Buffer) => { process.stderr.write(d); });
  return { proc, out: new Promise((r) => proc.on('exit', () => r(out))) };
}

/** Waits for `p` at most `ms`; kills the listed processes (ours, by pid) if it takes longer. */
async function bounded<T>(p: Promise<T>, ms: number, procs: ChildProcess[], what: string): Promise<T> {
  let t: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<T>((_, rej) => { t = setTimeout(() => { for (const c of procs) c.kill('SIGKILL'); rej(new Error(`${what}: timed out after ${ms} ms`)); }, ms); })]);
  } finally { clearTimeout(t); }
}

const waitLine = (proc: ChildProcess, text: string, ms: number): Promise<void> => new Promise((resolve, reject) => {
  let buf = '';
  const t = setTimeout(() => reject(new Error(`no '${text}' within ${ms} ms`)), ms);
  proc.stdout!.on('data', (d: Buffer) => { buf += d.toString(); if (buf.includes(text)) { clearTimeout(t); resolve(); } });
  proc.on('exit', () => { clearTimeout(t); reject(new Error(`exited before '${text}'`)); });
});

/** Our bits/s at the receiver between `from` and `to` (ms since epoch), from its samples. */
function ourRate(samples: Array<[number, number]>, from: number, to: number): number {
  const at = (t: number) => { let b = 0; for (const [ts, bytes] of samples) { if (ts <= t) b = bytes; else break; } return b; };
  return ((at(to) - at(from)) * 8) / ((to - from) / 1000);
}

interface IperfJson { intervals?: Array<{ sum: { start: number; end: number; bits_per_second: number } }>; error?: string; end?: { sum_received?: { bits_per_second: number } } }
/** TCP's bits/s over the intervals within [from, to) seconds of its run. */
function tcpRate(j: IperfJson, from: number, to: number): number {
  const iv = (j.intervals ?? []).filter((i) => i.sum.start >= from - 0.01 && i.sum.end <= to + 0.01);
  if (!iv.length) return NaN;
  return iv.reduce((a, i) => a + i.sum.bits_per_second * (i.sum.end - i.sum.start), 0) / iv.reduce((a, i) => a + (i.sum.end - i.sum.start), 0);
}

async function run(lab: Lab, withUs: boolean, withTcp: boolean, secs: number) {
  const procs: ChildProcess[] = [];
  const started: Array<Promise<string>> = [];
  let recvOut: Promise<string> | undefined;
  let sendOut: Promise<string> | undefined;
  let tcpOut: Promise<string> | undefined;
  try {
    if (withTcp) {
      const srv = inNs(lab.rcv, ['iperf3', '-s', '-1', '-B', lab.rcvIp, '-p', String(IPERF_PORT)]);
      procs.push(srv.proc);
      await new Promise((r) => setTimeout(r, 500));
    }
    if (withUs) {
      const r = inNs(lab.rcv, [process.execPath, self, 'recv', lab.rcvIp, lab.sndIp, String(secs + SKIP + 2)]);
      procs.push(r.proc);
      recvOut = r.out;
      await waitLine(r.proc, 'ready', 10_000);
    }
    const t0 = Date.now();
    if (withUs) {
      const s = inNs(lab.snd, [process.execPath, self, 'send', lab.sndIp, lab.rcvIp, String(secs)]);
      procs.push(s.proc);
      sendOut = s.out;
      started.push(s.out);
    }
    if (withTcp) {
      const c = inNs(lab.snd, ['iperf3', '-c', lab.rcvIp, '-p', String(IPERF_PORT), '-t', String(secs), '-i', '1', '-J']);
      procs.push(c.proc);
      tcpOut = c.out;
      started.push(c.out);
    }
    await bounded(Promise.all(started), (secs + 20) * 1000, procs, 'the run');
    const res: { ours_bps?: number; tcp_bps?: number; sender?: unknown; msgs?: number } = {};
    if (recvOut) {
      const rj = JSON.parse((await bounded(recvOut, (SKIP + 10) * 1000, procs, 'the receiver')).trim().split('\n').pop()!) as { samples: Array<[number, number]>; msgs: number };
      res.ours_bps = ourRate(rj.samples, t0 + SKIP * 1000, t0 + (secs - 1) * 1000);
      res.msgs = rj.msgs;
      res.sender = JSON.parse((await sendOut!).trim().split('\n').pop()!);
    }
    if (tcpOut) {
      const j = JSON.parse(await tcpOut) as IperfJson;
      if (j.error) throw new Error(`iperf3: ${j.error}`);
      res.tcp_bps = tcpRate(j, SKIP, secs - 1);
    }
    return res;
  } finally {
    for (const p of procs) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
  }
}

async function measure(): Promise<void> {
  const lab: Lab = { snd: process.env.UCL_SL_SND!, rcv: process.env.UCL_SL_RCV!, sndIp: process.env.UCL_SL_SND_IP!, rcvIp: process.env.UCL_SL_RCV_IP! };
  const mbit = (b: number | undefined) => (typeof b === 'number' && Number.isFinite(b) ? `${(b / 1e6).toFixed(2)} Mbit/s` : '—');
  console.log(`shared link: ${lab.snd} → tbf ${process.env.UCL_SL_RATE ?? '10mbit'} → ${lab.rcv}; UDP Chat sends ${MSG_BYTES} B messages, ${OUTSTANDING} queued at a time; rates over ${SKIP} s..end-1 s`);
  const compete = await run(lab, true, true, SECS);
  console.log(`  compete (${SECS} s): UDP Chat ${mbit(compete.ours_bps)}, TCP ${mbit(compete.tcp_bps)}   sender ${JSON.stringify(compete.sender)}`);
  const alone = await run(lab, true, false, ALONE_SECS);
  console.log(`  UDP Chat alone (${ALONE_SECS} s): ${mbit(alone.ours_bps)}   sender ${JSON.stringify(alone.sender)}`);
  const tcp = await run(lab, false, true, ALONE_SECS);
  console.log(`  TCP alone (${ALONE_SECS} s): ${mbit(tcp.tcp_bps)}`);
  const share = compete.ours_bps! / compete.tcp_bps!;
  const util = alone.ours_bps! / LINK_BPS;
  console.log('');
  console.log(`  share_vs_tcp      ${Number.isFinite(share) ? share.toFixed(2) : 'unbounded (TCP starved)'}   (target 0.5–2)`);
  console.log(`  utilization_alone ${util.toFixed(2)}   (target ≥ 0.85)`);
  const r = (x: number | undefined) => (typeof x === 'number' && Number.isFinite(x) ? Math.round(x) : null);
  console.log(JSON.stringify({
    share_vs_tcp: Number.isFinite(share) ? +share.toFixed(3) : null, utilization_alone: Number.isFinite(util) ? +util.toFixed(3) : null,
    compete_ours_bps: r(compete.ours_bps), compete_tcp_bps: r(compete.tcp_bps), alone_ours_bps: r(alone.ours_bps), alone_tcp_bps: r(tcp.tcp_bps),
    link_bps: LINK_BPS, secs: SECS, alone_secs: ALONE_SECS, msg_bytes: MSG_BYTES,
    ...(compete.tcp_bps === 0 ? { note: 'TCP got 0 bit/s while competing (starved): the share is unbounded, reported as null' } : {}),
  }));
}

// ---------------------------------------------------------------- entry: preflight, then the lab

function skipped(why: string): never {
  console.log(`bench:shared-link: SKIPPED — ${why}`);
  console.log(JSON.stringify({ skipped: why, share_vs_tcp: null, utilization_alone: null }));
  process.exit(0);
}

function top(): void {
  if (process.getuid?.() !== 0) skipped('needs root (network namespaces and tc); run as root');
  if (spawnSync('ip', ['netns', 'list']).status !== 0) skipped('no `ip netns` (iproute2)');
  if (spawnSync('iperf3', ['--version']).status !== 0) {
    console.log('bench:shared-link: installing iperf3 (Debian)');
    spawnSync('apt-get', ['install', '-y', '-qq', 'iperf3'], { stdio: 'ignore', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
    if (spawnSync('iperf3', ['--version']).status !== 0) {
      spawnSync('apt-get', ['update', '-qq'], { stdio: 'ignore' });
      spawnSync('apt-get', ['install', '-y', '-qq', 'iperf3'], { stdio: 'ignore', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
    }
    if (spawnSync('iperf3', ['--version']).status !== 0) skipped('iperf3 is missing and could not be installed');
  }
  // The lab script builds the namespaces, runs the measurement and always removes them.
  const r = spawnSync('bash', [join(root, 'test/lab/sharedLink.sh'), 'run', '--', process.execPath, self, '--measure'], { stdio: ['ignore', 'inherit', 'pipe'] });
  const err = r.stderr?.toString() ?? '';
  if (err) process.stderr.write(err);
  if (r.status !== 0) skipped(`the lab did not run (exit ${r.status ?? r.signal}): ${err.trim().split('\n').pop() ?? ''}`);
}

if (require.main === module) {
  const [mode, a, b, c] = process.argv.slice(2);
  if (mode === 'recv') void recv(a, b, Number(c));
  else if (mode === 'send') void send(a, b, Number(c));
  else if (mode === '--measure') measure().catch((e) => { console.error(e); console.log(JSON.stringify({ error: e instanceof Error ? e.message : String(e), share_vs_tcp: null, utilization_alone: null })); process.exit(0); });
  else top();
}
