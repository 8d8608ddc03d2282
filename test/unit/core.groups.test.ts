import * as assert from 'node:assert/strict';
import { decodeBody } from '../../src/core/codec';
import type { GroupEnvelope, GroupState } from '../../src/core/groupEnvelope';
import { decodeGroupMeta, decodeRawBody, encodeGroupMeta, encodeRawBody, hasGroupMeta, MAX_GROUP_MEMBERS } from '../../src/core/groupEnvelope';
import type { GroupEvent, SendRequest } from '../../src/core/groups';
import { DeliveryTracker, GroupBook, GroupError, summarizeDelivery } from '../../src/core/groups';
import { mulberry32 } from './support/fakeClock';
import type { GroupMember, Sent } from './support/groupNet';
import { GroupNet } from './support/groupNet';

const A = 'aaaaaaaaaaaaaaaa';
const B = 'bbbbbbbbbbbbbbbb';
const C = 'cccccccccccccccc';
const D = 'dddddddddddddddd';
const E = 'eeeeeeeeeeeeeeee';
const G = '0123456789abcdef';

/** A perfect in-memory mesh of books: requests queue up until delivered (in any order the test picks). */
class Mesh {
  readonly books = new Map<string, GroupBook>();
  readonly queue: Array<{ from: string; req: SendRequest }> = [];
  readonly events = new Map<string, GroupEvent[]>();
  private n = 0;
  constructor(ids: string[]) {
    for (const id of ids) {
      const tag = id[0];
      this.books.set(id, new GroupBook(id, { random64: () => `${tag}${(++this.n).toString(16).padStart(15, '0')}` }));
      this.events.set(id, []);
    }
  }
  book(id: string): GroupBook { return this.books.get(id)!; }
  /** `by` creates a group; the invitations are queued. */
  create(by: string, name: string, members: string[]): { id: string } {
    const { group, sends } = this.book(by).create(name, members);
    this.post(by, sends);
    return group;
  }
  post(from: string, sends: SendRequest[]): void { for (const req of sends) this.queue.push({ from, req }); }
  /** Delivers queued requests (those matching `pick`, default all) in queue order. */
  flush(pick: (x: { from: string; req: SendRequest }) => boolean = () => true): void {
    for (let i = 0; i < this.queue.length;) {
      const x = this.queue[i];
      if (!pick(x)) { i++; continue; }
      this.queue.splice(i, 1);
      this.deliver(x.from, x.req);
    }
  }
  deliver(from: string, req: SendRequest): GroupEvent[] {
    const ev = this.book(req.to).receive(from, { uid: req.uid, meta: req.meta, text: req.text, sentAt: 1 });
    assert.ok(ev, 'a group item');
    this.events.get(req.to)!.push(...ev);
    return ev;
  }
  shown(id: string): string[] {
    return this.events.get(id)!.flatMap((e) => (e.kind === 'message' ? [`${e.message.from[0]}:${e.message.text}`] : []));
  }
}

function stateOf(over: Partial<GroupState> = {}): GroupState {
  return { id: G, name: 'Team', members: [A, B, C], epoch: { n: 3, by: A }, ...over };
}

