// `npm run bench`: UDP Chat side by side with raw dgram, uTP (utp-native, libutp) and ENet (enet,
// ENet 1.3.5 compiled to JS), in one run, on loopback. Never fails on a slow figure.
//
// Layout, the same for every stack: each measurement starts two fresh processes (dist/benchPeer.js),
// one per end, B pinned to CPU 0 and A to CPU 1 with taskset where the machine has two CPUs;
// the goodput figures go through a third process, a UDP relay that drops a seeded share of the
// datagrams in each direction (the same seeds for every stack in a round). Rounds run the stacks
// interleaved (round 1: raw, udpchat, utp, enet; round 2: …), and each figure is the median of the
// rounds. Every phase has a timeout and a stall limit (no progress at the receiver): a transfer
// that stalls or whose peer drops is reported as null with a note, and the bench goes on.
// The fairness traps (ENet serviced on arrival, --pending-deprecation, framing) are explained at
// the top of scripts/benchPeer.ts.
//
// Prints a table (rows = figures, columns = stacks, and UDP Chat's ratios), then as the last line
// one JSON object: {"stacks": {"raw": {...}, "udpchat": {...}, "utp": {...}, "enet": {...}}, "meta": {...}}.
//
// Knobs (env): BENCH_ROUNDS (3), BENCH_STACKS (raw,udpchat,utp,enet), BENCH_PING_N (5000),
// BENCH_PING_WARM (500), BENCH_N (20000), BENCH_MSG_BYTES (100), BENCH_MIB_BYTES (1048576),
// BENCH_PHASES (rtt,burst,mib,goodput), BENCH_LOSSY_N (2000), BENCH_LOSSY_BYTES (1024), BENCH_LOSS (0.3), BENCH_SEED (0x5eed),
// BENCH_PHASE_TIMEOUT_MS (60000), BENCH_STALL_MS (10000), BENCH_PIN (1; 0 = no taskset),
// BENCH_NODE_FLAGS ("--pending-deprecation"; the children's node flags), BENCH_SESSION_CONFIG
// (UDP Chat session overrides, JSON).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cpus } from 'node:os';
import { join } from 'node:path';
import type { PeerArgs, PeerCommand, PeerEvent, PhaseConfig, PhaseName, StackName } from './benchPeer';

const env = (k: string, d: number): number => (process.env[k] !== undefined && process.env[k] !== '' ? Number(process.env[k]) : d);
const ROUNDS = Math.max(1, env('BENCH_ROUNDS', 3));
const ALL_STACKS: StackName[] = ['raw', 'udpchat', 'utp', 'enet'];
const STACKS = (process.env.BENCH_STACKS ? process.env.BENCH_STACKS.split(',') : ALL_STACKS).filter((s): s is StackName => (ALL_STACKS as string[]).includes(s));
const PING_N = env('BENCH_PING_N', 5000);
const PING_WARM = env('BENCH_PING_WARM', 500);
const BURST_N = env('BENCH_N', 20_000);
const MSG_BYTES = env('BENCH_MSG_BYTES', 100);
const MIB_BYTES = env('BENCH_MIB_BYTES', 1024 * 1024);
const LOSSY_N = env('BENCH_LOSSY_N', 2000);
const LOSSY_BYTES = env('BENCH_LOSSY_BYTES', 1024);
const LOSS = env('BENCH_LOSS', 0.3);
const SEED = env('BENCH_SEED', 0x5eed);
const PHASE_TIMEOUT = env('BENCH_PHASE_TIMEOUT_MS', 60_000);
const STALL_MS = env('BENCH_STALL_MS', 10_000);
const SETUP_TIMEOUT = 15_000;
const PHASES = process.env.BENCH_PHASES ? process.env.BENCH_PHASES.split(',') : undefined;
const NODE_FLAGS = (process.env.BENCH_NODE_FLAGS ?? '--pending-deprecation').split(/\s+/).filter(Boolean);
const PEER_JS = join(__dirname, 'benchPeer.js');

const hasTaskset = spawnSync('taskset', ['-c', '0', 'true']).status === 0;
const PIN = env('BENCH_PIN', 1) !== 0 && hasTaskset && cpus().length >= 2;

export const FIGURES = ['rtt_p50_us', 'rtt_p99_us', 'throughput_msgs', 'mib_ms', 'goodput_lossless_Bps', 'goodput_loss30_Bps', 'rss_growth_mb'] as const;
type Figure = typeof FIGURES[number];
const LOWER_IS_BETTER: Record<Figure, boolean> = {
  rtt_p50_us: true, rtt_p99_us: true, throughput_msgs: false, mib_ms: true,
  goodput_lossless_Bps: false, goodput_loss30_Bps: false, rss_growth_mb: true,
};

