import * as assert from 'node:assert/strict';
import type { FrameLocator, Page } from 'playwright-core';
import { openVsCode, pickQuickInput, type VsCode } from './harness';
import { chatSettings, expectStatus, freeUdpPort, ownEntry, peerEntry, startChat, TestPeer, typeAndSend, waitFor } from './support';

// "The view survives being hidden and being moved": VS Code disposes a WebviewView and resolves it
// again when the user moves it to another container. Everything is driven through VS Code's own UI
// (palette commands and quick picks), with a real second session as the peer.

const webviewIframe = 'iframe.webview.ready[src*="extensionId=udp-chat.udp-chat"]';

/** Labels of the rows the open quick input shows (for failure messages). */
async function quickRows(page: Page): Promise<string[]> {
  return page.locator('.quick-input-list .monaco-list-row').evaluateAll((rows) =>
    rows.map((r) => (r.getAttribute('aria-label') ?? r.textContent ?? '').trim()));
}

/** Box of the chat webview iframe (VS Code draws webview views in an overlay positioned over their pane). */
async function chatBox(page: Page) {
  return page.locator(webviewIframe).first().boundingBox();
}

async function insidePart(page: Page, partSelector: string): Promise<boolean> {
  const part = await page.locator(partSelector).first().boundingBox().catch(() => null);
  const box = await chatBox(page).catch(() => null);
  if (!part || !box || box.width < 10 || box.height < 10) return false;
  const cx = box.x + box.width / 2;
  const cy = box.y + box.height / 2;
  return cx >= part.x && cx <= part.x + part.width && cy >= part.y && cy <= part.y + part.height;
}

/** Tags the current chat iframe, so a test can tell that VS Code made a new one. */
async function markWebview(page: Page): Promise<void> {
  await page.locator(webviewIframe).first().evaluate((el) => el.setAttribute('data-e2e-old', '1'));
}

/** "View: Move View" → the "Chat" view of the UDP Chat container → `destination`. */
async function moveChatView(v: VsCode, destination: string): Promise<void> {
  const page = v.page;
  await v.runCommand('View: Move View');
  await page.locator('.quick-input-widget .quick-input-box input').fill('Chat');
  // The view picker groups views under their container's title; pick "Chat" in the UDP Chat group.
  const viewRow = page.locator('.quick-input-list .monaco-list-row', {
    has: page.locator('.label-name', { hasText: /^Chat$/ }),
  });
  await viewRow.first().waitFor({ timeout: 15_000 }).catch(async (e: Error) => {
    assert.fail(`"View: Move View" lists no "Chat" view; rows: ${JSON.stringify(await quickRows(page))}: ${e.message.split('\n')[0]}`);
  });
  const n = await viewRow.count();
  let picked = false;
  for (let i = 0; i < n && !picked; i++) {
    const label = (await viewRow.nth(i).getAttribute('aria-label')) ?? '';
    if (n === 1 || /UDP Chat/.test(label)) { await viewRow.nth(i).click(); picked = true; }
  }
  assert.ok(picked, `several "Chat" views and none in UDP Chat: ${JSON.stringify(await quickRows(page))}`);
  await pickQuickInput(page, destination).catch(async (e: Error) => {
    assert.fail(`no "${destination}" destination; rows: ${JSON.stringify(await quickRows(page))}: ${e.message.split('\n')[0]}`);
  });
}

