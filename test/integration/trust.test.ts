// Workspace Trust in a real extension host with trust off (the integration layer's window): the folder
// counts as trusted, so its restricted settings apply. Checks the half of the rule that Restricted Mode
// cannot show (test/e2e/restricted.test.ts runs the untrusted half): VS Code's `inspect` reports the
// folder's value, so a value found in .vscode/settings.json is not reported as ignored, and Set Peer
// Address writes to the workspace settings.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { ignoredSettings, parseJsonc, restrictedValuesIn } from '../../src/host/restrictedSettings';
import { findIgnoredSettings, workspaceSettingsFile } from '../../src/host/workspaceTrust';
import { api, configure, reset, waitFor } from './support';

describe('Workspace Trust (trusted window)', () => {
  afterEach(reset);

  it('reads the folder settings file, sees the value through inspect, and reports nothing ignored', async () => {
    assert.equal(vscode.workspace.isTrusted, true, 'the integration window has trust turned off');
    await configure({ peer: '127.0.0.1:40001', localPort: 40002 });
    const file = workspaceSettingsFile();
    assert.ok(file && !file.inWorkspaceFile, 'a single-folder window uses .vscode/settings.json');
    const text = new TextDecoder().decode(await vscode.workspace.fs.readFile(file.uri));
    const found = restrictedValuesIn(parseJsonc(text));
    assert.equal(found.get('peer'), '127.0.0.1:40001');
    assert.equal(found.get('localPort'), 40002);
    const cfg = vscode.workspace.getConfiguration('udpChat');
    assert.equal(cfg.inspect('peer')?.workspaceValue, '127.0.0.1:40001');
    assert.deepEqual(ignoredSettings(found, (k) => cfg.inspect(k)), []);
    assert.deepEqual(await findIgnoredSettings(), []);
    assert.deepEqual((await api()).trust.ignored, [], 'nothing was reported at activation');
  });

  it('Set Peer Address saves to the workspace settings of a trusted folder', async () => {
    const a = await api();
    assert.equal(await a.controller.setPeer('127.0.0.1:40003'), '127.0.0.1:40003');
    await waitFor('the workspace value', () => vscode.workspace.getConfiguration('udpChat').inspect('peer')?.workspaceValue === '127.0.0.1:40003');
    assert.equal(vscode.workspace.getConfiguration('udpChat').inspect('peer')?.globalValue, undefined);
  });
});
