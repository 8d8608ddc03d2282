import assert from 'node:assert/strict';
import { safeJson, visible } from '../../src/cli/terminalText';

describe('cli/terminalText: peer text cannot drive the terminal', () => {
  it('shows ESC, BEL, lone CR, DEL, C1 and bidi controls as visible symbols; keeps newlines, tabs and ordinary text', () => {
    const hostile = '\x1b]52;c;ZXZpbA==\x07 \x1b]0;title\x07 \x1b[2J\x1b[H ok\rrm -rf ~ \x7f \u009b31m \u202egnp.exe\u2066x\u2069';
    const shown = visible(hostile);
    assert.doesNotMatch(shown, /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/);
    assert.match(shown, /␛\]52;c;ZXZpbA==␇/);
    assert.match(shown, /ok␍rm -rf ~/);
    assert.match(shown, /␡ <U\+009B>31m <U\+202E>gnp\.exe<U\+2066>x<U\+2069>/);
    assert.equal(visible('line 1\n\tline 2 — ünïcode 😀'), 'line 1\n\tline 2 — ünïcode 😀');
  });

  it('JSON output escapes what JSON.stringify leaves raw, and stays valid JSON', () => {
    const event = { text: 'a\u009bb\u2028c\u202ed\x1be' };
    const line = safeJson(event);
    assert.doesNotMatch(line, /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e]/);
    assert.deepEqual(JSON.parse(line), event);
  });
});
