// The one test command: test host ready, build, then unit → node → integration → e2e.
// usage: node scripts/test.mjs [unit] [node] [integration] [e2e]   (default: all four)
// Each layer prints `<layer>: N passed, N failed`; the last line is the total, alone: `N passed, N failed`.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureTestHost, runExtensionTests } from './testHost.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
// unit: pure core (fake clock); node: real sockets and processes (CLI, nc, flood); integration: inside a
// real VS Code extension host; e2e: a real browser driving the real VS Code UI.
const LAYERS = ['unit', 'node', 'integration', 'e2e'];
const asked = process.argv.slice(2).filter((a) => LAYERS.includes(a));
const layers = asked.length ? asked : LAYERS;
const secs = (t) => `${((Date.now() - t) / 1000).toFixed(1)} s`;
const step = (title) => console.log(`\n=== ${title} ===`);

function node(script, args = []) {
  const r = spawnSync(process.execPath, [join(root, script), ...args], { stdio: 'inherit', cwd: root });
  return r.status ?? 1;
}

let t = Date.now();
step('test host');
await ensureTestHost({ for: 'test' }); // the Debian packages only the tests use, too
console.log(`[test] host ready in ${secs(t)}`);
t = Date.now();
step('build');
if (node('scripts/build.mjs') !== 0 || node('scripts/buildTests.mjs') !== 0) {
  console.error('[test] build failed');
  console.log('0 passed, 1 failed');
  process.exit(1);
}
console.log(`[test] built in ${secs(t)}`);

const scratch = mkdtempSync(join(tmpdir(), 'udp-chat-test-'));
function mochaLayer(name, timeoutMs) {
  const resultPath = join(scratch, `${name}.json`);
  node('scripts/mochaLayer.mjs', [name, join(root, 'out', 'test', name), String(timeoutMs), resultPath]);
  try { return JSON.parse(readFileSync(resultPath, 'utf8')); } catch { return { passed: 0, failed: 1, error: 'no result (crashed)' }; }
}

async function integrationLayer() {
  let counts;
  const code = await runExtensionTests({
    extensionDevelopmentPath: root,
    extensionTestsPath: join(root, 'out', 'test', 'integration', 'index.js'),
    workspace: join(scratch, 'integration-workspace'),
    onLine: (line) => {
      console.log(line);
      const m = /^integration: (\d+) passed, (\d+) failed$/.exec(line.trim());
      if (m) counts = { passed: Number(m[1]), failed: Number(m[2]) };
    },
  }).catch((e) => { console.error(`[test] integration: ${e.message}`); return 1; });
  if (!counts) return { passed: 0, failed: 1, error: `exit ${code} without a count line` };
  // A non-zero exit with zero counted failures (run() threw outside a test) still fails the layer.
  return code !== 0 && counts.failed === 0 ? { ...counts, failed: 1, error: `exit ${code}` } : counts;
}

const results = [];
for (const layer of layers) {
  t = Date.now();
  step(layer);
  const r = layer === 'unit' ? mochaLayer('unit', 10_000)
    : layer === 'node' ? mochaLayer('node', 120_000)
    : layer === 'integration' ? await integrationLayer()
    : mochaLayer('e2e', 180_000);
  results.push({ layer, ...r, time: secs(t) });
}
rmSync(scratch, { recursive: true, force: true });

step('summary');
let passed = 0;
let failed = 0;
let bad = false;
for (const r of results) {
  passed += r.passed;
  failed += r.failed;
  const empty = r.passed + r.failed === 0;
  if (r.failed > 0 || empty) bad = true;
  console.log(`${r.layer}: ${r.passed} passed, ${r.failed} failed (${r.time})${empty ? ' — no tests ran' : ''}${r.error ? ` — ${r.error}` : ''}`);
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(bad ? 1 : 0);
