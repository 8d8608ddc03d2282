import * as assert from 'node:assert/strict';
import { fork } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import * as vscode from 'vscode';
import type { IncomingMessage } from '../../src/core/session';
import { ChatRuntime } from '../../src/net/chatRuntime';
import { api, configure, entries, freePort, reset, waitFor } from './support';

// The flood source runs in its own process, so it does not share (or slow) the measured event loop.
const FLOODER = `
const dgram = require('node:dgram');
const [port, count, sources] = process.argv.slice(2).map(Number);
const socks = Array.from({ length: sources }, () => dgram.createSocket('udp4'));
let bound = 0;
for (const s of socks) s.bind(0, '127.0.0.1', () => { if (++bound === socks.length) go(); });
function go() {
  let sent = 0;
  const payload = Buffer.from('<img src=x onerror=alert(1)> stranger flood '.repeat(4));
  (function burst() {
    for (let i = 0; i < 2000 && sent < count; i++, sent++) socks[sent % sources].send(payload, port, '127.0.0.1');
    if (sent < count) setImmediate(burst); else setTimeout(() => process.exit(0), 200);
  })();
}`;

describe('a flood against the extension host', function () {
  this.timeout(60_000);
  let peer: ChatRuntime | undefined;
  afterEach(async () => { await peer?.stop().catch(() => undefined); peer = undefined; await reset(); });

  it('100,000 stranger datagrams plus a burst of 2,000 real messages: the host stays responsive and the chat stays clean', async () => {
    const a = await api();
    const peerPort = await freePort();
    await configure({ peer: `127.0.0.1:${peerPort}`, localPort: 0, localAddress: '127.0.0.1' });
    await vscode.commands.executeCommand('udpChat.start');
    const rt = a.controller.currentRuntime!;
    const extPort = rt.local.port;
    const got: IncomingMessage[] = [];
    peer = await ChatRuntime.start({ localAddress: '127.0.0.1', localPort: peerPort, peer: { host: '127.0.0.1', port: extPort, family: 4 }, displayName: 'burst', events: { message: (_p, m) => got.push(m) } });
    await waitFor('online', () => a.controller.header().presence === 'online');

    const script = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'udp-chat-flood-')), 'flooder.js');
    fs.writeFileSync(script, FLOODER);
    const h = monitorEventLoopDelay({ resolution: 1 });
    h.enable();
    const t0 = Date.now();
    const before = rt.strangerDatagrams;
    const child = fork(script, [String(extPort), '100000', '50'], { execPath: process.execPath, env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' }, stdio: 'ignore' });
    // The real peer talks during the flood: 2,000 messages at once.
    for (let i = 0; i < 2000; i++) peer.session.send({ text: `burst ${i}` });
    await new Promise<void>((r) => child.once('exit', () => r()));
    await waitFor('all 2,000 real messages in the conversation', () => entries(a, 'peer').length >= 2000, 30_000);
    h.disable();
    const ms = Date.now() - t0;
    const strangers = rt.strangerDatagrams - before;
    console.log(`      flood in the extension host: ${strangers} stranger datagrams reached the socket, 2000 messages delivered in ${ms} ms; event-loop delay p50 ${(h.percentile(50) / 1e6).toFixed(1)} ms, p99 ${(h.percentile(99) / 1e6).toFixed(1)} ms, max ${(h.max / 1e6).toFixed(1)} ms`);
    const peers = entries(a, 'peer');
    assert.deepEqual(peers.slice(0, 3).map((e) => e.text), ['burst 0', 'burst 1', 'burst 2']);
    assert.equal(peers[1999].text, 'burst 1999', 'in order');
    assert.ok(peers.every((e) => e.text.startsWith('burst ')), 'no stranger text reached the chat');
    assert.ok(strangers > 0, 'the flood reached the socket');
    // Still answering afterwards: a message from us is delivered.
    await a.controller.sendText('still here');
    await waitFor('the peer reads it', () => got.some((m) => m.text === 'still here'));
  });
});
