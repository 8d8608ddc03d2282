// The getting-started walkthrough (package.json contributes.walkthroughs) opens once, the first
// time the extension runs for this user, not on every start: globalState remembers it. It follows
// VS Code's own setting for walkthroughs of new extensions (workbench.welcomePage.walkthroughs.openOnInstall):
// off there, it stays closed here too (the test hosts turn it off); it is on the Welcome page either way.
import * as vscode from 'vscode';
import { EXTENSION_ID, WALKTHROUGH_ID } from '../constants';

/** globalState key: the walkthrough was opened (or skipped because the user turned walkthroughs off). */
export const STATE_WALKTHROUGH_OPENED = 'udpChat.walkthroughOpened';

/** Opens the walkthrough if it never was; resolves whether it did now. */
export async function openWalkthroughOnce(state: vscode.Memento): Promise<boolean> {
  if (state.get<boolean>(STATE_WALKTHROUGH_OPENED)) return false;
  await state.update(STATE_WALKTHROUGH_OPENED, true);
  if (!vscode.workspace.getConfiguration('workbench').get<boolean>('welcomePage.walkthroughs.openOnInstall', true)) return false;
  await vscode.commands.executeCommand('workbench.action.openWalkthrough', `${EXTENSION_ID}#${WALKTHROUGH_ID}`, false);
  return true;
}
