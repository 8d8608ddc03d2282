import * as assert from 'node:assert/strict';
import { newIdentity } from '../../src/core/identity';
import { collectTexts, contrastByKind, describeContrast, formatAxe, runAxe } from './a11y';
import { openVsCode, type ThemeKind, type VsCode } from './harness';
import { chatSettings, freeUdpPort, startChat, TestPeer, waitFor } from './support';

const THEMES: Array<{ theme: ThemeKind; body: string; min: number }> = [
  { theme: 'dark', body: 'vscode-dark', min: 4.5 },
  { theme: 'light', body: 'vscode-light', min: 4.5 },
  { theme: 'highContrast', body: 'vscode-high-contrast', min: 7 },
];

// The view with a real peer: the safety number it shows is the peer's, Verify marks it, and a peer
// that answers with another key gets a warning in the header that nothing else covers.
describe('e2e identity: safety number, verify, key-change warning (real peer, real UI)', function () {
  this.timeout(180_000);
  let vscode: VsCode | undefined;
  let peer: TestPeer | undefined;
  let extPort = 0;

  before(async () => {
    extPort = await freeUdpPort();
    peer = await TestPeer.start(extPort, 'Keyed Peer');
    vscode = await openVsCode({ workspaceSettings: chatSettings(extPort, peer.port), theme: 'dark' });
  });
  after(async () => { await peer?.stop(); await vscode?.close(); });

  it('shows the same safety number as the peer, and Verify marks it verified', async () => {
    const v = vscode!;
    const frame = await startChat(v);
    const fp = frame.locator('.encryption .fingerprint');
    await fp.waitFor({ state: 'visible', timeout: 30_000 });
    await waitFor('the safety number', async () => (await fp.innerText()) === peer!.runtime!.safetyNumber);
    assert.match(await frame.locator('.encryption').innerText(), /Encrypted\. Safety number \d{5}( \d{5}){5}/);
    await v.screenshot('e2e-identity-safety-number');
    // Verify asks with a modal; the test answers it like a click on "Mark as Verified".
    await frame.getByRole('button', { name: 'Verify safety number' }).click();
    const dialog = v.page.getByRole('dialog');
    await dialog.getByRole('button', { name: 'Mark as Verified' }).click();
    await frame.locator('.encryption[data-verified="true"]').waitFor({ timeout: 10_000 });
    assert.match(await frame.locator('.encryption').innerText(), /\(verified\)/);
    assert.equal(await frame.getByRole('button', { name: 'Verify safety number' }).count(), 0, 'Verify is gone once verified');
  });

  it('a new key at the peer\'s address: an alert in the header, readable in every theme; Accept New Key lets it in', async () => {
    const v = vscode!;
    const frame = v.chatFrame();
    const p = peer!;
    await p.stop();
    p.identity = newIdentity(); // the peer "reinstalled": same address, another key
    await p.start();
    p.send('hello with my new key');
    const alert = frame.locator('.key-change');
    await alert.waitFor({ state: 'visible', timeout: 30_000 });
    assert.equal(await alert.getAttribute('role'), 'alert');
    assert.match(await alert.innerText(), /different identity key/);
    assert.equal(await frame.locator('.encryption').isVisible(), false, 'the old safety number is not shown beside the alert');
    assert.equal(await frame.locator('.entry-peer').filter({ hasText: 'hello with my new key' }).count(), 0, 'nothing from the new key yet');
    for (const t of THEMES) {
      await v.setTheme(t.theme);
      await frame.locator(`body.${t.body}`).waitFor({ timeout: 15_000 });
      await v.page.waitForTimeout(300);
      await v.screenshot(`e2e-identity-key-change-${t.theme}`);
      const kinds = contrastByKind(await collectTexts(frame)).filter((k) => k.kind.startsWith('header'));
      assert.ok(kinds.some((k) => k.kind === 'header key-change'), `the alert text was measured in ${t.theme}`);
      const low = kinds.filter((k) => k.min < t.min);
      assert.deepEqual(low.map(describeContrast), [], `${t.theme}: header text under ${t.min}:1`);
    }
    await v.setTheme('dark');
    const axe = await runAxe(await v.chatDocument(), { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] });
    assert.equal(axe.violations.length, 0, `axe-core violations with the alert shown:\n${formatAxe(axe.violations)}`);
    await frame.getByRole('button', { name: 'Accept New Key…' }).click();
    await v.page.getByRole('dialog').getByRole('button', { name: 'Accept New Key', exact: true }).click();
    await frame.locator('.entry-peer').filter({ hasText: 'hello with my new key' }).waitFor({ timeout: 30_000 });
    await alert.waitFor({ state: 'hidden', timeout: 10_000 });
    await waitFor('the new safety number', async () => (await frame.locator('.encryption .fingerprint').innerText()) === p.runtime!.safetyNumber, 20_000);
    assert.equal(await frame.locator('.encryption').getAttribute('data-verified'), 'false', 'a new key starts unverified');
  });
});
