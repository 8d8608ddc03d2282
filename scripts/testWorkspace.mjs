// A fresh scratch workspace for the integration suite in desktop VS Code (the "Extension Tests"
// launch configuration in .vscode/launch.json): the suite writes .vscode/settings.json of the folder
// it runs in, so it must never be this repository. Its settings keep discovery off: tests never
// announce on the machine's real network (as scripts/testHost.mjs does for `npm test`).
// usage: node scripts/testWorkspace.mjs [folder]   (default .vscode-test/workspace; emptied first)
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const TEST_WORKSPACE_SETTINGS = { 'udpChat.discoverable': false };

/** Empties (or creates) `folder` and writes its .vscode/settings.json; returns the folder. */
export function prepareTestWorkspace(folder = join(root, '.vscode-test', 'workspace')) {
  const dir = resolve(folder);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, '.vscode'), { recursive: true });
  writeFileSync(join(dir, '.vscode', 'settings.json'), `${JSON.stringify(TEST_WORKSPACE_SETTINGS, null, 2)}\n`);
  return dir;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  console.log(`[test-workspace] ${prepareTestWorkspace(process.argv[2])}`);
}
