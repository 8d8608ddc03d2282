import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileGroupStorage, groupsPathFor, trustPathFor } from '../../src/cli/identityFile';
import { groupChangeLine, groupLine, nameArg, personLine } from '../../src/cli/interactive';
import { jsonView } from '../../src/cli/jsonMode';
import type { GroupChange, GroupInfo, Person } from '../../src/service/types';

const ADA = 'aaaaaaaaaaaaaaaa';
const BOB = 'bbbbbbbbbbbbbbbb';
const CYD = 'cccccccccccccccc';

function group(members: string[][], active = true): GroupInfo {
  return { id: 'g0123456789abcdef', name: 'team', members: members.map(([id, name]) => ({ id, name })), active };
}
function change(p: Partial<GroupChange>): GroupChange {
  return { op: 'update', by: BOB, added: [], removed: [], renamed: false, wasMember: true, isMember: true, ...p };
}

describe('cli LAN view: JSON events', () => {
  const capture = () => {
    const out: Record<string, unknown>[] = [];
    return { out, view: jsonView((e) => out.push(e)) };
  };

  it('message events carry fromId, and group and groupId for group messages only', () => {
    const { out, view } = capture();
    const m = { text: 'hi', sentAt: 5, plain: false, uid: 'u' };
    view.message!('bob', m, { fromId: BOB });
    view.message!('bob', m, { fromId: BOB, group: 'team', groupId: 'g1' });
    assert.deepEqual(out[0], { event: 'message', from: 'bob', fromId: BOB, text: 'hi', sentAt: 5, plain: false, encrypted: true });
    assert.deepEqual(out[1], { event: 'message', from: 'bob', fromId: BOB, text: 'hi', sentAt: 5, plain: false, encrypted: true, group: 'team', groupId: 'g1' });
  });

  it('accepted and statuses name the person (to) or the group; per-member delivered and group-delivery', () => {
    const { out, view } = capture();
    view.accepted!('m1', 'x', { to: BOB });
    view.status!('m1', 'delivered', 'x', { to: BOB });
    view.accepted!('g1', 'y', { group: 'team', groupId: 'G' });
    view.memberStatus!('g1', 'delivered', { id: BOB, name: 'bob' }, { id: 'G', name: 'team' }, 'y');
    view.memberStatus!('g1', 'failed', { id: CYD, name: 'cyd' }, { id: 'G', name: 'team' }, 'y');
    view.groupDelivery!('g1', { id: 'G', name: 'team' }, { label: 'delivered to 1 of 2, 1 failed', tooltip: '', delivered: 1, total: 2, perMember: [] }, 'y');
    assert.deepEqual(out, [
      { event: 'accepted', id: 'm1', text: 'x', to: BOB },
      { event: 'delivered', id: 'm1', to: BOB },
      { event: 'accepted', id: 'g1', text: 'y', group: 'team', groupId: 'G' },
      { event: 'delivered', id: 'g1', to: BOB, group: 'team', groupId: 'G' },
      { event: 'failed', id: 'g1', to: CYD, group: 'team', groupId: 'G' },
      { event: 'group-delivery', id: 'g1', group: 'team', groupId: 'G', delivered: 1, total: 2, label: 'delivered to 1 of 2, 1 failed' },
    ]);
  });

  it('ready: the --peer form is unchanged; LAN mode has our id and no peer', () => {
    const { out, view } = capture();
    view.ready!({ local: '0.0.0.0:1', peer: '127.0.0.1:2', name: 'a', plain: false, lan: false, id: ADA, discovery: false });
    view.ready!({ local: '0.0.0.0:1', peer: '', name: 'a', plain: false, lan: true, id: ADA, discovery: true });
    assert.deepEqual(out[0], { event: 'ready', local: '0.0.0.0:1', peer: '127.0.0.1:2', name: 'a', plain: false });
    assert.deepEqual(out[1], { event: 'ready', local: '0.0.0.0:1', name: 'a', plain: false, id: ADA, lan: true, discovery: true });
  });

  it('people, discovery, requests, blocks and group changes', () => {
    const { out, view } = capture();
    const bob: Person = { id: BOB, name: 'bob', address: '10.0.0.2:50505', presence: 'online', plain: false, encrypted: true, safetyNumber: 's', verified: false, keyChangePending: false, discovered: true, request: false, configured: false };
    view.discovered!({ id: BOB, name: 'bob', address: '10.0.0.2:50505' });
    view.lost!({ id: BOB, name: 'bob' }, 'goodbye');
    view.request!({ id: CYD, name: 'cyd', address: 'x' });
    view.blocked!({ id: CYD, name: 'cyd' });
    view.people!([bob]);
    view.groupChanged!(group([[ADA, 'you'], [BOB, 'bob']]), change({ op: 'create', by: ADA, added: [BOB], wasMember: false }), 'you');
    view.error!('EAMBIGUOUS', 'which?', undefined, { candidates: [{ id: BOB, name: 'bob' }] });
    assert.deepEqual(out, [
      { event: 'person-discovered', id: BOB, name: 'bob', address: '10.0.0.2:50505' },
      { event: 'person-lost', id: BOB, name: 'bob', reason: 'goodbye' },
      { event: 'request', id: CYD, name: 'cyd' },
      { event: 'blocked', id: CYD, name: 'cyd' },
      { event: 'people', people: [{ id: BOB, name: 'bob', address: '10.0.0.2:50505', presence: 'online', discovered: true, encrypted: true, request: false, configured: false }] },
      {
        event: 'group-changed', group: 'team', groupId: 'g0123456789abcdef', members: [{ id: ADA, name: 'you' }, { id: BOB, name: 'bob' }],
        op: 'create', by: ADA, byName: 'you', added: [BOB], removed: [], renamed: false, isMember: true,
      },
      { event: 'error', code: 'EAMBIGUOUS', message: 'which?', candidates: [{ id: BOB, name: 'bob' }] },
    ]);
  });
});

