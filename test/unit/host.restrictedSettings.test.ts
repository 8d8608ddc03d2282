// Workspace Trust, pure part: which settings are restricted, finding them in a settings file, the
// rule that decides whether VS Code ignored them, what the user reads, and where Set Peer Address saves.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import './support/vscodeL10n'; // (before the host modules: trustNotices.ts says its words through vscode.l10n.t)
import {
  ignoredSettings, parseJsonc, RESTRICTED_KEYS, restrictedValuesIn, settingsTarget,
} from '../../src/host/restrictedSettings';
import { ignoredNotice, trustedNotice } from '../../src/host/trustNotices';

const root = path.resolve(__dirname, '..', '..', '..');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));

describe('Workspace Trust: restricted settings', () => {
  it('package.json declares limited untrusted support restricting exactly RESTRICTED_KEYS, all contributed settings', () => {
    const untrusted = pkg.capabilities?.untrustedWorkspaces;
    assert.equal(untrusted?.supported, 'limited');
    assert.ok(typeof untrusted.description === 'string' && untrusted.description.length > 20, 'a description says what is limited');
    assert.deepEqual([...untrusted.restrictedConfigurations].sort(), RESTRICTED_KEYS.map((k) => `udpChat.${k}`).sort());
    const props = Object.keys(pkg.contributes.configuration.properties);
    for (const id of untrusted.restrictedConfigurations) assert.ok(props.includes(id), `${id} is a contributed setting`);
  });

  it('restricts every setting that names an address, a port or an interface, or widens who reaches us', () => {
    // A new setting with such a name must be considered for restrictedConfigurations.
    const props = Object.keys(pkg.contributes.configuration.properties);
    const risky = props.filter((id) => /peer|address|port|interface|discover|reach/i.test(id));
    assert.ok(risky.length >= 6, `found ${risky.join(', ')}`);
    for (const id of risky) assert.ok(pkg.capabilities.untrustedWorkspaces.restrictedConfigurations.includes(id), `${id} is restricted`);
  });

  it('parses settings.json with comments and trailing commas, keeps // inside strings, rejects garbage', () => {
    const text = `{
      // the peer
      "udpChat.peer": "http://x//y:5", /* block */
      "udpChat.localPort": 4000,
    }`;
    assert.deepEqual(parseJsonc(text), { 'udpChat.peer': 'http://x//y:5', 'udpChat.localPort': 4000 });
    assert.deepEqual(parseJsonc('{"a": "q\\"//", }'), { a: 'q"//' });
    assert.deepEqual(parseJsonc(''), {});
    assert.equal(parseJsonc('{"a": '), undefined);
  });

  it('finds the restricted udpChat.* values of a settings object, dotted keys only', () => {
    const found = restrictedValuesIn({
      'udpChat.peer': '10.0.0.9:5000', 'udpChat.localPort': 0, 'udpChat.displayName': 'X', 'udpChat.discoverable': false,
      'editor.fontSize': 3, udpChat: { localAddress: '1.2.3.4' },
    });
    assert.deepEqual([...found], [['peer', '10.0.0.9:5000'], ['localPort', 0], ['discoverable', false]]);
    assert.equal(restrictedValuesIn(undefined).size, 0);
    assert.equal(restrictedValuesIn([1, 2]).size, 0);
  });

  it('reports a value as ignored only when VS Code shows neither a workspace nor a folder value for it', () => {
    const found = restrictedValuesIn({ 'udpChat.peer': '10.0.0.9:5000', 'udpChat.localPort': 4000, 'udpChat.localAddress': '127.0.0.1' });
    const inspect = (k: string) => (k === 'localPort' ? { workspaceValue: 4000 } : k === 'localAddress' ? { workspaceFolderValue: '127.0.0.1' } : { workspaceValue: undefined });
    assert.deepEqual(ignoredSettings(found, inspect), [{ id: 'udpChat.peer', key: 'peer', value: '10.0.0.9:5000' }]);
    // Trusted (VS Code applies everything): nothing is reported.
    assert.deepEqual(ignoredSettings(found, (k) => ({ workspaceValue: k })), []);
    assert.equal(ignoredSettings(found, () => undefined).length, 3);
  });

  it('tells the user which folder values are ignored and how to use them; nothing when none is', () => {
    assert.equal(ignoredNotice([]), '');
    const peerOnly = ignoredNotice([{ id: 'udpChat.peer', key: 'peer', value: '10.0.0.9:5000' }]);
    assert.match(peerOnly, /not trusted/);
    assert.match(peerOnly, /ignores its peer address 10\.0\.0\.9:5000 and uses your user settings/);
    assert.match(peerOnly, /Manage Workspace Trust/);
    const both = ignoredNotice([
      { id: 'udpChat.peer', key: 'peer', value: 'h:1' },
      { id: 'udpChat.localPort', key: 'localPort', value: 4000 },
      { id: 'udpChat.localAddress', key: 'localAddress', value: '' },
    ]);
    assert.match(both, /peer address h:1 and the settings udpChat\.localPort \(4000\), udpChat\.localAddress \(""\)/);
    assert.match(ignoredNotice([{ id: 'udpChat.discoverable', key: 'discoverable', value: true }]), /ignores the setting udpChat\.discoverable \(true\)/);
    assert.equal(trustedNotice([{ id: 'udpChat.peer', key: 'peer', value: 'h:1' }]), 'The folder is trusted now: its UDP Chat settings apply (peer h:1).');
    assert.match(trustedNotice([{ id: 'udpChat.localPort', key: 'localPort', value: 1 }]), /apply from the next session/);
  });

  it('Set Peer Address saves to the user settings in an untrusted folder, to the workspace in a trusted one', () => {
    assert.equal(settingsTarget(true, true, 'peer'), 'workspace');
    assert.equal(settingsTarget(true, false, 'peer'), 'user');
    assert.equal(settingsTarget(true, false, 'localPort'), 'user');
    assert.equal(settingsTarget(true, false, 'displayName'), 'workspace', 'not restricted: the folder keeps it');
    assert.equal(settingsTarget(false, true, 'peer'), 'user');
    assert.equal(settingsTarget(false, false, 'peer'), 'user');
  });
});