describe('core/groupEnvelope: the group envelope in a body\'s meta', () => {
  it('a group message\'s meta is exactly {"group":{v,type,id,epoch,by}} and reads back', () => {
    const env: GroupEnvelope = { type: 'message', id: G, epoch: { n: 4, by: B } };
    const meta = encodeGroupMeta(env);
    assert.equal(meta, '{"group":{"v":1,"type":"message","id":"0123456789abcdef","epoch":4,"by":"bbbbbbbbbbbbbbbb"}}');
    assert.deepEqual(decodeGroupMeta(meta), { env });
    assert.ok(hasGroupMeta(meta));
  });

  it('a change carries the whole membership; create, update and leave read back', () => {
    const upd: GroupEnvelope = { type: 'update', state: stateOf() };
    const meta = encodeGroupMeta(upd);
    assert.equal(meta, '{"group":{"v":1,"type":"update","id":"0123456789abcdef","epoch":3,"by":"aaaaaaaaaaaaaaaa","name":"Team","members":["aaaaaaaaaaaaaaaa","bbbbbbbbbbbbbbbb","cccccccccccccccc"]}}');
    assert.deepEqual(decodeGroupMeta(meta), { env: upd });
    const create: GroupEnvelope = { type: 'create', state: stateOf({ epoch: { n: 1, by: A } }) };
    assert.deepEqual(decodeGroupMeta(encodeGroupMeta(create)), { env: create });
    const leave: GroupEnvelope = { type: 'leave', state: stateOf({ members: [B, C], epoch: { n: 4, by: A } }) };
    assert.deepEqual(decodeGroupMeta(encodeGroupMeta(leave)), { env: leave });
    // Members come back sorted whatever order they were sent in.
    const unsorted = '{"group":{"v":1,"type":"update","id":"0123456789abcdef","epoch":3,"by":"aaaaaaaaaaaaaaaa","name":"Team","members":["cccccccccccccccc","aaaaaaaaaaaaaaaa"]}}';
    assert.deepEqual((decodeGroupMeta(unsorted)!.env as { state: GroupState }).state.members, [A, C]);
  });

  it('a code snippet to a group keeps the code keys of §8 beside "group"; older code reads the code and ignores the group', () => {
    const code = { language: 'ts', path: 'src/a.ts', startLine: 2, endLine: 5 };
    const env: GroupEnvelope = { type: 'message', id: G, epoch: { n: 1, by: A } };
    const meta = encodeGroupMeta(env, code);
    assert.deepEqual(decodeGroupMeta(meta), { env, code });
    const body = encodeRawBody({ sentAt: 123, uid: 'fedcba9876543210', meta, text: 'let x = 1;', code: true });
    assert.deepEqual(decodeBody(body), { text: 'let x = 1;', sentAt: 123, uid: 'fedcba9876543210', code, meta });
    assert.deepEqual(decodeRawBody(body), { kind: 2, sentAt: 123, uid: 'fedcba9876543210', meta, text: 'let x = 1;' });
  });

  it('older code shows a group text message as an ordinary text message (decodeBody reads no code from text meta, and gives the meta back raw)', () => {
    const meta = encodeGroupMeta({ type: 'message', id: G, epoch: { n: 1, by: A } });
    const body = encodeRawBody({ sentAt: 5, uid: '00000000000000ff', meta, text: 'hello group' });
    assert.deepEqual(decodeBody(body), { text: 'hello group', sentAt: 5, uid: '00000000000000ff', meta });
    assert.equal(decodeRawBody(body)!.meta, meta);
    for (let cut = 0; cut < 19 + 10; cut++) assert.equal(decodeRawBody(body.subarray(0, cut)), undefined, `cut at ${cut}`);
  });

  it('rejects malformed envelopes (undefined, never throws)', () => {
    const good = JSON.parse(encodeGroupMeta({ type: 'update', state: stateOf() })) as { group: Record<string, unknown> };
    const g = (over: Record<string, unknown>) => JSON.stringify({ group: { ...good.group, ...over } });
    const bad: string[] = [
      '', 'null', '[]', '"x"', '{', '{"group":null}', '{"group":[]}', '{"group":"x"}', '{"other":1}',
      g({ v: 2 }), g({ v: '1' }), g({ type: 'delete' }), g({ type: undefined }),
      g({ id: 'ABCDEF0123456789' }), g({ id: '0123' }), g({ id: 7 }),
      g({ epoch: 0 }), g({ epoch: -1 }), g({ epoch: 1.5 }), g({ epoch: '3' }), g({ epoch: 2 ** 53 }),
      g({ by: 'zzzzzzzzzzzzzzzz' }), g({ by: D }), // update by a non-member
      g({ name: '' }), g({ name: ' Team' }), g({ name: 'a\nb' }), g({ name: 'x'.repeat(65) }), g({ name: 5 }),
      g({ members: 'x' }), g({ members: [A, A, B] }), g({ members: [A, 'B'] }), g({ members: [A, 1] }),
      g({ members: Array.from({ length: MAX_GROUP_MEMBERS + 1 }, (_, i) => i.toString(16).padStart(16, '0')) }),
      g({ type: 'create' }), // create at epoch 3
      g({ type: 'leave' }), // leave by someone still a member
      JSON.stringify({ group: { ...good.group }, language: 'ts', path: 'a' }), // a change with code
      JSON.stringify({ group: { v: 1, type: 'message', id: G, epoch: 1, by: A }, language: 5, path: 'a' }),
      JSON.stringify({ group: { v: 1, type: 'message', id: G, epoch: 1 } }),
    ];
    for (const m of bad) assert.equal(decodeGroupMeta(m), undefined, m);
    // Damage anywhere: never throws.
    const rand = mulberry32(9);
    const src = encodeGroupMeta({ type: 'update', state: stateOf() });
    for (let i = 0; i < 3000; i++) {
      const chars = [...src];
      const k = 1 + Math.floor(rand() * 3);
      for (let j = 0; j < k; j++) chars[Math.floor(rand() * chars.length)] = String.fromCharCode(32 + Math.floor(rand() * 95));
      const m = chars.join('').slice(0, Math.floor(rand() * (src.length + 1)) || undefined);
      assert.doesNotThrow(() => decodeGroupMeta(m));
      assert.doesNotThrow(() => hasGroupMeta(m));
    }
    // Unknown keys are ignored (a later version may add some).
    assert.ok(decodeGroupMeta(g({ color: 'red' })));
  });
});

