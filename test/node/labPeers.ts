// Real terminal peers in the project's LAN lab (test/lab/lan.sh): each peer is `node <cli bundle>
// --json` started with `ip netns exec` in its own lab host (network namespace on one bridge), with
// its own UDP_CHAT_HOME (identity key, known people). Used by lanChat.test.ts and lanScale.test.ts.
//
// Lab: one per test file, with a prefix made of a tag and this process's pid (labs never clash, not
// even two test files in one mocha process); `down()` stops every process in its namespaces.
// Peers: every stdout line is parsed as JSON and stamped with the time this process read it (one
// clock for all peers); `stats()` reads CPU time and memory from /proc/<pid> (`ip netns exec`
// execs the command, so the child's pid is the node process).
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

export const root = join(__dirname, '..', '..', '..');
const LAN = join(root, 'test', 'lab', 'lan.sh');
const AVAHI = join(root, 'test', 'lab', 'avahi.sh');
const SBIN_PATH = `${process.env.PATH ?? ''}:/usr/sbin:/sbin`;

export function sleep(ms: number): Promise<void> { return new Promise((r) => setTimeout(r, ms)); }

export type LabEvent = Record<string, unknown> & { event: string; at: number };

export interface ProcStats {
  /** user + system CPU time since the process started, in ms. */
  cpuMs: number;
  /** Resident set size now and its peak (VmHWM), in KiB. */
  rssKb: number;
  peakRssKb: number;
}

let clockTicks = 0;
function ticksPerSecond(): number {
  if (!clockTicks) {
    const r = spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' });
    clockTicks = Number(r.stdout?.trim()) || 100;
  }
  return clockTicks;
}

/** CPU time and memory of a running process from /proc, or undefined when it is gone. */
export function procStats(pid: number): ProcStats | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) in parentheses: field 14 utime, 15 stime.
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(f[11]) + Number(f[12]);
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? NaN);
    return { cpuMs: (ticks * 1000) / ticksPerSecond(), rssKb: kb('VmRSS'), peakRssKb: kb('VmHWM') };
  } catch {
    return undefined;
  }
}

export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** A lab of N hosts: `<prefix>-h1..hN` on the bridge namespace `<prefix>-br`. */
export class Lab {
  readonly prefix: string;
  readonly state: string;
  readonly env: NodeJS.ProcessEnv;
  private isUp = false;
  private readonly avahiHosts = new Set<number>();
  private readonly onExit = () => { if (this.isUp) this.down(); };

  constructor(tag: string) {
    this.prefix = `ucl-${tag}${process.pid}`;
    this.state = `/tmp/ucl-lab-${tag}${process.pid}`;
    this.env = { ...process.env, PATH: SBIN_PATH, UCL_LAB_PREFIX: this.prefix, UCL_LAB_STATE: this.state };
  }

  host(i: number): string { return `${this.prefix}-h${i}`; }

  run(cmd: string, args: string[], timeoutMs = 30_000): { ok: boolean; out: string } {
    const r = spawnSync(cmd, args, { env: this.env, encoding: 'utf8', timeout: timeoutMs });
    return { ok: r.status === 0, out: `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? String(r.error) : ''}` };
  }

  private onPath(tool: string): boolean { return this.run('sh', ['-c', `command -v ${tool}`]).ok; }

  /**
   * Why the lab cannot run here (the caller prints SKIPPED), or undefined. Installs missing Debian
   * packages with apt-get; a failed install throws (CI, as root, must run the lab tests).
   */
  unavailable(): string | undefined {
    if (process.platform !== 'linux') return 'the LAN lab needs Linux network namespaces';
    if (typeof process.getuid === 'function' && process.getuid() !== 0) return 'the LAN lab needs root (network namespaces)';
    if (!this.onPath('ip')) return 'iproute2 (ip) is not installed';
    const probe = `${this.prefix}-probe`;
    const made = this.run('ip', ['netns', 'add', probe]);
    this.run('ip', ['netns', 'del', probe]);
    if (!made.ok) return `network namespaces are unavailable: ${made.out.trim()}`;
    const packages: Record<string, string> = {
      'avahi-daemon': 'avahi-daemon', 'avahi-browse': 'avahi-utils', 'avahi-publish': 'avahi-utils', nft: 'nftables', 'dbus-daemon': 'dbus', unshare: 'util-linux', getconf: 'libc-bin',
    };
    const missing = [...new Set(Object.keys(packages).filter((t) => !this.onPath(t)).map((t) => packages[t]))];
    if (missing.length === 0) return undefined;
    if (!this.onPath('apt-get')) return `${missing.join(', ')} missing and no apt-get to install them`;
    console.log(`      installing ${missing.join(' ')} (apt-get)`);
    const install = () => this.run('apt-get', ['install', '-y', '--no-install-recommends', ...missing], 300_000);
    let r = install();
    if (!r.ok) { this.run('apt-get', ['update'], 300_000); r = install(); }
    if (!r.ok) throw new Error(`apt-get install ${missing.join(' ')} failed:\n${r.out.slice(-3000)}`);
    return undefined;
  }

