// Bundles the extension (node/cjs, vscode external), the webview script (browser), the browser-only
// extension entry (dist/web.js), and the Node entry points: terminal peer, benchmark, fuzzer.
import * as esbuild from 'esbuild';
import { watchReporter } from './watchReport.mjs';

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');

const common = {
  bundle: true,
  minify: production,
  sourcemap: production ? false : 'linked',
  logLevel: 'warning',
};

const node = { ...common, platform: 'node', format: 'cjs', target: 'node20' };

const builds = [
  { ...node, entryPoints: ['src/extension.ts'], outfile: 'dist/extension.js', external: ['vscode'] },
  { ...common, platform: 'browser', format: 'iife', target: 'es2022', entryPoints: ['src/webview/main.ts'], outfile: 'dist/webview.js' },
  // A browser-only VS Code (vscode.dev): no UDP there, the entry only says so (package.json "browser").
  // Its metafile (dist/web.meta.json) lists every input, so a test can check no Node module got in.
  { ...common, platform: 'browser', format: 'cjs', target: 'es2022', entryPoints: ['src/web/extension.ts'], outfile: 'dist/web.js', external: ['vscode'], metafile: true },
];
const fs = await import('node:fs');

// The codicon font and its stylesheet ship in media/ (the .vsix carries media/**; dist/ only the bundles).
fs.mkdirSync('media/codicons', { recursive: true });
for (const file of ['codicon.css', 'codicon.ttf']) {
  fs.copyFileSync(`node_modules/@vscode/codicons/dist/${file}`, `media/codicons/${file}`);
}
fs.copyFileSync('node_modules/@vscode/codicons/LICENSE', 'media/codicons/LICENSE');
for (const [entry, out, banner] of [
  ['src/cli/main.ts', 'dist/cli.js', '#!/usr/bin/env node'],
  ['scripts/bench.ts', 'dist/bench.js'],
  ['scripts/benchPeer.ts', 'dist/benchPeer.js'],
  ['scripts/benchSharedLink.ts', 'dist/benchSharedLink.js'],
  ['scripts/fuzz.ts', 'dist/fuzz.js'],
]) {
  // The bench's peers load utp-native (native) and enet (emscripten) from node_modules, unbundled.
  const external = entry.startsWith('scripts/bench') ? ['utp-native', 'enet'] : [];
  if (fs.existsSync(entry)) builds.push({ ...node, entryPoints: [entry], outfile: out, external, ...(banner ? { banner: { js: banner } } : {}) });
}

if (watch) {
  // esbuild's own log stays quiet: the reporter prints the begin/end lines and every message, in the
  // format the "watch" task's problem matcher reads (.vscode/tasks.json).
  const reporter = watchReporter();
  const contexts = await Promise.all(builds.map((b) => esbuild.context({ ...b, logLevel: 'silent', plugins: [reporter] })));
  await Promise.all(contexts.map((c) => c.watch()));
  console.log(`[build] watching ${builds.length} bundles (Ctrl-C to stop)`);
} else {
  const results = await Promise.all(builds.map((b) => esbuild.build(b)));
  builds.forEach((b, i) => { if (results[i].metafile) fs.writeFileSync(b.outfile.replace(/\.js$/, '.meta.json'), JSON.stringify(results[i].metafile)); });
  console.log(`[build] ${builds.length} bundles${production ? ' (production)' : ''}`);
}
