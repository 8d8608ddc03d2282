// Where the history lives: a journal in the extension's workspace storage folder, never in settings
// (historyJournal.ts). Storage that is not a local folder (a browser-only VS Code) keeps the history
// in memory for the window's lifetime, and says so in the log.
import type * as vscode from 'vscode';
import type { HistoryStore } from './conversation';
import { HistoryJournal } from './historyJournal';

export function historyStore(dir: vscode.Uri, log: (line: string) => void): HistoryStore | undefined {
  if (dir.scheme === 'file') return new HistoryJournal(dir.fsPath);
  log(`History: the storage folder ${dir.toString()} is not on a local disk; the conversation is kept for this window only.`);
  return undefined;
}
