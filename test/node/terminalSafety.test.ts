// A hostile peer, protocol or plain, must not be able to write control sequences into the user's
// terminal through the interactive terminal peer: message text, names and bye reasons are shown
// with controls made visible. Real processes, real UDP on 127.0.0.1.
import assert from 'node:assert/strict';
import * as dgram from 'node:dgram';
import { ChatRuntime } from '../../src/net/chatRuntime';
import { buildCli, freePort, Procs } from './cliHarness';

const HOSTILE = '\x1b]52;c;ZXZpbA==\x07\x1b]0;owned\x07\x1b[2J\x07ok\rrm -rf ~';
const CONTROLS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/; // everything but LF and TAB

describe('terminal peer: hostile peers cannot drive the terminal (real processes)', function () {
  this.timeout(40_000);
  let cli = '';
  const procs = new Procs();
  const sockets: dgram.Socket[] = [];
  before(async function () { this.timeout(60_000); cli = await buildCli(); });
  afterEach(async () => {
    await procs.killAll();
    for (const s of sockets.splice(0)) s.close();
  });

  async function socket(port: number): Promise<dgram.Socket> {
    const s = dgram.createSocket('udp4');
    sockets.push(s);
    await new Promise<void>((r) => s.bind(port, '127.0.0.1', () => r()));
    return s;
  }

  it('a protocol peer with a hostile name, text and bye reason', async () => {
    const [evilPort, cliPort] = [await freePort(), await freePort()];
    const c = procs.cli(cli, 'cli', ['-l', '127.0.0.1', '-p', String(cliPort), '-P', `127.0.0.1:${evilPort}`, '-n', 'ada']);
    // A real protocol peer (encrypted, authenticated): hostility comes from what it says, not how.
    const evil = await ChatRuntime.start({ localAddress: '127.0.0.1', localPort: evilPort, peer: { host: '127.0.0.1', port: cliPort, family: 4 }, displayName: '\x1b]0;pwned\x07Eve\x1b[31m', events: {} });
    await procs.waitFor('the CLI to see the peer online', () => /is online/.test(c.stdout));
    evil.session.send({ text: HOSTILE });
    await procs.waitFor('the CLI to print the message', () => c.stdout.includes('rm -rf ~'));
    await evil.stop('\x1b[2Jgone\x07');
    await procs.waitFor('the CLI to print the bye', () => /went offline/.test(c.stdout));
    assert.doesNotMatch(c.stdout, CONTROLS, JSON.stringify(c.stdout));
    assert.match(c.stdout, /␛\]0;pwned␇Eve␛\[31m/, 'the name is shown with its controls visible');
    assert.match(c.stdout, /␛\]52;c;ZXZpbA==␇/);
    assert.match(c.stdout, /ok␍rm -rf ~/);
    assert.match(c.stdout, /␛\[2Jgone␇/);
  });

  it('a plain peer (--plain and auto-detected) with hostile text', async () => {
    for (const plainFlag of [['--plain'], []]) {
      const [evilPort, cliPort] = [await freePort(), await freePort()];
      const s = await socket(evilPort);
      const c = procs.cli(cli, 'cli', ['-l', '127.0.0.1', '-p', String(cliPort), '-P', `127.0.0.1:${evilPort}`, '-n', 'ada', ...plainFlag]);
      await procs.waitFor('ready', () => /Listening on/.test(c.stdout));
      s.send(Buffer.from(`${HOSTILE}\n`), cliPort, '127.0.0.1');
      await procs.waitFor('the CLI to print it', () => c.stdout.includes('rm -rf ~'));
      assert.doesNotMatch(c.stdout, CONTROLS, JSON.stringify(c.stdout));
      assert.match(c.stdout, /␛\]52;c;ZXZpbA==␇␛\]0;owned␇␛\[2J␇ok␍rm -rf ~/);
      await procs.killAll();
    }
  });

  it('--json stays valid JSON with every control escaped', async () => {
    const [evilPort, cliPort] = [await freePort(), await freePort()];
    const s = await socket(evilPort);
    const c = procs.cli(cli, 'cli', ['--json', '-l', '127.0.0.1', '-p', String(cliPort), '-P', `127.0.0.1:${evilPort}`]);
    await procs.waitFor('ready', () => c.of('ready').length > 0);
    s.send(Buffer.from(`${HOSTILE}\u009b\u2028\n`), cliPort, '127.0.0.1');
    const m = await procs.waitFor('the message event', () => c.of('message')[0]);
    assert.equal(m.text, `${HOSTILE}\u009b\u2028`);
    assert.doesNotMatch(c.stdout, /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028]/);
  });
});
