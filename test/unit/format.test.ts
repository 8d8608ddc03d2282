import * as assert from 'node:assert/strict';
import { MAX_NESTING, isSafeUrl, tokenize } from '../../src/webview/format';
import type { Token } from '../../src/webview/format';

const text = (t: string): Token => ({ type: 'text', text: t });

/** All text a user would see, in order, regardless of formatting. */
function visible(tokens: readonly Token[]): string {
  return tokens
    .map((t) => {
      switch (t.type) {
        case 'text':
        case 'code':
        case 'codeblock':
          return t.text;
        case 'bold':
        case 'italic':
          return visible(t.children);
        case 'link':
          return t.label;
      }
    })
    .join('');
}

function depthOf(tokens: readonly Token[]): number {
  let max = 0;
  for (const t of tokens) {
    if (t.type === 'bold' || t.type === 'italic') max = Math.max(max, 1 + depthOf(t.children));
  }
  return max;
}

function links(tokens: readonly Token[]): string[] {
  return tokens.flatMap((t) =>
    t.type === 'link' ? [t.url] : t.type === 'bold' || t.type === 'italic' ? links(t.children) : [],
  );
}

describe('format.tokenize', () => {
  describe('plain text', () => {
    it('returns one text token', () => {
      assert.deepEqual(tokenize('hello world'), [text('hello world')]);
    });

    it('returns nothing for the empty string', () => {
      assert.deepEqual(tokenize(''), []);
    });

    it('keeps newlines in text', () => {
      assert.deepEqual(tokenize('a\nb'), [text('a\nb')]);
    });
  });

  describe('inline code', () => {
    it('recognizes `code`', () => {
      assert.deepEqual(tokenize('run `npm test` now'), [text('run '), { type: 'code', text: 'npm test' }, text(' now')]);
    });

    it('does not format inside code', () => {
      assert.deepEqual(tokenize('`**x** [a](https://a.b)`'), [{ type: 'code', text: '**x** [a](https://a.b)' }]);
    });

    it('leaves an unclosed backtick literal', () => {
      assert.deepEqual(tokenize('a `b c'), [text('a `b c')]);
    });

    it('leaves an empty pair literal', () => {
      assert.deepEqual(tokenize('a `` b'), [text('a `` b')]);
    });
  });

  describe('code fences', () => {
    it('recognizes a fence with a language', () => {
      assert.deepEqual(tokenize('see\n```ts\nconst a = 1;\n```\nok'), [
        text('see\n'),
        { type: 'codeblock', language: 'ts', text: 'const a = 1;' },
        text('ok'),
      ]);
    });

    it('recognizes a fence without a language', () => {
      assert.deepEqual(tokenize('```\nx *y*\n```'), [{ type: 'codeblock', language: '', text: 'x *y*' }]);
    });

    it('keeps an unclosed fence literal', () => {
      assert.equal(visible(tokenize('```js\nalert(1)')), '```js\nalert(1)');
      assert.ok(tokenize('```js\nalert(1)').every((t) => t.type !== 'codeblock'));
    });

    it('does not accept markup as the language', () => {
      const tokens = tokenize('```<img src=x onerror=alert(1)>\ncode\n```');
      assert.ok(tokens.every((t) => t.type !== 'codeblock'));
    });
  });

  describe('bold and italic', () => {
    it('recognizes **bold**', () => {
      assert.deepEqual(tokenize('a **b** c'), [text('a '), { type: 'bold', children: [text('b')] }, text(' c')]);
    });

    it('recognizes *italic* and _italic_', () => {
      assert.deepEqual(tokenize('*a* _b_'), [
        { type: 'italic', children: [text('a')] },
        text(' '),
        { type: 'italic', children: [text('b')] },
      ]);
    });

    it('nests italic inside bold', () => {
      assert.deepEqual(tokenize('**a *b* c**'), [
        { type: 'bold', children: [text('a '), { type: 'italic', children: [text('b')] }, text(' c')] },
      ]);
    });

    it('does not italicize snake_case identifiers', () => {
      assert.deepEqual(tokenize('my_var_name and x_y'), [text('my_var_name and x_y')]);
    });

    it('leaves unclosed markers literal', () => {
      assert.deepEqual(tokenize('**bold'), [text('**bold')]);
      assert.deepEqual(tokenize('*italic'), [text('*italic')]);
      assert.deepEqual(tokenize('_italic'), [text('_italic')]);
      assert.deepEqual(tokenize('2 * 3 * 4'), [text('2 * 3 * 4')]);
    });

    it('nests bold inside *italic*', () => {
      assert.deepEqual(tokenize('*a **b** c*'), [
        { type: 'italic', children: [text('a '), { type: 'bold', children: [text('b')] }, text(' c')] },
      ]);
    });

    it('limits nesting depth: deeper markers stay literal', () => {
      assert.equal(MAX_NESTING, 2);
      assert.deepEqual(tokenize('**a _b *c* d_ e**'), [
        {
          type: 'bold',
          children: [text('a '), { type: 'italic', children: [text('b *c* d')] }, text(' e')],
        },
      ]);
    });

    it('stays fast and flat on thousands of markers', () => {
      const hostile = '*_'.repeat(50_000) + '**'.repeat(50_000);
      const start = Date.now();
      const tokens = tokenize(hostile);
      assert.ok(Date.now() - start < 2000);
      assert.ok(depthOf(tokens) <= MAX_NESTING);
    });
  });

  describe('links', () => {
    it('recognizes a bare https URL', () => {
      assert.deepEqual(tokenize('go to https://example.com/a?b=1 now'), [
        text('go to '),
        { type: 'link', url: 'https://example.com/a?b=1', label: 'https://example.com/a?b=1' },
        text(' now'),
      ]);
    });

    it('drops trailing punctuation from a bare URL', () => {
      assert.deepEqual(links(tokenize('see http://example.com/x.')), ['http://example.com/x']);
      assert.deepEqual(links(tokenize('(see https://en.wikipedia.org/wiki/A_(b))')), ['https://en.wikipedia.org/wiki/A_(b)']);
    });

    it('recognizes [label](url)', () => {
      assert.deepEqual(tokenize('[docs](https://code.visualstudio.com/api)'), [
        { type: 'link', url: 'https://code.visualstudio.com/api', label: 'docs' },
      ]);
    });

    it('accepts mailto links', () => {
      assert.deepEqual(links(tokenize('[mail me](mailto:a@example.com)')), ['mailto:a@example.com']);
    });

    for (const url of ['javascript:alert(1)', 'javascript:void0', 'JaVaScRiPt:alert%281%29', 'javascript://x.example/%0Aalert%281%29', 'data:text/html,<b>x</b>', 'vscode:extension/x', 'file:///etc/passwd', 'command:workbench.action.quit']) {
      it(`keeps [x](${url}) as plain text`, () => {
        const src = `[x](${url})`;
        const tokens = tokenize(src);
        assert.deepEqual(links(tokens), []);
        assert.equal(visible(tokens), src);
      });
    }

    it('does not link a bare javascript: scheme', () => {
      assert.deepEqual(tokenize('javascript:alert(document.cookie)'), [text('javascript:alert(document.cookie)')]);
    });

    it('isSafeUrl allows only http, https and mailto', () => {
      assert.equal(isSafeUrl('https://a.example'), true);
      assert.equal(isSafeUrl('http://a.example'), true);
      assert.equal(isSafeUrl('mailto:x@y.z'), true);
      assert.equal(isSafeUrl('javascript:alert(1)'), false);
      assert.equal(isSafeUrl('https://'), false);
      assert.equal(isSafeUrl('https://a.example/\u0000'), false);
      assert.equal(isSafeUrl(' https://a.example'), false);
    });
  });

  describe('hostile strings stay literal text', () => {
    const hostile = [
      '<script>alert(1)</script>',
      '<img src=x onerror=alert(1)>',
      '<style>body{display:none}</style>',
      'color: red; background: url(javascript:alert(1))',
      '\u202Egnp.exe',
      '<a href="javascript:alert(1)">x</a>',
      '&lt;b&gt; &amp;',
    ];
    for (const s of hostile) {
      it(`keeps ${JSON.stringify(s)} as one text token`, () => {
        assert.deepEqual(tokenize(s), [text(s)]);
      });
    }

    it('keeps markup inside bold as text', () => {
      assert.deepEqual(tokenize('**<script>x</script>**'), [{ type: 'bold', children: [text('<script>x</script>')] }]);
    });

    it('never loses or adds characters', () => {
      const s = 'a **b** `c` _d_ [e](javascript:f) https://g.example/h \u202E i *j';
      assert.equal(visible(tokenize(s)).length, s.length - '****``__'.length);
    });
  });
});
