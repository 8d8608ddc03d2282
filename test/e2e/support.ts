// Shared e2e helpers: free ports, a real second peer (our own ChatRuntime), an nc-like plain socket,
// and short-hands for the chat view. Tests run in plain Node; the extension runs in code-server.
import * as assert from 'node:assert/strict';
import * as dgram from 'node:dgram';
import type { FrameLocator } from 'playwright-core';
import type { Presence } from '../../src/core/session';
import { newIdentity } from '../../src/core/identity';
import { ChatRuntime } from '../../src/net/chatRuntime';
import type { VsCode } from './harness';

export async function waitFor<T>(what: string, probe: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 15_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() >= end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

import { freeUdpPort } from '../support/udp';

export { freeUdpPort };

/** Workspace settings that make the extension bind 127.0.0.1:<extPort> and talk to 127.0.0.1:<peerPort>. */
export function chatSettings(extPort: number, peerPort: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    'udpChat.peer': `127.0.0.1:${peerPort}`,
    'udpChat.localAddress': '127.0.0.1',
    'udpChat.localPort': extPort,
    'udpChat.displayName': 'Browser',
    ...extra,
  };
}

/** A second session of our protocol in the test process, talking to the extension. */
export class TestPeer {
  runtime?: ChatRuntime;
  readonly received: string[] = [];
  readonly statuses = new Map<string, string>();
  presence: Presence = 'unknown';

  /** One identity for every start: a restarted peer is the same person (a new key would be a key change). */
  identity = newIdentity();

  constructor(readonly port: number, readonly extPort: number, readonly name = 'Tester') {}

  static async start(extPort: number, name?: string): Promise<TestPeer> {
    const p = new TestPeer(await freeUdpPort(), extPort, name);
    await p.start();
    return p;
  }

  async start(): Promise<void> {
    this.presence = 'unknown';
    this.runtime = await ChatRuntime.start({
      localAddress: '127.0.0.1',
      localPort: this.port,
      peer: { host: '127.0.0.1', port: this.extPort, family: 4 },
      displayName: this.name,
      identity: this.identity,
      events: {
        message: (_p, m) => { this.received.push(m.text); },
        presence: (_p, p) => { this.presence = p; },
        status: (_p, id, s) => { this.statuses.set(id, s); },
      },
    });
  }

  async stop(): Promise<void> {
    const rt = this.runtime;
    this.runtime = undefined;
    await rt?.stop('test peer stopped');
  }

  send(text: string): string {
    if (!this.runtime) throw new Error('peer not running');
    return this.runtime.session.send({ text });
  }

  waitOnline(timeoutMs = 20_000): Promise<true> {
    return waitFor('the test peer to see the extension online', () => this.presence === 'online', timeoutMs);
  }

  waitReceived(text: string, timeoutMs = 15_000): Promise<true> {
    return waitFor(`the peer to receive ${JSON.stringify(text.slice(0, 60))} (got ${this.received.length} messages)`, () => this.received.includes(text), timeoutMs);
  }

  waitDelivered(id: string, timeoutMs = 20_000): Promise<true> {
    return waitFor(`peer message ${id} delivered`, () => this.statuses.get(id) === 'delivered', timeoutMs);
  }
}

/** Behaves like `nc -u -p <port> 127.0.0.1 <ext>`: sends lines, keeps whatever arrives. */
export class PlainSocket {
  readonly socket = dgram.createSocket('udp4');
  readonly received: Buffer[] = [];
  port = 0;
  async bind(): Promise<number> {
    this.socket.on('message', (m) => this.received.push(m));
    await new Promise<void>((r) => this.socket.bind(0, '127.0.0.1', () => r()));
    this.port = this.socket.address().port;
    return this.port;
  }
  send(text: string, toPort: number): Promise<void> {
    return new Promise((res, rej) => this.socket.send(Buffer.from(text, 'utf8'), toPort, '127.0.0.1', (e) => (e ? rej(e) : res())));
  }
  texts(): string[] { return this.received.map((b) => b.toString('utf8')); }
  close(): Promise<void> { return new Promise((r) => this.socket.close(() => r())); }
}

/** Runs "Start UDP Chat" and waits until the view shows an active session. */
export async function startChat(v: VsCode): Promise<FrameLocator> {
  await v.runCommand('Start UDP Chat');
  const frame = await v.waitForChatFrame('#messages', 30_000);
  await frame.locator('.session-state[data-state="active"]').waitFor({ timeout: 15_000 });
  return frame;
}

/** Types into the Message textbox and presses Enter. */
export async function typeAndSend(frame: FrameLocator, text: string): Promise<void> {
  const box = frame.getByRole('textbox', { name: 'Message' });
  await box.click();
  await box.fill(text);
  await box.press('Enter');
}

/** The own entry whose text is exactly `text` (last one if several). */
export function ownEntry(frame: FrameLocator, text: string) {
  return frame.locator('#messages .entry-own').filter({ has: frame.locator('.text', { hasText: exactText(text) }) }).last();
}

export function peerEntry(frame: FrameLocator, text: string) {
  return frame.locator('#messages .entry-peer').filter({ has: frame.locator('.text', { hasText: exactText(text) }) }).last();
}

export function exactText(text: string): RegExp {
  return new RegExp(`^\\s*${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*$`);
}

export async function expectStatus(frame: FrameLocator, text: string, status: string, timeoutMs = 15_000): Promise<void> {
  const entry = ownEntry(frame, text);
  await entry.locator(`.status[data-status="${status}"]`).waitFor({ timeout: timeoutMs }).catch(async (e: Error) => {
    const now = await entry.locator('.status').getAttribute('data-status').catch(() => '(no entry)');
    assert.fail(`own entry ${JSON.stringify(text)}: expected status ${status}, it shows ${now}: ${e.message.split('\n')[0]}`);
  });
}

/**
 * A UDP wire between the extension and a peer that the test can cut: the extension talks to
 * `extSide`, the peer to `peerSide`; datagrams are forwarded both ways unless `cut` is set.
 */
export class CuttableWire {
  private readonly a = dgram.createSocket('udp4');
  private readonly b = dgram.createSocket('udp4');
  cut = false;
  /** Cuts only the peer → extension direction (acks lost, data still arrives). */
  cutToExt = false;
  dropped = 0;
  extSide = 0;
  peerSide = 0;

  constructor(private readonly extPort: number, private readonly peerPort: () => number) {}

  async open(): Promise<this> {
    await Promise.all([this.a, this.b].map((s) => new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()))));
    this.extSide = this.a.address().port;
    this.peerSide = this.b.address().port;
    // Sends to a peer that is not listening get ICMP errors back; they are expected here.
    this.a.on('error', () => undefined);
    this.b.on('error', () => undefined);
    this.a.on('message', (m) => { if (this.cut) this.dropped++; else this.b.send(m, this.peerPort(), '127.0.0.1'); });
    this.b.on('message', (m) => { if (this.cut || this.cutToExt) this.dropped++; else this.a.send(m, this.extPort, '127.0.0.1'); });
    return this;
  }

  async close(): Promise<void> {
    await Promise.all([this.a, this.b].map((s) => new Promise<void>((r) => s.close(() => r()))));
  }
}
