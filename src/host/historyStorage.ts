// History lives in the extension's workspace storage folder, never in settings.
import * as vscode from 'vscode';
import type { ChatEntry } from '../shared/protocol';
import type { HistoryStorage } from './conversation';

export function fileHistoryStorage(dir: vscode.Uri): HistoryStorage {
  const file = vscode.Uri.joinPath(dir, 'history.json');
  return {
    async load() {
      try {
        const bytes = await vscode.workspace.fs.readFile(file);
        const data = JSON.parse(Buffer.from(bytes).toString('utf8')) as { version?: number; entries?: ChatEntry[] };
        return data.version === 1 && Array.isArray(data.entries) ? data.entries : undefined;
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
