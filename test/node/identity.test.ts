// Identity keys and wire v2 with real processes and real UDP on 127.0.0.1: encrypted by default,
// the same safety number on both sides, a peer restarted on another port is the same person,
// spoofed datagrams (raw IP socket, forged source) never show, and a first-version peer is told
// to update.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as dgram from 'node:dgram';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildCli, freePort, Procs } from './cliHarness';

const root = join(__dirname, '..', '..', '..');

/** Sends UDP datagrams with a forged source address and port through a raw IP socket (needs root). */
function spoof(srcPort: number, dstPort: number, payloads: Buffer[]): { ok: boolean; why?: string } {
  const script = `
import socket, struct, sys, base64
def csum(b):
    if len(b) % 2: b += b'\\0'
    s = sum(struct.unpack('!%dH' % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xffff); s += s >> 16
    return ~s & 0xffff
src, dst = '127.0.0.1', '127.0.0.1'
sp, dp = int(sys.argv[1]), int(sys.argv[2])
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
for line in sys.stdin.read().split():
    data = base64.b64decode(line)
    udp = struct.pack('!HHHH', sp, dp, 8 + len(data), 0) + data
    pseudo = socket.inet_aton(src) + socket.inet_aton(dst) + struct.pack('!BBH', 0, 17, len(udp))
    udp = udp[:6] + struct.pack('!H', csum(pseudo + udp) or 0xffff) + udp[8:]
    ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(udp), 0, 0, 64, 17, 0, socket.inet_aton(src), socket.inet_aton(dst))
    s.sendto(ip + udp, (dst, 0))
`;
  const r = spawnSync('python3', ['-c', script, String(srcPort), String(dstPort)], { input: payloads.map((p) => p.toString('base64')).join('\n') });
  return r.status === 0 ? { ok: true } : { ok: false, why: r.stderr.toString() };
}

