import * as assert from 'node:assert/strict';
import type { FrameLocator, Page } from 'playwright-core';
import { openVsCode, type VsCode } from './harness';
import { chatSettings, freeUdpPort, TestPeer, waitFor } from './support';

/** F1, type the title, Enter: only keys. Retries while the extension host has not registered it yet. */
async function paletteByKeys(page: Page, title: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    await page.keyboard.press('F1');
    const input = page.locator('.quick-input-widget .quick-input-box input');
    await input.waitFor({ timeout: 10_000 });
    await page.keyboard.type(title);
    // Enter runs the highlighted row: wait until it is ours.
    const first = page.locator('.quick-input-list .monaco-list-row.focused .label-name');
    const ok = await waitFor(`"${title}" at the top of the palette`, async () => (await first.textContent().catch(() => '')) === title, 3_000).catch(() => false);
    if (ok) { await page.keyboard.press('Enter'); return; }
    await page.keyboard.press('Escape');
    if (Date.now() > deadline) throw new Error(`the palette never offered "${title}"`);
  }
}

/** What the focused element inside the chat webview is, and how its focus is drawn. */
function focusInChat(frame: FrameLocator) {
  return frame.locator('body').evaluate(() => {
    const el = document.activeElement as HTMLElement | null;
    const cs = el ? getComputedStyle(el) : undefined;
    const entry = el?.closest<HTMLElement>('#messages .entry');
    return {
      hasFocus: document.hasFocus(),
      tag: el?.tagName.toLowerCase() ?? '',
      role: el?.getAttribute('role') ?? '',
      label: (el?.getAttribute('aria-label') ?? (el === document.body ? '' : el?.textContent?.trim()) ?? '').slice(0, 40),
      outline: cs ? `${cs.outlineStyle} ${cs.outlineWidth} ${cs.outlineColor}` : '',
      boxShadow: cs?.boxShadow ?? 'none',
      /** Which entry of the list holds the focus (index among the entries), -1 outside the list. */
      entry: entry ? Array.from(document.querySelectorAll('#messages .entry')).indexOf(entry) : -1,
      /** The focus is on the entry itself, not on a control inside it. */
      onEntry: !!entry && entry === el,
      entries: document.querySelectorAll('#messages .entry').length,
      inHeader: !!el?.closest('.chat-header'),
    };
  });
}

type Focus = Awaited<ReturnType<typeof focusInChat>>;
const describe1 = (f: Focus) => `<${f.tag}${f.role ? ` role=${f.role}` : ''}> ${JSON.stringify(f.label)}${f.entry >= 0 ? ` (entry ${f.entry}${f.onEntry ? '' : ', inside'})` : ''}`;

function visiblyFocused(f: { outline: string; boxShadow: string }): boolean {
  const [style, width] = f.outline.split(' ');
  return (style !== 'none' && parseFloat(width) > 0) || (f.boxShadow !== 'none' && f.boxShadow !== '');
}

