import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { api, reset, waitFor } from './support';

describe('commands and settings', () => {
  afterEach(reset);

  it('registers every command', async () => {
    await api();
    const all = await vscode.commands.getCommands(true);
    for (const c of ['udpChat.start', 'udpChat.setPeer', 'udpChat.endSession', 'udpChat.sendSelection', 'udpChat.clearHistory', 'udpChat.chatView.focus']) {
      assert.ok(all.includes(c), `${c} missing`);
    }
  });

  it('Set Peer Address writes udpChat.peer to .vscode/settings.json of the workspace', async () => {
    await api();
    const folder = vscode.workspace.workspaceFolders?.[0];
    assert.ok(folder, 'the test runs with a folder open');
    await vscode.commands.executeCommand('udpChat.setPeer', '[::1]:45678');
    const file = path.join(folder.uri.fsPath, '.vscode', 'settings.json');
    const json = await waitFor('settings.json to hold the peer', () => {
      try { const j = JSON.parse(fs.readFileSync(file, 'utf8')); return j['udpChat.peer'] ? j : undefined; } catch { return undefined; }
    });
    assert.equal(json['udpChat.peer'], '[::1]:45678');
    assert.equal(vscode.workspace.getConfiguration('udpChat').inspect('peer')?.workspaceValue, '[::1]:45678');
    assert.equal(vscode.workspace.getConfiguration('udpChat').inspect('peer')?.globalValue, undefined, 'not in user settings');
  });

  it('rejects an invalid peer address with a clear message and keeps the old value', async () => {
    const a = await api();
    await vscode.commands.executeCommand('udpChat.setPeer', '127.0.0.1:5000');
    await vscode.commands.executeCommand('udpChat.setPeer', '300.1.2.3:70000');
    assert.equal(vscode.workspace.getConfiguration('udpChat').get('peer'), '127.0.0.1:5000');
    assert.ok(a.controller.shownMessages.some((m) => m.level === 'error' && /invalid peer address "300\.1\.2\.3:70000"/.test(m.text)), JSON.stringify(a.controller.shownMessages));
  });

  it('declares every setting with a type and a description', () => {
    const pkg = vscode.extensions.getExtension('udp-chat.udp-chat')!.packageJSON;
    const props = pkg.contributes.configuration.properties;
    for (const key of ['udpChat.peer', 'udpChat.localAddress', 'udpChat.localPort', 'udpChat.displayName']) {
      assert.ok(props[key], key);
      assert.ok(props[key].type && props[key].markdownDescription, `${key} has type and markdownDescription`);
    }
    // The peer first, every setting ordered and scoped.
    const ordered = Object.keys(props).sort((x, y) => props[x].order - props[y].order);
    assert.equal(ordered[0], 'udpChat.peer');
    for (const key of Object.keys(props)) {
      assert.equal(typeof props[key].order, 'number', `${key} has an order`);
      assert.ok(['application', 'machine', 'window', 'resource', 'machine-overridable', 'language-overridable'].includes(props[key].scope), `${key} has a scope`);
    }
    const palette = pkg.contributes.menus.commandPalette as Array<{ command: string; when: string }>;
    assert.equal(palette.find((m) => m.command === 'udpChat.endSession')?.when, 'udpChat.sessionActive');
    assert.equal(palette.find((m) => m.command === 'udpChat.clearPassphrase')?.when, 'udpChat.hasPassphrase');
    assert.equal(props['udpChat.localPort'].minimum, 0);
    assert.equal(props['udpChat.localPort'].maximum, 65535);
    assert.deepEqual(pkg.extensionKind, ['ui', 'workspace']);
    // Send Selection is in the editor context menu, and the view's title bar has Start/End.
    assert.ok(pkg.contributes.menus['editor/context'].some((m: { command: string }) => m.command === 'udpChat.sendSelection'));
    const titles = pkg.contributes.menus['view/title'].map((m: { command: string }) => m.command);
    assert.ok(titles.includes('udpChat.start') && titles.includes('udpChat.endSession'));
    const start = pkg.contributes.commands.find((c: { command: string }) => c.command === 'udpChat.start');
    assert.equal(start.title, 'Start UDP Chat', 'the palette title users type');
  });
});
