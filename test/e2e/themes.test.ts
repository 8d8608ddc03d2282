import * as assert from 'node:assert/strict';
import type { FrameLocator } from 'playwright-core';
import {
  collectTexts, contrastByKind, describeContrast, formatAxe, inspectIcons, runAxe, type KindContrast,
} from './a11y';
import { openVsCode, type ThemeKind, type VsCode } from './harness';
import { buildShowcase, REQUIRED_EMPTY_KINDS, REQUIRED_KINDS, showMarkedHeader } from './showcase';
import { chatSettings, freeUdpPort, TestPeer, waitFor } from './support';

/** Body class VS Code gives the webview document per theme kind. */
const WEBVIEW_BODY_CLASS: Record<ThemeKind, string> = {
  dark: 'vscode-dark', light: 'vscode-light', highContrast: 'vscode-high-contrast', highContrastLight: 'vscode-high-contrast-light',
};
const THEMES: Array<{ theme: ThemeKind; file: string }> = [
  { theme: 'dark', file: 'theme-dark' },
  { theme: 'light', file: 'theme-light' },
  { theme: 'highContrast', file: 'theme-hc' },
];
/** WCAG AA for normal text (the view has no large text); high contrast themes are held to AAA. */
const minContrast = (theme: ThemeKind) => (theme.startsWith('highContrast') ? 7 : 4.5);
const WCAG_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];
const LANDMARK_RULES = ['landmark-one-main', 'page-has-heading-one', 'region'];

/** The lowest contrast per theme, for the report at the end of the run. */
const minima = new Map<string, string>();