// ---------------------------------------------------------------- child processes

class Child {
  readonly proc: ChildProcess;
  readonly events: PeerEvent[] = [];
  private listeners: Array<() => void> = [];
  exited: string | undefined;
  stderr = '';

  constructor(args: PeerArgs, cpu: number | undefined) {
    const nodeArgs = [...NODE_FLAGS, PEER_JS, JSON.stringify(args)];
    const [cmd, argv] = cpu !== undefined && PIN ? ['taskset', ['-c', String(cpu), process.execPath, ...nodeArgs]] : [process.execPath, nodeArgs];
    this.proc = spawn(cmd, argv as string[], { stdio: ['ignore', 'inherit', 'pipe', 'ipc'] });
    this.proc.stderr!.on('data', (d: Buffer) => { if (this.stderr.length < 4000) this.stderr += d.toString(); });
    this.proc.on('message', (e: PeerEvent) => { this.events.push(e); this.wake(); });
    this.proc.on('exit', (code, sig) => { this.exited = `exited (${sig ?? code})`; this.wake(); });
    this.proc.on('error', (e) => { this.exited = `could not start: ${e.message}`; this.wake(); });
  }

  private wake(): void { const l = this.listeners; this.listeners = []; for (const f of l) f(); }

  send(c: PeerCommand): void { if (!this.exited && this.proc.connected) this.proc.send(c); }

  /** Progress events seen so far (bytes at the receiver), the newest last. */
  lastProgress(): number {
    for (let i = this.events.length - 1; i >= 0; i--) { const e = this.events[i]; if (e.ev === 'progress') return e.bytes; }
    return 0;
  }

  /** The first event of kind `ev`; rejects on a 'failed' event, on exit, after `ms`, or when `stalled()` says so. */
  async wait<K extends PeerEvent['ev']>(ev: K, ms: number, what: string, stalled?: () => string | undefined): Promise<Extract<PeerEvent, { ev: K }>> {
    const deadline = Date.now() + ms;
    for (;;) {
      const hit = this.events.find((e) => e.ev === ev);
      if (hit) return hit as Extract<PeerEvent, { ev: K }>;
      const failed = this.events.find((e) => e.ev === 'failed');
      if (failed && failed.ev === 'failed') throw new Error(`${what}: ${failed.note}`);
      if (this.exited) throw new Error(`${what}: the process ${this.exited}${this.stderr ? `: ${lastLine(this.stderr)}` : ''}`);
      const s = stalled?.();
      if (s) throw new Error(`${what}: ${s}`);
      if (Date.now() > deadline) throw new Error(`${what}: timed out after ${ms} ms`);
      await new Promise<void>((r) => {
        const t = setTimeout(r, 100);
        this.listeners.push(() => { clearTimeout(t); r(); });
      });
    }
  }

  /** Asks it to exit; kills it (this process's own child, by its pid) if it has not within 1 s. */
  async end(): Promise<void> {
    if (this.exited) return;
    this.send({ cmd: 'exit' });
    const gone = new Promise<void>((r) => this.proc.once('exit', () => r()));
    const t = setTimeout(() => { try { this.proc.kill('SIGKILL'); } catch { /* gone */ } }, 1000);
    await gone;
    clearTimeout(t);
  }
}

const lastLine = (s: string): string => s.trim().split('\n').filter((l) => !/DeprecationWarning|trace-deprecation|trace-warnings|Invalid asm\.js/.test(l)).pop() ?? '';

// ---------------------------------------------------------------- one measurement

interface PhaseResult { values: Partial<Record<Figure, number>>; verified: boolean; note?: string; extras?: Record<string, unknown> }

