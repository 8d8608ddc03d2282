// The history journal on real files: damage of every kind is recovered and reported, the damaged
// file is kept aside, never overwritten, and queued messages survive.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import '../unit/support/vscodeL10n'; // (before the host modules: historyJournal.ts words its damage notices through vscode.l10n.t)
import { Conversation } from '../../src/host/conversation';
import { HistoryJournal, JOURNAL_FILE, LEGACY_FILE } from '../../src/host/historyJournal';
import type { ChatEntry } from '../../src/shared/protocol';

function freshDir(): string { return fs.mkdtempSync(path.join(tmpdir(), 'udp-chat-history-')); }

async function open(dir: string, limit = 10_000): Promise<{ c: Conversation; problem?: string; errors: unknown[] }> {
  const errors: unknown[] = [];
  const c = new Conversation(new HistoryJournal(dir), limit, (e) => errors.push(e));
  const problem = await c.load();
  return { c, problem, errors };
}

function sample(c: Conversation, n: number): void {
  c.add({ id: 'queued-1', kind: 'own', text: 'waiting for bob', time: 1, status: 'queued' });
  for (let i = 0; i < n; i++) c.add({ id: `m${i}`, kind: i % 2 ? 'peer' : 'own', text: `message ${i} — ünïcode ✓`, time: 10 + i, status: i % 2 ? undefined : 'delivered' });
  c.add({ id: 'unsent-1', kind: 'own', text: 'typed with no session', time: 999, status: 'unsent' });
}

const ids = (c: Conversation) => c.all().map((e) => e.id);
const asideFiles = (dir: string) => fs.readdirSync(dir).filter((f) => f !== JOURNAL_FILE && !f.endsWith('.tmp'));

