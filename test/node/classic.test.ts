// First contact with the classic two-thread Python chat script (test/support/classic_chat.py), and
// between terminal peers that start in any order. Real processes, real UDP on 127.0.0.1.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import type { Proc } from './cliHarness';
import { buildCli, freePort, Procs, sleep } from './cliHarness';

const root = join(__dirname, '..', '..', '..');
const CLASSIC = join(root, 'test', 'support', 'classic_chat.py');
/** What the script printed from us, one entry per datagram, marks removed (trailing Unicode spaces). */
const friendLines = (p: Proc) => p.stdout.split('\n').filter((l) => l.startsWith('Friend: ')).map((l) => l.slice(8).trim());
const THREE_KB = 'ü'.repeat(500) + '€'.repeat(400) + 'z'.repeat(800); // 1000 + 1200 + 800 bytes

describe('first contact: the classic Python script and the terminal peer (real processes)', function () {
  this.timeout(60_000);
  let cli = '';
  const procs = new Procs();

  before(async function () {
    if (spawnSync('python3', ['--version']).error) throw new Error('python3 is needed for this test (Debian: apt-get install python3)');
    this.timeout(60_000);
    cli = await buildCli();
  });

  afterEach(async () => { await procs.killAll(); });

  async function classic(port: number, peerPort: number): Promise<Proc> {
    const p = procs.start('classic.py', 'python3', ['-u', CLASSIC, '127.0.0.1', String(port), '127.0.0.1', String(peerPort)],
      // Its stdout is a pipe here: print UTF-8 whatever the machine's locale (printing is not what is tested).
      { PYTHONIOENCODING: 'utf-8' });
    await procs.waitFor('the classic script to bind', () => p.stdout.includes('READY'));
    return p;
  }

  async function endClassic(py: Proc, word: string): Promise<void> {
    py.write(`${word}\n`);
    await procs.waitExit(py);
    assert.doesNotMatch(py.stdout, /RECEIVE THREAD DIED/, py.stdout);
    assert.match(py.stdout, /RECEIVE THREAD ALIVE/);
  }

  it('the terminal peer speaks first: the script gets one greeting and the message within 2 s, and its thread survives', async () => {
    const [portPy, portCli] = [await freePort(), await freePort()];
    const py = await classic(portPy, portCli);
    const c = procs.cli(cli, 'cli', ['--json', '-l', '127.0.0.1', '-p', String(portCli), '-P', `127.0.0.1:${portPy}`, '-n', 'Ada Lovelace']);
    await procs.waitFor('ready', () => c.of('ready').length > 0);
    const t0 = Date.now();
    c.write('hello from UDP Chat, grüß dich ✓\n');
    await procs.waitFor('the script to print the message', () => friendLines(py).includes('hello from UDP Chat, grüß dich ✓'), 4000);
    const took = Date.now() - t0;
    assert.ok(took < 2000, `took ${took} ms`);
    c.write(`${THREE_KB}\n`);
    await procs.waitFor('the 3,000-byte message', () => friendLines(py).join('').includes(THREE_KB));
    // The script answers: both directions, non-ASCII, a long line (it sends 3,000 bytes in one datagram).
    py.write('ça marche 😀\n');
    py.write(`${THREE_KB}\n`);
    await procs.waitFor('the CLI to show both lines', () => c.of('message').length >= 2);
    assert.deepEqual(c.of('message').map((e) => [e.text, e.plain]), [['ça marche 😀', true], [THREE_KB, true]]);
    c.write('quit\n');
    await procs.waitFor('the script to see the quit word', () => py.stdout.includes('FRIEND LEFT'));
    assert.equal(await procs.waitExit(c), 0);
    await sleep(300); // anything late would still reach the script now
    assert.equal(friendLines(py).filter((l) => l.includes('is using UDP Chat')).length, 1, 'one greeting line');
    assert.match(friendLines(py)[0], /^Ada Lovelace is using UDP Chat and would like to chat\. Type a line to reply\.$/);
    await endClassic(py, 'exit');
  });

  it('the script speaks first: exact text both ways; its quit word takes the CLI peer offline', async () => {
    const [portPy, portCli] = [await freePort(), await freePort()];
    const py = await classic(portPy, portCli);
    const c = procs.cli(cli, 'cli', ['--json', '-l', '127.0.0.1', '-p', String(portCli), '-P', `127.0.0.1:${portPy}`, '-n', 'ada']);
    await procs.waitFor('ready', () => c.of('ready').length > 0);
    py.write('hi, anyone there?\n');
    await procs.waitFor('the CLI to show it', () => c.of('message').length >= 1);
    assert.equal(c.of('message')[0].text, 'hi, anyone there?');
    c.write('yes: ünïcödé\n');
    c.write(`${THREE_KB}\n`);
    await procs.waitFor('the script to print both', () => friendLines(py).join('').includes(THREE_KB));
    assert.ok(friendLines(py).includes('yes: ünïcödé'));
    const pieces = py.stdout.split('\n').filter((l) => l.startsWith('Friend: ')).slice(-3);
    assert.ok(pieces.every((l) => Buffer.byteLength(l.slice(8)) <= 1024));
    py.write('bye bye\n');
    await procs.waitFor('the CLI to report the script offline', () => c.of('peer-offline').length > 0);
    assert.match(String(c.of('peer-offline')[0].reason), /bye bye/);
    await procs.waitExit(py);
    assert.doesNotMatch(py.stdout, /RECEIVE THREAD DIED/, py.stdout);
    assert.match(py.stdout, /RECEIVE THREAD ALIVE/);
    c.end();
    assert.equal(await procs.waitExit(c), 0);
  });

  it('the script starts after the CLI: what went before is lost (plain UDP stores nothing), the next lines are exact', async () => {
    // The line sent before the script ran is marked "sent as text"; once the script speaks it counts as
    // unconfirmed (it went to a plain program's address), and replies go out at once, exactly as typed.
    const [portPy, portCli] = [await freePort(), await freePort()];
    const c = procs.cli(cli, 'cli', ['--json', '-l', '127.0.0.1', '-p', String(portCli), '-P', `127.0.0.1:${portPy}`, '-n', 'ada']);
    await procs.waitFor('ready', () => c.of('ready').length > 0);
    c.write('into the void\n');
    await procs.waitFor('it to go out as text', () => c.of('textSent').length > 0, 3000);
    const py = await classic(portPy, portCli);
    py.write('now I am here\n');
    await procs.waitFor('the CLI to show it', () => c.of('message').length >= 1);
    assert.equal(c.of('unconfirmed').length, 1, 'the line sent before is now known to have gone to a plain peer');
    c.write('welcome\n');
    await procs.waitFor('the script to print it', () => friendLines(py).includes('welcome'));
    assert.equal(friendLines(py).filter((l) => l.includes('is using UDP Chat')).length, 0, 'the greeting went out before it ran');
    await endClassic(py, 'quit');
  });
});

