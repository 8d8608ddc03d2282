import * as assert from 'node:assert/strict';
import type { ChatEntry } from '../../src/shared/protocol';
import { FIRST_PAINT_CHARS, FIRST_PAINT_ENTRIES, FIRST_PAINT_MIN_ENTRIES, firstPaintCount, MAX_RENDER_CHARS, splitFirstPaint } from '../../src/webview/paint';

const entry = (i: number, text = `message ${i}`): ChatEntry => ({ id: `e${i}`, kind: 'peer', text, time: i });
const many = (n: number, text?: string): ChatEntry[] => Array.from({ length: n }, (_, i) => entry(i, text));

describe('webview first paint: how much of a snapshot is painted at once', () => {
  it('paints a short conversation whole', () => {
    assert.equal(firstPaintCount([]), 0);
    assert.equal(firstPaintCount(many(5)), 5);
    assert.equal(firstPaintCount(many(FIRST_PAINT_ENTRIES)), FIRST_PAINT_ENTRIES);
  });

  it('paints at most the newest 200 short entries; the rest is backlog', () => {
    assert.equal(FIRST_PAINT_ENTRIES, 200);
    const entries = many(1000);
    assert.equal(firstPaintCount(entries), 200);
    const { backlog, now } = splitFirstPaint(entries);
    assert.equal(backlog.length, 800);
    assert.equal(now.length, 200);
    assert.equal(backlog[799]!.id, 'e799');
    assert.equal(now[0]!.id, 'e800', 'the newest go first, in order');
    assert.equal(now[199]!.id, 'e999');
  });

  it('stops early for long texts, but keeps at least 30 entries', () => {
    // 10,000 characters each: past 200,000 characters after 21 entries, so the minimum of 30 applies.
    assert.equal(firstPaintCount(many(100, 'x'.repeat(10_000))), FIRST_PAINT_MIN_ENTRIES);
    // 5,000 characters each: 41 entries pass 200,000.
    assert.equal(firstPaintCount(many(100, 'x'.repeat(5_000))), Math.floor(FIRST_PAINT_CHARS / 5_000) + 1);
  });

  it('counts a huge text as at most twice what is rendered of it, code included', () => {
    const huge = many(100, 'x'.repeat(1_000_000));
    assert.equal(firstPaintCount(huge), FIRST_PAINT_MIN_ENTRIES);
    const capped = 2 * MAX_RENDER_CHARS;
    const code: ChatEntry = { id: 'c', kind: 'own', text: '', time: 0, code: { code: 'y'.repeat(capped), language: '', path: '', startLine: 0, endLine: 0 } };
    // 40,000 characters each: 6 entries pass 200,000, but the minimum is 30.
    assert.equal(firstPaintCount(Array.from({ length: 50 }, (_, i) => ({ ...code, id: `c${i}` }))), FIRST_PAINT_MIN_ENTRIES);
  });
});
