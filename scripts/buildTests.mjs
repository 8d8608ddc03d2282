// Compiles src and test with tsc into out/ (out/src, out/test). Stale output is removed first so a
// deleted test never runs from an old .js file. Exits non-zero on type errors.
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
rmSync(join(root, 'out'), { recursive: true, force: true });
const started = Date.now();
const r = spawnSync(process.execPath, [tsc, '-p', join(root, 'test')], { stdio: 'inherit', cwd: root });
if (r.status !== 0) {
  console.error(`[buildTests] tsc failed (${r.status ?? r.signal})`);
  process.exit(r.status || 1);
}
console.log(`[buildTests] out/ compiled in ${((Date.now() - started) / 1000).toFixed(1)} s`);