async function measure(stack: StackName, phase: PhaseName, cfg: PhaseConfig, loss: number | undefined, seed: number): Promise<PhaseResult> {
  const children: Child[] = [];
  const start = (args: PeerArgs, cpu?: number) => { const c = new Child(args, cpu); children.push(c); return c; };
  const tag = `${stack} ${phase}${loss !== undefined ? ` ${Math.round(loss * 100)}% loss` : ''}`;
  try {
    const b = start({ role: 'b', stack, phase, cfg }, 0);
    const bReady = await b.wait('ready', SETUP_TIMEOUT, `${tag}: B starting`);
    let aTarget = bReady.port;
    let bPeer: number | undefined;
    let relay: Child | undefined;
    if (loss !== undefined) {
      relay = start({ role: 'relay', loss, seed });
      const r = await relay.wait('ready', SETUP_TIMEOUT, `${tag}: relay starting`);
      relay.send({ cmd: 'peer', port: bReady.port });
      aTarget = r.port;
      bPeer = r.port2;
    }
    const a = start({ role: 'a', stack, phase, cfg }, 1);
    const aReady = await a.wait('ready', SETUP_TIMEOUT, `${tag}: A starting`);
    b.send({ cmd: 'peer', port: bPeer ?? aReady.port });
    a.send({ cmd: 'peer', port: aTarget });
    a.send({ cmd: 'go' });

    const bFailed = () => {
      // B's own failure events count too (e.g. ENet dropping the peer at the receiving end).
      const f = b.events.find((e) => e.ev === 'failed');
      return f && f.ev === 'failed' ? f.note : undefined;
    };
    if (phase === 'rtt') {
      const r = await a.wait('result', PHASE_TIMEOUT, tag, bFailed);
      const d = r.data as { rtt_p50_us: number; rtt_p99_us: number; verified: boolean };
      return { values: { rtt_p50_us: d.rtt_p50_us, rtt_p99_us: d.rtt_p99_us }, verified: d.verified, extras: r.data };
    }
    let lastBytes = -1;
    let lastChange = Date.now();
    const stalled = (): string | undefined => {
      const aFail = a.events.find((e) => e.ev === 'failed');
      if (aFail && aFail.ev === 'failed') return aFail.note;
      const bf = bFailed();
      if (bf) return bf;
      const p = b.lastProgress();
      if (p !== lastBytes) { lastBytes = p; lastChange = Date.now(); return undefined; }
      return Date.now() - lastChange > STALL_MS ? `transfer stalled (no progress for ${STALL_MS / 1000} s; ${p} bytes had arrived, warm-up included, of ${(cfg.warm + cfg.n) * cfg.size})` : undefined;
    };
    // The stall limit counts from here: the connection and the warm-up are watched too.
    const started = await a.wait('started', SETUP_TIMEOUT + PHASE_TIMEOUT, `${tag}: connecting and warm-up`, stalled);
    const arrived = await b.wait('arrived', PHASE_TIMEOUT, tag, stalled);
    a.send({ cmd: 'stop' });
    const res = await a.wait('result', 10_000, `${tag}: sender's report`);
    const secs = Number(BigInt(arrived.t1) - BigInt(started.t0)) / 1e9;
    const values: Partial<Record<Figure, number>> = {};
    if (phase === 'burst') {
      values.throughput_msgs = arrived.count / secs;
      values.rss_growth_mb = (res.data as { rss_growth_mb: number }).rss_growth_mb;
    } else if (phase === 'mib') {
      values.mib_ms = secs * 1000;
    } else {
      values[loss ? 'goodput_loss30_Bps' : 'goodput_lossless_Bps'] = arrived.bytes / secs;
    }
    const ok = arrived.verified && arrived.bytes === cfg.n * cfg.size;
    let extras: Record<string, unknown> = res.data;
    if (relay) {
      relay.send({ cmd: 'stop' });
      const st = await relay.wait('stats', 5000, `${tag}: relay stats`).catch(() => undefined);
      if (st) extras = { ...extras, relay: st.data };
    }
    return { values, verified: ok, note: ok ? undefined : `${tag}: ${arrived.note ?? `${arrived.bytes} of ${cfg.n * cfg.size} bytes`}`, extras };
  } catch (e) {
    // Stalled, dropped or timed out: null and a note. `verified` is about wrong bytes only.
    return { values: {}, verified: true, note: e instanceof Error ? e.message : String(e) };
  } finally {
    await Promise.all(children.map((c) => c.end()));
  }
}

// ---------------------------------------------------------------- rounds, medians, report

interface StackReport { figures: Partial<Record<Figure, number | null>>; samples: Partial<Record<Figure, number[]>>; verified: boolean; notes: string[]; extras: Record<string, unknown> }

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

