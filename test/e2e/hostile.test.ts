import * as assert from 'node:assert/strict';
import { openVsCode, type VsCode } from './harness';
import { chatSettings, freeUdpPort, startChat, TestPeer, typeAndSend, waitFor } from './support';

/** What the webview truncates behind "Show more" (MAX_RENDER_CHARS in src/webview/main.ts). */
const RENDER_LIMIT = 20_000;
const longLine = `LONG${'x'.repeat(50_000 - 8)}LINE`;
const mib = (() => {
  const head = 'MIB-START ';
  const tail = ' MIB-END';
  return head + 'y'.repeat(1024 * 1024 - head.length - tail.length) + tail;
})();

const PAYLOADS: Array<{ name: string; text: string }> = [
  { name: 'script tag', text: '<script>window.__pwned=1</script>' },
  { name: 'img onerror', text: '<img src=x onerror="window.__pwned=1">' },
  { name: 'javascript markdown link', text: '[x](javascript:window.__pwned=1)' },
  { name: 'bare javascript: url', text: 'javascript:alert(1)' },
  { name: 'style tag', text: '<style>body{display:none}</style>' },
  { name: 'html link', text: '<a href="https://evil.example">phish</a>' },
  { name: 'iframe', text: '<iframe src="https://evil.example"></iframe>' },
  { name: 'bidi override', text: '\u202Egnp.exe' },
  { name: 'zero-width joiners', text: 'a\u200Db\u200Dc \u{1F468}\u200D\u{1F469}\u200D\u{1F467} zw\u200Bsp' },
  { name: '50,000-char line', text: longLine },
  { name: '1 MiB message', text: mib },
];

describe('e2e hostile payloads from a real peer', function () {
  this.timeout(150_000);
  let vscode: VsCode | undefined;
  let peer: TestPeer | undefined;

  before(async () => {
    const extPort = await freeUdpPort();
    peer = await TestPeer.start(extPort, 'Mallory');
    vscode = await openVsCode({ workspaceSettings: chatSettings(extPort, peer.port) });
  });
  after(async () => { await peer?.stop(); await vscode?.close(); });

  it('shows every payload as literal text, runs nothing, keeps the layout, truncates huge text', async () => {
    const v = vscode!;
    const p = peer!;
    const frame = await startChat(v);
    await p.waitOnline();
    const ids = PAYLOADS.map((x) => p.send(x.text));
    await p.waitDelivered(ids[ids.length - 1], 60_000);
    const entries = frame.locator('#messages .entry-peer');
    await waitFor(`${PAYLOADS.length} peer entries`, async () => (await entries.count()) === PAYLOADS.length, 30_000);

    const shown = await entries.evaluateAll((els) => els.map((e) => ({
      text: e.querySelector('.text')?.textContent ?? '',
      showMore: Array.from(e.querySelectorAll('button')).some((b) => b.textContent === 'Show more'),
    })));
    PAYLOADS.forEach((x, i) => {
      const expected = x.text.length > RENDER_LIMIT ? x.text.slice(0, RENDER_LIMIT) : x.text;
      assert.equal(shown[i].text, expected, `${x.name}: not shown as literal text`);
      assert.equal(shown[i].showMore, x.text.length > RENDER_LIMIT, `${x.name}: "Show more" ${shown[i].showMore ? 'present' : 'missing'}`);
    });

    const messages = frame.locator('#messages');
    const injected = await messages.evaluate((m) => ({
      elements: m.querySelectorAll('script, img, style, iframe, object, embed, svg, link, meta, form').length,
      // Every anchor the view makes is a.md-link href="#": the host confirms and opens the real URL.
      foreignLinks: Array.from(m.querySelectorAll('a')).filter((a) => a.getAttribute('href') !== '#' || !a.classList.contains('md-link')).length,
      jsLinks: Array.from(m.querySelectorAll('a')).filter((a) => /^\s*javascript:/i.test(a.dataset.url ?? '')).length,
      handlers: Array.from(m.querySelectorAll('*')).filter((el) => Array.from(el.attributes).some((at) => at.name.startsWith('on'))).length,
      pwned: (window as unknown as { __pwned?: unknown }).__pwned,
      bodyDisplay: getComputedStyle(document.body).display,
    }));
    assert.deepEqual(injected, { elements: 0, foreignLinks: 0, jsLinks: 0, handlers: 0, pwned: undefined, bodyDisplay: 'flex' });
    // dir=auto keeps a bidi override inside its own text block.
    assert.equal(await entries.nth(PAYLOADS.findIndex((x) => x.name === 'bidi override')).locator('.text').getAttribute('dir'), 'auto');

    // The unbroken line wraps instead of making the view scroll sideways, even fully expanded.
    const noSideScroll = async (when: string) => {
      const w = await messages.evaluate((m) => ({ list: [m.scrollWidth, m.clientWidth], doc: [document.documentElement.scrollWidth, document.documentElement.clientWidth] }));
      assert.ok(w.list[0] <= w.list[1] + 1, `#messages scrolls horizontally ${when}: scrollWidth ${w.list[0]} > clientWidth ${w.list[1]}`);
      assert.ok(w.doc[0] <= w.doc[1] + 1, `the document scrolls horizontally ${when}: ${w.doc[0]} > ${w.doc[1]}`);
    };
    await noSideScroll('with the long line truncated');
    const longEntry = entries.nth(PAYLOADS.findIndex((x) => x.name === '50,000-char line'));
    await longEntry.getByRole('button', { name: 'Show more' }).click();
    await waitFor('the long line to expand', async () => (await longEntry.locator('.text').evaluate((t) => t.textContent?.length)) === longLine.length);
    await noSideScroll('with the 50,000-char line expanded');

    // Layout still works: the composer is visible and sends.
    const box = frame.getByRole('textbox', { name: 'Message' });
    assert.ok(await box.isVisible(), 'Message textbox hidden after the payloads');
    assert.ok(await frame.locator('header.chat-header').isVisible(), 'header hidden after the payloads');
    await typeAndSend(frame, 'still standing');
    await p.waitReceived('still standing');

    // The CSP: nothing but nonce'd scripts, and it really blocks an injected inline script.
    const csp = await frame.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content');
    assert.ok(csp, 'no CSP meta tag in the webview document');
    const directives = new Map(csp.split(';').map((d) => d.trim().split(/\s+/)).filter((d) => d[0]).map((d) => [d[0], d.slice(1)]));
    assert.deepEqual(directives.get('default-src'), ["'none'"], `default-src: ${csp}`);
    const scriptSrc = directives.get('script-src') ?? [];
    assert.ok(scriptSrc.length > 0 && scriptSrc.every((s) => /^'nonce-[A-Za-z0-9+/=]{16,}'$/.test(s)), `script-src is not nonce-only: ${csp}`);
    const probe = await messages.evaluate(async () => {
      const s = document.createElement('script');
      s.textContent = 'window.__cspProbe = 1';
      document.body.appendChild(s);
      await new Promise((r) => setTimeout(r, 100));
      s.remove();
      return (window as unknown as { __cspProbe?: unknown }).__cspProbe;
    });
    assert.equal(probe, undefined, 'an inline script without the nonce ran: the CSP does not apply');

    await messages.evaluate((m) => { m.scrollTop = 0; });
    await v.screenshot('e2e-hostile');
  });
});