describe('e2e move view: the chat survives being moved to the panel and being hidden', function () {
  this.timeout(170_000);
  let vscode: VsCode | undefined;
  let peer: TestPeer | undefined;

  before(async () => {
    const extPort = await freeUdpPort();
    peer = await TestPeer.start(extPort, 'Mover Peer');
    vscode = await openVsCode({ workspaceSettings: chatSettings(extPort, peer.port) });
  });
  after(async () => { await peer?.stop(); await vscode?.close(); });

  it('keeps conversation, header, draft and live messaging after "View: Move View" to a new panel entry, and after hide/show', async () => {
    const v = vscode!;
    const p = peer!;
    const page = v.page;

    // 1. Active session, peer online, one message each way.
    let frame: FrameLocator = await startChat(v);
    await frame.locator('.presence[data-presence="online"]').waitFor({ timeout: 20_000 });
    await p.waitOnline();
    await typeAndSend(frame, 'before move: from the browser');
    await p.waitReceived('before move: from the browser');
    await expectStatus(frame, 'before move: from the browser', 'delivered');
    p.send('before move: from the peer');
    await peerEntry(frame, 'before move: from the peer').waitFor({ timeout: 15_000 });
    assert.ok(await insidePart(page, '.part.sidebar'), 'the chat view does not start in the side bar');

    // 2. A draft, not sent.
    const draft = 'half-written draft that must survive the move';
    const box = frame.getByRole('textbox', { name: 'Message' });
    await box.click();
    await box.pressSequentially(draft, { delay: 5 });
    // Let the webview save its state and post the draft to the host (debounced).
    await page.waitForTimeout(800);

    // 3. Move it with VS Code's own UI: "View: Move View" → which view → where.
    await markWebview(page);
    await moveChatView(v, 'New Panel Entry');

    // 4. The re-resolved view in the panel.
    await waitFor('the chat webview to sit in the panel', () => insidePart(page, '.part.panel'), 20_000);
    frame = await v.waitForChatFrame('body[data-backlog-done="true"] #messages', 30_000);
    assert.equal(await page.locator(`${webviewIframe}[data-e2e-old]`).count(), 0, 'the old webview is still there: VS Code did not re-create the view');
    await ownEntry(frame, 'before move: from the browser').waitFor({ timeout: 10_000 });
    await peerEntry(frame, 'before move: from the peer').waitFor({ timeout: 10_000 });
    await expectStatus(frame, 'before move: from the browser', 'delivered', 5_000);
    await frame.locator('.session-state[data-state="active"]').waitFor({ timeout: 10_000 });
    await frame.locator('.presence[data-presence="online"]').waitFor({ timeout: 10_000 });
    const movedBox = frame.getByRole('textbox', { name: 'Message' });
    await waitFor('the draft in the moved view\'s Message box', async () => (await movedBox.inputValue()) === draft, 10_000)
      .catch(async (e: Error) => assert.fail(`draft lost by the move: box holds ${JSON.stringify(await movedBox.inputValue())}; ${e.message}`));
    assert.equal(await v.page.locator(webviewIframe).count(), 1, 'more than one chat webview after the move');

    // Live both ways through the moved view (the host must post to the new view, not the disposed one).
    await movedBox.fill('');
    await typeAndSend(frame, 'after move: from the browser');
    await p.waitReceived('after move: from the browser');
    await expectStatus(frame, 'after move: from the browser', 'delivered');
    p.send('after move: from the peer');
    await peerEntry(frame, 'after move: from the peer').waitFor({ timeout: 15_000 });
    await v.screenshot('e2e-moved-view');

    // 5. Hide the panel, the peer writes, show the panel again: the message is there.
    await v.runCommand('View: Toggle Panel Visibility');
    await waitFor('the panel to hide', async () => !(await page.locator('.part.panel').first().isVisible()), 10_000);
    await waitFor('the chat webview to hide', async () => !(await page.locator(webviewIframe).first().isVisible().catch(() => false)), 10_000);
    p.send('while hidden: from the peer');
    await page.waitForTimeout(1500);
    await v.runCommand('View: Toggle Panel Visibility');
    await waitFor('the chat webview back in the panel', () => insidePart(page, '.part.panel'), 20_000);
    frame = await v.waitForChatFrame('body[data-backlog-done="true"] #messages', 30_000);
    await peerEntry(frame, 'while hidden: from the peer').waitFor({ timeout: 15_000 });
    for (const t of ['before move: from the peer', 'after move: from the peer']) await peerEntry(frame, t).waitFor({ timeout: 5_000 });
    for (const t of ['before move: from the browser', 'after move: from the browser']) await ownEntry(frame, t).waitFor({ timeout: 5_000 });
    await frame.locator('.presence[data-presence="online"]').waitFor({ timeout: 10_000 });
    await frame.locator('.session-state[data-state="active"]').waitFor({ timeout: 10_000 });
    assert.equal(await frame.locator('#messages .entry-peer').count(), 3, 'peer messages duplicated or missing after hide/show');
    assert.equal(await frame.locator('#messages .entry-own').count(), 2, 'own messages duplicated or missing after hide/show');
    // And still live after hide/show.
    await typeAndSend(frame, 'after show: from the browser');
    await p.waitReceived('after show: from the browser');
    await expectStatus(frame, 'after show: from the browser', 'delivered');
  });
  it('moves on from the panel to the secondary side bar (draft, history and live messages kept) and survives hiding that side bar', async () => {
    const v = vscode!;
    const p = peer!;
    const page = v.page;
    let frame = await v.waitForChatFrame('body[data-backlog-done="true"] #messages', 15_000);
    const draft = 'second draft, on its way to the secondary side bar';
    const box = frame.getByRole('textbox', { name: 'Message' });
    await box.click();
    await box.pressSequentially(draft, { delay: 5 });
    await page.waitForTimeout(800);

    await markWebview(page);
    await moveChatView(v, 'New Secondary Side Bar Entry');
    await waitFor('the chat webview to sit in the secondary side bar', () => insidePart(page, '.part.auxiliarybar'), 20_000);
    frame = await v.waitForChatFrame('body[data-backlog-done="true"] #messages', 30_000);
    assert.equal(await page.locator(`${webviewIframe}[data-e2e-old]`).count(), 0, 'the old webview is still there: VS Code did not re-create the view');
    await waitFor('the draft in the moved view\'s Message box', async () => (await frame.getByRole('textbox', { name: 'Message' }).inputValue()) === draft, 10_000)
      .catch(async (e: Error) => assert.fail(`draft lost by the second move: box holds ${JSON.stringify(await frame.getByRole('textbox', { name: 'Message' }).inputValue())}; ${e.message}`));
    assert.equal(await frame.locator('#messages .entry-peer').count(), 3, 'peer messages lost or duplicated by the second move');
    assert.equal(await frame.locator('#messages .entry-own').count(), 3, 'own messages lost or duplicated by the second move');
    await frame.locator('.session-state[data-state="active"]').waitFor({ timeout: 10_000 });
    await frame.locator('.presence[data-presence="online"]').waitFor({ timeout: 10_000 });

    p.send('in the secondary side bar: from the peer');
    await peerEntry(frame, 'in the secondary side bar: from the peer').waitFor({ timeout: 15_000 });
    await frame.getByRole('textbox', { name: 'Message' }).fill('');
    await typeAndSend(frame, 'in the secondary side bar: from the browser');
    await p.waitReceived('in the secondary side bar: from the browser');
    await expectStatus(frame, 'in the secondary side bar: from the browser', 'delivered');
    await v.screenshot('e2e-moved-view-secondary');

    await v.runCommand('View: Toggle Secondary Side Bar Visibility');
    await waitFor('the secondary side bar to hide', async () => !(await page.locator('.part.auxiliarybar').first().isVisible()), 10_000);
    await waitFor('the chat webview to hide', async () => !(await page.locator(webviewIframe).first().isVisible().catch(() => false)), 10_000);
    p.send('while the secondary side bar was closed');
    await page.waitForTimeout(1500);
    await v.runCommand('View: Toggle Secondary Side Bar Visibility');
    await waitFor('the chat webview back in the secondary side bar', () => insidePart(page, '.part.auxiliarybar'), 20_000);
    frame = await v.waitForChatFrame('body[data-backlog-done="true"] #messages', 30_000);
    await peerEntry(frame, 'while the secondary side bar was closed').waitFor({ timeout: 15_000 });
    assert.equal(await frame.locator('#messages .entry-peer').count(), 5, 'peer messages lost or duplicated after hide/show');
    assert.equal(await frame.locator('#messages .entry-own').count(), 4, 'own messages lost or duplicated after hide/show');
    await frame.locator('.presence[data-presence="online"]').waitFor({ timeout: 10_000 });
  });
});
