import assert from 'node:assert/strict';
import { Conversation } from '../../src/host/conversation';
import type { ChatEntry } from '../../src/shared/protocol';

function memoryStorage(initial?: ChatEntry[]) {
  const s = { saved: initial, saves: 0, load: async () => s.saved, save: async (e: ChatEntry[]) => { s.saved = JSON.parse(JSON.stringify(e)); s.saves++; } };
  return s;
}

describe('host/conversation (history)', () => {
  it('keeps a capped log, oldest dropped first', () => {
    const c = new Conversation(undefined, 3);
    for (let i = 0; i < 5; i++) c.add({ id: c.newId(), kind: 'peer', text: `m${i}`, time: i });
    assert.deepEqual(c.all().map((e) => e.text), ['m2', 'm3', 'm4']);
    assert.equal(c.get(c.all()[0].id)?.text, 'm2');
  });

  it('persists and reloads, keeping queued messages as the offline queue', async () => {
    const storage = memoryStorage();
    const c = new Conversation(storage, 100);
    c.add({ id: 'a', kind: 'own', text: 'queued one', time: 1, status: 'queued' });
    c.add({ id: 'b', kind: 'own', text: 'done', time: 2, status: 'delivered' });
    c.add({ id: 'c', kind: 'notice', text: 'hi', time: 3, level: 'info' });
    await c.flush();
    const again = new Conversation(storage, 100);
    await again.load();
    assert.deepEqual(again.all().map((e) => e.id), ['a', 'b', 'c']);
    assert.deepEqual(again.pending().map((e) => e.text), ['queued one']);
  });

  it('ignores corrupt stored data instead of crashing', async () => {
    const storage = memoryStorage([{ nope: 1 } as unknown as ChatEntry, { id: 'x', kind: 'peer', text: 't', time: 1 }]);
    const c = new Conversation(storage, 100);
    await c.load();
    assert.deepEqual(c.all().map((e) => e.id), ['x']);
    const broken = { load: async () => { throw new Error('disk on fire'); }, save: async () => undefined };
    const errors: unknown[] = [];
    const d = new Conversation(broken, 10, (e) => errors.push(e));
    await d.load();
    assert.equal(errors.length, 1);
    assert.equal(d.all().length, 0);
  });

  it('clear empties the log and is saved', async () => {
    const storage = memoryStorage();
    const c = new Conversation(storage, 100);
    c.add({ id: 'a', kind: 'peer', text: 'x', time: 1 });
    c.clear();
    await c.flush();
    assert.deepEqual(storage.saved, []);
  });

  it('flushSync writes at once (the window may close before anything asynchronous runs)', () => {
    let saved: ChatEntry[] | undefined;
    const c = new Conversation({ load: async () => undefined, save: async () => undefined, saveSync: (e) => { saved = e; } }, 10);
    c.add({ id: 'q', kind: 'own', text: 'last words', time: 1, status: 'queued' });
    c.flushSync();
    assert.deepEqual(saved?.map((e) => e.text), ['last words']);
  });
});
