import * as assert from 'node:assert/strict';
import type { FrameLocator } from 'playwright-core';
import { openVsCode, type VsCode } from './harness';
import { chatSettings, CuttableWire, expectStatus, freeUdpPort, ownEntry, startChat, TestPeer, typeAndSend, waitFor } from './support';

/** Developer: Reload Window, then the chat view as it comes back by itself (or opened, if it does not). */
async function reloadWindow(v: VsCode): Promise<FrameLocator> {
  await v.runCommand('Developer: Reload Window');
  // The old workbench is still on the page for a moment.
  await v.page.waitForTimeout(1000);
  await v.page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
  return v.waitForChatFrame('#messages', 60_000).catch(async () => {
    await v.runCommand('UDP Chat: Focus on Chat View', 60_000);
    return v.waitForChatFrame('#messages', 30_000);
  });
}

// The offline queue survives a window reload: the session resumes by itself, and the queued
// message goes out once the peer is back.
describe('e2e reload: the offline queue and the session survive a window reload', function () {
  this.timeout(150_000);
  let vscode: VsCode | undefined;
  let peer: TestPeer | undefined;

  after(async () => { await peer?.stop(); await vscode?.close(); });

  it('queued before the reload, delivered after it', async () => {
    const extPort = await freeUdpPort();
    const peerPort = await freeUdpPort();
    peer = new TestPeer(peerPort, extPort, 'Reload Peer');
    await peer.start();
    vscode = await openVsCode({ workspaceSettings: chatSettings(extPort, peerPort) });
    const v = vscode;
    let frame = await startChat(v);
    await frame.locator('.presence[data-presence="online"]').waitFor({ timeout: 20_000 });

    await peer.stop(); // bye: the extension shows the peer offline
    await frame.locator('.presence[data-presence="offline"]').waitFor({ timeout: 10_000 });
    await typeAndSend(frame, 'queued across a reload');
    await expectStatus(frame, 'queued across a reload', 'queued', 5_000);

    frame = await reloadWindow(v);
    // The session resumed by itself (no Start). It is a new start, so the peer's address is unknown
    // again; but its key is remembered (a UDP Chat), so the message never goes as readable text
    // (first contact with a known key, PROTOCOL.md §12.2): it waits, queued, for the encrypted session.
    await frame.locator('.session-state[data-state="active"]').waitFor({ timeout: 30_000 });
    await v.page.waitForTimeout(2500); // past the 1 s text fallback
    await expectStatus(frame, 'queued across a reload', 'queued', 5_000);
    assert.equal(peer.received.length, 0);

    await peer.start();
    await peer.waitReceived('queued across a reload', 30_000);
    await expectStatus(frame, 'queued across a reload', 'delivered', 15_000);
    await waitFor('one copy only', () => peer!.received.filter((t) => t === 'queued across a reload').length === 1);
    assert.equal(await ownEntry(frame, 'queued across a reload').count(), 1, 'the message shows once in the view');
    await v.screenshot('e2e-reload-queue');
  });

  it('a message the peer showed but never acknowledged before a reload is not shown twice', async () => {
    await peer?.stop();
    await vscode?.close();
    const extPort = await freeUdpPort();
    const peerPort = await freeUdpPort();
    const wire = await new CuttableWire(extPort, () => peerPort).open();
    try {
      peer = new TestPeer(peerPort, wire.peerSide, 'Ack-less Peer');
      await peer.start();
      vscode = await openVsCode({ workspaceSettings: chatSettings(extPort, wire.extSide) });
      const v = vscode;
      let frame = await startChat(v);
      await frame.locator('.presence[data-presence="online"]').waitFor({ timeout: 20_000 });
      wire.cutToExt = true; // the peer's acks are lost from now on
      await typeAndSend(frame, 'shown but unacknowledged');
      await peer.waitReceived('shown but unacknowledged');
      await expectStatus(frame, 'shown but unacknowledged', 'sending', 5_000);

      frame = await reloadWindow(v);
      wire.cutToExt = false;
      // The resumed session sends it again (same uid); the peer acknowledges without showing it again.
      await expectStatus(frame, 'shown but unacknowledged', 'delivered', 40_000);
      await new Promise((r) => setTimeout(r, 1000));
      assert.deepEqual(peer.received.filter((t) => t === 'shown but unacknowledged').length, 1, `the peer got: ${JSON.stringify(peer.received)}`);
    } finally {
      await wire.close();
    }
  });
});
