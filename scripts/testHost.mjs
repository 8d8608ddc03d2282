// A real VS Code for tests, offline: code-server 4.100.3 (VS Code 1.100.3, Node 20 extension host)
// driven by Debian's Chromium through playwright-core. How it works, and the facts behind every flag:
// docs/TEST-HOST.md.
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';

export const CODE_SERVER_VERSION = '4.100.3';
export const CHROMIUM_PATH = '/usr/bin/chromium';
export const THEMES = {
  dark: 'Default Dark Modern',
  light: 'Default Light Modern',
  highContrast: 'Default High Contrast',
  highContrastLight: 'Default High Contrast Light',
};

// Debian packages, each with what it is for and a probe that says whether it is there:
// - 'install': needed only while code-server is being installed (its postinstall builds the kerberos
//   native module from source, and @vscode/ripgrep's download cache is seeded from Debian's rg);
//   once installed, code-server runs without them.
// - 'test': only the tests use it: Chromium (the browser the integration and e2e layers drive),
//   a font for readable screenshots, nc (the node layer's plain peer), nft (soak, lab).
// `npm start` (purpose 'run') needs only the 'install' ones, and only before code-server is installed:
// the user opens the printed URL in a browser of their own.
const APT_DEPS = [
  { pkg: 'libkrb5-dev', for: 'install', probe: () => dpkgInstalled('libkrb5-dev') },
  { pkg: 'ripgrep', for: 'install', probe: () => hasCommand('rg') },
  { pkg: 'chromium', for: 'test', probe: () => fs.existsSync(CHROMIUM_PATH) },
  // Chromium is installed without its recommended packages: a font keeps screenshots readable.
  { pkg: 'fonts-dejavu-core', for: 'test', probe: () => dpkgInstalled('fonts-dejavu-core') },
  { pkg: 'netcat-openbsd', for: 'test', probe: () => dpkgInstalled('netcat-openbsd') },
  { pkg: 'nftables', for: 'test', probe: () => hasCommand('nft') },
];

export const PURPOSES = ['run', 'test'];

function aptDeps(purpose, { codeServerInstalled = false } = {}) {
  if (!PURPOSES.includes(purpose)) throw new Error(`unknown purpose "${purpose}" (use ${PURPOSES.join(' or ')})`);
  return APT_DEPS.filter((d) => (d.for === 'install' ? !codeServerInstalled : purpose === 'test'));
}

/**
 * The Debian packages `purpose` needs ('run': `npm start`; 'test': `npm test`), whether or not they
 * are installed. With codeServerInstalled, the packages needed only to install code-server drop out.
 */
export function aptPackages(purpose, opts = {}) {
  return aptDeps(purpose, opts).map((d) => d.pkg);
}

// Chromium switches that keep it quiet and offline (no sync, no component updates, no QUIC probing).
const CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
  '--disable-sync', '--no-first-run', '--disable-quic',
];

const log = (msg) => console.log(`[test-host] ${msg}`);

export function testHostDir() {
  return path.resolve(process.env.UDP_CHAT_TEST_HOST_DIR || path.join(os.homedir(), '.cache', 'udp-chat-test-host'));
}

function installDir() {
  return path.join(testHostDir(), `code-server-${CODE_SERVER_VERSION}`);
}

export function codeServerEntry() {
  return path.join(installDir(), 'node_modules', 'code-server', 'out', 'node', 'entry.js');
}

