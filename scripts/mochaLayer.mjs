// Runs one mocha layer in its own process (isolation; exits even if tests leave handles open).
// usage: node scripts/mochaLayer.mjs <name> <dir under out/test> <timeoutMs> <resultJsonPath>
// Prints spec output, then `<name>: N passed, N failed`, and writes {passed, failed, pending} as JSON.
import { readdirSync, writeFileSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const [name, dir, timeout, resultPath] = process.argv.slice(2);
const Mocha = createRequire(import.meta.url)('mocha');
const files = existsSync(dir)
  ? readdirSync(dir, { recursive: true }).filter((f) => f.endsWith('.test.js')).sort().map((f) => join(dir, f))
  : [];
const mocha = new Mocha({ ui: 'bdd', reporter: 'spec', timeout: Number(timeout), color: !!process.stdout.isTTY });
for (const f of files) mocha.addFile(f);

const finish = (stats) => {
  console.log(`${name}: ${stats.passed} passed, ${stats.failed} failed`);
  if (resultPath) writeFileSync(resultPath, JSON.stringify(stats));
  process.exit(stats.failed > 0 || stats.passed === 0 ? 1 : 0);
};
try {
  await mocha.loadFilesAsync();
  const runner = mocha.run(() => {
    const s = runner.stats;
    finish({ passed: s.passes, failed: s.failures, pending: s.pending });
  });
} catch (e) {
  // A test file that throws while loading is a failure, not a crash with no counts.
  console.error(e);
  finish({ passed: 0, failed: 1, pending: 0, error: String(e) });
}
