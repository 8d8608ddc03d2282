import * as assert from 'node:assert/strict';
import { isNavKey, navTarget, scrollWithinEntry } from '../../src/webview/listNav';

describe('webview list navigation (roving focus math)', () => {
  it('moves one entry with the arrows and stops at the ends', () => {
    assert.equal(navTarget('ArrowUp', 3, 5), 2);
    assert.equal(navTarget('ArrowDown', 3, 5), 4);
    assert.equal(navTarget('ArrowDown', 4, 5), undefined, 'no wrap past the newest');
    assert.equal(navTarget('ArrowUp', 0, 5), undefined, 'no wrap past the oldest');
  });

  it('Home and End go to the oldest and newest entry', () => {
    assert.equal(navTarget('Home', 3, 5), 0);
    assert.equal(navTarget('End', 1, 5), 4);
    assert.equal(navTarget('Home', 0, 5), undefined);
  });

  it('an empty list has nowhere to go; a lost index starts from the newest', () => {
    assert.equal(navTarget('ArrowDown', 0, 0), undefined);
    assert.equal(navTarget('ArrowUp', -1, 3), 1);
    assert.equal(navTarget('ArrowUp', 9, 3), 1);
  });

  it('PageDown/PageUp move by about one view height, and at least one entry', () => {
    const tops = [0, 50, 100, 150, 200, 250, 300, 350];
    const g = { tops, viewTop: 0, viewHeight: 120 };
    assert.equal(navTarget('PageDown', 0, tops.length, g), 2);
    assert.equal(navTarget('PageDown', 6, tops.length, g), 7);
    assert.equal(navTarget('PageUp', 7, tops.length, g), 5);
    // An entry taller than the view: still one step.
    const tall = { tops: [0, 1000, 1010], viewTop: 0, viewHeight: 300 };
    assert.equal(navTarget('PageDown', 0, 3, tall), 1);
    assert.equal(navTarget('PageUp', 2, 3, tall), 1);
    // Without geometry: ten entries.
    assert.equal(navTarget('PageDown', 0, 40), 10);
  });

  it('reads through an entry taller than the view before moving on', () => {
    const view = { top: 100, bottom: 400 };
    assert.equal(scrollWithinEntry('ArrowDown', { top: 120, bottom: 900 }, view), 40);
    assert.equal(scrollWithinEntry('ArrowDown', { top: 120, bottom: 410 }, view), 10);
    assert.equal(scrollWithinEntry('ArrowDown', { top: 120, bottom: 390 }, view), 0, 'fully visible: move on');
    assert.equal(scrollWithinEntry('ArrowUp', { top: -500, bottom: 300 }, view), -40);
    assert.equal(scrollWithinEntry('ArrowUp', { top: -500, bottom: 50 }, view), 0, 'not on screen at all: move');
    assert.equal(scrollWithinEntry('Home', { top: -500, bottom: 900 }, view), 0);
  });

  it('knows its keys', () => {
    assert.ok(isNavKey('PageDown'));
    assert.ok(!isNavKey('Enter'));
  });
});