function hasCommand(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

function dpkgInstalled(pkg) {
  const r = spawnSync('dpkg-query', ['-W', '-f=${Status}', pkg], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.includes('install ok installed');
}

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', ...opts });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited with ${r.status ?? r.signal}`);
}

/**
 * Installs the missing Debian packages of `purpose` (see aptPackages; one apt-get update, one
 * install); a no-op when all are present.
 */
export function ensureAptDeps(purpose = 'test', opts = {}) {
  const missing = aptDeps(purpose, opts).filter((d) => !d.probe()).map((d) => d.pkg);
  if (missing.length === 0) return;
  log(`installing Debian packages: ${missing.join(' ')}`);
  const sudo = process.getuid?.() === 0 ? [] : ['sudo'];
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const apt = (...args) => (sudo.length ? run('sudo', ['apt-get', ...args], { env }) : run('apt-get', args, { env }));
  apt('update');
  apt('install', '-y', '--no-install-recommends', ...missing);
}

// @vscode/ripgrep's postinstall downloads rg from GitHub unless this cached archive exists;
// Debian's rg packed under the expected name satisfies it.
function seedRipgrepCache() {
  const triple = { x64: 'x86_64-unknown-linux-musl', arm64: 'aarch64-unknown-linux-gnu' }[process.arch];
  if (!triple) throw new Error(`no ripgrep cache name known for arch ${process.arch}`);
  const dir = path.join(os.tmpdir(), 'vscode-ripgrep-cache-1.15.11');
  const archive = path.join(dir, `ripgrep-v13.0.0-10-${triple}.tar.gz`);
  if (fs.existsSync(archive)) return;
  const rg = spawnSync('sh', ['-c', 'command -v rg'], { encoding: 'utf8' }).stdout.trim();
  if (!rg) throw new Error('rg not found (Debian package ripgrep)');
  fs.mkdirSync(dir, { recursive: true });
  const tmp = `${archive}.${process.pid}.tmp`;
  const real = fs.realpathSync(rg);
  run('tar', ['czf', tmp, '--transform', 's,.*,rg,', '-C', path.dirname(real), path.basename(real)]);
  fs.renameSync(tmp, archive);
}

function pidAlive(pid) {
  try { process.kill(pid, 0); return true; } catch (e) { return e.code === 'EPERM'; }
}

// mkdir is atomic: the lock holder writes its pid; a lock whose holder died is taken over.
async function withLock(lockDir, fn) {
  for (let waited = 0; ; waited += 1) {
    try {
      fs.mkdirSync(lockDir);
      fs.writeFileSync(path.join(lockDir, 'pid'), String(process.pid));
      break;
    } catch (e) {
      if (e.code !== 'EEXIST') throw e;
      let holder = NaN;
      try { holder = Number(fs.readFileSync(path.join(lockDir, 'pid'), 'utf8')); } catch { /* being written */ }
      if (Number.isInteger(holder) && holder > 0 && !pidAlive(holder)) {
        log(`removing stale install lock of dead pid ${holder}`);
        fs.rmSync(lockDir, { recursive: true, force: true });
        continue;
      }
      if (waited % 15 === 0) log(`waiting for another install (pid ${holder || '?'}) to finish`);
      await new Promise((r) => setTimeout(r, 2000));
    }
  }
  try { return await fn(); } finally { fs.rmSync(lockDir, { recursive: true, force: true }); }
}

/**
 * Installs code-server once into the cache directory (UDP_CHAT_TEST_HOST_DIR, default
 * ~/.cache/udp-chat-test-host) and returns the path of its entry.js. A marker written after a
 * successful install makes repeat calls instant; a half-finished install is wiped and redone.
 * `for`: 'test' (the default: `npm test`, the e2e harness) also installs the Debian packages only the
 * tests use; 'run' (`npm start`) installs only what code-server needs (see aptPackages).
 */
export async function ensureTestHost({ for: purpose = 'test' } = {}) {
  const dir = installDir();
  const marker = path.join(dir, '.installed');
  const ready = () => fs.existsSync(marker) && fs.existsSync(codeServerEntry());
  ensureAptDeps(purpose, { codeServerInstalled: ready() });
  if (ready()) return codeServerEntry();
  fs.mkdirSync(testHostDir(), { recursive: true });
  await withLock(`${dir}.lock`, async () => {
    if (ready()) return;
    const started = Date.now();
    log(`installing code-server@${CODE_SERVER_VERSION} into ${dir} (about 75 s, once)`);
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'udp-chat-test-host', private: true }));
    seedRipgrepCache();
    run('npm', ['install', '--no-save', '--no-package-lock', '--no-audit', '--no-fund', `code-server@${CODE_SERVER_VERSION}`], {
      cwd: dir,
      // node-pty's postinstall runs `npx node-gyp` (needs yes); nested installs as root need unsafe-perm.
      env: { ...process.env, npm_config_yes: 'true', npm_config_unsafe_perm: 'true', npm_config_update_notifier: 'false' },
    });
    if (!fs.existsSync(codeServerEntry())) throw new Error(`code-server install finished but ${codeServerEntry()} is missing`);
    fs.writeFileSync(marker, `${CODE_SERVER_VERSION} ${new Date().toISOString()}\n`);
    log(`code-server installed in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  });
  return codeServerEntry();
}

// Children we started, killed as whole process groups if this process exits first.
const liveGroups = new Set();
let exitHooked = false;
function trackGroup(pid) {
  liveGroups.add(pid);
  if (exitHooked) return;
  exitHooked = true;
  const killAll = () => { for (const p of liveGroups) { try { process.kill(-p, 'SIGKILL'); } catch { /* gone */ } } };
  process.on('exit', killAll);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.once(sig, () => { killAll(); process.exit(128 + os.constants.signals[sig]); });
  }
}

/** Settings that keep a test window quiet: no welcome page, telemetry, trust prompt or update checks. */
export function quietUserSettings({ colorTheme, settings } = {}) {
  return {
    'workbench.startupEditor': 'none',
    'workbench.welcomePage.walkthroughs.openOnInstall': false,
    'workbench.tips.enabled': false,
    'workbench.enableExperiments': false,
    'telemetry.telemetryLevel': 'off',
    'security.workspace.trust.enabled': false,
    'update.mode': 'none',
    'extensions.autoCheckUpdates': false,
    'extensions.autoUpdate': false,
    'extensions.ignoreRecommendations': true,
    'git.enabled': false,
    'window.restoreWindows': 'none',
    ...(colorTheme ? { 'workbench.colorTheme': THEMES[colorTheme] ?? colorTheme } : {}),
    ...settings,
  };
}

export function writeUserSettings(userDataDir, opts = {}) {
  const file = path.join(userDataDir, 'User', 'settings.json');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(quietUserSettings(opts), null, 2));
  return file;
}

/** Resolves with `preferred` when it is free on 127.0.0.1, else with 0 (any free port). */
export function freePortOr(preferred) {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(0));
    srv.listen(preferred, '127.0.0.1', () => srv.close(() => resolve(preferred)));
  });
}

/**
 * User settings for a window with Workspace Trust on and the folder left untrusted (Restricted Mode):
 * no startup dialog asks, the Restricted Mode banner shows. A fresh browser profile has trusted nothing.
 */
export const UNTRUSTED_SETTINGS = {
  'security.workspace.trust.enabled': true,
  'security.workspace.trust.startupPrompt': 'never',
  'security.workspace.trust.banner': 'always',
  'security.workspace.trust.untrustedFiles': 'open',
};

/**
 * Starts code-server; resolves once it listens. colorTheme is a key of THEMES or a theme name;
 * settings are merged into the user settings. Server output goes to `logFile` (default:
 * <userDataDir>/server.log), and to stdout too when `echo` is true or UDP_CHAT_TEST_VERBOSE is set.
 * Workspace Trust is off (--disable-workspace-trust and the user setting) unless `workspaceTrust` is
 * true: then the window opens its folder in Restricted Mode until the test trusts it (UNTRUSTED_SETTINGS).
 */
export async function startServer({
  workspace, userDataDir, extensionsDir, env = {}, port = 0, colorTheme, settings, echo, logFile, timeoutMs = 30_000, workspaceTrust = false,
} = {}) {
  const entry = codeServerEntry();
  if (!fs.existsSync(entry)) throw new Error(`code-server is not installed (${entry}); call ensureTestHost() first`);
  userDataDir ??= fs.mkdtempSync(path.join(os.tmpdir(), 'udp-chat-user-'));
  extensionsDir ??= path.join(userDataDir, 'extensions');
  fs.mkdirSync(extensionsDir, { recursive: true });
  if (workspace) fs.mkdirSync(workspace, { recursive: true });
  writeUserSettings(userDataDir, { colorTheme, settings: workspaceTrust ? { ...UNTRUSTED_SETTINGS, ...settings } : settings });
  const config = path.join(userDataDir, 'code-server.yaml');
  fs.writeFileSync(config, 'auth: none\ncert: false\n');
  logFile ??= path.join(userDataDir, 'server.log');
  const logStream = fs.createWriteStream(logFile);
  echo ??= !!process.env.UDP_CHAT_TEST_VERBOSE;

  const child = spawn(process.execPath, [
    entry, '--auth', 'none', '--bind-addr', `127.0.0.1:${port}`,
    '--disable-telemetry', '--disable-update-check', ...(workspaceTrust ? [] : ['--disable-workspace-trust']), '--ignore-last-opened',
    '--user-data-dir', userDataDir, '--extensions-dir', extensionsDir, '--config', config,
  ], {
    // An inherited VSCODE_IPC_HOOK_CLI makes code-server act as a CLI for another VS Code.
    env: { ...process.env, ...env, VSCODE_IPC_HOOK_CLI: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true, // own process group, so stop() also ends the extension host and its children
  });
  trackGroup(child.pid);
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal)));

  const url = await new Promise((resolve, reject) => {
    let buffered = '';
    const timer = setTimeout(() => reject(new Error(`code-server did not report its port within ${timeoutMs} ms; see ${logFile}`)), timeoutMs);
    const onData = (chunk) => {
      logStream.write(chunk);
      if (echo) process.stdout.write(chunk);
      buffered += chunk.toString();
      const m = /HTTP server listening on (http:\/\/127\.0\.0\.1:\d+)\/?/.exec(buffered);
      if (m) { clearTimeout(timer); buffered = ''; resolve(m[1]); }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    exited.then((code) => { clearTimeout(timer); reject(new Error(`code-server exited (${code}) before listening; see ${logFile}`)); });
  });
  const listeningPort = Number(new URL(url).port);

  let stopping;
  const stop = () => (stopping ??= (async () => {
    if (child.exitCode === null && child.signalCode === null) {
      try { process.kill(-child.pid, 'SIGTERM'); } catch { /* already gone */ }
      const killer = setTimeout(() => { try { process.kill(-child.pid, 'SIGKILL'); } catch { /* gone */ } }, 5000);
      await exited;
      clearTimeout(killer);
    }
    // The group may outlive its leader (extension host, pty host); make sure it is gone.
    try { process.kill(-child.pid, 'SIGKILL'); } catch { /* gone */ }
    liveGroups.delete(child.pid);
    logStream.end();
  })());
  return { url, port: listeningPort, userDataDir, extensionsDir, logFile, process: child, exited, stop };
}

/** URL that opens `workspace` with the extension under development loaded (and its tests, if given). */
export function workbenchUrl(server, { workspace, extensionDevelopmentPath, extensionTestsPath } = {}) {
  const remote = (p) => `vscode-remote://127.0.0.1:${server.port}${path.resolve(p)}`;
  const payload = [['skipWelcome', 'true']];
  if (extensionDevelopmentPath) payload.push(['extensionDevelopmentPath', remote(extensionDevelopmentPath)]);
  if (extensionTestsPath) payload.push(['extensionTestsPath', remote(extensionTestsPath)]);
  const query = [];
  if (workspace) query.push(`folder=${encodeURIComponent(path.resolve(workspace))}`);
  query.push(`payload=${encodeURIComponent(JSON.stringify(payload))}`);
  return `${server.url}/?${query.join('&')}`;
}

async function loadPlaywright() {
  // Resolve playwright-core from the repo (this file's node_modules), whatever the caller's cwd.
  const { createRequire } = await import('node:module');
  return createRequire(import.meta.url)('playwright-core');
}

/** Debian's Chromium through playwright-core (never `playwright install`: it downloads). */
export async function launchBrowser({ headless = !process.env.UDP_CHAT_HEADED, args = [] } = {}) {
  const { chromium } = await loadPlaywright();
  if (!fs.existsSync(CHROMIUM_PATH)) throw new Error(`${CHROMIUM_PATH} missing; run: node scripts/testHost.mjs install`);
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless, args: [...CHROMIUM_ARGS, ...args] });
}

