// `npm start` (scripts/start.mjs) and what it installs (scripts/testHost.mjs): the planning function
// and the package lists directly, then the real script as a process, twice, against the installed
// code-server.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

const repoRoot = path.resolve(__dirname, '..', '..', '..');
const startScript = path.join(repoRoot, 'scripts', 'start.mjs');

interface StartPlan {
  workspace: string; userDataDir: string; keepUserData: boolean; build: boolean; port: number;
  extensionDevelopmentPath: string; colorTheme?: string;
}
interface StartModule { planStart(o: { argv?: string[]; env?: NodeJS.ProcessEnv; hostDir?: string; tmpDir?: string }): StartPlan }
interface TestHostModule {
  PURPOSES: string[];
  aptPackages(purpose: string, o?: { codeServerInstalled?: boolean }): string[];
  codeServerEntry(): string;
}
// tsc (module commonjs) would turn import() into require(), which cannot load an .mjs file.
const importEsm = new Function('specifier', 'return import(specifier)') as (s: string) => Promise<unknown>;

describe('npm start', () => {
  let start: StartModule;
  let host: TestHostModule;
  let scratch: string;
  before(async () => {
    start = await importEsm(startScript) as StartModule;
    host = await importEsm(path.join(repoRoot, 'scripts', 'testHost.mjs')) as TestHostModule;
  });
  beforeEach(() => { scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'udp-chat-start-test-')); });
  afterEach(() => fs.rmSync(scratch, { recursive: true, force: true }));

  describe('planStart', () => {
    const plan = (argv: string[] = [], env: NodeJS.ProcessEnv = {}) =>
      start.planStart({ argv, env, hostDir: path.join(scratch, 'host'), tmpDir: path.join(scratch, 'tmp') });
    beforeEach(() => fs.mkdirSync(path.join(scratch, 'tmp')));

    it('gives every run a fresh, empty user-data folder of its own in the temp dir', () => {
      const a = plan();
      const b = plan();
      assert.notEqual(a.userDataDir, b.userDataDir);
      for (const p of [a, b]) {
        assert.equal(p.keepUserData, false);
        assert.equal(path.dirname(p.userDataDir), path.join(scratch, 'tmp'));
        assert.deepEqual(fs.readdirSync(p.userDataDir), []);
      }
      assert.equal(a.workspace, path.join(scratch, 'host', 'playground'), 'the workspace stays the scratch folder');
      assert.equal(a.build, true);
    });

    it('--keep-user-data reuses one folder in the test host dir; UDP_CHAT_USER_DATA names one', () => {
      const kept = path.join(scratch, 'host', 'start-user-data');
      const a = plan(['--keep-user-data']);
      const b = plan(['--keep-user-data', '--no-build']);
      assert.deepEqual([a.userDataDir, b.userDataDir, a.keepUserData, b.keepUserData, b.build], [kept, kept, true, true, false]);
      const mine = path.join(scratch, 'mine');
      const c = plan([], { UDP_CHAT_USER_DATA: mine });
      assert.deepEqual([c.userDataDir, c.keepUserData], [mine, true]);
      assert.ok(fs.statSync(mine).isDirectory());
      assert.deepEqual(fs.readdirSync(path.join(scratch, 'tmp')), [], 'no temp folder when one is kept');
    });

    it('takes one workspace folder (argument before UDP_CHAT_WORKSPACE) and refuses unknown options', () => {
      const ws = path.join(scratch, 'ws');
      assert.equal(plan([ws]).workspace, ws);
      assert.equal(plan([], { UDP_CHAT_WORKSPACE: path.join(scratch, 'env-ws') }).workspace, path.join(scratch, 'env-ws'));
      assert.equal(plan([ws], { UDP_CHAT_WORKSPACE: path.join(scratch, 'env-ws') }).workspace, ws);
      assert.equal(plan([], { PORT: '9000' }).port, 9000);
      assert.throws(() => plan(['--keep-userdata']), /unknown option --keep-userdata/);
      assert.throws(() => plan(['a', 'b']), /one workspace folder/);
    });
  });

  describe('packages', () => {
    const testOnly = ['chromium', 'fonts-dejavu-core', 'netcat-openbsd', 'nftables'];

    it('running installs none of the test-only Debian packages; the tests get them all', () => {
      const run = host.aptPackages('run');
      const test = host.aptPackages('test');
      for (const p of testOnly) {
        assert.ok(!run.includes(p), `npm start would install ${p}`);
        assert.ok(test.includes(p), `npm test would not install ${p}`);
      }
      assert.deepEqual(run, ['libkrb5-dev', 'ripgrep'], 'what installing code-server needs');
      for (const p of run) assert.ok(test.includes(p));
    });

    it('once code-server is installed, running needs no Debian package at all', () => {
      assert.deepEqual(host.aptPackages('run', { codeServerInstalled: true }), []);
      assert.deepEqual(host.aptPackages('test', { codeServerInstalled: true }), testOnly);
      assert.throws(() => host.aptPackages('deploy'), /unknown purpose "deploy"/);
    });
  });

  describe('the script', () => {
    it('an unknown option exits 2 with one line, before installing or building anything', () => {
      const r = spawnSync(process.execPath, [startScript, '--frobnicate'], { encoding: 'utf8', env: { ...process.env, TMPDIR: scratch } });
      assert.equal(r.status, 2);
      assert.equal(r.stderr.trim(), '[start] unknown option --frobnicate (npm start [-- [--no-build] [--keep-user-data] [<workspace folder>]])');
      assert.equal(r.stdout, '');
      assert.deepEqual(fs.readdirSync(scratch), []);
    });

    // The real npm start, twice: each serves VS Code from a new temp user-data folder, and removes it on Ctrl-C.
    it('serves VS Code from a fresh user-data folder per run and removes it on Ctrl-C', async function () {
      if (!fs.existsSync(host.codeServerEntry())) this.skip(); // npm test installs it first (ensureTestHost)
      if (!fs.existsSync(path.join(repoRoot, 'dist', 'extension.js'))) throw new Error('build first (node scripts/build.mjs)');
      const runOnce = async () => {
        const child = spawn(process.execPath, [startScript, '--no-build', path.join(scratch, 'ws')], {
          env: { ...process.env, TMPDIR: scratch, PORT: '0', UDP_CHAT_USER_DATA: '' },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let out = '';
        child.stdout.on('data', (d) => { out += String(d); });
        child.stderr.on('data', (d) => { out += String(d); });
        const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
        try {
          const deadline = Date.now() + 60_000;
          while (!/Open: http/.test(out)) {
            if (child.exitCode !== null || Date.now() > deadline) throw new Error(`npm start did not serve:\n${out}`);
            await new Promise((r) => setTimeout(r, 200));
          }
          const userData = /User data: (\S+) \(fresh/.exec(out)?.[1];
          assert.ok(userData, `no fresh user-data line in:\n${out}`);
          assert.equal(path.dirname(userData), scratch, 'under the temp dir');
          assert.ok(fs.existsSync(path.join(userData, 'code-server-ipc.sock')), 'code-server runs on it (its IPC socket is there)');
          const url = /Open: (\S+)/.exec(out)![1];
          const res = await fetch(url);
          assert.equal(res.status, 200);
          await res.arrayBuffer();
          child.kill('SIGINT');
          await exited;
          assert.ok(!fs.existsSync(userData), `${userData} is still there after Ctrl-C`);
          return userData;
        } finally {
          // Ctrl-C is what stops code-server's process group too; SIGKILL only if that did not work.
          if (child.exitCode === null) child.kill('SIGINT');
          const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
          await exited;
          clearTimeout(timer);
        }
      };
      const first = await runOnce();
      const second = await runOnce();
      assert.notEqual(first, second);
    });
  });
});
