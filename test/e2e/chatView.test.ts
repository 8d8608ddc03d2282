// The chat view in a user's first minutes, in the real UI: the empty view with no peer, setting one,
// the state line (Not started → Waiting for → Connected → Ended), this machine's address with Copy,
// and code that keeps its lines and indentation in the narrow side bar.
import * as assert from 'node:assert/strict';
import type { FrameLocator, Locator } from 'playwright-core';
import { openVsCode, type VsCode } from './harness';
import { CODE, FENCED, FENCED_CODE } from './showcase';
import { freeUdpPort, TestPeer, waitFor } from './support';

/** How each line of a code element is laid out: line boxes per line, its height, where its first non-space character starts. */
function lineLayout(code: Locator) {
  return code.evaluate((el) => {
    const node = el.firstChild;
    if (!node || node.nodeType !== Node.TEXT_NODE) throw new Error('the code is not a single text node');
    const text = node.textContent ?? '';
    const lines: Array<{ text: string; boxes: number; height: number; indentPx: number }> = [];
    let start = 0;
    for (const line of text.split('\n')) {
      const range = document.createRange();
      range.setStart(node, start);
      range.setEnd(node, start + line.length);
      const rects = Array.from(range.getClientRects()).filter((r) => r.width > 0);
      const lead = line.length - line.trimStart().length;
      const first = document.createRange();
      first.setStart(node, start + lead);
      first.setEnd(node, start + lead + 1);
      const lineStart = document.createRange();
      lineStart.setStart(node, start);
      lineStart.setEnd(node, start + 1);
      lines.push({
        text: line,
        boxes: rects.length,
        height: rects.reduce((h, r) => Math.max(h, r.bottom), 0) - rects.reduce((t, r) => Math.min(t, r.top), Infinity),
        indentPx: first.getBoundingClientRect().left - lineStart.getBoundingClientRect().left,
      });
      start += line.length + 1;
    }
    const scroller = el.closest('.code-scroll') as HTMLElement;
    const cs = getComputedStyle(el);
    return {
      lines,
      lineHeight: parseFloat(cs.lineHeight) || parseFloat(cs.fontSize) * 1.2,
      charWidth: (() => { const r = document.createRange(); r.setStart(node, 0); r.setEnd(node, 1); return r.getBoundingClientRect().width; })(),
      scroll: { scrollWidth: scroller.scrollWidth, clientWidth: scroller.clientWidth, overflowX: getComputedStyle(scroller).overflowX },
      whiteSpace: getComputedStyle(el.closest('pre')!).whiteSpace,
      list: (() => { const m = document.getElementById('messages')!; return { scrollWidth: m.scrollWidth, clientWidth: m.clientWidth }; })(),
    };
  });
}

async function assertCodeKeepsLines(what: string, code: Locator, expected: string): Promise<void> {
  assert.equal(await code.textContent(), expected, `${what}: the code text changed`);
  const l = await lineLayout(code);
  assert.equal(l.whiteSpace, 'pre', `${what}: white-space is ${l.whiteSpace}`);
  for (const line of l.lines) {
    if (line.text.trim() === '') continue;
    assert.equal(line.boxes, 1, `${what}: the line ${JSON.stringify(line.text.slice(0, 40))} wraps onto ${line.boxes} lines`);
    assert.ok(line.height <= l.lineHeight * 1.5, `${what}: the line ${JSON.stringify(line.text.slice(0, 40))} is ${line.height}px tall (one line is ${l.lineHeight}px)`);
    const lead = line.text.length - line.text.trimStart().length;
    // Leading spaces take their room: n spaces indent by n character widths (monospace).
    assert.ok(Math.abs(line.indentPx - lead * l.charWidth) < 1.5, `${what}: ${JSON.stringify(line.text.slice(0, 30))} is indented ${line.indentPx}px, not ${lead} × ${l.charWidth}px`);
  }
  assert.ok(l.list.scrollWidth <= l.list.clientWidth + 1, `${what}: the message list scrolls sideways (${l.list.scrollWidth} > ${l.list.clientWidth})`);
}

