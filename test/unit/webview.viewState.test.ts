import * as assert from 'node:assert/strict';
import type { ChatEntry, HeaderInfo } from '../../src/shared/protocol';
import { EntryTable, MAX_LAYER } from '../../src/webview/entryTable';
import { INITIAL_STATE, isStateMessage, latestOnly, reduce, ViewStore, type ViewState } from '../../src/webview/viewState';

const header = (over: Partial<HeaderInfo> = {}): HeaderInfo => ({
  state: 'active', local: '0.0.0.0:50505', localAddresses: ['10.0.0.1:50505'], peer: '10.0.0.2:50505', peerName: 'Ada',
  presence: 'online', plainPeer: false, encrypted: false, fingerprint: '', verified: false, keyChanged: false, passphrase: false, ...over,
});
const own = (id: string, text = `own ${id}`): ChatEntry => ({ id, kind: 'own', text, time: 1_000, status: 'sending' });
const peer = (id: string, text = `peer ${id}`): ChatEntry => ({ id, kind: 'peer', text, time: 2_000, from: 'Ada' });
const ids = (entries: readonly ChatEntry[]): string[] => entries.map((e) => e.id);

function snapshot(entries: ChatEntry[], h = header()): ViewState {
  return reduce(INITIAL_STATE, { type: 'didSnapshot', header: h, entries, sentAt: 0 }).state;
}

