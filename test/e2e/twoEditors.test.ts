import * as assert from 'node:assert/strict';
import { openVsCode, type VsCode } from './harness';
import { chatSettings, expectStatus, freeUdpPort, startChat, typeAndSend } from './support';

// Two copies of the extension, each in its own VS Code (server, user data, browser), chatting over
// real UDP on loopback, and both encrypted with the same passphrase set through the palette.
describe('e2e: two VS Code windows chat with each other', function () {
  this.timeout(240_000);
  let alice: VsCode | undefined;
  let bob: VsCode | undefined;
  after(async () => { await alice?.close(); await bob?.close(); });

  async function setPassphrase(v: VsCode, pass: string): Promise<void> {
    await v.runCommand('UDP Chat: Set Passphrase');
    const box = v.page.locator('.quick-input-box input');
    await box.waitFor({ timeout: 10_000 });
    await box.fill(pass);
    await box.press('Enter');
  }

  it('encrypted, both directions, delivered marks on both sides, the same fingerprint', async () => {
    const portA = await freeUdpPort();
    const portB = await freeUdpPort();
    alice = await openVsCode({ workspaceSettings: chatSettings(portA, portB, { 'udpChat.displayName': 'Alice' }) });
    bob = await openVsCode({ workspaceSettings: chatSettings(portB, portA, { 'udpChat.displayName': 'Bob' }) });
    await setPassphrase(alice, 'two windows, one secret');
    await setPassphrase(bob, 'two windows, one secret');
    const fa = await startChat(alice);
    const fb = await startChat(bob);
    await fa.locator('.presence[data-presence="online"]').waitFor({ timeout: 30_000 });
    await fb.locator('.presence[data-presence="online"]').waitFor({ timeout: 30_000 });

    const fpA = (await fa.locator('.encryption .fingerprint').textContent())?.trim();
    const fpB = (await fb.locator('.encryption .fingerprint').textContent())?.trim();
    assert.match(fpA ?? '', /^\d{5}( \d{5}){5}$/, `safety number shown: ${fpA}`);
    assert.equal(fpA, fpB, 'both windows show the same fingerprint');

    await typeAndSend(fa, 'hello Bob, from Alice\'s editor');
    await fb.locator('#messages .entry-peer .text', { hasText: 'hello Bob, from Alice\'s editor' }).waitFor({ timeout: 15_000 });
    await expectStatus(fa, 'hello Bob, from Alice\'s editor', 'delivered', 15_000);
    await typeAndSend(fb, 'hi Alice! **bold** and `code`');
    await fa.locator('#messages .entry-peer strong', { hasText: 'bold' }).waitFor({ timeout: 15_000 });
    await expectStatus(fb, 'hi Alice! **bold** and `code`', 'delivered', 15_000).catch(async () => {
      // The own entry's text is rendered markdown; match on its visible text instead.
      await fb.locator('#messages .entry-own', { hasText: 'hi Alice!' }).locator('.status[data-status="delivered"]').waitFor({ timeout: 15_000 });
    });
    assert.equal(await fb.locator('#messages .entry-peer .sender', { hasText: 'Alice' }).count() > 0, true);
    await alice.screenshot('e2e-two-windows-alice');
    await bob.screenshot('e2e-two-windows-bob');

    // Bob ends the session: Alice sees him go offline.
    await bob.runCommand('UDP Chat: End Session');
    await fa.locator('.presence[data-presence="offline"]').waitFor({ timeout: 15_000 });
  });
});
