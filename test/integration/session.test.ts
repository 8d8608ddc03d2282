import * as assert from 'node:assert/strict';
import * as dgram from 'node:dgram';
import * as vscode from 'vscode';
import { newIdentity } from '../../src/core/identity';
import { ChatRuntime } from '../../src/net/chatRuntime';
import type { IncomingMessage, Presence } from '../../src/core/session';
import { api, configure, entries, freePort, PlainPeer, reset, waitFor } from './support';

/** A second real session (our own protocol) on a real socket, driven by the test. */
/** `identity`: pass the same one to restart the same person (a new key is a key change, held until accepted). */
async function startPeer(port: number, extPort: number, name = 'tester', identity = newIdentity()) {
  const got: IncomingMessage[] = [];
  const presence: Presence[] = [];
  const rt = await ChatRuntime.start({
    identity,
    localAddress: '127.0.0.1', localPort: port, peer: { host: '127.0.0.1', port: extPort, family: 4 }, displayName: name,
    events: { message: (_p, m) => got.push(m), presence: (_p, p) => presence.push(p) },
  });
  return { rt, got, presence, identity };
}

describe('a session on real UDP sockets', function () {
  this.timeout(40_000);
  const cleanups: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0)) await c().catch(() => undefined);
    await reset();
  });

  async function startExtension(peerPort: number): Promise<number> {
    const a = await api();
    await configure({ peer: `127.0.0.1:${peerPort}`, localPort: 0, localAddress: '127.0.0.1', displayName: 'ext-user' });
    await vscode.commands.executeCommand('udpChat.start');
    const rt = a.controller.currentRuntime;
    assert.ok(rt, `session did not start: ${JSON.stringify(a.controller.shownMessages)}`);
    return rt.local.port;
  }

  it('binds its socket: the port is taken while the session runs and free after End Session', async () => {
    const a = await api();
    const extPort = await startExtension(await freePort());
    assert.equal(a.controller.sessionState, 'active');
    assert.ok(extPort > 0);
    const probe = dgram.createSocket('udp4');
    const err = await new Promise<NodeJS.ErrnoException | undefined>((r) => { probe.once('error', r); probe.bind({ port: extPort, address: '127.0.0.1', exclusive: true }, () => r(undefined)); });
    assert.equal(err?.code, 'EADDRINUSE');
    await vscode.commands.executeCommand('udpChat.endSession');
    assert.equal(a.controller.sessionState, 'ended');
    const probe2 = dgram.createSocket('udp4');
    await new Promise<void>((r, j) => { probe2.once('error', j); probe2.bind({ port: extPort, address: '127.0.0.1' }, () => r()); });
    probe2.close();
    try { probe.close(); } catch { /* never bound */ }
  });

  it('chats with a second session both ways, with delivery confirmed', async () => {
    const a = await api();
    const peerPort = await freePort();
    const extPort = await startExtension(peerPort);
    const peer = await startPeer(peerPort, extPort);
    cleanups.push(() => peer.rt.stop());
    await waitFor('peer online in the extension', () => a.controller.header().presence === 'online');
    assert.equal(a.controller.header().peerName, 'tester');

    await a.controller.sendText('hello from VS Code');
    await waitFor('the peer to receive', () => peer.got.length === 1);
    assert.equal(peer.got[0].text, 'hello from VS Code');
    const own = entries(a, 'own');
    await waitFor('delivered status', () => a.controller.conversation.get(own[0].id)?.status === 'delivered');

    peer.rt.session.send({ text: 'hello from the peer ✓' });
    const peerMsg = await waitFor('a peer entry', () => entries(a, 'peer')[0]);
    assert.equal(peerMsg.text, 'hello from the peer ✓');
    assert.equal(peerMsg.from, 'tester');
  });

  it('End Session tells the peer, and the conversation stays', async () => {
    const a = await api();
    const peerPort = await freePort();
    const extPort = await startExtension(peerPort);
    const peer = await startPeer(peerPort, extPort);
    cleanups.push(() => peer.rt.stop());
    await waitFor('peer online', () => peer.rt.session.presence === 'online');
    await a.controller.sendText('before the end');
    await waitFor('delivery', () => peer.got.length === 1);
    await vscode.commands.executeCommand('udpChat.endSession');
    await waitFor('the peer to see us offline', () => peer.rt.session.presence === 'offline');
    assert.ok(entries(a, 'own').some((e) => e.text === 'before the end'), 'conversation kept');
  });

  it('queues while the peer is offline and flushes the queue when it comes back', async () => {
    const a = await api();
    const peerPort = await freePort();
    const extPort = await startExtension(peerPort);
    let peer = await startPeer(peerPort, extPort);
    await waitFor('online', () => a.controller.header().presence === 'online');
    await peer.rt.stop('going away');
    await waitFor('offline', () => a.controller.header().presence === 'offline');
    await a.controller.sendText('while you were out');
    const e = entries(a, 'own').find((x) => x.text === 'while you were out')!;
    assert.equal(e.status, 'queued');
    peer = await startPeer(peerPort, extPort, 'tester', peer.identity);
    cleanups.push(() => peer.rt.stop());
    await waitFor('queued message delivered after return', () => peer.got.some((m) => m.text === 'while you were out'));
    await waitFor('status delivered', () => a.controller.conversation.get(e.id)?.status === 'delivered');
  });

  it('chats with a plain-text UDP program (like nc -u) both ways, split at 1024 bytes, and sees its quit word', async () => {
    const a = await api();
    const nc = new PlainPeer();
    const ncPort = await nc.bind();
    cleanups.push(() => nc.close());
    const extPort = await startExtension(ncPort);
    await nc.send('hi from netcat\n', extPort);
    const got = await waitFor('the plain message', () => entries(a, 'peer')[0]);
    assert.equal(got.text, 'hi from netcat');
    await waitFor('plain peer in header', () => a.controller.header().plainPeer);
    const before = nc.received.length;
    await a.controller.sendText('hello nc');
    await waitFor('nc receives plain text', () => nc.texts().slice(before).includes('hello nc'));
    const own = entries(a, 'own').find((e) => e.text === 'hello nc')!;
    assert.equal(a.controller.conversation.get(own.id)?.status, 'unconfirmed');
    const long = 'ü'.repeat(1500); // 3000 bytes
    await a.controller.sendText(long);
    const chunks = await waitFor('three datagrams', () => { const c = nc.received.slice(before + 1); return c.length >= 3 ? c : undefined; });
    assert.ok(chunks.every((c) => c.length <= 1024));
    assert.equal(Buffer.concat(chunks).toString('utf8'), long);
    await nc.send(Buffer.from([0x6f, 0x6b, 0xff, 0x0a]), extPort);
    await waitFor('invalid UTF-8 shown with a replacement character', () => entries(a, 'peer').some((e) => e.text === 'ok\uFFFD'));
    await nc.send('bye bye\n', extPort);
    await waitFor('peer offline after its quit word', () => a.controller.header().presence === 'offline');
  });

  it('sends a quit word typed by the user, then ends the session', async () => {
    const a = await api();
    const nc = new PlainPeer();
    const ncPort = await nc.bind();
    cleanups.push(() => nc.close());
    const extPort = await startExtension(ncPort);
    await nc.send('hello\n', extPort);
    await waitFor('plain peer', () => a.controller.header().plainPeer);
    await a.controller.sendText('exit');
    await waitFor('nc got exit', () => nc.texts().includes('exit'));
    await waitFor('session ended', () => a.controller.sessionState === 'ended');
  });

  it('does not show datagrams from strangers as the peer\'s messages', async () => {
    const a = await api();
    const peerPort = await freePort();
    const extPort = await startExtension(peerPort);
    const stranger = new PlainPeer();
    await stranger.bind();
    cleanups.push(() => stranger.close());
    for (let i = 0; i < 5; i++) await stranger.send(`spoof ${i}`, extPort);
    await waitFor('the stranger datagrams to be counted', () => (a.controller.currentRuntime?.strangerDatagrams ?? 0) >= 5);
    assert.equal(entries(a, 'peer').length, 0);
    assert.equal(a.controller.header().plainPeer, false);
  });

  it('messages queued for one address never go to another without asking; when the user says so, they do', async () => {
    const a = await api();
    const wrongPort = await freePort(); // nobody there
    const extPort = await startExtension(wrongPort);
    await a.controller.sendText('meant for the right peer');
    const e = entries(a, 'own').find((x) => x.text === 'meant for the right peer')!;
    await waitFor('queued or sent as text', () => e.status === 'queued' || e.status === 'textSent');
    assert.equal(e.to, `127.0.0.1:${wrongPort}`);
    const rightPort = await freePort();
    const peer = await startPeer(rightPort, extPort);
    cleanups.push(() => peer.rt.stop());
    // First the user keeps it for the old address: nothing reaches the new peer.
    let asked = '';
    a.controller.answer = (text, actions) => {
      if (!text.includes('written to')) return undefined; // e.g. "a UDP Chat is writing to you"
      asked = text;
      return actions.find((x) => x.startsWith('Keep for'));
    };
    await configure({ peer: `127.0.0.1:${rightPort}` });
    await waitFor('the question', () => asked);
    assert.match(asked, new RegExp(`written to 127\\.0\\.0\\.1:${wrongPort}, not to 127\\.0\\.0\\.1:${rightPort}`));
    await waitFor('online with the new peer', () => a.controller.header().presence === 'online');
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(peer.got.length, 0, 'kept for the old peer: nothing went to the new one');
    // Back and forth: this time the user sends it to the new peer.
    a.controller.answer = (t, actions) => (t.includes('written to') ? actions.find((x) => x.startsWith('Send to')) : undefined);
    await configure({ peer: `127.0.0.1:${wrongPort}` });
    await waitFor('back on the old address', () => a.controller.currentRuntime?.peerEndpoint.port === wrongPort);
    await configure({ peer: `127.0.0.1:${rightPort}` });
    await waitFor('the queued message at the corrected peer', () => peer.got.some((m) => m.text === 'meant for the right peer'));
    await waitFor('delivered', () => a.controller.conversation.get(e.id)?.status === 'delivered');
    assert.equal(peer.got.filter((m) => m.text === 'meant for the right peer').length, 1);
    assert.equal(a.controller.conversation.get(e.id)?.to, `127.0.0.1:${rightPort}`);
  });

  it('a message typed with no session goes out when the session starts (typing starts it)', async () => {
    const a = await api();
    const peerPort = await freePort();
    const peer = await startPeer(peerPort, 1); // its address for the extension is fixed below
    cleanups.push(() => peer.rt.stop());
    await a.controller.endSession('test').catch(() => undefined);
    await configure({ peer: `127.0.0.1:${peerPort}`, localPort: 0, localAddress: '127.0.0.1' });
    assert.equal(a.controller.currentRuntime, undefined);
    await a.controller.sendText('typed before starting');
    const rt = a.controller.currentRuntime as ChatRuntime | undefined;
    assert.ok(rt, 'sending started the session');
    await peer.rt.changePeer({ host: '127.0.0.1', port: rt.local.port, family: 4 });
    await waitFor('the message at the peer', () => peer.got.some((m) => m.text === 'typed before starting'), 15_000);
    const e = entries(a, 'own').find((x) => x.text === 'typed before starting')!;
    await waitFor('delivered', () => a.controller.conversation.get(e.id)?.status === 'delivered', 15_000);
  });

  it('a peer host that does not resolve is refused before it is saved; header, settings and session agree', async () => {
    const a = await api();
    const peerPort = await freePort();
    await startExtension(peerPort);
    const before = `127.0.0.1:${peerPort}`;
    const r = await a.controller.setPeer('nosuchhost.invalid:50600');
    assert.equal(r, undefined);
    assert.equal(vscode.workspace.getConfiguration('udpChat').get('peer'), before);
    assert.equal(a.controller.header().peer, before);
    assert.equal(a.controller.currentRuntime?.peerEndpoint.port, peerPort);
    assert.ok(a.controller.shownMessages.some((m) => m.level === 'error' && /does not resolve/.test(m.text) && m.text.includes(`still chatting with ${before}`)), JSON.stringify(a.controller.shownMessages));
  });

  it('a UDP Chat writing from the peer\'s host on another port is pointed out, and one click moves the chat there', async () => {
    const a = await api();
    const oldPort = await freePort(); // where the peer used to be: nobody there now
    const extPort = await startExtension(oldPort);
    a.controller.answer = (_t, actions) => actions.find((x) => x.startsWith('Chat with'));
    const newPort = await freePort();
    const peer = await startPeer(newPort, extPort, 'moved');
    cleanups.push(() => peer.rt.stop());
    await waitFor('the notice', () => a.controller.shownMessages.find((m) => m.text.includes(`A UDP Chat at 127.0.0.1:${newPort} is writing to you`)));
    await waitFor('the chat moved', () => vscode.workspace.getConfiguration('udpChat').get('peer') === `127.0.0.1:${newPort}`);
    await waitFor('online with it', () => a.controller.header().presence === 'online', 15_000);
  });

  it('"Use Any Free Port" says which port the peer must now use', async () => {
    const a = await api();
    const blocker = dgram.createSocket('udp4');
    await new Promise<void>((r) => blocker.bind({ port: 0, address: '127.0.0.1', exclusive: true }, () => r()));
    cleanups.push(async () => blocker.close());
    const busy = blocker.address().port;
    await configure({ peer: '127.0.0.1:9', localPort: busy, localAddress: '127.0.0.1' });
    a.controller.answer = (_t, actions) => actions.find((x) => x === 'Use Any Free Port');
    await vscode.commands.executeCommand('udpChat.start');
    await waitFor('a session on another port', () => a.controller.currentRuntime);
    const port = a.controller.currentRuntime!.local.port;
    assert.notEqual(port, busy);
    await waitFor('the message', () => a.controller.shownMessages.find((m) => m.text.includes(`now listens on port ${port}, not ${busy}`) && m.text.includes(`127.0.0.1:${port}`)));
    assert.deepEqual(a.controller.header().localAddresses, [`127.0.0.1:${port}`]);
  });

  it('moves the session when udpChat.peer changes, without a restart', async () => {
    const a = await api();
    const first = new PlainPeer();
    const firstPort = await first.bind();
    cleanups.push(() => first.close());
    const extPort = await startExtension(firstPort);
    const rtBefore = a.controller.currentRuntime;
    const second = new PlainPeer();
    const secondPort = await second.bind();
    cleanups.push(() => second.close());
    await configure({ peer: `127.0.0.1:${secondPort}` });
    await waitFor('the runtime to target the new peer', () => a.controller.currentRuntime?.peerEndpoint.port === secondPort);
    assert.equal(a.controller.currentRuntime, rtBefore, 'same socket, no restart');
    assert.equal(a.controller.currentRuntime?.local.port, extPort);
    await waitFor('hello reaches the new peer', () => second.received.length > 0);
    await second.send('now me\n', extPort);
    await waitFor('message from the new peer', () => entries(a, 'peer').some((e) => e.text === 'now me'));
  });
});
