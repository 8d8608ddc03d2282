import * as os from 'node:os';
import * as fs from 'node:fs';
import * as assert from 'node:assert/strict';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import * as readline from 'node:readline';
import * as vscode from 'vscode';
import { api, configure, entries, freePort, reset, waitFor } from './support';

/** The terminal peer in --json mode, as a real child process. */
class CliPeer {
  readonly events: Array<Record<string, unknown>> = [];
  private constructor(readonly proc: ChildProcessWithoutNullStreams) {
    readline.createInterface({ input: proc.stdout }).on('line', (l) => {
      try { this.events.push(JSON.parse(l)); } catch { this.events.push({ event: 'unparsed', line: l }); }
    });
  }
  static start(args: string[]): CliPeer {
    const cli = path.join(vscode.extensions.getExtension('udp-chat.udp-chat')!.extensionPath, 'dist', 'cli.js');
    // In Electron-based hosts execPath is Electron: run it as Node.
    const proc = spawn(process.execPath, [cli, '--json', ...args], { env: { ...process.env, ELECTRON_RUN_AS_NODE: '1', UDP_CHAT_HOME: fs.mkdtempSync(path.join(os.tmpdir(), 'udp-chat-home-')) } });
    return new CliPeer(proc);
  }
  send(text: string): void { this.proc.stdin.write(`${text}\n`); }
  find(pred: (e: Record<string, unknown>) => boolean) { return this.events.find(pred); }
  stop(): Promise<void> {
    return new Promise((r) => {
      if (this.proc.exitCode !== null) { r(); return; }
      this.proc.once('exit', () => r());
      this.proc.stdin.end();
      setTimeout(() => this.proc.kill('SIGKILL'), 5000).unref();
    });
  }
}

describe('the terminal peer and the extension', function () {
  this.timeout(40_000);
  let cli: CliPeer | undefined;
  afterEach(async () => {
    await cli?.stop();
    cli = undefined;
    await reset();
  });

  it('chat both ways with delivery status on both sides', async () => {
    const a = await api();
    const cliPort = await freePort();
    await configure({ peer: `127.0.0.1:${cliPort}`, localPort: 0, localAddress: '127.0.0.1', displayName: 'vscode-side' });
    await vscode.commands.executeCommand('udpChat.start');
    const extPort = a.controller.currentRuntime!.local.port;
    cli = CliPeer.start(['--local', '127.0.0.1', '--port', String(cliPort), '--peer', `127.0.0.1:${extPort}`, '--name', 'terminal-side']);
    await waitFor('cli ready', () => cli!.find((e) => e.event === 'ready'));
    await waitFor('cli sees the extension online', () => cli!.find((e) => e.event === 'peer-online' && e.name === 'vscode-side'));
    await waitFor('extension sees the cli online', () => a.controller.header().presence === 'online' && a.controller.header().peerName === 'terminal-side');

    cli.send('hello from the terminal');
    const accepted = await waitFor('accepted', () => cli!.find((e) => e.event === 'accepted'));
    await waitFor('message in VS Code', () => entries(a, 'peer').some((e) => e.text === 'hello from the terminal' && e.from === 'terminal-side'));
    await waitFor('delivered at the cli', () => cli!.find((e) => e.event === 'delivered' && e.id === accepted.id));

    await a.controller.sendText('hello from VS Code');
    await waitFor('message at the cli', () => cli!.find((e) => e.event === 'message' && e.text === 'hello from VS Code' && e.from === 'vscode-side'));
    const own = entries(a, 'own').find((e) => e.text === 'hello from VS Code')!;
    await waitFor('delivered in VS Code', () => a.controller.conversation.get(own.id)?.status === 'delivered');

    await cli.stop();
    await waitFor('bye from the cli takes it offline', () => a.controller.header().presence === 'offline');
    assert.ok(cli.find((e) => e.event === 'stats'), 'cli printed its final stats');
  });
});
