// What the .vsix ships: the real vsce (node_modules/.bin/vsce, offline) lists and packages the
// extension with the flags `npm run package` uses, and the list is held against what runs: the
// bundles, media, the manifest and its translations, README, CHANGELOG, LICENSE, the icon, and the
// files the README shows or links to; nothing of src/, test/, scripts/, out/, node_modules/.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateRawSync } from 'node:zlib';

const root = join(__dirname, '..', '..', '..');
const vsce = join(root, 'node_modules', '.bin', 'vsce');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

/** The flags of `vsce package` in package.json's "package" script (so this test packages as npm run package does). */
function packageFlags(): string[] {
  const m = /vsce package ([^&]*)/.exec(pkg.scripts.package);
  assert.ok(m, `no "vsce package" in the package script: ${pkg.scripts.package}`);
  const words = m[1].trim().split(/\s+/);
  const out: string[] = [];
  for (let i = 0; i < words.length; i++) {
    if (words[i] === '-o' || words[i] === '--out') { i++; continue; }
    out.push(words[i]);
  }
  return out;
}

function run(args: string[]): string {
  // No network: vsce ls and package read the folder only; npm is kept offline all the same.
  const r = spawnSync(vsce, args, { cwd: root, encoding: 'utf8', env: { ...process.env, npm_config_offline: 'true' }, timeout: 120_000 });
  assert.equal(r.status, 0, `vsce ${args.join(' ')} failed (${r.status}):\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

/** The names in a zip file's central directory, and a reader for stored/deflated entries. */
function readZip(file: string): Map<string, () => Buffer> {
  const buf = readFileSync(file);
  const eocd = buf.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  assert.ok(eocd >= 0, `${file} is not a zip file`);
  const count = buf.readUInt16LE(eocd + 10);
  let p = buf.readUInt32LE(eocd + 16);
  const entries = new Map<string, () => Buffer>();
  for (let i = 0; i < count; i++) {
    assert.equal(buf.readUInt32LE(p), 0x02014b50, 'central directory entry');
    const method = buf.readUInt16LE(p + 10);
    const size = buf.readUInt32LE(p + 20);
    const nameLen = buf.readUInt16LE(p + 28);
    const extraLen = buf.readUInt16LE(p + 30);
    const commentLen = buf.readUInt16LE(p + 32);
    const local = buf.readUInt32LE(p + 42);
    const name = buf.toString('utf8', p + 46, p + 46 + nameLen);
    entries.set(name, () => {
      const start = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
      const data = buf.subarray(start, start + size);
      return method === 0 ? data : inflateRawSync(data);
    });
    p += 46 + nameLen + extraLen + commentLen;
  }
  return entries;
}

/** Files the extension needs at run time or the Marketplace shows, from the manifest and the sources. */
function requiredFiles(): string[] {
  const req = ['package.json', 'README.md', 'CHANGELOG.md', 'LICENSE', pkg.main.replace(/^\.\//, ''), pkg.browser.replace(/^\.\//, ''), 'dist/webview.js', pkg.icon,
    'media/chat.css', 'media/entries.css', 'media/highContrast.css', 'media/codicons/codicon.css', 'media/codicons/codicon.ttf'];
  for (const c of pkg.contributes.viewsContainers.activitybar) req.push(c.icon);
  for (const w of pkg.contributes.walkthroughs ?? []) {
    for (const s of w.steps) {
      const m = s.media;
      for (const f of [m.markdown, m.svg, ...(typeof m.image === 'string' ? [m.image] : Object.values(m.image ?? {}))]) if (f) req.push(f);
    }
  }
  for (const f of readdirSync(root)) if (/^package\.nls(\..+)?\.json$/.test(f)) req.push(f);
  if (existsSync(join(root, 'l10n'))) for (const f of readdirSync(join(root, 'l10n'))) req.push(`l10n/${f}`);
  // Images and documents the README shows or links to by a relative path.
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  for (const m of readme.matchAll(/!\[[^\]]*\]\(([^)\s#]+)\)/g)) req.push(m[1]);
  req.push('docs/PROTOCOL.md');
  return [...new Set(req)];
}

describe('the .vsix (vsce ls and vsce package, offline)', function () {
  this.timeout(180_000);
  let listed: string[] = [];

  before(function () {
    for (const f of ['dist/extension.js', 'dist/webview.js']) {
      if (!existsSync(join(root, f))) throw new Error(`${f} is missing: build first (node scripts/build.mjs)`);
    }
    listed = run(['ls', ...packageFlags().filter((f) => f === '--no-dependencies')]).split('\n').map((l) => l.trim()).filter(Boolean);
  });

  it('lists every file the extension needs at run time, its icon, translations and the README\'s images', () => {
    const missing = requiredFiles().filter((f) => !listed.includes(f));
    assert.deepEqual(missing, [], `not shipped: ${missing.join(', ')}\nshipped: ${listed.join(', ')}`);
  });

  it('ships nothing from src/, test/, scripts/, out/, node_modules/, no source maps, no other bundle', () => {
    const bad = listed.filter((f) => /^(src|test|scripts|out|node_modules|test-results|\.vscode|\.ci)\//.test(f) || f.endsWith('.map') || f.endsWith('.vsix')
      || f.endsWith('.ts') || (f.startsWith('dist/') && !['dist/extension.js', 'dist/webview.js', 'dist/web.js'].includes(f)));
    assert.deepEqual(bad, [], 'files that do not run in the extension');
    // The one runtime dependency is bundled by esbuild into dist/extension.js (scripts/build.mjs), so none ships beside it.
    assert.deepEqual(Object.keys(pkg.dependencies ?? {}), ['bonjour-service']);
    assert.ok(readFileSync(join(root, 'dist', 'extension.js'), 'utf8').includes('_services._dns-sd._udp'), 'bonjour-service is bundled into dist/extension.js');
  });

  it('vsce package (the flags of npm run package) writes a .vsix with the manifest, the icon and the bundles', () => {
    const dir = mkdtempSync(join(tmpdir(), 'udp-chat-vsix-'));
    try {
      const out = join(dir, 'udp-chat.vsix');
      run(['package', ...packageFlags(), '-o', out]);
      const zip = readZip(out);
      for (const f of ['extension/package.json', 'extension/dist/extension.js', 'extension/dist/webview.js', `extension/${pkg.icon}`, 'extension.vsixmanifest']) {
        assert.ok(zip.has(f), `${f} not in the .vsix: ${[...zip.keys()].join(', ')}`);
      }
      assert.equal([...zip.keys()].filter((f) => /^extension\/(src|test|scripts|node_modules)\//.test(f)).length, 0);
      const manifest = zip.get('extension.vsixmanifest')!().toString('utf8');
      assert.match(manifest, new RegExp(`<Icon>extension/${pkg.icon.replace(/\./g, '\\.')}</Icon>`));
      assert.match(manifest, /Branding\.Color" Value="#[0-9a-fA-F]{6}"/);
      const shipped = JSON.parse(zip.get('extension/package.json')!().toString('utf8'));
      assert.equal(shipped.version, pkg.version);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