describe('core/groups: GroupBook rules', () => {
  it('setMembers adds and removes in one change (one epoch): the added join, the removed learn it, nobody else moves twice', () => {
    const mesh = new Mesh([A, B, C, D]);
    const group = mesh.create(A, 'team', [B, C]);
    mesh.flush();
    const before = mesh.book(A).group(group.id)!.epoch.n;
    const sends = mesh.book(A).setMembers(group.id, [B, D]);
    assert.deepEqual(sends.map((x) => x.to).sort(), [B, C, D], 'old and new members are told');
    assert.equal(new Set(sends.map((x) => x.uid)).size, 1, 'one change');
    assert.equal(mesh.book(A).group(group.id)!.epoch.n, before + 1);
    assert.deepEqual(mesh.book(A).group(group.id)!.members, [A, B, D]);
    mesh.post(A, sends);
    mesh.flush();
    assert.deepEqual(mesh.book(B).group(group.id)!.members, [A, B, D]);
    assert.equal(mesh.book(C).group(group.id)!.active, false, 'C was removed');
    assert.equal(mesh.book(D).group(group.id)!.active, true, 'D joined');
    assert.deepEqual(mesh.book(A).setMembers(group.id, [D, B]), [], 'the same members: no change');
  });

  it('create invites every member once; they all see the same group; only members get it', () => {
    const mesh = new Mesh([A, B, C, D]);
    const { group, sends } = mesh.book(A).create('  Team  ', [B, C]);
    assert.equal(group.name, 'Team');
    assert.deepEqual(group.members, [A, B, C]);
    assert.deepEqual(group.epoch, { n: 1, by: A });
    assert.deepEqual(sends.map((s) => s.to), [B, C]);
    assert.equal(new Set(sends.map((s) => s.uid)).size, 1);
    assert.ok(!sends.some((s) => s.to === A));
    mesh.post(A, sends);
    mesh.flush();
    for (const id of [B, C]) assert.deepEqual(mesh.book(id).group(group.id), { ...group, active: true });
    assert.equal(mesh.book(D).groups().length, 0);
    const ev = mesh.events.get(B)!;
    assert.equal(ev.length, 1);
    assert.ok(ev[0].kind === 'changed' && ev[0].op === 'create' && !ev[0].wasMember && ev[0].isMember);
    // An invitation for a group we are not in, or made by someone not in it, is not taken.
    const stranger = { type: 'create' as const, state: { id: 'ffffffffffffffff', name: 'X', members: [B, C], epoch: { n: 1, by: B } } };
    assert.deepEqual(mesh.book(D).receive(B, { uid: '1111111111111111', meta: encodeGroupMeta(stranger), text: '' }), []);
    assert.deepEqual(mesh.book(C).receive(D, { uid: '1111111111111111', meta: encodeGroupMeta({ ...stranger, state: { ...stranger.state, epoch: { n: 1, by: D }, members: [C, E] } }), text: '' }), []);
    assert.equal(mesh.book(D).groups().length, 0);
    assert.equal(mesh.book(C).group('ffffffffffffffff'), undefined);
    // Not a group item: undefined (the caller shows it as a direct message).
    assert.equal(mesh.book(B).receive(A, { uid: '1111111111111111', meta: '', text: 'hi' }), undefined);
    assert.equal(mesh.book(B).receive(A, { uid: '1111111111111111', meta: '{"language":"ts","path":"a","startLine":0,"endLine":0}', text: 'x' }), undefined);
    assert.throws(() => mesh.book(A).create(' ', [B]), GroupError);
    assert.throws(() => mesh.book(A).create('x', ['nope']), GroupError);
  });

  it('rename, add, remove and leave: each is a new epoch by its maker, sent to the old and the new members', () => {
    const mesh = new Mesh([A, B, C, D]);
    const group = mesh.create(A, 'Team', [B, C]);
    // D is added before the create went out: the update is its invitation.
    mesh.post(A, mesh.book(A).addMembers(group.id, [D]));
    mesh.flush();
    for (const id of [A, B, C, D]) assert.deepEqual(mesh.book(id).group(group.id)?.members, [A, B, C, D], id);

    const ren = mesh.book(B).rename(group.id, 'Crew');
    assert.deepEqual(ren.map((s) => s.to), [A, C, D]);
    mesh.post(B, ren);
    mesh.flush();
    for (const id of [A, B, C, D]) assert.deepEqual(mesh.book(id).group(group.id)?.epoch, { n: 3, by: B });
    assert.equal(mesh.book(D).group(group.id)?.name, 'Crew');

    const rem = mesh.book(C).removeMembers(group.id, [D]);
    assert.deepEqual(rem.map((s) => s.to), [A, B, D], 'the removed member is told');
    mesh.post(C, rem);
    mesh.flush();
    const dView = mesh.book(D).group(group.id)!;
    assert.equal(dView.active, false);
    assert.deepEqual(dView.members, [A, B, C]);
    const last = mesh.events.get(D)!.at(-1)!;
    assert.ok(last.kind === 'changed' && last.wasMember && !last.isMember && last.removed.includes(D));
    assert.throws(() => mesh.book(D).send(group.id, 'still here?'), GroupError);

    const lv = mesh.book(B).leave(group.id);
    assert.deepEqual(lv.map((s) => s.to), [A, C]);
    mesh.post(B, lv);
    mesh.flush();
    for (const id of [A, C]) assert.deepEqual(mesh.book(id).group(group.id)?.members, [A, C]);
    assert.equal(mesh.book(B).group(group.id)?.active, false);
    assert.deepEqual(mesh.book(A).group(group.id)?.epoch, { n: 5, by: B });
    assert.throws(() => mesh.book(A).removeMembers(group.id, [A]), GroupError);
  });

  it('a change is accepted only from its maker and only if the maker is a member', () => {
    const mesh = new Mesh([A, B, C, D]);
    const group = mesh.create(A, 'Team', [B, C]);
    mesh.create(A, 'Other', [D]);
    assert.deepEqual(mesh.book(A).addMembers(group.id, []), []);
    mesh.post(A, mesh.book(A).rename(group.id, 'Team2'));
    mesh.flush();
    assert.equal(mesh.book(B).group(group.id)?.name, 'Team2');
    const cur = mesh.book(B).group(group.id)!;
    // D is not a member: its "update" with a higher epoch is ignored.
    const forged = (by: string, n: number, members: string[]) => encodeGroupMeta({ type: 'update', state: { id: group.id, name: 'Hijacked', members, epoch: { n, by } } });
    assert.deepEqual(mesh.book(B).receive(D, { uid: '2222222222222222', meta: forged(D, cur.epoch.n + 1, [A, B, C, D]), text: '' }), []);
    // A member cannot make a change in another member's name (by must be the sender).
    assert.deepEqual(mesh.book(B).receive(C, { uid: '2222222222222223', meta: forged(A, cur.epoch.n + 1, [A, B, C]), text: '' }), []);
    assert.deepEqual(mesh.book(B).group(group.id), cur);
    // An old epoch from a member is ignored; the same epoch again is ignored.
    assert.deepEqual(mesh.book(B).receive(C, { uid: '2222222222222224', meta: forged(C, 1, [A, B, C]), text: '' }), []);
    assert.deepEqual(mesh.book(B).group(group.id), cur);
    // A higher one from a member wins.
    const ev = mesh.book(B).receive(C, { uid: '2222222222222225', meta: forged(C, cur.epoch.n + 1, [A, B, C]), text: '' })!;
    assert.equal(ev.length, 1);
    assert.equal(mesh.book(B).group(group.id)?.name, 'Hijacked');
  });

  it('two changes at the same epoch: the higher maker id wins on every member, whatever the order', () => {
    for (const order of ['first', 'second'] as const) {
      const mesh = new Mesh([A, B, C, D]);
      const group = mesh.create(A, 'Team', [B, C, D]);
      mesh.post(A, mesh.book(A).rename(group.id, 'Team 1'));
      mesh.flush();
      // B removes D, C renames, concurrently (both at epoch 3).
      const byB = mesh.book(B).removeMembers(group.id, [D]);
      const byC = mesh.book(C).rename(group.id, 'Crew');
      if (order === 'first') { mesh.post(B, byB); mesh.post(C, byC); } else { mesh.post(C, byC); mesh.post(B, byB); }
      mesh.flush();
      for (const id of [A, B, C, D]) {
        const v = mesh.book(id).group(group.id)!;
        assert.deepEqual(v.epoch, { n: 3, by: C }, `${id} ${order}`);
        assert.equal(v.name, 'Crew');
        assert.deepEqual(v.members, [A, B, C, D], 'C\'s state wins: D is still in');
        assert.equal(v.active, true);
      }
    }
  });

  it('a removed member shows nothing sent after its removal, even if a member still sends it something', () => {
    const mesh = new Mesh([A, B, C]);
    const group = mesh.create(A, 'Team', [B, C]);
    mesh.post(A, mesh.book(A).rename(group.id, 'Team!'));
    mesh.flush();
    // B writes before it learns of the removal; it reaches C late.
    const before = mesh.book(B).send(group.id, 'before');
    assert.deepEqual(before.sends.map((s) => s.to), [A, C]);
    mesh.post(B, before.sends);
    const rem = mesh.book(A).removeMembers(group.id, [C]);
    mesh.post(A, rem);
    mesh.flush((x) => x.from === A);
    assert.equal(mesh.book(C).group(group.id)?.active, false);
    const after = mesh.book(A).send(group.id, 'after');
    assert.deepEqual(after.sends.map((s) => s.to), [B], 'the removed member is not a recipient');
    mesh.post(A, after.sends);
    // Forged or stale: a member sends C a message under the new epoch anyway.
    mesh.deliver(A, { ...after.sends[0], to: C });
    const bAfter = mesh.book(B).send(group.id, 'b after');
    mesh.deliver(B, { ...bAfter.sends[0], to: C });
    mesh.post(B, bAfter.sends);
    mesh.flush();
    assert.deepEqual(mesh.shown(C), ['b:before'], 'what was sent before the removal still arrives, nothing after');
    assert.deepEqual(mesh.shown(B), ['a:after']);
    assert.deepEqual(mesh.shown(A), ['b:before', 'b:b after']);
    // And it stays so: later changes that do not add it back are not applied.
    mesh.post(B, mesh.book(B).rename(group.id, 'Without C'));
    mesh.flush();
    const cv = mesh.book(C).group(group.id)!;
    assert.equal(cv.name, 'Team!');
    assert.deepEqual(cv.epoch, { n: 3, by: A });
    // Added back by a member: it is in again and sees what is sent from then on.
    mesh.post(B, mesh.book(B).addMembers(group.id, [C]));
    mesh.flush();
    assert.equal(mesh.book(C).group(group.id)?.active, true);
    mesh.post(A, mesh.book(A).send(group.id, 'welcome back').sends);
    mesh.flush();
    assert.deepEqual(mesh.shown(C), ['b:before', 'a:welcome back']);
  });

  it('items ahead of what a member knows wait: messages before the invitation, a message before the change it was sent under', () => {
    const mesh = new Mesh([A, B, C, D]);
    const group = mesh.create(A, 'Team', [B, C]);
    // B has the invitation, C not yet: B writes to C.
    mesh.flush((x) => x.req.to === B);
    const b1 = mesh.book(B).send(group.id, 'b1');
    const b2 = mesh.book(B).send(group.id, 'b2');
    mesh.post(B, [...b1.sends, ...b2.sends]);
    mesh.flush((x) => x.from === B);
    assert.deepEqual(mesh.shown(C), []);
    assert.equal(mesh.book(C).heldCount(group.id), 2);
    mesh.flush();
    assert.deepEqual(mesh.shown(C), ['b:b1', 'b:b2']);
    assert.equal(mesh.book(C).heldCount(), 0);
    // A adds D; B learns it and writes; D gets B's message before A's change.
    const add = mesh.book(A).addMembers(group.id, [D]);
    mesh.post(A, add);
    mesh.flush((x) => x.req.to === B);
    mesh.post(B, mesh.book(B).send(group.id, 'hi D').sends);
    mesh.flush((x) => x.from === B);
    assert.deepEqual(mesh.shown(D), []);
    // C is at the older epoch: B's message waits for the change too.
    assert.deepEqual(mesh.shown(C), ['b:b1', 'b:b2']);
    mesh.flush();
    assert.deepEqual(mesh.shown(D), ['b:hi D']);
    assert.deepEqual(mesh.shown(C), ['b:b1', 'b:b2', 'b:hi D']);
    assert.deepEqual(mesh.book(A).addMembers(group.id, [D]), [], 'adding a member again changes nothing');
  });

  it('a message under an older state not seen yet waits for it (the invitation came as a later change)', () => {
    const mesh = new Mesh([A, B, C]);
    const group = mesh.create(A, 'Team', [B, C]);
    mesh.flush((x) => x.req.to === B);
    const b1 = mesh.book(B).send(group.id, 'b1 before leaving');
    mesh.post(B, b1.sends);
    mesh.post(B, mesh.book(B).leave(group.id));
    // C gets B's leave (its first sight of the group) and B's message before A's create.
    mesh.flush((x) => x.from === B && x.req.to === C && x.req.uid !== b1.uid);
    assert.equal(mesh.book(C).group(group.id)?.active, true);
    mesh.flush((x) => x.from === B && x.req.to === C);
    assert.deepEqual(mesh.shown(C), [], 'B is not a member of the state C knows: wait for the state it was sent under');
    mesh.flush();
    assert.deepEqual(mesh.shown(C), ['b:b1 before leaving']);
    assert.deepEqual(mesh.book(C).group(group.id)?.members, [A, C]);
    assert.equal(mesh.book(C).heldCount(), 0);
  });

  it('one sender\'s messages keep their order when the first waits for a state and the second need not', () => {
    const mesh = new Mesh([A, B, C]);
    const group = mesh.create(A, 'Team', [B, C]);
    mesh.post(A, mesh.book(A).rename(group.id, 'Team 2'));
    mesh.flush((x) => x.req.to === B);
    // m1 as B sent it before the rename reached it (under (1,A)); m2 after.
    assert.deepEqual(mesh.book(B).group(group.id)?.epoch, { n: 2, by: A });
    const early = { ...mesh.book(B).send(group.id, 'm1').sends.find((s) => s.to === C)! };
    early.meta = encodeGroupMeta({ type: 'message', id: group.id, epoch: { n: 1, by: A } });
    const late = mesh.book(B).send(group.id, 'm2').sends.find((s) => s.to === C)!;
    // C sees the rename (its invitation) first, then B's two messages, then the create.
    mesh.flush((x) => x.req.to === C && x.req.meta.includes('"update"'));
    mesh.deliver(B, early);
    mesh.deliver(B, late);
    assert.deepEqual(mesh.shown(C), [], 'm2 waits behind m1');
    mesh.flush();
    assert.deepEqual(mesh.shown(C), ['b:m1', 'b:m2']);
  });

  it('an invitation whose maker is not its sender is not taken', () => {
    const mesh = new Mesh([A, B, C]);
    const forged = encodeGroupMeta({ type: 'create', state: { id: G, name: 'Forged', members: [A, B, C], epoch: { n: 1, by: A } } });
    assert.deepEqual(mesh.book(C).receive(B, { uid: '3333333333333333', meta: forged, text: '' }), []);
    assert.equal(mesh.book(C).group(G), undefined);
    assert.equal(mesh.book(C).receive(A, { uid: '3333333333333334', meta: forged, text: '' })!.length, 1);
  });

  it('a change by a newly added member that arrives before the change that added it waits for it', () => {
    const mesh = new Mesh([A, B, C, D]);
    const group = mesh.create(A, 'Team', [B, C]);
    mesh.flush();
    mesh.post(A, mesh.book(A).addMembers(group.id, [D]));
    mesh.flush((x) => x.req.to === D);
    mesh.post(D, mesh.book(D).rename(group.id, 'D was here'));
    mesh.flush((x) => x.from === D);
    assert.equal(mesh.book(B).group(group.id)?.name, 'Team');
    mesh.flush();
    for (const id of [A, B, C, D]) {
      assert.equal(mesh.book(id).group(group.id)?.name, 'D was here', id);
      assert.deepEqual(mesh.book(id).group(group.id)?.epoch, { n: 3, by: D });
    }
  });

  it('exactly once: the same group message twice (two paths, a replay) is shown once; another sender\'s message with the same uid is its own', () => {
    const mesh = new Mesh([A, B, C]);
    const group = mesh.create(A, 'Team', [B, C]);
    mesh.flush();
    const m = mesh.book(A).send(group.id, 'once');
    assert.equal(new Set(m.sends.map((s) => s.uid)).size, 1);
    assert.equal(m.sends[0].uid, m.uid);
    mesh.post(A, m.sends);
    mesh.post(A, m.sends);
    mesh.flush();
    mesh.flush();
    mesh.deliver(A, m.sends[0]);
    assert.deepEqual(mesh.shown(B), ['a:once']);
    assert.deepEqual(mesh.shown(C), ['a:once']);
    const same = mesh.book(C).send(group.id, 'mine', { uid: m.uid });
    assert.equal(same.uid, m.uid);
    mesh.post(C, same.sends);
    mesh.flush();
    assert.deepEqual(mesh.shown(B), ['a:once', 'c:mine']);
    // Our own message coming back is not shown.
    assert.deepEqual(mesh.book(A).receive(C, { ...m.sends[0], sentAt: 0 }), []);
  });

  it('survives a reload: serialize → deserialize keeps groups, the last states, what was shown and what waits', () => {
    const mesh = new Mesh([A, B, C, D]);
    const group = mesh.create(A, 'Team ✓', [B, C]);
    mesh.flush();
    mesh.post(A, mesh.book(A).rename(group.id, 'Team 2'));
    mesh.flush();
    const m = mesh.book(A).send(group.id, 'one');
    mesh.post(A, m.sends);
    mesh.flush();
    // Something held in C's book: B's message under a change C has not seen.
    mesh.post(A, mesh.book(A).addMembers(group.id, [D]));
    mesh.flush((x) => x.req.to !== C);
    const b = mesh.book(B).send(group.id, 'held');
    mesh.deliver(B, b.sends.find((s) => s.to === C)!);
    assert.equal(mesh.book(C).heldCount(group.id), 1);
    const text = mesh.book(C).serialize();
    const c2 = GroupBook.deserialize(C, text);
    assert.deepEqual(c2.groups(), mesh.book(C).groups());
    assert.equal(c2.heldCount(group.id), 1);
    assert.equal(c2.serialize(), text);
    // What was shown before the reload is not shown again.
    assert.deepEqual(c2.receive(A, { ...m.sends.find((s) => s.to === C)!, sentAt: 1 }), []);
    // The held message comes out once the change arrives.
    const change = mesh.queue.find((x) => x.req.to === C)!;
    const ev = c2.receive(change.from, change.req)!;
    assert.deepEqual(ev.map((e) => e.kind), ['changed', 'message']);
    // Another person's book is not read as ours.
    assert.equal(GroupBook.deserialize(B, text).groups().length, 0);
  });

  it('damaged storage: never throws, keeps the good groups and drops the bad', () => {
    const mesh = new Mesh([A, B, C]);
    const g1 = mesh.create(A, 'One', [B]);
    const g2 = mesh.create(A, 'Two', [B, C]);
    const text = mesh.book(A).serialize();
    for (const t of ['', 'null', '[]', '{}', '"x"', '{"type":"udp-chat-groups","version":2}', text.slice(0, text.length / 2)]) {
      assert.equal(GroupBook.deserialize(A, t).groups().length, 0, t);
    }
    const o = JSON.parse(text) as { groups: Array<Record<string, unknown>> };
    o.groups[0].members = [A, A];
    (o.groups[1] as Record<string, unknown>).seen = [5, 'x', null];
    (o.groups[1] as Record<string, unknown>).held = [{ from: B }, 7];
    (o.groups[1] as Record<string, unknown>).history = [null, { name: '', members: [], epoch: 0, by: 1 }];
    const back = GroupBook.deserialize(A, JSON.stringify(o));
    assert.equal(back.group(g1.id), undefined);
    assert.deepEqual(back.group(g2.id), mesh.book(A).group(g2.id));
    const rand = mulberry32(4);
    for (let i = 0; i < 2000; i++) {
      const chars = [...text];
      for (let j = 0; j < 1 + (i % 4); j++) chars[Math.floor(rand() * chars.length)] = String.fromCharCode(32 + Math.floor(rand() * 95));
      let book: GroupBook | undefined;
      assert.doesNotThrow(() => { book = GroupBook.deserialize(A, chars.join('')); });
      for (const g of book!.groups()) assert.ok(g.members.length > 0 && g.name.length > 0);
    }
    // A group restored from damaged storage still works.
    assert.doesNotThrow(() => back.send(g2.id, 'x'));
  });
});

