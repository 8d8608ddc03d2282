// LAN discovery end to end (issue 13): two VS Code windows (two code-servers, discovery on) and
// terminal peers (the CLI in LAN mode) find each other over real mDNS with no address typed, chat
// one to one and in a group made through the roster's UI, and the roster is checked for contrast
// and axe in dark, light and high contrast, with screenshots in test-results/.
//
// Tests never announce anything outside: discovery is on only inside a private network namespace
// (test/lab/loopns.sh: lo + a veth pair lan0/lan1 that never leaves it). Run anywhere else, this
// file re-executes itself with mocha inside a fresh namespace (as root; SKIPPED without root), and
// reports the inner results test by test. Everything (code-servers, Chromium, terminal peers) runs
// in there; the namespace and whatever is left in it are removed afterwards.
import * as assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { FrameLocator } from 'playwright-core';
import { contrastByKind, describeContrast, formatAxe, runAxe } from './a11y';
import { openVsCode, resultsDir, type ThemeKind, type VsCode } from './harness';
import {
  assertInPrivateNamespace, collectRosterTexts, describeRoster, LAN_INTERFACE, LOOPNS, netNamespace, openRoster,
  rosterOption, TerminalPeer,
} from './lanSupport';
import { exactText, freeUdpPort, ownEntry, peerEntry, startChat, typeAndSend, waitFor } from './support';

const INSIDE = process.env.UDP_CHAT_LOOPNS;
const RESULTS = process.env.UDP_CHAT_LOOPNS_RESULTS;

const TITLE = 'e2e LAN: windows and terminal peers find each other by mDNS in a private namespace';
const T = {
  windows: 'two VS Code windows find each other with no address typed, show an unread count, and chat',
  terminal: 'a terminal peer appears in the roster and chats both ways; a group made through New Group… reaches two terminal peers exactly once',
  themes: 'roster, person and group conversations in dark, light and high contrast: screenshots, text contrast and axe-core',
} as const;

if (INSIDE) describe(`${TITLE} (inside ${INSIDE})`, insideSuite);
else describe(TITLE, outsideSuite);

// ------------------------------------------------------------------ outside: re-run in a namespace

function outsideSuite(this: Mocha.Suite): void {
  this.timeout(420_000);
  const ns = `ucl-e2e${process.pid}`;
  const resultsFile = path.join(os.tmpdir(), `udp-chat-lan-e2e-${process.pid}.json`);
  let results: Record<string, { state: string; error?: string }> = {};
  let inner: ChildProcess | undefined;
  let innerExit: number | string | null = null;

  before(async function () {
    const why = namespaceUnavailable(ns);
    if (why) {
      console.log(`      SKIPPED: ${why}`);
      this.skip();
    }
    fs.rmSync(resultsFile, { force: true });
    // If this process ends first, loopns.sh stops everything in the namespace and deletes it.
    process.once('exit', stopInner);
    const mocha = require.resolve('mocha/bin/mocha.js');
    inner = spawn('bash', [LOOPNS, 'run', ns, '--', process.execPath, mocha, '--no-config', '--exit', '--timeout', '180000', __filename], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, PATH: `${process.env.PATH ?? ''}:/usr/sbin:/sbin`, UDP_CHAT_LOOPNS: ns, UDP_CHAT_LOOPNS_RESULTS: resultsFile, UDP_CHAT_LOOPNS_OUTSIDE: netNamespace() },
    });
    const echo = (chunk: Buffer) => process.stdout.write(chunk.toString().replace(/^(?=.)/gm, '    │ '));
    inner.stdout!.on('data', echo);
    inner.stderr!.on('data', echo);
    innerExit = await new Promise<number | string | null>((resolve) => inner!.on('close', (code, signal) => resolve(code ?? signal)));
    try { results = JSON.parse(fs.readFileSync(resultsFile, 'utf8')) as typeof results; } catch { results = {}; }
  });

  function stopInner(): void {
    if (inner && inner.exitCode === null && inner.signalCode === null) inner.kill('SIGTERM');
  }

  after(function () {
    this.timeout(30_000);
    stopInner();
    process.removeListener('exit', stopInner);
    // loopns.sh removes the namespace itself; this is for a run that was interrupted.
    spawnSync('bash', [LOOPNS, 'down', ns], { stdio: 'ignore', env: { ...process.env, PATH: `${process.env.PATH ?? ''}:/usr/sbin:/sbin` } });
    fs.rmSync(resultsFile, { force: true });
  });

  for (const title of Object.values(T)) {
    it(title, function () {
      const r = results[title];
      if (!r) assert.fail(`did not run inside the namespace (mocha there exited with ${innerExit}; its output is above)`);
      if (r.state === 'pending') this.skip();
      if (r.state !== 'passed') assert.fail(`failed inside the namespace: ${r.error ?? '(no message)'}`);
    });
  }
}

