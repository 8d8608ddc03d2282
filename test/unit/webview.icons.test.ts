// "Codicons for every icon in the view; the @vscode/codicons font ships with the extension, loaded
// through the CSP; no emoji." Checked on the sources and on the HTML the real ChatViewProvider writes
// (with a stand-in for the `vscode` module that maps URIs the way VS Code's webviews do).
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import Module from 'node:module';
import * as path from 'node:path';
import * as ts from 'typescript';

const repoRoot = path.resolve(__dirname, '..', '..', '..');
const EMOJI = /\p{Extended_Pictographic}/u;

function filesUnder(rel: string, ext: RegExp): string[] {
  const dir = path.join(repoRoot, rel);
  return (fs.readdirSync(dir, { recursive: true }) as string[]).filter((f) => ext.test(f)).map((f) => path.join(rel, f)).sort();
}

/** Every emoji in `text`, as "file:line: character (U+XXXX)". */
function emojiIn(file: string, text: string, lineOf: (i: number) => number): string[] {
  const found: string[] = [];
  const re = new RegExp(EMOJI.source, 'gu');
  for (const m of text.matchAll(re)) {
    found.push(`${file}:${lineOf(m.index ?? 0)}: ${m[0]} (U+${m[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')})`);
  }
  return found;
}

const lineCounter = (text: string) => (i: number) => text.slice(0, i).split('\n').length;