describe('e2e keyboard only', function () {
  this.timeout(120_000);
  let vscode: VsCode | undefined;
  let peer: TestPeer | undefined;

  before(async () => {
    const extPort = await freeUdpPort();
    peer = await TestPeer.start(extPort, 'Key Peer');
    vscode = await openVsCode({
      workspaceSettings: chatSettings(extPort, peer.port),
      files: { 'notes.txt': 'notes\n' },
    });
  });
  after(async () => { await peer?.stop(); await vscode?.close(); });

  it('starts, focuses, sends and leaves the chat with the keyboard alone', async () => {
    const v = vscode!;
    const { page } = v;
    const p = peer!;

    // An editor to come back to later.
    await paletteByKeys(page, 'Go to File...');
    await page.keyboard.type('notes.txt');
    await page.locator('.quick-input-list .monaco-list-row.focused').filter({ hasText: 'notes.txt' }).waitFor({ timeout: 10_000 });
    await page.keyboard.press('Enter');
    await page.locator('.part.editor .monaco-editor').waitFor({ timeout: 15_000 });

    await paletteByKeys(page, 'Start UDP Chat');
    const frame = await v.waitForChatFrame('.session-state[data-state="active"]', 30_000);
    await p.waitOnline();

    // Accessible names and live region, as a screen reader sees them.
    assert.equal(await frame.getByRole('textbox', { name: 'Message' }).count(), 1, 'no textbox named "Message"');
    const log = frame.getByRole('log', { name: 'Conversation' });
    assert.equal(await log.count(), 1, 'no log named "Conversation"');
    assert.equal(await log.getAttribute('aria-live'), 'polite');
    assert.equal(await frame.getByRole('button', { name: 'Send' }).count(), 1, 'no Send button');

    // "Focus on Chat View" moves the keyboard into the chat; Tab reaches the Message box from wherever it lands.
    await paletteByKeys(page, 'UDP Chat: Focus on Chat View');
    await waitFor('focus inside the chat webview', async () => (await focusInChat(frame)).hasFocus, 10_000);
    const path: string[] = [];
    let focused = await focusInChat(frame);
    for (let i = 0; i < 8 && focused.tag !== 'textarea'; i++) {
      path.push(`<${focused.tag}> ${focused.label}`);
      await page.keyboard.press('Tab');
      focused = await focusInChat(frame);
    }
    console.log(`      keyboard path to the Message box: ${[...path, '<textarea> Message'].join(' → ')}`);
    assert.deepEqual({ tag: focused.tag, label: focused.label }, { tag: 'textarea', label: 'Message' }, `Tab never reached the Message box: ${path.join(' → ')}`);
    assert.ok(visiblyFocused(focused), `the focused Message box shows no focus indicator (outline ${focused.outline}, box-shadow ${focused.boxShadow})`);

    await page.keyboard.type('typed without a mouse');
    await page.keyboard.press('Enter');
    await p.waitReceived('typed without a mouse');

    // The message list is one Tab stop: Shift+Tab from the Message box lands on the newest entry.
    p.send('a reply with a link: https://example.com/keys');
    p.send('the newest reply');
    await frame.locator('#messages .entry-peer', { hasText: 'the newest reply' }).waitFor({ timeout: 10_000 });
    const box = frame.getByRole('textbox', { name: 'Message' });
    await box.focus();
    await page.keyboard.press('Shift+Tab');
    let f = await focusInChat(frame);
    assert.ok(f.onEntry && f.entry === f.entries - 1, `Shift+Tab from the Message box lands on ${describe1(f)}, not the newest entry (${f.entries - 1})`);
    assert.equal(f.role, 'article');
    assert.match(f.label, /^Key Peer, \d\d:\d\d: the newest reply/);
    assert.ok(visiblyFocused(f), `the focused entry shows no focus indicator (outline ${f.outline})`);
    await v.screenshot('e2e-keyboard-list');

    // Arrows move between entries like VS Code's lists; Home/End go to the ends.
    const newest = f.entry;
    await page.keyboard.press('ArrowUp');
    f = await focusInChat(frame);
    assert.ok(f.onEntry && f.entry === newest - 1, `ArrowUp went to ${describe1(f)}`);
    assert.match(f.label, /a reply with a link/);
    await page.keyboard.press('Home');
    f = await focusInChat(frame);
    assert.ok(f.onEntry && f.entry === 0, `Home went to ${describe1(f)}`);
    await page.keyboard.press('ArrowUp');
    assert.equal((await focusInChat(frame)).entry, 0, 'ArrowUp on the first entry moved');
    await page.keyboard.press('End');
    f = await focusInChat(frame);
    assert.ok(f.onEntry && f.entry === newest, `End went to ${describe1(f)}`);
    await page.keyboard.press('ArrowDown');
    assert.equal((await focusInChat(frame)).entry, newest, 'ArrowDown on the newest entry moved');

    // An entry's controls are Tab stops only while it has the focus: the link entry's link, then out to the Message box.
    await page.keyboard.press('ArrowUp');
    await page.keyboard.press('Tab');
    f = await focusInChat(frame);
    assert.ok(f.tag === 'a' && f.entry === newest - 1, `Tab from the link entry went to ${describe1(f)}, not its link`);
    assert.ok(visiblyFocused(f), 'the focused link shows no focus indicator');
    await page.keyboard.press('Tab');
    f = await focusInChat(frame);
    assert.equal(f.tag, 'textarea', `Tab after the entry's last control went to ${describe1(f)}, not out of the list to the Message box`);
    // Back in: the entry the user was on, not its link and not the newest.
    await page.keyboard.press('Shift+Tab');
    f = await focusInChat(frame);
    assert.ok(f.onEntry && f.entry === newest - 1, `Shift+Tab back into the list went to ${describe1(f)}`);
    // Enter goes into the entry's controls; Escape comes back to the entry.
    await page.keyboard.press('Enter');
    f = await focusInChat(frame);
    assert.ok(f.tag === 'a' && f.entry === newest - 1, `Enter on the entry went to ${describe1(f)}`);
    await page.keyboard.press('Escape');
    f = await focusInChat(frame);
    assert.ok(f.onEntry && f.entry === newest - 1, `Escape in the link went to ${describe1(f)}`);
    // Shift+Tab from the list goes to the header.
    await page.keyboard.press('Shift+Tab');
    f = await focusInChat(frame);
    assert.ok(f.inHeader, `Shift+Tab from the list went to ${describe1(f)}, not the header`);

    // A full Tab walk from the header to the Message box passes through the list exactly once.
    const walk: Focus[] = [];
    for (let i = 0; i < 20; i++) {
      await page.keyboard.press('Tab');
      f = await focusInChat(frame);
      walk.push(f);
      if (f.tag === 'textarea') break;
    }
    console.log(`      Tab stops from the header to the Message box: ${walk.map(describe1).join(' → ')}`);
    assert.equal(walk[walk.length - 1]?.tag, 'textarea', 'Tab never reached the Message box');
    assert.equal(walk.filter((w) => w.onEntry).length, 1, `the list took ${walk.filter((w) => w.onEntry).length} Tab stops`);
    assert.ok(walk.every((w) => w.entry < 0 || w.entry === newest - 1), 'Tab reached a control of an entry that does not have the focus');

    // Shift+Tab walks back through the view; every stop shows where the focus is.
    const stops: string[] = [];
    for (let i = 0; i < 4; i++) {
      await page.keyboard.press('Shift+Tab');
      const f = await focusInChat(frame);
      if (!f.hasFocus || f.tag === 'body') break;
      stops.push(`${f.tag} "${f.label.slice(0, 20)}"`);
      assert.ok(visiblyFocused(f), `keyboard focus on <${f.tag}> "${f.label}" is invisible (outline ${f.outline}, box-shadow ${f.boxShadow})`);
      if (stops.length === 2) await v.screenshot('e2e-keyboard-focus');
    }
    console.log(`      Shift+Tab stops: ${stops.join(' → ')}`);
    assert.ok(stops.length >= 2, `Shift+Tab reached only ${stops.join(', ') || 'nothing'}`);

    // Back to the editor with the keyboard: typing lands in the file.
    await page.keyboard.press('Escape');
    await page.keyboard.press('Control+1');
    await waitFor('focus in the editor', () => page.evaluate(() => !!document.activeElement?.closest('.part.editor .monaco-editor')), 5_000);
    await page.keyboard.type('back in the editor ');
    await waitFor('the typed text in the editor', async () => (await page.locator('.part.editor .view-lines').innerText()).replace(/\u00a0/g, ' ').includes('back in the editor'), 5_000);
  });

  it('"UDP Chat: Focus on Chat View" puts the caret in the Message box, so typing goes there', async () => {
    const v = vscode!;
    const { page } = v;
    const frame = v.chatFrame();
    // Start from the editor (the previous test leaves the focus there).
    await page.keyboard.press('Control+1');
    await paletteByKeys(page, 'UDP Chat: Focus on Chat View');
    await waitFor('focus inside the chat webview', async () => (await focusInChat(frame)).hasFocus, 10_000);
    const f = await waitFor('focus on an element', async () => { const x = await focusInChat(frame); return x.tag !== 'body' && x; }, 3_000).catch(() => focusInChat(frame));
    assert.deepEqual({ tag: f.tag, label: f.label }, { tag: 'textarea', label: 'Message' },
      `after "UDP Chat: Focus on Chat View" the keyboard focus is on <${f.tag}> ${JSON.stringify(f.label)}, not in the Message box: a keyboard user's typing goes nowhere`);
  });
});