/** Why no private namespace can be made here (the caller prints SKIPPED), or undefined. */
function namespaceUnavailable(ns: string): string | undefined {
  if (process.platform !== 'linux') return 'needs Linux network namespaces';
  if (typeof process.getuid === 'function' && process.getuid() !== 0) return 'needs root (network namespaces)';
  const env = { ...process.env, PATH: `${process.env.PATH ?? ''}:/usr/sbin:/sbin` };
  if (spawnSync('sh', ['-c', 'command -v ip'], { env }).status !== 0) return 'iproute2 (ip) is not installed';
  const probe = `${ns}-probe`;
  const made = spawnSync('ip', ['netns', 'add', probe], { env, encoding: 'utf8' });
  spawnSync('ip', ['netns', 'del', probe], { env });
  if (made.status !== 0) return `network namespaces are unavailable: ${(made.stderr ?? '').trim()}`;
  return undefined;
}

// ------------------------------------------------------------------ inside the namespace

function insideSuite(this: Mocha.Suite): void {
  this.timeout(180_000);
  let alice: VsCode | undefined;
  let bob: VsCode | undefined;
  let fa: FrameLocator | undefined;
  let fb: FrameLocator | undefined;
  const peers: TerminalPeer[] = [];
  const results: Record<string, { state: string; error?: string }> = {};

  afterEach(function () {
    const t = this.currentTest!;
    results[t.title] = { state: t.state ?? 'pending', ...(t.err ? { error: String(t.err.stack ?? t.err.message) } : {}) };
    if (RESULTS) fs.writeFileSync(RESULTS, JSON.stringify(results, null, 2));
  });

  before(async function () {
    this.timeout(180_000);
    assertInPrivateNamespace(process.env.UDP_CHAT_LOOPNS_OUTSIDE);
    const [portA, portB] = [await freeUdpPort(), await freeUdpPort()];
    // No udpChat.peer: Start UDP Chat joins the LAN. Discovery is on (the harness turns it off by default).
    const lan = (name: string, port: number) => ({
      workspaceSettings: { 'udpChat.displayName': name, 'udpChat.localPort': port, 'udpChat.discoverable': true, 'udpChat.discoveryInterface': LAN_INTERFACE },
      userSettings: { 'udpChat.discoverable': true, 'udpChat.discoveryInterface': LAN_INTERFACE },
    });
    [alice, bob] = await Promise.all([openVsCode(lan('Alice', portA)), openVsCode(lan('Bob', portB))]);
  });

  after(async function () {
    this.timeout(60_000);
    await Promise.all(peers.map((p) => p.stop()));
    await Promise.all([alice?.close(), bob?.close()]);
  });

  async function failWith(v: VsCode, what: string, e: unknown): Promise<never> {
    const tail = v.consoleLines.filter((l) => /udp|chat|error/i.test(l)).slice(-25).join('\n');
    throw new Error(`${what}: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}\nroster: ${await describeRoster(v.chatFrame())}\nconsole:\n${tail}`);
  }

  it(T.windows, async () => {
    [fa, fb] = await Promise.all([startChat(alice!), startChat(bob!)]);
    // No address typed anywhere: each finds the other by display name.
    await rosterOption(fa, 'Bob').waitFor({ timeout: 30_000 }).catch((e) => failWith(alice!, 'Alice\'s roster never showed Bob', e));
    await rosterOption(fb, 'Alice').waitFor({ timeout: 30_000 }).catch((e) => failWith(bob!, 'Bob\'s roster never showed Alice', e));
    await openRoster(fa);
    // Found by mDNS, then online by the chat's own heartbeats; the detail is the address it was found at.
    await rosterOption(fa, 'Bob').and(fa.locator('[data-presence="online"]')).waitFor({ timeout: 20_000 });
    assert.match(await rosterOption(fa, 'Bob').locator('.roster-detail').innerText(), /^10\.80\.0\.1:\d+$/);
    await rosterOption(fa, 'Bob').click();
    await fa.locator('.chat-header .peer', { hasText: 'Bob' }).first().waitFor({ timeout: 10_000 });
    // Selected; with a single conversation the list may close itself (the header names Bob).
    await rosterOption(fa, 'Bob').and(fa.locator('[aria-selected="true"]')).waitFor({ state: 'attached', timeout: 10_000 });

    const hello = 'Hello Bob, found you on the LAN';
    await typeAndSend(fa, hello);
    await ownEntry(fa, hello).locator('.status[data-status="delivered"]').waitFor({ timeout: 20_000 })
      .catch((e) => failWith(alice!, 'Alice\'s message to Bob was not marked delivered', e));
    // Bob has not opened Alice's conversation: the roster counts it as unread.
    await openRoster(fb);
    const badge = rosterOption(fb, 'Alice').locator('.roster-badge');
    await badge.waitFor({ timeout: 15_000 }).catch((e) => failWith(bob!, 'no unread badge on Alice in Bob\'s roster', e));
    assert.equal((await badge.innerText()).trim(), '1');
    assert.equal(await badge.getAttribute('aria-label'), '1 unread');
    await rosterOption(fb, 'Alice').click();
    await peerEntry(fb, hello).waitFor({ timeout: 10_000 }).catch((e) => failWith(bob!, 'Bob\'s conversation with Alice lacks her message', e));
    assert.equal((await peerEntry(fb, hello).locator('.sender').innerText()).trim(), 'Alice');
    await badge.waitFor({ state: 'detached', timeout: 10_000 });

    const reply = 'Hi Alice, no address typed here either';
    await typeAndSend(fb, reply);
    await peerEntry(fa, reply).waitFor({ timeout: 15_000 }).catch((e) => failWith(alice!, 'Alice never saw Bob\'s reply', e));
    await ownEntry(fb, reply).locator('.status[data-status="delivered"]').waitFor({ timeout: 20_000 });
    await alice!.screenshot('lan-two-windows-alice');
    await bob!.screenshot('lan-two-windows-bob');
  });

  it(T.terminal, async function () {
    if (!fa) this.skip();
    const f = fa!;
    const v = alice!;
    const carol = new TerminalPeer('Carol', await freeUdpPort());
    const dave = new TerminalPeer('Dave', await freeUdpPort());
    peers.push(carol, dave);
    await Promise.all([carol, dave].map((p) => p.waitEvent('ready', (e) => e.event === 'ready')));
    await openRoster(f);
    for (const name of ['Carol', 'Dave']) {
      await rosterOption(f, name).waitFor({ timeout: 30_000 }).catch((e) => failWith(v, `the terminal peer ${name} never appeared in Alice's roster`, e));
    }

    // One to one, both ways.
    await rosterOption(f, 'Carol').click();
    await f.locator('.chat-header .peer', { hasText: 'Carol' }).first().waitFor({ timeout: 10_000 });
    const toCarol = 'Hello Carol, from the editor';
    await typeAndSend(f, toCarol);
    await carol.waitEvent('Alice\'s message', (e) => e.event === 'message' && e.text === toCarol && e.from === 'Alice' && e.group === undefined);
    await ownEntry(f, toCarol).locator('.status[data-status="delivered"]').waitFor({ timeout: 20_000 });
    const fromCarol = 'Hi Alice, typed in a terminal';
    carol.send({ to: 'Alice', text: fromCarol });
    await peerEntry(f, fromCarol).waitFor({ timeout: 15_000 }).catch((e) => failWith(v, 'Carol\'s message never showed in her conversation', e));
    assert.equal((await peerEntry(f, fromCarol).locator('.sender').innerText()).trim(), 'Carol');

    // A group through the real UI: New Group… → members → name.
    const group = 'Ops Room';
    await f.locator('nav.roster .roster-new-group').click();
    const page = v.page;
    const pickRow = (name: string) => page.locator('.quick-input-widget .quick-input-list .monaco-list-row', { has: page.locator('.label-name', { hasText: exactText(name) }) });
    await pickRow('Carol').waitFor({ timeout: 15_000 });
    for (const name of ['Carol', 'Dave']) {
      await pickRow(name).click();
      await waitFor(`${name} checked in the quick pick`, async () => (await pickRow(name).getAttribute('aria-checked')) === 'true'
        || await pickRow(name).locator('input[type="checkbox"]').isChecked().catch(() => false), 5_000);
    }
    assert.notEqual(await pickRow('Bob').getAttribute('aria-checked'), 'true', 'Bob was not picked');
    await page.locator('.quick-input-widget .quick-input-box input').press('Enter');
    await page.locator('.quick-input-widget .quick-input-title', { hasText: 'name' }).waitFor({ timeout: 10_000 });
    const nameBox = page.locator('.quick-input-widget .quick-input-box input');
    await nameBox.fill(group);
    await nameBox.press('Enter');
    await rosterOption(f, group, 'group').waitFor({ timeout: 15_000 }).catch((e) => failWith(v, 'the new group is not in the roster', e));
    await f.locator('.chat-header', { hasText: group }).waitFor({ timeout: 10_000 });
    assert.match(await rosterOption(f, group, 'group').getAttribute('title') ?? '', new RegExp(`^${group}: (Carol and Dave|Dave and Carol)$`), 'the group\'s tooltip lists its members');
    for (const p of [carol, dave]) await p.waitEvent(`joined ${group}`, (e) => e.event === 'group-changed' && e.group === group && e.isMember === true);

    const toGroup = 'Hello team, from the editor';
    await typeAndSend(f, toGroup);
    for (const p of [carol, dave]) await p.waitEvent(`the group message`, (e) => e.event === 'message' && e.text === toGroup && e.group === group && e.from === 'Alice');
    const status = ownEntry(f, toGroup).locator('.status .status-text');
    await waitFor('"delivered to 2 of 2" on the group message', async () => (await status.innerText().catch(() => '')).trim() === 'delivered to 2 of 2', 20_000)
      .catch(async (e: Error) => assert.fail(`${e.message}; it shows ${JSON.stringify(await status.innerText().catch(() => '(no entry)'))}`));
    // Exactly once each, and never as a one-to-one message.
    await new Promise((r) => setTimeout(r, 1500));
    for (const p of [carol, dave]) {
      assert.equal(p.messages(toGroup, group).length, 1, `${p.name} got the group message ${p.messages(toGroup, group).length} times\n${p.describe()}`);
      assert.equal(p.messages(toGroup).length, 0, `${p.name} got the group message as a one-to-one message too`);
    }

    const fromCarolToGroup = 'Carol here, writing to the whole group';
    carol.send({ group, text: fromCarolToGroup });
    await peerEntry(f, fromCarolToGroup).waitFor({ timeout: 15_000 }).catch((e) => failWith(v, 'Carol\'s group message never showed in the group conversation', e));
    assert.equal((await peerEntry(f, fromCarolToGroup).locator('.sender').innerText()).trim(), 'Carol');
    await dave.waitEvent('Carol\'s group message', (e) => e.event === 'message' && e.text === fromCarolToGroup && e.group === group && e.from === 'Carol');
    assert.equal((await f.locator('#messages .entry-peer .text', { hasText: fromCarolToGroup }).count()), 1, 'Carol\'s group message shows once');
  });

  it(T.themes, async function () {
    if (!fa || !fb || peers.length < 2) this.skip();
    const f = fa!;
    const v = alice!;
    const group = 'Ops Room';
    // Something unread elsewhere, so the roster shows a badge: Bob writes while Alice reads the group.
    await rosterOption(f, group, 'group').click();
    await f.locator('.chat-header', { hasText: group }).waitFor({ timeout: 10_000 });
    await openRoster(fb!);
    await rosterOption(fb!, 'Alice').click();
    await fb!.locator('.chat-header .peer', { hasText: 'Alice' }).first().waitFor({ timeout: 10_000 });
    await typeAndSend(fb!, 'Are you in the group chat?');
    await openRoster(f);
    await rosterOption(f, 'Bob').locator('.roster-badge').waitFor({ timeout: 15_000 });
    await v.runCommand('Notifications: Clear All Notifications').catch(() => undefined);

    const doc = await v.chatDocument();
    const report: string[] = [];
    const problems: string[] = [];
    const themes: Array<{ theme: ThemeKind; file: string; min: number }> = [
      { theme: 'dark', file: 'dark', min: 4.5 }, { theme: 'light', file: 'light', min: 4.5 }, { theme: 'highContrast', file: 'hc', min: 7 },
    ];
    for (const { theme, file, min } of themes) {
      if (theme !== 'dark') await v.setTheme(theme);
      const bodyClass = { dark: 'vscode-dark', light: 'vscode-light', highContrast: 'vscode-high-contrast', highContrastLight: 'vscode-high-contrast-light' }[theme];
      await f.locator(`body.${bodyClass}`).waitFor({ timeout: 15_000 });
      await v.page.waitForTimeout(300); // the theme's CSS variables settle

      // The group conversation, with the roster open above it.
      await rosterOption(f, group, 'group').click();
      await f.locator('.chat-header', { hasText: group }).waitFor({ timeout: 10_000 });
      await openRoster(f);
      await f.locator('#messages').evaluate((m) => { m.scrollTop = m.scrollHeight; });
      await v.screenshot(`lan-${file}-group`);
      await f.locator('nav.roster').screenshot({ path: path.join(resultsDir, `lan-${file}-roster.png`) });

      const kinds = contrastByKind(await collectRosterTexts(f));
      const found = new Set(kinds.map((k) => k.kind));
      for (const need of ['name', 'detail', 'badge', 'heading', 'toggle', 'selected name', 'selected detail']) {
        if (!found.has(need)) problems.push(`${theme}: the roster shows no ${need} text to measure (found: ${[...found].join(', ')})`);
      }
      for (const k of kinds.filter((x) => x.min < min)) problems.push(`${theme}: roster text under ${min}:1: ${describeContrast(k)}`);
      report.push(`${theme}: roster lowest ${kinds.slice(0, 3).map(describeContrast).join('; ')}`);

      const axe = await runAxe(doc, { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] });
      if (axe.violations.length) problems.push(`${theme}: axe-core WCAG 2.1 A/AA violations (group conversation):\n${formatAxe(axe.violations)}`);

      // A person's conversation.
      await rosterOption(f, 'Carol').click();
      await f.locator('.chat-header .peer', { hasText: 'Carol' }).first().waitFor({ timeout: 10_000 });
      await v.screenshot(`lan-${file}-person`);
      const axe2 = await runAxe(doc, { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] });
      if (axe2.violations.length) problems.push(`${theme}: axe-core WCAG 2.1 A/AA violations (person conversation):\n${formatAxe(axe2.violations)}`);
    }
    console.log(`      ${report.join('\n      ')}`);
    assert.deepEqual(problems, []);
  });
}