describe('first contact between terminal peers (real processes)', function () {
  this.timeout(60_000);
  let cli = '';
  const procs = new Procs();
  before(async function () { this.timeout(60_000); cli = await buildCli(); });
  afterEach(async () => { await procs.killAll(); });

  function peer(label: string, port: number, peerPort: number): Proc {
    return procs.cli(cli, label, ['--json', '-l', '127.0.0.1', '-p', String(port), '-P', `127.0.0.1:${peerPort}`, '-n', label]);
  }

  async function expectReliable(sender: Proc, receiver: Proc, texts: string[]): Promise<void> {
    await procs.waitFor(`${receiver.label} to get ${texts.length} messages`, () => receiver.of('message').length >= texts.length, 15_000);
    await procs.waitFor(`${sender.label} to see them delivered`, () => sender.of('delivered').length >= texts.length, 15_000);
    assert.deepEqual(receiver.of('message').map((e) => e.text), texts, 'once each, in order');
    assert.ok(receiver.of('message').every((e) => e.plain === false), 'none shown as plain text');
    assert.equal(sender.of('unconfirmed').length, 0, 'nothing written off as unconfirmed');
    assert.equal(receiver.of('plain-peer').filter((e) => e.plain === true).length, 0);
  }

  it('an offline peer that starts late (past the text fallback) gets every queued message once, acknowledged', async () => {
    const [pa, pb] = [await freePort(), await freePort()];
    const a = peer('alice', pa, pb);
    await procs.waitFor('alice ready', () => a.of('ready').length > 0);
    const texts = ['one', 'two — ü', 'three'];
    a.write(texts.map((t) => `${t}\n`).join(''));
    await procs.waitFor('alice to send them as text (bob may be a plain program)', () => a.of('textSent').length === 3, 3000);
    await sleep(2500); // well past the fallback delay
    const b = peer('bob', pb, pa);
    await expectReliable(a, b, texts);
  });

  it('two peers started at the same moment, both typing at once', async () => {
    const [pa, pb] = [await freePort(), await freePort()];
    const a = peer('alice', pa, pb);
    const b = peer('bob', pb, pa);
    const fromA = ['a1', 'a2', 'a3'];
    const fromB = ['b1', 'b2'];
    a.write(fromA.map((t) => `${t}\n`).join(''));
    b.write(fromB.map((t) => `${t}\n`).join(''));
    await expectReliable(a, b, fromA);
    await expectReliable(b, a, fromB);
  });
});
