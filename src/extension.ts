// Wiring only: build the objects, register commands and the view, hand disposables to VS Code.
import * as vscode from 'vscode';
import { OUTPUT_CHANNEL, Settings, VIEW_ID } from './constants';
import { ChatController } from './host/chatController';
import { ChatViewProvider } from './host/chatViewProvider';
import { registerCommands } from './host/commands';
import { Conversation, DEFAULT_HISTORY_LIMIT } from './host/conversation';
import { historyStore } from './host/historyStorage';
import type { ConversationMemo } from './host/lanChats';
import { IdentityStore } from './host/identityStore';
import { PassphraseStore } from './host/passphrase';
import { openWalkthroughOnce } from './host/walkthrough';
import { WorkspaceTrustNotices } from './host/workspaceTrust';

/** What tests reach through `extension.exports`. */
export interface UdpChatApi {
  controller: ChatController;
  /** Restricted Mode: the folder's settings that are ignored until it is trusted. */
  trust: WorkspaceTrustNotices;
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
  const identities = new IdentityStore(context.secrets, context.globalState, log);
  const ctl = new ChatController(log, conversation, {
    psk: () => passphrase.psk(),
    identity: () => identities.load(),
    trust: () => identities.trust(),
  }, {
    storageDir: storageDir.scheme === 'file' ? storageDir.fsPath : undefined,
    memo: {
      get: () => context.workspaceState.get<Record<string, ConversationMemo>>('udpChat.conversations', {}),
      set: (v) => void context.workspaceState.update('udpChat.conversations', v),
    },
    // Groups belong to this installation's identity (like the known people): global state.
    groups: {
      load: () => context.globalState.get<string>('udpChat.groups'),
      save: (data) => void context.globalState.update('udpChat.groups', data),
    },
  });
  controller = ctl;
  ctl.sessionMemory = {
    get: () => context.workspaceState.get<boolean>('udpChat.sessionActive', false),
    set: (active) => void context.workspaceState.update('udpChat.sessionActive', active),
  };
  ctl.drafts = {
    get: () => context.workspaceState.get<string>('udpChat.draft', ''),
    set: (text) => void context.workspaceState.update('udpChat.draft', text),
  };
  ctl.lanDrafts = {
    get: () => context.workspaceState.get<Record<string, string>>('udpChat.drafts', {}),
    set: (v) => void context.workspaceState.update('udpChat.drafts', v),
  };
  const view = new ChatViewProvider(context.extensionUri, {
    getSnapshot: () => ctl.snapshot(),
    onMessage: (m) => ctl.onWebviewMessage(m),
    onVisibilityChanged: (v) => ctl.onVisibilityChanged(v),
  });
  ctl.view = view;

  context.subscriptions.push(
    vscode.window.registerWebviewViewProvider(VIEW_ID, view),
    view,
    { dispose: () => void ctl.dispose() },
    ...registerCommands(ctl, passphrase, context.secrets, log),
  );
  // Restricted Mode: the folder's peer, bind and discovery settings are ignored; say so, and follow
  // the folder's settings once the user trusts it (workspaceTrust.ts).
  const trust = new WorkspaceTrustNotices({
    log,
    announce: (level, text, actions, then) => ctl.announce(level, text, actions, then),
    peerMayHaveChanged: () => ctl.peerMayHaveChanged(),
  });
  context.subscriptions.push(trust);
  await trust.check().catch((e) => log.error(`Workspace Trust check failed: ${e instanceof Error ? e.message : String(e)}`));
  if (historyProblem) ctl.reportHistoryProblem(historyProblem);
  log.info('UDP Chat activated');
  // The first time ever (this user, any workspace): the getting-started walkthrough.
  void openWalkthroughOnce(context.globalState, context.extensionMode === vscode.ExtensionMode.Production).catch((e) => log.warn(`Walkthrough: ${e instanceof Error ? e.message : String(e)}`));
  // A session that was running when the window closed or reloaded goes on (its queue with it).
  void ctl.restore().catch((e) => log.error(`Resume failed: ${e instanceof Error ? e.message : String(e)}`));
  return { controller: ctl, trust };
}

export async function deactivate(): Promise<void> {
  await controller?.dispose();
  controller = undefined;
}
