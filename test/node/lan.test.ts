// LAN discovery in the project's lab (test/lab/lan.sh): three hosts, each a network namespace on one
// bridge, each running a LanDiscovery peer (test/lab/discoveryPeer.ts) that advertises and browses
// _udpchat._udp over mDNS on IPv4 and IPv6; avahi-daemon runs in one host so that the standard
// tools are checked too. Needs root and network namespaces: prints SKIPPED otherwise (on CI, which
// runs as root, it runs). Installs avahi / nftables with apt-get when they are missing.
import assert from 'node:assert/strict';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

const root = join(__dirname, '..', '..', '..');
const LAN = join(root, 'test', 'lab', 'lan.sh');
const AVAHI = join(root, 'test', 'lab', 'avahi.sh');
/** The peer runner, bundled from the current sources in before() (out/ may be rebuilt meanwhile). */
let PEER = '';
const PREFIX = `ucl-lt${process.pid}`;
const STATE = `/tmp/ucl-lab-${process.pid}`;
const ENV = { ...process.env, PATH: `${process.env.PATH ?? ''}:/usr/sbin:/sbin`, UCL_LAB_PREFIX: PREFIX, UCL_LAB_STATE: STATE };
const HOSTS = 3;
const host = (i: number) => `${PREFIX}-h${i}`;
/** Discovery must take less than this, from the later of the two peers being ready. */
const DISCOVERY_LIMIT_MS = 2000;

type Line = Record<string, unknown> & { event: string; at: number };

class Peer {
  readonly lines: Line[] = [];
  stderr = '';
  exitCode: number | null = null;
  readonly exited: Promise<void>;
  readonly child: ChildProcessWithoutNullStreams;

  constructor(readonly index: number, readonly id: string, readonly fp: string, readonly port: number, readonly name: string) {
    this.child = spawn('ip', ['netns', 'exec', host(index), process.execPath, PEER, '--name', name, '--port', String(port), '--id', id,
      '--fp', fp.match(/.{4}/g)!.join(' '), '--interface', 'eth0'], { stdio: ['pipe', 'pipe', 'pipe'], env: ENV });
    createInterface({ input: this.child.stdout }).on('line', (l) => {
      try { this.lines.push({ ...(JSON.parse(l) as { event: string }), at: Date.now() }); } catch { this.lines.push({ event: 'non-json', line: l, at: Date.now() }); }
    });
    this.child.stderr.setEncoding('utf8');
    this.child.stderr.on('data', (d: string) => { this.stderr += d; });
    this.child.stdin.on('error', () => undefined);
    this.exited = new Promise((resolve) => this.child.on('close', (code) => { this.exitCode = code; resolve(); }));
  }

  of(event: string): Line[] { return this.lines.filter((l) => l.event === event); }
  discovered(id: string): Line | undefined { return this.of('discovered').find((l) => (l.peer as { id: string }).id === id); }
  send(line: string): void { this.child.stdin.write(`${line}\n`); }
  describe(): string {
    return `--- peer ${this.index} (${this.id}, exit ${this.exitCode}):\n${this.lines.map((l) => JSON.stringify(l)).join('\n')}\n${this.stderr.slice(-2000)}`;
  }
}

function sleep(ms: number): Promise<void> { return new Promise((r) => setTimeout(r, ms)); }

function run(cmd: string, args: string[], timeoutMs = 30_000): { ok: boolean; out: string } {
  const r = spawnSync(cmd, args, { env: ENV, encoding: 'utf8', timeout: timeoutMs });
  return { ok: r.status === 0, out: `${r.stdout ?? ''}${r.stderr ?? ''}${r.error ? String(r.error) : ''}` };
}

const onPath = (tool: string) => run('sh', ['-c', `command -v ${tool}`]).ok;

/** Why the lab cannot run here, or undefined. Installs what is missing when it can. */
function labUnavailable(): string | undefined {
  if (process.platform !== 'linux') return 'the LAN lab needs Linux network namespaces';
  if (typeof process.getuid === 'function' && process.getuid() !== 0) return 'the LAN lab needs root (network namespaces)';
  if (!onPath('ip')) return 'iproute2 (ip) is not installed';
  const probe = `${PREFIX}-probe`;
  const made = run('ip', ['netns', 'add', probe]);
  run('ip', ['netns', 'del', probe]);
  if (!made.ok) return `network namespaces are unavailable: ${made.out.trim()}`;
  const packages: Record<string, string> = { 'avahi-daemon': 'avahi-daemon', 'avahi-browse': 'avahi-utils', 'avahi-publish': 'avahi-utils', nft: 'nftables', 'dbus-daemon': 'dbus', unshare: 'util-linux' };
  const missing = [...new Set(Object.keys(packages).filter((t) => !onPath(t)).map((t) => packages[t]))];
  if (missing.length === 0) return undefined;
  if (!onPath('apt-get')) return `${missing.join(', ')} missing and no apt-get to install them`;
  console.log(`      installing ${missing.join(' ')} (apt-get)`);
  const install = () => run('apt-get', ['install', '-y', '--no-install-recommends', ...missing], 300_000);
  let r = install();
  if (!r.ok) { run('apt-get', ['update'], 300_000); r = install(); }
  // Installed but unusable is a failure, not a skip: CI must run this test.
  if (!r.ok) throw new Error(`apt-get install ${missing.join(' ')} failed:\n${r.out.slice(-3000)}`);
  return undefined;
}

