import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';

describe('extension host smoke', () => {
  it('finds, activates and registers udpChat.start', async () => {
    const ext = vscode.extensions.getExtension('udp-chat.udp-chat');
    assert.ok(ext, 'extension udp-chat.udp-chat is not loaded');
    await ext.activate();
    assert.equal(ext.isActive, true);
    const commands = await vscode.commands.getCommands(true);
    assert.ok(commands.includes('udpChat.start'), 'command udpChat.start is not registered');
  });
});
