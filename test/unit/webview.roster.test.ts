import './support/vscodeL10n';
import * as assert from 'node:assert/strict';
import { viewStrings } from '../../src/host/viewStrings';
import type { RosterItem } from '../../src/shared/protocol';
import { MAX_BADGE, memberList, rosterModel, rosterOpen, rosterRow, unreadBadge } from '../../src/webview/roster';
import { setViewStrings } from '../../src/webview/strings';

// The rows say what the host's table says: the English one here.
before(() => setViewStrings(viewStrings()));

const person = (over: Partial<RosterItem> = {}): RosterItem => ({
  id: 'p:0123456789abcdef', kind: 'person', name: 'Ann', detail: '10.0.0.2:50505', presence: 'online', unread: 0,
  encrypted: true, plain: false, request: false, configured: true, ...over,
});
const group = (over: Partial<RosterItem> = {}): RosterItem => ({
  id: 'g:fedcba9876543210', kind: 'group', name: 'Team', detail: '3 members', presence: 'online', unread: 0,
  encrypted: true, plain: false, request: false, configured: false, members: ['Ann', 'Bob', 'Cy'], ...over,
});

describe('webview roster: the list of conversations as rows with labels', () => {
  it('a person: presence in words, lock, unread badge named "3 unread", the detail last', () => {
    const r = rosterRow(person({ unread: 3 }), 'g:fedcba9876543210');
    assert.equal(r.kind, 'person');
    assert.equal(r.icon, 'circle-filled');
    assert.equal(r.iconText, 'online');
    assert.equal(r.badge, '3');
    assert.equal(r.unreadText, '3 unread');
    assert.equal(r.selected, false);
    assert.equal(r.label, 'Ann, online, 10.0.0.2:50505, encrypted, 3 unread');
    assert.equal(r.title, 'Ann (10.0.0.2:50505)');
  });

  it('presence unknown and offline have their own icon and words; no unread, no badge', () => {
    const unknown = rosterRow(person({ presence: 'unknown', encrypted: false }), '');
    assert.equal(unknown.icon, 'circle-outline');
    assert.equal(unknown.label, 'Ann, not heard from yet, 10.0.0.2:50505');
    assert.equal(unknown.badge, '');
    const offline = rosterRow(person({ presence: 'offline', encrypted: false, plain: true }), '');
    assert.equal(offline.icon, 'circle-slash');
    assert.equal(offline.label, 'Ann, offline, plain text, 10.0.0.2:50505');
    // A newer host's unknown presence is shown as unknown, not dropped.
    assert.equal(rosterRow(person({ presence: 'away' as never }), '').presence, 'unknown');
  });

  it('a request is tagged and said', () => {
    const r = rosterRow(person({ name: 'Stranger', request: true, encrypted: false, detail: 'wants to chat', unread: 1 }), '');
    assert.equal(r.request, true);
    assert.equal(r.label, 'Stranger, online, wants to chat, request, 1 unread');
  });

  it('a group: its icon, member count in words, members on hover and in the label', () => {
    const r = rosterRow(group(), 'g:fedcba9876543210');
    assert.equal(r.icon, 'organization');
    assert.equal(r.iconText, 'group of 3 members');
    assert.equal(r.selected, true);
    assert.equal(r.title, 'Team: Ann, Bob and Cy');
    assert.equal(r.label, 'Team, group of 3 members, 3 members, encrypted, members: Ann, Bob and Cy');
    assert.equal(rosterRow(group({ members: ['Ann'] }), '').iconText, 'group of 1 member');
  });

  it('badges stop at 99+ while the name says the real number; junk counts are 0', () => {
    assert.equal(unreadBadge(0), '');
    assert.equal(unreadBadge(MAX_BADGE), '99');
    assert.equal(unreadBadge(1234), '99+');
    assert.equal(rosterRow(person({ unread: 1234 }), '').unreadText, '1234 unread');
    assert.equal(unreadBadge(-2), '');
    assert.equal(unreadBadge(Number.NaN), '');
    assert.equal(rosterRow(person({ unread: '5' as never }), '').badge, '');
  });

  it('names: an empty one gets a word, a long one is cut; member lists skip junk', () => {
    assert.equal(rosterRow(person({ name: '  ' }), '').name, 'Unnamed person');
    assert.equal(rosterRow(group({ name: '' }), '').name, 'Unnamed group');
    assert.ok(rosterRow(person({ name: 'x'.repeat(500) }), '').name.length <= 81);
    assert.equal(memberList(['Ann', 3, '', 'Bob']), 'Ann and Bob');
    assert.equal(memberList(undefined), '');
    assert.equal(memberList(['Solo']), 'Solo');
  });

  it('splits people and groups in the host order, marks the one shown, and sums what waits elsewhere', () => {
    const roster = [person(), group({ unread: 2 }), person({ id: 'p:1111111111111111', name: 'Bob', unread: 4, request: true })];
    const m = rosterModel(roster, 'p:0123456789abcdef');
    assert.deepEqual(m.people.map((r) => r.name), ['Ann', 'Bob']);
    assert.deepEqual(m.groups.map((r) => r.name), ['Team']);
    assert.deepEqual([...m.people, ...m.groups].filter((r) => r.selected).map((r) => r.id), ['p:0123456789abcdef']);
    assert.equal(m.total, 3);
    assert.equal(m.unreadElsewhere, 6);
    assert.equal(m.requests, 1);
    assert.equal(m.summary, '3 · 6 unread · 1 request');
    assert.equal(m.autoOpen, true);
  });

  it('one conversation, shown, nothing waiting: the list starts closed; a choice the user made wins', () => {
    const one = rosterModel([person()], 'p:0123456789abcdef');
    assert.equal(one.autoOpen, false);
    assert.equal(one.summary, '1');
    assert.equal(rosterOpen(one, undefined), false);
    assert.equal(rosterOpen(one, true), true);
    // A request, or a conversation that is not the one shown, opens it.
    assert.equal(rosterModel([person({ request: true })], 'g:fedcba9876543210').autoOpen, true);
    assert.equal(rosterModel([person()], '').autoOpen, true);
    // Several conversations: open, unless the user closed it.
    const two = rosterModel([person(), group()], 'p:0123456789abcdef');
    assert.equal(two.autoOpen, true);
    assert.equal(rosterOpen(two, false), false);
    // No roster at all (empty list): closed, nothing to say but the count.
    assert.equal(rosterModel([], '').autoOpen, false);
    assert.equal(rosterModel([], '').summary, '0');
  });
});
