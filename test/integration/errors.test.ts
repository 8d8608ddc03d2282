import * as assert from 'node:assert/strict';
import * as dgram from 'node:dgram';
import * as vscode from 'vscode';
import { api, configure, entries, freePort, reset, waitFor } from './support';

describe('error paths give a clear message and lose nothing', function () {
  this.timeout(30_000);
  afterEach(reset);

  it('a port already in use: clear error offering another port, no session', async () => {
    const a = await api();
    const blocker = dgram.createSocket('udp4');
    await new Promise<void>((r) => blocker.bind({ port: 0, address: '127.0.0.1', exclusive: true }, () => r()));
    const port = blocker.address().port;
    try {
      await configure({ peer: '127.0.0.1:9', localPort: port, localAddress: '127.0.0.1' });
      await vscode.commands.executeCommand('udpChat.start');
      assert.equal(a.controller.currentRuntime, undefined);
      assert.equal(a.controller.sessionState, 'error');
      const m = a.controller.shownMessages.find((x) => x.level === 'error');
      assert.ok(m && new RegExp(`port ${port} is already in use`).test(m.text), JSON.stringify(a.controller.shownMessages));
      assert.ok(entries(a, 'notice').some((e) => /Could not start/.test(e.text)));
    } finally {
      blocker.close();
    }
  });

  it('a local address that is not on this machine: clear error', async () => {
    const a = await api();
    // 192.0.2.0/24 is TEST-NET-1: never assigned, so binding fails locally; nothing is sent.
    await configure({ peer: '127.0.0.1:9', localPort: 0, localAddress: '192.0.2.1' });
    await vscode.commands.executeCommand('udpChat.start');
    assert.equal(a.controller.currentRuntime, undefined);
    assert.ok(a.controller.shownMessages.some((x) => x.level === 'error' && /not an address of this machine/.test(x.text)), JSON.stringify(a.controller.shownMessages));
  });

  it('mixed address families (an IPv6 local address, an IPv4 peer): refused at start with a clear error', async () => {
    const a = await api();
    await configure({ peer: '127.0.0.1:9', localPort: 0, localAddress: '::1' });
    await vscode.commands.executeCommand('udpChat.start');
    assert.equal(a.controller.currentRuntime, undefined);
    assert.ok(a.controller.shownMessages.some((x) => x.level === 'error' && /local address ::1 is IPv6, but the peer 127\.0\.0\.1:9 is IPv4/.test(x.text)), JSON.stringify(a.controller.shownMessages));
  });

  it('a peer hostname that does not resolve: clear error', async () => {
    const a = await api();
    await configure({ peer: 'no-such-host.invalid:5000', localPort: 0, localAddress: '127.0.0.1' });
    await vscode.commands.executeCommand('udpChat.start');
    assert.equal(a.controller.currentRuntime, undefined);
    assert.ok(a.controller.shownMessages.some((x) => x.level === 'error' && /does not resolve/.test(x.text)), JSON.stringify(a.controller.shownMessages));
  });

  it('an invalid peer address in settings: clear error', async () => {
    const a = await api();
    await configure({ peer: 'bad host:1', localPort: 0 });
    await vscode.commands.executeCommand('udpChat.start');
    assert.equal(a.controller.currentRuntime, undefined);
    assert.ok(a.controller.shownMessages.some((x) => x.level === 'error' && /invalid/.test(x.text)));
  });

  it('sending with no peer set keeps the text as "not sent" and says so; it goes out by itself once a session starts', async () => {
    const a = await api();
    await a.controller.sendText('typed too early');
    const e = entries(a, 'own').find((x) => x.text === 'typed too early');
    assert.ok(e);
    assert.equal(e.status, 'unsent');
    assert.ok(a.controller.shownMessages.some((x) => x.level === 'warning' && /set your peer's address first/.test(x.text)), JSON.stringify(a.controller.shownMessages));
    const peer = dgram.createSocket('udp4');
    const got: string[] = [];
    peer.on('message', (m) => got.push(m.toString()));
    await new Promise<void>((r) => peer.bind(0, '127.0.0.1', () => r()));
    try {
      await configure({ peer: `127.0.0.1:${peer.address().port}`, localPort: 0, localAddress: '127.0.0.1' });
      await vscode.commands.executeCommand('udpChat.start');
      // No Retry needed: the session takes it (here as text, within about a second: a plain peer).
      await waitFor('the unsent message to go out', () => got.some((t) => t.trim() === 'typed too early'));
      assert.equal(a.controller.conversation.get(e.id)?.to, `127.0.0.1:${peer.address().port}`);
    } finally {
      peer.close();
    }
  });

  it('an oversized message stays in the input and nothing is added', async () => {
    const a = await api();
    await configure({ peer: `127.0.0.1:${await freePort()}`, localPort: 0, localAddress: '127.0.0.1' });
    await vscode.commands.executeCommand('udpChat.start');
    const before = entries(a).length;
    await a.controller.sendText('x'.repeat(1024 * 1024 + 10));
    assert.ok(a.controller.shownMessages.some((x) => x.level === 'error' && /too large/.test(x.text)));
    assert.equal(entries(a, 'own').length, 0);
    assert.equal(entries(a).length, before);
  });
});
