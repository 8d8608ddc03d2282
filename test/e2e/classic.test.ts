// The real VS Code view against the classic two-thread Python chat script (test/support/classic_chat.py):
// either side first, a 3,000-byte message, non-ASCII text, quit words both ways, and the script's
// receive thread (strict UTF-8 decoding) still alive at the end.
import * as assert from 'node:assert/strict';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { openVsCode, repoRoot, type VsCode } from './harness';
import { chatSettings, expectStatus, freeUdpPort, peerEntry, startChat, typeAndSend, waitFor } from './support';

class ClassicScript {
  out = '';
  private exited?: Promise<number | null>;
  private readonly child: ChildProcessWithoutNullStreams;

  constructor(port: number, peerPort: number) {
    this.child = spawn('python3', ['-u', path.join(repoRoot, 'test', 'support', 'classic_chat.py'), '127.0.0.1', String(port), '127.0.0.1', String(peerPort)], {
      // Printing is not what is tested: UTF-8 output whatever the locale.
      env: { ...process.env, PYTHONIOENCODING: 'utf-8' },
    });
    this.child.stdout.setEncoding('utf8');
    this.child.stdout.on('data', (d: string) => { this.out += d; });
    this.child.stderr.on('data', (d: Buffer) => { this.out += d.toString('utf8'); });
    this.exited = new Promise((r) => this.child.on('close', (c) => r(c)));
  }

  ready(): Promise<true> { return waitFor('the classic script to bind', () => this.out.includes('READY')); }
  /** Lines printed from the extension, one per datagram, trailing spaces (the first-contact mark) removed. */
  friendLines(): string[] { return this.out.split('\n').filter((l) => l.startsWith('Friend: ')).map((l) => l.slice(8).trim()); }
  type(line: string): void { this.child.stdin.write(`${line}\n`); }

  async endWith(word: string): Promise<void> {
    this.type(word);
    await Promise.race([this.exited, new Promise((r) => setTimeout(r, 5000))]);
    assert.doesNotMatch(this.out, /RECEIVE THREAD DIED/, this.out);
    assert.match(this.out, /RECEIVE THREAD ALIVE/, this.out);
  }

  kill(): void { this.child.kill('SIGKILL'); }
}

/** 3,000 bytes of UTF-8: 300 × 7 + 450 × 2. */
const LONG = 'Ωmega-'.repeat(300) + 'ü'.repeat(450);

describe('e2e first contact: the classic Python script', function () {
  this.timeout(150_000);
  let vscode: VsCode | undefined;
  let script: ClassicScript | undefined;
  let extPort = 0;
  let pyPort = 0;

  before(async () => {
    extPort = await freeUdpPort();
    pyPort = await freeUdpPort();
    vscode = await openVsCode({ workspaceSettings: chatSettings(extPort, pyPort, { 'udpChat.displayName': 'Grace' }) });
  });
  after(async () => { script?.kill(); await vscode?.close(); });

  it('VS Code speaks first: one greeting, the message within 2 s, a 3,000-byte message, quit; the script survives', async () => {
    const v = vscode!;
    script = new ClassicScript(pyPort, extPort);
    await script.ready();
    const py = script;
    const frame = await startChat(v);
    const t0 = Date.now();
    await typeAndSend(frame, 'hello classic, ça va? ✓');
    await waitFor('the script to print the message', () => py.friendLines().includes('hello classic, ça va? ✓'), 5000);
    assert.ok(Date.now() - t0 < 2500, `took ${Date.now() - t0} ms (the limit is 2 s, plus the browser's typing)`);
    await expectStatus(frame, 'hello classic, ça va? ✓', 'textSent');
    await v.screenshot('e2e-classic-text-sent');

    await typeAndSend(frame, LONG);
    await waitFor('the long message in pieces', () => py.friendLines().join('').includes(LONG));

    py.type('fine, and you? 😀');
    await peerEntry(frame, 'fine, and you? 😀').waitFor({ timeout: 15_000 });
    await frame.locator('.plain-peer').waitFor({ state: 'visible', timeout: 10_000 });
    await expectStatus(frame, 'hello classic, ça va? ✓', 'unconfirmed');
    py.type(LONG);
    await peerEntry(frame, LONG).waitFor({ timeout: 15_000 });
    await v.screenshot('e2e-classic-script');

    await typeAndSend(frame, 'quit');
    await waitFor('the script to see the quit word', () => py.out.includes('FRIEND LEFT'));
    await frame.locator('.session-state[data-state="ended"]').waitFor({ timeout: 15_000 });
    const greetings = py.friendLines().filter((l) => l.includes('is using UDP Chat'));
    assert.deepEqual(greetings, ['Grace is using UDP Chat and would like to chat. Type a line to reply.']);
    await py.endWith('exit');
  });

  it('the script speaks first: its line shows, the reply is exact, its "bye bye" shows the peer offline', async () => {
    const v = vscode!;
    script = new ClassicScript(pyPort, extPort);
    await script.ready();
    const py = script;
    py.type('anyone there? — Ἀθῆναι'); // before the chat runs: lost, as UDP does
    const frame = await startChat(v);
    py.type('now?');
    await peerEntry(frame, 'now?').waitFor({ timeout: 15_000 });
    await typeAndSend(frame, 'yes, here');
    await waitFor('the script to print the reply exactly', () => py.friendLines().includes('yes, here'));
    await expectStatus(frame, 'yes, here', 'unconfirmed');
    await py.endWith('bye bye');
    await frame.locator('.presence[data-presence="offline"]').waitFor({ timeout: 15_000 });
    assert.equal(py.friendLines().filter((l) => l.includes('is using UDP Chat')).length, 1, 'one greeting per session start');
  });
});
