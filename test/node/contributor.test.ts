// The desktop VS Code setup for contributors (.vscode/) holds together: the files parse, every task a
// launch configuration or another task names exists, the watch task's problem matcher reads what
// `npm run watch` really prints, the integration launch runs the compiled suite in a scratch folder,
// and git keeps launch/tasks/extensions but never a settings.json.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as ts from 'typescript';

const repoRoot = path.resolve(__dirname, '..', '..', '..');
const importEsm = new Function('specifier', 'return import(specifier)') as (s: string) => Promise<unknown>;

interface Task {
  label: string; type?: string; script?: string; command?: string; args?: string[]; isBackground?: boolean; dependsOn?: string[];
  problemMatcher?: string | unknown[] | {
    pattern: { regexp: string; file: number; line: number; column: number; severity: number; message: number };
    background: { beginsPattern: string; endsPattern: string };
  };
}
interface LaunchConfig { name: string; type: string; request: string; args: string[]; preLaunchTask?: string }
interface Message { text: string; location?: { file: string; line: number; column: number } }
interface WatchReport {
  WATCH_BEGIN: string; WATCH_END: string;
  formatMessage(kind: string, m: Message): string;
  watchReporter(print: (line: string) => void): { setup(build: FakeBuild): void };
}
interface FakeBuild { onStart(cb: () => void): void; onEnd(cb: (r: { errors: Message[]; warnings: Message[] }) => void): void }

/** JSON with comments and trailing commas, as VS Code reads these files. */
function readJsonc<T>(rel: string): T {
  const file = path.join(repoRoot, rel);
  const r = ts.parseConfigFileTextToJson(file, fs.readFileSync(file, 'utf8'));
  if (r.error) throw new Error(`${rel}: ${ts.flattenDiagnosticMessageText(r.error.messageText, '\n')}`);
  return r.config as T;
}

