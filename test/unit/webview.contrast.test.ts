import * as assert from 'node:assert/strict';
import { contrastRatio, flatten, parseColor, textContrast } from '../e2e/contrast';

const close = (a: number, b: number, eps = 0.01) => assert.ok(Math.abs(a - b) < eps, `${a} is not ${b}`);

describe('webview contrast helper (WCAG 2.x)', () => {
  it('parses the color forms a browser computes', () => {
    assert.deepEqual(parseColor('rgb(204, 204, 204)'), [204, 204, 204, 1]);
    assert.deepEqual(parseColor('rgba(0, 0, 0, 0.5)'), [0, 0, 0, 0.5]);
    assert.deepEqual(parseColor('rgb(10 20 30 / 25%)'), [10, 20, 30, 0.25]);
    assert.deepEqual(parseColor('#bf8803'), [191, 136, 3, 1]);
    assert.deepEqual(parseColor('color(srgb 1 0 0)'), [255, 0, 0, 1]);
    assert.equal(parseColor('currentcolor'), undefined);
  });

  it('gives the known ratios: 21:1 black on white, 1:1 the same color, and the Light Modern warning that fails', () => {
    close(contrastRatio([0, 0, 0, 1], [255, 255, 255, 1]), 21);
    close(contrastRatio([59, 59, 59, 1], [59, 59, 59, 1]), 1);
    // #bf8803 on #f8f8f8: the notice color the issue measured at 2.93:1.
    close(textContrast('#bf8803', ['#f8f8f8']), 2.93);
    // #767676 on white is the classic smallest grey that passes AA.
    assert.ok(textContrast('rgb(118, 118, 118)', ['rgb(255, 255, 255)']) >= 4.5);
    assert.ok(textContrast('rgb(119, 119, 119)', ['rgb(255, 255, 255)']) < 4.5);
  });

  it('blends translucent backgrounds over what lies below, and translucent text over its background', () => {
    // 50 % black over white is mid grey (#808080 is 3.95:1 against white text).
    const mid = flatten([[0, 0, 0, 0.5], [255, 255, 255, 1]]);
    close(mid[0], 127.5);
    close(textContrast('rgb(255, 255, 255)', ['rgba(0, 0, 0, 0.5)', 'rgb(255, 255, 255)']), 3.98, 0.05);
    // Fully transparent layers change nothing; an opaque layer hides everything under it.
    close(textContrast('rgb(0, 0, 0)', ['rgba(0, 0, 0, 0)', 'rgb(255, 255, 255)', 'rgb(0, 0, 0)']), 21);
    // Text at 50 % over black is grey on black.
    assert.ok(textContrast('rgba(255, 255, 255, 0.5)', ['rgb(0, 0, 0)']) < 6);
  });

  it('an unreadable color is 0, never a pass', () => {
    assert.equal(textContrast('inherit', ['rgb(0, 0, 0)']), 0);
  });
});

// The list of conversations (media/chat.css, rosterView.ts) draws text with these theme colors, as
// the default themes define them (VS Code's theme-defaults and color registry). The e2e theme test
// measures what the browser computes; this keeps the pairs chosen on record and above AA.
describe('webview contrast: the list of conversations in the default themes', () => {
  const pairs: Array<{ theme: string; what: string; text: string; background: string }> = [
    // Dark Modern: foreground #CCCCCC, side bar #181818, list.inactiveSelectionBackground #37373D, hover #2A2D2E.
    { theme: 'Dark Modern', what: 'name and detail', text: '#CCCCCC', background: '#181818' },
    { theme: 'Dark Modern', what: 'the conversation shown', text: '#CCCCCC', background: '#37373D' },
    { theme: 'Dark Modern', what: 'a hovered row', text: '#CCCCCC', background: '#2A2D2E' },
    { theme: 'Dark Modern', what: 'the unread badge', text: '#F8F8F8', background: '#616161' },
    { theme: 'Dark Modern', what: 'the empty section line', text: '#9D9D9D', background: '#181818' },
    // Light Modern: foreground #3B3B3B, side bar #F8F8F8, inactive selection #E4E6F1, hover #F2F2F2.
    { theme: 'Light Modern', what: 'name and detail', text: '#3B3B3B', background: '#F8F8F8' },
    { theme: 'Light Modern', what: 'the conversation shown', text: '#3B3B3B', background: '#E4E6F1' },
    { theme: 'Light Modern', what: 'a hovered row', text: '#3B3B3B', background: '#F2F2F2' },
    { theme: 'Light Modern', what: 'the unread badge', text: '#3B3B3B', background: '#CCCCCC' },
    { theme: 'Light Modern', what: 'the empty section line', text: '#3B3B3B', background: '#F8F8F8' },
    // Dark High Contrast: white on black everywhere (the badge too, with a contrast border): AAA.
    { theme: 'Dark High Contrast', what: 'every roster text', text: '#FFFFFF', background: '#000000' },
  ];
  for (const p of pairs) {
    it(`${p.theme}: ${p.what} reaches ${p.theme.includes('High Contrast') ? '7' : '4.5'}:1`, () => {
      const ratio = textContrast(p.text, [p.background]);
      assert.ok(ratio >= (p.theme.includes('High Contrast') ? 7 : 4.5), `${p.text} on ${p.background}: ${ratio.toFixed(2)}:1`);
    });
  }
});
