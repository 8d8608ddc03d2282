// The getting-started walkthrough (package.json contributes.walkthroughs) opens once, the first
// time the extension runs for this user, not on every start: globalState remembers it. It follows
// VS Code's own setting for walkthroughs of new extensions (workbench.welcomePage.walkthroughs.openOnInstall):
// off there, it stays closed here too (the test hosts turn it off); it is on the Welcome page either way.
import * as vscode from 'vscode';
import { EXTENSION_ID, WALKTHROUGH_ID } from '../constants';

/** globalState key: the walkthrough was opened (or skipped because the user turned walkthroughs off). */
export const STATE_WALKTHROUGH_OPENED = 'udpChat.walkthroughOpened';

/**
 * Opens the walkthrough if it never was; resolves whether it did now. `installed`: the extension runs
 * as an installed extension (ExtensionMode.Production). A development or test host opens it only when
 * asked explicitly (the user setting true, or UDP_CHAT_OPEN_WALKTHROUGH=1 in the extension host's
 * environment, which the walkthrough's end-to-end test sets): there the settings can still be loading when the extension
 * activates (code-server read the default, true, in the end-to-end tests), and a walkthrough that
 * takes the editor and the keyboard breaks every test that types.
 */
export async function openWalkthroughOnce(state: vscode.Memento, installed = true): Promise<boolean> {
  if (state.get<boolean>(STATE_WALKTHROUGH_OPENED)) return false;
  const setting = vscode.workspace.getConfiguration('workbench').inspect<boolean>('welcomePage.walkthroughs.openOnInstall');
  const asked = setting?.globalValue === true || process.env.UDP_CHAT_OPEN_WALKTHROUGH === '1';
  const wanted = installed ? (setting?.globalValue ?? setting?.defaultValue ?? true) !== false : asked;
  if (!installed && !wanted) return false; // not remembered: a development host decides again next time
  await state.update(STATE_WALKTHROUGH_OPENED, true);
  if (!wanted) return false;
  await vscode.commands.executeCommand('workbench.action.openWalkthrough', `${EXTENSION_ID}#${WALKTHROUGH_ID}`, false);
  return true;
}