describe('webview view state: snapshot and deltas applied by pure functions', () => {
  it('starts with no entry, no peer and no snapshot seen', () => {
    assert.equal(INITIAL_STATE.entries.size, 0);
    assert.equal(INITIAL_STATE.header.peer, '');
    assert.equal(INITIAL_STATE.header.state, 'idle');
    assert.equal(INITIAL_STATE.snapshotSeen, false);
  });

  it('a snapshot replaces header and entries; a repeated id shows once, at its last place with its last data', () => {
    const before = reduce(snapshot([peer('old')]), { type: 'didAddEntries', entries: [peer('x')] }).state;
    const { state, change } = reduce(before, {
      type: 'didSnapshot', header: header({ peerName: 'Bob' }), sentAt: 0,
      entries: [own('a', 'first'), peer('b'), own('a', 'second'), peer('c')],
    });
    assert.equal(change.type, 'snapshot');
    assert.deepEqual(change.type === 'snapshot' && ids(change.entries), ['b', 'a', 'c']);
    assert.equal(state.entries.size, 3);
    assert.equal(state.entries.get('a')?.text, 'second');
    assert.equal(state.entries.has('old'), false, 'entries from before the snapshot are gone');
    assert.equal(state.entries.has('x'), false);
    assert.equal(state.header.peerName, 'Bob');
    assert.equal(state.snapshotSeen, true);
  });

  it('a header change keeps the entries and changes nothing else', () => {
    const s0 = snapshot([peer('a')]);
    const { state, change } = reduce(s0, { type: 'didChangeHeader', header: header({ presence: 'offline' }) });
    assert.deepEqual(change, { type: 'header' });
    assert.equal(state.header.presence, 'offline');
    assert.equal(state.entries, s0.entries);
    assert.equal(s0.header.presence, 'online', 'the previous state is unchanged');
  });

  it('added entries go to the end; an id already there takes the new data; the host\'s list is kept for announcements', () => {
    const s0 = snapshot([own('a'), peer('b')]);
    const arrived = [peer('c'), own('a', 'edited'), peer('c', 'c again')];
    const { state, change } = reduce(s0, { type: 'didAddEntries', entries: arrived });
    assert.equal(change.type, 'added');
    if (change.type !== 'added') return;
    assert.deepEqual(ids(change.entries), ['a', 'c'], 'each id once, at its last place');
    assert.equal(change.entries[1]!.text, 'c again');
    assert.equal(change.arrived, arrived);
    assert.equal(state.entries.size, 3);
    assert.equal(state.entries.get('a')?.text, 'edited');
    assert.equal(s0.entries.get('a')?.text, 'own a', 'the previous state still has the old data');
    assert.equal(s0.entries.has('c'), false);
  });

  it('a delivery status changes an own entry, as a new entry object', () => {
    const s0 = snapshot([own('a'), peer('b')]);
    const before = s0.entries.get('a')!;
    const { state, change } = reduce(s0, { type: 'didChangeStatus', id: 'a', status: 'delivered' });
    assert.equal(change.type, 'status');
    assert.equal(change.type === 'status' && change.entry.status, 'delivered');
    assert.equal(state.entries.get('a')?.status, 'delivered');
    assert.equal(state.entries.get('a')?.text, 'own a');
    assert.equal(before.status, 'sending', 'the old entry object is not mutated');
    assert.equal(s0.entries.get('a')?.status, 'sending');
  });

  it('a status for an unknown id or for a peer message or notice changes nothing', () => {
    const s0 = snapshot([peer('p'), { id: 'n', kind: 'notice', text: 'hi', time: 0, level: 'info' }]);
    for (const id of ['missing', 'p', 'n']) {
      const { state, change } = reduce(s0, { type: 'didChangeStatus', id, status: 'failed' });
      assert.deepEqual(change, { type: 'none' }, id);
      assert.equal(state, s0, id);
    }
  });

  it('clear empties the entries but keeps the header', () => {
    const s0 = snapshot([own('a'), peer('b')], header({ peerName: 'Cy' }));
    const { state, change } = reduce(s0, { type: 'didClear' });
    assert.deepEqual(change, { type: 'cleared' });
    assert.equal(state.entries.size, 0);
    assert.equal(state.entries.get('a'), undefined);
    assert.equal(state.header.peerName, 'Cy');
    assert.equal(state.snapshotSeen, true);
  });

  it('tells state messages from requests to the composer', () => {
    assert.equal(isStateMessage({ type: 'didClear' }), true);
    assert.equal(isStateMessage({ type: 'didChangeStatus', id: 'a', status: 'queued' }), true);
    assert.equal(isStateMessage({ type: 'didRestoreDraft', text: 'x' }), false);
    assert.equal(isStateMessage({ type: 'didFocusInput' }), false);
  });

  it('latestOnly returns the same array when no id repeats', () => {
    const list = [peer('a'), peer('b')];
    assert.equal(latestOnly(list), list);
    assert.deepEqual(ids(latestOnly([peer('a'), peer('b'), peer('a'), peer('a')])), ['b', 'a']);
  });

  it('the store is the one owner: it applies each message and reports the change', () => {
    const store = new ViewStore();
    assert.equal(store.state, INITIAL_STATE);
    assert.equal(store.dispatch({ type: 'didSnapshot', header: header(), entries: [own('a')], sentAt: 0 }).type, 'snapshot');
    assert.equal(store.dispatch({ type: 'didChangeStatus', id: 'a', status: 'failed' }).type, 'status');
    assert.equal(store.dispatch({ type: 'didAddEntries', entries: [peer('b')] }).type, 'added');
    assert.equal(store.state.entries.get('a')?.status, 'failed');
    assert.equal(store.state.entries.size, 2);
    store.dispatch({ type: 'didClear' });
    assert.equal(store.state.entries.size, 0);
  });
});

