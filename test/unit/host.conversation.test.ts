import assert from 'node:assert/strict';
import type { HistoryStore } from '../../src/host/conversation';
import { Conversation } from '../../src/host/conversation';
import type { HistoryRecord } from '../../src/host/historyJournal';
import type { ChatEntry } from '../../src/shared/protocol';

/** An in-memory store that records what was written (the journal itself is tested on disk in test/node). */
interface MemoryStore extends HistoryStore { saved: ChatEntry[]; appended: HistoryRecord[][]; rewrites: number; fileBytes: number }

function memoryStore(initial: ChatEntry[] = [], problem?: string): MemoryStore {
  const s: MemoryStore = {
    saved: JSON.parse(JSON.stringify(initial)) as ChatEntry[],
    appended: [] as HistoryRecord[][],
    rewrites: 0,
    fileBytes: 0,
    needsRewrite: false,
    load: async (): Promise<{ entries: ChatEntry[]; problem?: string }> => ({ entries: JSON.parse(JSON.stringify(s.saved)) as ChatEntry[], problem }),
    append: (records: HistoryRecord[]) => {
      s.appended.push(records);
      for (const r of records) {
        if ('add' in r) s.saved.push(JSON.parse(JSON.stringify(r.add)));
        else if ('set' in r) { const e = s.saved.find((x) => x.id === r.set.id); if (e && r.set.status) e.status = r.set.status; }
        s.fileBytes += JSON.stringify(r).length;
      }
    },
    rewrite: (entries: ChatEntry[]) => { s.rewrites++; s.saved = JSON.parse(JSON.stringify(entries)); s.fileBytes = JSON.stringify(entries).length; },
  };
  return s;
}

describe('host/conversation (history)', () => {
  it('keeps a capped log, oldest dropped first', () => {
    const c = new Conversation(undefined, 3);
    for (let i = 0; i < 5; i++) c.add({ id: c.newId(), kind: 'peer', text: `m${i}`, time: i });
    assert.deepEqual(c.all().map((e) => e.text), ['m2', 'm3', 'm4']);
    assert.equal(c.get(c.all()[0].id)?.text, 'm2');
  });

  it('caps by bytes too, and never drops a queued or unsent message', () => {
    const c = new Conversation(undefined, 1000, undefined, 5 * 1024 * 1024);
    c.add({ id: 'q', kind: 'own', text: 'x'.repeat(1024 * 1024), time: 0, status: 'queued' });
    c.add({ id: 'u', kind: 'own', text: 'not sent', time: 0, status: 'unsent' });
    for (let i = 0; i < 10; i++) c.add({ id: `p${i}`, kind: 'peer', text: 'y'.repeat(1024 * 1024), time: i });
    assert.ok(c.bytes <= 5 * 1024 * 1024, `${c.bytes} bytes kept`);
    assert.deepEqual(c.all().slice(0, 2).map((e) => e.id), ['q', 'u']);
    assert.equal(c.all()[c.all().length - 1].id, 'p9');
  });

  it('saves one record per change: a new message costs its own size, not the history\'s', async () => {
    const store = memoryStore();
    const c = new Conversation(store, 100_000);
    for (let i = 0; i < 150; i++) c.add({ id: `big${i}`, kind: 'peer', text: 'z'.repeat(64 * 1024), time: i });
    await c.flush();
    const before = store.appended.length;
    c.add({ id: 'small', kind: 'own', text: 'hi', time: 1, status: 'queued' });
    await c.flush();
    assert.equal(store.appended.length, before + 1);
    assert.equal(JSON.stringify(store.appended[store.appended.length - 1]).length < 200, true);
    c.setStatus('small', 'delivered');
    await c.flush();
    assert.deepEqual(store.appended[store.appended.length - 1], [{ set: { id: 'small', status: 'delivered' } }]);
  });

  it('persists and reloads, keeping queued messages as the offline queue', async () => {
    const store = memoryStore();
    const c = new Conversation(store, 100);
    c.add({ id: 'a', kind: 'own', text: 'queued one', time: 1, status: 'queued' });
    c.add({ id: 'b', kind: 'own', text: 'done', time: 2, status: 'delivered' });
    c.add({ id: 'c', kind: 'notice', text: 'hi', time: 3, level: 'info' });
    await c.flush();
    const again = new Conversation(store, 100);
    assert.equal(await again.load(), undefined);
    assert.deepEqual(again.all().map((e) => e.id), ['a', 'b', 'c']);
    assert.deepEqual(again.pending().map((e) => e.text), ['queued one']);
  });

  it('a history that cannot be read is never written over, and the reason is returned', async () => {
    const writes: string[] = [];
    const broken: HistoryStore = {
      load: async () => { throw new Error('disk on fire'); },
      append: () => { writes.push('append'); }, rewrite: () => { writes.push('rewrite'); }, fileBytes: 0, needsRewrite: false,
    };
    const errors: unknown[] = [];
    const d = new Conversation(broken, 10, (e) => errors.push(e));
    assert.match(await d.load() ?? '', /could not be read \(disk on fire\)/);
    d.add({ id: 'x', kind: 'peer', text: 'new', time: 1 });
    await d.flush();
    d.clear();
    assert.deepEqual(writes, []);
    assert.equal(errors.length, 1);
  });

  it('a damage report from the store is passed on, with what was recovered', async () => {
    const store = memoryStore([{ id: 'x', kind: 'peer', text: 't', time: 1 }], 'The chat history file was damaged …');
    const c = new Conversation(store, 100);
    assert.match(await c.load() ?? '', /damaged/);
    assert.deepEqual(c.all().map((e) => e.id), ['x']);
  });

  it('clear empties the history and rewrites the file at once', async () => {
    const store = memoryStore();
    const c = new Conversation(store, 100);
    c.add({ id: 'a', kind: 'peer', text: 'x', time: 1 });
    await c.flush();
    c.clear();
    assert.deepEqual(store.saved, []);
    assert.equal(store.rewrites, 1);
    assert.deepEqual(c.all(), []);
  });

  it('flushSync writes at once (the window may close before anything asynchronous runs)', () => {
    const store = memoryStore();
    const c = new Conversation(store, 10);
    c.add({ id: 'q', kind: 'own', text: 'last words', time: 1, status: 'queued' });
    c.flushSync();
    assert.deepEqual(store.saved.map((e) => e.text), ['last words']);
  });
});
