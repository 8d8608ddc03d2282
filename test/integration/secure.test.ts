import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { derivePsk } from '../../src/core/noise';
import type { IncomingMessage } from '../../src/core/session';
import { ChatRuntime } from '../../src/net/chatRuntime';
import { api, configure, entries, freePort, reset, waitFor } from './support';

describe('encrypted sessions with a passphrase', function () {
  this.timeout(40_000);
  let peer: ChatRuntime | undefined;
  afterEach(async () => {
    await peer?.stop().catch(() => undefined);
    peer = undefined;
    await vscode.commands.executeCommand('udpChat.clearPassphrase');
    await reset();
  });

  async function run(extPass: string, peerPass: string | undefined) {
    const a = await api();
    await vscode.commands.executeCommand('udpChat.setPassphrase', extPass);
    const peerPort = await freePort();
    await configure({ peer: `127.0.0.1:${peerPort}`, localPort: 0, localAddress: '127.0.0.1' });
    await vscode.commands.executeCommand('udpChat.start');
    const extPort = a.controller.currentRuntime!.local.port;
    const got: IncomingMessage[] = [];
    const notices: string[] = [];
    let fp = '';
    const wire: Buffer[] = [];
    peer = await ChatRuntime.start({
      localAddress: '127.0.0.1', localPort: peerPort, peer: { host: '127.0.0.1', port: extPort, family: 4 }, displayName: 'secret-peer',
      psk: peerPass === undefined ? undefined : derivePsk(peerPass),
      events: { message: (_p, m) => got.push(m), notice: (_l, t) => notices.push(t), secured: (_p, f) => { fp = f; } },
    });
    peer.endpoint.onDatagram((m) => wire.push(Buffer.from(m)));
    return { a, got, notices, wire, fp: () => fp };
  }

  it('the passphrase is kept in secret storage, not in settings', async () => {
    await vscode.commands.executeCommand('udpChat.setPassphrase', 'correct horse battery');
    const cfg = vscode.workspace.getConfiguration('udpChat');
    assert.equal(JSON.stringify(cfg).includes('correct horse'), false);
    const a = await api();
    assert.ok(a.controller.shownMessages.some((m) => /secret storage/.test(m.text)));
  });

  it('encrypts, authenticates, shows the same fingerprint on both sides, and leaks no plaintext', async () => {
    const { a, got, wire, fp } = await run('correct horse battery', 'correct horse battery');
    // The peer's key (and so the number) is known a moment before the keys are confirmed both ways.
    await waitFor('the encrypted session', () => a.controller.header().encrypted && a.controller.header().fingerprint !== '' && fp() !== '');
    assert.equal(a.controller.header().fingerprint, fp());
    await waitFor('peer online', () => a.controller.header().presence === 'online');
    await a.controller.sendText('TOP-SECRET-PLAN-42');
    await waitFor('the peer to read it', () => got.some((m) => m.text === 'TOP-SECRET-PLAN-42'));
    assert.equal(Buffer.concat(wire).includes(Buffer.from('TOP-SECRET-PLAN-42')), false, 'plaintext on the wire');
    const own = entries(a, 'own')[0];
    await waitFor('delivered', () => a.controller.conversation.get(own.id)?.status === 'delivered');
    peer!.session.send({ text: 'encrypted reply' });
    await waitFor('the reply', () => entries(a, 'peer').some((e) => e.text === 'encrypted reply'));
  });

  it('a wrong passphrase: a clear notice on both sides, nothing in the chat', async () => {
    const { a, got, notices } = await run('correct horse battery', 'wrong horse battery');
    await waitFor('mismatch notice in VS Code', () => entries(a, 'notice').some((e) => /passphrase mismatch\?/.test(e.text)), 15_000);
    await waitFor('mismatch notice at the peer', () => notices.some((n) => /passphrase mismatch\?/.test(n)), 15_000);
    await a.controller.sendText('must not arrive');
    await new Promise((r) => setTimeout(r, 500));
    assert.equal(got.length, 0);
    assert.equal(entries(a, 'peer').length, 0);
    assert.notEqual(a.controller.header().presence, 'online');
  });

  it('a peer with no passphrase: a clear notice on both sides', async () => {
    const { a, notices } = await run('correct horse battery', undefined);
    await waitFor('notice in VS Code', () => entries(a, 'notice').some((e) => /no passphrase set/.test(e.text)), 15_000);
    await waitFor('notice at the peer', () => notices.some((n) => /requires a passphrase/.test(n)), 15_000);
  });
});
