import * as assert from 'node:assert/strict';
import { openVsCode, type VsCode } from './harness';
import { chatSettings, CuttableWire, expectStatus, freeUdpPort, ownEntry, startChat, TestPeer, typeAndSend, waitFor } from './support';

// The extension talks to the peer through a wire the test can cut, so a peer can vanish silently
// (no bye): that is how a message ends up "failed" rather than "queued".
describe('e2e delivery: status marks, offline queue, failed and Retry', function () {
  this.timeout(150_000);
  let vscode: VsCode | undefined;
  let peer: TestPeer | undefined;
  let wire: CuttableWire | undefined;

  before(async () => {
    const extPort = await freeUdpPort();
    const peerPort = await freeUdpPort();
    wire = await new CuttableWire(extPort, () => peerPort).open();
    peer = new TestPeer(peerPort, wire.peerSide, 'Delivery Peer');
    await peer.start();
    vscode = await openVsCode({ workspaceSettings: chatSettings(extPort, wire.extSide) });
  });
  after(async () => { await peer?.stop(); await wire?.close(); await vscode?.close(); });

  it('queues a message while the peer is offline and delivers it when the peer comes back', async () => {
    const v = vscode!;
    const p = peer!;
    const frame = await startChat(v);
    await frame.locator('.presence[data-presence="online"]').waitFor({ timeout: 20_000 });
    await p.waitOnline();

    await p.stop(); // says bye
    await frame.locator('.presence[data-presence="offline"]').waitFor({ timeout: 10_000 });

    await typeAndSend(frame, 'sent while you were away');
    await expectStatus(frame, 'sent while you were away', 'queued', 5_000);
    // Still queued a moment later: nothing pretends it went out.
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(await ownEntry(frame, 'sent while you were away').locator('.status').getAttribute('data-status'), 'queued');
    await v.screenshot('e2e-delivery-queued');

    await p.start(); // same port: the extension's peer comes back
    await p.waitReceived('sent while you were away', 20_000);
    await expectStatus(frame, 'sent while you were away', 'delivered', 15_000);
    await frame.locator('.presence[data-presence="online"]').waitFor({ timeout: 10_000 });
    assert.equal(p.received.filter((t) => t === 'sent while you were away').length, 1, 'delivered more than once');
  });

  it('marks a message failed after the retry budget when the peer vanishes silently; Retry delivers it', async function () {
    // The session gives up after retryBudgetMs (20 s) of no acknowledgement.
    this.timeout(90_000);
    const v = vscode!;
    const p = peer!;
    const w = wire!;
    const frame = v.chatFrame();
    await frame.locator('.presence[data-presence="online"]').waitFor({ timeout: 10_000 });

    w.cut = true;
    const text = 'this one gets lost';
    await typeAndSend(frame, text);
    await expectStatus(frame, text, 'sending', 5_000);
    const started = Date.now();
    await expectStatus(frame, text, 'failed', 35_000);
    const failedAfter = Date.now() - started;
    console.log(`      failed after ${(failedAfter / 1000).toFixed(1)} s without acks`);
    assert.ok(failedAfter >= 15_000, `failed too early (${failedAfter} ms); the retry budget is 20 s`);
    assert.ok(!p.received.includes(text), 'the peer got it through a cut wire?');
    const retry = ownEntry(frame, text).getByRole('button', { name: 'Retry' });
    assert.ok(await retry.isVisible(), 'failed message has no visible Retry button');
    await v.screenshot('e2e-delivery-failed');

    w.cut = false;
    await retry.click();
    await p.waitReceived(text, 40_000);
    await expectStatus(frame, text, 'delivered', 15_000);
    assert.equal(await ownEntry(frame, text).getByRole('button', { name: 'Retry' }).count(), 0, 'Retry button left on a delivered message');
    await waitFor('presence online again', async () => (await frame.locator('.presence').getAttribute('data-presence')) === 'online', 10_000);
  });
});
