// Workspace Trust in the real UI: a cloned folder whose .vscode/settings.json names a peer (and a
// bind port) is opened with trust on and not trusted (Restricted Mode). The extension still runs
// (it declares limited support), the chat view opens, a notice names the folder's ignored peer, and
// nothing goes to that address, which a real UDP socket in this test listens on; the user's typed
// peer gets the chat. Trusting the folder through the notification's Manage Workspace Trust and the
// trust editor makes the folder's peer apply: the listening socket starts receiving.
import * as assert from 'node:assert/strict';
import * as dgram from 'node:dgram';
import { openVsCode, type VsCode } from './harness';
import { freeUdpPort, PlainSocket, typeAndSend, waitFor } from './support';

/** A socket on 127.0.0.1 that keeps every datagram it gets. */
class Listener {
  readonly socket = dgram.createSocket('udp4');
  readonly received: Buffer[] = [];
  port = 0;
  async bind(): Promise<this> {
    this.socket.on('message', (m) => this.received.push(m));
    await new Promise<void>((r) => this.socket.bind(0, '127.0.0.1', () => r()));
    this.port = this.socket.address().port;
    return this;
  }
  close(): Promise<void> { return new Promise((r) => this.socket.close(() => r())); }
}

describe('e2e Restricted Mode: an untrusted folder cannot choose the peer', function () {
  this.timeout(180_000);
  let vscode: VsCode | undefined;
  let folderPeer: Listener | undefined;
  let typedPeer: PlainSocket | undefined;

  before(async () => {
    folderPeer = await new Listener().bind();
    typedPeer = new PlainSocket();
    await typedPeer.bind();
    const extPort = await freeUdpPort();
    const folderPort = await freeUdpPort();
    vscode = await openVsCode({
      untrusted: true,
      // What a cloned repository could ship: its own peer and a bind address and port.
      workspaceSettings: { 'udpChat.peer': `127.0.0.1:${folderPeer.port}`, 'udpChat.localAddress': '0.0.0.0', 'udpChat.localPort': folderPort },
      // The user's own settings still apply in Restricted Mode.
      userSettings: { 'udpChat.localAddress': '127.0.0.1', 'udpChat.localPort': extPort },
    });
  });
  after(async () => { await vscode?.close(); await folderPeer?.close(); await typedPeer?.close(); });

  it('runs untrusted, says the folder peer is ignored, sends nothing there; after Trust it does', async () => {
    const v = vscode!;
    const page = v.page;
    const folder = folderPeer!;
    const typed = typedPeer!;

    // The window is in Restricted Mode (status bar item), and our notification says what is ignored.
    await page.locator('#status\\.workspaceTrust, .statusbar-item', { hasText: 'Restricted Mode' }).first().waitFor({ timeout: 60_000 });
    const toast = page.locator('.notification-toast', { hasText: 'folder is not trusted' });
    await toast.waitFor({ timeout: 60_000 });
    assert.match(await toast.innerText(), new RegExp(`ignores its peer address 127\\.0\\.0\\.1:${folder.port}`));
    await v.screenshot('restricted-1-untrusted');

    // The extension is enabled: Start works, asks for a peer (the folder's does not count) and chats.
    await v.runCommand('Start UDP Chat');
    const input = page.locator('.quick-input-widget .quick-input-box input');
    await page.locator('.quick-input-widget .quick-input-title', { hasText: 'UDP Chat: peer address' }).waitFor({ timeout: 15_000 });
    assert.equal(await input.inputValue(), '', 'the folder peer was offered as the value');
    await input.fill(`127.0.0.1:${typed.port}`);
    await input.press('Enter');
    const frame = await v.waitForChatFrame('#messages', 30_000);
    await frame.locator('.session-state[data-state="active"]').waitFor({ timeout: 20_000 });
    const notice = frame.locator('#messages .entry-notice', { hasText: 'This folder is not trusted' });
    await notice.waitFor({ timeout: 15_000 });
    assert.match(await notice.innerText(), new RegExp(`peer address 127\\.0\\.0\\.1:${folder.port}`));

    await typeAndSend(frame, 'hello while restricted');
    await waitFor('the typed peer to receive datagrams', () => typed.received.length > 0, 15_000);
    // Give the folder's address every chance to be contacted (hellos are resent within seconds).
    await page.waitForTimeout(4_000);
    assert.equal(folder.received.length, 0, `the folder's peer got ${folder.received.length} datagrams while the folder was untrusted`);
    await v.screenshot('restricted-2-chat-untrusted');

    // Trust the folder: the notification's button opens the trust editor.
    await toast.hover().catch(() => undefined);
    const manage = page.locator('.notification-toast').getByRole('button', { name: 'Manage Workspace Trust' });
    if (await manage.isVisible().catch(() => false)) await manage.click();
    else await v.runCommand('Workspaces: Manage Workspace Trust');
    const trust = page.getByRole('button', { name: 'Trust', exact: true });
    await trust.waitFor({ timeout: 15_000 });
    await v.screenshot('restricted-3-trust-editor');
    await trust.click();
    await page.locator('.statusbar-item', { hasText: 'Restricted Mode' }).waitFor({ state: 'detached', timeout: 15_000 });

    // Trusted: the folder's peer applies and the running session moves to it.
    await frame.locator('#messages .entry-notice', { hasText: `The folder is trusted now: its UDP Chat settings apply (peer 127.0.0.1:${folder.port})` }).waitFor({ timeout: 15_000 });
    await waitFor('the folder peer to receive datagrams', () => folder.received.length > 0, 20_000);
    await waitFor('the header to show the folder peer', async () => (await frame.locator('.peer bdi.peer-address').textContent()) === `127.0.0.1:${folder.port}`);
    // It does not answer our protocol, so after a second what is typed goes out as plain text.
    await typeAndSend(frame, 'hello after trust');
    await waitFor('the folder peer to receive the message', () => folder.received.some((b) => b.toString('utf8').includes('hello after trust')), 20_000);
    assert.ok(!typed.received.some((b) => b.toString('utf8').includes('hello after trust')), 'the message after trust went to the typed peer');
    await v.screenshot('restricted-4-trusted');
  });
});