  /** Labs of this tag left behind by a test process that is gone (killed before its after hook): removed. */
  private sweepStale(): void {
    const tag = this.prefix.slice(0, this.prefix.length - String(process.pid).length);
    const stale = new Set<string>();
    for (const ns of this.run('ip', ['netns', 'list']).out.split('\n').map((l) => l.split(' ')[0])) {
      const m = new RegExp(`^(${tag}(\\d+))-(br|h\\d+)$`).exec(ns);
      if (!m || Number(m[2]) === process.pid) continue;
      try { process.kill(Number(m[2]), 0); } catch (e) { if ((e as NodeJS.ErrnoException).code === 'ESRCH') stale.add(m[1]); }
    }
    for (const prefix of stale) {
      console.log(`      removing the stale lab ${prefix} (its test process is gone)`);
      spawnSync('bash', [LAN, 'down'], { env: { ...this.env, UCL_LAB_PREFIX: prefix }, encoding: 'utf8', timeout: 60_000 });
    }
  }

  up(hosts: number): void {
    this.sweepStale();
    this.isUp = true;
    process.once('exit', this.onExit);
    const r = this.run('bash', [LAN, 'up', String(hosts)], 120_000);
    if (!r.ok) throw new Error(`lan.sh up ${hosts} failed:\n${r.out}`);
  }

  /** Random loss of `pct` % of the frames crossing the bridge (0 removes it). */
  loss(pct: number): void {
    const r = this.run('bash', [LAN, 'loss', String(pct)]);
    if (!r.ok) throw new Error(`lan.sh loss ${pct} failed:\n${r.out}`);
  }

  avahiStart(i: number): void {
    this.avahiHosts.add(i);
    const r = this.run('bash', [AVAHI, 'start', this.host(i)], 20_000);
    if (!r.ok) throw new Error(`avahi.sh start failed:\n${r.out}`);
  }

  /** A command in host i that talks to that host's avahi-daemon (avahi-browse, avahi-publish). */
  avahiRun(i: number, args: string[], timeoutMs = 15_000): { ok: boolean; out: string } {
    return this.run('bash', [AVAHI, 'run', this.host(i), ...args], timeoutMs);
  }

  /** Stops avahi and every process in the lab's namespaces, deletes them and the state folder. */
  down(): void {
    for (const i of this.avahiHosts) this.run('bash', [AVAHI, 'stop', this.host(i)]);
    this.avahiHosts.clear();
    const r = this.run('bash', [LAN, 'down'], 60_000);
    if (!r.ok) console.log(`      lan.sh down: ${r.out}`);
    rmSync(this.state, { recursive: true, force: true });
    this.isUp = false;
    process.removeListener('exit', this.onExit);
  }
}

/** One terminal peer in a lab host. */
export class LabPeer {
  readonly events: LabEvent[] = [];
  /** Lines that were not JSON (JSON mode writes nothing else to stdout). */
  readonly garbage: string[] = [];
  stderr = '';
  exitCode: number | null = null;
  readonly exited: Promise<void>;
  readonly child: ChildProcessWithoutNullStreams;
  readonly home: string;
  readonly startedAt = Date.now();
  /** The id the others discovered this peer under (set by the tests once known). */
  id = '';

  constructor(readonly lab: Lab, readonly index: number, readonly name: string, cli: string, extraArgs: string[] = [], home?: string) {
    this.home = home ?? mkdtempSync(join(tmpdir(), 'udp-chat-lab-home-'));
    const iface = extraArgs.includes('--no-discovery') ? [] : ['--interface', 'eth0'];
    const args = ['netns', 'exec', lab.host(index), process.execPath, cli, '--json', ...iface, '--name', name, '--port', '50505', ...extraArgs];
    this.child = spawn('ip', args, { stdio: ['pipe', 'pipe', 'pipe'], env: { ...lab.env, NO_COLOR: '1', UDP_CHAT_HOME: this.home, UDP_CHAT_PASSPHRASE: '' } });
    createInterface({ input: this.child.stdout }).on('line', (l) => {
      const at = Date.now();
      try {
        const v = JSON.parse(l) as unknown;
        if (v && typeof v === 'object' && typeof (v as { event?: unknown }).event === 'string') this.events.push({ ...(v as { event: string }), at });
        else this.garbage.push(l);
      } catch { this.garbage.push(l); }
    });
    this.child.stderr.setEncoding('utf8');
    this.child.stderr.on('data', (d: string) => { this.stderr += d; });
    this.child.stdin.on('error', () => undefined);
    this.child.on('error', (e) => { this.stderr += `spawn error: ${e.message}\n`; });
    this.exited = new Promise((resolve) => this.child.on('close', (code) => { this.exitCode = code; resolve(); }));
  }

