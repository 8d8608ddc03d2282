import './support/vscodeL10n';
import * as assert from 'node:assert/strict';
import { viewStrings } from '../../src/host/viewStrings';
import type { HeaderInfo } from '../../src/shared/protocol';
import { setViewStrings } from '../../src/webview/strings';
import {
  composerMode, emptyGuidance, hasRecipient, headingText, localLines, peerLabel, presenceLook, requestText, sessionLook, STATUS_ICONS, statusLook,
} from '../../src/webview/texts';

// The view says what the host's table says: the English one here (the host's vscode.l10n.t sources).
before(() => setViewStrings(viewStrings()));

const base: HeaderInfo = {
  state: 'idle', local: '', localAddresses: [], peer: '', peerName: '', presence: 'unknown',
  plainPeer: false, encrypted: false, fingerprint: '', verified: false, keyChanged: false, passphrase: false,
};
const h = (over: Partial<HeaderInfo>): HeaderInfo => ({ ...base, ...over });

describe('webview texts: what the view says in each state', () => {
  it('never says "Active" while nobody is there: Connected, Waiting for <peer>, Ended, Error, Not started', () => {
    assert.equal(sessionLook(h({ state: 'active', presence: 'online', peer: '10.0.0.2:50505' })).text, 'Connected');
    assert.equal(sessionLook(h({ state: 'active', presence: 'unknown', peer: '10.0.0.2:50505' })).text, 'Waiting for 10.0.0.2:50505');
    assert.equal(sessionLook(h({ state: 'active', presence: 'offline', peer: '10.0.0.2:50505', peerName: 'Ada' })).text, 'Waiting for Ada');
    assert.equal(sessionLook(h({ state: 'ended' })).text, 'Ended');
    assert.equal(sessionLook(h({ state: 'error' })).text, 'Error');
    assert.equal(sessionLook(h({ state: 'idle' })).text, 'Not started');
    assert.equal(sessionLook(h({ state: 'starting' })).text, 'Starting…');
    for (const state of ['idle', 'starting', 'active', 'ended', 'error'] as const) {
      for (const presence of ['online', 'offline', 'unknown'] as const) {
        assert.doesNotMatch(sessionLook(h({ state, presence })).text, /active/i);
      }
    }
  });

  it('says "not heard from yet" instead of "unknown"', () => {
    assert.equal(presenceLook('unknown').text, 'not heard from yet');
    assert.equal(presenceLook('online').text, 'online');
  });

  it('gives every delivery status words and a codicon; textSent says it is not confirmed yet', () => {
    assert.equal(statusLook('textSent').text, 'sent as text (not confirmed yet)');
    for (const look of Object.keys(STATUS_ICONS).map((status) => ({ status, ...statusLook(status) }))) {
      const status = look.status;
      assert.match(look.icon, /^[a-z-]+$/, `${status}: icon is a codicon name`);
      assert.ok(look.text.length > 0);
      assert.doesNotMatch(look.text, /\p{Extended_Pictographic}/u, `${status}: no emoji`);
    }
    assert.equal(statusLook('toString').text, 'toString', 'an unknown status is its own word, not a prototype member');
  });

  it('heads the page with the peer', () => {
    assert.equal(headingText(h({})), 'UDP Chat');
    assert.equal(headingText(h({ peer: '10.0.0.2:50505' })), 'UDP Chat with 10.0.0.2:50505');
    assert.equal(headingText(h({ peer: '10.0.0.2:50505', peerName: 'Ada' })), 'UDP Chat with Ada');
  });

  it('guides the first step of an empty view by state', () => {
    assert.match(emptyGuidance(h({})).join(' '), /Set Peer, then Start/);
    assert.match(emptyGuidance(h({ peer: '10.0.0.2:50505' })).join(' '), /Ready to chat with 10\.0\.0\.2:50505.*Start.*Enter starts the chat/);
    assert.match(emptyGuidance(h({ peer: '10.0.0.2:50505', state: 'active' })).join(' '), /Waiting for 10\.0\.0\.2:50505/);
    for (const state of ['idle', 'starting', 'active', 'ended', 'error'] as const) {
      const lines = emptyGuidance(h({ state, peer: 'x:1' }));
      assert.ok(lines.length >= 1 && lines.length <= 2);
    }
  });

  it('disables the message box without a peer, and says what Enter does when no session runs', () => {
    const none = composerMode(h({}));
    assert.equal(none.disabled, true);
    assert.match(none.hint, /Set Peer/);
    const ready = composerMode(h({ peer: 'x:1', state: 'ended' }));
    assert.equal(ready.disabled, false);
    assert.match(ready.hint, /Enter starts the chat and sends/);
    const running = composerMode(h({ peer: 'x:1', state: 'active' }));
    assert.deepEqual([running.disabled, running.hint], [false, '']);
  });

  it('lists the addresses to give the peer, and the bound one only when it adds something', () => {
    assert.deepEqual(localLines(h({})), { addresses: [], listening: '' });
    assert.deepEqual(localLines(h({ local: '127.0.0.1:5', localAddresses: ['127.0.0.1:5'] })), { addresses: ['127.0.0.1:5'], listening: '' });
    assert.deepEqual(localLines(h({ local: '0.0.0.0:5', localAddresses: ['192.168.1.5:5', '127.0.0.1:5'] })),
      { addresses: ['192.168.1.5:5', '127.0.0.1:5'], listening: '0.0.0.0:5' });
    assert.deepEqual(localLines(h({ local: '0.0.0.0:5', localAddresses: undefined as unknown as string[] })), { addresses: [], listening: '0.0.0.0:5' });
  });
});

describe('webview texts: groups and requests', () => {
  const g = (over: Partial<HeaderInfo> = {}): HeaderInfo => h({ kind: 'group', peer: '', peerName: 'Team', members: ['Ann', 'Bob'], ...over });

  it('a group is a recipient without an address: the box is enabled, the heading and guidance name it', () => {
    assert.equal(hasRecipient(g()), true);
    assert.equal(hasRecipient(h({ peer: '' })), false);
    assert.equal(composerMode(g({ state: 'idle' })).disabled, false);
    assert.equal(headingText(g()), 'UDP Chat: group Team');
    assert.equal(emptyGuidance(g({ state: 'active' }))[0], 'No messages in Team yet.');
    assert.match(emptyGuidance(g({ state: 'active' }))[1]!, /every member/);
    assert.equal(peerLabel(g({ peerName: '' })), 'the group');
    assert.equal(sessionLook(g({ state: 'active', presence: 'unknown' })).text, 'Running', 'no "Waiting for" a single peer in a group');
  });

  it('a request names the stranger', () => {
    assert.equal(requestText(h({ peerName: 'Eve', request: true })), 'Eve is not in your known people. Accept to keep talking (writing back accepts too), or Block: nothing of theirs will reach you again.');
  });
});
