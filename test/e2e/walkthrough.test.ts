// The getting-started walkthrough in the real UI: it opens by itself the first time the extension
// runs (once: not again after a reload), it is on the Welcome page and in "Welcome: Open
// Walkthrough...", its steps and their Markdown media show, and it reads in light, dark and high
// contrast (screenshots test-results/walkthrough-*.png).
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { FrameLocator, Page } from 'playwright-core';
import { openVsCode, pickQuickInput, repoRoot, type ThemeKind, type VsCode } from './harness';
import { waitFor } from './support';

const pkg = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8'));
const nls: Record<string, string> = fs.existsSync(path.join(repoRoot, 'package.nls.json'))
  ? JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.nls.json'), 'utf8')) : {};
/** A manifest string as the user sees it (a %key% resolved through package.nls.json). */
const shown = (s: string) => s.replace(/^%(.+)%$/, (_, k: string) => nls[k] ?? s);
const walkthrough = pkg.contributes.walkthroughs[0];
const TITLE: string = shown(walkthrough.title);
const STEPS: string[] = walkthrough.steps.map((s: { title: string }) => shown(s.title));

/** The open walkthrough editor (VS Code's Getting Started page showing one category). */
const stepList = (page: Page) => page.locator('.gettingStartedContainer .gettingStartedSlideDetails');

/** Every webview document on the page, innermost frames (the walkthrough's Markdown media is one). */
async function webviewWith(page: Page, text: string, timeoutMs = 20_000): Promise<FrameLocator> {
  return waitFor(`a webview showing "${text}"`, async () => {
    const n = await page.locator('iframe.webview.ready').count();
    for (let i = 0; i < n; i++) {
      const f = page.locator('iframe.webview.ready').nth(i).contentFrame().locator('#active-frame').contentFrame();
      if (await f.getByText(text, { exact: false }).count().catch(() => 0)) return f;
    }
    return undefined;
  }, timeoutMs);
}

/** View: Close All Editors, typed and confirmed with Enter (a quick pick closed before may leave a hidden list behind). */
async function closeAllEditors(v: VsCode): Promise<void> {
  await v.page.keyboard.press('Escape');
  await v.page.keyboard.press('F1');
  const input = v.page.locator('.quick-input-widget .quick-input-box input');
  await input.waitFor({ timeout: 10_000 });
  await input.fill('>View: Close All Editors');
  await v.page.locator('.quick-input-widget:visible .monaco-list-row', { hasText: 'View: Close All Editors' }).first().waitFor({ timeout: 10_000 });
  await input.press('Enter');
  await v.page.locator('.gettingStartedContainer').waitFor({ state: 'detached', timeout: 10_000 });
}

async function assertStepsVisible(v: VsCode): Promise<void> {
  const details = stepList(v.page);
  await details.getByText(TITLE, { exact: true }).waitFor({ timeout: 30_000 });
  for (const step of STEPS) {
    await details.locator('.getting-started-step .step-title', { hasText: step }).first().waitFor({ state: 'visible', timeout: 10_000 })
      .catch(() => assert.fail(`the walkthrough does not show the step "${step}"`));
  }
}

describe('e2e walkthrough: opens once on first install, on the Welcome page, readable in every theme', function () {
  this.timeout(240_000);
  let vscode: VsCode | undefined;

  before(async () => {
    // As for a user with VS Code's defaults: walkthroughs of new extensions open (the test hosts turn it off).
    vscode = await openVsCode({ theme: 'light', viewport: { width: 1600, height: 1000 }, userSettings: { 'workbench.welcomePage.walkthroughs.openOnInstall': true },
      // A development host opens the walkthrough only when asked (src/host/walkthrough.ts).
      env: { UDP_CHAT_OPEN_WALKTHROUGH: '1' } });
  });
  after(async () => { await vscode?.close(); });

  it('opens by itself the first time, with every step title and the first step\'s media', async () => {
    const v = vscode!;
    await assertStepsVisible(v);
    const media = await webviewWith(v.page, 'Who to chat with');
    await media.getByRole('heading', { name: 'Who to chat with' }).waitFor();
    // The first step's buttons are command links.
    const first = v.page.locator('.getting-started-step.expanded');
    await first.getByRole('button', { name: 'Set Peer Address' }).waitFor({ timeout: 10_000 });
  });

  const themes: Array<{ theme: ThemeKind; file: string }> = [
    { theme: 'light', file: 'walkthrough-light' },
    { theme: 'dark', file: 'walkthrough-dark' },
    { theme: 'highContrast', file: 'walkthrough-hc' },
  ];
  it('shows the safety-number step and its media in light, dark and high contrast (screenshots)', async () => {
    const v = vscode!;
    await stepList(v.page).locator('.getting-started-step .step-title', { hasText: STEPS[2] }).first().click();
    const media = await webviewWith(v.page, 'Compare safety numbers');
    await media.getByText('35588 41259 41270 75150 61182 80626').waitFor();
    await v.page.locator('.getting-started-step.expanded').getByRole('button', { name: 'Verify Safety Number' }).waitFor();
    for (const { theme, file } of themes) {
      if (theme !== 'light') await v.setTheme(theme);
      await assertStepsVisible(v);
      await v.page.waitForTimeout(500); // the media webview re-themes a moment later
      const shot = await v.screenshot(file);
      assert.ok(fs.statSync(shot).size > 10_000, `${shot} is not empty`);
    }
  });

  it('is listed on the Welcome page and in "Welcome: Open Walkthrough..."', async () => {
    const v = vscode!;
    await closeAllEditors(v);
    await v.runCommand('Help: Welcome');
    await v.page.locator('.gettingStartedContainer').getByText(TITLE, { exact: true }).first().waitFor({ timeout: 30_000 })
      .catch(() => assert.fail(`the Welcome page does not list "${TITLE}"`));
    await closeAllEditors(v);
    await v.runCommand('Welcome: Open Walkthrough...');
    await pickQuickInput(v.page, TITLE);
    await assertStepsVisible(v);
  });

  it('does not open again after a reload (remembered)', async () => {
    const v = vscode!;
    await closeAllEditors(v);
    await v.runCommand('Developer: Reload Window');
    await v.page.waitForTimeout(1000);
    await v.page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
    // The extension is active again once its status-bar item is back; the walkthrough would open then.
    await v.page.locator('.statusbar-item[id$="udpChat.status"]').waitFor({ timeout: 60_000 });
    await v.page.waitForTimeout(3000);
    assert.equal(await v.page.locator('.gettingStartedContainer').count(), 0, 'the walkthrough opened again after the reload');
  });
});