// Offline workbench chatter that says nothing about the code under test (UDP_CHAT_TEST_VERBOSE shows it).
const CONSOLE_NOISE = [
  /^Failed to load resource/, /open-vsx\.org/, /Resolv(ing|ed) connection token/, /Creating a socket/,
  /\[Service Worker\]/, /web worker extension host is started/, /allow-scripts and allow-same-origin/,
  /^Overwriting extension/, /ChatSessionStore/, /Updating additional builtin extensions cache/, /vsda/,
  /^Found unexpected service worker controller/,
];

/**
 * Page console text without the workbench's styling: "%c INFO color: #33f msg" (window log) and
 * "%c[Extension Host] %cmsg color: blue color: " (extension-host console) both become "msg".
 */
export function consoleText(msg) {
  const text = msg.text();
  const host = /^%c\[Extension Host\] %c([\s\S]*?) color: blue color: ?$/.exec(text);
  if (host) return host[1];
  return text.replace(/^%c\s*(\w+)\s+color:\s*#[0-9a-fA-F]{3,8}\s?/, (_, level) => (level === 'INFO' ? '' : `[${level}] `));
}

function forwardConsole(page, onLine) {
  const verbose = !!process.env.UDP_CHAT_TEST_VERBOSE;
  page.on('console', (msg) => {
    const text = consoleText(msg);
    if (!verbose && CONSOLE_NOISE.some((re) => re.test(text))) return;
    for (const line of text.split('\n')) onLine(line, msg.type());
  });
  page.on('pageerror', (err) => onLine(`[page error] ${err.message}`, 'error'));
}

/**
 * Runs the mocha suite at extensionTestsPath inside a real extension host and resolves with its exit
 * code. Page console lines go to `onLine` (default: stdout). Always stops the browser and the server.
 */
export async function runExtensionTests({
  extensionDevelopmentPath, extensionTestsPath, workspace, timeoutMs = 5 * 60_000, env, onLine, colorTheme, settings,
}) {
  await ensureTestHost();
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'udp-chat-int-'));
  workspace ??= path.join(userDataDir, 'workspace');
  const print = onLine ?? ((line) => console.log(line));
  let server;
  let browser;
  let timer;
  let code;
  try {
    // Tests never announce on the machine's real network (mDNS): only the lab's namespaces may.
    server = await startServer({ workspace, userDataDir, env, colorTheme, settings: { 'udpChat.discoverable': false, ...settings } });
    browser = await launchBrowser();
    const context = await browser.newContext();
    let settle;
    let fail;
    const done = new Promise((resolve, reject) => { settle = resolve; fail = reject; });
    // Exposed before navigation: the workbench calls it when run() settles. Older builds passed (logs, code).
    await context.exposeFunction('codeAutomationExit', (...args) => {
      const code = args.find((a) => typeof a === 'number');
      settle(Number.isInteger(code) ? code : 1);
    });
    const page = await context.newPage();
    forwardConsole(page, print);
    page.on('crash', () => fail(new Error('the browser page crashed')));
    const timeout = new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(
        `extension tests did not finish within ${timeoutMs / 1000} s (server log: ${server.logFile})`)), timeoutMs);
    });
    server.exited.then((c) => fail(new Error(`code-server exited (${c}) during the tests; see ${server.logFile}`)));
    await page.goto(workbenchUrl(server, { workspace, extensionDevelopmentPath, extensionTestsPath }));
    code = await Promise.race([done, timeout]);
    if (code !== 0) print(`[test-host] kept ${userDataDir} (server.log, workspace) for inspection`);
    return code;
  } finally {
    clearTimeout(timer);
    await browser?.close().catch(() => {});
    await server?.stop();
    if (code === 0) fs.rmSync(userDataDir, { recursive: true, force: true });
  }
}

// `node scripts/testHost.mjs install [test|run]` prepares the host (default: for the tests); handy on a
// fresh CI machine.
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const purpose = process.argv[3] ?? 'test';
  if (process.argv[2] === 'install' && PURPOSES.includes(purpose) && process.argv.length <= 4) {
    const entry = await ensureTestHost({ for: purpose });
    log(`ready: ${entry}`);
  } else {
    console.error('usage: node scripts/testHost.mjs install [test|run]');
    process.exit(2);
  }
}
