// The host's check of every message from the webview (chatViewProvider.ts runs checkWebviewMessage
// and logs the reason of a rejected one): each type field by field, junk never passes.
import * as assert from 'node:assert/strict';
import { checkWebviewMessage, isConversationId, MAX_CONVERSATION_ID, SINGLE_CONVERSATION } from '../../src/shared/protocol';

const P = 'p:0123456789abcdef';
const G = 'g:fedcba9876543210';

function ok(raw: unknown): void {
  const r = checkWebviewMessage(raw);
  assert.ok(r.ok, `${JSON.stringify(raw)} was rejected: ${r.ok ? '' : r.reason}`);
}
function bad(raw: unknown, reason: RegExp): void {
  const r = checkWebviewMessage(raw);
  assert.equal(r.ok, false, `${JSON.stringify(raw)} was accepted`);
  if (!r.ok) assert.match(r.reason, reason);
}

describe('webview → host validation (checkWebviewMessage)', () => {
  it('conversation ids: person (16 hex or addr:host:port), group (16 hex), the single conversation; nothing else', () => {
    for (const id of [P, G, 'p:addr:127.0.0.1:50505', 'p:addr:[::1]:50505', 'p:addr:example.com:1', SINGLE_CONVERSATION]) assert.ok(isConversationId(id), id);
    for (const id of ['', 'p:', 'g:', 'x:0123456789abcdef', 'p:0123456789ABCDEF', 'p:0123', 'g:addr:1.2.3.4:5', 'p:addr:', 'p:addr:a b',
      'p:addr:a\nb', `p:addr:${'a'.repeat(MAX_CONVERSATION_ID)}`, 'current', 3, null, undefined, {}]) {
      assert.equal(isConversationId(id), false, JSON.stringify(id));
    }
  });

  it('the old messages still pass and fail as before', () => {
    for (const m of [{ type: 'ready' }, { type: 'startSession' }, { type: 'setPeer' }, { type: 'endSession' }, { type: 'verifyPeer' }, { type: 'acceptPeerKey' },
      { type: 'retryMessage', id: 'a' }, { type: 'openCode', id: 'a' }, { type: 'copyCode', id: 'a' }, { type: 'openLink', url: 'https://x' },
      { type: 'copyText', text: 'x' }, { type: 'didRender', count: 1, ms: 2.5 }]) ok(m);
    bad({ type: 'retryMessage' }, /retryMessage: `id` must be a string/);
    bad({ type: 'openLink', url: 3 }, /`url`/);
    bad({ type: 'copyText' }, /`text`/);
    bad({ type: 'didRender', count: 'x', ms: 1 }, /`count`/);
    bad({ type: 'didRender', count: 1, ms: Infinity }, /`ms`/);
  });

  it('junk is rejected with a reason, never thrown', () => {
    bad(null, /not a message/);
    bad('ready', /not a message/);
    bad({ type: 3 }, /not a message/);
    bad({ type: 'launchMissiles' }, /unknown message type "launchMissiles"/);
    bad({ type: '__proto__' }, /unknown message type/);
  });

  it('sendMessage and saveDraft need their text and the conversation', () => {
    ok({ type: 'sendMessage', text: 'hi', conversation: P });
    ok({ type: 'saveDraft', text: '', conversation: G });
    bad({ type: 'sendMessage', text: 'hi' }, /sendMessage: `conversation` must be a conversation id/);
    bad({ type: 'sendMessage', conversation: P }, /sendMessage: `text` must be a string/);
    bad({ type: 'saveDraft', text: 'x', conversation: 'current' }, /saveDraft: `conversation`/);
    bad({ type: 'sendMessage', text: 'x', conversation: ['p:0123456789abcdef'] }, /`conversation`/);
  });

  it('openConversation needs an id of a person or a group', () => {
    ok({ type: 'openConversation', id: P });
    ok({ type: 'openConversation', id: G });
    bad({ type: 'openConversation' }, /openConversation: `id` must be a conversation id/);
    bad({ type: 'openConversation', id: 'g:nothex' }, /`id`/);
  });

  it('addPeer and createGroup carry nothing', () => {
    ok({ type: 'addPeer' });
    ok({ type: 'createGroup' });
    ok({ type: 'addPeer', extra: 'ignored' });
  });

  it('editGroup and leaveGroup need a group; acceptRequest and blockPerson a person', () => {
    ok({ type: 'editGroup', conversation: G });
    ok({ type: 'leaveGroup', conversation: G });
    bad({ type: 'editGroup', conversation: P }, /editGroup: `conversation` must be a group/);
    bad({ type: 'leaveGroup' }, /leaveGroup: `conversation` must be a conversation id/);
    ok({ type: 'acceptRequest', conversation: P });
    ok({ type: 'blockPerson', conversation: 'p:addr:10.0.0.2:50505' });
    bad({ type: 'acceptRequest', conversation: G }, /acceptRequest: `conversation` must be a person/);
    bad({ type: 'blockPerson', conversation: 7 }, /blockPerson: `conversation`/);
  });
});
