// `npm start`: build, then serve a real VS Code (code-server) on 127.0.0.1 with this extension
// loaded as the extension under development. Ctrl-C stops it. It installs only what running needs
// (code-server, and the Debian packages its install needs), not the test-only packages: no browser is
// installed, you open the printed URL in your own.
//
// usage: npm start [-- [--no-build] [--keep-user-data] [<workspace folder>]]
//   --no-build         serve dist/ as it is
//   --keep-user-data   reuse one user-data folder across runs (<test host dir>/start-user-data):
//                      user settings, the extension's conversation history (workspace storage) and logs stay
// env: PORT (default 8080, else any free port);
//   UDP_CHAT_WORKSPACE   the folder to open (default: a scratch folder, so the repo's
//                        .vscode/settings.json stays untouched);
//   UDP_CHAT_USER_DATA   a user-data folder of your choice, kept (implies --keep-user-data);
//   UDP_CHAT_THEME       dark, light, highContrast, highContrastLight or a theme name;
//   UDP_CHAT_EXTENSION_PATH  the extension to load (default: this repository).
// Without --keep-user-data or UDP_CHAT_USER_DATA each run gets a fresh, empty user-data folder (a new
// temp dir, removed when npm start ends): no state from an earlier run, and two `npm start`s at once
// do not share one.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ensureTestHost, freePortOr, startServer, testHostDir, workbenchUrl } from './testHost.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * What one `npm start` will do, from its arguments and environment. Creates the user-data folder
 * (a fresh temp dir unless kept) and the workspace folder; starts nothing.
 */
export function planStart({ argv = [], env = {}, hostDir = testHostDir(), tmpDir = tmpdir() } = {}) {
  const unknown = argv.filter((a) => a.startsWith('--') && a !== '--no-build' && a !== '--keep-user-data');
  if (unknown.length) throw new Error(`unknown option ${unknown[0]} (npm start [-- [--no-build] [--keep-user-data] [<workspace folder>]])`);
  const folders = argv.filter((a) => !a.startsWith('--'));
  if (folders.length > 1) throw new Error(`give one workspace folder, not ${folders.length}`);
  const workspace = resolve(folders[0] || env.UDP_CHAT_WORKSPACE || join(hostDir, 'playground'));
  const keepUserData = argv.includes('--keep-user-data') || !!env.UDP_CHAT_USER_DATA;
  let userDataDir;
  if (env.UDP_CHAT_USER_DATA) userDataDir = resolve(env.UDP_CHAT_USER_DATA);
  else if (keepUserData) userDataDir = join(hostDir, 'start-user-data');
  else userDataDir = mkdtempSync(join(tmpDir, 'udp-chat-start-'));
  mkdirSync(userDataDir, { recursive: true });
  mkdirSync(workspace, { recursive: true });
  return {
    workspace,
    userDataDir,
    keepUserData,
    build: !argv.includes('--no-build'),
    port: Number(env.PORT || 8080),
    extensionDevelopmentPath: resolve(env.UDP_CHAT_EXTENSION_PATH || root),
    colorTheme: env.UDP_CHAT_THEME || undefined,
  };
}

async function main() {
  let plan;
  try {
    plan = planStart({ argv: process.argv.slice(2), env: process.env });
  } catch (e) {
    console.error(`[start] ${e.message}`);
    process.exit(2);
  }
  // A fresh user-data folder is this run's alone: removed on the way out (Ctrl-C included).
  const removeUserData = () => rmSync(plan.userDataDir, { recursive: true, force: true, maxRetries: 3 });
  if (!plan.keepUserData) process.on('exit', removeUserData);

  await ensureTestHost({ for: 'run' });
  if (plan.build && spawnSync(process.execPath, [join(root, 'scripts', 'build.mjs')], { stdio: 'inherit', cwd: root }).status !== 0) {
    console.error('[start] build failed');
    process.exit(1);
  }

  const port = await freePortOr(plan.port);
  const server = await startServer({ workspace: plan.workspace, userDataDir: plan.userDataDir, port, colorTheme: plan.colorTheme });
  // Again, now after the test host's own exit hook (which kills code-server's process group), so the
  // folder goes once nothing writes to it any more.
  if (!plan.keepUserData) process.off('exit', removeUserData).on('exit', removeUserData);
  if (port !== plan.port) console.log(`[start] port ${plan.port} is busy; using ${server.port}`);
  const url = workbenchUrl(server, { workspace: plan.workspace, extensionDevelopmentPath: plan.extensionDevelopmentPath });
  console.log(`
  UDP Chat in VS Code (code-server 4.100.3) is running.
  Workspace: ${plan.workspace}
  User data: ${plan.userDataDir} (${plan.keepUserData ? 'kept' : 'fresh, removed when this stops; keep one with --keep-user-data'})
  Server log: ${server.logFile}

  Open: ${url}

  The payload in the URL loads the extension from ${plan.extensionDevelopmentPath};
  after a rebuild (npm run build), reload the window. Ctrl-C to stop.
`);
  const code = await server.exited;
  // The server ended by itself: keep its log (in the user-data folder) for a look.
  process.off('exit', removeUserData);
  console.error(`[start] code-server exited (${code}); its log: ${server.logFile}`);
  process.exitCode = 1;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