describe('e2e themes: every kind of entry readable in dark, light and high contrast; axe-core clean', function () {
  this.timeout(240_000);
  let vscode: VsCode | undefined;
  let peer: TestPeer | undefined;
  let extPort = 0;
  let current: ThemeKind = 'dark';
  let frame: FrameLocator | undefined;

  before(async () => {
    extPort = await freeUdpPort();
    peer = await TestPeer.start(extPort, 'Theme Peer');
    vscode = await openVsCode({ workspaceSettings: chatSettings(extPort, peer.port), theme: 'dark' });
  });
  after(async () => {
    if (minima.size) console.log(`      lowest contrast per theme:\n        ${[...minima].map(([k, v]) => `${k}: ${v}`).join('\n        ')}`);
    await peer?.stop();
    await vscode?.close();
  });

  async function useTheme(theme: ThemeKind, f: FrameLocator): Promise<void> {
    const v = vscode!;
    if (theme !== current) await v.setTheme(theme);
    current = theme;
    await f.locator(`body.${WEBVIEW_BODY_CLASS[theme]}`).waitFor({ timeout: 15_000 });
    await v.page.waitForTimeout(300); // let the theme's CSS variables settle before measuring
  }

  function assertContrast(theme: ThemeKind, kinds: KindContrast[], required: readonly string[], what: string): void {
    const found = new Set(kinds.map((k) => k.kind));
    const missing = required.filter((k) => !found.has(k));
    assert.deepEqual(missing, [], `${theme}: ${what} lacks these kinds of text, so they were not measured: ${missing.join(', ')} (found: ${[...found].join(', ')})`);
    const min = minContrast(theme);
    const low = kinds.filter((k) => k.min < min);
    assert.deepEqual(low.map(describeContrast), [], `${theme}: ${what}: text under ${min}:1`);
  }

  it('the empty view says what to do first, readably in each theme', async () => {
    const v = vscode!;
    await v.runCommand('UDP Chat: Focus on Chat View');
    const f = await v.waitForChatFrame('.empty-state:not([hidden])', 30_000);
    const guidance = (await f.locator('.empty-state').innerText()).replace(/\s+/g, ' ');
    assert.match(guidance, new RegExp(`Ready to chat with 127\\.0\\.0\\.1:${peer!.port}\\. Press Start — or just type a message: Enter starts the chat and sends it\\.`));
    const box = f.getByRole('textbox', { name: 'Message' });
    assert.equal(await box.isEnabled(), true, 'with a peer set, the message box is enabled before the chat starts');
    // A view opened fresh puts the caret in the message box (not on a header button) once it knows the peer.
    await waitFor('the caret in the message box of the new view', () => box.evaluate((b) => document.activeElement === b), 5_000)
      .catch(async () => assert.fail(`the focus is on ${await f.locator('body').evaluate(() => document.activeElement?.outerHTML.slice(0, 80))}`));
    const hintId = await box.getAttribute('aria-describedby');
    assert.ok(hintId, 'the message box has no description');
    assert.equal(await f.locator(`#${hintId}`).innerText(), 'Not started: Enter starts the chat and sends.');
    assert.equal(await f.locator('.session-state').innerText(), 'Not started');
    assert.equal(await f.locator('.local-address').isVisible(), false, 'no address shown while nothing is bound');

    for (const { theme, file } of THEMES) {
      await useTheme(theme, f);
      await v.screenshot(`${file}-empty`);
      const kinds = contrastByKind(await collectTexts(f));
      assertContrast(theme, kinds, REQUIRED_EMPTY_KINDS, 'the empty view');
      minima.set(`${theme} (empty view)`, describeContrast(kinds[0]!));
    }
  });

  it('renders every kind of entry and state at 4.5:1 or more in each theme (7:1 in high contrast), laid out as a conversation', async () => {
    const v = vscode!;
    frame = await buildShowcase(v, peer!);
    const f = frame;
    const order = [current, ...THEMES.map((t) => t.theme).filter((t) => t !== current)];
    for (const theme of order) {
      await useTheme(theme, f);
      await showMarkedHeader(f, extPort, peer!.port);
      await f.locator('#messages').evaluate((m) => { m.scrollTop = m.scrollHeight; });
      await v.screenshot(THEMES.find((t) => t.theme === theme)!.file);
      const kinds = contrastByKind(await collectTexts(f));
      console.log(`      ${theme}: ${kinds.length} kinds of text, lowest ${kinds.slice(0, 3).map(describeContrast).join('; ')}`);
      assertContrast(theme, kinds, REQUIRED_KINDS, 'the conversation');
      minima.set(theme, describeContrast(kinds[0]!));

      // Own messages on the right, peer messages on the left, notices centred between them.
      const look = await f.locator('#messages').evaluate((list) => {
        const edge = (el: Element | null) => { const r = el!.getBoundingClientRect(); return { left: r.left, right: r.right }; };
        const style = (el: Element | null) => getComputedStyle(el!);
        const own = list.querySelector('.entry-own');
        const peerEl = list.querySelector('.entry-peer');
        const notice = list.querySelector('.entry-notice');
        return {
          own: edge(own), peer: edge(peerEl), notice: edge(notice), list: edge(list),
          background: { own: style(own).backgroundColor, peer: style(peerEl).backgroundColor, notice: style(notice).backgroundColor },
          border: { own: style(own).borderColor, peer: style(peerEl).borderColor, notice: style(notice).borderColor },
        };
      });
      const { own, peer: pe, notice, list } = look;
      assert.ok(list.right - own.right < 24 && own.left - list.left > 24, `${theme}: own entry is not right-aligned (${JSON.stringify(own)} in ${JSON.stringify(list)})`);
      assert.ok(pe.left - list.left < 24 && list.right - pe.right > 24, `${theme}: peer entry is not left-aligned (${JSON.stringify(pe)} in ${JSON.stringify(list)})`);
      assert.ok(own.left > pe.left, `${theme}: own and peer entries start at the same x`);
      // Own and peer bubbles are told apart by colour too (background or border), not by position alone.
      assert.ok(look.background.own !== look.background.peer || look.border.own !== look.border.peer,
        `${theme}: own and peer entries look the same (${look.background.own}/${look.border.own})`);
      assert.ok(look.background.notice !== look.background.own || look.border.notice !== look.border.own, `${theme}: notice and own entries look the same`);
      assert.ok(Math.abs((notice.left - list.left) - (list.right - notice.right)) < 24, `${theme}: notice is not centred`);
    }
  });

  it('axe-core finds no WCAG 2.1 A/AA violation and the landmark rules pass, in each theme', async () => {
    const v = vscode!;
    const f = frame!;
    const doc = await v.chatDocument();
    const report: string[] = [];
    for (const theme of [current, ...THEMES.map((t) => t.theme).filter((t) => t !== current)]) {
      await useTheme(theme, f);
      await showMarkedHeader(f, extPort, peer!.port);
      const wcag = await runAxe(doc, { type: 'tag', values: WCAG_TAGS });
      const landmarks = await runAxe(doc, { type: 'rule', values: LANDMARK_RULES });
      report.push(`${theme}: ${wcag.passes.length} WCAG rules pass, ${wcag.violations.length} violations; landmark rules pass: ${landmarks.passes.join(', ')}`);
      // "Needs review" is not a violation; it is printed so a reader sees what axe could not decide.
      if (wcag.incomplete.length) report.push(`${theme}: axe could not decide (needs review):\n${formatAxe(wcag.incomplete)}`);
      assert.equal(wcag.violations.length, 0, `${theme}: axe-core WCAG 2.1 A/AA violations:\n${formatAxe(wcag.violations)}`);
      assert.equal(landmarks.violations.length, 0, `${theme}: axe-core landmark violations:\n${formatAxe(landmarks.violations)}`);
      assert.deepEqual([...landmarks.passes].sort(), [...LANDMARK_RULES].sort(), `${theme}: not every landmark rule ran and passed`);
    }
    console.log(`      ${report.join('\n      ')}`);
  });

  it('every icon is a codicon from the shipped font, hidden from screen readers; no emoji anywhere in the chrome', async () => {
    const f = frame!;
    const r = await inspectIcons(f);
    assert.ok(r.fontLoaded, 'the codicon font did not load (CSP font-src, or media/codicons missing)');
    assert.ok(r.glyphDrawn, 'a codicon glyph draws the same as the fallback font: the font is not in use');
    assert.ok(r.icons.length >= 15, `only ${r.icons.length} icons visible`);
    for (const i of r.icons) {
      assert.equal(i.ariaHidden, 'true', `icon ${i.classes} in .${i.where} is not aria-hidden`);
      assert.equal(i.text, '', `icon ${i.classes} in .${i.where} has text content ${JSON.stringify(i.text)}`);
      assert.match(i.before, /^["']?[\uE000-\uF8FF]["']?$/, `icon ${i.classes} in .${i.where} draws ${JSON.stringify(i.before)}, not a codicon glyph`);
      assert.match(i.fontFamily, /codicon/, `icon ${i.classes} in .${i.where} uses font ${i.fontFamily}`);
      assert.ok(i.width > 4, `icon ${i.classes} in .${i.where} is ${i.width}px wide`);
    }
    assert.deepEqual(r.otherGenerated, [], 'generated content that is not a codicon');
    assert.deepEqual(r.pictographs, [], 'emoji or pictographic symbols in the view chrome');
    // Each delivery status: a codicon plus its words for screen readers.
    const statuses = await f.locator('#messages .status').evaluateAll((els) => els.map((e) => ({
      status: (e as HTMLElement).dataset.status,
      icon: e.querySelector('.status-icon')?.className ?? '',
      text: e.querySelector('.status-text')?.textContent ?? '',
    })));
    const byStatus = new Map(statuses.map((s) => [s.status, s]));
    for (const [status, words] of Object.entries({
      queued: 'queued', sending: 'sending…', delivered: 'delivered', failed: 'failed', unsent: 'not sent',
      unconfirmed: 'sent (unconfirmed)', textSent: 'sent as text (not confirmed yet)',
    })) {
      const s = byStatus.get(status);
      assert.ok(s, `no entry shows status ${status}`);
      assert.match(s.icon, /\bcodicon codicon-[a-z-]+/, `status ${status} has no codicon`);
      assert.equal(s.text, words, `status ${status} reads ${JSON.stringify(s.text)}`);
    }
  });
});
