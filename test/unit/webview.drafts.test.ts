import * as assert from 'node:assert/strict';
import {
  CURRENT_CONVERSATION, DRAFT_SAVE_DELAY_MS, draftText, Drafts, flushDraft, HOST_DRAFT_UNKNOWN, loadDrafts,
  movedDraft, offerHostDraft, restoredText, withDraft, type DraftTexts,
} from '../../src/webview/drafts';
import { FakeClock } from './support/fakeClock';

const C = CURRENT_CONVERSATION;

function setup(initial: DraftTexts = {}) {
  const clock = new FakeClock();
  const persisted: DraftTexts[] = [];
  const toHost: [string, string][] = [];
  const drafts = new Drafts(initial, {
    persist: (texts) => persisted.push(texts),
    toHost: (conversation, text) => toHost.push([conversation, text]),
    timers: { setTimeout: (fn, ms) => clock.setTimeout(fn, ms), clearTimeout: (h) => clock.clearTimeout(h as number) },
  });
  return { clock, persisted, toHost, drafts };
}

describe('webview drafts: pure parts', () => {
  it('reads the keyed drafts VS Code kept, or the single draft older documents saved', () => {
    assert.deepEqual(loadDrafts({ drafts: { [C]: 'hello', other: 'x', empty: '', bad: 3 } }), { [C]: 'hello', other: 'x' });
    assert.deepEqual(loadDrafts({ draft: 'legacy', scrollTop: 0 }), { [C]: 'legacy' });
    assert.deepEqual(loadDrafts({ draft: '' }), {});
    assert.deepEqual(loadDrafts(undefined), {});
    assert.deepEqual(loadDrafts(null), {});
    assert.deepEqual(loadDrafts('draft'), {});
  });

  it('keys drafts by conversation id without touching the others; an empty draft drops its key', () => {
    const a = withDraft({}, 'c1', 'one');
    const b = withDraft(a, 'c2', 'two');
    assert.deepEqual(a, { c1: 'one' }, 'the old texts are unchanged');
    assert.deepEqual(b, { c1: 'one', c2: 'two' });
    assert.deepEqual(withDraft(b, 'c1', ''), { c2: 'two' });
    assert.equal(draftText(b, 'c2'), 'two');
    assert.equal(draftText(b, 'c3'), '');
    assert.equal(draftText(b, 'constructor'), '', 'an id named like an Object member has no draft');
    const odd = withDraft(b, '__proto__', 'p');
    assert.equal(draftText(odd, '__proto__'), 'p');
    assert.deepEqual(Object.keys(odd), ['c1', 'c2', '__proto__']);
    assert.equal(draftText(withDraft(odd, 'c1', 'changed'), '__proto__'), 'p', 'copied as an own key');
    assert.equal(draftText(loadDrafts(JSON.parse('{"drafts":{"__proto__":"q"}}')), '__proto__'), 'q');
  });

  it('puts text handed back above what is being typed', () => {
    assert.equal(restoredText('too big', ''), 'too big');
    assert.equal(restoredText('too big', '  \n'), 'too big');
    assert.equal(restoredText('too big', 'new'), 'too big\nnew');
  });

  it('offers the host\'s draft once; it fills only an empty box the view kept nothing for', () => {
    const filled = offerHostDraft(HOST_DRAFT_UNKNOWN, 'kept', '', false);
    assert.deepEqual(filled, { host: { offered: true, known: 'kept' }, fill: 'kept', sync: false });
    assert.deepEqual(offerHostDraft(filled.host, 'kept again', '', false), { host: filled.host, sync: false }, 'once per document');
    // The view's own draft is newer: the host is brought up to date instead.
    assert.deepEqual(offerHostDraft(HOST_DRAFT_UNKNOWN, 'older', 'typed', true), { host: { offered: true, known: 'older' }, sync: true });
    // The view kept a draft and the user emptied the box since: the host's copy must not come back.
    assert.deepEqual(offerHostDraft(HOST_DRAFT_UNKNOWN, 'older', '', true), { host: { offered: true, known: 'older' }, sync: true });
    assert.deepEqual(offerHostDraft(HOST_DRAFT_UNKNOWN, undefined, '', false), { host: { offered: true, known: '' }, sync: false });
    assert.deepEqual(offerHostDraft(HOST_DRAFT_UNKNOWN, 42, 'same', false), { host: { offered: true, known: '' }, sync: true });
    assert.deepEqual(offerHostDraft(HOST_DRAFT_UNKNOWN, 'same', 'same', true), { host: { offered: true, known: 'same' }, sync: false });
  });

  it('tells the host only what it does not hold', () => {
    assert.deepEqual(flushDraft({ offered: true, known: 'a' }, 'a'), { host: { offered: true, known: 'a' }, post: false });
    assert.deepEqual(flushDraft({ offered: true, known: 'a' }, 'ab'), { host: { offered: true, known: 'ab' }, post: true });
    assert.deepEqual(flushDraft(HOST_DRAFT_UNKNOWN, ''), { host: { offered: false, known: '' }, post: true }, 'unknown: told');
  });
});

