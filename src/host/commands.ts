// The palette commands (ids in src/constants.ts, contributed in package.json): registration, and
// what each does around the controller (confirmations, the passphrase store, the context key that
// offers Clear Passphrase). A failing command is logged and shown, never thrown at VS Code.
import * as vscode from 'vscode';
import { Commands, SECRET_PASSPHRASE } from '../constants';
import type { ChatController } from './chatController';
import type { PassphraseStore } from './passphrase';

export function registerCommands(
  ctl: ChatController,
  passphrase: PassphraseStore,
  secrets: vscode.SecretStorage,
  log: vscode.LogOutputChannel,
): vscode.Disposable[] {
  // The palette offers Clear Passphrase only when there is one.
  const syncPassphraseContext = async () => ctl.contextKeys.set({ hasPassphrase: await passphrase.has() });
  void syncPassphraseContext();

  const guard = (fn: () => unknown) => async () => {
    try {
      await fn();
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      log.error(msg);
      void vscode.window.showErrorMessage(vscode.l10n.t('UDP Chat: {0}', msg));
    }
  };

  return [
    secrets.onDidChange((e) => { if (e.key === SECRET_PASSPHRASE) void syncPassphraseContext(); }),
    vscode.commands.registerCommand(Commands.start, guard(() => ctl.start())),
    vscode.commands.registerCommand(Commands.setPeer, (arg?: unknown) => guard(() => ctl.setPeer(typeof arg === 'string' ? arg : undefined))()),
    vscode.commands.registerCommand(Commands.endSession, guard(() => ctl.endSession())),
    vscode.commands.registerCommand(Commands.sendSelection, guard(() => ctl.sendSelection())),
    vscode.commands.registerCommand(Commands.clearHistory, guard(async () => {
      const pick = await vscode.window.showWarningMessage(vscode.l10n.t('Delete the chat history of this workspace?'), { modal: true }, vscode.l10n.t('Clear History'));
      if (pick) ctl.clearHistory();
    })),
    vscode.commands.registerCommand(Commands.verifyPeer, guard(() => ctl.verifyPeer())),
    vscode.commands.registerCommand(Commands.acceptPeerKey, guard(() => ctl.acceptPeerKey())),
    vscode.commands.registerCommand(Commands.addPeer, (arg?: unknown) => guard(() => ctl.addPeer(typeof arg === 'string' ? arg : undefined))()),
    vscode.commands.registerCommand(Commands.newGroup, guard(() => ctl.newGroup())),
    vscode.commands.registerCommand(Commands.block, (arg?: unknown) => guard(() => ctl.actionsOnPeople.blockCommand(typeof arg === 'string' ? arg : undefined))()),
    vscode.commands.registerCommand(Commands.unblock, (arg?: unknown) => guard(() => ctl.actionsOnPeople.unblockCommand(typeof arg === 'string' ? arg : undefined))()),
    vscode.commands.registerCommand(Commands.setPassphrase, (arg?: unknown) => guard(async () => {
      if (await passphrase.set(typeof arg === 'string' ? arg : undefined)) ctl.securityChanged('set');
    })()),
    vscode.commands.registerCommand(Commands.clearPassphrase, guard(async () => {
      await passphrase.clear();
      ctl.securityChanged('cleared');
    })),
  ];
}
