// extensionTestsPath module: the extension host loads it and awaits run() (see scripts/testHost.mjs).
import * as fs from 'node:fs';
import * as path from 'node:path';
import Mocha from 'mocha';

// Prints one line per test and the count line the CI reads, alone on its line.
class CountingReporter extends Mocha.reporters.Base {
  constructor(runner: Mocha.Runner, options?: Mocha.MochaOptions) {
    super(runner, options);
    let passed = 0;
    let failed = 0;
    runner.on('pass', (test) => { passed++; console.log(`  ok    ${test.fullTitle()} (${test.duration ?? 0} ms)`); });
    runner.on('fail', (test, err: Error) => {
      failed++;
      const detail = (err.stack ?? err.message).replace(/\n\s*/g, '\n        ');
      console.log(`  FAIL  ${test.fullTitle()}\n        ${detail}`);
    });
    runner.on('pending', (test) => console.log(`  skip  ${test.fullTitle()}`));
    runner.once('end', () => console.log(`integration: ${passed} passed, ${failed} failed`));
  }
}

function findTests(dir: string): string[] {
  return (fs.readdirSync(dir, { recursive: true }) as string[])
    .filter((f) => f.endsWith('.test.js'))
    .map((f) => path.join(dir, f))
    .sort();
}

export async function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'bdd', timeout: 30_000, color: false, reporter: CountingReporter });
  const files = findTests(__dirname);
  for (const f of files) mocha.addFile(f);
  if (files.length === 0) {
    console.log('integration: 0 passed, 0 failed');
    throw new Error(`no integration tests under ${__dirname}`);
  }
  const failures = await new Promise<number>((resolve, reject) => {
    try { mocha.run(resolve); } catch (e) { reject(e); }
  });
  if (failures > 0) throw new Error(`${failures} integration test(s) failed`);
}
