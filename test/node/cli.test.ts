// The terminal peer as a user runs it: real processes, real UDP on 127.0.0.1, OpenBSD nc as the
// plain-text peer. Every wait is bounded and prints both sides' output when it times out.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as dgram from 'node:dgram';
import type { Proc } from './cliHarness';
import { buildCli, freePort, Procs, STACK_TRACE } from './cliHarness';

function hasNc(): boolean {
  return spawnSync('nc', ['-h'], { stdio: 'ignore' }).error === undefined;
}

describe('terminal peer (real processes, real UDP)', function () {
  this.timeout(40_000);
  let cli = '';
  const procs = new Procs();

  before(async function () {
    this.timeout(60_000);
    cli = await buildCli();
  });

  afterEach(async () => { await procs.killAll(); });

  /** Two JSON-mode peers on free loopback ports, both online. */
  async function pair(): Promise<{ a: Proc; b: Proc; portA: number; portB: number }> {
    const portA = await freePort();
    const portB = await freePort();
    const a = procs.cli(cli, 'alice', ['--json', '-l', '127.0.0.1', '-p', String(portA), '-P', `127.0.0.1:${portB}`, '-n', 'alice']);
    const b = procs.cli(cli, 'bob', ['--json', '--local=127.0.0.1', `--port=${portB}`, `--peer=127.0.0.1:${portA}`, '--name=bob']);
    await procs.waitFor('alice and bob to see each other online', () => a.of('peer-online').length > 0 && b.of('peer-online').length > 0);
    return { a, b, portA, portB };
  }

  it('CLI ↔ CLI in --json mode: ready, presence, both directions in order, delivered for every id', async () => {
    const { a, b, portA, portB } = await pair();
    assert.deepEqual(a.of('ready')[0], { event: 'ready', local: `127.0.0.1:${portA}`, peer: `127.0.0.1:${portB}`, name: 'alice', plain: false });
    assert.equal(a.of('peer-online')[0].name, 'bob');
    assert.equal(b.of('peer-online')[0].name, 'alice');

    const fromA = Array.from({ length: 20 }, (_, i) => `a→b ${i} ünïcode`);
    const fromB = Array.from({ length: 20 }, (_, i) => `b→a ${i}`);
    a.write(fromA.map((t) => `${t}\n`).join('') + '{"text":"two\\nlines"}\n');
    b.write(fromB.map((t) => `${t}\n`).join(''));
    fromA.push('two\nlines');

    for (const [sender, receiver, texts] of [[a, b, fromA], [b, a, fromB]] as const) {
      await procs.waitFor(`${receiver.label} to receive ${texts.length} messages`, () => receiver.of('message').length >= texts.length);
      await procs.waitFor(`${sender.label} to see every message delivered`, () => sender.of('delivered').length >= texts.length);
      const accepted = sender.of('accepted');
      assert.deepEqual(accepted.map((e) => e.text), texts, `${sender.label} accepted its lines in order`);
      const ids = accepted.map((e) => e.id as string);
      assert.equal(new Set(ids).size, ids.length, 'ids are unique');
      assert.deepEqual(new Set(sender.of('delivered').map((e) => e.id)), new Set(ids), `${sender.label}: a delivered event for each id`);
      assert.equal(sender.of('failed').length, 0);
      const got = receiver.of('message');
      assert.deepEqual(got.map((e) => e.text), texts, `${receiver.label} got them in order, once`);
      assert.ok(got.every((e) => e.from === sender.label && e.plain === false && typeof e.sentAt === 'number' && (e.sentAt as number) > 0));
    }
    assert.equal(a.stderr, '', 'nothing on stderr');
  });

  it('Ctrl-D (end of stdin) sends bye: the other side reports peer-offline; exit 0 with bye and stats events', async () => {
    const { a, b } = await pair();
    a.end();
    assert.equal(await procs.waitExit(a), 0);
    const off = await procs.waitFor('bob to report alice offline', () => b.of('peer-offline')[0]);
    assert.equal(off.reason, 'stdin closed');
    const tail = a.events.slice(-2).map((e) => e.event);
    assert.deepEqual(tail, ['bye', 'stats']);
    const stats = a.of('stats')[0];
    for (const k of ['retransmissions', 'fastRetransmits', 'timeouts', 'datagramsSent', 'duplicatesDropped', 'rto', 'srtt']) assert.ok(k in stats, `stats has ${k}`);
  });

  it('SIGTERM ends cleanly: bye to the peer, exit 0', async () => {
    const { a, b } = await pair();
    a.child.kill('SIGTERM');
    assert.equal(await procs.waitExit(a), 0);
    const off = await procs.waitFor('bob to report alice offline', () => b.of('peer-offline')[0]);
    assert.equal(off.reason, 'terminated');
  });

  it('piped input (printf "hi\\n" | udp-chat) is delivered before exit even when the peer starts later', async () => {
    const portA = await freePort();
    const portB = await freePort();
    // Interactive (non-JSON) mode, stdin closed at once: it must wait for the peer and the delivery.
    const b = procs.cli(cli, 'bob', ['-l', '127.0.0.1', '-p', String(portB), '-P', `127.0.0.1:${portA}`, '-n', 'bob']);
    b.write('hi\nsecond line \\\ncontinued\n');
    b.end();
    await procs.waitFor('bob to say it is listening', () => b.stdout.includes(`Listening on 127.0.0.1:${portB}, chatting with 127.0.0.1:${portA}`));
    await procs.waitFor('the lines to go out as text (first contact)', () => /sent as text/.test(b.stdout), 5000);
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(b.exitCode, null, 'bob waits for its pending messages instead of exiting');
    const a = procs.cli(cli, 'alice', ['--json', '-l', '127.0.0.1', '-p', String(portA), '-P', `127.0.0.1:${portB}`, '-n', 'alice']);
    await procs.waitFor('alice to receive both messages', () => a.of('message').length >= 2, 15_000);
    assert.deepEqual(a.of('message').map((e) => e.text), ['hi', 'second line \ncontinued']);
    assert.equal(await procs.waitExit(b, 10_000), 0);
    assert.match(b.stdout, /✓ delivered: hi/);
    assert.match(b.stdout, /session ended \(end of input\): 2 sent, 2 delivered/);
    await procs.waitFor('alice to see bob go offline', () => a.of('peer-offline').length > 0);
  });

  describe('with nc -u (OpenBSD netcat) as a plain-text peer', function () {
    before(function () { if (!hasNc()) this.skip(); });

    it('--plain ↔ nc -u -l: text both ways, no protocol bytes, quit from nc marks the peer offline', async () => {
      const ncPort = await freePort();
      const nc = procs.start('nc', 'nc', ['-u', '-l', '127.0.0.1', String(ncPort)]);
      await new Promise((r) => setTimeout(r, 300)); // nc has no ready signal; give it time to bind
      const c = procs.cli(cli, 'cli', ['--json', '--plain', '-l', '127.0.0.1', '-p', '0', '-P', `127.0.0.1:${ncPort}`]);
      await procs.waitFor('ready', () => c.of('ready')[0]);
      c.write('hello nc ✓\n');
      await procs.waitFor('nc to print the line', () => nc.stdout.includes('hello nc ✓'));
      assert.ok(!nc.stdout.includes('UDP Chat'), `plain mode must send no hello: ${JSON.stringify(nc.stdout)}`);
      const id = c.of('accepted')[0].id;
      assert.deepEqual(c.of('unconfirmed').map((e) => e.id), [id]);
      nc.write('hi from nc\n');
      const m = await procs.waitFor('the CLI to receive nc text', () => c.of('message')[0]);
      assert.equal(m.text, 'hi from nc');
      assert.equal(m.plain, true);
      nc.write('quit\n');
      const off = await procs.waitFor('the CLI to report the peer offline', () => c.of('peer-offline')[0]);
      assert.match(String(off.reason), /quit/);
    });

    it('auto-detects a plain peer without --plain (nc -u -p SRC): text both ways, "bye bye" marks it offline', async () => {
      const cliPort = await freePort();
      const ncPort = await freePort();
      const c = procs.cli(cli, 'cli', ['--json', '-l', '127.0.0.1', '-p', String(cliPort), '-P', `127.0.0.1:${ncPort}`]);
      await procs.waitFor('ready', () => c.of('ready')[0]);
      const nc = procs.start('nc', 'nc', ['-u', '-p', String(ncPort), '127.0.0.1', String(cliPort)]);
      nc.write('hi from nc\n');
      await procs.waitFor('the CLI to detect a plain peer', () => c.of('plain-peer')[0]?.plain === true);
      const m = await procs.waitFor('the CLI to receive nc text', () => c.of('message')[0]);
      assert.deepEqual([m.text, m.plain, m.from], ['hi from nc', true, `127.0.0.1:${ncPort}`]);
      c.write('reply to nc\n');
      await procs.waitFor('nc to print the reply', () => nc.stdout.includes('reply to nc'));
      await procs.waitFor('the reply to be unconfirmed (plain)', () => c.of('unconfirmed').length === 1);
      nc.write('bye bye\n');
      const off = await procs.waitFor('the CLI to report the peer offline', () => c.of('peer-offline')[0]);
      assert.match(String(off.reason), /bye bye/);
    });
  });

  describe('errors: one clear line, the right exit status, no stack trace', () => {
    it('a bad flag exits 2 with the error and the usage on stderr', async () => {
      const p = procs.cli(cli, 'bad', ['--peer', '127.0.0.1:5', '--frobnicate']);
      assert.equal(await procs.waitExit(p), 2);
      assert.match(p.stderr, /^udp-chat: Unknown option "--frobnicate"\./);
      assert.match(p.stderr, /Usage: udp-chat \[options\]/);
      assert.match(p.stderr, /udp-chat --peer HOST:PORT \[options\]/);
      assert.equal(p.stdout, '');
      assert.doesNotMatch(p.stderr, STACK_TRACE);
    });

    it('a bad peer address exits 2', async () => {
      const p = procs.cli(cli, 'bad', ['--peer', '999.1.1.1:5']);
      assert.equal(await procs.waitExit(p), 2);
      assert.match(p.stderr, /--peer: "999.1.1.1" is not a valid IPv4 address/);
    });

    it('a port in use exits 1 with a clear message (and an error event in --json)', async () => {
      const holder = dgram.createSocket('udp4');
      await new Promise<void>((r) => holder.bind(0, '127.0.0.1', () => r()));
      const port = holder.address().port;
      try {
        const p = procs.cli(cli, 'busy', ['-l', '127.0.0.1', '-p', String(port), '-P', '127.0.0.1:9']);
        assert.equal(await procs.waitExit(p), 1);
        assert.equal(p.stderr.trim(), `udp-chat: UDP port ${port} is already in use on 127.0.0.1 (another chat or program has it).`);
        const j = procs.cli(cli, 'busy-json', ['--json', '-l', '127.0.0.1', '-p', String(port), '-P', '127.0.0.1:9']);
        assert.equal(await procs.waitExit(j), 1);
        assert.deepEqual(j.events.map((e) => [e.event, e.code]), [['error', 'EADDRINUSE']]);
        assert.doesNotMatch(p.stderr + j.stderr, STACK_TRACE);
      } finally {
        holder.close();
      }
    });

    it('an unresolvable peer host exits 1 with a clear message', async () => {
      const p = procs.cli(cli, 'nxdomain', ['-l', '127.0.0.1', '-p', '0', '-P', 'no-such-peer.invalid:50505']);
      assert.equal(await procs.waitExit(p, 15_000), 1);
      assert.match(p.stderr, /^udp-chat: The peer host "no-such-peer.invalid" does not resolve \(\w+\)/);
      assert.equal(p.stderr.trim().split('\n').length, 1, 'one line');
      assert.doesNotMatch(p.stderr, STACK_TRACE);
    });

    it('mixed address families (IPv6 local, IPv4 peer, and the reverse) are refused at start, exit 1', async () => {
      for (const [local, peer, want] of [['::1', '127.0.0.1:9', /is IPv6, but the peer 127\.0\.0\.1:9 is IPv4/], ['127.0.0.1', '[::1]:9', /is IPv4, but the peer \[::1\]:9 is IPv6/]] as const) {
        const p = procs.cli(cli, `family ${local}`, ['-l', local, '-p', '0', '-P', peer]);
        assert.equal(await procs.waitExit(p), 1);
        assert.match(p.stderr, want);
        assert.doesNotMatch(p.stderr, STACK_TRACE);
        assert.equal(p.stdout, '', 'nothing started, nothing printed');
      }
    });

    it('a stdin line over the 1 MiB limit is refused early, not echoed, and not buffered (64 MiB line)', async () => {
      const peerPort = await freePort();
      const c = procs.cli(cli, 'huge', ['--json', '-l', '127.0.0.1', '-p', '0', '-P', `127.0.0.1:${peerPort}`]);
      await procs.waitFor('ready', () => c.of('ready').length > 0);
      const chunk = 'x'.repeat(1024 * 1024);
      for (let i = 0; i < 64; i++) {
        if (!c.child.stdin.write(chunk)) await new Promise((r) => c.child.stdin.once('drain', r));
      }
      c.write('\nafter the huge line\n');
      await procs.waitFor('the error and the next line', () => c.of('accepted').length > 0, 30_000);
      const status = require('node:fs').readFileSync(`/proc/${c.child.pid}/status`, 'utf8') as string;
      const peakKb = Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
      assert.deepEqual(c.of('error').map((e) => [e.code, e.message]), [['EMSGSIZE', `A line of ${64 * 1024 * 1024} bytes was not sent: a message can be at most 1048576 bytes (1 MiB).`]]);
      assert.deepEqual(c.of('accepted').map((e) => e.text), ['after the huge line']);
      assert.ok(c.stdout.length < 10_000, `stdout is ${c.stdout.length} bytes: the line was echoed`);
      console.log(`      64 MiB stdin line: peak RSS of the terminal peer ${Math.round(peakKb / 1024)} MiB`);
      assert.ok(peakKb > 0 && peakKb < 250 * 1024, `peak RSS ${Math.round(peakKb / 1024)} MiB: the line was buffered`);
      // A 2 MiB message in the JSON form, under the line limit but over the message limit: refused, not echoed.
      c.write(`${JSON.stringify({ text: 'é'.repeat(1024 * 1024) })}\n`);
      await procs.waitFor('the second error', () => c.of('error').length === 2);
      assert.equal(c.of('accepted').length, 1);
      assert.match(String(c.of('error')[1].message), /too large: 2097152 bytes/);
    });

    it('interactive mode with piped input refuses an oversize line with one clear line', async () => {
      const peerPort = await freePort();
      const c = procs.cli(cli, 'huge-i', ['-l', '127.0.0.1', '-p', '0', '-P', `127.0.0.1:${peerPort}`]);
      c.write(`${'y'.repeat(3 * 1024 * 1024)}\nsmall\n`);
      await procs.waitFor('the refusal', () => /A line of 3145728 bytes was not sent/.test(c.stdout));
      assert.ok(c.stdout.length < 10_000);
    });

    it('a local address that is not on this machine exits 1', async () => {
      const p = procs.cli(cli, 'notmine', ['-l', '192.0.2.1', '-p', '0', '-P', '127.0.0.1:9']);
      assert.equal(await procs.waitExit(p), 1);
      assert.match(p.stderr, /^udp-chat: 192\.0\.2\.1 is not an address of this machine/);
      assert.doesNotMatch(p.stderr, STACK_TRACE);
    });
  });
});
