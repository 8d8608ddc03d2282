// History lives in the extension's workspace storage folder, never in settings. Written with a
// temporary file and a rename, so a crash never leaves half a file; the last write on shutdown is
// synchronous, because a reloading window does not wait for asynchronous work.
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ChatEntry } from '../shared/protocol';
import type { HistoryStorage } from './conversation';

interface HistoryFile { version: 1; entries: ChatEntry[] }

function parse(text: string): ChatEntry[] | undefined {
  const data = JSON.parse(text) as Partial<HistoryFile>;
  return data.version === 1 && Array.isArray(data.entries) ? data.entries : undefined;
}

export function fileHistoryStorage(dir: vscode.Uri): HistoryStorage {
  if (dir.scheme !== 'file') return workspaceFsStorage(dir);
  const file = path.join(dir.fsPath, 'history.json');
  const tmp = `${file}.tmp`;
  const body = (entries: ChatEntry[]) => JSON.stringify({ version: 1, entries } satisfies HistoryFile);
  return {
    async load() {
      try {
        return parse(await fs.promises.readFile(file, 'utf8'));
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw e;
      }
    },
    async save(entries) {
      await fs.promises.mkdir(dir.fsPath, { recursive: true });
      await fs.promises.writeFile(tmp, body(entries), 'utf8');
      await fs.promises.rename(tmp, file);
    },
    saveSync(entries) {
      fs.mkdirSync(dir.fsPath, { recursive: true });
      fs.writeFileSync(tmp, body(entries), 'utf8');
      fs.renameSync(tmp, file);
    },
  };
}

/** For storage that is not on a local disk (virtual workspaces). */
function workspaceFsStorage(dir: vscode.Uri): HistoryStorage {
  const file = vscode.Uri.joinPath(dir, 'history.json');
  return {
    async load() {
      try {
        return parse(Buffer.from(await vscode.workspace.fs.readFile(file)).toString('utf8'));
      } catch (e) {
        if (e instanceof vscode.FileSystemError && e.code === 'FileNotFound') return undefined;
        throw e;
      }
    },
    async save(entries) {
      await vscode.workspace.fs.createDirectory(dir);
      const tmp = vscode.Uri.joinPath(dir, 'history.json.tmp');
      await vscode.workspace.fs.writeFile(tmp, Buffer.from(JSON.stringify({ version: 1, entries }), 'utf8'));
      await vscode.workspace.fs.rename(tmp, file, { overwrite: true });
    },
  };
}
