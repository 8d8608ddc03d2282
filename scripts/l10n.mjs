// Regenerates l10n/bundle.l10n.json: every vscode.l10n.t source string in src/ (the extension host;
// the webview's words are in src/host/viewStrings.ts too), found by @vscode/l10n-dev as
// `vscode-l10n-dev export` does, written sorted so a change is a readable diff.
// usage: node scripts/l10n.mjs            rewrite the bundle (npm run l10n)
//        node scripts/l10n.mjs --check [--bundle FILE] [SOURCE...]
//                                          exit 1 if the bundle lacks a string or holds a stale one
//                                          (the unit test test/unit/l10n.runtime.test.ts runs this)
import { readdirSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, extname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { getL10nJson } from '@vscode/l10n-dev';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const check = args.includes('--check');
const bundleAt = args.indexOf('--bundle');
const bundlePath = bundleAt >= 0 ? args[bundleAt + 1] : join(root, 'l10n', 'bundle.l10n.json');
const given = args.filter((a, i) => !a.startsWith('--') && !(bundleAt >= 0 && i === bundleAt + 1));

function sources() {
  return readdirSync(join(root, 'src'), { recursive: true })
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))
    .map((f) => join(root, 'src', f))
    .sort();
}

const files = given.length ? given : sources();
const found = await getL10nJson(files.map((f) => ({ contents: readFileSync(f, 'utf8'), extension: extname(f) })));
const sorted = Object.fromEntries(Object.keys(found).sort().map((k) => [k, found[k]]));
const text = `${JSON.stringify(sorted, null, 2)}\n`;

if (!check) {
  mkdirSync(dirname(bundlePath), { recursive: true });
  writeFileSync(bundlePath, text);
  console.log(`[l10n] ${Object.keys(sorted).length} strings from ${files.length} files → ${relative(root, bundlePath)}`);
  process.exit(0);
}

let bundle = {};
try { bundle = JSON.parse(readFileSync(bundlePath, 'utf8')); } catch (e) { console.error(`[l10n] cannot read ${bundlePath}: ${e.message}`); process.exit(1); }
const missing = Object.keys(sorted).filter((k) => !(k in bundle));
const stale = Object.keys(bundle).filter((k) => !(k in sorted));
for (const k of missing) console.error(`[l10n] not in the bundle: ${JSON.stringify(k)}`);
for (const k of stale) console.error(`[l10n] in the bundle but no longer in the code: ${JSON.stringify(k)}`);
if (missing.length || stale.length) {
  console.error('[l10n] the bundle is out of date: run `npm run l10n`');
  process.exit(1);
}
console.log(`[l10n] bundle up to date (${Object.keys(sorted).length} strings)`);
