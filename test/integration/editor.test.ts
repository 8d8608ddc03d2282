import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { IncomingMessage } from '../../src/core/session';
import { ChatRuntime } from '../../src/net/chatRuntime';
import { api, configure, entries, freePort, reset, waitFor } from './support';

describe('editor features', function () {
  this.timeout(40_000);
  let peer: ChatRuntime | undefined;
  afterEach(async () => {
    await peer?.stop().catch(() => undefined);
    peer = undefined;
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await reset();
  });

  async function chat() {
    const a = await api();
    const peerPort = await freePort();
    await configure({ peer: `127.0.0.1:${peerPort}`, localPort: 0, localAddress: '127.0.0.1' });
    await vscode.commands.executeCommand('udpChat.start');
    const extPort = a.controller.currentRuntime!.local.port;
    const got: IncomingMessage[] = [];
    peer = await ChatRuntime.start({ localAddress: '127.0.0.1', localPort: peerPort, peer: { host: '127.0.0.1', port: extPort, family: 4 }, displayName: 'coder', events: { message: (_p, m) => got.push(m) } });
    await waitFor('online', () => a.controller.header().presence === 'online');
    return { a, got };
  }

  it('Send Selection sends the code with its language, relative path and lines', async () => {
    const { got } = await chat();
    const folder = vscode.workspace.workspaceFolders![0].uri;
    const file = vscode.Uri.joinPath(folder, 'src', 'sample.ts');
    await vscode.workspace.fs.writeFile(file, Buffer.from('line one\nconst answer = 42;\nconsole.log(answer);\nline four\n'));
    const doc = await vscode.workspace.openTextDocument(file);
    const editor = await vscode.window.showTextDocument(doc);
    editor.selection = new vscode.Selection(1, 0, 2, 20);
    await vscode.commands.executeCommand('udpChat.sendSelection');
    const m = await waitFor('code at the peer', () => got.find((x) => x.code));
    assert.equal(m.text, 'const answer = 42;\nconsole.log(answer);');
    assert.deepEqual(m.code, { language: 'typescript', path: 'src/sample.ts', startLine: 2, endLine: 3 });
  });

  it('Send Selection: a selection that ends at column 1 of a line does not count that line (as VS Code does)', async () => {
    const { got } = await chat();
    const folder = vscode.workspace.workspaceFolders![0].uri;
    const file = vscode.Uri.joinPath(folder, 'hello.py');
    await vscode.workspace.fs.writeFile(file, Buffer.from('a = 1\nb = 2\nc = 3\nd = 4\n'));
    const editor = await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(file));
    editor.selection = new vscode.Selection(0, 0, 3, 0);
    await vscode.commands.executeCommand('udpChat.sendSelection');
    const m = await waitFor('code at the peer', () => got.find((x) => x.code));
    assert.equal(m.text, 'a = 1\nb = 2\nc = 3\n');
    assert.deepEqual([m.code?.path, m.code?.startLine, m.code?.endLine], ['hello.py', 1, 3]);
  });

  it('a received code block offers Open when the path exists here, and Open reveals those lines', async () => {
    const { a } = await chat();
    const folder = vscode.workspace.workspaceFolders![0].uri;
    await vscode.workspace.fs.writeFile(vscode.Uri.joinPath(folder, 'lib', 'util.py'), Buffer.from('a = 1\nb = 2\nc = 3\nd = 4\n'));
    peer!.session.send({ text: 'b = 2\nc = 3', code: { language: 'python', path: 'lib/util.py', startLine: 2, endLine: 3 } });
    peer!.session.send({ text: 'x', code: { language: 'python', path: 'not/here.py', startLine: 1, endLine: 1 } });
    peer!.session.send({ text: 'y', code: { language: 'python', path: '../../etc/passwd', startLine: 1, endLine: 1 } });
    const [e1, e2, e3] = await waitFor('three code entries', () => { const c = entries(a, 'peer').filter((e) => e.code); return c.length === 3 ? c : undefined; });
    assert.equal(e1.canOpen, true);
    assert.equal(e2.canOpen, false);
    assert.equal(e3.canOpen, false, 'paths outside the workspace are never opened');
    await a.controller.onWebviewMessage({ type: 'openCode', id: e1.id });
    const ed = await waitFor('editor opened', () => vscode.window.activeTextEditor?.document.uri.path.endsWith('/lib/util.py') ? vscode.window.activeTextEditor : undefined);
    assert.equal(ed.selection.start.line, 1);
    assert.equal(ed.selection.end.line, 2);
    assert.equal(path.basename(ed.document.fileName), 'util.py');
  });

  it('counts unread messages while the view is hidden and clears them when it is focused', async () => {
    const { a } = await chat();
    await vscode.commands.executeCommand('workbench.view.explorer'); // hide the chat
    await waitFor('chat hidden', () => !a.controller.view?.visible);
    await new Promise((r) => setTimeout(r, 5100)); // past the quiet time of any earlier notification
    a.controller.shownMessages.length = 0;
    peer!.session.send({ text: 'ping 1' });
    await waitFor('the first message notified at once', () => a.controller.shownMessages.some((m) => m.text === 'UDP Chat — coder: ping 1'));
    peer!.session.send({ text: 'ping 2' });
    peer!.session.send({ text: 'ping 3' });
    await waitFor('three unread', () => a.controller.unreadCount === 3);
    assert.equal(a.controller.shownMessages.length, 1, 'no notification per message in a burst');
    await waitFor('one summary at the end of the quiet time', () => a.controller.shownMessages.some((m) => m.text === 'UDP Chat: 2 new messages from coder'), 8000);
    assert.equal(a.controller.shownMessages.length, 2);
    await vscode.commands.executeCommand('udpChat.chatView.focus');
    await waitFor('unread cleared on focus', () => a.controller.unreadCount === 0);
  });

  it('messages read before their summary is due are not announced', async () => {
    const { a } = await chat();
    await vscode.commands.executeCommand('workbench.view.explorer');
    await waitFor('chat hidden', () => !a.controller.view?.visible);
    await new Promise((r) => setTimeout(r, 5100));
    peer!.session.send({ text: 'first' });
    await waitFor('first notified', () => a.controller.shownMessages.some((m) => m.text === 'UDP Chat — coder: first'));
    peer!.session.send({ text: 'second' });
    await waitFor('unread', () => a.controller.unreadCount === 2);
    await vscode.commands.executeCommand('udpChat.chatView.focus');
    await waitFor('read', () => a.controller.unreadCount === 0);
    await new Promise((r) => setTimeout(r, 5500));
    assert.ok(!a.controller.shownMessages.some((m) => /new messages? from/.test(m.text) || /second/.test(m.text)), JSON.stringify(a.controller.shownMessages));
  });

  it('no notification when notifications are turned off, but the count still grows', async () => {
    const { a } = await chat();
    await configure({ notifications: false });
    try {
      await vscode.commands.executeCommand('workbench.view.explorer');
      await waitFor('chat hidden', () => !a.controller.view?.visible);
      a.controller.shownMessages.length = 0;
      peer!.session.send({ text: 'quiet' });
      await waitFor('one unread', () => a.controller.unreadCount === 1);
      assert.equal(a.controller.shownMessages.filter((m) => /quiet/.test(m.text)).length, 0);
    } finally {
      await configure({ notifications: undefined });
    }
  });

  it('Clear History empties the conversation', async () => {
    const { a } = await chat();
    peer!.session.send({ text: 'to be cleared' });
    await waitFor('message', () => entries(a, 'peer').length === 1);
    a.controller.clearHistory();
    assert.equal(entries(a).length, 0);
  });
});
