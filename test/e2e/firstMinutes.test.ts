// What a new user trips over in the first minutes, in the real UI: the unread badge clears, Start
// with no peer lets the keyboard type the address, and the palette offers only what applies.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import { openVsCode, type VsCode } from './harness';
import { chatSettings, freeUdpPort, startChat, TestPeer, waitFor } from './support';

/** The number on the UDP Chat activity-bar entry, '' when no badge is drawn. */
async function activityBadge(page: Page): Promise<string> {
  return page.evaluate(() => {
    const items = Array.from(document.querySelectorAll('.activitybar .action-item, .composite-bar .action-item'));
    const ours = items.find((i) => /UDP Chat/i.test(i.querySelector('.action-label')?.getAttribute('aria-label') ?? ''));
    const badge = ours?.querySelector('.badge') as HTMLElement | null | undefined;
    if (!badge || getComputedStyle(badge).display === 'none' || badge.offsetParent === null) return '';
    return (badge.querySelector('.badge-content')?.textContent ?? '').trim();
  });
}

/** Titles the command palette offers for a query. */
/** The palette's titles once `ready` holds (activation and context keys take a moment on a busy machine). */
async function paletteTitlesOnce(page: Page, query: string, ready: (titles: string[]) => boolean, timeoutMs = 30_000): Promise<string[]> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const titles = await paletteTitles(page, query);
    if (ready(titles) || Date.now() > end) return titles;
    await page.waitForTimeout(500);
  }
}

async function paletteTitles(page: Page, query: string): Promise<string[]> {
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget .quick-input-box input');
  await input.waitFor({ timeout: 10_000 });
  await input.fill(`>${query}`);
  await page.waitForTimeout(800);
  const titles = await page.locator('.quick-input-list .monaco-list-row .label-name').allTextContents();
  await page.keyboard.press('Escape');
  return titles.map((t) => t.trim());
}

describe('e2e first minutes: badge, Start with no peer, palette', function () {
  this.timeout(180_000);
  let vscode: VsCode | undefined;
  let peer: TestPeer | undefined;
  afterEach(async () => { await peer?.stop(); peer = undefined; await vscode?.close(); vscode = undefined; });

  it('the unread badge on the activity bar clears once the messages are read', async () => {
    const extPort = await freeUdpPort();
    peer = await TestPeer.start(extPort, 'Badge Peer');
    vscode = await openVsCode({ workspaceSettings: chatSettings(extPort, peer.port) });
    const v = vscode;
    await startChat(v);
    await peer.waitOnline();
    await v.runCommand('View: Show Explorer');
    // The messages must arrive while the chat is hidden: wait until the chat's frame is really gone
    // from view (on a busy machine the switch lags behind the command).
    await waitFor('the chat view hidden', async () => !(await v.page.locator('iframe.webview.ready[src*="extensionId=udp-chat.udp-chat"]').first().isVisible().catch(() => false)), 15_000);
    await v.page.waitForTimeout(500);
    peer.send('one');
    peer.send('two');
    await waitFor('the badge to show 2', async () => (await activityBadge(v.page)) === '2', 20_000);
    await v.screenshot('e2e-badge-unread');
    await v.runCommand('UDP Chat: Focus on Chat View');
    await waitFor('the badge to go away', async () => (await activityBadge(v.page)) === '', 15_000);
    await v.page.waitForTimeout(1000);
    assert.equal(await activityBadge(v.page), '', 'the badge came back or stayed');
  });

  it('Start UDP Chat with no peer set: the address typed on the keyboard lands in the input box and is saved', async () => {
    const extPort = await freeUdpPort();
    peer = await TestPeer.start(extPort, 'Keyboard Peer');
    vscode = await openVsCode({ workspaceSettings: { 'udpChat.localAddress': '127.0.0.1', 'udpChat.localPort': extPort } });
    const v = vscode;
    await v.page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
    // Keyboard only: F1, the title, Enter (again until the palette offers it: the workbench may still be loading).
    const first = v.page.locator('.quick-input-list .monaco-list-row.focused .label-name');
    for (let tries = 0; ; tries++) {
      await v.page.keyboard.press('F1');
      await v.page.locator('.quick-input-widget .quick-input-box input').waitFor({ timeout: 10_000 });
      await v.page.keyboard.type('Start UDP Chat');
      const ok = await waitFor('Start UDP Chat at the top', async () => (await first.textContent().catch(() => '')) === 'Start UDP Chat', 3000).catch(() => false);
      if (ok) break;
      await v.page.keyboard.press('Escape');
      if (tries > 8) throw new Error('the palette never offered Start UDP Chat');
    }
    await v.page.keyboard.press('Enter');
    await v.page.locator('.quick-input-widget .quick-input-title', { hasText: 'UDP Chat: peer address' }).waitFor({ timeout: 15_000 });
    await v.page.waitForTimeout(1500); // the view opening must not take the keyboard away now
    await v.page.keyboard.type(`127.0.0.1:${peer.port}`);
    await v.page.keyboard.press('Enter');
    const frame = await v.waitForChatFrame('.session-state[data-state="active"]', 30_000);
    await peer.waitOnline();
    await frame.locator('.presence[data-presence="online"]').waitFor({ timeout: 20_000 });
    const settings = JSON.parse(fs.readFileSync(path.join(v.workspace, '.vscode', 'settings.json'), 'utf8')) as Record<string, unknown>;
    assert.equal(settings['udpChat.peer'], `127.0.0.1:${peer.port}`);
  });

  it('the palette offers End Session only during a session, Clear Passphrase only with one set, and no "Open Chat"', async () => {
    const extPort = await freeUdpPort();
    peer = await TestPeer.start(extPort, 'Palette Peer');
    vscode = await openVsCode({ workspaceSettings: chatSettings(extPort, peer.port) });
    const v = vscode;
    await v.page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
    let titles = await paletteTitlesOnce(v.page, 'UDP Chat', (t) => t.includes('Start UDP Chat'));
    assert.ok(titles.includes('Start UDP Chat'), JSON.stringify(titles));
    assert.ok(!titles.includes('UDP Chat: End Session'), `End Session offered with no session: ${JSON.stringify(titles)}`);
    assert.ok(!titles.includes('UDP Chat: Clear Passphrase'), `Clear Passphrase offered with none set: ${JSON.stringify(titles)}`);
    assert.ok(!titles.includes('UDP Chat: Open Chat'), 'Open Chat duplicates Focus on Chat View');
    await startChat(v);
    titles = await paletteTitlesOnce(v.page, 'UDP Chat', (t) => t.includes('UDP Chat: End Session'));
    assert.ok(titles.includes('UDP Chat: End Session'), JSON.stringify(titles));
    // Verify Safety Number appears once the peer's key is known.
    titles = await paletteTitlesOnce(v.page, 'UDP Chat', (t) => t.includes('UDP Chat: Verify Safety Number'));
    assert.ok(titles.includes('UDP Chat: Verify Safety Number'), JSON.stringify(titles));
    assert.ok(!titles.includes("UDP Chat: Accept the Peer's New Key"), 'Accept New Key offered with no key change');
  });
});
