// Wiring only: build the objects, register commands and the view, hand disposables to VS Code.
import * as vscode from 'vscode';
import { Commands, CONTEXT_HAS_PASSPHRASE, OUTPUT_CHANNEL, SECRET_PASSPHRASE, Settings, VIEW_ID } from './constants';
import { ChatController } from './host/chatController';
import { ChatViewProvider } from './host/chatViewProvider';
import { Conversation, DEFAULT_HISTORY_LIMIT } from './host/conversation';
import { historyStore } from './host/historyStorage';
import { PassphraseStore } from './host/passphrase';

/** What tests reach through `extension.exports`. */
export interface UdpChatApi {
  controller: ChatController;
}

let controller: ChatController | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<UdpChatApi> {
  const log = vscode.window.createOutputChannel(OUTPUT_CHANNEL, { log: true });
  context.subscriptions.push(log);

  const storageDir = context.storageUri ?? context.globalStorageUri;
  const limit = vscode.workspace.getConfiguration(Settings.section).get<number>(Settings.historyLimit, DEFAULT_HISTORY_LIMIT);
  const conversation = new Conversation(historyStore(storageDir, (l) => log.warn(l)), limit, (e) => log.error(`History: ${e instanceof Error ? e.message : String(e)}`));
  const historyProblem = await conversation.load();

  const passphrase = new PassphraseStore(context.secrets);
  // The palette offers Clear Passphrase only when there is one.
  const syncPassphraseContext = async () => vscode.commands.executeCommand('setContext', CONTEXT_HAS_PASSPHRASE, await passphrase.has());
  void syncPassphraseContext();
  context.subscriptions.push(context.secrets.onDidChange((e) => { if (e.key === SECRET_PASSPHRASE) void syncPassphraseContext(); }));
  const ctl = new ChatController(log, conversation, passphrase);
  controller = ctl;
  ctl.sessionMemory = {
    get: () => context.workspaceState.get<boolean>('udpChat.sessionActive', false),
    set: (active) => void context.workspaceState.update('udpChat.sessionActive', active),
  };
  ctl.drafts = {
    get: () => context.workspaceState.get<string>('udpChat.draft', ''),
    set: (text) => void context.workspaceState.update('udpChat.draft', text),
  };
  const view = new ChatViewProvider(context.extensionUri, {
    getSnapshot: () => ctl.snapshot(),
    onMessage: (m) => ctl.onWebviewMessage(m),
    onVisibilityChanged: (v) => ctl.onVisibilityChanged(v),
  });
  ctl.view = view;

  const guard = (fn: () => unknown) => async () => {
    try {
      await fn();
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      log.error(msg);
      void vscode.window.showErrorMessage(`UDP Chat: ${msg}`);
    }
  };

  context.subscriptions.push(
    vscode.window.registerWebviewViewProvider(VIEW_ID, view),
    view,
    { dispose: () => void ctl.dispose() },
    vscode.commands.registerCommand(Commands.start, guard(() => ctl.start())),
    vscode.commands.registerCommand(Commands.setPeer, (arg?: unknown) => guard(() => ctl.setPeer(typeof arg === 'string' ? arg : undefined))()),
    vscode.commands.registerCommand(Commands.endSession, guard(() => ctl.endSession())),
    vscode.commands.registerCommand(Commands.sendSelection, guard(() => ctl.sendSelection())),
    vscode.commands.registerCommand(Commands.clearHistory, guard(async () => {
      const pick = await vscode.window.showWarningMessage('Delete the chat history of this workspace?', { modal: true }, 'Clear History');
      if (pick) ctl.clearHistory();
    })),
    vscode.commands.registerCommand(Commands.setPassphrase, (arg?: unknown) => guard(async () => {
      if (await passphrase.set(typeof arg === 'string' ? arg : undefined)) ctl.securityChanged('set');
    })()),
    vscode.commands.registerCommand(Commands.clearPassphrase, guard(async () => {
      await passphrase.clear();
      ctl.securityChanged('cleared');
    })),
  );
  if (historyProblem) ctl.reportHistoryProblem(historyProblem);
  log.info('UDP Chat activated');
  // A session that was running when the window closed or reloaded goes on (its queue with it).
  void ctl.restore().catch((e) => log.error(`Resume failed: ${e instanceof Error ? e.message : String(e)}`));
  return { controller: ctl };
}

export async function deactivate(): Promise<void> {
  await controller?.dispose();
  controller = undefined;
}