describe('terminal peer: identity keys and wire v2 (real processes)', function () {
  this.timeout(60_000);
  let cli = '';
  const procs = new Procs();
  before(async function () { this.timeout(60_000); cli = await buildCli(); });
  afterEach(async () => { await procs.killAll(); });

  it('two terminal peers without a passphrase: an encrypted session, the same safety number on both sides, an identity file only the owner reads', async () => {
    const [pa, pb] = [await freePort(), await freePort()];
    const home = mkdtempSync(join(tmpdir(), 'udp-chat-home-'));
    const a = procs.cli(cli, 'alice', ['--json', '-l', '127.0.0.1', '-p', String(pa), '-P', `127.0.0.1:${pb}`, '-n', 'alice'], { UDP_CHAT_HOME: home });
    const b = procs.cli(cli, 'bob', ['--json', '-l', '127.0.0.1', '-p', String(pb), '-P', `127.0.0.1:${pa}`, '-n', 'bob']);
    await procs.waitFor('both secured', () => a.of('secured').length > 0 && b.of('secured').length > 0);
    const [sa, sb] = [a.of('secured')[0], b.of('secured')[0]];
    assert.equal(sa.fingerprint, sb.fingerprint);
    assert.match(String(sa.fingerprint), /^\d{5}( \d{5}){5}$/);
    assert.equal(sa.firstContact, true);
    assert.notEqual(sa.person, sb.person);
    a.write('hello bob\n');
    await procs.waitFor('bob reads it, encrypted', () => b.of('message').find((e) => e.text === 'hello bob' && e.encrypted === true));
    assert.equal(statSync(join(home, 'identity.json')).mode & 0o777, 0o600);
  });

  it('a peer restarted on another port with the same identity file is the same person: no key warning, the conversation goes on', async () => {
    const [pa, pb1, pb2] = [await freePort(), await freePort(), await freePort()];
    const bobHome = mkdtempSync(join(tmpdir(), 'udp-chat-home-'));
    const a = procs.cli(cli, 'alice', ['--json', '-l', '127.0.0.1', '-p', String(pa), '-P', `127.0.0.1:${pb1}`, '-n', 'alice']);
    const b1 = procs.cli(cli, 'bob', ['--json', '-l', '127.0.0.1', '-p', String(pb1), '-P', `127.0.0.1:${pa}`, '-n', 'bob'], { UDP_CHAT_HOME: bobHome });
    await procs.waitFor('secured', () => a.of('secured').length > 0 && b1.of('secured').length > 0);
    const person = a.of('secured')[0].person;
    b1.write('first run\n');
    await procs.waitFor('alice reads the first run', () => a.of('message').some((e) => e.text === 'first run'));
    b1.child.kill('SIGKILL');
    await b1.exited;
    // Same identity (same UDP_CHAT_HOME), another port.
    const b2 = procs.cli(cli, 'bob again', ['--json', '-l', '127.0.0.1', '-p', String(pb2), '-P', `127.0.0.1:${pa}`, '-n', 'bob'], { UDP_CHAT_HOME: bobHome });
    b2.write('second run, new port\n');
    await procs.waitFor('alice reads the second run', () => a.of('message').some((e) => e.text === 'second run, new port'), 20_000);
    assert.equal(a.of('key-changed').length, 0, 'no key warning: it is the same key');
    assert.ok(a.of('notice').some((e) => /now writes from 127\.0\.0\.1:/.test(String(e.text))), 'alice is told the peer moved');
    assert.ok(a.of('secured').every((e) => e.person === person), 'only ever this person');
    // Alice's replies now go to the new port.
    a.write('welcome back\n');
    await procs.waitFor('bob (new port) reads the reply', () => b2.of('message').some((e) => e.text === 'welcome back'));
  });

  it('a peer with a new identity key at a known address: a key-change warning, nothing shown until accepted', async () => {
    const [pa, pb] = [await freePort(), await freePort()];
    const a = procs.cli(cli, 'alice', ['--json', '-l', '127.0.0.1', '-p', String(pa), '-P', `127.0.0.1:${pb}`, '-n', 'alice']);
    const b1 = procs.cli(cli, 'bob', ['--json', '-l', '127.0.0.1', '-p', String(pb), '-P', `127.0.0.1:${pa}`, '-n', 'bob']);
    await procs.waitFor('secured', () => a.of('secured').length > 0);
    b1.child.kill('SIGKILL');
    await b1.exited;
    const b2 = procs.cli(cli, 'new bob', ['--json', '-l', '127.0.0.1', '-p', String(pb), '-P', `127.0.0.1:${pa}`, '-n', 'bob']);
    b2.write('it is me, really\n');
    await procs.waitFor('the warning', () => a.of('key-changed')[0], 20_000);
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(a.of('message').length, 0, 'nothing from the new key before it is accepted');
    a.write('{"command":"accept-key"}\n');
    await procs.waitFor('the message after accepting', () => a.of('message').some((e) => e.text === 'it is me, really'), 20_000);
  });

  it('spoofed datagrams with the peer\'s source address (raw IP socket) never show as the peer\'s', async function () {
    const [pa, pb] = [await freePort(), await freePort()];
    const a = procs.cli(cli, 'alice', ['--json', '-l', '127.0.0.1', '-p', String(pa), '-P', `127.0.0.1:${pb}`, '-n', 'alice']);
    const b = procs.cli(cli, 'bob', ['--json', '-l', '127.0.0.1', '-p', String(pb), '-P', `127.0.0.1:${pa}`, '-n', 'bob']);
    await procs.waitFor('online', () => a.of('peer-online').length > 0 && b.of('peer-online').length > 0);
    const forged: Buffer[] = [Buffer.from('SPOOFED plain line\n')];
    for (let i = 0; i < 50; i++) {
      const t = Buffer.alloc(60, i);
      Buffer.from([0xf5, 0x55, 0x43, 2, 0x15, 0]).copy(t, 0);
      t.writeUInt32BE((Math.random() * 2 ** 32) >>> 0, 6);
      forged.push(t);
    }
    forged.push(Buffer.from('SPOOFED quit\n'), Buffer.from('quit\n'));
    // First prove the forgery works: a plain socket receives it with bob's address as the source.
    const probe = dgram.createSocket('udp4');
    const probePort = await new Promise<number>((res) => probe.bind(0, '127.0.0.1', () => res(probe.address().port)));
    const seen = new Promise<dgram.RemoteInfo>((res) => probe.once('message', (_m, ri) => res(ri)));
    const p = spoof(pb, probePort, [Buffer.from('probe')]);
    if (!p.ok) assert.fail(`raw socket unavailable: ${p.why}`);
    const ri = await Promise.race([seen, new Promise<undefined>((res) => setTimeout(() => res(undefined), 3000))]);
    probe.close();
    assert.equal(ri?.port, pb, 'the spoofed datagram arrives with the forged source port');
    const r = spoof(pb, pa, forged);
    if (!r.ok) assert.fail(`raw socket unavailable: ${r.why}`);
    b.write('genuine\n');
    await procs.waitFor('the genuine message', () => a.of('message').some((e) => e.text === 'genuine'));
    await new Promise((res) => setTimeout(res, 500));
    assert.deepEqual(a.of('message').map((e) => e.text), ['genuine']);
    assert.equal(a.of('peer-offline').length, 0, 'a spoofed quit does not end the conversation');
  });

  it('a first-version peer (wire protocol 1) is told to update, and we say it runs an older UDP Chat', async () => {
    const [pa, pv] = [await freePort(), await freePort()];
    const a = procs.cli(cli, 'alice', ['--json', '-l', '127.0.0.1', '-p', String(pa), '-P', `127.0.0.1:${pv}`, '-n', 'alice']);
    const v1 = procs.start('v1', process.execPath, [join(root, 'test', 'fixtures', 'v1', 'udp-chat-v1.cjs'), '--json', '-l', '127.0.0.1', '-p', String(pv), '-P', `127.0.0.1:${pa}`, '-n', 'old']);
    // Whoever started first, the other's greeting may have been lost: the v1 user types.
    await procs.waitFor('both ready', () => a.of('ready').length > 0 && v1.of('ready').length > 0);
    await new Promise((r) => setTimeout(r, 300));
    v1.write('hello from v1\n');
    await procs.waitFor('we say it is older', () => a.of('notice').find((e) => /older UDP Chat \(protocol 1\)/.test(String(e.text))), 15_000);
    await procs.waitFor('the v1 peer is told to update', () => v1.of('notice').find((e) => /version 2/.test(String(e.text)) && /[Uu]pdate/.test(String(e.text))), 15_000);
    // Meanwhile they can still talk as plain text, both ways.
    await procs.waitFor('v1 text shown', () => a.of('message').some((e) => e.text === 'hello from v1' && e.encrypted === false), 15_000);
    a.write('hello old friend\n');
    await procs.waitFor('v1 shows our line', () => v1.of('message').some((e) => e.text === 'hello old friend'), 15_000);
  });

  it('one dual-stack socket: a peer that moves from IPv4 to IPv6 (same identity) stays the same conversation', async () => {
    const [pa, pb1, pb2] = [await freePort(), await freePort(), await freePort()];
    const bobHome = mkdtempSync(join(tmpdir(), 'udp-chat-home-'));
    // Alice binds no address: one socket on :: for IPv4 and IPv6 peers.
    const a = procs.cli(cli, 'alice', ['--json', '-p', String(pa), '-P', `127.0.0.1:${pb1}`, '-n', 'alice']);
    const b4 = procs.cli(cli, 'bob v4', ['--json', '-l', '127.0.0.1', '-p', String(pb1), '-P', `127.0.0.1:${pa}`, '-n', 'bob'], { UDP_CHAT_HOME: bobHome });
    await procs.waitFor('secured over IPv4', () => a.of('secured').length > 0 && b4.of('secured').length > 0);
    assert.match(String(a.of('ready')[0].local), /^\[::\]:/, 'alice listens on the dual-stack ::');
    b4.write('over IPv4\n');
    await procs.waitFor('IPv4 message', () => a.of('message').some((e) => e.text === 'over IPv4'));
    b4.child.kill('SIGKILL');
    await b4.exited;
    const b6 = procs.cli(cli, 'bob v6', ['--json', '-l', '::1', '-p', String(pb2), '-P', `[::1]:${pa}`, '-n', 'bob'], { UDP_CHAT_HOME: bobHome });
    b6.write('over IPv6\n');
    await procs.waitFor('IPv6 message', () => a.of('message').some((e) => e.text === 'over IPv6'), 20_000);
    assert.equal(a.of('key-changed').length, 0);
    assert.ok(a.of('notice').some((e) => new RegExp(`now writes from \\[::1\\]:${pb2}`).test(String(e.text))), 'alice follows bob to IPv6');
    a.write('reply over IPv6\n');
    await procs.waitFor('the reply reaches bob over IPv6', () => b6.of('message').some((e) => e.text === 'reply over IPv6'));
  });

  it('two terminal peers sharing one identity file are told so, with the way out', async () => {
    const [pa, pb] = [await freePort(), await freePort()];
    const home = mkdtempSync(join(tmpdir(), 'udp-chat-home-'));
    const a = procs.cli(cli, 'alice', ['--json', '-l', '127.0.0.1', '-p', String(pa), '-P', `127.0.0.1:${pb}`, '-n', 'alice'], { UDP_CHAT_HOME: home });
    const b = procs.cli(cli, 'bob', ['--json', '-l', '127.0.0.1', '-p', String(pb), '-P', `127.0.0.1:${pa}`, '-n', 'bob'], { UDP_CHAT_HOME: home });
    await procs.waitFor('the own-key notice', () => [...a.of('notice'), ...b.of('notice')].find((e) => /your own identity key/.test(String(e.text)) && /--identity/.test(String(e.text))), 15_000);
    assert.equal(a.of('secured').length + b.of('secured').length, 0);
  });

  it('peers started at the same moment with no identity file yet end up with one key, the one in the file', async () => {
    const esbuild = await import('esbuild');
    const dir = mkdtempSync(join(tmpdir(), 'udp-chat-race-'));
    const script = join(dir, 'load.js');
    await esbuild.build({
      // Every process spins until the same instant, then loads: the starts really overlap.
      stdin: { contents: "import { loadOrCreateIdentity } from './src/cli/identityFile'; const at = Number(process.argv[3]); while (Date.now() < at) { /* wait */ } process.stdout.write(loadOrCreateIdentity(process.argv[2]).identity.publicKey.toString('hex'));", resolveDir: root, loader: 'ts' },
      outfile: script, bundle: true, platform: 'node', format: 'cjs', logLevel: 'error',
    });
    const file = join(dir, 'home', 'identity.json');
    const at = Date.now() + 1500;
    const runs = Array.from({ length: 8 }, () => new Promise<string>((resolve, reject) => {
      const c = spawn(process.execPath, [script, file, String(at)]);
      let out = '';
      c.stdout.on('data', (d: Buffer) => { out += d.toString(); });
      c.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`exit ${code}`))));
    }));
    const keys = new Set(await Promise.all(runs));
    assert.equal(keys.size, 1, `${keys.size} different keys from 8 concurrent starts`);
    const stored = JSON.parse(readFileSync(file, 'utf8')) as { publicKey: string };
    assert.equal(Buffer.from(stored.publicKey, 'base64').toString('hex'), [...keys][0]);
  });
});
