// Integration tests in a desktop VS Code downloaded by @vscode/test-electron: for machines that
// reach update.code.visualstudio.com. Offline, `npm test` runs the same suite in code-server.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runTests } from '@vscode/test-electron';

async function main(): Promise<void> {
  const extensionDevelopmentPath = path.resolve(__dirname, '..', '..');
  const extensionTestsPath = path.resolve(__dirname, 'integration', 'index.js');
  const workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'udp-chat-electron-'));
  // Tests never announce on the machine's real network (as in scripts/testHost.mjs and scripts/testWorkspace.mjs).
  fs.mkdirSync(path.join(workspace, '.vscode'));
  fs.writeFileSync(path.join(workspace, '.vscode', 'settings.json'), JSON.stringify({ 'udpChat.discoverable': false }, null, 2));
  try {
    await runTests({
      version: process.env.VSCODE_VERSION ?? 'stable',
      extensionDevelopmentPath,
      extensionTestsPath,
      launchArgs: [workspace, '--disable-extensions', '--disable-workspace-trust', '--skip-welcome', '--skip-release-notes'],
    });
  } finally {
    fs.rmSync(workspace, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error('integration tests (electron) failed:', err);
  process.exit(1);
});
