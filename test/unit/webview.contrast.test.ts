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