describe('core/groups: delivery per member', () => {
  it('"delivered to N of M" with the names delivered, waiting and failed', () => {
    const who = [{ id: B, name: 'Bob' }, { id: C, name: 'Cid' }, { id: D, name: 'Dan' }, { id: E, name: 'Eve' }];
    const s = summarizeDelivery(who, new Map([[B, 'delivered'], [C, 'sending'], [D, 'delivered'], [E, 'delivered']]));
    assert.equal(s.label, 'delivered to 3 of 4');
    assert.deepEqual([s.delivered, s.total], [3, 4]);
    assert.deepEqual(s.deliveredTo, ['Bob', 'Dan', 'Eve']);
    assert.deepEqual(s.pending, ['Cid']);
    assert.equal(s.tooltip, 'Delivered: Bob, Dan, Eve\nWaiting: Cid');
    const f = summarizeDelivery(who, new Map([[B, 'failed'], [C, 'queued']]));
    assert.equal(f.label, 'delivered to 0 of 4, 1 failed');
    assert.equal(f.tooltip, 'Waiting: Cid, Dan, Eve\nFailed: Bob');
    assert.equal(summarizeDelivery([], new Map()).label, 'no other members');

    const t = new DeliveryTracker();
    t.track('1111111111111111', [B, C]);
    assert.equal(t.summary('1111111111111111', (id) => id[0])!.label, 'delivered to 0 of 2');
    assert.ok(t.update('1111111111111111', B, 'delivered'));
    assert.ok(t.update('1111111111111111', B, 'sending'), 'delivered is final');
    assert.ok(!t.update('1111111111111111', D, 'delivered'), 'not a recipient');
    assert.ok(!t.update('2222222222222222', B, 'delivered'));
    assert.equal(t.summary('1111111111111111', (id) => id[0])!.label, 'delivered to 1 of 2');
    t.update('1111111111111111', C, 'delivered');
    const all = t.summary('1111111111111111', (id) => id[0])!;
    assert.equal(all.label, 'delivered to 2 of 2');
    assert.deepEqual(all.deliveredTo, ['b', 'c']);
  });
});