describe('e2e chat view: first steps, state line, addresses, code', function () {
  this.timeout(180_000);
  let vscode: VsCode | undefined;
  let peer: TestPeer | undefined;
  let extPort = 0;
  let peerPort = 0;
  let frame: FrameLocator | undefined;

  before(async () => {
    extPort = await freeUdpPort();
    peerPort = await freeUdpPort();
    // No peer configured: the first thing a new user sees.
    vscode = await openVsCode({
      workspaceSettings: { 'udpChat.localAddress': '127.0.0.1', 'udpChat.localPort': extPort, 'udpChat.displayName': 'Browser' },
    });
    await vscode.page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(vscode.url).origin });
  });
  after(async () => { await peer?.stop(); await vscode?.close(); });

  it('without a peer: guidance, a disabled message box that says why, Set Peer as the next step', async () => {
    const v = vscode!;
    await v.runCommand('UDP Chat: Focus on Chat View');
    const f = frame = await v.waitForChatFrame('.empty-state:not([hidden])', 30_000);
    assert.equal((await f.locator('.empty-state').innerText()).replace(/\s+/g, ' ').trim(),
      "No peer yet. Set your peer's address with Set Peer, then Start — or just start typing once a peer is set.");
    assert.equal(await f.getByRole('heading', { level: 1 }).textContent(), 'UDP Chat');
    const box = f.getByRole('textbox', { name: 'Message' });
    assert.equal(await box.isDisabled(), true, 'the message box takes text with nobody to send it to');
    const hint = f.locator(`#${await box.getAttribute('aria-describedby')}`);
    assert.equal(await hint.innerText(), "No peer set: use Set Peer to enter your peer's address.");
    assert.equal(await f.locator('.session-state').innerText(), 'Not started');
    assert.equal(await f.locator('.peer').innerText(), 'No peer set');
    assert.equal(await f.locator('.presence').isVisible(), false, 'presence shown with no session');
    assert.equal(await f.locator('.local-address').isVisible(), false, 'an address shown while nothing is bound');
    assert.ok(await f.locator('button.action-set-peer.primary').isVisible(), 'Set Peer is not the primary action');
    await v.screenshot('e2e-view-no-peer');

    await f.getByRole('button', { name: 'Set Peer' }).click();
    const input = v.page.locator('.quick-input-widget .quick-input-box input');
    await input.waitFor({ timeout: 10_000 });
    await input.fill(`127.0.0.1:${peerPort}`);
    await input.press('Enter');
    await f.locator('.peer bdi.peer-address').waitFor({ timeout: 15_000 });
    assert.equal(await f.locator('.peer bdi.peer-address').textContent(), `127.0.0.1:${peerPort}`);
    await waitFor('the message box to be enabled', () => box.isEnabled(), 5_000);
    assert.equal(await f.locator(`#${await box.getAttribute('aria-describedby')}`).innerText(), 'Not started: Enter starts the chat and sends.');
    assert.match(await f.locator('.empty-state').innerText(), new RegExp(`Ready to chat with 127\\.0\\.0\\.1:${peerPort}`));
    assert.equal(await f.getByRole('heading', { level: 1 }).textContent(), `UDP Chat with 127.0.0.1:${peerPort}`);
  });

  it('the state line says Waiting for, then Connected, then Ended; the header offers this machine\'s address to copy', async () => {
    const v = vscode!;
    const f = frame!;
    await f.getByRole('button', { name: 'Start', exact: true }).click();
    await f.locator('.session-state[data-state="active"]').waitFor({ timeout: 15_000 });
    // Nobody answers yet: no "Active", no "unknown".
    assert.equal(await f.locator('.session-state').innerText(), `Waiting for 127.0.0.1:${peerPort}`);
    assert.equal(await f.locator('.presence').innerText(), 'not heard from yet');
    assert.equal(await f.locator('.presence').getAttribute('data-presence'), 'unknown');
    assert.equal(await f.locator('.composer-hint').isVisible(), false, 'the not-started hint stays during a session');

    // This machine's address, as the peer must use it, with a Copy button.
    const local = f.locator('.local-address');
    assert.equal((await local.innerText()).replace(/\s+/g, ' ').trim(), `Your address: 127.0.0.1:${extPort}`);
    const copy = f.getByRole('button', { name: `Copy address 127.0.0.1:${extPort}` });
    assert.ok(await copy.isVisible(), 'no Copy button for the address');
    await v.screenshot('e2e-view-waiting');

    peer = new TestPeer(peerPort, extPort, 'View Peer');
    await peer.start();
    await f.locator('.presence[data-presence="online"]').waitFor({ timeout: 20_000 });
    await waitFor('"Connected"', async () => (await f.locator('.session-state').innerText()) === 'Connected', 5_000);
    assert.equal(await f.getByRole('heading', { level: 1 }).textContent(), 'UDP Chat with View Peer');

    await f.getByRole('button', { name: 'End', exact: true }).click();
    await f.locator('.session-state[data-state="ended"]').waitFor({ timeout: 15_000 });
    assert.equal(await f.locator('.session-state').innerText(), 'Ended');
    assert.equal(await f.locator('.local-address').isVisible(), false, 'the address stays after the socket closed');
    assert.equal(await f.getByRole('textbox', { name: 'Message' }).isEnabled(), true);
  });

  it('code keeps its lines and indentation in the narrow side bar: no wrapping, a sideways scroller the keyboard reaches', async () => {
    const v = vscode!;
    const f = frame!;
    const p = peer!;
    if (await f.getByRole('button', { name: 'Start', exact: true }).isVisible()) await f.getByRole('button', { name: 'Start', exact: true }).click();
    await f.locator('.presence[data-presence="online"]').waitFor({ timeout: 20_000 });
    p.runtime!.session.send({ text: CODE, code: { language: 'typescript', path: 'src/math.ts', startLine: 3, endLine: 9 } });
    p.send(FENCED);
    const shared = f.locator('#messages .entry-peer .codeblock pre.code > code').last();
    const fenced = f.locator('#messages .entry-peer .text pre.md-codeblock > code').last();
    await shared.waitFor({ timeout: 15_000 });
    await fenced.waitFor({ timeout: 15_000 });
    await assertCodeKeepsLines('shared code', shared, CODE);
    await assertCodeKeepsLines('fenced code', fenced, FENCED_CODE);
    const l = await lineLayout(shared);
    assert.equal(l.scroll.overflowX, 'auto');
    assert.ok(l.scroll.scrollWidth > l.scroll.clientWidth + 50, `the long line does not overflow into a scroller (${l.scroll.scrollWidth} vs ${l.scroll.clientWidth})`);

    // Keyboard: the code entry in the list, Tab into it (Copy, then the code), arrows scroll it sideways.
    const entry = f.locator('#messages .entry-peer').filter({ has: f.locator('.codeblock') }).last();
    const active = () => f.locator('body').evaluate(() => {
      const a = document.activeElement as HTMLElement | null;
      return { className: a?.className ?? '', role: a?.getAttribute('role') ?? '', label: a?.getAttribute('aria-label') ?? '' };
    });
    await entry.focus();
    await v.page.keyboard.press('Tab');
    assert.equal((await active()).className, 'code-copy', 'Tab from the code entry does not reach its Copy button');
    await v.page.keyboard.press('Tab');
    const focused = await active();
    assert.deepEqual({ role: focused.role, label: focused.label }, { role: 'group', label: 'Code (typescript)' }, `Tab from Copy lands on ${focused.className}`);
    const scroller = entry.locator('.code-scroll');
    assert.equal(await scroller.evaluate((s) => s.scrollLeft), 0);
    for (let i = 0; i < 5; i++) await v.page.keyboard.press('ArrowRight');
    await waitFor('the code to scroll sideways', async () => (await scroller.evaluate((s) => s.scrollLeft)) > 0, 3_000);
    await v.screenshot('e2e-view-code');

    // Copy puts the code on the clipboard (through the host).
    await v.page.evaluate(() => navigator.clipboard.writeText('before'));
    await entry.getByRole('button', { name: 'Copy' }).click();
    await waitFor('the code on the clipboard', async () => (await v.page.evaluate(() => navigator.clipboard.readText())) === CODE, 10_000);
  });

  it('Copy next to "Your address" puts the address on the clipboard', async () => {
    const v = vscode!;
    const f = frame!;
    const copy = f.getByRole('button', { name: `Copy address 127.0.0.1:${extPort}` });
    await copy.waitFor({ timeout: 10_000 });
    await v.page.evaluate(() => navigator.clipboard.writeText('before'));
    await copy.click();
    await waitFor('the address on the clipboard', async () => (await v.page.evaluate(() => navigator.clipboard.readText())) === `127.0.0.1:${extPort}`, 10_000)
      .catch((e: Error) => assert.fail(`${e.message}: the view posts {type: 'copyText'}; does the host accept it (ChatViewProvider's message check)?`));
  });
});