describe('contributor setup (.vscode/)', () => {
  const tasks = () => readJsonc<{ tasks: Task[] }>('.vscode/tasks.json').tasks;
  const launch = () => readJsonc<{ configurations: LaunchConfig[] }>('.vscode/launch.json').configurations;
  const watchTask = () => {
    const t = tasks().find((x) => x.label === 'watch');
    assert.ok(t, 'a task labelled watch');
    return t;
  };
  const matcher = () => {
    const m = watchTask().problemMatcher;
    assert.ok(m && typeof m === 'object' && !Array.isArray(m), 'the watch task defines its problem matcher inline');
    return m;
  };

  it('launch.json, tasks.json and extensions.json parse; every named task exists', () => {
    const labels = new Set(tasks().map((t) => t.label));
    assert.ok(Array.isArray(readJsonc<{ recommendations: unknown }>('.vscode/extensions.json').recommendations));
    const configs = launch();
    assert.deepEqual(configs.map((c) => c.name).sort(), ['Extension Tests', 'Run Extension']);
    for (const c of configs) {
      assert.equal(c.type, 'extensionHost');
      assert.ok(c.args.includes('--extensionDevelopmentPath=${workspaceFolder}'), `${c.name} loads this folder as the extension`);
      assert.ok(c.preLaunchTask && labels.has(c.preLaunchTask), `${c.name}: preLaunchTask ${c.preLaunchTask} is a task`);
    }
    for (const t of tasks()) for (const d of t.dependsOn ?? []) assert.ok(labels.has(d), `${t.label} depends on ${d}, which is not a task`);
  });

  it('the watch task is `npm run watch` (build.mjs --watch), in the background', () => {
    const t = watchTask();
    assert.deepEqual([t.type, t.script, t.isBackground], ['npm', 'watch', true]);
    const pkg = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    assert.equal(pkg.scripts.watch, 'node scripts/build.mjs --watch');
    assert.equal(launch().find((c) => c.name === 'Run Extension')?.preLaunchTask, 'watch');
  });

  it('its problem matcher reads the reporter\'s lines: begin, file:line:column, severity, message, end', async () => {
    const report = await importEsm(path.join(repoRoot, 'scripts', 'watchReport.mjs')) as WatchReport;
    const m = matcher();
    const lines: string[] = [];
    const plugin = report.watchReporter((l) => lines.push(l));
    // Two bundles (esbuild contexts) that share a file with an error: one cycle, the error once.
    const starts: Array<() => void> = [];
    const ends: Array<(r: { errors: Message[]; warnings: Message[] }) => void> = [];
    for (let i = 0; i < 2; i++) plugin.setup({ onStart: (cb) => starts.push(cb), onEnd: (cb) => ends.push(cb) });
    const error = { text: 'Expected ";" but found "x"', location: { file: 'src/core/address.ts', line: 12, column: 4 } };
    const warning = { text: 'Comparison with -0', location: { file: 'src/cli/main.ts', line: 3, column: 0 } };
    starts[0]();
    starts[1]();
    ends[0]({ errors: [error], warnings: [] });
    ends[1]({ errors: [error], warnings: [warning] });
    assert.deepEqual(lines, [
      '[watch] build started',
      'src/core/address.ts:12:5: error: Expected ";" but found "x"',
      'src/cli/main.ts:3:1: warning: Comparison with -0',
      '[watch] build finished (1 error, 1 warning)',
    ]);
    assert.match(lines[0], new RegExp(m.background.beginsPattern));
    assert.match(lines[3], new RegExp(m.background.endsPattern));
    assert.doesNotMatch(lines[3], new RegExp(m.background.beginsPattern));
    const re = new RegExp(m.pattern.regexp);
    const hit = re.exec(lines[1]);
    assert.ok(hit, 'the error line matches the pattern');
    assert.deepEqual([hit[m.pattern.file], hit[m.pattern.line], hit[m.pattern.column], hit[m.pattern.severity], hit[m.pattern.message]],
      ['src/core/address.ts', '12', '5', 'error', 'Expected ";" but found "x"']);
    assert.equal(re.exec(lines[2])?.[m.pattern.severity], 'warning');
    for (const l of [lines[0], lines[3]]) assert.equal(re.exec(l), null, `${l} is not a problem`);
  });

  it('build.mjs --watch prints the begin and end lines the matcher waits for', async function () {
    this.timeout(60_000);
    const m = matcher();
    const child = spawn(process.execPath, [path.join(repoRoot, 'scripts', 'build.mjs'), '--watch'], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => { out += String(d); });
    child.stderr.on('data', (d) => { out += String(d); });
    try {
      const deadline = Date.now() + 50_000;
      while (!new RegExp(m.background.endsPattern, 'm').test(out)) {
        if (child.exitCode !== null || Date.now() > deadline) throw new Error(`no end line from build.mjs --watch:\n${out}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      const lines = out.split('\n');
      const begin = lines.findIndex((l) => new RegExp(m.background.beginsPattern).test(l));
      const end = lines.findIndex((l) => new RegExp(m.background.endsPattern).test(l));
      assert.ok(begin >= 0 && begin < end, out);
      assert.match(lines[end], /\(0 errors, 0 warnings\)/);
    } finally {
      child.kill('SIGTERM');
    }
  });

  it('"Extension Tests" runs the compiled integration suite in a scratch folder with discovery off', async () => {
    const c = launch().find((x) => x.name === 'Extension Tests');
    assert.ok(c);
    const testsPath = c.args.find((a) => a.startsWith('--extensionTestsPath='))?.split('=')[1].replace('${workspaceFolder}', repoRoot);
    assert.ok(testsPath && fs.existsSync(`${testsPath}.js`), `${testsPath}.js is the suite's entry (built by buildTests)`);
    assert.equal(path.relative(repoRoot, `${testsPath}.js`), path.join('out', 'test', 'integration', 'index.js'));
    const folder = c.args[0].replace('${workspaceFolder}', repoRoot);
    assert.equal(path.relative(repoRoot, folder), path.join('.vscode-test', 'workspace'), 'never the repository itself');
    assert.equal(spawnSync('git', ['check-ignore', '-q', folder], { cwd: repoRoot }).status, 0, 'the scratch folder is git-ignored');
    const build = tasks().find((t) => t.label === c.preLaunchTask);
    assert.deepEqual(build?.dependsOn, ['build', 'compile tests', 'test workspace']);
    assert.deepEqual(tasks().find((t) => t.label === 'test workspace')?.args, ['scripts/testWorkspace.mjs']);
    const ws = await importEsm(path.join(repoRoot, 'scripts', 'testWorkspace.mjs')) as { prepareTestWorkspace(f: string): string };
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'udp-chat-tw-'));
    try {
      const dir = path.join(tmp, 'ws');
      fs.mkdirSync(path.join(dir, '.vscode'), { recursive: true });
      fs.writeFileSync(path.join(dir, '.vscode', 'settings.json'), '{"udpChat.peer": "192.0.2.1:5"}');
      fs.writeFileSync(path.join(dir, 'left-over.txt'), 'x');
      assert.equal(ws.prepareTestWorkspace(dir), dir);
      assert.deepEqual(fs.readdirSync(dir), ['.vscode'], 'emptied first');
      assert.deepEqual(JSON.parse(fs.readFileSync(path.join(dir, '.vscode', 'settings.json'), 'utf8')), { 'udpChat.discoverable': false });
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });

  it('git keeps launch.json, tasks.json and extensions.json, and ignores .vscode/settings.json', () => {
    const ignored = (rel: string) => spawnSync('git', ['check-ignore', '-q', rel], { cwd: repoRoot }).status === 0;
    assert.equal(ignored('.vscode/settings.json'), true);
    for (const f of ['.vscode/launch.json', '.vscode/tasks.json', '.vscode/extensions.json']) assert.equal(ignored(f), false, `${f} is ignored`);
    const tracked = spawnSync('git', ['ls-files', '.vscode'], { cwd: repoRoot, encoding: 'utf8' }).stdout;
    assert.doesNotMatch(tracked, /settings\.json/, 'no settings.json (with a peer) committed');
  });
});
