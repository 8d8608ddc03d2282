import * as assert from 'node:assert/strict';
import { openVsCode, type VsCode } from './harness';

describe('e2e smoke', function () {
  this.timeout(120_000);
  let vscode: VsCode | undefined;

  before(async () => { vscode = await openVsCode(); });
  after(async () => { await vscode?.close(); });

  it('"Start UDP Chat" from the palette shows the chat view', async () => {
    const v = vscode!;
    await v.runCommand('Start UDP Chat');
    // No peer is set: Start asks for one first; cancelling still opens the view (with its guidance).
    await v.page.locator('.quick-input-widget .quick-input-title', { hasText: 'UDP Chat: peer address' }).waitFor({ timeout: 15_000 });
    await v.page.keyboard.press('Escape');
    const frame = await v.waitForChatFrame('body *', 30_000);
    assert.ok(await frame.locator('body').isVisible(), 'chat view body is not visible');
    await v.screenshot('smoke-chat-view');
  });
});
