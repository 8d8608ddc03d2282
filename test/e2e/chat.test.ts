import * as assert from 'node:assert/strict';
import { openVsCode, type VsCode } from './harness';
import { chatSettings, expectStatus, freeUdpPort, ownEntry, peerEntry, PlainSocket, startChat, TestPeer, typeAndSend, waitFor } from './support';

describe('e2e chat: conversation both ways', function () {
  this.timeout(120_000);
  let vscode: VsCode | undefined;
  let peer: TestPeer | undefined;
  let extPort = 0;

  before(async () => {
    extPort = await freeUdpPort();
    peer = await TestPeer.start(extPort, 'Peer Tester');
    vscode = await openVsCode({ workspaceSettings: chatSettings(extPort, peer.port) });
  });
  after(async () => { await peer?.stop(); await vscode?.close(); });

  it('talks to a real peer from the browser: header, presence, send, delivered, reply, Shift+Enter', async () => {
    const v = vscode!;
    const p = peer!;
    const frame = await startChat(v);

    await waitFor('header to show the local address', async () => (await frame.locator('.local-address').textContent())?.includes(`127.0.0.1:${extPort}`));
    assert.equal(await frame.locator('.peer bdi.peer-address').textContent(), `127.0.0.1:${p.port}`);
    await frame.locator('.presence[data-presence="online"]').waitFor({ timeout: 20_000 });
    await waitFor('peer name in the header', async () => (await frame.locator('.peer bdi.peer-name').textContent().catch(() => '')) === 'Peer Tester');

    await typeAndSend(frame, 'hello from the browser');
    await p.waitReceived('hello from the browser');
    assert.deepEqual(p.received, ['hello from the browser'], 'the peer got something else or more');
    await expectStatus(frame, 'hello from the browser', 'delivered');
    assert.equal(await frame.getByRole('textbox', { name: 'Message' }).inputValue(), '', 'the input was not cleared after sending');

    p.send('reply from the peer');
    const reply = peerEntry(frame, 'reply from the peer');
    await reply.waitFor({ timeout: 15_000 });
    assert.equal(await reply.locator('.sender').textContent(), 'Peer Tester');

    // Shift+Enter inserts a newline instead of sending.
    const box = frame.getByRole('textbox', { name: 'Message' });
    await box.click();
    await box.pressSequentially('first line');
    await box.press('Shift+Enter');
    await box.pressSequentially('second line');
    assert.equal(await box.inputValue(), 'first line\nsecond line', 'Shift+Enter did not insert a newline (or it sent)');
    assert.equal(p.received.length, 1, 'Shift+Enter sent the message');
    await box.press('Enter');
    await p.waitReceived('first line\nsecond line');
    await expectStatus(frame, 'first line\nsecond line', 'delivered');
    const shown = await frame.locator('#messages .entry-own').last().locator('.text').innerText();
    assert.match(shown, /first line\s*\n\s*second line/, 'the two-line message is not shown on two lines');

    // Both directions on screen, in order.
    const kinds = await frame.locator('#messages .entry:not(.entry-notice)').evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset.kind));
    assert.deepEqual(kinds, ['own', 'peer', 'own']);
    await v.screenshot('e2e-conversation');
  });

  it('shows a code block from the peer once, with language, path and Copy', async () => {
    const v = vscode!;
    const p = peer!;
    const frame = v.chatFrame();
    const code = 'const answer = 42;\nconsole.log(answer);';
    p.runtime!.session.send({ text: code, code: { language: 'javascript', path: 'lib/answer.js', startLine: 7, endLine: 8 } });
    const entry = frame.locator('#messages .entry-peer').filter({ has: frame.locator('.codeblock') }).last();
    await entry.waitFor({ timeout: 15_000 });
    assert.equal(await entry.locator('.code-language').textContent(), 'javascript');
    assert.equal(await entry.locator('.code-path').textContent(), 'lib/answer.js:7-8');
    assert.equal(await entry.locator('pre.code > code').textContent(), code);
    assert.ok(await entry.getByRole('button', { name: 'Copy' }).isVisible(), 'no Copy button');
    // The code is the message: it must not be rendered a second time as ordinary text above the block.
    const visible = await entry.innerText();
    const times = visible.split('const answer = 42;').length - 1;
    assert.equal(times, 1, `the code is shown ${times} times in the entry:\n${visible}`);
  });
});

describe('e2e chat: plain-text peer (like nc -u)', function () {
  this.timeout(120_000);
  let vscode: VsCode | undefined;
  let nc: PlainSocket | undefined;
  let extPort = 0;

  before(async () => {
    extPort = await freeUdpPort();
    nc = new PlainSocket();
    await nc.bind();
    vscode = await openVsCode({ workspaceSettings: chatSettings(extPort, nc.port) });
  });
  after(async () => { await nc?.close(); await vscode?.close(); });

  it('shows the nc line and the plain-peer marker; typed text reaches the socket as plain text, unconfirmed', async () => {
    const v = vscode!;
    const s = nc!;
    const frame = await startChat(v);
    assert.equal(await frame.locator('.plain-peer').isVisible(), false, 'plain-peer marker visible before the peer spoke');

    await s.send('hi from nc\n', extPort);
    const line = peerEntry(frame, 'hi from nc');
    await line.waitFor({ timeout: 15_000 });
    await frame.locator('.plain-peer').waitFor({ state: 'visible', timeout: 10_000 });
    await frame.locator('.presence[data-presence="online"]').waitFor({ timeout: 10_000 });

    await typeAndSend(frame, 'hello nc, plain text');
    await waitFor('the nc socket to receive the typed text', () => s.texts().some((t) => t.replace(/\n$/, '') === 'hello nc, plain text'));
    await expectStatus(frame, 'hello nc, plain text', 'unconfirmed');
    assert.ok(await ownEntry(frame, 'hello nc, plain text').isVisible());
    await v.screenshot('e2e-plain-peer');
  });
});
