// `npm start`: build, then serve a real VS Code (code-server) on 127.0.0.1 with this extension
// loaded as the extension under development. Ctrl-C stops it.
// usage: npm start [-- [--no-build] <workspace folder>]   env: PORT (default 8080, else any free port),
// UDP_CHAT_WORKSPACE (default: a scratch folder, so the repo's .vscode/settings.json stays untouched).
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureTestHost, freePortOr, startServer, testHostDir, workbenchUrl } from './testHost.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const extensionDevelopmentPath = resolve(process.env.UDP_CHAT_EXTENSION_PATH || root);
const args = process.argv.slice(2);
const workspace = resolve(args.find((a) => !a.startsWith('--')) || process.env.UDP_CHAT_WORKSPACE || join(testHostDir(), 'playground'));
mkdirSync(workspace, { recursive: true });

await ensureTestHost();
if (!args.includes('--no-build') && spawnSync(process.execPath, [join(root, 'scripts', 'build.mjs')], { stdio: 'inherit', cwd: root }).status !== 0) {
  console.error('[start] build failed');
  process.exit(1);
}

const wanted = Number(process.env.PORT || 8080);
const port = await freePortOr(wanted);
const server = await startServer({
  workspace,
  userDataDir: join(testHostDir(), 'start-user-data'),
  port,
  colorTheme: process.env.UDP_CHAT_THEME,
});
if (port !== wanted) console.log(`[start] port ${wanted} is busy; using ${server.port}`);
const url = workbenchUrl(server, { workspace, extensionDevelopmentPath });
console.log(`
  UDP Chat in VS Code (code-server 4.100.3) is running.
  Workspace: ${workspace}
  Server log: ${server.logFile}

  Open: ${url}

  The payload in the URL loads the extension from ${extensionDevelopmentPath};
  after a rebuild (npm run build), reload the window. Ctrl-C to stop.
`);
process.exitCode = await server.exited.then(() => 1);