export async function runBench(log: (s: string) => void = console.log): Promise<Record<StackName, StackReport>> {
  const reports = Object.fromEntries(STACKS.map((s) => [s, { figures: {}, samples: {}, verified: true, notes: [], extras: {} } as StackReport])) as Record<StackName, StackReport>;
  const phases: Array<{ phase: PhaseName; cfg: PhaseConfig; loss?: number; figures: Figure[]; only?: StackName[] }> = [
    { phase: 'rtt', cfg: { n: PING_N, warm: PING_WARM, size: 64 }, figures: ['rtt_p50_us', 'rtt_p99_us'] },
    { phase: 'burst', cfg: { n: BURST_N, warm: Math.min(2000, BURST_N), size: MSG_BYTES }, figures: ['throughput_msgs', 'rss_growth_mb'] },
    { phase: 'mib', cfg: { n: 1, warm: 1, size: MIB_BYTES }, figures: ['mib_ms'] },
    // raw dgram has no reliability: a lossy relay would just lose its data, so no goodput figures.
    { phase: 'goodput', cfg: { n: LOSSY_N, warm: Math.min(100, LOSSY_N), size: LOSSY_BYTES }, loss: 0, figures: ['goodput_lossless_Bps'], only: ['udpchat', 'utp', 'enet'] },
    { phase: 'goodput', cfg: { n: LOSSY_N, warm: Math.min(100, LOSSY_N), size: LOSSY_BYTES }, loss: LOSS, figures: ['goodput_loss30_Bps'], only: ['udpchat', 'utp', 'enet'] },
  ];
  for (let round = 0; round < ROUNDS; round++) {
    for (const stack of STACKS) {
      const rep = reports[stack];
      for (const p of phases) {
        if (p.only && !p.only.includes(stack)) continue;
        if (PHASES && !PHASES.includes(p.phase)) continue;
        const t = Date.now();
        const r = await measure(stack, p.phase, p.cfg, p.loss, SEED + round);
        for (const f of p.figures) {
          const v = r.values[f];
          if (v !== undefined && Number.isFinite(v)) (rep.samples[f] ??= []).push(v);
        }
        if (!r.verified) rep.verified = false;
        if (r.note) rep.notes.push(`round ${round + 1}: ${r.note}`);
        if (r.extras && stack === 'udpchat') rep.extras[`${p.phase}${p.loss ? '_loss' : ''}`] = r.extras;
        const shown = p.figures.map((f) => `${f}=${r.values[f] !== undefined ? fmt(r.values[f]!, f) : 'null'}`).join(' ');
        if (process.env.BENCH_DEBUG && r.extras) log(`    extras ${JSON.stringify(r.extras)}`);
        log(`  round ${round + 1} ${stack.padEnd(7)} ${p.phase.padEnd(7)}${p.loss !== undefined ? ` ${String(Math.round(p.loss * 100)).padStart(2)}%` : '    '} ${shown}${r.note ? `  [${r.note}]` : ''} (${((Date.now() - t) / 1000).toFixed(1)} s)`);
      }
    }
  }
  for (const stack of STACKS) {
    const rep = reports[stack];
    for (const f of FIGURES) {
      const applies = !(stack === 'raw' && f.startsWith('goodput'));
      if (!applies) continue;
      const xs = rep.samples[f] ?? [];
      rep.figures[f] = xs.length ? median(xs) : null;
      if (xs.length && xs.length < ROUNDS) rep.notes.push(`${f}: median of ${xs.length} of ${ROUNDS} rounds (the others failed)`);
    }
  }
  return reports;
}

function fmt(v: number, f: Figure): string {
  if (f === 'rss_growth_mb') return v.toFixed(1);
  if (f === 'mib_ms') return v.toFixed(1);
  if (f.startsWith('goodput')) return `${(v / 1e6).toFixed(2)}M`;
  return Math.round(v).toLocaleString('en-US');
}

const LABELS: Record<Figure, string> = {
  rtt_p50_us: 'RTT p50, 64 B (µs)',
  rtt_p99_us: 'RTT p99, 64 B (µs)',
  throughput_msgs: `${BURST_N.toLocaleString('en-US')} × ${MSG_BYTES} B (msgs/s)`,
  mib_ms: `${MIB_BYTES === 1048576 ? '1 MiB' : `${MIB_BYTES} B`} message (ms)`,
  goodput_lossless_Bps: 'goodput lossless (B/s)',
  goodput_loss30_Bps: `goodput ${Math.round(LOSS * 100)}% loss (B/s)`,
  rss_growth_mb: 'sender RSS growth (MB)',
};