describe('webview entry table: immutable, sharing most of its data', () => {
  it('counts ids once, the latest data winning', () => {
    const t = EntryTable.of([peer('a'), peer('b'), peer('a', 'newer')]);
    assert.equal(t.size, 2);
    assert.equal(t.get('a')?.text, 'newer');
    const t2 = t.with([peer('b', 'b2'), peer('c')]);
    assert.equal(t2.size, 3);
    assert.equal(t2.get('b')?.text, 'b2');
    assert.equal(t.get('b')?.text, 'peer b', 'the old table is unchanged');
    assert.equal(t.size, 2);
    assert.equal(t.with([]), t);
  });

  it('merges its layer into a new base once the layer passes the limit, keeping every entry', () => {
    let t = EntryTable.of(Array.from({ length: 1000 }, (_, i) => own(`e${i}`)));
    const kept: EntryTable[] = [];
    for (let i = 0; i < MAX_LAYER; i++) {
      t = t.with([{ ...own(`e${i}`), status: 'delivered' }]);
      kept.push(t);
    }
    assert.equal(t.layered, MAX_LAYER);
    t = t.with([peer('new')]);
    assert.equal(t.layered, 0, 'merged');
    assert.equal(t.size, 1001);
    assert.equal(t.get('e0')?.status, 'delivered');
    assert.equal(t.get(`e${MAX_LAYER}`)?.status, 'sending');
    assert.equal(t.get('new')?.kind, 'peer');
    assert.equal(kept[0]!.get('e1')?.status, 'sending', 'an older table still sees its own data');
    assert.equal(kept[0]!.has('new'), false);
  });

  it('a status change in a 10,000-entry table does not copy the table', () => {
    const big = EntryTable.of(Array.from({ length: 10_000 }, (_, i) => own(`e${i}`)));
    const started = process.hrtime.bigint();
    let t = big;
    for (let i = 0; i < 2_000; i++) t = t.with([{ ...own(`e${i % 10_000}`), status: 'delivered' }]);
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    assert.equal(t.get('e1999')?.status, 'delivered');
    assert.equal(big.get('e1999')?.status, 'sending');
    // Copying the whole table each time would take about 2,000 × 3 ms.
    assert.ok(ms < 1_500, `2,000 status changes took ${ms.toFixed(0)} ms`);
  });
});