describe('webview drafts: kept with the view at once, with the host after a quiet moment', () => {
  it('typing is kept at once and reaches the host 300 ms after the last keystroke', () => {
    const { clock, persisted, toHost, drafts } = setup();
    drafts.offerHost(C, '');
    drafts.edit(C, 'h');
    clock.advance(200);
    drafts.edit(C, 'hi');
    assert.deepEqual(persisted.at(-1), { [C]: 'hi' });
    clock.advance(DRAFT_SAVE_DELAY_MS - 1);
    assert.deepEqual(toHost, []);
    clock.advance(1);
    assert.deepEqual(toHost, [[C, 'hi']]);
    assert.equal(clock.pendingTimers, 0);
  });

  it('flush tells the host at once and cancels the pending save; nothing new, nothing sent', () => {
    const { clock, toHost, drafts } = setup();
    drafts.offerHost(C, '');
    drafts.edit(C, 'bye');
    drafts.flush(C);
    assert.deepEqual(toHost, [[C, 'bye']]);
    assert.equal(clock.pendingTimers, 0);
    drafts.flush(C);
    clock.advance(1000);
    assert.deepEqual(toHost, [[C, 'bye']]);
  });

  it('sending clears the draft everywhere at once, even when the host never saw it', () => {
    const { persisted, toHost, drafts } = setup();
    drafts.offerHost(C, '');
    drafts.edit(C, 'quick');
    drafts.sent(C);
    assert.equal(drafts.text(C), '');
    assert.deepEqual(persisted.at(-1), {});
    assert.deepEqual(toHost, [[C, '']]);
  });

  it('a host draft fills the empty box after a reload, and is not told back to the host', () => {
    const { clock, toHost, drafts } = setup();
    assert.equal(drafts.offerHost(C, 'from before the reload'), 'from before the reload');
    assert.equal(drafts.text(C), 'from before the reload');
    clock.advance(1000);
    assert.deepEqual(toHost, []);
    assert.equal(drafts.offerHost(C, 'a later snapshot'), undefined);
    assert.equal(drafts.text(C), 'from before the reload');
  });

  it('the view\'s kept draft wins over the host\'s, which is brought up to date', () => {
    const { clock, toHost, drafts } = setup({ [C]: 'newer' });
    assert.equal(drafts.text(C), 'newer');
    assert.equal(drafts.offerHost(C, 'older'), undefined);
    assert.equal(drafts.text(C), 'newer');
    clock.advance(DRAFT_SAVE_DELAY_MS);
    assert.deepEqual(toHost, [[C, 'newer']]);
  });

  it('text handed back goes above the draft and reaches the host at once', () => {
    const { toHost, drafts } = setup();
    drafts.offerHost(C, '');
    drafts.edit(C, 'typing');
    assert.equal(drafts.restore(C, 'too large'), 'too large\ntyping');
    assert.deepEqual(toHost, [[C, 'too large\ntyping']]);
  });

  it('keeps one draft per conversation id, each with its own timer', () => {
    const { clock, persisted, toHost, drafts } = setup();
    drafts.edit('c1', 'one');
    clock.advance(100);
    drafts.edit('c2', 'two');
    assert.deepEqual(persisted.at(-1), { c1: 'one', c2: 'two' });
    clock.advance(DRAFT_SAVE_DELAY_MS - 100);
    assert.deepEqual(toHost, [['c1', 'one']], 'c2 is still in its quiet time');
    drafts.sent('c1');
    assert.equal(drafts.text('c2'), 'two');
    clock.advance(100);
    assert.deepEqual(toHost, [['c1', 'one'], ['c1', ''], ['c2', 'two']]);
  });
});

describe('webview drafts: one per conversation, kept across switching', () => {
  const A = 'p:0123456789abcdef';
  const B = 'g:fedcba9876543210';

  it('movedDraft gives the draft kept before the conversation had an id to that id, unless it has a newer one', () => {
    assert.deepEqual(movedDraft({ [C]: 'typed' }, C, A), { [A]: 'typed' });
    assert.deepEqual(movedDraft({ [C]: 'old', [A]: 'newer' }, C, A), { [A]: 'newer' });
    const same = { [A]: 'x' };
    assert.equal(movedDraft(same, C, A), same, 'nothing to move: the same object');
    assert.equal(movedDraft(same, A, A), same);
  });

  it('switching conversations keeps each draft and tells the host under its own id', () => {
    const { clock, drafts, toHost } = setup();
    drafts.edit(A, 'to Ann');
    drafts.flush(A);
    drafts.edit(B, 'to the group');
    clock.advance(DRAFT_SAVE_DELAY_MS);
    assert.equal(drafts.text(A), 'to Ann');
    assert.equal(drafts.text(B), 'to the group');
    assert.deepEqual(toHost, [[A, 'to Ann'], [B, 'to the group']]);
    drafts.sent(B);
    assert.equal(drafts.text(B), '');
    assert.equal(drafts.text(A), 'to Ann', 'sending in one conversation leaves the other draft alone');
  });

  it('Drafts.move carries a draft kept by the last document to the real id (it still wins over the host\'s)', () => {
    const { drafts, persisted } = setup({ [C]: 'kept by VS Code' });
    drafts.move(C, A);
    assert.equal(drafts.text(A), 'kept by VS Code');
    assert.equal(drafts.text(C), '');
    assert.deepEqual(persisted.at(-1), { [A]: 'kept by VS Code' });
    // The view's kept draft is newer than the host's: it stays, and the host is told.
    assert.equal(drafts.offerHost(A, 'older host draft'), undefined);
    assert.equal(drafts.text(A), 'kept by VS Code');
  });
});