export function table(reports: Record<StackName, StackReport>): string[] {
  const cols = STACKS;
  const w0 = 28;
  const w = 11;
  const lines: string[] = [];
  const row = (c: string[]) => c.map((s, i) => (i === 0 ? s.padEnd(w0) : s.padStart(i > cols.length ? 14 : w))).join(' ');
  lines.push(row(['figure (median)', ...cols, 'UDPChat/best', 'UDPChat/raw']));
  const others = cols.filter((c) => c === 'utp' || c === 'enet');
  for (const f of FIGURES) {
    const cell = (s: StackName) => {
      if (s === 'raw' && f.startsWith('goodput')) return 'n/a';
      const v = reports[s].figures[f];
      return v === null || v === undefined ? 'null' : fmt(v, f);
    };
    const ours = reports.udpchat?.figures[f];
    const vals = others.map((o) => reports[o].figures[f]).filter((v): v is number => typeof v === 'number');
    const best = vals.length ? (LOWER_IS_BETTER[f] ? Math.min(...vals) : Math.max(...vals)) : undefined;
    const raw = reports.raw?.figures[f];
    const ratio = (d: number | null | undefined) => (typeof ours === 'number' && typeof d === 'number' && d > 0 ? (ours / d).toFixed(2) : '—');
    lines.push(row([LABELS[f], ...cols.map(cell), ratio(best), ratio(raw)]));
  }
  const gr = (s: StackName) => {
    const a = reports[s].figures.goodput_loss30_Bps;
    const b = reports[s].figures.goodput_lossless_Bps;
    return typeof a === 'number' && typeof b === 'number' && b > 0 ? (a / b).toFixed(2) : s === 'raw' ? 'n/a' : 'null';
  };
  lines.push(row([`goodput ${Math.round(LOSS * 100)}% / lossless`, ...cols.map(gr), '', '']));
  lines.push(row(['bytes right (what arrived)', ...cols.map((s) => (reports[s].verified ? 'yes' : 'NO')), '', '']));
  return lines;
}

async function main(): Promise<void> {
  const t0 = Date.now();
  console.log(`bench: loopback 127.0.0.1, node ${process.version}, ${cpus().length} CPUs (${cpus()[0]?.model ?? '?'}); two processes per stack${PIN ? ', pinned to CPUs 0 and 1 (taskset)' : ', not pinned'}; child flags: ${NODE_FLAGS.join(' ') || '(none)'}`);
  console.log(`  ${ROUNDS} rounds, median; ping-pong ${PING_N} × 64 B; burst ${BURST_N} × ${MSG_BYTES} B; one ${MIB_BYTES} B message; goodput ${LOSSY_N} × ${LOSSY_BYTES} B through a relay at 0% and ${Math.round(LOSS * 100)}% loss (seed ${SEED}+round)`);
  const reports = await runBench();
  console.log('');
  for (const l of table(reports)) console.log(l);
  console.log('  UDPChat/best: UDP Chat ÷ the better of uTP and ENet (for RTT, ms and MB lower is better). raw has no reliability: windowed, and no goodput.');
  for (const s of STACKS) for (const n of reports[s].notes) console.log(`  note ${s}: ${n}`);
  console.log(`(${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  const round = (v: number | null | undefined, f: Figure) => (typeof v === 'number' ? +v.toFixed(f === 'rss_growth_mb' || f === 'mib_ms' ? 2 : f.startsWith('rtt') ? 1 : 0) : null);
  const stacks = Object.fromEntries(STACKS.map((s) => {
    const r = reports[s];
    const figs = Object.fromEntries(Object.entries(r.figures).map(([f, v]) => [f, round(v, f as Figure)]));
    return [s, { ...figs, verified: r.verified, ...(r.notes.length ? { notes: r.notes } : {}) }];
  }));
  const meta = { rounds: ROUNDS, node: process.version, cpus: cpus().length, pinned: PIN, child_flags: NODE_FLAGS, ping_n: PING_N, burst_n: BURST_N, msg_bytes: MSG_BYTES, mib_bytes: MIB_BYTES, lossy_n: LOSSY_N, lossy_bytes: LOSSY_BYTES, loss: LOSS, seed: SEED, secs: +((Date.now() - t0) / 1000).toFixed(1) };
  console.log(JSON.stringify({ stacks, meta }));
  process.exit(0);
}

if (require.main === module) {
  main().catch((e) => {
    // A bench that breaks still ends with one JSON line, so that tools reading the last line do not choke.
    console.error(e);
    console.log(JSON.stringify({ stacks: {}, error: e instanceof Error ? e.message : String(e) }));
    process.exit(0);
  });
}