async function waitFor<T>(what: string, check: () => T | undefined | false, timeoutMs: number, peers: Peer[]): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}\n${peers.map((p) => p.describe()).join('\n')}`);
    await sleep(20);
  }
}

interface AvahiRecord { protocol: string; instance: string; host: string; address: string; port: number; txt: Map<string, string> }

/** avahi-browse -p escapes bytes as `\DDD` (decimal) in names: back to text. */
function avahiUnescape(text: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const m = /^\\(\d{3})/.exec(text.slice(i));
    if (m) { bytes.push(Number(m[1])); i += 3; } else bytes.push(...Buffer.from(text[i], 'utf8'));
  }
  return Buffer.from(bytes).toString('utf8');
}

/** `avahi-browse -rpt` resolved lines (`=;eth0;IPv4;name;type;domain;host;address;port;"k=v" …`). */
function parseAvahi(out: string): AvahiRecord[] {
  return out.split('\n').filter((l) => l.startsWith('=;')).map((l) => {
    const f = l.split(';');
    const txt = new Map<string, string>();
    for (const m of (f.slice(9).join(';')).matchAll(/"([^"=]*)=([^"]*)"/g)) txt.set(m[1], m[2]);
    return { protocol: f[2], instance: avahiUnescape(f[3]), host: f[6], address: f[7], port: Number(f[8]), txt };
  });
}

/** Runs `avahi-browse -rpt _udpchat._udp` in host 3 until `done` holds for its records (at most ~15 s); the last output. */
async function avahiBrowse(done: (records: AvahiRecord[]) => boolean): Promise<string> {
  let last = '';
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    last = run('bash', [AVAHI, 'run', host(3), 'avahi-browse', '-rpt', '_udpchat._udp'], 15_000).out;
    if (done(parseAvahi(last))) break;
    await sleep(300);
  }
  return last;
}

describe('LAN discovery in the lab: DNS-SD over mDNS between network namespaces (IPv4 + IPv6, avahi)', function () {
  this.timeout(60_000);
  const peers: Peer[] = [];
  const extra: ChildProcessWithoutNullStreams[] = [];
  let labUp = false;

  before(async function () {
    this.timeout(600_000); // a first run may install avahi
    const reason = labUnavailable();
    if (reason) {
      console.log(`      SKIPPED: ${reason}`);
      this.skip();
    }
    const esbuild = await import('esbuild');
    PEER = join(mkdtempSync(join(tmpdir(), 'udp-chat-lan-')), 'discoveryPeer.js');
    await esbuild.build({
      entryPoints: [join(root, 'test', 'lab', 'discoveryPeer.ts')], outfile: PEER, bundle: true, platform: 'node', format: 'cjs', target: 'node20', logLevel: 'error',
    });
    const up = run('bash', [LAN, 'up', String(HOSTS)]);
    labUp = true;
    if (!up.ok) throw new Error(`lan.sh up failed:\n${up.out}`);
    // avahi shares host 3 with a UDP Chat peer, as on a Linux desktop (both bind port 5353).
    const avahi = run('bash', [AVAHI, 'start', host(3)], 20_000);
    if (!avahi.ok) throw new Error(`avahi.sh start failed:\n${avahi.out}`);
  });

  after(async function () {
    this.timeout(20_000);
    for (const p of peers) if (p.exitCode === null) p.child.kill('SIGKILL');
    for (const c of extra) if (c.exitCode === null) c.kill('SIGKILL');
    await Promise.race([Promise.all(peers.map((p) => p.exited)), sleep(3000)]);
    if (labUp) {
      for (let i = 1; i <= HOSTS; i++) run('bash', [AVAHI, 'stop', host(i)]);
      const down = run('bash', [LAN, 'down']);
      if (!down.ok) console.log(`      lan.sh down: ${down.out}`);
      run('rm', ['-rf', STATE]);
    }
    if (PEER) run('rm', ['-rf', join(PEER, '..')]);
  });

  it('each peer finds the other two within 2 s: id and fingerprint from TXT, IPv4 and IPv6 addresses', async () => {
    for (let i = 1; i <= HOSTS; i++) {
      peers.push(new Peer(i, randomBytes(8).toString('hex'), randomBytes(16).toString('hex'), 50500 + i, `Peer ${i} — ü ✓`));
    }
    await waitFor('every peer to start', () => peers.every((p) => p.of('started').length > 0 || p.exitCode !== null), 20_000, peers);
    for (const p of peers) {
      assert.equal(p.exitCode, null, p.describe());
      assert.deepEqual(p.of('started')[0].status, { ipv4: true, ipv6: true }, p.describe());
    }
    const pairs = peers.flatMap((a) => peers.filter((b) => b !== a).map((b) => [a, b] as const));
    await waitFor('every peer to discover the others', () => pairs.every(([a, b]) => a.discovered(b.id)), 8000, peers);
    const latencies: number[] = [];
    for (const [a, b] of pairs) {
      const seen = a.discovered(b.id)!;
      const peer = seen.peer as { id: string; name: string; addresses: string[]; port: number; fingerprint: string; version: string };
      assert.deepEqual(peer, {
        id: b.id, name: b.name, addresses: [`10.79.0.${b.index}`, `fd00:79::${b.index}`], port: b.port, fingerprint: b.fp, version: '2',
      }, a.describe());
      latencies.push(seen.at - Math.max(a.of('started')[0].at, b.of('started')[0].at));
    }
    console.log(`      discovery latency (ms, from the later peer ready): ${latencies.map((l) => Math.max(0, l)).join(', ')}`);
    for (const l of latencies) assert.ok(l < DISCOVERY_LIMIT_MS, `discovery took ${l} ms\n${peers.map((p) => p.describe()).join('\n')}`);
    for (const p of peers) {
      assert.equal(p.discovered(p.id), undefined, 'a peer never reports itself');
      assert.deepEqual(p.of('non-json'), [], p.describe());
      assert.deepEqual(p.of('lost'), [], p.describe());
    }
  });

  it('avahi-browse in a lab host lists the three peers with their TXT records', async () => {
    assert.equal(peers.length, HOSTS, 'the first test started the peers');
    const last = await avahiBrowse((all) => peers.every((p) => all.some((x) => x.protocol === 'IPv4' && x.txt.get('id') === p.id)));
    const records = parseAvahi(last).filter((x) => x.protocol === 'IPv4');
    for (const p of peers) {
      const rec = records.find((x) => x.txt.get('id') === p.id);
      assert.ok(rec, `avahi-browse does not list peer ${p.index}:\n${last}`);
      assert.equal(rec.port, p.port);
      assert.equal(rec.address, `10.79.0.${p.index}`);
      assert.equal(rec.txt.get('v'), '2');
      assert.equal(rec.txt.get('fp'), p.fp);
      assert.equal(rec.instance, `${p.name} (${p.id.slice(0, 6)})`);
    }
    assert.ok(parseAvahi(last).some((x) => x.protocol === 'IPv6'), `avahi saw the peers over IPv6 too:\n${last}`);
  });

  it('a record of another version is reported as incompatible; a malformed one is ignored', async () => {
    assert.equal(peers.length, HOSTS);
    const oldId = randomBytes(8).toString('hex');
    for (const txt of [['v=1', `id=${oldId}`], ['v=2', 'id=zz', 'fp=nothex']]) {
      const c = spawn('bash', [AVAHI, 'run', host(3), 'avahi-publish', '-s', `avahi ${txt[0]} ${txt[1]}`, '_udpchat._udp', '45456', ...txt], { env: ENV, stdio: ['pipe', 'pipe', 'pipe'] });
      c.on('error', () => undefined);
      extra.push(c);
    }
    await waitFor('peer 1 to report the v=1 record', () => peers[0].of('incompatible').find((l) => (l.peer as { id?: string }).id === oldId), 8000, peers);
    const inc = peers[0].of('incompatible').find((l) => (l.peer as { id?: string }).id === oldId)!.peer as Record<string, unknown>;
    assert.equal(inc.version, '1');
    assert.equal(inc.port, 45456);
    await waitFor('peer 2 to report it too', () => peers[1].of('incompatible').length > 0, 8000, peers);
    assert.equal(peers[0].of('discovered').length, HOSTS - 1, `only the two real peers are discovered\n${peers[0].describe()}`);
    assert.equal(peers[0].of('incompatible').length, 1, peers[0].describe());
  });

  it('setName re-announces: the others see the new name, with no lost in between', async () => {
    assert.equal(peers.length, HOSTS);
    const [p1, p2, p3] = peers;
    p1.send('name Ada Lovelace');
    for (const p of [p2, p3]) {
      await waitFor(`peer ${p.index} to see the new name`, () => p.of('discovered').find((l) => (l.peer as { id: string; name: string }).id === p1.id && (l.peer as { name: string }).name === 'Ada Lovelace'), 5000, peers);
    }
    // The old instance's goodbye follows the new announcement; a "lost" for it would also show in
    // the last test, which expects exactly one lost per peer.
    await sleep(300);
    for (const p of [p2, p3]) assert.deepEqual(p.of('lost'), [], p.describe());
    const renamed = (all: AvahiRecord[]) => all.some((x) => x.txt.get('id') === p1.id && x.txt.get('name') === 'Ada Lovelace');
    const out = await avahiBrowse(renamed);
    assert.ok(renamed(parseAvahi(out)), `avahi sees the new name:\n${out}`);
  });

  it('hostile or broken mDNS packets neither crash a peer nor become peers', async () => {
    assert.equal(peers.length, HOSTS);
    const fake = '0123456789abcdef';
    // From host 2: a PTR without SRV, a port-0 SRV with binary TXT, a record with control characters
    // in its name, a PTR to a bare name, goodbyes for unknown names, and a truncated DNS header.
    const script = `
      const mdns = require('multicast-dns')({ interface: '10.79.0.2', bind: '0.0.0.0' });
      const T = '_udpchat._udp.local';
      const pkts = [
        { answers: [{ name: T, type: 'PTR', ttl: 120, data: 'x.' + T }] },
        { answers: [{ name: T, type: 'PTR', ttl: 120, data: 'y.' + T }, { name: 'y.' + T, type: 'SRV', ttl: 120, data: { port: 0, target: 'h.local' } },
          { name: 'y.' + T, type: 'TXT', ttl: 120, data: [Buffer.from([0xff, 0xfe, 0x3d]), Buffer.from('v=2')] }] },
        { answers: [{ name: T, type: 'PTR', ttl: 120, data: 'z.' + T }, { name: 'z.' + T, type: 'SRV', ttl: 120, data: { port: 5, target: 'h.local' } },
          { name: 'z.' + T, type: 'TXT', ttl: 120, data: ['v=2', 'id=${fake}', 'fp=${'a'.repeat(32)}', 'name=' + '\\u0000'.repeat(300)] },
          { name: 'h.local', type: 'A', ttl: 120, data: '192.0.2.1' }] },
        { answers: [{ name: T, type: 'PTR', ttl: 120, data: 'weird' }, { name: 'weird', type: 'SRV', ttl: 120, data: { port: 5, target: '' } }] },
        { answers: [{ name: T, type: 'PTR', ttl: 0, data: 'nonexistent' }] },
        { answers: [{ name: T, type: 'PTR', ttl: 0, data: 'z.' + T }] },
      ];
      let i = 0;
      mdns.on('ready', function next() {
        if (i < pkts.length) { mdns.respond(pkts[i++], next); return; }
        const s = require('dgram').createSocket('udp4');
        s.send(Buffer.from([0, 0, 0x84, 0, 0, 0, 0, 1, 0xff, 0xff]), 5353, '224.0.0.251', () => { s.close(); mdns.destroy(); });
      });`;
    const r = spawnSync('ip', ['netns', 'exec', host(2), process.execPath, '-e', script], {
      env: { ...ENV, NODE_PATH: join(root, 'node_modules') }, encoding: 'utf8', timeout: 15_000,
    });
    assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
    // The one well-formed record (with a name of control characters) comes and goes; nothing else shows.
    await waitFor('peer 1 to see the fake record come and go', () => peers[0].of('lost').some((l) => l.id === fake), 5000, peers);
    const seen = peers[0].of('discovered').find((l) => (l.peer as { id: string }).id === fake)!.peer as { name: string; port: number };
    assert.deepEqual([seen.name, seen.port], ['UDP Chat', 5]);
    for (const p of peers) {
      assert.equal(p.exitCode, null, p.describe());
      assert.deepEqual(p.of('non-json'), [], p.describe());
      assert.deepEqual(p.of('discovered').map((l) => (l.peer as { id: string }).id).filter((id) => id !== fake && !peers.some((q) => q.id === id)), [], p.describe());
    }
  });

  it('a stopped peer says goodbye: the others report it lost', async () => {
    assert.equal(peers.length, HOSTS);
    const [p1, p2, p3] = peers;
    const t0 = Date.now();
    p1.send('stop');
    await waitFor('the others to report peer 1 lost', () => [p2, p3].every((p) => p.of('lost').some((l) => l.id === p1.id)), 5000, peers);
    console.log(`      lost after stop: ${[p2, p3].map((p) => p.of('lost').find((l) => l.id === p1.id)!.at - t0).join(', ')} ms`);
    await waitFor('peer 1 to exit', () => p1.exitCode !== null, 5000, peers);
    assert.equal(p1.exitCode, 0, p1.describe());
    assert.ok(p1.of('stopped').length === 1, p1.describe());
    for (const p of [p2, p3]) assert.deepEqual(p.of('lost').map((l) => l.id).filter((id) => id !== '0123456789abcdef'), [p1.id], p.describe());
  });
});
