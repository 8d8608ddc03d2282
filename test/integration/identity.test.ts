import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { Identity } from '../../src/core/identity';
import { newIdentity } from '../../src/core/identity';
import type { IncomingMessage } from '../../src/core/session';
import { ChatRuntime } from '../../src/net/chatRuntime';
import { api, configure, entries, freePort, reset, waitFor } from './support';

describe('identity keys in the extension host: encrypted by default, pinned, verified', function () {
  this.timeout(60_000);
  const peers: ChatRuntime[] = [];
  afterEach(async () => {
    for (const p of peers.splice(0)) await p.stop().catch(() => undefined);
    await reset();
  });

  async function startPeer(port: number, extPort: number, identity: Identity, got: IncomingMessage[] = []) {
    const rt = await ChatRuntime.start({
      identity, localAddress: '127.0.0.1', localPort: port, peer: { host: '127.0.0.1', port: extPort, family: 4 }, displayName: 'keyed-peer',
      events: { message: (_p, m) => got.push(m) },
    });
    peers.push(rt);
    return rt;
  }

  /** The extension started, talking to a peer on a free port, secured with the peer's first key. */
  async function startedWithPeer() {
    const a = await api();
    const peerPort = await freePort();
    await configure({ peer: `127.0.0.1:${peerPort}`, localPort: 0, localAddress: '127.0.0.1' });
    await vscode.commands.executeCommand('udpChat.start');
    const extPort = a.controller.currentRuntime!.local.port;
    const first = await startPeer(peerPort, extPort, newIdentity());
    await waitFor('secured with the first key', () => a.controller.header().encrypted && a.controller.header().fingerprint);
    return { a, peerPort, extPort, first };
  }

  it('without a passphrase the session is encrypted, the header shows the same safety number as the peer, and Verify marks it', async () => {
    const a = await api();
    const peerPort = await freePort();
    await configure({ peer: `127.0.0.1:${peerPort}`, localPort: 0, localAddress: '127.0.0.1' });
    await vscode.commands.executeCommand('udpChat.start');
    const extPort = a.controller.currentRuntime!.local.port;
    const peer = await startPeer(peerPort, extPort, newIdentity());
    await waitFor('encrypted header', () => a.controller.header().encrypted && a.controller.header().fingerprint);
    assert.equal(a.controller.header().fingerprint, peer.safetyNumber);
    assert.equal(a.controller.header().verified, false);
    assert.ok(entries(a, 'notice').some((e) => e.text.includes(peer.safetyNumber)), 'a notice gives the safety number');
    assert.equal(await a.controller.verifyPeer('verified'), true);
    assert.equal(a.controller.header().verified, true);
    // The extension's key is the same after End and Start: the peer sees the same safety number.
    const before = peer.safetyNumber;
    await a.controller.endSession('restart');
    await vscode.commands.executeCommand('udpChat.start');
    await waitFor('secured again', () => a.controller.header().encrypted && a.controller.header().fingerprint);
    assert.equal(peer.safetyNumber, before);
    assert.equal(a.controller.header().verified, true, 'still verified: same key');
  });

  it('a new key at the configured address: a key-change warning in the header and the chat; nothing shown until accepted', async () => {
    const { a, peerPort, extPort, first } = await startedWithPeer();
    await first.stop('replaced');
    const got: IncomingMessage[] = [];
    const impostor = await startPeer(peerPort, extPort, newIdentity(), got);
    impostor.session.send({ text: 'I am the same person, trust me' });
    await waitFor('the key-change warning', () => a.controller.header().keyChanged, 20_000);
    assert.ok(entries(a, 'notice').some((e) => /different identity key/.test(e.text)));
    assert.ok(a.controller.shownMessages.some((m) => /different identity key/.test(m.text)), 'a notification too');
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(entries(a, 'peer').length, 0, 'nothing from the new key before it is accepted');
    assert.equal(await a.controller.acceptPeerKey(true), true);
    await waitFor('the message after accepting', () => entries(a, 'peer').some((e) => e.text === 'I am the same person, trust me'), 20_000);
    assert.equal(a.controller.header().keyChanged, false);
    assert.equal(a.controller.header().fingerprint, impostor.safetyNumber);
    assert.equal(a.controller.header().verified, false, 'a new key is not verified');
  });

  it('refusing a new key: the alert goes, nothing from that key is shown, and it raises no new warning', async () => {
    const { a, peerPort, extPort, first } = await startedWithPeer();
    const pinned = a.controller.header().fingerprint;
    await first.stop('replaced');
    const other = await startPeer(peerPort, extPort, newIdentity());
    other.session.send({ text: 'let me in' });
    await waitFor('the key-change warning', () => a.controller.header().keyChanged, 20_000);
    const warnings = () => entries(a, 'notice').filter((e) => /different identity key/.test(e.text)).length;
    assert.equal(warnings(), 1);
    assert.equal(await a.controller.acceptPeerKey('refuse'), false);
    assert.equal(a.controller.header().keyChanged, false);
    assert.ok(entries(a, 'notice').some((e) => /Refused the new key/.test(e.text)));
    await new Promise((r) => setTimeout(r, 4000)); // the other key keeps trying (handshake retries)
    assert.equal(a.controller.header().keyChanged, false, 'a refused key is not held again');
    assert.equal(warnings(), 1, 'no new warning for a refused key');
    assert.equal(entries(a, 'peer').length, 0, 'nothing from the refused key');
    assert.equal(a.controller.header().fingerprint, pinned, 'the remembered key stays');
  });
});