describe('webview view state: several conversations', () => {
  const A = 'p:0123456789abcdef';
  const B = 'g:fedcba9876543210';
  const roster = [
    { id: A, kind: 'person' as const, name: 'Ada', detail: '10.0.0.2:50505', presence: 'online' as const, unread: 0, encrypted: true, plain: false, request: false, configured: true },
    { id: B, kind: 'group' as const, name: 'Team', detail: '2 members', presence: 'online' as const, unread: 5, encrypted: true, plain: false, request: false, configured: false, members: ['Ada', 'Bo'] },
  ];
  const shown = (conversation: string, entries: ChatEntry[] = [], h = header()): ViewState =>
    reduce(INITIAL_STATE, { type: 'didSnapshot', conversation, header: h, entries, sentAt: 0 }).state;

  it('starts with no roster and no conversation', () => {
    assert.deepEqual(INITIAL_STATE.roster, []);
    assert.equal(INITIAL_STATE.rosterSeen, false);
    assert.equal(INITIAL_STATE.conversation, '');
  });

  it('didChangeRoster replaces the roster and the active id, and keeps the entries', () => {
    const s0 = shown(A, [peer('a')]);
    const { state, change } = reduce(s0, { type: 'didChangeRoster', roster, active: A });
    assert.deepEqual(change, { type: 'roster' });
    assert.equal(state.rosterSeen, true);
    assert.equal(state.rosterActive, A);
    assert.deepEqual(state.roster.map((r) => r.id), [A, B]);
    assert.equal(state.entries.get('a')?.text, 'peer a');
    assert.equal(s0.rosterSeen, false, 'the old state is unchanged');
    assert.equal(isStateMessage({ type: 'didChangeRoster', roster: [], active: '' }), true);
  });

  it('a roster with junk items keeps the well-formed ones, each id once; a non-array is an empty roster', () => {
    const junk = [null, 3, { id: 7 }, { id: '' }, roster[0], { ...roster[0], name: 'again' }, roster[1]] as never;
    const { state } = reduce(INITIAL_STATE, { type: 'didChangeRoster', roster: junk, active: 5 as never });
    assert.deepEqual(state.roster.map((r) => r.name), ['Ada', 'Team']);
    assert.equal(state.rosterActive, '');
    assert.deepEqual(reduce(INITIAL_STATE, { type: 'didChangeRoster', roster: 'x' as never, active: A }).state.roster, []);
  });

  it('a snapshot names the conversation shown; opening another one says it switched', () => {
    const s0 = shown(A, [peer('a')]);
    assert.equal(s0.conversation, A);
    const first = reduce(INITIAL_STATE, { type: 'didSnapshot', conversation: A, header: header(), entries: [], sentAt: 0 });
    assert.equal(first.change.type === 'snapshot' && first.change.switched, false, 'the first snapshot switches nothing');
    const again = reduce(s0, { type: 'didSnapshot', conversation: A, header: header(), entries: [peer('a')], sentAt: 0 });
    assert.equal(again.change.type === 'snapshot' && again.change.switched, false);
    const { state, change } = reduce(s0, { type: 'didSnapshot', conversation: B, header: header({ kind: 'group', peer: '', peerName: 'Team' }), entries: [own('g1')], sentAt: 0 });
    assert.equal(change.type === 'snapshot' && change.switched, true);
    assert.equal(state.conversation, B);
    assert.equal(state.entries.has('a'), false);
    assert.equal(state.entries.has('g1'), true);
  });

  it('a snapshot without a conversation takes the header\'s, else keeps the one shown (an older host)', () => {
    const byHeader = reduce(INITIAL_STATE, { type: 'didSnapshot', header: header({ conversation: B }), entries: [], sentAt: 0 }).state;
    assert.equal(byHeader.conversation, B);
    const none = reduce(shown(A), { type: 'didSnapshot', header: header(), entries: [], sentAt: 0 });
    assert.equal(none.state.conversation, A);
    assert.equal(none.change.type === 'snapshot' && none.change.switched, false);
  });

  it('entries and statuses of another conversation are ignored; without a conversation they are the shown one\'s', () => {
    const s0 = shown(A, [own('a')]);
    const other = reduce(s0, { type: 'didAddEntries', conversation: B, entries: [peer('x')] });
    assert.deepEqual(other.change, { type: 'none' });
    assert.equal(other.state, s0);
    const mine = reduce(s0, { type: 'didAddEntries', conversation: A, entries: [peer('y')] });
    assert.equal(mine.change.type, 'added');
    assert.equal(mine.state.entries.has('y'), true);
    const unnamed = reduce(s0, { type: 'didAddEntries', entries: [peer('z')] });
    assert.equal(unnamed.state.entries.has('z'), true);
    assert.deepEqual(reduce(s0, { type: 'didChangeStatus', conversation: B, id: 'a', status: 'delivered' }).change, { type: 'none' });
    assert.equal(reduce(s0, { type: 'didChangeStatus', conversation: A, id: 'a', status: 'delivered' }).state.entries.get('a')?.status, 'delivered');
  });

  it('before any snapshot names a conversation, entries are taken (nothing to compare with)', () => {
    const { state } = reduce(INITIAL_STATE, { type: 'didAddEntries', conversation: A, entries: [peer('early')] });
    assert.equal(state.entries.has('early'), true);
  });

  it('a header of another conversation is ignored; one of the shown conversation or without an id applies', () => {
    const s0 = shown(A);
    assert.deepEqual(reduce(s0, { type: 'didChangeHeader', header: header({ conversation: B, peerName: 'Team' }) }).change, { type: 'none' });
    assert.equal(reduce(s0, { type: 'didChangeHeader', header: header({ conversation: A, peerName: 'Ada L.' }) }).state.header.peerName, 'Ada L.');
    assert.equal(reduce(s0, { type: 'didChangeHeader', header: header({ peerName: 'No id' }) }).state.header.peerName, 'No id');
  });

  it('a group message\'s delivery summary comes with its status and replaces the older one', () => {
    const s0 = shown(B, [{ ...own('g'), delivery: { label: 'delivered to 1 of 3', tooltip: 'Ada: delivered' } }]);
    const { state, change } = reduce(s0, {
      type: 'didChangeStatus', conversation: B, id: 'g', status: 'sending', delivery: { label: 'delivered to 2 of 3', tooltip: 'Ada: delivered\nBo: delivered\nCy: sending' },
    });
    assert.equal(change.type, 'status');
    assert.deepEqual(state.entries.get('g')?.delivery, { label: 'delivered to 2 of 3', tooltip: 'Ada: delivered\nBo: delivered\nCy: sending' });
    const plain = reduce(state, { type: 'didChangeStatus', conversation: B, id: 'g', status: 'delivered' }).state;
    assert.equal(plain.entries.get('g')?.delivery?.label, 'delivered to 2 of 3', 'a status without a summary keeps the last one');
    assert.equal(plain.entries.get('g')?.status, 'delivered');
  });
});
