import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { ChatRuntime } from '../../src/net/chatRuntime';
import { api, configure, freePort, reset, waitFor } from './support';

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
    // A workspace's settings (a cloned repository's .vscode/settings.json) cannot announce you on the LAN or widen who reaches you.
    assert.equal(props['udpChat.discoverable'].scope, 'application');
    assert.equal(props['udpChat.whoCanReachMe'].scope, 'application');
    assert.equal(vscode.workspace.getConfiguration('udpChat').inspect('discoverable')?.workspaceValue, undefined);
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

describe('context keys: the palette offers what applies now', function () {
  this.timeout(40_000);
  let peer: ChatRuntime | undefined;
  afterEach(async () => {
    await peer?.stop().catch(() => undefined);
    peer = undefined;
    await vscode.commands.executeCommand('udpChat.clearPassphrase');
    await reset();
  });

  const keys = async () => (await api()).controller.contextKeys.current;

  it('sessionActive, peerSet, peerKeyKnown and hasPassphrase follow the session, the setting and the secret store', async () => {
    const a = await api();
    await waitFor('no session and no peer after reset', async () => {
      const k = await keys();
      return !k['udpChat.sessionActive'] && !k['udpChat.peerSet'] && !k['udpChat.peerKeyKnown'] && !k['udpChat.peerKeyChanged'];
    });
    const peerPort = await freePort();
    await configure({ peer: `127.0.0.1:${peerPort}`, localPort: 0, localAddress: '127.0.0.1' });
    await waitFor('peerSet once udpChat.peer is set', async () => (await keys())['udpChat.peerSet']);
    assert.equal((await keys())['udpChat.sessionActive'], false, 'nothing runs yet: End Session is not offered');

    await vscode.commands.executeCommand('udpChat.start');
    assert.equal((await keys())['udpChat.sessionActive'], true, 'End Session applies once Start returns');
    assert.equal((await keys())['udpChat.peerKeyKnown'], false, 'no safety number before the peer answered');
    const extPort = a.controller.currentRuntime!.local.port;
    peer = await ChatRuntime.start({
      localAddress: '127.0.0.1', localPort: peerPort, peer: { host: '127.0.0.1', port: extPort, family: 4 }, displayName: 'context-peer', events: {},
    });
    await waitFor('the encrypted session', () => a.controller.header().fingerprint !== '');
    await waitFor('peerKeyKnown once the safety number is shown', async () => (await keys())['udpChat.peerKeyKnown']);

    await vscode.commands.executeCommand('udpChat.endSession');
    const after = await keys();
    assert.equal(after['udpChat.sessionActive'], false, 'End Session is not offered after the end');
    assert.equal(after['udpChat.peerKeyKnown'], false, 'Verify is not offered without a session');
    assert.equal(after['udpChat.peerSet'], true);

    await vscode.commands.executeCommand('udpChat.setPassphrase', 'correct horse battery');
    await waitFor('hasPassphrase after Set Passphrase', async () => (await keys())['udpChat.hasPassphrase']);
    await vscode.commands.executeCommand('udpChat.clearPassphrase');
    await waitFor('no hasPassphrase after Clear Passphrase', async () => !(await keys())['udpChat.hasPassphrase']);
    await configure({ peer: undefined });
    await waitFor('no peerSet once udpChat.peer is cleared', async () => !(await keys())['udpChat.peerSet']);
  });

  it('every udpChat.* key in a when or enablement clause is one the host sets, and each key the host sets is used', async () => {
    const pkg = vscode.extensions.getExtension('udp-chat.udp-chat')!.packageJSON;
    const clauses: string[] = [];
    for (const c of pkg.contributes.commands) if (c.enablement) clauses.push(c.enablement);
    for (const items of Object.values(pkg.contributes.menus) as Array<Array<{ when?: string }>>) for (const m of items) if (m.when) clauses.push(m.when);
    for (const k of pkg.contributes.keybindings ?? []) if (k.when) clauses.push(k.when);
    const used = new Set(clauses.flatMap((w) => w.match(/\budpChat\.[A-Za-z]+\b/g) ?? []).filter((k) => !k.startsWith('udpChat.chatView')));
    const set = new Set(Object.keys(await keys()));
    assert.deepEqual([...used].filter((k) => !set.has(k)), [], 'keys the manifest reads that the host never sets');
    assert.deepEqual([...set].filter((k) => !used.has(k)), [], 'keys the host sets that no clause reads');
    // What the palette offers, command by command.
    const palette = new Map((pkg.contributes.menus.commandPalette as Array<{ command: string; when: string }>).map((m) => [m.command, m.when]));
    const enablement = new Map((pkg.contributes.commands as Array<{ command: string; enablement?: string }>).map((c) => [c.command, c.enablement]));
    for (const [command, key] of [
      ['udpChat.endSession', 'udpChat.sessionActive'], ['udpChat.newGroup', 'udpChat.sessionActive'], ['udpChat.block', 'udpChat.sessionActive'],
      ['udpChat.verifyPeer', 'udpChat.peerKeyKnown'], ['udpChat.acceptPeerKey', 'udpChat.peerKeyChanged'], ['udpChat.clearPassphrase', 'udpChat.hasPassphrase'],
    ]) {
      assert.equal(palette.get(command), key, `${command} in the palette only with ${key}`);
      assert.equal(enablement.get(command), key, `${command} enabled only with ${key}`);
    }
    assert.equal(palette.get('udpChat.sendSelection'), 'editorHasSelection && (udpChat.sessionActive || udpChat.peerSet)');
  });
});
