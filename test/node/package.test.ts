// `npm run package` must keep working: vsce builds a .vsix that holds only what the extension needs.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = join(__dirname, '..', '..', '..');
const vsce = join(root, 'node_modules', '@vscode', 'vsce', 'vsce');

describe('packaging (vsce)', function () {
  this.timeout(120_000);

  it('packages a .vsix with the bundles, the media and the docs, and nothing else', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'udp-chat-vsix-')), 'udp-chat.vsix');
    const opts = ['--no-dependencies', '--allow-missing-repository', '--no-rewrite-relative-links'];
    const pkg = spawnSync(process.execPath, [vsce, 'package', ...opts, '-o', out], { cwd: root, encoding: 'utf8' });
    assert.equal(pkg.status, 0, pkg.stdout + pkg.stderr);
    assert.ok(existsSync(out) && statSync(out).size > 10_000, 'a .vsix was written');
    const ls = spawnSync(process.execPath, [vsce, 'ls', '--no-dependencies'], { cwd: root, encoding: 'utf8' });
    assert.equal(ls.status, 0, ls.stderr);
    const files = ls.stdout.trim().split('\n').map((l) => l.trim()).sort();
    for (const f of ['package.json', 'README.md', 'LICENSE', 'dist/extension.js', 'dist/webview.js', 'dist/web.js', 'dist/cli.js', 'media/chat.css', 'media/icon.svg', 'docs/PROTOCOL.md', 'docs/images/chat.png']) {
      assert.ok(files.includes(f), `${f} ships`);
    }
    for (const f of files) assert.doesNotMatch(f, /^(src|test|scripts|out|node_modules)\/|\.map$|\.ts$/, `${f} must not ship`);
  });
});
