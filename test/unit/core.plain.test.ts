import assert from 'node:assert/strict';
import { decodePlain, isQuitWord, PLAIN_MAX_DATAGRAM, splitUtf8 } from '../../src/core/plain';

describe('core/plain', () => {
  it('knows the classic quit words', () => {
    for (const w of ['quit', 'exit', 'bye bye', ' QUIT\n', 'Bye  Bye']) assert.ok(isQuitWord(w), w);
    for (const w of ['quitting', 'bye', 'exit now', '']) assert.ok(!isQuitWord(w), w);
  });

  it('splits long text on UTF-8 character boundaries into datagrams of at most 1024 bytes', () => {
    const text = 'a' + '€'.repeat(1000) + '😀'.repeat(500);
    const chunks = splitUtf8(text);
    assert.ok(chunks.length > 1);
    for (const c of chunks) {
      assert.ok(c.length <= PLAIN_MAX_DATAGRAM && c.length > 0);
      // each chunk is valid UTF-8 on its own
      assert.doesNotThrow(() => new TextDecoder('utf-8', { fatal: true }).decode(c));
    }
    assert.equal(Buffer.concat(chunks).toString('utf8'), text);
  });

  it('keeps short text in one datagram', () => {
    assert.deepEqual(splitUtf8('hi').map((b) => b.toString()), ['hi']);
  });

  it('decodes invalid UTF-8 with replacement characters and drops one trailing newline', () => {
    assert.equal(decodePlain(Buffer.from([0x68, 0xff, 0x69, 0x0a])), 'h\uFFFDi');
    assert.equal(decodePlain(Buffer.from('two\n\n')), 'two\n');
  });
});
