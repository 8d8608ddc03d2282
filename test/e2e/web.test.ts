// The browser entry (dist/web.js) in a real web worker extension host: code-server runs extensions in
// its Node host, but the user setting remote.extensionKind can send ours to the browser's web worker,
// as vscode.dev would run it. There a UDP socket cannot exist: the commands and the view must say so.
import * as assert from 'node:assert/strict';
import { openVsCode, type VsCode } from './harness';

const MESSAGE = 'UDP Chat needs a desktop VS Code or a remote/Codespaces server: browsers cannot open UDP sockets.';

describe('e2e browser-only host: the web entry explains instead of failing', function () {
  this.timeout(180_000);
  let vscode: VsCode | undefined;

  before(async () => {
    vscode = await openVsCode({ userSettings: { 'remote.extensionKind': { 'udp-chat.udp-chat': ['web'] } } });
  });
  after(async () => { await vscode?.close(); });

  it('Start UDP Chat shows the message; the view says it too', async () => {
    const v = vscode!;
    const page = v.page;
    await v.runCommand('Start UDP Chat');
    const toast = page.locator('.notification-toast', { hasText: 'browsers cannot open UDP sockets' });
    await toast.waitFor({ timeout: 30_000 });
    assert.match(await toast.innerText(), /UDP Chat needs a desktop VS Code or a remote\/Codespaces server/);
    await v.runCommand('UDP Chat: Set Peer Address');
    await v.runCommand('View: Show UDP Chat');
    const frame = await v.waitForChatFrame('#unsupported', 30_000);
    assert.equal((await frame.locator('#unsupported').innerText()).trim(), MESSAGE);
    assert.equal(await frame.locator('#messages').count(), 0, 'the Node chat view loaded: the extension did not run in the web worker');
    await v.screenshot('web-worker-unsupported');
    // Its button opens the README that ships with the extension, which explains where UDP Chat runs.
    await frame.getByRole('button', { name: 'Where UDP Chat Runs' }).click();
    await page.locator('.tab', { hasText: 'Preview README.md' }).waitFor({ timeout: 20_000 });
    const preview = page.locator('iframe.webview.ready[src*="markdown-language-features"]').contentFrame().locator('#active-frame').contentFrame();
    await preview.getByRole('heading', { name: 'Where it runs', exact: true }).scrollIntoViewIfNeeded({ timeout: 20_000 });
    await v.screenshot('web-worker-where-it-runs');
  });
});
