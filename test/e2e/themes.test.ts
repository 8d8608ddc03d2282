import * as assert from 'node:assert/strict';
import type { FrameLocator } from 'playwright-core';
import { openVsCode, type ThemeKind, type VsCode } from './harness';
import { chatSettings, expectStatus, freeUdpPort, peerEntry, startChat, TestPeer, typeAndSend } from './support';

/** Body class VS Code gives the webview document per theme kind. */
const WEBVIEW_BODY_CLASS: Record<ThemeKind, string> = {
  dark: 'vscode-dark', light: 'vscode-light', highContrast: 'vscode-high-contrast', highContrastLight: 'vscode-high-contrast-light',
};
const SHOTS: Array<{ theme: ThemeKind; file: string }> = [
  { theme: 'dark', file: 'theme-dark' },
  { theme: 'light', file: 'theme-light' },
  { theme: 'highContrast', file: 'theme-hc' },
];

interface Look {
  /** WCAG contrast of each entry kind's text against what is really behind it. */
  contrast: Record<'own' | 'peer' | 'notice' | 'inlineCode' | 'code' | 'input', number>;
  box: Record<'own' | 'peer' | 'notice' | 'list', { left: number; right: number }>;
  background: Record<'own' | 'peer' | 'notice', string>;
  border: Record<'own' | 'peer' | 'notice', string>;
  /** "<class> <color> on <background>" per measured element, for failure messages. */
  colors: string[];
}

/** Reads colours and geometry in the webview; backgrounds are resolved through transparent ancestors. */
function measure(frame: FrameLocator): Promise<Look> {
  return frame.locator('#messages').evaluate((list) => {
    const parse = (c: string): number[] => (c.match(/[\d.]+/g) ?? []).map(Number);
    // Translucent backgrounds (e.g. textPreformat's #0000001F) are blended over what lies below them.
    const bgOf = (el: Element | null): number[] => {
      const layers: number[][] = [];
      for (let e = el; e; e = e.parentElement) {
        const c = parse(getComputedStyle(e).backgroundColor);
        const alpha = c.length >= 4 ? c[3] : 1;
        if (c.length >= 3 && alpha > 0) layers.push([c[0], c[1], c[2], alpha]);
        if (alpha >= 1) break;
      }
      let out = [255, 255, 255];
      for (const [r, g, b, a] of layers.reverse()) out = [r * a + out[0] * (1 - a), g * a + out[1] * (1 - a), b * a + out[2] * (1 - a)];
      return out;
    };
    const lum = (c: number[]) => {
      const [r, g, b] = c.map((v) => { const s = v / 255; return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4; });
      return 0.2126 * r + 0.7152 * g + 0.0722 * b;
    };
    const colors: string[] = [];
    const contrast = (el: Element | null): number => {
      if (!el) return 0;
      const bg = bgOf(el);
      const fg = parse(getComputedStyle(el).color);
      const fa = fg.length >= 4 ? fg[3] : 1; // translucent text is blended over its background
      const a = lum([0, 1, 2].map((i) => fg[i] * fa + bg[i] * (1 - fa)));
      colors.push(`${el.className || el.tagName.toLowerCase()} ${getComputedStyle(el).color} on rgb(${bgOf(el).map(Math.round).join(', ')})`);
      const b = lum(bg);
      return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    };
    const q = (s: string) => list.querySelector(s);
    const edge = (el: Element | null) => { const r = el!.getBoundingClientRect(); return { left: r.left, right: r.right }; };
    const own2 = q('.entry-own');
    const peer = q('.entry-peer');
    const notice = q('.entry-notice');
    return {
      contrast: {
        own: contrast(own2!.querySelector('.text')),
        peer: contrast(peer!.querySelector('.text')),
        notice: contrast(notice!.querySelector('.text')),
        inlineCode: contrast(own2!.querySelector('code.md-code')),
        code: contrast(q('.codeblock pre.code code')),
        input: contrast(document.querySelector('textarea.message-input')),
      },
      box: { own: edge(own2), peer: edge(peer), notice: edge(notice), list: edge(list) },
      background: { own: getComputedStyle(own2!).backgroundColor, peer: getComputedStyle(peer!).backgroundColor, notice: getComputedStyle(notice!).backgroundColor },
      colors,
      border: { own: getComputedStyle(own2!).borderColor, peer: getComputedStyle(peer!).borderColor, notice: getComputedStyle(notice!).borderColor },
    };
  });
}

