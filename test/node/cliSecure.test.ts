// The terminal peer's encrypted sessions: real processes, real UDP on 127.0.0.1.
import assert from 'node:assert/strict';
import * as dgram from 'node:dgram';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildCli, freePort, Procs, STACK_TRACE } from './cliHarness';

describe('terminal peer: encrypted sessions', function () {
  this.timeout(40_000);
  let cli = '';
  const procs = new Procs();
  const dir = mkdtempSync(join(tmpdir(), 'udp-chat-pass-'));
  const passFile = (name: string, pass: string) => { const f = join(dir, name); writeFileSync(f, `${pass}\n`); return f; };

  before(async function () { this.timeout(60_000); cli = await buildCli(); });
  afterEach(async () => { await procs.killAll(); });

  async function pair(passA: string, passB: string) {
    const portA = await freePort();
    const portB = await freePort();
    // A tap between them: every datagram goes through this relay, which keeps a copy.
    const relayA = dgram.createSocket('udp4'); // alice talks to relayA, relayA forwards to bob
    const relayB = dgram.createSocket('udp4');
    await new Promise<void>((r) => relayA.bind(0, '127.0.0.1', () => r()));
    await new Promise<void>((r) => relayB.bind(0, '127.0.0.1', () => r()));
    const wire: Buffer[] = [];
    relayA.on('message', (m) => { wire.push(m); relayB.send(m, portB, '127.0.0.1'); });
    relayB.on('message', (m) => { wire.push(m); relayA.send(m, portA, '127.0.0.1'); });
    const a = procs.cli(cli, 'alice', ['--json', '-l', '127.0.0.1', '-p', String(portA), '-P', `127.0.0.1:${relayA.address().port}`, '-n', 'alice', '--passphrase-file', passFile('a', passA)]);
    const b = procs.cli(cli, 'bob', ['--json', '-l', '127.0.0.1', '-p', String(portB), '-P', `127.0.0.1:${relayB.address().port}`, '-n', 'bob', '--passphrase-file', passFile('b', passB)]);
    const close = () => { relayA.close(); relayB.close(); };
    return { a, b, wire, close };
  }

  it('same passphrase: same fingerprint on both sides, messages both ways, no plaintext on the wire', async () => {
    const { a, b, wire, close } = await pair('a shared secret', 'a shared secret');
    try {
      await procs.waitFor('both secured', () => a.of('secured').length > 0 && b.of('secured').length > 0);
      assert.equal(a.of('secured')[0].fingerprint, b.of('secured')[0].fingerprint);
      await procs.waitFor('both online', () => a.of('peer-online').length > 0 && b.of('peer-online').length > 0);
      a.write('CONFIDENTIAL-ALPHA\n');
      b.write('CONFIDENTIAL-BRAVO\n');
      await procs.waitFor('bob reads alice', () => b.of('message').some((e) => e.text === 'CONFIDENTIAL-ALPHA'));
      await procs.waitFor('alice reads bob', () => a.of('message').some((e) => e.text === 'CONFIDENTIAL-BRAVO'));
      await procs.waitFor('delivered', () => a.of('delivered').length === 1 && b.of('delivered').length === 1);
      const all = Buffer.concat(wire);
      assert.ok(wire.length > 4, 'the relay saw the traffic');
      assert.equal(all.includes(Buffer.from('CONFIDENTIAL')), false, 'plaintext leaked onto the wire');
    } finally { close(); }
  });

  it('wrong passphrase: both sides say "passphrase mismatch?" and nothing is delivered', async () => {
    const { a, b, close } = await pair('a shared secret', 'another secret!');
    try {
      a.write('must not arrive\n');
      await procs.waitFor('mismatch notices on both sides', () =>
        a.of('notice').some((e) => /passphrase mismatch\?/.test(String(e.text))) && b.of('notice').some((e) => /passphrase mismatch\?/.test(String(e.text))), 15_000);
      assert.equal(b.of('message').length, 0);
      assert.equal(a.of('secured').length + b.of('secured').length, 0);
    } finally { close(); }
  });

  it('a missing passphrase file or a short passphrase exits 1 with one clear line', async () => {
    const port = await freePort();
    const p = procs.cli(cli, 'nofile', ['-P', `127.0.0.1:${port}`, '--passphrase-file', join(dir, 'nope.txt')]);
    assert.equal(await procs.waitExit(p), 1);
    assert.match(p.stderr, /cannot read the passphrase file .*nope\.txt: ENOENT/);
    const q = procs.cli(cli, 'short', ['-P', `127.0.0.1:${port}`, '--passphrase-file', passFile('short', 'abc')]);
    assert.equal(await procs.waitExit(q), 1);
    assert.match(q.stderr, /at least 8 characters/);
    assert.doesNotMatch(p.stderr + q.stderr, STACK_TRACE);
  });

  it('--passphrase without a terminal is a usage error', async () => {
    const port = await freePort();
    const p = procs.cli(cli, 'notty', ['-P', `127.0.0.1:${port}`, '--passphrase']);
    assert.equal(await procs.waitExit(p), 2);
    assert.match(p.stderr, /needs a terminal/);
  });
});