/** GROUP_NET_SEED=n runs the network test under another seed. */
const SEED = Number(process.env.GROUP_NET_SEED) || 11;

describe('core/groups on the fake network', () => {
  it('5 groups across 50 peers at 30% loss, 10% duplicates, 20% reordering: every group message reaches every member exactly once, in order per sender; a removed member gets nothing sent after its removal', function () {
    this.timeout(120_000);
    const started = Date.now();
    // The sessions keep trying for a minute (the default gives up after 20 s: at this loss and load
    // about 1 copy in 7,000 then ends 'failed' at its sender and is missing, see 'delivery per member').
    const gn = new GroupNet(SEED, { loss: 0.3, duplicate: 0.1, reorder: 0.2, delayMs: 5, reorderMs: 40 }, 50, { retryBudgetMs: 60_000 });
    const P = gn.members;
    // Group g: p[10g..10g+9] and two from the next block (overlapping groups); group 3 later gains p0.
    const groupsOf: GroupMember[][] = Array.from({ length: 5 }, (_, g) => [
      ...P.slice(10 * g, 10 * g + 10), P[(10 * g + 10) % 50], P[(10 * g + 11) % 50],
    ]);
    for (const who of groupsOf) gn.connect(who);
    gn.connect([P[0], ...groupsOf[3]]);
    assert.ok(gn.meet([...groupsOf, [P[0], ...groupsOf[3]]]), 'every pairwise session is up');

    const ids: string[] = groupsOf.map((who, g) => {
      const { group, sends } = who[0].book.create(`Group ${g}`, who.slice(1).map((m) => m.id));
      gn.dispatch(who[0], sends);
      return group.id;
    });
    const removed = groupsOf[0][5]; // removed from group 0 by p0, mid-test
    const leaver = groupsOf[1][3]; // leaves group 1
    const joiner = P[0]; // added to group 3 by its creator
    let removalEpoch = 0;
    const rogue: Sent[] = [];
    const ROUNDS = 12;
    for (let round = 0; round < ROUNDS; round++) {
      if (round === 5) {
        gn.dispatch(groupsOf[0][0], groupsOf[0][0].book.removeMembers(ids[0], [removed.id]));
        removalEpoch = groupsOf[0][0].book.group(ids[0])!.epoch.n;
        gn.dispatch(leaver, leaver.book.leave(ids[1]));
        gn.dispatch(groupsOf[2][4], groupsOf[2][4].book.rename(ids[2], 'Group two'));
        gn.dispatch(groupsOf[3][0], groupsOf[3][0].book.addMembers(ids[3], [joiner.id]));
      }
      groupsOf.forEach((who, g) => {
        for (const m of [...who, joiner]) {
          if (m.book.group(ids[g])?.active) gn.say(m, ids[g], `${m.name}→g${g} #${round}`);
        }
      });
      if (round >= 6) {
        // The remover keeps writing to the removed member as well (a stale or bad sender): not shown.
        const r = groupsOf[0][0];
        const { uid, sends } = r.book.send(ids[0], `${r.name} to the removed #${round}`);
        const forged = sends.slice(0, 1).map((s) => ({ ...s, to: removed.id }));
        gn.dispatch(r, forged);
        rogue.push({ group: ids[0], uid, from: r.id, to: [removed.id], text: forged[0].text, localIds: new Map() });
      }
      gn.run(200);
    }
    gn.run(40_000);

    // Every message reached exactly its recipients, once each, in each sender's order.
    let checked = 0;
    for (const m of P) {
      const expected = new Map<string, string[]>();
      for (const s of P.flatMap((x) => x.sent)) {
        if (!s.to.includes(m.id)) continue;
        const k = `${s.group}/${s.from}`;
        expected.set(k, [...(expected.get(k) ?? []), s.uid]);
      }
      const got = new Map<string, string[]>();
      for (const x of m.shown) {
        const k = `${x.groupId}/${x.from}`;
        got.set(k, [...(got.get(k) ?? []), x.uid]);
      }
      assert.deepEqual(got, expected, `${m.name}: exactly once, in order per sender`);
      for (const v of expected.values()) checked += v.length;
    }
    assert.ok(checked > 2000, `${checked} deliveries checked`);

    // The removed member: what it got was all sent before the sender saw the removal; nothing after.
    assert.ok(removed.shown.some((x) => x.groupId === ids[0]), 'it got group 0 messages while a member');
    for (const x of removed.shown.filter((y) => y.groupId === ids[0])) assert.ok(x.epoch.n < removalEpoch, `${x.uid} at epoch ${x.epoch.n}`);
    const sentAfter = P.flatMap((x) => x.sent).filter((s) => s.group === ids[0] && groupsOf[0][0].sent.includes(s) && s.text.endsWith('#11'));
    assert.ok(sentAfter.length > 0 && sentAfter.every((s) => !s.to.includes(removed.id)));
    const rogueUids = new Set(rogue.map((r) => r.uid));
    assert.equal(removed.shown.filter((x) => rogueUids.has(x.uid)).length, 0, 'forged sends after the removal are dropped');
    assert.equal(removed.book.group(ids[0])?.active, false);
    assert.equal(leaver.book.group(ids[1])?.active, false);
    assert.ok(joiner.shown.some((x) => x.groupId === ids[3]), 'the joiner gets group 3 messages');

    // Every member of a group ends with the same state; nothing is left waiting.
    groupsOf.forEach((who, g) => {
      const members = [...who, joiner].filter((m) => m.book.group(ids[g])?.active);
      const views = members.map((m) => JSON.stringify(m.book.group(ids[g])));
      assert.equal(new Set(views).size, 1, `group ${g} converged`);
    });
    assert.equal(gn.members.reduce((n, m) => n + m.book.heldCount(), 0), 0, 'nothing held at the end');
    assert.equal(groupsOf[2][0].book.group(ids[2])?.name, 'Group two');
    assert.deepEqual(groupsOf[3][1].book.group(ids[3])?.members.includes(joiner.id), true);

    // Delivery per member, from the sessions' statuses: "delivered to M of M" unless a session gave
    // up waiting for its ack (its retry budget); then the member did get it (only acks were lost).
    const pendingLeft = () => P.some((m) => { gn.refreshDelivery(m); return m.sent.some((s) => m.tracker.summary(s.uid, (id) => id)!.pending.length > 0); });
    for (let i = 0; i < 12 && pendingLeft(); i++) gn.run(5000);
    let all = 0, total = 0;
    const failed: string[] = [];
    for (const m of P) {
      gn.refreshDelivery(m);
      for (const s of m.sent) {
        total++;
        const sum = m.tracker.summary(s.uid, (id) => gn.byId.get(id)!.name)!;
        assert.equal(sum.total, s.to.length);
        assert.equal(sum.pending.length, 0, `${m.name} ${s.text}: ${sum.tooltip}`);
        if (sum.delivered === sum.total) { all++; assert.equal(sum.label, `delivered to ${s.to.length} of ${s.to.length}`); continue; }
        for (const name of sum.failed) {
          failed.push(`${s.text} → ${name}`);
          const who = gn.members.find((x) => x.name === name)!;
          assert.ok(who.shown.some((x) => x.uid === s.uid && x.from === m.id), `${name} got ${s.text}`);
        }
      }
    }
    assert.ok(all >= total * 0.99, `${all} of ${total} delivered to everyone; failed: ${failed.join(', ')}`);
    assert.ok(gn.net.dropped > 1000, `loss happened (${gn.net.dropped} of ${gn.net.sent} dropped)`);
    console.log(`      (${checked} group deliveries, ${gn.net.sent} datagrams, ${gn.net.dropped} dropped, ${failed.length} acks given up [${failed.join(', ')}], ${Date.now() - started} ms)`);
  });
});