/** The literals of a TypeScript file (strings, templates, regular expressions): its texts, without comments. */
function codeWithoutComments(text: string): Array<{ text: string; pos: number }> {
  const source = ts.createSourceFile('x.ts', text, ts.ScriptTarget.Latest, true);
  const parts: Array<{ text: string; pos: number }> = [];
  const visit = (node: ts.Node): void => {
    if (ts.isStringLiteralLike(node) || ts.isTemplateLiteralToken(node) || ts.isRegularExpressionLiteral(node)) {
      parts.push({ text: node.getText(source), pos: node.getStart(source) });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return parts;
}

describe('webview icons: codicons only, no emoji', () => {
  it('no emoji anywhere in the view, the host, the shared messages, the media or package.json', () => {
    const files = [
      ...filesUnder('src/webview', /\.ts$/), ...filesUnder('src/host', /\.ts$/), ...filesUnder('src/shared', /\.ts$/),
      'src/extension.ts', ...filesUnder('media', /^[^/]+\.(css|html|svg)$/), 'package.json',
    ];
    assert.ok(files.length > 20 && files.includes('media/chat.css') && files.includes('src/host/chatViewProvider.ts'), files.join(' '));
    const found = files.flatMap((f) => {
      const text = fs.readFileSync(path.join(repoRoot, f), 'utf8');
      return emojiIn(f, text, lineCounter(text));
    });
    assert.deepEqual(found, []);
  });

  it('no emoji in the code (comments aside) of the service, the network layer and the core, whose texts reach the view', () => {
    const files = [...filesUnder('src/service', /\.ts$/), ...filesUnder('src/net', /\.ts$/), ...filesUnder('src/core', /\.ts$/)];
    assert.ok(files.length > 20);
    const found = files.flatMap((f) => {
      const text = fs.readFileSync(path.join(repoRoot, f), 'utf8');
      return codeWithoutComments(text).flatMap((p) => emojiIn(f, p.text, () => lineCounter(text)(p.pos)));
    });
    assert.deepEqual(found, []);
  });

  it('the emoji check itself finds emoji, and not typography', () => {
    const sample = 'ok ✓ … → “q” — done 🎉 ⚠️ 🔒';
    assert.deepEqual(emojiIn('x', sample, () => 1).map((s) => s.split(': ')[1]), ['🎉 (U+1F389)', '⚠ (U+26A0)', '🔒 (U+1F512)']);
    const code = '// 🎉 a comment\nconst s = "🔒"; /* ⚠ */ const t = `a ${s} 🎈 // 🎁`; const r = /⏰/u;';
    assert.deepEqual(codeWithoutComments(code).map((p) => p.text).filter((t) => EMOJI.test(t)), ['"🔒"', '} 🎈 // 🎁`', '/⏰/u']);
  });

  it('every icon name the view uses, and every command icon in package.json, is a codicon in the shipped font', () => {
    const css = fs.readFileSync(path.join(repoRoot, 'media', 'codicons', 'codicon.css'), 'utf8');
    const known = new Set([...css.matchAll(/^\.codicon-([\w-]+):before/gm)].map((m) => m[1]));
    assert.ok(known.size > 400, `codicon.css lists ${known.size} icons`);
    const used = new Map<string, string>();
    for (const f of filesUnder('src/webview', /\.ts$/)) {
      const text = fs.readFileSync(path.join(repoRoot, f), 'utf8');
      const patterns = [
        /\bicon\(\s*'([\w-]+)'/g, // icon('send', …)
        /\bicon: '([\w-]+)'/g, // { icon: 'check', text: … }
        /\biconButton\([^,]+, '([\w-]+)'/g, // iconButton(label, 'person-add', …) (the label: a literal or s('key'))
        /\bbutton\([^\n]*, '([\w-]+)'\)\)?;$/gm, // button(label, class, onClick, 'refresh')
      ];
      for (const re of patterns) for (const m of text.matchAll(re)) used.set(m[1], f);
      // setIcon(node, 'name') and setIcon(node, cond ? 'a' : 'b'); setButtonLabel(b, label, cond ? 'a' : 'b')
      for (const m of text.matchAll(/\b(?:setIcon\(\s*[\w.]+|setButtonLabel\([^,]+,[^,]+),([^;]*)\);/g)) {
        for (const s of m[1].matchAll(/'([\w-]+)'/g)) used.set(s[1], f);
      }
    }
    assert.ok(used.size >= 30, `found only ${used.size} icon names in src/webview: ${[...used.keys()].join(' ')}`);
    for (const name of ['send', 'lock', 'verified-filled', 'person-add', 'refresh', 'fold', 'chevron-down']) assert.ok(used.has(name), `did not find ${name}`);
    const missing = [...used].filter(([name]) => !known.has(name)).map(([name, f]) => `${name} (${f})`);
    assert.deepEqual(missing, [], 'icon names that are not codicons');

    const pkg = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as {
      contributes: { commands: Array<{ command: string; icon?: string }>; viewsContainers: { activitybar: Array<{ icon: string }> }; views: Record<string, Array<{ icon?: string }>> };
    };
    for (const c of pkg.contributes.commands) {
      if (c.icon === undefined) continue;
      const m = /^\$\(([\w-]+)\)$/.exec(c.icon);
      assert.ok(m && known.has(m[1]), `${c.command}: icon ${c.icon} is not a codicon`);
    }
    // The activity-bar icon is a file (VS Code needs one there): a monochrome SVG of paths, no text.
    const files = [...pkg.contributes.viewsContainers.activitybar.map((v) => v.icon), ...Object.values(pkg.contributes.views).flat().map((v) => v.icon ?? '')].filter(Boolean);
    for (const f of new Set(files)) {
      assert.match(f, /^media\/[\w-]+\.svg$/);
      const svg = fs.readFileSync(path.join(repoRoot, f), 'utf8');
      assert.doesNotMatch(svg, /<text|<image|<foreignObject/i, `${f} draws with shapes only`);
    }
  });

  describe('the view\'s HTML (ChatViewProvider)', () => {
    const extensionPath = '/ext/udp-chat';
    // What VS Code gives a webview: resources under https://file+.vscode-resource.vscode-cdn.net/…,
    // and a cspSource that covers them.
    const CSP_SOURCE = 'https://*.vscode-cdn.net';
    const asWebviewUri = (u: FakeUri) => `https://file+.vscode-resource.vscode-cdn.net${u.path}`;
    class FakeUri {
      constructor(readonly path: string) {}
      static joinPath(base: FakeUri, ...parts: string[]) { return new FakeUri(path.posix.join(base.path, ...parts)); }
      toString() { return `file://${this.path}`; }
    }
    let html = '';
    let roots: string[] = [];

    before(() => {
      const loader = Module as unknown as { _load(request: string, parent: unknown, isMain: boolean): unknown };
      const original = loader._load;
      // (l10n.t: the English source, as VS Code gives it for its default language.)
      const stub = { Uri: FakeUri, commands: {}, window: {}, env: { language: 'en' }, l10n: { t: (m: string | { message: string }) => (typeof m === 'string' ? m : m.message) } };
      loader._load = function (request, parent, isMain) {
        return request === 'vscode' ? stub : original.call(this, request, parent, isMain);
      };
      try {
        const providerPath = path.join(repoRoot, 'out', 'src', 'host', 'chatViewProvider.js');
        const { ChatViewProvider } = require(providerPath) as { ChatViewProvider: new (uri: FakeUri, host: unknown) => { resolveWebviewView(v: unknown): void; dispose(): void } };
        const disposable = { dispose() { /* nothing */ } };
        const webview = {
          options: {} as { localResourceRoots?: FakeUri[] },
          html: '',
          cspSource: CSP_SOURCE,
          asWebviewUri: (u: FakeUri) => ({ toString: () => asWebviewUri(u) }),
          onDidReceiveMessage: () => disposable,
          postMessage: () => Promise.resolve(true),
        };
        const view = { webview, visible: false, onDidChangeVisibility: () => disposable, onDidDispose: () => disposable, show() { /* nothing */ } };
        const host = { getSnapshot: () => ({ header: {}, entries: [] }), onMessage() { /* nothing */ }, onVisibilityChanged() { /* nothing */ } };
        const provider = new ChatViewProvider(new FakeUri(extensionPath), host);
        provider.resolveWebviewView(view);
        html = webview.html;
        roots = (webview.options.localResourceRoots ?? []).map((u) => u.path);
        provider.dispose();
      } finally {
        loader._load = original;
      }
    });

    const csp = () => {
      const m = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(html);
      assert.ok(m, `no CSP meta in:\n${html}`);
      return new Map(m[1].replace(/&#39;|&apos;/g, "'").split(';').map((d) => d.trim().split(/\s+/)).map(([k, ...v]) => [k, v]));
    };
    /** CSP source matching for the forms used here: 'none', 'self' is never used, and scheme://host with a leading *. */
    const allows = (sources: string[] | undefined, url: string) => (sources ?? []).some((s) => {
      const m = /^(https?):\/\/(\*\.)?([^/]+)$/.exec(s);
      if (!m) return false;
      const u = new URL(url);
      if (u.protocol !== `${m[1]}:`) return false;
      return m[2] ? u.hostname.endsWith(`.${m[3]}`) : u.hostname === m[3];
    });

    it('default-src is none; fonts and styles come only from the extension\'s resources', () => {
      const c = csp();
      assert.deepEqual(c.get('default-src'), ["'none'"]);
      assert.deepEqual(c.get('font-src'), [CSP_SOURCE]);
      assert.ok(c.get('style-src')?.includes(CSP_SOURCE));
      assert.ok(!c.get('style-src')?.includes("'unsafe-inline'"));
    });

    it('links the codicon stylesheet from media/codicons, and the CSP lets its font load', () => {
      const cssUrl = asWebviewUri(new FakeUri(`${extensionPath}/media/codicons/codicon.css`));
      assert.ok(html.includes(`<link rel="stylesheet" href="${cssUrl}">`), `the codicon stylesheet is not linked:\n${html}`);
      assert.ok(roots.includes(`${extensionPath}/media`), `media/ is not a local resource root: ${roots.join(' ')}`);
      const css = fs.readFileSync(path.join(repoRoot, 'media', 'codicons', 'codicon.css'), 'utf8');
      const fontRef = /@font-face\s*{[^}]*font-family:\s*"codicon"[^}]*src:\s*url\("([^"]+)"\)/.exec(css)?.[1];
      assert.ok(fontRef, 'codicon.css declares the codicon font');
      const fontUrl = new URL(fontRef, cssUrl);
      assert.ok(allows(csp().get('font-src'), fontUrl.href), `font-src does not allow ${fontUrl.href}`);
      assert.ok(allows(csp().get('style-src'), cssUrl), `style-src does not allow ${cssUrl}`);
      // The font file is really there, under media/ (which the .vsix ships), beside its stylesheet.
      const fontFile = path.join(repoRoot, 'media', 'codicons', path.posix.basename(fontUrl.pathname));
      assert.ok(fs.statSync(fontFile).size > 10_000, `${fontFile} is missing or empty`);
      assert.ok(fontUrl.pathname.startsWith(`${extensionPath}/media/`));
    });

    it('the CSP check itself refuses a font from elsewhere', () => {
      assert.equal(allows([CSP_SOURCE], 'https://fonts.example.com/codicon.ttf'), false);
      assert.equal(allows(["'none'"], 'https://file+.vscode-resource.vscode-cdn.net/x.ttf'), false);
      assert.equal(allows([CSP_SOURCE], 'https://file+.vscode-resource.vscode-cdn.net/ext/media/codicons/codicon.ttf'), true);
    });
  });
});
