import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ChatEntry } from '../../src/shared/protocol';
import { openVsCode, type VsCode } from './harness';
import { waitFor } from './support';

const COUNT = 10_000;

/** A realistic history: own (delivered), peer and notice entries, some with markdown and code. */
function makeHistory(n: number): ChatEntry[] {
  const t0 = Date.now() - n * 60_000;
  const out: ChatEntry[] = [];
  for (let i = 1; i <= n; i++) {
    const id = `hist-${i}`;
    const time = t0 + i * 60_000;
    if (i === 1) out.push({ id, kind: 'peer', text: 'history message 1: the very first one', time, from: 'Old Peer' });
    else if (i % 50 === 0) out.push({ id, kind: 'notice', text: `Old Peer went offline (#${i}).`, time, level: 'warning' });
    else if (i % 97 === 0) out.push({ id, kind: 'peer', text: `snippet ${i}`, time, from: 'Old Peer', code: { code: `const n = ${i};\nconsole.log(n);`, language: 'typescript', path: 'src/n.ts', startLine: 1, endLine: 2 } });
    else if (i % 2 === 0) out.push({ id, kind: 'own', text: `history message ${i} with **bold**, \`code\` and https://example.com/${i}`, time, status: 'delivered' });
    else out.push({ id, kind: 'peer', text: `history message ${i}: a reply from the other side`, time, from: 'Old Peer' });
  }
  return out;
}

/** The extension host creates <user-data>/User/workspaceStorage/<id>/meta.json for the folder when it starts. */
async function workspaceStorageDir(v: VsCode): Promise<string> {
  const root = path.join(v.userDataDir, 'User', 'workspaceStorage');
  return waitFor('the workspace storage folder of the test workspace', () => {
    if (!fs.existsSync(root)) return false;
    for (const id of fs.readdirSync(root)) {
      const meta = path.join(root, id, 'meta.json');
      if (fs.existsSync(meta) && fs.readFileSync(meta, 'utf8').includes(path.basename(v.workspace))) return path.join(root, id);
    }
    return false;
  }, 30_000);
}

describe('e2e history: 10,000 entries and the draft', function () {
  this.timeout(180_000);
  let vscode: VsCode | undefined;

  before(async () => {
    // Keep all 10,000 (the default limit would drop the oldest as soon as a notice is added).
    // A peer is set (no session runs): without one the message box is disabled, and the draft test types in it.
    vscode = await openVsCode({ workspaceSettings: { 'udpChat.historyLimit': 20_000, 'udpChat.peer': '127.0.0.1:9' } });
  });
  after(async () => { await vscode?.close(); });

  it('renders a 10,000-entry history and scrolls to the first message', async () => {
    const v = vscode!;
    const dir = path.join(await workspaceStorageDir(v), 'udp-chat.udp-chat');
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'history.json'), JSON.stringify({ version: 1, entries: makeHistory(COUNT) }));
    // The extension activates on startup and may have read its (empty) history before the file was
    // written: a reload makes it read this one, whatever the timing.
    await v.runCommand('Developer: Reload Window');
    await v.page.waitForTimeout(1000);
    await v.page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });

    await v.runCommand('UDP Chat: Focus on Chat View', 60_000);
    const frame = await v.waitForChatFrame('body[data-render-count]', 60_000);
    const seen = Date.now();
    const body = frame.locator('body');
    const count = Number(await body.getAttribute('data-render-count'));
    const ms = Number(await body.getAttribute('data-render-ms'));
    assert.equal(count, COUNT, 'the view did not render the whole history');
    // The view may paint the newest entries first and add older ones in idle time: wait for all of them.
    const entries = frame.locator('#messages .entry');
    await waitFor(`all ${COUNT} entries in the list`, async () => (await entries.count()) === COUNT, 60_000)
      .catch(async () => assert.fail(`only ${await entries.count()} of ${COUNT} entries ever reached the list`));
    console.log(`      history render: ${count} entries in ${ms} ms (first paint, body[data-render-ms]); all ${COUNT} in the list ~${Date.now() - seen} ms after that (measured from the test)`);
    assert.equal(await body.getAttribute('data-backlog-done').then((x) => x ?? 'true'), 'true', 'the backlog still says busy with every entry in');

    // It opens at the newest entry; scrolling to the top shows the first one.
    const last = frame.locator('#messages .entry').last();
    assert.ok(await last.evaluate((e) => { const r = e.getBoundingClientRect(); const l = e.parentElement!.getBoundingClientRect(); return r.bottom <= l.bottom + 1 && r.bottom > l.top; }), 'the newest entry is not in view at open');
    // As a user does it: focus the log (it hands the focus to its entry), press Home (the list moves to its first entry).
    await frame.getByRole('log', { name: 'Conversation' }).focus();
    await v.page.keyboard.press('Home');
    const first = frame.locator('#messages .entry').first();
    assert.equal(await first.locator('.text').textContent(), 'history message 1: the very first one');
    const firstInView = () => first.evaluate((e) => { const r = e.getBoundingClientRect(); const l = e.parentElement!.getBoundingClientRect(); return r.top >= l.top - 1 && r.top < l.bottom; });
    await waitFor('the first entry in view after Home', firstInView, 5_000)
      .catch(async () => assert.fail(`the first entry is not in view after Home (scrollTop ${await frame.locator('#messages').evaluate((m) => m.scrollTop)})`));
    // And it stays there: nothing pulls the view back to the bottom on its own.
    await v.page.waitForTimeout(1000);
    assert.ok(await firstInView(), 'the view jumped away from the top by itself');
    await v.screenshot('e2e-history-top');
  });

  it('keeps an unsent draft when the view is hidden and shown, and across a window reload', async () => {
    const v = vscode!;
    let frame = v.chatFrame();
    const draft = 'a draft I have not sent yet\nwith a second line';
    const box = () => frame.getByRole('textbox', { name: 'Message' });
    await box().click();
    await box().fill(draft);
    await box().press('End'); // fill() fires input; a real key press too, like a user

    await v.runCommand('View: Show Explorer');
    await v.page.locator('.part.sidebar .pane-header', { hasText: /workspace/i }).first().waitFor({ timeout: 15_000 });
    await waitFor('the chat webview to be hidden', async () => !(await box().isVisible().catch(() => false)), 10_000);

    await v.runCommand('UDP Chat: Focus on Chat View');
    frame = await v.waitForChatFrame('textarea.message-input', 30_000);
    await waitFor('the draft to come back after hide/show', async () => (await box().inputValue().catch(() => '')) === draft, 10_000)
      .catch(async () => assert.fail(`draft after hide/show: ${JSON.stringify(await box().inputValue().catch(() => '(none)'))}`));

    await v.runCommand('Developer: Reload Window');
    await v.page.waitForTimeout(1000);
    await v.page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
    frame = await v.waitForChatFrame('body[data-render-count]', 60_000).catch(async () => {
      await v.runCommand('UDP Chat: Focus on Chat View');
      return v.waitForChatFrame('body[data-render-count]', 60_000);
    });
    const again = Number(await frame.locator('body').getAttribute('data-render-count'));
    console.log(`      after reload: ${again} entries in ${await frame.locator('body').getAttribute('data-render-ms')} ms`);
    assert.ok(again >= COUNT, `after reload only ${again} entries`);
    await waitFor('the draft to survive the reload', async () => (await box().inputValue().catch(() => '')) === draft, 10_000)
      .catch(async () => assert.fail(`draft after reload: ${JSON.stringify(await box().inputValue().catch(() => '(none)'))}`));
  });
});