describe('e2e themes: dark, light, high contrast', function () {
  this.timeout(150_000);
  let vscode: VsCode | undefined;
  let peer: TestPeer | undefined;

  before(async () => {
    const extPort = await freeUdpPort();
    peer = await TestPeer.start(extPort, 'Theme Peer');
    vscode = await openVsCode({ workspaceSettings: chatSettings(extPort, peer.port), theme: 'dark' });
  });
  after(async () => { await peer?.stop(); await vscode?.close(); });

  it('renders own, peer, notice and code entries readably in each theme', async () => {
    const v = vscode!;
    const p = peer!;
    const frame = await startChat(v);
    await p.waitOnline();
    await typeAndSend(frame, 'Own message with **bold** and `code`');
    await expectStatus(frame, 'Own message with bold and code', 'delivered');
    p.send('Peer reply: see _this_ https://example.com');
    p.runtime!.session.send({
      text: 'export function add(a: number, b: number): number {\n  return a + b;\n}',
      code: { language: 'typescript', path: 'src/math.ts', startLine: 3, endLine: 5 },
    });
    await peerEntry(frame, 'Peer reply: see this https://example.com').waitFor({ timeout: 10_000 });
    await frame.locator('#messages .entry-peer .codeblock pre.code code').waitFor({ timeout: 10_000 });

    const report: string[] = [];
    for (const { theme, file } of SHOTS) {
      if (theme !== 'dark') await v.setTheme(theme);
      await frame.locator(`body.${WEBVIEW_BODY_CLASS[theme]}`).waitFor({ timeout: 15_000 });
      await frame.locator('#messages').evaluate((m) => { m.scrollTop = m.scrollHeight; });
      await v.page.waitForTimeout(300); // let the theme's CSS variables settle before measuring
      await v.screenshot(file);
      const look = await measure(frame);
      report.push(`${theme}: contrast ${Object.entries(look.contrast).map(([k, c]) => `${k} ${c.toFixed(1)}`).join(', ')}`);

      // Readable text: WCAG AA (4.5:1) everywhere, AAA (7:1) in high contrast.
      const min = theme.startsWith('highContrast') ? 7 : 4.5;
      for (const [kind, ratio] of Object.entries(look.contrast)) {
        assert.ok(ratio >= min, `${theme}: ${kind} text contrast ${ratio.toFixed(2)} < ${min} (${look.colors.join('; ')})`);
      }
      // Own messages on the right, peer messages on the left, notices centred between them.
      const { own, peer: pe, notice, list } = look.box;
      assert.ok(list.right - own.right < 24 && own.left - list.left > 24, `${theme}: own entry is not right-aligned (${JSON.stringify(own)} in ${JSON.stringify(list)})`);
      assert.ok(pe.left - list.left < 24 && list.right - pe.right > 24, `${theme}: peer entry is not left-aligned (${JSON.stringify(pe)} in ${JSON.stringify(list)})`);
      assert.ok(own.left > pe.left, `${theme}: own and peer entries start at the same x`);
      // Own and peer bubbles are told apart by colour too (background or border), not by position alone.
      assert.ok(look.background.own !== look.background.peer || look.border.own !== look.border.peer,
        `${theme}: own and peer entries look the same (${look.background.own}/${look.border.own})`);
      assert.ok(look.background.notice !== look.background.own || look.border.notice !== look.border.own,
        `${theme}: notice and own entries look the same`);
      assert.ok(Math.abs((notice.left - list.left) - (list.right - notice.right)) < 24, `${theme}: notice is not centred`);
    }
    console.log(`      ${report.join('\n      ')}`);
  });
});
