import * as dgram from 'node:dgram';
import * as vscode from 'vscode';
import type { UdpChatApi } from '../../src/extension';
import type { ChatEntry } from '../../src/shared/protocol';

export async function api(): Promise<UdpChatApi> {
  const ext = vscode.extensions.getExtension<UdpChatApi>('udp-chat.udp-chat');
  if (!ext) throw new Error('extension not found');
  return ext.activate();
}

export async function waitFor<T>(what: string, probe: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 10_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: T | undefined | false;
  while (Date.now() < end) {
    last = await probe();
    if (last) return last;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

export { freeUdpPort as freePort } from '../support/udp';

export async function configure(values: Record<string, unknown>): Promise<void> {
  const cfg = vscode.workspace.getConfiguration('udpChat');
  for (const [k, v] of Object.entries(values)) await cfg.update(k, v, vscode.ConfigurationTarget.Workspace);
}

export async function reset(): Promise<void> {
  const a = await api();
  if (a.controller.currentRuntime) await a.controller.endSession('test reset');
  await configure({ peer: undefined, localPort: undefined, localAddress: undefined, displayName: undefined });
  a.controller.clearHistory();
  a.controller.shownMessages.length = 0;
  a.controller.answer = undefined;
  // Peers of earlier tests may have used the same port with another key: no key-change warnings across tests.
  a.controller.knownPeople?.clear();
}

export function entries(a: UdpChatApi, kind?: ChatEntry['kind']): ChatEntry[] {
  return a.controller.conversation.all().filter((e) => !kind || e.kind === kind);
}

/** A plain UDP socket that behaves like `nc -u`: prints what arrives, sends text. */
export class PlainPeer {
  readonly socket = dgram.createSocket('udp4');
  readonly received: Buffer[] = [];
  async bind(port = 0): Promise<number> {
    this.socket.on('message', (m) => this.received.push(m));
    await new Promise<void>((r) => this.socket.bind(port, '127.0.0.1', () => r()));
    return this.socket.address().port;
  }
  send(text: string | Buffer, port: number): Promise<void> {
    return new Promise((res, rej) => this.socket.send(typeof text === 'string' ? Buffer.from(text) : text, port, '127.0.0.1', (e) => (e ? rej(e) : res())));
  }
  texts(): string[] { return this.received.map((b) => b.toString('utf8')); }
  close(): Promise<void> { return new Promise((r) => this.socket.close(() => r())); }
}