describe('cli LAN view: interactive lines', () => {
  const names: Record<string, string> = { [ADA]: 'you', [BOB]: 'bob', [CYD]: 'cyd' };
  const nameOf = (id: string) => names[id] ?? id;

  it('describes group changes from the user\'s side', () => {
    const g = group([[ADA, 'you'], [BOB, 'bob'], [CYD, 'cyd']]);
    assert.equal(groupChangeLine(g, change({ op: 'create', by: ADA, wasMember: false }), 'you', nameOf), '* [team] created; members: you, bob, cyd');
    assert.equal(groupChangeLine(g, change({ op: 'create', wasMember: false }), 'bob', nameOf), '* [team] bob added you; members: you, bob, cyd');
    assert.equal(groupChangeLine(g, change({ added: [CYD] }), 'bob', nameOf), '* [team] bob added cyd; members: you, bob, cyd');
    assert.equal(groupChangeLine(g, change({ removed: [CYD], renamed: true }), 'bob', nameOf), '* [team] bob removed cyd, renamed it; members: you, bob, cyd');
    assert.equal(groupChangeLine(g, change({ op: 'leave', by: CYD, removed: [CYD] }), 'cyd', nameOf), '* [team] cyd left; members: you, bob, cyd');
    assert.equal(groupChangeLine(g, change({ op: 'leave', by: ADA, isMember: false }), 'you', nameOf), '* [team] you left');
    assert.equal(groupChangeLine(g, change({ isMember: false, removed: [ADA] }), 'bob', nameOf), '* [team] bob removed you');
  });

  it('/who and /groups lines; names with spaces are quoted in hints', () => {
    const p: Person = { id: BOB, name: 'bob', address: '10.0.0.2:50505', presence: 'online', plain: false, encrypted: true, safetyNumber: '', verified: false, keyChangePending: false, discovered: true, request: true, configured: false };
    assert.equal(personLine(p), `  bob  ${BOB}  10.0.0.2:50505  online, encrypted, on the LAN, REQUEST (/accept or /block)`);
    assert.equal(groupLine(group([[ADA, 'you'], [BOB, '']], false)), '  [team] you, bbbbbbbb (you left)  id g0123456789abcdef');
    assert.equal(nameArg('Ann Lee'), '"Ann Lee"');
    assert.equal(nameArg('bob'), 'bob');
  });
});

describe('cli groups file', () => {
  it('lives beside the identity, like the known people', () => {
    assert.equal(groupsPathFor('/h/identity.json'), '/h/identity.groups.json');
    assert.equal(groupsPathFor('/h/me'), '/h/me.groups.json');
    assert.equal(trustPathFor('/h/identity.json'), '/h/identity.known-people.json');
  });

  it('is written whole (temporary file, then rename), mode 0600, and read back', () => {
    const dir = mkdtempSync(join(tmpdir(), 'udp-chat-groups-'));
    const path = join(dir, 'sub', 'identity.groups.json');
    const s = new FileGroupStorage(path);
    assert.equal(s.load(), undefined, 'no file: no groups');
    assert.equal(s.warning, undefined, 'a missing file is no warning');
    s.save('{"v":1}');
    assert.equal(readFileSync(path, 'utf8'), '{"v":1}\n');
    if (process.platform !== 'win32') assert.equal(statSync(path).mode & 0o777, 0o600);
    // A stale temporary file of this pid (a crash mid-write) does not stop the next save.
    writeFileSync(`${path}.${process.pid}.tmp`, 'half', { mode: 0o644 });
    s.save('{"v":2}');
    assert.equal(new FileGroupStorage(path).load(), '{"v":2}\n');
    if (process.platform !== 'win32') assert.equal(statSync(path).mode & 0o777, 0o600);
    assert.deepEqual(readdirSync(join(dir, 'sub')), ['identity.groups.json'], 'no temporary file left');
  });

  it('an unreadable file is a warning, not a crash', () => {
    const dir = mkdtempSync(join(tmpdir(), 'udp-chat-groups-'));
    const s = new FileGroupStorage(dir); // a directory: EISDIR
    assert.equal(s.load(), undefined);
    assert.match(s.warning ?? '', /cannot read the groups file .*EISDIR/);
    assert.ok(existsSync(dir));
  });
});