  get pid(): number { return this.child.pid ?? -1; }
  get running(): boolean { return this.exitCode === null && this.child.exitCode === null; }

  of(event: string): LabEvent[] { return this.events.filter((e) => e.event === event); }
  first(event: string): LabEvent | undefined { return this.events.find((e) => e.event === event); }
  ready(): LabEvent | undefined { return this.first('ready'); }

  /** The person-discovered event for a peer (by id when known, else by name). */
  discovered(other: LabPeer): LabEvent | undefined {
    return this.of('person-discovered').find((e) => (other.id ? e.id === other.id : e.name === other.name));
  }

  /** Message events (one-to-one when `group` is undefined; from any group when it is null). */
  messages(filter: { from?: LabPeer; group?: string | null } = {}): LabEvent[] {
    return this.of('message').filter((e) => {
      if (filter.from && !(e.from === filter.from.name || (filter.from.id !== '' && e.fromId === filter.from.id))) return false;
      if (filter.group === undefined) return e.group === undefined;
      if (filter.group === null) return true;
      return e.group === filter.group;
    });
  }

  /** Writes one JSON input line; returns the time it was written. */
  send(line: Record<string, unknown>): number {
    this.child.stdin.write(`${JSON.stringify(line)}\n`);
    return Date.now();
  }

  stats(): ProcStats | undefined { return procStats(this.pid); }

  kill(): void { if (this.running) this.child.kill('SIGKILL'); }

  describe(lastLines = 60): string {
    const lines = this.events.slice(-lastLines).map((e) => JSON.stringify(e));
    return `--- ${this.name} (host ${this.index}, pid ${this.pid}, exit ${this.exitCode}, ${this.events.length} events${this.events.length > lastLines ? `, last ${lastLines}` : ''}):\n`
      + `${lines.join('\n')}${this.garbage.length ? `\nnon-JSON stdout: ${this.garbage.slice(0, 5).join(' | ')}` : ''}\nstderr: ${this.stderr.slice(-1500)}`;
  }
}

/** Polls `check` every 25 ms; on timeout fails with `what` and the peers' output. */
export async function waitFor<T>(what: string, check: () => T | undefined | false, timeoutMs: number, peers: readonly LabPeer[], lastLines = 40): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}\n${peers.map((p) => p.describe(lastLines)).join('\n')}`);
    await sleep(25);
  }
}

/**
 * Kills the peers (SIGKILL), waits briefly for them, removes their homes. With UCL_LAB_DUMP=DIR,
 * first writes each peer's events (JSON lines with `at`) and stderr to DIR/<name>.jsonl, for reading a run afterwards.
 */
export async function stopPeers(peers: readonly LabPeer[]): Promise<void> {
  const dump = process.env.UCL_LAB_DUMP;
  if (dump) {
    mkdirSync(dump, { recursive: true });
    for (const p of peers) writeFileSync(join(dump, `${p.name}.jsonl`), `${p.events.map((e) => JSON.stringify(e)).join('\n')}\n${JSON.stringify({ stderr: p.stderr })}\n`);
  }
  for (const p of peers) p.kill();
  await Promise.race([Promise.all(peers.map((p) => p.exited)), sleep(3000)]);
  for (const p of peers) rmSync(p.home, { recursive: true, force: true });
}

/** Ends the peers gracefully (stdin closed: they say goodbye), then kills what is left. Keeps their homes (a restart may reuse one). */
export async function endPeers(peers: readonly LabPeer[], graceMs = 3000): Promise<void> {
  for (const p of peers) if (p.running) p.child.stdin.end();
  await Promise.race([Promise.all(peers.map((p) => p.exited)), sleep(graceMs)]);
  for (const p of peers) p.kill();
  await Promise.race([Promise.all(peers.map((p) => p.exited)), sleep(2000)]);
}

/** `avahi-browse -rpt` resolved lines (`=;eth0;IPv4;name;type;domain;host;address;port;"k=v" …`). */
export interface AvahiRecord { protocol: string; instance: string; host: string; address: string; port: number; txt: Map<string, string> }

function avahiUnescape(text: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const m = /^\\(\d{3})/.exec(text.slice(i));
    if (m) { bytes.push(Number(m[1])); i += 3; } else bytes.push(...Buffer.from(text[i], 'utf8'));
  }
  return Buffer.from(bytes).toString('utf8');
}

export function parseAvahi(out: string): AvahiRecord[] {
  return out.split('\n').filter((l) => l.startsWith('=;')).map((l) => {
    const f = l.split(';');
    const txt = new Map<string, string>();
    for (const m of (f.slice(9).join(';')).matchAll(/"([^"=]*)=([^"]*)"/g)) txt.set(m[1], m[2]);
    return { protocol: f[2], instance: avahiUnescape(f[3]), host: f[6], address: f[7], port: Number(f[8]), txt };
  });
}