describe('history journal (real files)', () => {
  it('round-trips, with status changes, across reopenings', async () => {
    const dir = freshDir();
    const { c } = await open(dir);
    sample(c, 20);
    c.setStatus('queued-1', 'sending');
    await c.flush();
    const again = await open(dir);
    assert.equal(again.problem, undefined);
    assert.deepEqual(ids(again.c), ids(c));
    assert.equal(again.c.get('queued-1')?.status, 'sending');
    assert.deepEqual(asideFiles(dir), []);
  });

  it('a truncated file (torn last write) loses at most the last entry; the damaged file is kept aside', async () => {
    const dir = freshDir();
    const { c } = await open(dir);
    sample(c, 20);
    await c.flush();
    const file = path.join(dir, JOURNAL_FILE);
    const whole = fs.readFileSync(file);
    fs.writeFileSync(file, whole.subarray(0, whole.length - 7)); // cut into the last record
    const r = await open(dir);
    assert.match(r.problem ?? '', /damaged \(1 of \d+ lines could not be read\)/);
    assert.deepEqual(ids(r.c), ids(c).slice(0, -1), 'everything but the torn last entry');
    const aside = asideFiles(dir);
    assert.equal(aside.length, 1);
    assert.ok(r.problem!.includes(path.join(dir, aside[0])), 'the message says where the damaged file is');
    assert.deepEqual(fs.readFileSync(path.join(dir, aside[0])), whole.subarray(0, whole.length - 7), 'kept byte for byte');
    // The next save does not lose anything old.
    r.c.add({ id: 'after', kind: 'peer', text: 'after the repair', time: 5000 });
    await r.c.flush();
    const third = await open(dir);
    assert.equal(third.problem, undefined);
    assert.deepEqual(ids(third.c), [...ids(c).slice(0, -1), 'after']);
  });

  it('one bad byte in the middle loses that one entry only; queued messages survive', async () => {
    const dir = freshDir();
    const { c } = await open(dir);
    sample(c, 20);
    await c.flush();
    const file = path.join(dir, JOURNAL_FILE);
    const bytes = fs.readFileSync(file);
    const at = bytes.indexOf(Buffer.from('message 7 '));
    bytes[at + 3] = 0xff; // not UTF-8
    fs.writeFileSync(file, bytes);
    const r = await open(dir);
    assert.match(r.problem ?? '', /damaged/);
    assert.deepEqual(ids(r.c), ids(c).filter((id) => id !== 'm7'));
    assert.deepEqual(r.c.pending().map((e) => e.id), ['queued-1']);
    assert.ok(r.c.all().some((e) => e.id === 'unsent-1'));
  });

  it('another version number: nothing is read or overwritten, the file is kept as it is, the user is told', async () => {
    const dir = freshDir();
    const file = path.join(dir, JOURNAL_FILE);
    const foreign = '{"udpChatHistory":99}\n{"somethingNew":{"id":"x"}}';
    fs.writeFileSync(file, foreign);
    const r = await open(dir);
    assert.match(r.problem ?? '', /another version of UDP Chat \(format 99\)/);
    assert.deepEqual(ids(r.c), []);
    r.c.add({ id: 'new', kind: 'peer', text: 'fresh start', time: 1 });
    await r.c.flush();
    const aside = asideFiles(dir);
    assert.equal(aside.length, 1);
    assert.equal(fs.readFileSync(path.join(dir, aside[0]), 'utf8'), foreign);
    assert.deepEqual(ids((await open(dir)).c), ['new']);
  });

  it('a file that cannot be read at all (a directory in its place) is left alone, and nothing is saved over it', async () => {
    const dir = freshDir();
    fs.mkdirSync(path.join(dir, JOURNAL_FILE));
    const r = await open(dir);
    assert.match(r.problem ?? '', /could not be read/);
    r.c.add({ id: 'x', kind: 'peer', text: 'not saved', time: 1 });
    await r.c.flush();
    assert.ok(fs.statSync(path.join(dir, JOURNAL_FILE)).isDirectory());
  });

  it('migrates the first version\'s history.json, and recovers a truncated one', async () => {
    const entries: ChatEntry[] = [
      { id: 'a', kind: 'own', text: 'queued "quoted" {brace}', time: 1, status: 'queued' },
      { id: 'b', kind: 'peer', text: 'hello', time: 2 },
      { id: 'c', kind: 'peer', text: 'last', time: 3 },
    ];
    const whole = JSON.stringify({ version: 1, entries });
    const dir = freshDir();
    fs.writeFileSync(path.join(dir, LEGACY_FILE), whole);
    const r = await open(dir);
    assert.equal(r.problem, undefined);
    assert.deepEqual(ids(r.c), ['a', 'b', 'c']);
    assert.ok(!fs.existsSync(path.join(dir, LEGACY_FILE)), 'migrated into the journal');
    assert.deepEqual(ids((await open(dir)).c), ['a', 'b', 'c']);

    const dir2 = freshDir();
    fs.writeFileSync(path.join(dir2, LEGACY_FILE), whole.slice(0, whole.indexOf('"last"')));
    const r2 = await open(dir2);
    assert.match(r2.problem ?? '', /2 entries were recovered/);
    assert.deepEqual(ids(r2.c), ['a', 'b']);
    assert.equal(r2.c.pending()[0].text, 'queued "quoted" {brace}');
    assert.equal(asideFiles(dir2).length, 1);
  });

  it('saving one message costs its own size: 150 entries of 1 MiB, then a short message', async () => {
    const dir = freshDir();
    const { c } = await open(dir);
    const mib = 'x'.repeat(1024 * 1024);
    for (let i = 0; i < 150; i++) { c.add({ id: `big${i}`, kind: 'peer', text: mib, time: i }); if (i % 10 === 9) await c.flush(); }
    await c.flush();
    const file = path.join(dir, JOURNAL_FILE);
    const before = fs.statSync(file).size;
    c.add({ id: 'short', kind: 'own', text: 'ok', time: 1, status: 'queued' });
    await c.flush();
    const grew = fs.statSync(file).size - before;
    assert.ok(grew > 0 && grew < 200, `the file grew by ${grew} bytes for a 2-byte message`);
    // The byte cap (64 MiB by default) kept the newest entries only, and the queued one.
    assert.ok(c.bytes <= 64 * 1024 * 1024 + 1024);
    const again = await open(dir);
    assert.equal(again.problem, undefined);
    assert.deepEqual(ids(again.c).slice(-2), ['big149', 'short']);
    assert.ok(again.c.bytes <= 64 * 1024 * 1024 + 1024);
    assert.ok(fs.statSync(file).size < 3 * 64 * 1024 * 1024, 'compacted now and then');
  });

  it('a torn append followed by more appends: only the torn record is lost', async () => {
    const dir = freshDir();
    const { c } = await open(dir);
    sample(c, 5);
    await c.flush();
    fs.appendFileSync(path.join(dir, JOURNAL_FILE), '\n{"add":{"id":"torn","kind":"peer","te');
    const r = await open(dir);
    assert.match(r.problem ?? '', /damaged/);
    r.c.add({ id: 'later', kind: 'peer', text: 'later', time: 9 });
    await r.c.flush();
    assert.deepEqual(ids((await open(dir)).c), [...ids(c), 'later']);
  });
});
